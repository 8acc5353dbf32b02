"""The plugin manager: built-ins, hook calls by keyword, failures isolated and named."""

from __future__ import annotations

import json
from collections.abc import Mapping

import click
import pytest

import goalplan
from goalplan import Exporter, PlanLog
from goalplan.cli import plugin_commands
from goalplan.plugins import PluginLoadError, make_plugin_manager


def _render_nothing(log: PlanLog, options: Mapping[str, str]) -> bytes:
    return b""


def _exporter(name: str) -> Exporter:
    return Exporter(
        name=name, suffix=".txt", media_type="text/plain", description="x", render=_render_nothing
    )


class Misspelled:
    """A plugin whose author wrote register_exporter (no s)."""

    @goalplan.hookimpl
    def register_exporter(self) -> list[Exporter]:
        return [_exporter("never")]


class Commands:
    """Takes the hook's argument by name; goalplan passes it by keyword."""

    def __init__(self) -> None:
        self.seen: list[click.Group] = []

    @goalplan.hookimpl
    def register_commands(self, cli: click.Group) -> None:
        self.seen.append(cli)

        @cli.command("hello")
        def hello() -> None:
            click.echo("hello from a plugin")


class Broken:
    @goalplan.hookimpl
    def register_exporters(self) -> list[Exporter]:
        raise RuntimeError("database of formats is missing")


class Good:
    @goalplan.hookimpl
    def register_exporters(self) -> list[Exporter]:
        return [_exporter("plain")]


class Impostor:
    @goalplan.hookimpl
    def register_exporters(self) -> list[object]:
        return [_exporter("csv"), "not an exporter"]


def test_hookimpl_is_part_of_the_public_api() -> None:
    assert "hookimpl" in goalplan.__all__
    assert goalplan.hookimpl.project_name == "goalplan"


def test_the_builtin_csv_plugin_loads_by_module_name() -> None:
    pm = make_plugin_manager(load_entry_points=False, strict=True)
    info = {i.name: i for i in pm.infos()}["goalplan_csv"]
    assert info.source == "built-in"
    assert info.hooks == ("register_audit_formats", "register_exporters")
    assert info.exporters == ("csv",)
    assert pm.exporter("csv").plugin == "goalplan_csv"


def test_a_misspelled_hook_is_refused_by_name_with_a_suggestion() -> None:
    pm = make_plugin_manager(load_entry_points=False, extra=(Misspelled(),))
    error = pm.load_errors["Misspelled"]
    assert "'register_exporter' is not a goalplan hook" in error
    assert "did you mean register_exporters?" in error
    assert not pm.has_plugin("Misspelled")
    assert "never" not in pm.exporters()
    pm.check_pending()  # the refused plugin left nothing pending behind


def test_strict_loading_raises_on_a_misspelled_hook() -> None:
    with pytest.raises(PluginLoadError, match="register_exporter"):
        make_plugin_manager(load_entry_points=False, extra=(Misspelled(),), strict=True)


def test_goalplan_plugins_shows_the_failure_and_exits_non_zero(
    invoke: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    pm = make_plugin_manager(load_entry_points=False, extra=(Misspelled(),))
    monkeypatch.setattr(plugin_commands, "get_plugin_manager", lambda: pm)
    result = invoke("plugins")  # type: ignore[operator]
    assert result.exit_code == 1
    assert "Misspelled" in result.output
    assert "register_exporter" in result.stderr


def test_hooks_are_called_with_keyword_arguments() -> None:
    commands = Commands()
    pm = make_plugin_manager(load_entry_points=False, extra=(commands,), strict=True)
    group = click.Group("demo")
    pm.register_commands(group)
    assert commands.seen == [group]
    assert "hello" in group.commands


def test_a_plugin_that_raises_is_named_and_the_others_still_load() -> None:
    pm = make_plugin_manager(load_entry_points=False, extra=(Broken(), Good()))
    assert set(pm.exporters()) >= {"csv", "plain"}
    assert (
        pm.load_errors["Broken"] == "register_exporters failed: RuntimeError: database of formats is missing"
    )
    assert {i.name: i.error for i in pm.infos()}["Broken"] is not None


def test_a_taken_exporter_name_and_a_non_exporter_are_reported() -> None:
    pm = make_plugin_manager(load_entry_points=False, extra=(Impostor(),))
    assert pm.exporter("csv").plugin == "goalplan_csv"  # built-ins load first and keep their names
    error = pm.load_errors["Impostor"]
    assert "exporter 'csv' is already provided by plugin goalplan_csv; ignored" in error
    assert "register_exporters returned a str, not a goalplan.Exporter" in error


def test_an_unknown_format_lists_the_available_ones() -> None:
    pm = make_plugin_manager(load_entry_points=False, extra=(Good(),))
    available = ", ".join(pm.exporters())  # other built-ins (ics, pdf) join csv when installed
    assert {"csv", "plain"} <= set(pm.exporters())
    with pytest.raises(goalplan.RejectedError) as refused:
        pm.exporter("pdfx")
    assert str(refused.value) == f"--format: there is no format 'pdfx'; available formats: {available}."


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "CSV!"), ("suffix", "csv"), ("media_type", "csv"), ("description", "two\nlines")],
)
def test_exporter_fields_are_checked_when_a_plugin_builds_one(field: str, value: str) -> None:
    fields = {"name": "ok", "suffix": ".txt", "media_type": "text/plain", "description": "fine"}
    with pytest.raises(ValueError):
        Exporter(**{**fields, field: value}, render=_render_nothing)  # type: ignore[arg-type]


def test_load_plugins_env_naming_an_absent_plugin_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOALPLAN_LOAD_PLUGINS", "no-such-plugin")
    pm = make_plugin_manager()
    assert "no installed package provides" in pm.load_errors["no-such-plugin"]


def test_plugins_json_lists_name_version_source_hooks_and_exporters(invoke: object) -> None:
    result = invoke("plugins", "--json", env={"GOALPLAN_LOAD_PLUGINS": ""})  # type: ignore[operator]
    assert result.exit_code == 0, result.output
    listed = {p["name"]: p for p in json.loads(result.stdout)}
    assert listed["goalplan_csv"] == {
        "name": "goalplan_csv",
        "version": goalplan.plugins.goalplan_version(),
        "source": "built-in",
        "hooks": ["register_audit_formats", "register_exporters"],
        "exporters": ["csv"],
        "error": None,
    }
