"""Shell completion: plan ids, goal ids of the plan typed before, --format values; never a new store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.shell_completion import ShellComplete

import goalplan
from goalplan import StoreNotFoundError
from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands
from goalplan.store.sqlite import SQLiteStore


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


def test_goal_ids_complete_as_an_option_value_after_the_plan(store: tuple[Path, str, str]) -> None:
    db, plan, goal = store
    assert complete(["--db", str(db), "intervention", plan, "--goal"]) == [goal]
    assert complete(["--db", str(db), "intervention", plan, "--modality", "CBT", "--goal"]) == [goal]
    assert complete(["--db", str(db), "history", plan[:6], "--goal"], goal[:3].lower()) == [goal]
    assert complete(["--db", str(db), "score", plan, "--goal"]) == [goal]
    assert complete(["--db", str(db), "history", plan, "--goal"], "Z" if goal[0] != "Z" else "Y") == []


def test_goal_ids_come_from_the_goal_index_without_reading_the_log(
    store: tuple[Path, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, plan, goal = store

    def unread(*args: object, **kwargs: object) -> None:
        raise AssertionError("completion read a plan's log")

    monkeypatch.setattr(SQLiteStore, "read_stream", unread)
    assert complete(["--db", str(db), "progress", plan]) == [goal]
    assert complete(["--db", str(db), "history", plan, "--goal"]) == [goal]


def test_goal_ids_of_another_plan_or_no_plan_are_not_offered(store: tuple[Path, str, str]) -> None:
    db, _, _ = store
    with goalplan.open(db, actor="dr.ruiz") as gp:
        other = next(p.plan_id for p in gp.plans() if p.client_name == "C")
    assert complete(["--db", str(db), "progress", other]) == []
    assert complete(["--db", str(db), "history", "--goal"]) == []


def bash_complete(
    words: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> list[str]:
    """What bash gets from the installed command, as its completion script asks for it."""
    from goalplan.cli.main import main

    monkeypatch.setenv("_GOALPLAN_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", words)
    monkeypatch.setenv("COMP_CWORD", str(len(words.split(" ")) - 1))
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 0
    return capsys.readouterr().out.splitlines()


def test_bash_gets_plan_ids_goal_ids_and_formats(
    store: tuple[Path, str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db, plan, goal = store
    plans = bash_complete(f"goalplan --db {db} plan show ", monkeypatch, capsys)
    assert f"plain,{plan}" in plans and len(plans) == 2
    assert bash_complete(f"goalplan --db {db} progress {plan} ", monkeypatch, capsys) == [f"plain,{goal}"]
    assert bash_complete(f"goalplan --db {db} intervention {plan} --goal ", monkeypatch, capsys) == [
        f"plain,{goal}"
    ]
    formats = bash_complete(f"goalplan --db {db} export {plan} --format p", monkeypatch, capsys)
    assert formats == ["plain,pdf"]


def test_a_postgresql_store_completes_plans_and_goals_and_an_empty_schema_stays_empty(
    new_postgres_url: Callable[[], str],
) -> None:
    url = new_postgres_url()
    with goalplan.open(url, actor="dr.ruiz") as gp:
        plan = gp.open_plan(client="A", clinician="B", opened=date(2026, 1, 5))
        goal = plan.set_goal("I will walk")
    assert complete(["--db", url, "plan", "show"]) == [plan.id]
    assert complete(["--db", url, "intervention", plan.id, "--goal"]) == [goal]

    empty = new_postgres_url()
    assert complete(["--db", empty, "plan", "show"]) == []
    with pytest.raises(StoreNotFoundError):
        goalplan.open(empty, create=False)
