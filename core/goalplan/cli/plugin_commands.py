"""goalplan plugins and goalplan export: the plugin-facing part of the command line."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import click

from goalplan.cli.context import AppContext, emit_json, json_option, pass_app
from goalplan.errors import RejectedError
from goalplan.exporting import Exporter, render, safe_file_name, write_atomically
from goalplan.plugins import get_plugin_manager, report_load_errors
from goalplan.projections import PlanLog


def install_plugin_commands(cli: click.Group) -> None:
    pm = get_plugin_manager()
    cli.add_command(plugins)
    cli.add_command(export)
    pm.hook.register_commands(cli=cli)
    report_load_errors(pm)


@click.command("plugins")
@json_option
def plugins(as_json: bool) -> None:
    """List loaded plugins: name, version, where from, hooks and exporters."""
    infos = get_plugin_manager().infos()
    if as_json:
        emit_json([i.to_json() for i in infos])
        return
    for info in infos:
        version = f" {info.version}" if info.version else ""
        click.echo(f"{info.name}{version} ({info.source})")
        click.echo(f"  hooks: {', '.join(info.hooks) or '-'}")
        if info.exporters:
            click.echo(f"  exporters: {', '.join(info.exporters)}")


def parse_options(pairs: tuple[str, ...]) -> dict[str, str]:
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise RejectedError("--option", f"must be KEY=VALUE (got {pair!r}).")
        options[key.strip()] = value
    return options


@click.command("export")
@click.argument("plan", required=False)
@click.option("--format", "fmt", required=True, help="Exporter name (see goalplan plugins).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--all", "all_plans", is_flag=True, help="Export every plan, one file each, into --out.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--option", "option_pairs", multiple=True, help="Exporter option KEY=VALUE (repeatable).")
@pass_app
def export(
    app: AppContext,
    plan: str | None,
    fmt: str,
    output: Path | None,
    all_plans: bool,
    out_dir: Path | None,
    option_pairs: tuple[str, ...],
) -> None:
    """Export one plan (or --all) through an exporter plugin."""
    exporter = get_plugin_manager().exporter(fmt)
    options = parse_options(option_pairs)
    gp = app.goalplan()
    if all_plans:
        if plan:
            raise click.UsageError("give either PLAN or --all, not both.")
        if out_dir is None:
            raise click.UsageError("--all needs --out DIR.")
        _export_all(gp.logs(), len(gp.store.plan_ids()), exporter, options, out_dir)
        return
    if not plan:
        raise click.UsageError("give a PLAN, or --all with --out DIR.")
    data = render(exporter, gp.plan(plan).log(), options)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_atomically(output, data)


def _export_all(
    logs: Iterable[PlanLog], total: int, exporter: Exporter, options: Mapping[str, str], out_dir: Path
) -> None:
    count = 0
    with click.progressbar(
        logs,
        length=total,
        label=f"Exporting {exporter.name}",
        file=sys.stderr,
    ) as bar:
        for log in bar:
            name = safe_file_name(log.plan_id) + exporter.suffix
            write_atomically(out_dir / name, render(exporter, log, options))
            count += 1
    click.echo(f"Wrote {count} {exporter.name} file(s) to {out_dir}.", err=True)
