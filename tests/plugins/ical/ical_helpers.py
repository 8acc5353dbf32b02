"""Helpers to read calendars back (imported by the calendar tests)."""

from __future__ import annotations

import icalendar

import goalplan

CLIENT = "Jordan Quill"
STATEMENT = "I will join two social gatherings each month"
FOCUS = "Unease in groups"


def goal_id(plan: goalplan.Plan) -> str:
    (only,) = plan.state.goals
    return only


def events_by_uid(data: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def unfolded(data: bytes) -> str:
    """The text with RFC 5545 line folding undone, for searching."""
    return data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")
