"""Single-plan reads fold from the stored snapshot, but only from one this installation sealed
and whose version and head hash the verified log holds; the log still decides everything."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest

from goalplan import Goalplan
from goalplan.codec import RecordedEvent
from goalplan.domain import fold
from goalplan.errors import IntegrityError
from goalplan.projections import plan_to_json, views
from goalplan.store import snapshots
from goalplan.store.keys import add_trusted_key
from goalplan.store.sqlite import GUARDED_TABLES, SQLiteStore

from .factory import new_events

PLAN = "plan-a"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    """A plan of 10 events with a sealed snapshot at version 10 (snapshots every 3 events)."""
    path = tmp_path / "events.db"
    with mock.patch("goalplan.store.projecting.SNAPSHOT_EVERY", 3):
        store = SQLiteStore(path)
        store.append(PLAN, new_events(7), 0)
        store.append(PLAN, new_events(3), 7)
        store.close()
    yield path


def _backdoor(path: Path, statement: str, params: tuple[object, ...] = ()) -> None:
    """What someone with write access to the file (but not the key) can do."""
    conn = sqlite3.connect(path)
    for table in GUARDED_TABLES:
        conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
    conn.execute(statement, params)
    conn.commit()
    conn.close()


def _fresh_read(path: Path) -> tuple[views.PlanLog, list[int]]:
    """The plan read by a new process's handle, and how many records each fold was given."""
    folded: list[int] = []
    real_fold = views.fold

    def counting(records: object, *args: object, **kwargs: object) -> object:
        records = list(records)  # type: ignore[call-overload]
        folded.append(len(records))
        return real_fold(records, *args, **kwargs)  # type: ignore[arg-type]

    with (
        Goalplan.open(path, create=False) as gp,
        mock.patch.object(views, "fold", counting),
        mock.patch.object(snapshots, "fold", counting),
    ):
        log = gp.plan(PLAN).log()
        log.state  # noqa: B018  (folding is the point)
    return log, folded


def _full_fold(path: Path) -> object:
    store = SQLiteStore(path, create=False)
    try:
        return fold(store.read_stream(PLAN), plan_id=PLAN)
    finally:
        store.close()


def test_a_read_folds_only_the_events_after_the_sealed_snapshot(db: Path) -> None:
    _backdoor(db, "SELECT 1")  # nothing changed: the same file a new process opens
    store = SQLiteStore(db, create=False)
    store.append(PLAN, new_events(2), 10)  # two events after the snapshot at version 10
    store.close()
    log, folded = _fresh_read(db)
    assert log.start is not None and log.start.version == 10
    assert folded == [2]
    assert repr(log.state) == repr(_full_fold(db))  # same values of the same types


def test_a_snapshot_edited_in_the_database_is_not_used(db: Path) -> None:
    store = SQLiteStore(db, create=False)
    (state,) = store._query("SELECT state FROM plan_snapshots WHERE plan_id = ?", (PLAN,))[0]
    store.close()
    assert "sleep, mood" in state
    _backdoor(db, "UPDATE plan_snapshots SET state = ?", (state.replace("sleep, mood", "forged"),))
    log, folded = _fresh_read(db)
    assert log.start is None and folded == [10]
    assert log.state == _full_fold(db)
    assert all(area.description == "sleep, mood" for area in log.state.focus_areas.values())


def test_a_snapshot_another_key_sealed_is_not_used(db: Path, signing_key_file: Path) -> None:
    """Another installation trusted for its checkpoints still cannot seal a snapshot here."""
    store = SQLiteStore(db, create=False)
    (writer,) = store.stored_keys()
    store.close()
    add_trusted_key(writer.public_key, "the installation that wrote the plan")
    log, folded = _fresh_read(db)  # this installation (signing_key_file) did not seal it
    assert log.start is None and folded == [10]
    assert log.state == _full_fold(db)


