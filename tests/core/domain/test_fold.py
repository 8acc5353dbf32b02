"""fold is the only way a plan comes to be: deterministic, incremental, and honest about corrections."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goalplan.codec import RecordedEvent, new_event_from_json
from goalplan.domain import PlanState, correctable_types, fold
from goalplan.events import (
    EntryCorrected,
    Event,
    GoalSet,
    GoalStatusChanged,
    InterventionPlanned,
    Measure,
    PlanClosed,
    PlanSigned,
    ProgressRecorded,
    ReviewHeld,
    StepAdded,
    StepCompleted,
)
from goalplan.projections import plan_to_json
from tests.core.streams import OPENED_ON, StreamBuilder, opened_plan, plan_histories

UNOBSERVABLE = ("version", "last_recorded_at", "head_hash")


def observable(state: PlanState) -> dict[str, Any]:
    """What a user can see of a plan, without the log bookkeeping that every new event moves."""
    shown = plan_to_json(state)
    for key in UNOBSERVABLE:
        shown.pop(key)
    for signature in shown["signatures"]:
        # Which recorded events changed the content after a signature is log history: a
        # correction is itself one of them. Whether the signature is current is still compared.
        signature.pop("changed_after")
    return shown


def copied(record: RecordedEvent) -> RecordedEvent:
    """The record as it comes back from a JSON Lines export: a fresh object, decoded anew."""
    plan_id, version, new, prev, digest = new_event_from_json(json.loads(json.dumps(record.to_json())))
    return RecordedEvent(
        new.event_id, plan_id, version, record.position, new.recorded_at, new.actor, new.type,
        new.schema_version, new.payload, prev, digest,
    )  # fmt: skip


@given(plan_histories())
def test_fold_is_deterministic(history: StreamBuilder) -> None:
    first = fold(history.records)
    assert fold(history.records) == first
    assert fold([copied(r) for r in history.records]) == first


@given(plan_histories())
def test_replaying_the_stream_equals_the_state_built_step_by_step(history: StreamBuilder) -> None:
    assert fold(history.records) == history.state
    assert history.state.version == len(history.records)
    assert history.state.head_hash == history.records[-1].hash


@given(plan_histories(), st.data())
def test_every_prefix_folds_to_the_state_at_that_point(history: StreamBuilder, data: st.DataObject) -> None:
    cut = data.draw(st.integers(1, len(history.records)))
    partial = StreamBuilder()
    for record in history.records[:cut]:
        partial.add(record.event, actor=record.actor, event_id=record.event_id)
    assert fold(history.records[:cut]) == partial.state


@given(plan_histories(max_commands=40))
def test_correcting_the_last_leaf_entry_equals_never_having_recorded_it(history: StreamBuilder) -> None:
    open_entries = [r for r in history.records if r.event_id in history.state.entries]
    open_entries = [r for r in open_entries if r.event_id not in history.state.corrected]
    if not open_entries:
        return
    target = open_entries[-1]
    later = history.records[target.version :]
    if target.type == "step_added" and any(
        r.type == "step_completed" and r.event.step_id == history.state.entries[target.event_id].key  # type: ignore[attr-defined]
        for r in later
    ):
        return  # the step's completion (itself corrected) depends on it: there is no "never recorded"
    try:
        history.add(EntryCorrected(corrected_event_id=target.event_id, reason="entered in error"))
    except Exception as exc:  # only the "no effect any more" refusal is allowed here
        assert "no longer has an effect" in str(exc)
        return
    without = [r for r in history.records if r.event_id != target.event_id and r.type != "entry_corrected"]
    corrections = [r for r in history.records[:-1] if r.type == "entry_corrected"]
    replayed = fold(sorted(without + corrections, key=lambda r: r.version))
    assert observable(fold(history.records)) == observable(replayed)


def test_every_leaf_entry_type_can_be_corrected() -> None:
    assert correctable_types() == {
        "progress_recorded",
        "goal_status_changed",
        "step_added",
        "step_completed",
        "intervention_planned",
        "review_held",
        "plan_signed",
        "plan_closed",
        "score_recorded",
        "gas_scored",
        "finding_silenced",
        "plan_given",
        "safety_review_recorded",
    }


def _course() -> StreamBuilder:
    builder = opened_plan()
    measure = Measure(name="outings", unit="per month", baseline=0, target=2)
    builder.add(GoalSet(goal_id="G1", statement="Join two gatherings a month", measure=measure))
    return builder


@pytest.mark.parametrize(
    ("events", "seen"),
    [
        ([ProgressRecorded(goal_id="G1", value=1, observed_on=OPENED_ON)], lambda s: s.goals["G1"].progress),
        (
            [GoalStatusChanged(goal_id="G1", status="on-hold", reason="r")],
            lambda s: s.goals["G1"].status_changes,
        ),
        ([StepAdded(step_id="S1", goal_id="G1", text="ask a friend")], lambda s: s.steps),
        (
            [
                StepAdded(step_id="S1", goal_id="G1", text="x"),
                StepCompleted(step_id="S1", completed_on=OPENED_ON),
            ],
            lambda s: s.steps["S1"].completed_on,
        ),
        (
            [InterventionPlanned(intervention_id="I1", modality="CBT", description="d", frequency="w")],
            lambda s: s.interventions,
        ),
        ([ReviewHeld(held_on=OPENED_ON)], lambda s: s.reviews),
        ([PlanSigned(role="client", name="Ana", signed_on=OPENED_ON)], lambda s: s.signatures),
        ([PlanClosed(reason="moved away", closed_on=OPENED_ON)], lambda s: s.closed_on),
    ],
    ids=lambda v: v[-1].TYPE if isinstance(v, list) else "",
)
def test_a_correction_takes_back_exactly_its_entry(events: list[Event], seen: Any) -> None:
    builder = _course()
    for event in events[:-1]:
        builder.add(event)
    before = seen(builder.state)
    target = builder.add(events[-1])
    assert seen(builder.state) != before
    builder.add(EntryCorrected(corrected_event_id=target.event_id, reason="entered in error"))
    assert seen(builder.state) == before
    assert target.event_id in builder.state.corrected
    assert fold(builder.records) == builder.state
    assert any(r.event_id == target.event_id for r in builder.records)  # the entry stays in the log


def test_correcting_a_status_change_restores_the_status_before_it() -> None:
    builder = _course()
    hold = builder.add(GoalStatusChanged(goal_id="G1", status="on-hold", reason="travel"))
    builder.add(EntryCorrected(corrected_event_id=hold.event_id, reason="wrong goal"))
    assert builder.state.goals["G1"].status == "active"


def test_progress_is_ordered_by_the_day_observed_not_the_day_recorded() -> None:
    builder = _course()
    for day in (20, 3, 11):
        builder.add(ProgressRecorded(goal_id="G1", value=day, observed_on=OPENED_ON + timedelta(days=day)))
    assert [p.value for p in builder.state.goals["G1"].progress] == [3, 11, 20]


def test_an_empty_stream_is_an_unopened_plan() -> None:
    state = fold([], plan_id="P1")
    assert (state.plan_id, state.version, state.is_open, state.status) == ("P1", 0, False, "draft")
