"""examples/goalplan-markdown, pip-installed, found through the "goalplan" entry point group."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import goalplan
from goalplan.exporting import render
from goalplan.plugins import make_plugin_manager
from tests.plugins.plugin_helpers import run_goalplan


@pytest.fixture
def plan_db(tmp_path: Path) -> tuple[Path, str]:
    from tests.plugins.conftest import build_panic_plan

    db = tmp_path / "plans.db"
    with goalplan.Goalplan.open(db, actor="dr.ruiz") as gp:
        plan_id = build_panic_plan(gp).id
    return db, plan_id


def listed(result_stdout: bytes) -> dict[str, dict[str, object]]:
    return {p["name"]: p for p in json.loads(result_stdout)}


def test_the_installed_plugin_is_listed_with_its_package_version_hooks_and_exporter(
    markdown_plugin_path: Path,
) -> None:
    result = run_goalplan(
        "plugins", "--json", extra_path=(markdown_plugin_path,), env={"GOALPLAN_LOAD_PLUGINS": None}
    )
    assert result.returncode == 0, result.stderr
    assert listed(result.stdout)["markdown"] == {
        "name": "markdown",
        "version": "1.0.0",
        "source": "package goalplan-markdown",
        "hooks": ["register_exporters"],
        "exporters": ["markdown"],
        "error": None,
    }


def test_export_through_the_entry_point_gives_the_markdown_summary(
    markdown_plugin_path: Path, plan_db: tuple[Path, str], tmp_path: Path
) -> None:
    db, plan_id = plan_db
    out = tmp_path / "plan.md"
    args = ("--db", str(db), "export", plan_id, "--format", "markdown", "-o", str(out))
    result = run_goalplan(*args, extra_path=(markdown_plugin_path,))
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Treatment plan for Amara Lindqvist\n")
    assert (
        "### I will have fewer than one panic attack a week within two months, on the bus and train." in text
    )
    assert "- Measure: panic attacks (per week), from 3 to 0.5 (decrease)" in text
    assert "- Latest: 1 on 2026-02-09 (3 measurement(s))" in text
    assert f"_From log {plan_id} v" in text
    first = out.read_bytes()
    assert run_goalplan(*args, extra_path=(markdown_plugin_path,)).returncode == 0
    assert out.read_bytes() == first  # same log, same bytes

    no_names = run_goalplan(
        "--db", str(db), "export", plan_id, "--format", "markdown", "--option", "names=false",
        extra_path=(markdown_plugin_path,),
    )  # fmt: skip
    assert no_names.returncode == 0, no_names.stderr
    assert b"Amara" not in no_names.stdout and b"Ruiz" not in no_names.stdout


@pytest.mark.parametrize(
    ("setting", "loaded"),
    [(None, True), ("markdown", True), ("", False), ("something-else", False)],
)
def test_goalplan_load_plugins_limits_third_party_plugins(
    markdown_plugin_path: Path, setting: str | None, loaded: bool
) -> None:
    result = run_goalplan(
        "plugins", "--json", extra_path=(markdown_plugin_path,), env={"GOALPLAN_LOAD_PLUGINS": setting}
    )
    plugins = listed(result.stdout)
    assert ("markdown" in plugins) is loaded
    assert "goalplan_csv" in plugins  # built-ins always load
    if setting == "something-else":
        assert result.returncode == 1
        assert b"something-else" in result.stderr and b"no installed package provides" in result.stderr
    else:
        assert result.returncode == 0, result.stderr


def test_an_excluded_plugin_is_not_a_format(markdown_plugin_path: Path, plan_db: tuple[Path, str]) -> None:
    db, plan_id = plan_db
    result = run_goalplan(
        "--db", str(db), "export", plan_id, "--format", "markdown",
        extra_path=(markdown_plugin_path,), env={"GOALPLAN_LOAD_PLUGINS": ""},
    )  # fmt: skip
    assert result.returncode == 1
    listed = re.search(rb"there is no format 'markdown'; available formats: ([a-z0-9_, -]+)\.", result.stderr)
    assert listed is not None, result.stderr
    assert b"csv" in listed.group(1).split(b", ")
    assert b"markdown" not in listed.group(1).split(b", ")


def test_in_process_the_entry_point_loads_and_renders(
    markdown_plugin_path: Path, panic_plan: goalplan.Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(markdown_plugin_path))
    monkeypatch.setenv("GOALPLAN_LOAD_PLUGINS", "markdown")
    pm = make_plugin_manager(strict=True)
    exporter = pm.exporter("markdown")
    assert exporter.plugin == "markdown"
    assert render(exporter, panic_plan.log(), {}).startswith(b"# Treatment plan for Amara Lindqvist")
    panic_plan.set_goal("I will say *no* to [extra shifts](http://x) <b>twice</b> | a week")
    text = render(exporter, panic_plan.log(), {}).decode()
    assert r"### I will say \*no\* to \[extra shifts\](http://x) \<b\>twice\</b\> \| a week" in text
    assert pm.infos()[[i.name for i in pm.infos()].index("markdown")].source == "package goalplan-markdown"
