"""fold() gives exactly what applying each event with attrs.evolve gives.

fold() skips per-event envelope copies and copies state with domain.replace.evolve; both are
checked against the original, slower path.
"""

from __future__ import annotations

import importlib
from datetime import date
from functools import reduce
from pathlib import Path
from typing import Any

import attrs
import pytest

from goalplan.codec import NewEvent, RecordedEvent
from goalplan.domain import PlanState, apply, fold
from goalplan.domain.replace import evolve
from goalplan.domain.state import Goal, Step
from goalplan.events import (
    EntryCorrected,
    Event,
    FocusAreaAdded,
    GoalRevised,
    GoalSet,
    GoalStatusChanged,
    InterventionPlanned,
    Measure,
    PlanClosed,
    PlanOpened,
    PlanSigned,
    ProgressRecorded,
    ReviewHeld,
    StepAdded,
    StepCompleted,
)
from goalplan.store.sqlite import SQLiteStore

fold_module = importlib.import_module("goalplan.domain.fold")  # the package re-exports fold()
MEASURE = Measure(name="panic attacks", unit="per week", baseline=3, target=0.5)


def _every_kind_of_event() -> list[tuple[str, Event]]:
    """(event id, event): every event type, and a correction of every correctable type."""
    d = date(2025, 3, 1)
    events: list[tuple[str, Event]] = [
        ("e01", PlanOpened(client_name="A. Client", clinician_name="Dr. Ruiz", opened_on=d)),
        ("e02", FocusAreaAdded(focus_id="F1", title="Panic", description="On trains")),
        (
            "e03",
            GoalSet(
                goal_id="G1",
                statement="I will ride the train",
                focus_id="F1",
                measure=MEASURE,
                target_date=date(2025, 6, 1),
                relevance="Work",
            ),
        ),
        ("e04", GoalSet(goal_id="G2", statement="I will sleep seven hours", term="long")),
        ("e05", StepAdded(step_id="S1", goal_id="G1", text="One stop", due_on=date(2025, 4, 1))),
        ("e06", StepAdded(step_id="S2", goal_id="G1", text="Two stops")),
        (
            "e07",
            InterventionPlanned(
                intervention_id="I1",
                modality="CBT",
                description="Exposure",
                frequency="weekly",
                goal_ids=("G1", "G2"),
            ),
        ),
        ("e08", PlanSigned(role="client", name="A. Client", signed_on=d)),
        ("e09", PlanSigned(role="clinician", name="Dr. Ruiz", credentials="PhD", signed_on=d)),
        ("e10", ProgressRecorded(goal_id="G1", value=3, observed_on=date(2025, 3, 8), note="hard week")),
        ("e11", ProgressRecorded(goal_id="G1", value=2.5, observed_on=date(2025, 3, 5))),
        ("e12", ProgressRecorded(goal_id="G2", value=6, observed_on=date(2025, 3, 9))),
        (
            "e13",
            GoalRevised(
                goal_id="G1",
                reason="Closer target",
                target_date=date(2025, 5, 1),
                statement="I will ride the train to work",
            ),
        ),
        ("e14", GoalRevised(goal_id="G1", reason="No focus", cleared=("focus_id", "relevance"))),
        ("e15", StepCompleted(step_id="S1", completed_on=date(2025, 3, 20))),
        ("e16", StepCompleted(step_id="S2", completed_on=date(2025, 3, 21))),
        ("e17", ReviewHeld(held_on=date(2025, 4, 1), summary="Going well", next_review_on=date(2025, 7, 1))),
        ("e18", ReviewHeld(held_on=date(2025, 4, 2))),
        ("e19", GoalStatusChanged(goal_id="G2", status="on-hold", reason="Travel")),
        ("e20", GoalStatusChanged(goal_id="G2", status="active", reason="Back")),
        (
            "e21",
            InterventionPlanned(
                intervention_id="I2", modality="ACT", description="Values", frequency="monthly"
            ),
        ),
        ("e22", StepAdded(step_id="S3", goal_id="G2", text="Wind down")),
        ("e23", PlanClosed(reason="Met", closed_on=date(2025, 8, 1))),
    ]
    reason = "entered in error"
    for n, target in enumerate(["e11", "e20", "e16", "e22", "e21", "e18", "e09", "e23"], start=24):
        events.append((f"e{n}", EntryCorrected(corrected_event_id=target, reason=reason)))
    events.append(("e40", ProgressRecorded(goal_id="G1", value=1, observed_on=date(2025, 3, 5))))
    return events


@pytest.fixture
def records(tmp_path: Path) -> list[RecordedEvent]:
    store = SQLiteStore(tmp_path / "log.db")
    pending = [
        NewEvent.of(e, actor="dr.ruiz", recorded_at=f"2025-03-01T09:{i:02d}:00.000000Z", event_id=eid)
        for i, (eid, e) in enumerate(_every_kind_of_event())
    ]
    store.append("P1", pending, 0)
    found = store.read_stream("P1")
    store.close()
    return found


def test_fold_equals_applying_each_event_with_attrs_evolve(
    records: list[RecordedEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = fold(records)
    monkeypatch.setattr(fold_module, "evolve", attrs.evolve)
    slow = reduce(lambda s, r: apply(s, r.event, r), records, PlanState(plan_id="P1"))
    assert fast == slow
    assert fast.version == len(records) and fast.head_hash == records[-1].hash
    assert len(fast.corrected) == 8 and len(fast.entries) > 8
    for prefix in range(1, len(records)):  # every intermediate state too
        assert fold(records[:prefix]) == reduce(
            lambda s, r: apply(s, r.event, r), records[:prefix], PlanState(plan_id="P1")
        )


def test_fold_of_nothing_is_an_unopened_plan() -> None:
    assert fold([], plan_id="P9") == PlanState(plan_id="P9")


def test_fold_leaves_earlier_states_untouched(records: list[RecordedEvent]) -> None:
    before = fold(records[:10])
    snapshot = attrs.asdict(before, recurse=False)
    fold(records)
    assert attrs.asdict(before, recurse=False) == snapshot
    assert len(before.entries) == len(fold(records[:10]).entries)


@pytest.mark.parametrize(
    "inst",
    [
        PlanState(plan_id="P1", goals={"G": 1}),  # type: ignore[dict-item]
        Goal(
            goal_id="G",
            statement="s",
            focus_id=None,
            term="short",
            measure=None,
            target_date=None,
            relevance="",
            initial_status="active",
        ),
        Step(step_id="S", goal_id="G", text="t", due_on=None),
        MEASURE,  # slotted, with converters: the generated path
    ],
)
def test_replace_evolve_matches_attrs_evolve(inst: Any) -> None:
    name = attrs.fields(type(inst))[1].name
    value = 7.0 if isinstance(inst, Measure) else "changed"
    new = evolve(inst, **{name: value})
    assert new == attrs.evolve(inst, **{name: value})
    assert new is not inst and getattr(new, name) == value
    assert evolve(inst) == inst
    with pytest.raises(TypeError):
        evolve(inst, no_such_field=1)
