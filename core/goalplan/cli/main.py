"""The ``goalplan`` command: a thin layer over the Python API."""

from __future__ import annotations

import io
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import click

from goalplan.cli.analytics_commands import analytics, gas_group, instruments, lint_group, score
from goalplan.cli.audit_command import audit
from goalplan.cli.context import AppContext, emit_json, json_option, pass_app
from goalplan.cli.goal_commands import correct, goal_group, progress, review
from goalplan.cli.migrate_command import migrate_command
from goalplan.cli.plan_commands import diagnosis_group, intervention, plan_group, safety_group
from goalplan.cli.text_view import history_text
from goalplan.errors import GoalplanError
from goalplan.files import describe, write_atomically
from goalplan.text import printable


def one_line(message: str) -> str:
    """A message as one printable line (a driver's multi-line error included)."""
    return printable(" ".join(part.strip() for part in message.splitlines() if part.strip()), multiline=False)


class ShortUsageError(click.UsageError):
    """click's usage error in two lines: where the help is, and what is wrong."""

    def show(self, file: Any = None) -> None:
        # click's order (where the help is, then the error last), without the usage line and gap.
        if self.ctx is not None:
            click.echo(f"Try '{self.ctx.command_path} {self.ctx.help_option_names[0]}' for help.", err=True)
        click.echo(f"Error: {one_line(self.format_message())}", err=True)


def _shorten(exc: click.UsageError, ctx: click.Context | None = None) -> ShortUsageError:
    short = ShortUsageError(exc.format_message(), exc.ctx or ctx)
    short.exit_code = exc.exit_code
    return short


class GoalplanGroup(click.Group):
    """Turns goalplan's own errors, and the file system's, into one line on stderr and exit 1."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except ShortUsageError:
            raise
        except click.UsageError as exc:
            raise _shorten(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ShortUsageError:
            raise
        except click.UsageError as exc:
            raise _shorten(exc, ctx) from None
        except GoalplanError as exc:
            click.echo(f"goalplan: {one_line(str(exc))}", err=True)
            ctx.exit(1)
        except BrokenPipeError:  # `goalplan log export | head`: the reader stopped reading
            click.echo("goalplan: the output was closed before everything was written.", err=True)
            ctx.exit(1)
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            click.echo(f"goalplan: {one_line(describe(exc))}{where}; nothing was written.", err=True)
            ctx.exit(1)
        except sqlite3.Error as exc:  # a plugin's own SQLite file (the CalDAV sync state...)
            click.echo(f"goalplan: a database file failed: {one_line(str(exc))}.", err=True)
            ctx.exit(1)


@click.group(cls=GoalplanGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar="GOALPLAN_DB",
    default="goalplan.db",
    show_default=True,
    help="Store: a SQLite file path, or a postgresql:// URL ($GOALPLAN_DB).",
)
@click.version_option(package_name="goalplan")
@click.pass_context
def cli(ctx: click.Context, db: str) -> None:
    """goalplan: SMART treatment plans kept as an append-only, verifiable log."""
    app = AppContext(db)
    ctx.obj = app
    ctx.call_on_close(app.close)


cli.add_command(plan_group)
cli.add_command(goal_group)
cli.add_command(progress)
cli.add_command(review)
cli.add_command(intervention)
cli.add_command(diagnosis_group)
cli.add_command(safety_group)
cli.add_command(correct)
cli.add_command(lint_group)
cli.add_command(score)
cli.add_command(instruments)
cli.add_command(gas_group)
cli.add_command(analytics)
cli.add_command(migrate_command)
cli.add_command(audit)


@cli.command("history")
@click.argument("plan")
@click.option("--goal", default=None, help="Only this goal's changes.")
@json_option
@pass_app
def history(app: AppContext, plan: str, goal: str | None, as_json: bool) -> None:
    """Every change: who, when, field old → new, and why."""
    entries = app.goalplan().plan(plan).history(goal)
    if as_json:
        emit_json([e.to_json() for e in entries])
    else:
        click.echo(printable(history_text(entries)), nl=False)


@cli.command("verify")
@click.argument("plan", required=False)
@pass_app
def verify(app: AppContext, plan: str | None) -> None:
    """Check every hash chain; names the first broken link and exits 1 if any."""
    gp = app.goalplan()
    breaks = gp.verify(plan)
    if breaks:
        for found in breaks:
            click.echo(f"goalplan: broken chain: {one_line(str(found))}.", err=True)
        sys.exit(1)
    if plan:
        plan_id = gp.resolve_plan_id(plan)
        click.echo(f"OK: plan {plan_id}, {gp.store.stream_version(plan_id)} event(s), chain intact.")
    else:
        plan_ids = gp.store.plan_ids()
        # Each stream's versions run 1..N without gaps, so their sum is the number of events
        # (the largest position can be higher: positions are the store's own).
        events = sum(gp.store.stream_version(plan_id) for plan_id in plan_ids)
        click.echo(f"OK: {len(plan_ids)} plan(s), {events} event(s), every chain intact.")


@cli.group("log")
def log_group() -> None:
    """Back up and restore the log as JSON Lines."""


@log_group.command("export")
@click.argument("plan", required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@pass_app
def log_export(app: AppContext, plan: str | None, output: Path | None) -> None:
    """Write every recorded event (or one plan's) as JSON Lines."""
    gp = app.goalplan()
    if output is None:
        gp.export_log(sys.stdout, plan)
        return
    # The whole record of care: readable by its owner only, like every export (docs/privacy.md),
    # and written whole or not at all.
    count = write_atomically(output, _log_writer(gp, plan))
    click.echo(f"Wrote {count} event(s) to {output}.", err=True)


@log_group.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@pass_app
def log_import(app: AppContext, file: Any) -> None:
    """Import a JSON Lines export, checking every hash; already-present events are skipped."""
    report = app.goalplan(create=True).import_log(file)
    click.echo(
        f"Imported {report.events} event(s) in {report.plans} plan(s); {report.skipped} already present."
    )


def _log_writer(gp: Any, plan: str | None) -> Callable[[IO[bytes]], int]:
    def write(out: IO[bytes]) -> int:
        text = io.TextIOWrapper(out, encoding="utf-8", newline="\n")
        try:
            return int(gp.export_log(text, plan))
        finally:
            text.flush()
            text.detach()  # the file is the writer's to close

    return write


def main(argv: list[str] | None = None) -> None:
    from goalplan.cli.plugin_commands import install_plugin_commands

    install_plugin_commands(cli)
    cli.main(args=argv, prog_name="goalplan")
