"""Shell completion: plan ids, goal ids of the plan typed before, --format values; never a new store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.shell_completion import ShellComplete

import goalplan
from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands


def complete(args: list[str], incomplete: str = "") -> list[str]:
    install_plugin_commands(cli)
    completer = ShellComplete(cli, {}, "goalplan", "_GOALPLAN_COMPLETE")
    return [item.value for item in completer.get_completions(args, incomplete)]


@pytest.fixture
def store(tmp_path: Path) -> tuple[Path, str, str]:
    db = tmp_path / "plans.db"
    with goalplan.open(db, actor="dr.ruiz") as gp:
        plan = gp.open_plan(client="A", clinician="B", opened=date(2026, 1, 5))
        goal = plan.set_goal("I will walk")
        gp.open_plan(client="C", clinician="B", opened=date(2026, 1, 5))
    return db, plan.id, goal


def test_plan_ids_complete_from_the_store_named_by_db(store: tuple[Path, str, str]) -> None:
    db, plan, _ = store
    every = complete(["--db", str(db), "plan", "show"])
    assert plan in every and len(every) == 2
    assert complete(["--db", str(db), "analytics"], plan[:6]) == [plan]
    assert complete(["--db", str(db), "export"], plan[:6].lower()) == [plan]


def test_the_store_may_come_from_goalplan_db(
    store: tuple[Path, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, plan, _ = store
    monkeypatch.setenv("GOALPLAN_DB", str(db))
    assert plan in complete(["history"])


def test_goal_ids_complete_for_the_plan_typed_before(store: tuple[Path, str, str]) -> None:
    db, plan, goal = store
    assert complete(["--db", str(db), "progress", plan]) == [goal]
    assert complete(["--db", str(db), "goal", "revise", plan]) == [goal]


def test_format_values_are_the_installed_exporters() -> None:
    assert {"csv", "ics", "pdf"} <= set(complete(["export", "--format"]))
    assert complete(["export", "--format"], "pd") == ["pdf"]


def test_completion_never_creates_a_store(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    assert complete(["--db", str(missing), "plan", "show"]) == []
    assert not missing.exists()
