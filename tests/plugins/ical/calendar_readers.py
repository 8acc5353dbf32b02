"""Independent iCalendar readers, each turning every VEVENT's start into a UTC instant from the
calendar's own VTIMEZONE: icalendar, vobject, libical (the C library, through ctypes) and ical.js
(Mozilla's parser, under Node). Readers that are not installed are skipped locally and fail the
run under CI=true, so CI cannot pass without having checked them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest

JS_DIR = Path(__file__).parent / "js"
Starts = dict[str, datetime]


def missing(what: str) -> None:
    """Skip for a developer without the reader; fail in CI, where .ci/run installs it."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing in CI; .ci/run should have installed it")
    pytest.skip(f"{what} is not installed")


def read_with_icalendar(data: bytes) -> Starts:
    calendar = icalendar.Calendar.from_ical(data)
    zones = {str(tz["TZID"]): tz.to_tz() for tz in calendar.walk("VTIMEZONE")}
    found: Starts = {}
    for event in calendar.walk("VEVENT"):
        prop = event["DTSTART"]
        naive = prop.dt.replace(tzinfo=None)
        zone = zones[str(prop.params["TZID"])]
        found[str(event["UID"])] = naive.replace(tzinfo=zone).astimezone(UTC)
    return found


def read_with_vobject(data: bytes) -> Starts:
    import vobject

    # vobject attaches the tzinfo it built from the calendar's VTIMEZONE to each DTSTART.
    calendar = vobject.readOne(data.decode("utf-8"))
    found: Starts = {}
    for event in calendar.contents.get("vevent", []):
        start = event.dtstart.value
        assert start.tzinfo is not None, "vobject did not resolve the TZID"
        found[event.uid.value] = start.astimezone(UTC)
    return found


class _IcalTime(ctypes.Structure):
    _fields_ = [
        ("year", ctypes.c_int),
        ("month", ctypes.c_int),
        ("day", ctypes.c_int),
        ("hour", ctypes.c_int),
        ("minute", ctypes.c_int),
        ("second", ctypes.c_int),
        ("is_date", ctypes.c_int),
        ("is_daylight", ctypes.c_int),
        ("zone", ctypes.c_void_p),
    ]


def _libical() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("ical")
    if name is None:
        return None
    lib = ctypes.CDLL(name)
    lib.icalparser_parse_string.restype = ctypes.c_void_p
    lib.icalparser_parse_string.argtypes = [ctypes.c_char_p]
    lib.icalcomponent_string_to_kind.restype = ctypes.c_int
    lib.icalcomponent_string_to_kind.argtypes = [ctypes.c_char_p]
    for walk in (lib.icalcomponent_get_first_component, lib.icalcomponent_get_next_component):
        walk.restype = ctypes.c_void_p
        walk.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.icalcomponent_get_uid.restype = ctypes.c_char_p
    lib.icalcomponent_get_uid.argtypes = [ctypes.c_void_p]
    lib.icalcomponent_get_dtstart.restype = _IcalTime
    lib.icalcomponent_get_dtstart.argtypes = [ctypes.c_void_p]
    lib.icaltime_as_timet_with_zone.restype = ctypes.c_int64
    lib.icaltime_as_timet_with_zone.argtypes = [_IcalTime, ctypes.c_void_p]
    lib.icalcomponent_free.argtypes = [ctypes.c_void_p]
    return lib


def read_with_libical(data: bytes) -> Starts:
    lib = _libical()
    if lib is None:
        missing("libical (Debian package libical3)")
        raise AssertionError("unreachable")
    root = lib.icalparser_parse_string(data)
    assert root, "libical could not parse the calendar"
    vevent = lib.icalcomponent_string_to_kind(b"VEVENT")
    found: Starts = {}
    try:
        event = lib.icalcomponent_get_first_component(root, vevent)
        while event:
            start = lib.icalcomponent_get_dtstart(event)
            assert start.zone, "libical did not resolve the TZID to the calendar's VTIMEZONE"
            seconds = lib.icaltime_as_timet_with_zone(start, start.zone)
            found[lib.icalcomponent_get_uid(event).decode()] = datetime.fromtimestamp(seconds, UTC)
            event = lib.icalcomponent_get_next_component(root, vevent)
    finally:
        lib.icalcomponent_free(root)
    return found


def read_with_icaljs(data: bytes, folder: Path) -> Starts:
    node = shutil.which("node")
    if node is None:
        missing("node (for ical.js)")
    if not (JS_DIR / "node_modules" / "ical.js").is_dir():
        missing("the npm package ical.js (npm ci --prefix tests/plugins/ical/js)")
    path = folder / "read-by-icaljs.ics"
    path.write_bytes(data)
    done = subprocess.run(
        [str(node), str(JS_DIR / "read_ics.mjs"), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found: Starts = {}
    for line in done.stdout.splitlines():
        item = json.loads(line)
        found[item["uid"]] = datetime.fromtimestamp(item["start"], UTC)
    return found
