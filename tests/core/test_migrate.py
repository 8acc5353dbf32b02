"""Copying every stream between stores: hashes kept, resumable, repeat is a no-op, divergence refused."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from goalplan import Goalplan, IntegrityError, Measure, RejectedError
from goalplan.cli.main import cli
from goalplan.migrate import MigrationReport, migrate
from goalplan.store import open_store
from goalplan.store.sqlite import SCHEMA

from ..conftest import StepClock

Chains = dict[str, list[tuple[str, int, str, str]]]


def _caseload(url: str | Path, clock: StepClock) -> list[str]:
    """Three plans with goals and a few months of progress, written through the API."""
    plan_ids = []
    with Goalplan.open(url, actor="dr.ruiz", clock=clock) as gp:
        for client in ("Ana Souza", "Ben Okafor", "Chloe Martin"):
            plan = gp.open_plan(client=client, clinician="Dr. Ruiz", opened=date(2026, 1, 5))
            goal = plan.set_goal(
                "I will have fewer than one panic attack a week",
                focus="Panic attacks",
                measure=Measure(name="panic attacks", unit="per week", baseline=3, target=1),
                by=date(2026, 3, 5),
            )
            for week in range(4):
                plan.record_progress(goal, 3 - week * 0.5, on=date(2026, 1, 12) + timedelta(weeks=week))
            plan_ids.append(plan.id)
    return plan_ids


def _chains(url: str | Path) -> Chains:
    with open_store(url) as store:
        return {
            plan_id: [(r.event_id, r.version, r.prev_hash, r.hash) for r in store.read_stream(plan_id)]
            for plan_id in store.plan_ids()
        }


def _count(chains: Chains) -> int:
    return sum(len(chain) for chain in chains.values())


@pytest.fixture
def source(tmp_path: Path, clock: StepClock) -> Path:
    path = tmp_path / "source.db"
    _caseload(path, clock)
    return path


def test_every_stream_is_copied_with_its_hashes(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    expected = _chains(source)
    report = migrate(source, target)
    assert report == MigrationReport(
        plans=3, plans_copied=3, events_copied=_count(expected), events_present=0
    )
    assert _chains(target) == expected
    with open_store(target) as copy:
        assert copy.verify() == []
    again = migrate(source, target)
    assert again == MigrationReport(plans=3, plans_copied=0, events_copied=0, events_present=_count(expected))
    assert _chains(target) == expected


class Interrupted(Exception):
    pass


def test_an_interrupted_copy_resumes_where_it_stopped(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    expected = _chains(source)
    batches: list[tuple[str, int]] = []

    def stop_after_three(plan_id: str, events: int) -> None:
        batches.append((plan_id, events))
        if len(batches) == 3:
            raise Interrupted

    with pytest.raises(Interrupted):
        migrate(source, target, batch=2, on_batch=stop_after_three)
    assert _count(_chains(target)) == 6
    resumed = migrate(source, target, batch=2)
    assert resumed.events_copied == _count(expected) - 6
    assert resumed.events_present == 6
    assert _chains(target) == expected
    assert migrate(source, target).events_copied == 0


def test_a_destination_with_other_events_for_a_plan_is_refused_whole(
    source: Path, tmp_path: Path, clock: StepClock
) -> None:
    target = tmp_path / "copy.db"
    last_plan = list(_chains(source))[-1]
    with Goalplan.open(target, actor="someone", clock=clock) as gp:
        gp.open_plan(client="Another Client", clinician="Dr. Lee", opened=date(2026, 2, 1), plan_id=last_plan)
    before = _chains(target)
    with pytest.raises(RejectedError) as caught:
        migrate(source, target)
    assert caught.value.field == f"plan {last_plan}"
    assert "nothing was copied" in caught.value.message
    assert _chains(target) == before  # not even the plans that did not conflict


def test_a_destination_ahead_of_the_source_is_left_alone(
    source: Path, tmp_path: Path, clock: StepClock
) -> None:
    target = tmp_path / "copy.db"
    migrate(source, target)
    first = next(iter(_chains(source)))
    with Goalplan.open(target, actor="dr.ruiz", clock=clock) as gp:
        gp.plan(first).add_focus("Sleep")
    ahead = _chains(target)
    report = migrate(source, target)
    assert report.events_copied == 0
    assert _chains(target) == ahead


def test_a_damaged_source_stream_is_not_copied(source: Path, tmp_path: Path) -> None:
    chains = _chains(source)
    damaged = list(chains)[1]
    conn = sqlite3.connect(source, isolation_level=None)
    conn.executescript(
        "DROP TRIGGER events_no_update;"
        f"UPDATE events SET actor = 'mallory' WHERE plan_id = '{damaged}' AND version = 3;" + SCHEMA
    )
    conn.close()
    target = tmp_path / "copy.db"
    with pytest.raises(IntegrityError, match=f"plan {damaged} version 3"):
        migrate(source, target)
    assert _chains(target) == {}  # all or nothing: not even the intact plan before it


# the command line ---------------------------------------------------------------------------


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_migrate_copies_then_copies_nothing(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    total = _count(_chains(source))
    code, out, err = _run("migrate", str(source), str(target))
    assert code == 0, err
    assert out == f"Copied {total} event(s) in 3 of 3 plan(s); 0 already present.\n"
    assert err.count("copied") == 3
    code, out, _ = _run("migrate", "--quiet", str(source), str(target))
    assert code == 0
    assert out == f"Copied 0 event(s) in 0 of 3 plan(s); {total} already present.\n"


def test_cli_migrate_refusals_are_one_sentence_and_exit_1(
    source: Path, tmp_path: Path, clock: StepClock
) -> None:
    missing = tmp_path / "nowhere.db"
    code, out, err = _run("migrate", str(missing), str(tmp_path / "copy.db"))
    assert (code, out) == (1, "")
    assert err.startswith("goalplan: SRC: there is no store at") and err.count("\n") == 1
    assert not missing.exists() and not (tmp_path / "copy.db").exists()

    code, _, err = _run("migrate", str(source), str(source))
    assert code == 1 and "DST: is the same store as SRC" in err

    target = tmp_path / "copy.db"
    first = next(iter(_chains(source)))
    with Goalplan.open(target, actor="someone", clock=clock) as gp:
        gp.open_plan(client="Another Client", clinician="Dr. Lee", opened=date(2026, 2, 1), plan_id=first)
    code, out, err = _run("migrate", str(source), str(target))
    assert (code, out) == (1, "")
    assert err.startswith(f"goalplan: plan {first}: the destination already holds different events")
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.postgres
def test_sqlite_to_postgres_and_back_keeps_every_hash(
    source: Path, tmp_path: Path, postgres_url: str
) -> None:
    expected = _chains(source)
    total = _count(expected)
    code, out, err = _run("migrate", str(source), postgres_url)
    assert code == 0, err
    assert out.startswith(f"Copied {total} event(s)")
    assert _chains(postgres_url) == expected
    code, out, _ = _run("migrate", "-q", str(source), postgres_url)
    assert (code, out.split(" event")[0]) == (0, "Copied 0")

    back = tmp_path / "back.db"
    code, out, err = _run("migrate", postgres_url, str(back))
    assert code == 0, err
    assert _chains(back) == expected
    with open_store(back) as store:
        assert store.verify() == []
    code, out, _ = _run("migrate", "-q", postgres_url, str(back))
    assert (code, out.split(" event")[0]) == (0, "Copied 0")


def test_a_plan_without_its_opening_event_stops_the_copy(source: Path, tmp_path: Path) -> None:
    """0.1.0 silently dropped such a plan (it has no version 1, so no plan id)."""
    chains = _chains(source)
    damaged = next(iter(chains))
    conn = sqlite3.connect(source, isolation_level=None)
    conn.executescript(
        f"DROP TRIGGER events_no_delete; DELETE FROM events WHERE plan_id = '{damaged}' AND version = 1;"
        + SCHEMA
    )
    conn.close()
    target = tmp_path / "copy.db"
    with pytest.raises(IntegrityError, match=f"plan {damaged} has events"):
        migrate(source, target)
    assert _chains(target) == {}


def test_a_chained_event_that_breaks_a_rule_stops_the_copy(tmp_path: Path) -> None:
    from goalplan.codec import NewEvent
    from goalplan.events import ReviewHeld
    from goalplan.store import open_store

    source = tmp_path / "rules.db"
    with open_store(source) as store:  # chained by the store, but the plan was never opened
        event = NewEvent.of(
            ReviewHeld(held_on=date(2026, 2, 1)), actor="x", recorded_at="2026-02-01T00:00:00.000000Z"
        )
        store.append("P1", [event], 0)
    with pytest.raises(RejectedError, match="plan P1 version 1: event 'review_held' breaks a rule"):
        migrate(source, tmp_path / "copy.db")
