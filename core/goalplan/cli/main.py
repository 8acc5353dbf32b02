"""The ``goalplan`` command: a thin layer over the Python API."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from goalplan.api import Goalplan
from goalplan.cli.analytics_commands import analytics, gas_group, instruments, lint_group, score
from goalplan.cli.audit_command import audit
from goalplan.cli.context import AppContext, emit_json, json_option, pass_app
from goalplan.cli.goal_commands import correct, goal_group, progress, review
from goalplan.cli.migrate_command import migrate_command
from goalplan.cli.plan_commands import diagnosis_group, intervention, plan_group, safety_group
from goalplan.cli.projection_commands import projections_group
from goalplan.cli.text_view import history_text, mark_broken
from goalplan.errors import GoalplanError, IntegrityError
from goalplan.exporting import write_atomically
from goalplan.store import EventStore
from goalplan.store.keys import add_trusted_key, trusted_keys


class GoalplanGroup(click.Group):
    """Turns goalplan's own errors into one line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GoalplanError as exc:
            click.echo(f"goalplan: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=GoalplanGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar="GOALPLAN_DB",
    default="goalplan.db",
    show_default=True,
    help="Store: a SQLite file path, or a postgresql:// URL ($GOALPLAN_DB).",
)
@click.option(
    "--allow-broken",
    is_flag=True,
    help="Forensics: read plans that fail verification; every page or line written carries a warning.",
)
@click.version_option(package_name="goalplan")
@click.pass_context
def cli(ctx: click.Context, db: str, allow_broken: bool) -> None:
    """goalplan: SMART treatment plans kept as an append-only, verifiable log."""
    app = AppContext(db, allow_broken)
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
cli.add_command(projections_group)
cli.add_command(audit)


@cli.command("history")
@click.argument("plan")
@click.option("--goal", default=None, help="Only this goal's changes.")
@json_option
@pass_app
def history(app: AppContext, plan: str, goal: str | None, as_json: bool) -> None:
    """Every change: who, when, field old → new, and why."""
    handle = app.goalplan().plan(plan)
    log = handle.log()
    entries = log.history(handle.resolve_goal(goal, log.state) if goal else None)
    warning = log.integrity_warning
    if as_json:
        emit_json(
            [{**e.to_json(), "integrity_warning": warning} if warning else e.to_json() for e in entries]
        )
    else:
        click.echo(mark_broken(history_text(entries), warning), nl=False)


@cli.command("verify")
@click.argument("plan", required=False)
@click.option(
    "--against",
    "against",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    multiple=True,
    help="A checkpoint file kept elsewhere (goalplan checkpoint export); the store must still hold it.",
)
@json_option
@pass_app
def verify(app: AppContext, plan: str | None, against: tuple[Path, ...], as_json: bool) -> None:
    """Check the whole store: every hash chain, gap-free positions, every signed checkpoint and
    the witness. Names each problem and exits 1 if there is any."""
    gp = app.goalplan()
    kept = [read_checkpoint_file(path) for path in against]
    report = gp.integrity(plan, against=kept)
    if as_json:
        emit_json(report.to_json())
    else:
        for problem in report.problems:
            click.echo(f"goalplan: {problem}.", err=True)
    if not report.ok:
        sys.exit(1)
    projections = gp.check_projections(plan)
    if projections.mismatches:
        for mismatch in projections.mismatches:
            click.echo(f"goalplan: read model differs from the log: {mismatch}.", err=True)
        click.echo("goalplan: the log is intact; run `goalplan projections rebuild`.", err=True)
        sys.exit(1)
    if as_json:
        return
    signed = f", {report.checkpoints} signed checkpoint(s)" if report.checkpoints else ""
    if plan:
        plan_id = gp.resolve_plan_id(plan)
        click.echo(f"OK: plan {plan_id}, {report.events} event(s), chain and signatures intact.")
    else:
        click.echo(
            f"OK: {report.plans} plan(s), {report.events} event(s){signed}; every chain, position "
            f"and signature intact; witness: {report.witness}."
        )


