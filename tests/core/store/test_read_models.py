"""Read models and snapshots always equal a fresh fold of the log.

Random plan histories are appended in random batches by two handles on one store (each with its
own in-memory states, one often a step behind), with batches resent as a retry after a lost
reply would, and snapshots taken every few events so folds start from them. After every step
the stored rows, every snapshot and ``load_state`` must equal what folding the whole log gives.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goalplan.codec import NewEvent, RecordedEvent
from goalplan.domain import fold
from goalplan.errors import ConcurrencyError
from goalplan.projections import PlanSummary
from goalplan.store import EventStore, open_store
from goalplan.store.projecting import InlineProjections
from goalplan.store.read_models import rows_for
from goalplan.store.snapshots import decode_state
from tests.core.streams import plan_histories

from .factory import new_events

_ids = itertools.count()


def _new(record: RecordedEvent, plan_id: str) -> NewEvent:
    return NewEvent(
        event_id=f"{plan_id}-{record.event_id}",
        type=record.type,
        schema_version=record.schema_version,
        payload=record.payload,
        actor=record.actor,
        recorded_at=record.recorded_at,
    )


def _assert_matches_fold(store: InlineProjections, plan_id: str) -> None:
    records = store.read_stream(plan_id)
    state = fold(records, plan_id=plan_id)
    assert store.load_state(plan_id) == state
    report = store.check_read_models(plan_id)
    assert report.mismatches == ()
    expected = rows_for(plan_id, state, records[-1].version, records[-1].position)
    summaries = {row[0]: row for row in store.plan_summaries()}
    assert summaries[plan_id] == expected.summary
    assert PlanSummary.of_row(summaries[plan_id]) == PlanSummary.of(state)  # what plan list shows
    assert sorted(r for r in store.plan_dates() if r[0] == plan_id) == sorted(expected.dates)
    assert [r for r in store.goal_rows() if r[0] == plan_id] == list(expected.goals)
    assert store.goal_rows(plan_id) == list(expected.goals)  # one plan's, as completion asks


@pytest.fixture
def two_handles(store_url: str) -> Iterator[tuple[EventStore, EventStore]]:
    first, second = open_store(store_url), open_store(store_url)
    yield first, second
    first.close()
    second.close()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25, deadline=None)
@given(history=plan_histories(max_commands=40), data=st.data())
def test_read_models_equal_the_fold_across_histories_retries_and_writers(
    two_handles: tuple[EventStore, EventStore], history: object, data: st.DataObject
) -> None:
    handles = two_handles
    assert all(isinstance(h, InlineProjections) for h in handles)
    plan_id = f"plan-{next(_ids)}"
    records = history.records  # type: ignore[attr-defined]
    events = [_new(r, plan_id) for r in records]
    with mock.patch("goalplan.store.projecting.SNAPSHOT_EVERY", data.draw(st.integers(1, 8))):
        done = 0
        while done < len(events):
            size = data.draw(st.integers(1, 6))
            batch = events[done : done + size]
            writer = handles[data.draw(st.integers(0, 1))]
            assert isinstance(writer, InlineProjections)
            writer.load_state(plan_id)  # each handle keeps its own copy of the plan in memory
            if done and data.draw(st.booleans()):
                with pytest.raises(ConcurrencyError):  # a writer a step behind is refused
                    writer.append(plan_id, batch, done - 1)
            writer.append(plan_id, batch, done)
            if data.draw(st.booleans()):
                assert writer.append(plan_id, batch, done).duplicate  # a retry after a lost reply
            done += len(batch)
            for handle in handles:
                assert isinstance(handle, InlineProjections)
                _assert_matches_fold(handle, plan_id)


def test_a_snapshot_is_used_only_while_it_matches_the_log(tmp_path: object) -> None:
    from goalplan.store.sqlite import SQLiteStore

    path = f"{tmp_path}/events.db"
    with mock.patch("goalplan.store.projecting.SNAPSHOT_EVERY", 3):
        store = SQLiteStore(path)
        store.append("plan-a", new_events(7), 0)
        store.append("plan-a", new_events(3), 7)
    row = store._query("SELECT version, fold_version, state FROM plan_snapshots WHERE plan_id = 'plan-a'")
    assert row and row[0][0] == 10
    assert decode_state(row[0][2]) == fold(store.read_stream("plan-a"))
    store.close()
    # A snapshot stamped by other fold code is ignored: a fresh handle folds the log instead.
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("UPDATE plan_snapshots SET fold_version = 'other', state = '{}'")
    conn.commit()
    conn.close()
    again = SQLiteStore(path)
    assert again.load_state("plan-a") == fold(again.read_stream("plan-a"))
    assert again.check_read_models().mismatches == ()
    again.close()


def test_check_names_a_snapshot_or_row_that_differs_from_the_log(tmp_path: object) -> None:
    import sqlite3

    from goalplan.store.sqlite import SQLiteStore

    path = f"{tmp_path}/events.db"
    with mock.patch("goalplan.store.projecting.SNAPSHOT_EVERY", 2):
        store = SQLiteStore(path)
        store.append("plan-a", new_events(4), 0)
        store.close()
    good = SQLiteStore(path)
    state = good._query("SELECT state FROM plan_snapshots")[0][0]
    good.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE plan_snapshots SET state = ?", (state.replace("area", "AREA"),))
    conn.execute("UPDATE plan_summaries SET client_name = 'someone else'")
    conn.commit()
    conn.close()
    damaged = SQLiteStore(path)
    problems = {(m.plan_id, m.table) for m in damaged.check_read_models().mismatches}
    assert problems == {("plan-a", "plan_snapshots"), ("plan-a", "plan_summaries")}
    assert damaged.rebuild_read_models() == 1
    assert damaged.check_read_models().mismatches == ()
    damaged.close()


def test_the_fold_code_version_covers_every_module_the_fold_imports() -> None:
    import ast
    from pathlib import Path

    from goalplan.store import snapshots

    covered = set(snapshots._FOLD_MODULES)
    for name in ("goalplan.domain.fold", "goalplan.domain.state", "goalplan.domain.replace"):
        module = __import__(name, fromlist=["_"])
        tree = ast.parse(Path(module.__file__ or "").read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        # ``from goalplan import events as ev`` imports the module goalplan.events
        imported |= {
            f"{n.module}.{alias.name}"
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module == "goalplan"
            for alias in n.names
        }
        imported.discard("goalplan")
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert {m for m in imported if m.startswith("goalplan")} <= covered, name


def test_a_clinical_record_survives_its_snapshot(tmp_path: object) -> None:
    """Every kind of state the fold builds (identifiers, diagnoses, structured interventions,
    bound signatures, scores) comes back from a snapshot equal to a fresh fold."""
    from datetime import date

    from goalplan import Goalplan, Measure
    from goalplan.store.snapshots import encode_state

    with Goalplan.open(f"{tmp_path}/record.db") as gp:
        plan = gp.open_plan(
            client="Ana Silva",
            clinician="Dr. Ruiz",
            credentials="PhD",
            opened=date(2026, 1, 5),
            birth_date=date(1990, 4, 2),
            record_number="MRN-0042",
        )
        goal = plan.set_goal(
            "I will go to two gatherings a month",
            focus="Social anxiety",
            measure=Measure(name="gatherings", unit="per month", baseline=0, target=2),
            by=date(2026, 4, 1),
        )
        plan.add_diagnosis("F40.10", focus=["Social anxiety"], primary=True)
        plan.plan_intervention(
            "CBT", "graded exposure", "weekly", goals=[goal], type="individual", minutes=50
        )
        plan.set_presenting_problem("Social anxiety", "Avoids groups.")
        plan.set_details(strengths="Curious", effective_from=date(2026, 1, 5), aftercare="Peer group")
        plan.record_score("phq9", 11, items=(2, 2, 1, 1, 1, 1, 1, 1, 1), on=date(2026, 1, 20))
        plan.record_progress(goal, 1, on=date(2026, 2, 1))
        plan.sign(role="client", name="Ana Silva", on=date(2026, 1, 5))
        state = fold(gp.store.read_stream(plan.id))
        assert repr(decode_state(encode_state(state))) == repr(state)  # same values of the same types


@given(plan_histories(max_commands=60))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_state_encoder_built_per_type_writes_what_the_generic_one_does(history: object) -> None:
    import json

    from goalplan.store.snapshots import _unstructure, encode_state

    state = fold(history.records)  # type: ignore[attr-defined]
    assert encode_state(state) == json.dumps(_unstructure(state), ensure_ascii=False, separators=(",", ":"))
    assert repr(decode_state(encode_state(state))) == repr(state)  # same values of the same types
