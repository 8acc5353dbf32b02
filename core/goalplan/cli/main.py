"""The ``goalplan`` command: a thin layer over the Python API."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from goalplan.cli.analytics_commands import analytics, gas_group, instruments, lint_group, score
from goalplan.cli.context import AppContext, emit_json, json_option, pass_app
from goalplan.cli.goal_commands import correct, goal_group, progress, review
from goalplan.cli.migrate_command import migrate_command
from goalplan.cli.plan_commands import intervention, plan_group
from goalplan.cli.text_view import history_text
from goalplan.errors import GoalplanError
from goalplan.text import printable


class GoalplanGroup(click.Group):
    """Turns goalplan's own errors into one line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GoalplanError as exc:
            click.echo(f"goalplan: {printable(str(exc), multiline=False)}", err=True)
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
cli.add_command(correct)
cli.add_command(lint_group)
cli.add_command(score)
cli.add_command(instruments)
cli.add_command(gas_group)
cli.add_command(analytics)
cli.add_command(migrate_command)


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
            click.echo(f"goalplan: broken chain: {found}.", err=True)
        sys.exit(1)
    if plan:
        plan_id = gp.resolve_plan_id(plan)
        click.echo(f"OK: plan {plan_id}, {gp.store.stream_version(plan_id)} event(s), chain intact.")
    else:
        count = len(gp.store.plan_ids())
        click.echo(f"OK: {count} plan(s), {gp.store.head_position()} event(s), every chain intact.")


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
    tmp = output.with_name(f".{output.name}.tmp")
    tmp.unlink(missing_ok=True)
    # The whole record of care: readable by its owner only, like every export (docs/privacy.md).
    handle = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(handle, "w", encoding="utf-8", newline="\n") as out:
        count = gp.export_log(out, plan)
    tmp.replace(output)
    click.echo(f"Wrote {count} event(s) to {output}.", err=True)


@log_group.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@pass_app
def log_import(app: AppContext, file: Any) -> None:
    """Import a JSON Lines export, checking every hash; already-present events are skipped."""
    report = app.goalplan().import_log(file)
    click.echo(
        f"Imported {report.events} event(s) in {report.plans} plan(s); {report.skipped} already present."
    )


def main(argv: list[str] | None = None) -> None:
    from goalplan.cli.plugin_commands import install_plugin_commands

    install_plugin_commands(cli)
    cli.main(args=argv, prog_name="goalplan")