def read_checkpoint_file(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.BadParameter(
            f"{path} is not a checkpoint file ({exc}).", param_hint="--against"
        ) from None
    if not isinstance(record, dict):
        raise click.BadParameter(f"{path} is not a checkpoint file.", param_hint="--against")
    return record


@cli.group("checkpoint")
def checkpoint_group() -> None:
    """Signed checkpoints: take one away to check the store against later."""


@checkpoint_group.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_app
def checkpoint_export(app: AppContext, output: Path) -> None:
    """Write the store's latest signed checkpoint (with its public key) to a file."""
    gp = app.goalplan()
    report = gp.integrity()
    if not report.ok:
        raise GoalplanError(
            f"{report.problems[0]}; the store fails verification, so no checkpoint was exported "
            "(run `goalplan verify`)."
        )
    latest = gp.store.latest_checkpoint()
    if latest is None:
        raise GoalplanError("the store holds no signed checkpoint yet; nothing was written.")
    keys = {k.key_id: k.public_key for k in gp.store.stored_keys()}
    data = json.dumps(latest.to_json(keys.get(latest.key_id, "")), indent=2, sort_keys=True) + "\n"
    write_atomically(output, data.encode("utf-8"))
    click.echo(f"Wrote the checkpoint at position {latest.position} to {output}.", err=True)


@cli.group("keys", invoke_without_command=True)
@json_option
@click.pass_context
def keys_group(ctx: click.Context, as_json: bool) -> None:
    """List the public keys that signed in this store, and which of them this installation trusts."""
    if ctx.invoked_subcommand is not None:
        return
    app = ctx.find_object(AppContext)
    assert app is not None
    rows = key_listing(app.goalplan().store)
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['key_id']}  {row['trust']:<17}  {row['label'] or '-'}  {row['public_key']}")


@keys_group.command("trust")
@click.argument("key_id")
@pass_app
def keys_trust(app: AppContext, key_id: str) -> None:
    """Trust another installation's key (as listed by `goalplan keys`) after checking it with them."""
    for key in app.goalplan().store.stored_keys():
        if key.key_id == key_id:
            add_trusted_key(key.public_key, key.label)
            click.echo(f"Trusted key {key_id} ({key.label}).")
            return
    raise GoalplanError(f"KEY_ID: no key {key_id!r} has signed in this store; see `goalplan keys`.")


def key_listing(store: EventStore) -> list[dict[str, str]]:
    trusted = trusted_keys()
    rows = []
    for key in store.stored_keys():
        found = trusted.get(key.key_id)
        trust = found.source if found and found.public_key == key.public_key else "not trusted"
        rows.append(
            {
                "key_id": key.key_id,
                "public_key": key.public_key,
                "label": key.label,
                "added_at": key.added_at,
                "trust": trust,
            }
        )
    return rows


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
    refuse_broken_store(gp, plan)
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
@click.argument("file", type=click.File("rb"))
@pass_app
def log_import(app: AppContext, file: Any) -> None:
    """Import a JSON Lines export, checking every hash; already-present events are skipped."""
    report = app.goalplan().import_log(file)
    click.echo(
        f"Imported {report.events} event(s) in {report.plans} plan(s); {report.skipped} already present."
    )


def refuse_broken_store(gp: Goalplan, plan: str | None) -> None:
    """A backup is refused from a store that fails verification, unless --allow-broken (then
    every line written names the problem)."""
    report = gp.integrity(plan)
    if report.ok:
        return
    if not gp.allow_broken:
        raise IntegrityError(
            f"{report.problems[0]}; nothing was written. Run `goalplan verify` for the whole report, "
            "or add --allow-broken to export it anyway for forensics."
        )
    gp.export_warning = (
        f"WARNING: this log fails verification ({report.problems[0]}); it may have been altered."
    )


def main(argv: list[str] | None = None) -> None:
    from goalplan.cli.plugin_commands import install_plugin_commands

    install_plugin_commands(cli)
    cli.main(args=argv, prog_name="goalplan")
