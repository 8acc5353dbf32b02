"""Review reminders and goal target dates as iCalendar, exported as .ics or synced to CalDAV.

The icalendar library and the CalDAV client are imported only when a calendar is made, so
loading this plugin (for ``goalplan --help``, say) costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

import goalplan
from goalplan_ical.options import OPTION_HELP

if TYPE_CHECKING:
    import click

__all__ = ["caseload_calendar", "caseload_feed", "plan_calendar", "register_commands", "register_exporters"]


def plan_calendar(log: goalplan.PlanLog, options: Mapping[str, str]) -> bytes:
    """One plan's reviews and goal target dates as an .ics file (METHOD:PUBLISH)."""
    from goalplan_ical import render
    from goalplan_ical.entries import plan_entries, short_id
    from goalplan_ical.options import parse_options

    parsed = parse_options(options)
    return render.plan_calendar(
        plan_entries(log), parsed, name=f"Treatment plan {short_id(log.plan_id)} (goalplan)"
    )


def caseload_calendar(logs: Iterable[goalplan.PlanLog], options: Mapping[str, str]) -> bytes:
    """Every plan's entries in one calendar, for a clinician who wants a single subscription."""
    from goalplan_ical import render
    from goalplan_ical.entries import plan_entries
    from goalplan_ical.options import parse_options

    parsed = parse_options(options)
    entries = [entry for log in logs for entry in plan_entries(log)]
    entries.sort(key=lambda e: (e.facts.on, e.uid))
    return render.plan_calendar(entries, parsed, name="Treatment plan caseload (goalplan)")


def caseload_feed(
    logs: Iterable[goalplan.PlanLog], options: Mapping[str, str], refresh: timedelta = timedelta(hours=12)
) -> bytes:
    """A calendar to subscribe to: every plan's entries that still apply, none cancelled.

    A client replaces a subscribed calendar whole at each refresh, so an entry that stops
    applying simply drops out; plans with nothing due (closed plans) are left out.
    """
    from goalplan_ical import render
    from goalplan_ical.entries import plan_entries
    from goalplan_ical.options import parse_options

    parsed = parse_options(options)
    entries = [entry for log in logs for entry in plan_entries(log) if entry.live]
    entries.sort(key=lambda e: (e.facts.on, e.uid))
    return render.plan_calendar(
        entries, parsed, name="Treatment plan reviews and goal dates (goalplan)", refresh=refresh
    )


@goalplan.hookimpl
def register_exporters() -> list[goalplan.Exporter]:
    return [
        goalplan.Exporter(
            name="ics",
            suffix=".ics",
            media_type="text/calendar",
            description="Plan reviews and goal target dates as iCalendar events with reminders.",
            render=plan_calendar,
            options=OPTION_HELP,
        )
    ]


@goalplan.hookimpl
def register_commands(cli: click.Group) -> None:
    from goalplan_ical.commands import caldav, calendar_command, sync_group

    existing = cli.commands.get("sync")
    if isinstance(existing, type(sync_group)):
        existing.add_command(caldav)  # another plugin made the group first
    else:
        cli.add_command(sync_group)
    cli.add_command(calendar_command)
