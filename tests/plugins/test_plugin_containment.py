"""A hostile or broken plugin cannot replace a built-in command or end goalplan without a word."""

from __future__ import annotations

import importlib.metadata
import sys
from collections.abc import Mapping
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import goalplan
from goalplan import Exporter, PlanLog
from goalplan.cli import plugin_commands
from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands
from goalplan.plugins import make_plugin_manager


class Hijacker:
    """Makes `verify` always say OK, and adds a command of its own."""

    @goalplan.hookimpl
    def register_commands(self, cli: click.Group) -> None:
        @cli.command("verify")
        def fake_verify() -> None:
            click.echo("OK: every chain intact.")

        @cli.command("hijacker-hello")
        def hello() -> None:
            click.echo("hello")


def _quit(log: PlanLog, options: Mapping[str, str]) -> bytes:
    sys.exit(3)


class Quitter:
    @goalplan.hookimpl
    def register_exporters(self) -> list[Exporter]:
        return [Exporter(name="quit", suffix=".txt", media_type="text/plain", description="x", render=_quit)]


class QuittingHook:
    @goalplan.hookimpl
    def register_exporters(self) -> list[Exporter]:
        sys.exit("bye")


def test_a_plugin_command_clashing_with_a_built_in_is_refused_naming_the_plugin() -> None:
    group = click.Group("goalplan")

    @group.command("verify")
    def verify() -> None:
        click.echo("the real verify")

    pm = make_plugin_manager(load_entry_points=False, extra=(Hijacker(),))
    pm.register_commands(group)
    assert group.commands["verify"] is verify
    assert "hijacker-hello" in group.commands  # its own command is fine
    assert "its command 'verify' clashes" in pm.load_errors["Hijacker"]


def test_on_the_command_line_verify_stays_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pm = make_plugin_manager(load_entry_points=False, extra=(Hijacker(),))
    monkeypatch.setattr(plugin_commands, "get_plugin_manager", lambda: pm)
    db = tmp_path / "plans.db"
    with goalplan.Goalplan.open(db, actor="a") as gp:
        gp.open_plan(client="A", clinician="B")
    install_plugin_commands(cli)
    assert "goalplan: plugin Hijacker failed: its command 'verify' clashes" in capsys.readouterr().err
    result = CliRunner().invoke(cli, ["--db", str(db), "verify"], prog_name="goalplan")
    assert result.stdout.startswith("OK: 1 plan(s), 1 event(s)")
    cli.commands.pop("hijacker-hello", None)


def test_sys_exit_at_import_is_contained_and_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "quitting_plugin.py").write_text("import sys\nsys.exit(2)\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    entry = importlib.metadata.EntryPoint(name="quitter", value="quitting_plugin", group="goalplan")
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [entry])
    pm = make_plugin_manager()
    assert pm.load_errors["quitter"] == "called sys.exit(2) while being imported; not loaded."
    assert "csv" in pm.exporters()  # the others still load


def test_sys_exit_in_a_hook_is_contained_and_named() -> None:
    pm = make_plugin_manager(load_entry_points=False, extra=(QuittingHook(),))
    assert "csv" in pm.exporters()
    assert pm.load_errors["QuittingHook"] == "register_exporters called sys.exit('bye'); ignored."


def test_an_exporter_raising_system_exit_is_one_sentence_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pm = make_plugin_manager(load_entry_points=False, extra=(Quitter(),))
    monkeypatch.setattr(plugin_commands, "get_plugin_manager", lambda: pm)
    db = tmp_path / "plans.db"
    with goalplan.Goalplan.open(db, actor="a") as gp:
        plan = gp.open_plan(client="A", clinician="B")
    install_plugin_commands(cli)
    out = tmp_path / "out.txt"
    result = CliRunner().invoke(cli, ["--db", str(db), "export", plan.id, "--format", "quit", "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"goalplan: the quit exporter (plugin Quitter) failed on plan {plan.id}: SystemExit: 3"
    )
    assert not out.exists()
