// Reads an .ics file with ical.js, as Thunderbird and other Mozilla-based clients do, and prints
// each VEVENT's UID with its start and end as Unix seconds (UTC), one JSON object per line.
// The calendar's own VTIMEZONEs are registered first, so the times come from their rules.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const calendar = new ICAL.Component(ICAL.parse(readFileSync(process.argv[2], "utf8")));
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
for (const vevent of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  console.log(
    JSON.stringify({
      uid: event.uid,
      start: event.startDate.toUnixTime(),
      end: event.endDate.toUnixTime(),
      zone: event.startDate.zone ? event.startDate.zone.tzid : null,
    }),
  );
}
