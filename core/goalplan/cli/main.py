"""The ``goalplan`` command: a thin layer over the Python API."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import click

from goalplan import logs
from goalplan.api import Goalplan, default_actor
from goalplan.cli.analytics_commands import analytics, gas_group, instruments, lint_group, score
from goalplan.cli.audit_command import audit
from goalplan.cli.config import ConfigError, load_config
from goalplan.cli.context import AppContext, emit_json, json_option, pass_app
from goalplan.cli.goal_commands import correct, goal_group, progress, review
from goalplan.cli.help_format import keep_hyphenated_words_whole
from goalplan.cli.migrate_command import migrate_command
from goalplan.cli.plan_commands import diagnosis_group, intervention, plan_group, safety_group
from goalplan.cli.projection_commands import projections_group
from goalplan.cli.text_view import history_text
from goalplan.errors import GoalplanError, IntegrityError
from goalplan.files import describe, write_atomically
from goalplan.store import EventStore
from goalplan.store.keys import add_trusted_key, trusted_keys
from goalplan.text import mark_broken, printable


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
    return ShortUsageError(exc.format_message(), exc.ctx or ctx)  # exits 2, as every usage error


keep_hyphenated_words_whole()


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
        except ValueError as exc:
            if "null byte" not in str(exc):  # os.stat and open refuse a NUL in a path this way
                raise
            click.echo(
                "goalplan: a file name must not contain a NUL character; nothing was written.", err=True
            )
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
    help="Store: a SQLite file path, or a postgresql:// URL (default: $GOALPLAN_DB, else db in the "
    "config file, else goalplan.db).",
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log what goalplan does on stderr: -v for steps, -vv also for each SQL statement and "
    "plugin hook call (default: $GOALPLAN_LOG, one of debug, info, warning, error).",
)
@click.option(
    "--allow-broken",
    is_flag=True,
    help="Forensics: read plans that fail verification; every page or line written carries a warning.",
)
@click.version_option(package_name="goalplan")
@click.pass_context
def cli(ctx: click.Context, db: str, allow_broken: bool, verbose: int) -> None:
    """goalplan: SMART treatment plans kept as an append-only, verifiable log."""
    try:
        level = logs.level_from(verbose, os.environ.get(logs.ENV))
    except ValueError as exc:
        raise click.UsageError(f"${logs.ENV}: {exc}") from None
    logs.configure(level)
    try:
        config = load_config()
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    source = ctx.get_parameter_source("db")
    db_from = {"COMMANDLINE": "--db", "ENVIRONMENT": "$GOALPLAN_DB"}.get(
        source.name if source else "", "default"
    )
    if db_from == "default" and config.db:
        db, db_from = config.db, "config file"
    app = AppContext(db, config, allow_broken)
    app.db_from = db_from
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
        click.echo(printable(mark_broken(history_text(entries), warning)), nl=False)


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
            click.echo(f"goalplan: {one_line(str(problem))}.", err=True)
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
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File to write the signed checkpoint to.",
)
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


@cli.command("config")
@click.pass_obj
def show_config(app: AppContext) -> None:
    """Where the config file is, and the store, actor and export options in effect.

    The command line wins over environment variables, which win over the config file
    (docs/cli.md describes the file).
    """
    config = app.config
    state = "" if config.path.is_file() else " (none yet)"
    click.echo(f"config file: {config.path}{state}")
    click.echo(f"db: {app.db}  [{app.db_from}]")
    env_actor = os.environ.get("GOALPLAN_ACTOR")
    if env_actor:
        click.echo(f"actor: {env_actor}  [$GOALPLAN_ACTOR]")
    elif config.actor:
        click.echo(f"actor: {config.actor}  [config file]")
    else:
        click.echo(f"actor: {default_actor()}  [login name]")
    for fmt, options in sorted(config.export.items()):
        pairs = " ".join(f"{k}={v}" for k, v in sorted(options.items()))
        click.echo(f"export {fmt}: {pairs}  [config file]")


@cli.group("log")
def log_group() -> None:
    """Back up and restore the log as JSON Lines."""


@log_group.command("export")
@click.argument("plan", required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write, readable by its owner only (default: standard output).",
)
@pass_app
def log_export(app: AppContext, plan: str | None, output: Path | None) -> None:
    """Write every recorded event (or one plan's) as JSON Lines."""
    gp = app.goalplan()
    refuse_broken_store(gp, plan)
    if output is None:
        gp.export_log(sys.stdout, plan)
        return
    # The whole record of care: readable by its owner only, like every export (docs/privacy.md),
    # and written whole or not at all.
    count = write_atomically(output, _log_writer(gp, plan))
    click.echo(f"Wrote {count} event(s) to {output}.", err=True)


@log_group.command("import")
@click.argument("file", type=click.File("rb"))
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

    # $GOALPLAN_LOG already covers loading the plugins (-v takes effect once parsed); a bad value
    # is reported by the command as a usage error.
    with contextlib.suppress(ValueError):
        logs.configure(logs.level_from(0, os.environ.get(logs.ENV)))
    install_plugin_commands(cli)
    cli.main(args=argv, prog_name="goalplan")
