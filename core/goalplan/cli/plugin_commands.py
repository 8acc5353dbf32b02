"""goalplan plugins and goalplan export: the plugin-facing part of the command line."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from goalplan.cli.completion import install_completion
from goalplan.cli.context import AppContext, emit_json, json_option, pass_app, write_stdout_bytes
from goalplan.errors import RejectedError
from goalplan.exporting import (
    Exporter,
    caseload_renderer,
    count_plans,
    export_all,
    parse_option_pairs,
    render,
    render_caseload,
)
from goalplan.files import write_atomically
from goalplan.plugins import PluginManager, get_plugin_manager
from goalplan.text import printable

_reported: set[tuple[str, str]] = set()
_log = logging.getLogger(__name__)


def report_new_load_errors(pm: PluginManager) -> None:
    """Warn on stderr about each plugin failure once per process, whenever it was found."""
    for name, error in sorted(pm.load_errors.items()):
        if (name, error) not in _reported:
            _reported.add((name, error))
            click.echo(printable(f"goalplan: plugin {name} failed: {error}", multiline=False), err=True)


def install_plugin_commands(cli: click.Group) -> None:
    """Add ``plugins`` and ``export``, then let each plugin add its own commands."""
    pm = get_plugin_manager()
    cli.add_command(plugins)
    cli.add_command(export)
    pm.register_commands(cli)
    report_new_load_errors(pm)
    install_completion(cli)


@click.command("plugins")
@json_option
def plugins(as_json: bool) -> None:
    """List plugins: name, version, built-in or from which package, hooks and exporters.

    Exits 1 if any plugin failed to load (a misspelled hook, an import error...).
    """
    pm = get_plugin_manager()
    infos = pm.infos()
    report_new_load_errors(pm)
    if as_json:
        emit_json([i.to_json() for i in infos])
    else:
        for info in infos:
            version = f" {info.version}" if info.version else ""
            lines = [f"{info.name}{version} ({info.source})", f"  hooks: {', '.join(info.hooks) or '-'}"]
            if info.exporters:
                lines.append(f"  exporters: {', '.join(info.exporters)}")
            if info.error:
                lines.append(f"  error: {info.error}")
            for line in lines:  # names and errors come from installed packages: shown escaped
                click.echo(printable(line, multiline=False))
    if any(info.error for info in infos):
        sys.exit(1)


def configured_options(app: AppContext, exporter: Exporter) -> dict[str, str]:
    """The config file's [export.FORMAT] options, each checked against what the exporter takes."""
    options = app.config.export_options(exporter.name)
    for key in options:
        if key not in exporter.options:
            allowed = ", ".join(sorted(exporter.options)) or "none"
            raise click.UsageError(
                f"config file {app.config.path}: export.{exporter.name}.{key} is not an option of the "
                f"{exporter.name} format; its options are: {allowed}."
            )
    return options


def is_text(media_type: str) -> bool:
    """Whether output of this media type is text a terminal can show (CSV, iCalendar, JSON...)."""
    kind = media_type.split(";", 1)[0].strip().lower()
    return kind.startswith("text/") or kind.endswith(("/json", "+json", "/xml", "+xml"))


@click.command("export")
@click.argument("plan", required=False)
@click.option("--format", "fmt", required=True, help="Exporter name (see `goalplan plugins`).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output, unless it is a terminal and the format is binary).",
)
@click.option("--all", "all_plans", is_flag=True, help="Export every plan, one file each, into --out.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for --all.",
)
@click.option("--option", "option_pairs", multiple=True, help="Exporter option KEY=VALUE (repeatable).")
@click.option(
    "--version",
    "at_version",
    type=int,
    default=None,
    help="Export the plan as it stood at this log version (its first N events), byte for byte.",
)
@pass_app
def export(
    app: AppContext,
    plan: str | None,
    fmt: str,
    output: Path | None,
    all_plans: bool,
    out_dir: Path | None,
    option_pairs: tuple[str, ...],
    at_version: int | None,
) -> None:
    """Export one plan (or --all plans) through an exporter plugin."""
    if all_plans and plan:
        raise click.UsageError("give either PLAN or --all, not both.")
    if not all_plans and not plan:
        raise click.UsageError("give a PLAN, or --all with --out DIR.")
    if all_plans and at_version is not None:
        raise click.UsageError("--version reprints one plan; give a PLAN, not --all.")
    pm = get_plugin_manager()
    try:
        exporter = pm.exporter(fmt)
    finally:
        report_new_load_errors(pm)
    options = {**configured_options(app, exporter), **parse_option_pairs(option_pairs)}  # --option wins
    one_file = caseload_renderer(exporter, options) if all_plans else None
    to_stdout = output is None and (not all_plans or one_file is not None)
    if to_stdout and not is_text(exporter.media_type) and sys.stdout.isatty():
        raise click.UsageError(
            f"--format {fmt} writes binary data ({exporter.media_type}), which a terminal cannot show; "
            "give -o FILE or redirect standard output to a file."
        )
    if one_file is not None:
        if out_dir is not None:
            raise click.UsageError("these options write the whole caseload to one file: use -o FILE.")
        data = render_caseload(exporter, one_file, app.goalplan().logs(), options)
        _write(data, output)
        return
    if all_plans and out_dir is None:
        raise click.UsageError("--all needs --out DIR.")
    if all_plans and output is not None:
        raise click.UsageError("-o names one file; with --all use --out DIR.")
    gp = app.goalplan()
    if all_plans:
        assert out_dir is not None
        logs = gp.logs()
        written = export_all(logs, exporter, options, out_dir)
        count = 0
        if sys.stderr.isatty():
            with click.progressbar(
                written, length=count_plans(gp.store), label=f"Exporting {exporter.name}", file=sys.stderr
            ) as bar:
                for _ in bar:
                    count += 1
        else:
            for _ in written:
                count += 1
        click.echo(f"Wrote {count} {exporter.name} file(s) to {out_dir}.", err=True)
        return
    assert plan is not None
    log = gp.plan(plan).log()
    if at_version is not None:
        current = log.fingerprint.version
        if not 1 <= at_version <= current:
            raise RejectedError(
                "--version", f"must be a log version of this plan, 1 to {current}, got {at_version}."
            )
        log = log.up_to(at_version)
    data = render(exporter, log, options)
    _log.info("rendered %s: %d bytes", exporter.name, len(data))
    _write(data, output)


def _write(data: bytes, output: Path | None) -> None:
    if output is None:
        write_stdout_bytes(data)
    else:
        write_atomically(output, data)
