"""iCalendar (RFC 5545) bytes from calendar entries. Imported only when a calendar is made."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, vCalAddress, vDuration

from goalplan_ical import text
from goalplan_ical.entries import REVIEW, CalendarEntry, Facts
from goalplan_ical.options import CalendarOptions
from goalplan_ical.vtimezone import build_vtimezone

PRODID = "-//goalplan//Treatment plan calendar//EN"
# Fixed namespace for the clinician's urn:uuid (a uuid5 of this and the name): stable everywhere.
ORGANIZER_NAMESPACE = uuid.UUID("6f1c7e55-3d9b-5a4e-9c1f-2b7d0c4e8a61")


def plan_calendar(
    entries: Sequence[CalendarEntry], options: CalendarOptions, name: str, refresh: timedelta | None = None
) -> bytes:
    """A whole calendar (one plan or a caseload) to publish as a file: METHOD:PUBLISH.

    ``refresh`` makes it a subscription feed: clients are told how often to fetch it again
    (REFRESH-INTERVAL, RFC 7986, and X-PUBLISHED-TTL, which Outlook and Apple read).
    """
    calendar = _calendar(options, name=name, method="PUBLISH")
    if refresh is not None:
        calendar.add("REFRESH-INTERVAL", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("X-PUBLISHED-TTL", vDuration(refresh))
    _add_timezone(calendar, options, [e.facts.on for e in entries])
    for entry in entries:
        calendar.add_component(_event(entry, options))
    return bytes(calendar.to_ical())


def resource(entry: CalendarEntry, options: CalendarOptions) -> bytes:
    """One CalDAV calendar object resource. RFC 4791 4.1 forbids METHOD in stored resources."""
    calendar = _calendar(options, name=None, method=None)
    _add_timezone(calendar, options, [entry.facts.on])
    calendar.add_component(_event(entry, options))
    return bytes(calendar.to_ical())


def organizer(facts: Facts, options: CalendarOptions) -> vCalAddress:
    """The clinician. Without an e-mail address a urn:uuid stands in: a registered URN form that
    no client mistakes for a mailbox to send invitations or replies to, and that is the same for
    the same clinician name in every plan and every export."""
    if options.email:
        address = vCalAddress(f"mailto:{options.email}")
    else:
        address = vCalAddress(f"urn:uuid:{uuid.uuid5(ORGANIZER_NAMESPACE, facts.clinician_name)}")
    cn = facts.clinician_name + (f", {facts.clinician_credentials}" if facts.clinician_credentials else "")
    address.params["CN"] = cn
    return address


def _calendar(options: CalendarOptions, *, name: str | None, method: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    if method:
        calendar.add("METHOD", method)
    if name:
        calendar.add("NAME", name)
        calendar.add("X-WR-CALNAME", name)
    return calendar


def _add_timezone(calendar: Calendar, options: CalendarOptions, days: Iterable[date]) -> None:
    """A VTIMEZONE covering the entries' years, so it depends on the entries and nothing else."""
    if options.tz is None or options.tz == "UTC":
        return
    years = [d.year for d in days]
    if not years:
        return
    first, last = date(min(years), 1, 1), date(max(years) + 1, 12, 31)
    calendar.add_component(build_vtimezone(options.tz, first, last))


def _event(entry: CalendarEntry, options: CalendarOptions) -> Event:
    facts = entry.facts
    event = Event()
    event.add("UID", entry.uid)
    event.add("DTSTAMP", _utc(entry.stamp))
    event.add("CREATED", _utc(entry.created))
    event.add("LAST-MODIFIED", _utc(entry.stamp))
    event.add("SEQUENCE", entry.sequence)
    start, end = _span(facts.on, options)
    event.add("DTSTART", start)
    event.add("DTEND", end)
    marked = f"{entry.warning}\n\n" if entry.warning else ""
    event.add("SUMMARY", ("[UNVERIFIED] " if entry.warning else "") + text.summary(facts, options.details))
    event.add("DESCRIPTION", marked + text.description(facts, options.details, entry.ended))
    event.add("CATEGORIES", ["Treatment plan review" if facts.kind == REVIEW else "Goal target date"])
    event.add("CLASS", "CONFIDENTIAL" if options.details else "PRIVATE")
    event.add("ORGANIZER", organizer(facts, options))
    event.add("STATUS", "CANCELLED" if entry.cancelled else "CONFIRMED")
    event.add("TRANSP", "OPAQUE" if options.timed else "TRANSPARENT")
    if entry.live:
        for before in options.alarms:
            alarm = Alarm()
            alarm.add("ACTION", "DISPLAY")
            alarm.add("TRIGGER", -before)
            alarm.add("DESCRIPTION", text.alarm_text(facts, options.details))
            event.add_component(alarm)
    return event


def _span(day: date, options: CalendarOptions) -> tuple[date | datetime, date | datetime]:
    if options.tz is None:
        return day, day + timedelta(days=1)
    start = datetime.combine(day, options.start, tzinfo=ZoneInfo(options.tz))
    return start, start + options.duration


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)
