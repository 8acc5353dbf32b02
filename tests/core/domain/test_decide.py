"""Every domain rule: a refused command names the field and leaves the plan as it was."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from goalplan.domain import PlanState, decide
from goalplan.domain.rules import MAX_TEXT, TRANSITIONS
from goalplan.errors import RejectedError
from goalplan.events import (
    LIFECYCLE_STATUSES,
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
from tests.core.streams import OPENED_ON, StreamBuilder, opened_plan

BEFORE = OPENED_ON - timedelta(days=1)
PANIC = Measure(name="panic attacks", unit="per week", baseline=3, target=0.5)


def rejects(builder: StreamBuilder, event: Event, field: str) -> RejectedError:
    """Assert decide refuses ``event`` naming ``field``, with no events and no state change."""
    before_state, before_count = builder.state, len(builder.records)
    with pytest.raises(RejectedError) as caught:
        builder.add(event)
    assert caught.value.field == field, str(caught.value)
    assert caught.value.message.strip()
    assert "\n" not in str(caught.value)
    assert builder.state is before_state
    assert len(builder.records) == before_count
    return caught.value


@pytest.fixture
def plan() -> StreamBuilder:
    """An open plan with a measured goal G1, an unmeasured goal G2 and a step S1 on G1."""
    builder = opened_plan()
    builder.add(FocusAreaAdded(focus_id="F1", title="Panic"))
    builder.add(GoalSet(goal_id="G1", statement="Go to the shops calmly", focus_id="F1", measure=PANIC))
    builder.add(GoalSet(goal_id="G2", statement="Sleep through the night"))
    builder.add(StepAdded(step_id="S1", goal_id="G1", text="Learn box breathing"))
    return builder


# --- the plan itself ---------------------------------------------------------------------------


def test_an_unopened_plan_accepts_nothing_but_opening() -> None:
    builder = StreamBuilder()
    rejects(builder, GoalSet(goal_id="G1", statement="x"), "plan")


def test_a_plan_opens_once(plan: StreamBuilder) -> None:
    rejects(plan, PlanOpened(client_name="A", clinician_name="B", opened_on=OPENED_ON), "plan")


@pytest.mark.parametrize(
    ("field", "overrides"), [("client", {"client_name": " "}), ("clinician", {"clinician_name": ""})]
)
def test_opening_needs_client_and_clinician(field: str, overrides: dict[str, str]) -> None:
    values = {"client_name": "Ana", "clinician_name": "Dr. Ruiz", "opened_on": OPENED_ON, **overrides}
    rejects(StreamBuilder(), PlanOpened(**values), field)  # type: ignore[arg-type]


@pytest.mark.parametrize("days", [0, -5, 367])
def test_review_cadence_is_one_day_to_a_year(days: int) -> None:
    event = PlanOpened(client_name="A", clinician_name="B", opened_on=OPENED_ON, review_every_days=days)
    error = rejects(StreamBuilder(), event, "review_every")
    assert "366" in error.message


# --- ids are unique ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (GoalSet(goal_id="G1", statement="again"), "goal"),
        (StepAdded(step_id="S1", goal_id="G1", text="again"), "step"),
        (FocusAreaAdded(focus_id="F1", title="Other"), "focus"),
    ],
)
def test_ids_are_unique(plan: StreamBuilder, event: Event, field: str) -> None:
    error = rejects(plan, event, field)
    assert "already used" in error.message


def test_intervention_ids_are_unique(plan: StreamBuilder) -> None:
    plan.add(InterventionPlanned(intervention_id="I1", modality="CBT", description="d", frequency="weekly"))
    rejects(
        plan,
        InterventionPlanned(intervention_id="I1", modality="DBT", description="d", frequency="w"),
        "intervention",
    )


def test_focus_area_titles_are_unique_ignoring_case(plan: StreamBuilder) -> None:
    rejects(plan, FocusAreaAdded(focus_id="F2", title="PANIC"), "focus")


def test_a_goal_names_an_existing_focus_area(plan: StreamBuilder) -> None:
    rejects(plan, GoalSet(goal_id="G9", statement="x", focus_id="NOPE"), "focus")


def test_commands_name_an_existing_goal(plan: StreamBuilder) -> None:
    rejects(plan, ProgressRecorded(goal_id="NOPE", value=1, observed_on=OPENED_ON), "goal")
    rejects(plan, StepAdded(step_id="S9", goal_id="NOPE", text="x"), "goal")
    rejects(plan, GoalStatusChanged(goal_id="NOPE", status="on-hold", reason="x"), "goal")
    rejects(
        plan,
        InterventionPlanned(
            intervention_id="I9", modality="CBT", description="d", frequency="w", goal_ids=("NOPE",)
        ),
        "goal",
    )


def test_an_intervention_lists_each_goal_once(plan: StreamBuilder) -> None:
    event = InterventionPlanned(
        intervention_id="I9", modality="CBT", description="d", frequency="w", goal_ids=("G1", "G1")
    )
    rejects(plan, event, "goal")


@pytest.mark.parametrize("field", ["modality", "description", "frequency"])
def test_an_intervention_names_modality_description_and_frequency(plan: StreamBuilder, field: str) -> None:
    values = {"modality": "CBT", "description": "exposure", "frequency": "weekly", field: "  "}
    rejects(plan, InterventionPlanned(intervention_id="I9", **values), field)


# --- dates not before the plan opened ------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (GoalSet(goal_id="G9", statement="x", target_date=BEFORE), "target_date"),
        (GoalRevised(goal_id="G1", reason="r", target_date=BEFORE), "target_date"),
        (StepAdded(step_id="S9", goal_id="G1", text="x", due_on=BEFORE), "due_on"),
        (StepCompleted(step_id="S1", completed_on=BEFORE), "completed_on"),
        (ProgressRecorded(goal_id="G1", value=2, observed_on=BEFORE), "observed_on"),
        (ReviewHeld(held_on=BEFORE), "held_on"),
        (PlanSigned(role="client", name="Ana", signed_on=BEFORE), "signed_on"),
        (PlanClosed(reason="done", closed_on=BEFORE), "closed_on"),
    ],
)
def test_dates_are_not_before_the_plan_opened(plan: StreamBuilder, event: Event, field: str) -> None:
    error = rejects(plan, event, field)
    assert BEFORE.isoformat() in error.message and OPENED_ON.isoformat() in error.message


def test_the_opening_day_itself_is_allowed(plan: StreamBuilder) -> None:
    plan.add(GoalSet(goal_id="G9", statement="x", target_date=OPENED_ON))
    assert plan.state.goals["G9"].target_date == OPENED_ON


def test_the_next_review_comes_after_the_review(plan: StreamBuilder) -> None:
    held = OPENED_ON + timedelta(days=30)
    rejects(plan, ReviewHeld(held_on=held, next_review_on=held), "next_review_on")


# --- measures ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "field"),
    [
        (Measure(name="attacks", unit="", baseline=3, target=0), "unit"),
        (Measure(name="attacks", unit="   ", baseline=3, target=0), "unit"),
        (Measure(name="", unit="per week", baseline=3, target=0), "measure"),
        (Measure(name="attacks", unit="per week", baseline=2, target=2), "target"),
        (Measure(name="attacks", unit="per week", baseline=float("nan"), target=0), "baseline"),
        (Measure(name="attacks", unit="per week", baseline=3, target=float("inf")), "target"),
    ],
)
def test_a_measure_needs_a_unit_and_a_target_that_differs(
    plan: StreamBuilder, measure: Measure, field: str
) -> None:
    rejects(plan, GoalSet(goal_id="G9", statement="x", measure=measure), field)
    rejects(plan, GoalRevised(goal_id="G2", reason="measure it", measure=measure), field)


def test_direction_follows_from_baseline_and_target() -> None:
    assert PANIC.direction == "decrease"
    assert Measure(name="outings", unit="per month", baseline=0, target=2).direction == "increase"


# --- progress ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_progress_values_are_finite(plan: StreamBuilder, value: float) -> None:
    rejects(plan, ProgressRecorded(goal_id="G1", value=value, observed_on=OPENED_ON), "value")


def test_progress_needs_a_measured_goal(plan: StreamBuilder) -> None:
    error = rejects(plan, ProgressRecorded(goal_id="G2", value=1, observed_on=OPENED_ON), "goal")
    assert "measure" in error.message


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_no_progress_on_a_finished_goal_until_it_is_reactivated(plan: StreamBuilder, status: str) -> None:
    plan.add(ProgressRecorded(goal_id="G1", value=PANIC.target, observed_on=OPENED_ON))
    plan.add(GoalStatusChanged(goal_id="G1", status=status, reason="r"))
    error = rejects(plan, ProgressRecorded(goal_id="G1", value=1, observed_on=OPENED_ON), "goal")
    assert status in error.message and "reactivate" in error.message
    plan.add(GoalStatusChanged(goal_id="G1", status="active", reason="back in focus"))
    plan.add(ProgressRecorded(goal_id="G1", value=1, observed_on=OPENED_ON))
    assert [p.value for p in plan.state.goals["G1"].progress] == [PANIC.target, 1.0]


def test_completing_a_measured_goal_with_no_values_is_refused(plan: StreamBuilder) -> None:
    error = rejects(plan, GoalStatusChanged(goal_id="G1", status="completed", reason="done"), "status")
    assert "has no values" in error.message
    plan.add(GoalStatusChanged(goal_id="G2", status="completed", reason="sleeps through"))  # unmeasured


def test_completing_short_of_the_target_needs_its_own_reason(plan: StreamBuilder) -> None:
    missed = PANIC.baseline
    plan.add(ProgressRecorded(goal_id="G1", value=missed, observed_on=OPENED_ON))
    error = rejects(plan, GoalStatusChanged(goal_id="G1", status="completed", reason="done"), "target-missed")
    assert f"latest value {missed:g}" in error.message and f"target {PANIC.target:g}" in error.message
    rejects(
        plan,
        GoalStatusChanged(goal_id="G1", status="on-hold", reason="r", target_missed_reason="x"),
        "target-missed",
    )
    plan.add(
        GoalStatusChanged(
            goal_id="G1",
            status="completed",
            reason="discharged",
            target_missed_reason="moved abroad; plan ends",
        )
    )
    assert plan.state.goals["G1"].status_changes[-1].target_missed_reason == "moved abroad; plan ends"


def test_no_missed_target_reason_when_the_target_is_met(plan: StreamBuilder) -> None:
    plan.add(ProgressRecorded(goal_id="G1", value=PANIC.target, observed_on=OPENED_ON))
    rejects(
        plan,
        GoalStatusChanged(goal_id="G1", status="completed", reason="r", target_missed_reason="x"),
        "target-missed",
    )


def test_no_progress_on_a_goal_entered_in_error(plan: StreamBuilder) -> None:
    plan.add(GoalStatusChanged(goal_id="G1", status="entered-in-error", reason="wrong client"))
    rejects(plan, ProgressRecorded(goal_id="G1", value=1, observed_on=OPENED_ON), "goal")
    rejects(plan, StepAdded(step_id="S9", goal_id="G1", text="x"), "goal")
    rejects(plan, GoalRevised(goal_id="G1", reason="r", statement="new"), "goal")


# --- the FHIR lifecycle --------------------------------------------------------------------------


def test_every_lifecycle_code_has_its_moves() -> None:
    assert set(TRANSITIONS) == set(LIFECYCLE_STATUSES)
    assert TRANSITIONS["entered-in-error"] == frozenset()
    assert all("entered-in-error" in moves for s, moves in TRANSITIONS.items() if s != "entered-in-error")


@pytest.mark.parametrize(
    ("start", "target"),
    [(s, t) for s in LIFECYCLE_STATUSES for t in LIFECYCLE_STATUSES if s != t and t not in TRANSITIONS[s]],
)
def test_status_moves_outside_the_lifecycle_are_refused(start: str, target: str) -> None:
    builder = opened_plan()
    builder.add(GoalSet(goal_id="G1", statement="x", status="proposed"))
    _walk_to(builder, start)
    error = rejects(builder, GoalStatusChanged(goal_id="G1", status=target, reason="r"), "status")
    assert start in error.message and target in error.message


@pytest.mark.parametrize(
    ("start", "target"), [(s, t) for s in LIFECYCLE_STATUSES for t in sorted(TRANSITIONS[s])]
)
def test_status_moves_inside_the_lifecycle_are_accepted(start: str, target: str) -> None:
    builder = opened_plan()
    builder.add(GoalSet(goal_id="G1", statement="x", status="proposed"))
    _walk_to(builder, start)
    builder.add(GoalStatusChanged(goal_id="G1", status=target, reason="r"))
    assert builder.state.goals["G1"].status == target


def _walk_to(builder: StreamBuilder, status: str) -> None:
    path = {
        "proposed": [],
        "planned": ["planned"],
        "accepted": ["accepted"],
        "active": ["active"],
        "on-hold": ["active", "on-hold"],
        "completed": ["active", "completed"],
        "cancelled": ["cancelled"],
        "rejected": ["rejected"],
        "entered-in-error": ["entered-in-error"],
    }[status]
    for step in path:
        builder.add(GoalStatusChanged(goal_id="G1", status=step, reason="walk"))
    assert builder.state.goals["G1"].status == status


def test_a_status_change_must_change_the_status(plan: StreamBuilder) -> None:
    rejects(plan, GoalStatusChanged(goal_id="G1", status="active", reason="r"), "status")


def test_a_status_must_be_a_lifecycle_code(plan: StreamBuilder) -> None:
    error = rejects(plan, GoalStatusChanged(goal_id="G1", status="done", reason="r"), "status")
    assert "on-hold" in error.message


def test_a_status_change_gives_a_reason(plan: StreamBuilder) -> None:
    rejects(plan, GoalStatusChanged(goal_id="G1", status="on-hold", reason=" "), "reason")


def test_a_new_goal_starts_in_an_initial_status(plan: StreamBuilder) -> None:
    rejects(plan, GoalSet(goal_id="G9", statement="x", status="completed"), "status")


def test_a_goal_term_is_short_or_long(plan: StreamBuilder) -> None:
    rejects(plan, GoalSet(goal_id="G9", statement="x", term="medium"), "term")


# --- revisions -----------------------------------------------------------------------------------


def test_a_revision_must_change_something(plan: StreamBuilder) -> None:
    error = rejects(plan, GoalRevised(goal_id="G1", reason="review"), "revision")
    assert "at least one field" in error.message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"statement": "Go to the shops calmly"}, "statement"),
        ({"focus_id": "F1"}, "focus_id"),
        ({"term": "short"}, "term"),
        ({"measure": PANIC}, "measure"),
    ],
)
def test_a_revision_to_the_same_value_changes_nothing(
    plan: StreamBuilder, change: dict[str, object], field: str
) -> None:
    error = rejects(plan, GoalRevised(goal_id="G1", reason="review", **change), field)  # type: ignore[arg-type]
    assert "already" in error.message


def test_a_revision_gives_a_reason(plan: StreamBuilder) -> None:
    rejects(plan, GoalRevised(goal_id="G1", reason="", statement="Shop with a friend"), "reason")


def test_a_field_cannot_be_both_set_and_cleared(plan: StreamBuilder) -> None:
    rejects(plan, GoalRevised(goal_id="G1", reason="r", relevance="x", cleared=("relevance",)), "relevance")


def test_clearing_an_empty_field_changes_nothing(plan: StreamBuilder) -> None:
    rejects(plan, GoalRevised(goal_id="G2", reason="r", cleared=("measure",)), "measure")


def test_only_optional_fields_can_be_cleared(plan: StreamBuilder) -> None:
    rejects(plan, GoalRevised(goal_id="G1", reason="r", cleared=("statement",)), "cleared")


def test_a_revision_changes_only_what_it_names(plan: StreamBuilder) -> None:
    plan.add(GoalRevised(goal_id="G1", reason="broader", statement="Go shopping alone", cleared=("measure",)))
    goal = plan.state.goals["G1"]
    assert (goal.statement, goal.measure, goal.focus_id, goal.revisions) == (
        "Go shopping alone",
        None,
        "F1",
        1,
    )


# --- steps ---------------------------------------------------------------------------------------


def test_a_step_completes_once(plan: StreamBuilder) -> None:
    plan.add(StepCompleted(step_id="S1", completed_on=OPENED_ON))
    rejects(plan, StepCompleted(step_id="S1", completed_on=OPENED_ON), "step")


def test_only_existing_steps_complete(plan: StreamBuilder) -> None:
    rejects(plan, StepCompleted(step_id="NOPE", completed_on=OPENED_ON), "step")


# --- signatures ----------------------------------------------------------------------------------


def test_a_signer_is_client_guardian_clinician_or_supervisor(plan: StreamBuilder) -> None:
    rejects(plan, PlanSigned(role="witness", name="X", signed_on=OPENED_ON), "role")


def test_a_signature_has_a_name(plan: StreamBuilder) -> None:
    rejects(plan, PlanSigned(role="client", name="", signed_on=OPENED_ON), "name")


# --- text limits ---------------------------------------------------------------------------------


def test_text_has_no_nul_and_a_length_limit(plan: StreamBuilder) -> None:
    rejects(plan, GoalSet(goal_id="G9", statement="a\x00b"), "statement")
    error = rejects(plan, GoalSet(goal_id="G9", statement="x" * (MAX_TEXT + 1)), "statement")
    assert str(MAX_TEXT) in error.message


# --- a closed plan -------------------------------------------------------------------------------


CLOSED_DAY = OPENED_ON + timedelta(days=100)


@pytest.mark.parametrize(
    "event",
    [
        FocusAreaAdded(focus_id="F9", title="New"),
        GoalSet(goal_id="G9", statement="x"),
        GoalRevised(goal_id="G1", reason="r", statement="y"),
        StepAdded(step_id="S9", goal_id="G1", text="x"),
        StepCompleted(step_id="S1", completed_on=CLOSED_DAY),
        InterventionPlanned(intervention_id="I9", modality="CBT", description="d", frequency="w"),
        ProgressRecorded(goal_id="G1", value=1, observed_on=CLOSED_DAY),
        ReviewHeld(held_on=CLOSED_DAY),
        GoalStatusChanged(goal_id="G1", status="completed", reason="r"),
        PlanSigned(role="client", name="Ana", signed_on=CLOSED_DAY),
        PlanClosed(reason="again", closed_on=CLOSED_DAY),
    ],
    ids=lambda e: e.TYPE,
)
def test_a_closed_plan_accepts_nothing_but_a_correction(plan: StreamBuilder, event: Event) -> None:
    plan.add(PlanClosed(reason="discharge criteria met", closed_on=CLOSED_DAY))
    error = rejects(plan, event, "plan")
    assert "closed" in error.message


def test_a_closed_plan_accepts_a_correction_and_correcting_the_close_reopens_it(plan: StreamBuilder) -> None:
    progress = plan.add(ProgressRecorded(goal_id="G1", value=2, observed_on=OPENED_ON))
    close = plan.add(PlanClosed(reason="wrong plan", closed_on=CLOSED_DAY))
    plan.add(EntryCorrected(corrected_event_id=progress.event_id, reason="typo"))
    assert plan.state.is_closed and plan.state.goals["G1"].progress == ()
    plan.add(EntryCorrected(corrected_event_id=close.event_id, reason="closed the wrong plan"))
    assert not plan.state.is_closed
    plan.add(ReviewHeld(held_on=CLOSED_DAY))


# --- corrections ---------------------------------------------------------------------------------


def test_a_correction_names_a_correctable_entry(plan: StreamBuilder) -> None:
    error = rejects(plan, EntryCorrected(corrected_event_id="no-such-event", reason="r"), "event")
    assert "progress_recorded" in error.message  # the sentence lists what can be corrected


def test_a_goal_set_is_not_a_leaf_entry(plan: StreamBuilder) -> None:
    goal_set = next(r for r in plan.records if r.type == "goal_set")
    rejects(plan, EntryCorrected(corrected_event_id=goal_set.event_id, reason="r"), "event")


def test_a_correction_gives_a_reason(plan: StreamBuilder) -> None:
    progress = plan.add(ProgressRecorded(goal_id="G1", value=2, observed_on=OPENED_ON))
    rejects(plan, EntryCorrected(corrected_event_id=progress.event_id, reason=""), "reason")


def test_an_entry_is_corrected_once(plan: StreamBuilder) -> None:
    progress = plan.add(ProgressRecorded(goal_id="G1", value=2, observed_on=OPENED_ON))
    plan.add(EntryCorrected(corrected_event_id=progress.event_id, reason="typo"))
    error = rejects(plan, EntryCorrected(corrected_event_id=progress.event_id, reason="again"), "event")
    assert "already corrected" in error.message


def test_a_correction_with_nothing_left_to_undo_is_refused(plan: StreamBuilder) -> None:
    added = next(r for r in plan.records if r.type == "step_added")
    done = plan.add(StepCompleted(step_id="S1", completed_on=OPENED_ON))
    plan.add(EntryCorrected(corrected_event_id=added.event_id, reason="wrong goal"))
    assert "S1" not in plan.state.steps
    error = rejects(plan, EntryCorrected(corrected_event_id=done.event_id, reason="r"), "event")
    assert "no longer has an effect" in error.message


def test_decide_is_pure(plan: StreamBuilder) -> None:
    state: PlanState = plan.state
    event = ProgressRecorded(goal_id="G1", value=2, observed_on=date(2026, 2, 1))
    assert decide(state, event) == decide(state, event) == [event]
    assert plan.state is state