def test_a_snapshot_whose_head_the_log_does_not_hold_is_not_used(db: Path) -> None:
    _backdoor(db, "UPDATE plan_snapshots SET head_hash = ?", ("0" * 64,))
    log, folded = _fresh_read(db)
    assert log.start is None and folded == [10]


def test_a_broken_chain_is_refused_though_a_sealed_snapshot_covers_it(db: Path) -> None:
    _backdoor(
        db,
        "UPDATE events SET payload = replace(payload, 'sleep', 'SLEEP') WHERE plan_id = ? AND version = 2",
        (PLAN,),
    )
    with Goalplan.open(db, create=False) as gp, pytest.raises(IntegrityError, match="verify"):
        gp.plan(PLAN).log()


def test_a_store_that_does_not_sign_reads_the_whole_log(db: Path) -> None:
    store = SQLiteStore(db, create=False, signing=False)
    records: list[RecordedEvent] = store.read_stream(PLAN)
    assert store.read_start(records) is None
    store.close()


def test_each_view_of_a_log_decodes_its_own_state(db: Path) -> None:
    """An exporter that changes the state it was given changes nothing another one sees."""
    with Goalplan.open(db, create=False) as gp:
        log = gp.plan(PLAN).log()
        assert log.start is not None
        first, second = (
            views.PlanLog(log.records, start=log.start),
            views.PlanLog(log.records, start=log.start),
        )
        areas = len(first.state.focus_areas)
        first.state.focus_areas.clear()  # type: ignore[attr-defined]
        assert len(second.state.focus_areas) == areas == 10
        assert len(gp.plan(PLAN).log().state.focus_areas) == 10
        assert len(gp.store.load_state(PLAN).focus_areas) == 10


def test_a_plan_read_from_its_snapshot_exports_the_same_bytes(tmp_path: Path) -> None:
    """Progress, revisions and reviews through the API; the plan JSON a fresh process writes
    from the snapshot is the one it writes from the whole log."""
    from datetime import date

    from goalplan import Measure

    path = tmp_path / "events.db"
    with mock.patch("goalplan.store.projecting.SNAPSHOT_EVERY", 5), Goalplan.open(path) as gp:
        plan = gp.open_plan(client="Ana Silva", clinician="Dr. Ruiz", opened=date(2026, 1, 5))
        goal = plan.set_goal(
            "I will go to two gatherings a month",
            measure=Measure(name="gatherings", unit="per month", baseline=0, target=2),
            by=date(2026, 4, 1),
        )
        for day in range(1, 12):
            plan.record_progress(goal, day % 3, on=date(2026, 2, day))
        plan.revise_goal(goal, reason="review", by=date(2026, 6, 1))
        plan.record_progress(goal, 2.5, on=date(2026, 2, 20))
        plan.record_progress(goal, 1, on=date(2026, 2, 21))
        plan_id = plan.id
    with Goalplan.open(path, create=False) as gp:
        log = gp.plan(plan_id).log()
        assert log.start is not None and 0 < log.start.version < len(log.records)
        whole = views.PlanLog(log.records)
        assert repr(log.state) == repr(whole.state)
        same = json.dumps(plan_to_json(log.state), sort_keys=True) == json.dumps(
            plan_to_json(whole.state), sort_keys=True
        )
        assert same


def test_loading_a_state_without_a_key_creates_none_and_trusts_no_snapshot(
    db: Path, signing_key_file: Path
) -> None:
    store = SQLiteStore(db, create=False)
    (state,) = store._query("SELECT state FROM plan_snapshots WHERE plan_id = ?", (PLAN,))[0]
    store.close()
    _backdoor(db, "UPDATE plan_snapshots SET state = ?", (state.replace("sleep, mood", "forged"),))
    store = SQLiteStore(db, create=False)
    try:
        loaded = store.load_state(PLAN)
        assert repr(loaded) == repr(fold(store.read_stream(PLAN), plan_id=PLAN))
        assert not signing_key_file.exists()
    finally:
        store.close()
