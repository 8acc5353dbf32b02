"""``goalplan sync caldav`` and ``goalplan calendar``: the plugin's command-line faces."""

from __future__ import annotations

import functools
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


def _logs(
    gp: goalplan.Goalplan, plan: str | None, all_plans: bool, changed_after: int | None = None
) -> Iterable[goalplan.PlanLog]:
    """One plan's log, or with --all those of the plans with a date in their calendar now.

    A plan without one (closed, or without dates) has no live entry; a sync also takes the
    plans written since its last run (``changed_after``), so entries that stopped applying
    are cancelled on the server.
    """
    if all_plans == bool(plan):
        raise click.UsageError("give either a PLAN or --all.")
    return gp.dated_logs(changed_after=changed_after) if all_plans else [gp.plan(plan or "").log()]


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
@click.option(
    "--ca-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="PEM file of the certificate authority to trust for an https:// server with a private "
    "certificate (default: the system's trusted authorities, or $SSL_CERT_FILE).",
)
@click.option(
    "--auth",
    "auth_scheme",
    type=click.Choice(["auto", "basic", "digest"]),
    default="auto",
    show_default=True,
    help="HTTP authentication: auto sends Basic and switches to Digest when the server asks for "
    "it; digest never sends the password itself.",
)
@click.option(
    "--delete-cancelled-after",
    "delete_after_days",
    type=click.IntRange(0, 3650),
    metavar="DAYS",
    default=None,
    help="Delete entries from the server once they have been cancelled for DAYS days "
    "(default: keep them, marked CANCELLED).",
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
    ca_file: Path | None,
    auth_scheme: str,
    delete_after_days: int | None,
) -> None:
    """Push review reminders and goal target dates to the CalDAV calendar collection at URL.

    Each entry is created once and updated in place after; entries that no longer apply are
    updated to CANCELLED (and deleted after --delete-cancelled-after DAYS). Only what changed
    since the last sync is sent. With --all on a terminal, a progress bar counts the plans.
    """
    from datetime import timedelta

    from goalplan_ical.caldav_client import CalDAVClient, collection_url
    from goalplan_ical.options import parse_options
    from goalplan_ical.sync import sync_caldav
    from goalplan_ical.sync_state import default_state_path

    options = parse_options(goalplan.parse_option_pairs(option_pairs))
    collection_url(url)
    password = _password(user, password_env)
    gp, db = _goalplan(ctx)
    if ca_file is not None and not url.strip().lower().startswith("https://"):
        raise goalplan.RejectedError("--ca-file", "applies to https:// URLs only.")
    if all_plans == bool(plan):
        raise click.UsageError("give either a PLAN or --all.")
    client = CalDAVClient(url, user=user, password=password, ca_file=ca_file, auth=auth_scheme)
    state_path = state_file or default_state_path(db)
    # Every plan the first time; after that the plans with dates and those written since. Deleting
    # cancelled entries after some days has to look at every plan again, however long ago it ended.
    changed_after = None
    if all_plans:
        changed_after = 0 if delete_after_days is not None else _synced_position(state_path, client.url)
    logs = _logs(gp, plan, all_plans, changed_after)
    if password is not None and not client.encrypted and not client.loopback and auth_scheme != "digest":
        warning = f"goalplan: warning: the password goes unencrypted to {client.where}; use https."
        click.echo(warning, err=True)
    delete_after = timedelta(days=delete_after_days) if delete_after_days is not None else None
    run = functools.partial(
        sync_caldav,
        logs,
        client,
        options,
        state_path,
        log_position=gp.store.head_position() if all_plans else None,
        force=force,
        delete_cancelled_after=delete_after,
    )
    if all_plans and sys.stderr.isatty():
        # Quiet when not on a terminal (cron, pipes); on one, a long --all sync shows it is alive.
        total = len(gp.dated_plan_ids(changed_after=changed_after))
        with click.progressbar(length=total, label="Syncing plans", file=sys.stderr) as bar:
            report = run(progress=bar.update)
    else:
        report = run()
    click.echo(str(report))


def _synced_position(state_path: Path, calendar: str) -> int:
    """The log position the last ``--all`` sync to this calendar reached (0 if none)."""
    from goalplan_ical.sync_state import SyncState

    state = SyncState(state_path)
    try:
        return state.position(calendar) or 0
    finally:
        state.close()


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
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
@click.option("--option", "option_pairs", multiple=True, help=OPTIONS_HELP)
@click.option(
    "--feed",
    is_flag=True,
    help="With --all: a calendar to subscribe to, holding only the entries that still apply, "
    "with a refresh interval.",
)
@click.option(
    "--refresh",
    default="12h",
    show_default=True,
    help="With --feed: how often subscribed clients fetch the feed again, 1h to 7d (e.g. 6h, 1d).",
)
@click.pass_context
def calendar_command(
    ctx: click.Context,
    plan: str | None,
    all_plans: bool,
    output: Path | None,
    option_pairs: tuple[str, ...],
    feed: bool,
    refresh: str,
) -> None:
    """Write an .ics calendar of a PLAN, or with --all of the whole caseload in one file."""
    from goalplan_ical import caseload_calendar, caseload_feed, plan_calendar
    from goalplan_ical.options import refresh_interval

    options = goalplan.parse_option_pairs(option_pairs)
    if feed and not all_plans:
        raise goalplan.RejectedError("--feed", "needs --all: a feed holds the whole caseload.")
    if not feed and ctx.get_parameter_source("refresh") != click.core.ParameterSource.DEFAULT:
        raise goalplan.RejectedError("--refresh", "applies to --feed only.")
    interval = refresh_interval(refresh) if feed else None
    gp, _ = _goalplan(ctx)
    logs = _logs(gp, plan, all_plans)
    if interval is not None:
        data = caseload_feed(logs, options, interval)
    elif all_plans:
        data = caseload_calendar(logs, options)
    else:
        data = plan_calendar(next(iter(logs)), options)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    goalplan.write_atomically(output, data)  # 0600, whole or not at all
    click.echo(f"Wrote {output}.", err=True)
