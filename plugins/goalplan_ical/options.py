"""The calendar options (``--option KEY=VALUE``), checked once so rendering never sees a bad value."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from attrs import frozen

import goalplan

OPTION_HELP: dict[str, str] = {
    "tz": "IANA time zone (e.g. Europe/Berlin): timed events with a VTIMEZONE instead of all-day ones.",
    "time": "Start time HH:MM for timed events (default 09:00; needs tz).",
    "duration": "Length of timed events, e.g. 50m or 1h30m (default 1h; needs tz).",
    "alarms": "Reminders before each event, e.g. 7d,1d (the default), 2h, 1w, or none.",
    "details": "true to put the client's name and goal text in the entries (default false: no client data).",
    "email": "The clinician's e-mail address for ORGANIZER (default: a urn:uuid derived from the name).",
}

_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off"})
_SPAN = re.compile(r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")
_EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")
MAX_ALARMS = 5


@frozen(kw_only=True)
class CalendarOptions:
    tz: str | None = None
    start: time = time(9, 0)
    duration: timedelta = timedelta(hours=1)
    alarms: tuple[timedelta, ...] = (timedelta(days=7), timedelta(days=1))
    details: bool = False
    email: str | None = None

    @property
    def timed(self) -> bool:
        return self.tz is not None

    @property
    def zone(self) -> ZoneInfo | None:
        return ZoneInfo(self.tz) if self.tz else None

    def digest(self) -> str:
        """Identifies the options, so a sync notices when they change."""
        described = {
            "tz": self.tz,
            "start": self.start.isoformat(),
            "duration": self.duration.total_seconds(),
            "alarms": [a.total_seconds() for a in self.alarms],
            "details": self.details,
            "email": self.email,
        }
        return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]


def parse_options(options: Mapping[str, str]) -> CalendarOptions:
    """Check every option; a bad one is refused with one sentence naming it."""
    for key in options:
        if key not in OPTION_HELP:
            raise goalplan.RejectedError(
                f"--option {key}", f"is not a calendar option; the options are: {', '.join(OPTION_HELP)}."
            )
    tz = _zone(options["tz"]) if "tz" in options else None
    for needs_tz in ("time", "duration"):
        if needs_tz in options and tz is None:
            raise goalplan.RejectedError(
                f"--option {needs_tz}",
                "applies to timed events only; add --option tz=<IANA zone>, e.g. tz=Europe/Berlin.",
            )
    return CalendarOptions(
        tz=tz,
        start=_start(options["time"]) if "time" in options else time(9, 0),
        duration=_duration(options["duration"]) if "duration" in options else timedelta(hours=1),
        alarms=_alarms(options["alarms"]) if "alarms" in options else (timedelta(days=7), timedelta(days=1)),
        details=_flag("details", options.get("details", "false")),
        email=_email(options["email"]) if "email" in options else None,
    )


def _zone(value: str) -> str:
    name = value.strip()
    try:
        if not name or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise goalplan.RejectedError(
            "--option tz", f"{value!r} is not a known IANA time zone; give a name such as Europe/Berlin."
        ) from None
    return name


def _start(value: str) -> time:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
    if not match:
        raise goalplan.RejectedError(
            "--option time", f"must be a time of day HH:MM, e.g. 09:00 (got {value!r})."
        )
    return time(int(match[1]), int(match[2]))


def _span(field: str, value: str) -> timedelta:
    text = value.strip().lower()
    match = _SPAN.fullmatch(text)
    if not text or not match:
        raise goalplan.RejectedError(
            field, f"must be a span such as 7d, 2h, 30m or 1h30m (w, d, h, m units; got {value!r})."
        )
    try:
        weeks, days, hours, minutes = (int(g) if g else 0 for g in match.groups())
        return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
    except (OverflowError, ValueError):  # more days than a timedelta holds, or digits than int() reads
        shown = value if len(value) <= 24 else value[:20] + "..."
        raise goalplan.RejectedError(field, f"{shown!r} is far too long a span.") from None


def refresh_interval(value: str) -> timedelta:
    """How often a feed's subscribers fetch it again (``calendar --feed --refresh``)."""
    span = _span("--refresh", value)
    if not timedelta(hours=1) <= span <= timedelta(days=7):
        raise goalplan.RejectedError("--refresh", f"must be between 1h and 7d (got {value!r}).")
    return span


def _duration(value: str) -> timedelta:
    span = _span("--option duration", value)
    if not timedelta(minutes=5) <= span <= timedelta(hours=24):
        raise goalplan.RejectedError("--option duration", f"must be between 5m and 24h (got {value!r}).")
    return span


def _alarms(value: str) -> tuple[timedelta, ...]:
    if value.strip().lower() in {"none", ""}:
        return ()
    spans = [_span("--option alarms", part) for part in value.split(",")]
    if len(spans) > MAX_ALARMS:
        raise goalplan.RejectedError(
            "--option alarms", f"allows at most {MAX_ALARMS} reminders (got {len(spans)})."
        )
    if any(s > timedelta(days=365) for s in spans):
        raise goalplan.RejectedError("--option alarms", "a reminder can be at most 365d before the event.")
    return tuple(sorted(set(spans), reverse=True))


def _flag(name: str, value: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise goalplan.RejectedError(f"--option {name}", f"must be true or false (got {value!r}).")


def _email(value: str) -> str:
    text = value.strip()
    if not _EMAIL.fullmatch(text):
        raise goalplan.RejectedError(
            "--option email", f"must be an e-mail address like name@example.org (got {value!r})."
        )
    return text
