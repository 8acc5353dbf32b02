"""``goalplan sync caldav`` and ``goalplan calendar``: the plugin's command-line faces."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

import click

import goalplan
from goalplan_ical.options import OPTION_HELP

OPTIONS_HELP = (
    "Calendar option KEY=VALUE (repeatable): " + ", ".join(OPTION_HELP) + " (see docs/calendar.md)."
)


def _goalplan(ctx: click.Context) -> tuple[goalplan.Goalplan, str]:
    """The store the ``goalplan`` group opened (its context object has ``goalplan()`` and ``db``)."""
    app = ctx.find_root().obj
    return app.goalplan(), str(app.db)


def _logs(gp: goalplan.Goalplan, plan: str | None, all_plans: bool) -> Iterable[goalplan.PlanLog]:
    if all_plans == bool(plan):
        raise click.UsageError("give either a PLAN or --all.")
    return gp.logs() if all_plans else [gp.plan(plan or "").log()]


@click.group("sync")
def sync_group() -> None:
    """Copy plan dates to other systems."""


@sync_group.command("caldav")
@click.argument("url")
@click.argument("plan", required=False)
@click.option("--all", "all_plans", is_flag=True, help="Sync every plan in the store.")
@click.option("--user", default=None, help="User name for the calendar server.")
@click.option(
    "--password-env",
    metavar="VAR",
    default=None,
    help="Name of the environment variable that holds the password (never the password itself).",
)
@click.option("--option", "option_pairs", multiple=True, help=OPTIONS_HELP)
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Sync state file (default: $GOALPLAN_SYNC_STATE, else beside a SQLite --db, "
    "else ~/.local/state/goalplan/).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Send every entry unconditionally, replacing copies edited or removed on the server.",
)
@click.pass_context
def caldav(
    ctx: click.Context,
    url: str,
    plan: str | None,
    all_plans: bool,
    user: str | None,
    password_env: str | None,
    option_pairs: tuple[str, ...],
    state_file: Path | None,
    force: bool,
) -> None:
    """Push review reminders and goal target dates to the CalDAV calendar collection at URL.

    Each entry is created once and updated in place after; entries that no longer apply are
    updated to CANCELLED. Only what changed since the last sync is sent.
    """
    from goalplan_ical.caldav_client import CalDAVClient, collection_url
    from goalplan_ical.options import parse_options
    from goalplan_ical.sync import sync_caldav
    from goalplan_ical.sync_state import default_state_path

    options = parse_options(goalplan.parse_option_pairs(option_pairs))
    collection_url(url)
    password = _password(user, password_env)
    gp, db = _goalplan(ctx)
    logs = _logs(gp, plan, all_plans)
    client = CalDAVClient(url, user=user, password=password)
    if password is not None and not client.encrypted and not client.loopback:
        warning = f"goalplan: warning: the password goes unencrypted to {client.where}; use https."
        click.echo(warning, err=True)
    report = sync_caldav(
        logs,
        client,
        options,
        state_file or default_state_path(db),
        log_position=gp.store.head_position() if all_plans else None,
        force=force,
    )
    click.echo(str(report))


def _password(user: str | None, variable: str | None) -> str | None:
    if variable is None:
        if user is not None:
            raise goalplan.RejectedError(
                "--password-env",
                "give the name of the environment variable that holds the password for --user.",
            )
        return None
    if user is None:
        raise goalplan.RejectedError("--password-env", "needs --user as well.")
    password = os.environ.get(variable)
    if password is None:
        raise goalplan.RejectedError("--password-env", f"the environment variable {variable} is not set.")
    return password


@click.command("calendar")
@click.argument("plan", required=False)
@click.option("--all", "all_plans", is_flag=True, help="One calendar holding every plan's entries.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--option", "option_pairs", multiple=True, help=OPTIONS_HELP)
@click.pass_context
def calendar_command(
    ctx: click.Context, plan: str | None, all_plans: bool, output: Path | None, option_pairs: tuple[str, ...]
) -> None:
    """Write an .ics calendar of a PLAN, or with --all of the whole caseload in one file."""
    from goalplan_ical import caseload_calendar, plan_calendar

    options = goalplan.parse_option_pairs(option_pairs)
    gp, _ = _goalplan(ctx)
    logs = _logs(gp, plan, all_plans)
    data = caseload_calendar(logs, options) if all_plans else plan_calendar(next(iter(logs)), options)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    goalplan.write_atomically(output, data)  # 0600, whole or not at all
    click.echo(f"Wrote {output}.", err=True)
