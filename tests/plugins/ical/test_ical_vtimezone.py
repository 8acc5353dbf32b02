"""The VTIMEZONE is read the same by four independent parsers, and as the tz database says.

Each zone's calendar holds an event at 09:00 local every day of two years, and one every hour
(where the local time exists once) on each day the clocks change. The TZID is renamed so no
reader can fall back on a zone database of its own: every answer comes from the VTIMEZONE.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import goalplan
from goalplan_ical import plan_calendar
from goalplan_ical.vtimezone import build_vtimezone
from tests.plugins.ical.calendar_readers import (
    Starts,
    read_with_icalendar,
    read_with_icaljs,
    read_with_libical,
    read_with_vobject,
)
from tests.plugins.ical.ical_helpers import goal_id

ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata")
FIRST, LAST = date(2026, 1, 1), date(2027, 12, 31)


def _readers(folder: Path) -> dict[str, Callable[[bytes], Starts]]:
    return {
        "icalendar": read_with_icalendar,
        "vobject": read_with_vobject,
        "libical": read_with_libical,
        "ical.js": lambda data: read_with_icaljs(data, folder),
    }


READERS = ("icalendar", "vobject", "libical", "ical.js")


def _exists_once(local: datetime, zone: ZoneInfo) -> bool:
    """False for a wall time skipped (spring) or repeated (autumn) by a clock change."""
    aware = local.replace(tzinfo=zone)
    there_and_back = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    other = local.replace(tzinfo=zone, fold=1)
    return there_and_back == local and aware.utcoffset() == other.utcoffset()


def _local_times(zone: ZoneInfo) -> list[datetime]:
    days = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
    found = [datetime.combine(day, time(9, 0)) for day in days]
    for day in days:
        if (
            datetime.combine(day, time(0), zone).utcoffset()
            != datetime.combine(day + timedelta(days=1), time(0), zone).utcoffset()
        ):
            found += [datetime.combine(day, time(hour, 30)) for hour in range(24)]
    return [t for t in found if _exists_once(t, zone)]


def _calendar(tzid: str, vtimezone: str, times: list[datetime]) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//goalplan tests//EN"]
    lines += [line for line in vtimezone.replace("\r\n", "\n").splitlines() if line]
    for n, local in enumerate(times):
        stamp = local.strftime("%Y%m%dT%H%M%S")
        lines += [
            "BEGIN:VEVENT",
            f"UID:event-{n}",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART;TZID={tzid}:{stamp}",
            "DURATION:PT1H",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def _renamed(zone_name: str) -> tuple[str, str]:
    """Our VTIMEZONE under a TZID no reader knows by itself."""
    tzid = "X-GOALPLAN-TEST-" + zone_name.replace("/", "-")
    text = build_vtimezone(zone_name, FIRST, LAST).to_ical().decode()
    return tzid, text.replace(f"TZID:{zone_name}", f"TZID:{tzid}")


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("zone_name", ZONES)
def test_every_reader_gets_the_tz_database_instants(zone_name: str, reader: str, tmp_path: Path) -> None:
    zone = ZoneInfo(zone_name)
    times = _local_times(zone)
    tzid, vtimezone = _renamed(zone_name)
    read = _readers(tmp_path)[reader](_calendar(tzid, vtimezone, times))
    expected = {f"event-{n}": t.replace(tzinfo=zone).astimezone(UTC) for n, t in enumerate(times)}
    wrong = {uid: (expected[uid], read.get(uid)) for uid in expected if read.get(uid) != expected[uid]}
    example = next(iter(wrong.items()), None)
    assert not wrong, f"{reader} reads {len(wrong)} of {len(expected)} starts differently, e.g. {example}"
    assert len(expected) > 700


# A VTIMEZONE in the form icalendar's Timezone.from_tzid writes (first onset plus RDATE, the spring
# onset in the new local time): the check above must catch it, or it proves nothing.
LEGACY = """BEGIN:VTIMEZONE
TZID:X-LEGACY
BEGIN:STANDARD
DTSTART:20260101T000000
TZNAME:CET
TZOFFSETFROM:+0100
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20260329T030000
RDATE:20270328T030000
TZNAME:CEST
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20261025T030000
RDATE:20271031T030000
TZNAME:CET
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
"""


def test_icaljs_reads_the_legacy_form_an_hour_late_in_summer_2026(tmp_path: Path) -> None:
    summer = datetime(2026, 6, 15, 9, 0)
    read = read_with_icaljs(_calendar("X-LEGACY", LEGACY, [summer]), tmp_path)
    assert read["event-0"] == datetime(2026, 6, 15, 8, 0, tzinfo=UTC)  # 07:00 UTC is right
    tzid, ours = _renamed("Europe/Berlin")
    read = read_with_icaljs(_calendar(tzid, ours, [summer]), tmp_path)
    assert read["event-0"] == datetime(2026, 6, 15, 7, 0, tzinfo=UTC)


def test_berlin_rules_are_yearly_with_the_onset_in_the_old_local_time() -> None:
    text = build_vtimezone("Europe/Berlin", FIRST, LAST).to_ical().decode().replace("\r\n", "\n")
    assert "RDATE" not in text
    daylight = text.split("BEGIN:DAYLIGHT\n")[1].split("END:DAYLIGHT")[0]
    standard = text.split("BEGIN:STANDARD\n")[1].split("END:STANDARD")[0]
    assert daylight.startswith("DTSTART:19810329T020000\n")  # 02:00 CET, last Sunday of March, since 1981
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\n" in daylight
    assert "TZOFFSETFROM:+0100\nTZOFFSETTO:+0200\n" in daylight
    assert standard.startswith("DTSTART:19961027T030000\n")  # 03:00 CEST, last Sunday of October, since 1996
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\n" in standard


def test_southern_hemisphere_and_no_daylight_saving() -> None:
    sydney = build_vtimezone("Australia/Sydney", FIRST, LAST).to_ical().decode()
    assert "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=10" in sydney  # summer time starts in October
    assert "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4" in sydney
    kolkata = build_vtimezone("Asia/Kolkata", FIRST, LAST).to_ical().decode()
    assert kolkata.count("BEGIN:STANDARD") == 1 and "DAYLIGHT" not in kolkata and "RRULE" not in kolkata
    assert "TZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530" in kolkata


def test_a_rule_that_ended_gets_an_until() -> None:
    """Sao Paulo dropped daylight saving in 2019: its last rules end, and no open rule claims more."""
    text = build_vtimezone("America/Sao_Paulo", date(2018, 1, 1), date(2020, 12, 31)).to_ical().decode()
    rules = [line for line in text.splitlines() if line.startswith("RRULE")]
    assert rules and all("UNTIL=" in line for line in rules)


def test_the_same_span_gives_the_same_bytes() -> None:
    one = build_vtimezone("America/New_York", FIRST, LAST).to_ical()
    assert one == build_vtimezone("America/New_York", FIRST, LAST).to_ical()


@pytest.mark.parametrize("reader", READERS)
def test_an_exported_summer_entry_is_read_at_its_berlin_time(
    plan: goalplan.Plan, reader: str, tmp_path: Path
) -> None:
    """The plan's goal is due 2026-04-01 and its review 2026-04-05, both in summer time."""
    data = plan_calendar(plan.log(), {"tz": "Europe/Berlin", "time": "09:00"})
    read = _readers(tmp_path)[reader](data)
    uid = f"goalplan-{plan.id}-goal-{goal_id(plan)}-target"
    assert read[uid] == datetime(2026, 4, 1, 7, 0, tzinfo=UTC)
    assert read[f"goalplan-{plan.id}-review-1"] == datetime(2026, 4, 5, 7, 0, tzinfo=UTC)
