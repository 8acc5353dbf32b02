"""The Python facade: the same operations as the command line, over a real SQLite store."""

from __future__ import annotations

import contextlib
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import goalplan
from goalplan import Goalplan, Measure, NotFoundError, RejectedError
from goalplan.domain import PlanState, apply, fold
from tests.conftest import StepClock
from tests.core.streams import finite, texts

OPENED = date(2026, 1, 5)
PANIC = Measure(name="panic attacks", unit="per week", baseline=3, target=0.5)


@pytest.fixture
def plan(gp: Goalplan) -> goalplan.Plan:
    return gp.open_plan(client="Sam P.", clinician="Dr. Ruiz", credentials="PhD", opened=OPENED)


def test_open_plan_and_find_it_by_any_unique_prefix(gp: Goalplan, plan: goalplan.Plan) -> None:
    assert gp.plan(plan.id).id == plan.id
    assert gp.plan(plan.id[:3]).id == plan.id
    assert gp.plan(plan.id[:5].lower()).id == plan.id
    state = plan.state
    assert (state.client_name, state.clinician_credentials, state.opened_on, state.opened_by) == (
        "Sam P.",
        "PhD",
        OPENED,
        "dr.ruiz",
    )


def test_an_unknown_or_ambiguous_plan_prefix_is_refused(gp: Goalplan) -> None:
    a = gp.open_plan(client="A", clinician="C", opened=OPENED, plan_id="AB000000000000AA")
    gp.open_plan(client="B", clinician="C", opened=OPENED, plan_id="AB000000000000BB")
    with pytest.raises(NotFoundError, match="matches 2 plans"):
        gp.plan("AB")
    with pytest.raises(NotFoundError, match="no plan id starts with 'ZZ'"):
        gp.plan("ZZ")
    assert gp.plan("AB000000000000A").id == a.id


def test_goals_steps_and_interventions_by_prefix(plan: goalplan.Plan) -> None:
    goal = plan.set_goal(
        "Ride the bus to work", focus="Panic", term="long", measure=PANIC, by=date(2026, 3, 5)
    )
    step = plan.add_step(goal[:4], "Ride one stop with a friend", by=date(2026, 1, 20))
    plan.complete_step(step[:4], on=date(2026, 1, 18))
    plan.plan_intervention("CBT", "Interoceptive exposure", "weekly, 50 minutes", goals=[goal[:4]])
    state = plan.state
    assert state.goals[goal].focus_id in state.focus_areas
    assert state.focus_title(state.goals[goal].focus_id) == "Panic"
    assert state.steps[step].completed_on == date(2026, 1, 18)
    assert [i.goal_ids for i in state.interventions.values()] == [(goal,)]


def test_a_focus_title_is_reused_not_duplicated(plan: goalplan.Plan) -> None:
    plan.set_goal("One", focus="Work stress")
    plan.set_goal("Two", focus="work STRESS")
    assert [a.title for a in plan.state.focus_areas.values()] == ["Work stress"]


def test_a_revision_is_recorded_with_who_when_and_why(plan: goalplan.Plan, clock: StepClock) -> None:
    goal = plan.set_goal("Less work stress", focus="Work stress", measure=PANIC)
    plan.revise_goal(
        goal, reason="the real aim is balance", statement="Leave work by six", focus="Work-life balance"
    )
    changes = {(h.field, h.old, h.new) for h in plan.history(goal) if h.event_type == "goal_revised"}
    assert changes == {
        ("statement", "Less work stress", "Leave work by six"),
        ("focus", "Work stress", "Work-life balance"),
    }
    revision = next(h for h in plan.history(goal) if h.event_type == "goal_revised")
    assert revision.reason == "the real aim is balance"
    assert revision.actor == "dr.ruiz"
    assert revision.recorded_at.endswith("Z")


def test_a_partial_measure_revision_changes_only_the_parts_given(plan: goalplan.Plan) -> None:
    goal = plan.set_goal("x", measure=PANIC)
    plan.revise_goal(goal, reason="counted daily now", measure=goalplan.MeasureChange(unit="per day"))
    plan.revise_goal(goal, reason="a worse start", measure=goalplan.MeasureChange(baseline=5))
    assert plan.state.goals[goal].measure == goalplan.Measure(
        name=PANIC.name, unit="per day", baseline=5, target=PANIC.target
    )
    fields = [h.field for h in plan.history(goal) if h.event_type == "goal_revised"]
    assert fields == ["unit", "baseline"]


def test_a_partial_measure_needs_every_part_when_the_goal_has_none(plan: goalplan.Plan) -> None:
    goal = plan.set_goal("x")
    with pytest.raises(goalplan.RejectedError, match="unit: the goal has no measure yet"):
        plan.revise_goal(
            goal, reason="r", measure=goalplan.MeasureChange(name="attacks", baseline=1, target=0)
        )
    plan.revise_goal(
        goal, reason="r", measure=goalplan.MeasureChange(name="attacks", unit="a week", baseline=1, target=0)
    )
    assert plan.state.goals[goal].measure == goalplan.Measure(
        name="attacks", unit="a week", baseline=1, target=0
    )


def test_a_revise_decided_again_after_a_concurrent_write_keeps_that_write(gp: Goalplan) -> None:
    """The second writer's first attempt loses the race; its retry sees the other's unit."""
    plan = gp.open_plan(client="A", clinician="B", opened=OPENED)
    goal = plan.set_goal("x", measure=PANIC)
    append = gp.store.append
    rival = gp.plan(plan.id)
    first = []

    def rival_then_own(*args: object, **kwargs: object) -> object:
        if not first:
            first.append(True)
            gp.store.append = append  # type: ignore[method-assign]
            rival.revise_goal(goal, reason="daily", measure=goalplan.MeasureChange(unit="per day"))
        return append(*args, **kwargs)

    gp.store.append = rival_then_own  # type: ignore[method-assign]
    plan.revise_goal(goal, reason="worse start", measure=goalplan.MeasureChange(baseline=5))
    measure = plan.state.goals[goal].measure
    assert measure is not None and (measure.unit, measure.baseline) == ("per day", 5)


def test_every_write_takes_an_actor(plan: goalplan.Plan) -> None:
    goal = plan.set_goal("x", measure=PANIC, actor="intake.coordinator")
    plan.record_progress(goal, 2, on=OPENED, actor="dr.lee")
    assert [r.actor for r in plan.log().records] == ["dr.ruiz", "intake.coordinator", "dr.lee"]


def test_the_default_actor_comes_from_goalplan_actor(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, clock: StepClock
) -> None:
    monkeypatch.setenv("GOALPLAN_ACTOR", "front.desk")
    with Goalplan.open(db_path, clock=clock) as gp:
        assert gp.plan(gp.open_plan(client="A", clinician="B").id).log().records[0].actor == "front.desk"
    monkeypatch.delenv("GOALPLAN_ACTOR")
    assert goalplan.api.default_actor()  # the login name, or "unknown" where there is none


def test_recorded_at_comes_from_the_clock_and_never_steps_back(db_path: Path) -> None:
    times = iter([datetime(2026, 1, 5, 9, 0, tzinfo=UTC), datetime(2026, 1, 5, 8, 0, tzinfo=UTC)])
    with Goalplan.open(db_path, actor="a", clock=lambda: next(times)) as gp:
        plan = gp.open_plan(client="A", clinician="B", opened=OPENED)
        plan.add_focus("Sleep")
        stamps = [r.recorded_at for r in plan.log().records]
    assert stamps == ["2026-01-05T09:00:00.000000Z", "2026-01-05T09:00:00.000001Z"]


def test_as_of_uses_when_it_was_recorded_not_when_it_happened(plan: goalplan.Plan, clock: StepClock) -> None:
    goal = plan.set_goal("x", measure=PANIC)
    before_entry = clock.now
    plan.record_progress(goal, 2, on=OPENED)  # observed on the opening day, entered later
    assert plan.as_of(before_entry).goals[goal].progress == ()
    assert [p.value for p in plan.as_of(clock.now).goals[goal].progress] == [2]
    assert plan.as_of("2026-01-04").is_open is False
    assert plan.as_of(clock.now.date()).version == plan.state.version


def test_a_rejected_command_writes_nothing(gp: Goalplan, plan: goalplan.Plan) -> None:
    goal = plan.set_goal("x", measure=PANIC)
    head = gp.store.head_position()
    attempts = [
        lambda: plan.record_progress(goal, float("nan")),
        lambda: plan.set_goal("y", focus="New area", by=date(2025, 1, 1)),  # the new focus area too
        lambda: plan.revise_goal(goal, reason="r"),
        lambda: plan.change_status(goal, "rejected", reason="r"),
        lambda: plan.add_step("NOPE", "x"),
        lambda: plan.hold_review(held=date(2025, 12, 1)),
        lambda: plan.sign(role="witness", name="X"),
    ]
    for attempt in attempts:
        with pytest.raises(RejectedError):
            attempt()
    assert gp.store.head_position() == head
    assert len(plan.state.focus_areas) == 0


def test_a_correction_accepts_an_event_id_prefix(plan: goalplan.Plan) -> None:
    goal = plan.set_goal("x", measure=PANIC)
    plan.record_progress(goal, 7, on=OPENED)
    entry = plan.log().records[-1].event_id
    plan.correct(entry[:6], reason="entered for the wrong client")
    assert plan.state.goals[goal].progress == ()
    assert plan.log().records[-1].event.corrected_event_id == entry  # type: ignore[attr-defined]


def test_a_closed_plan_refuses_writes_but_takes_corrections(plan: goalplan.Plan) -> None:
    plan.close(reason="discharge criteria met", on=date(2026, 6, 1))
    with pytest.raises(RejectedError, match="accepts only corrections"):
        plan.add_focus("Sleep")
    plan.correct(plan.log().records[-1].event_id, reason="closed the wrong plan")
    assert plan.state.status == "active"


def test_a_conflict_is_decided_again_against_the_newer_plan(db_path: Path, clock: StepClock) -> None:
    """Another writer appends between our read and our append: we retry, nothing lost or doubled."""
    with (
        Goalplan.open(db_path, actor="a", clock=clock) as gp,
        Goalplan.open(db_path, actor="b", clock=clock) as other,
    ):
        plan = gp.open_plan(client="A", clinician="B", opened=OPENED)
        goal = plan.set_goal("x", measure=PANIC)
        calls = []

        def build(state: PlanState) -> list[goalplan.events.Event]:
            calls.append(state.version)
            if len(calls) == 1:
                other.plan(plan.id).record_progress(goal, 1, on=OPENED)
            return [goalplan.events.ProgressRecorded(goal_id=goal, value=2, observed_on=OPENED)]

        plan.execute(build)
        assert calls == [2, 3]
        assert sorted(p.value for p in plan.state.goals[goal].progress) == [1, 2]
        assert [r.actor for r in plan.log().records[-2:]] == ["b", "a"]


def test_a_retry_is_refused_when_the_newer_plan_no_longer_allows_it(db_path: Path, clock: StepClock) -> None:
    with (
        Goalplan.open(db_path, actor="a", clock=clock) as gp,
        Goalplan.open(db_path, actor="b", clock=clock) as other,
    ):
        plan = gp.open_plan(client="A", clinician="B", opened=OPENED)
        step = plan.add_step(plan.set_goal("x"), "call a friend")

        def build(state: PlanState) -> list[goalplan.events.Event]:
            if not state.steps[step].done:
                other.plan(plan.id).complete_step(step, on=OPENED)
            return [goalplan.events.StepCompleted(step_id=step, completed_on=OPENED)]

        with pytest.raises(RejectedError, match="already completed"):
            plan.execute(build)
        assert [r.type for r in plan.log().records].count("step_completed") == 1


def test_an_expected_version_turns_a_concurrent_write_into_a_conflict(
    db_path: Path, clock: StepClock
) -> None:
    """A caller that decided on what it saw (a form) gets ConcurrencyError, not a silent retry."""
    with (
        Goalplan.open(db_path, actor="a", clock=clock) as gp,
        Goalplan.open(db_path, actor="b", clock=clock) as other,
    ):
        plan = gp.open_plan(client="A", clinician="B", opened=OPENED)
        goal = plan.set_goal("x", measure=PANIC)
        seen = plan.state.version
        other.plan(plan.id).record_progress(goal, 1, on=OPENED)
        with pytest.raises(goalplan.ConcurrencyError) as raised:
            plan.record_progress(goal, 2, on=OPENED, expected_version=seen)
        assert (raised.value.expected, raised.value.actual) == (seen, seen + 1)
        assert [p.value for p in plan.state.goals[goal].progress] == [1]

        # The other write lands between our read and our append: still a conflict, no retry.
        seen = plan.state.version
        append = gp.store.append

        def other_first(*args: object, **kwargs: object) -> object:
            gp.store.append = append  # type: ignore[method-assign]
            other.plan(plan.id).record_progress(goal, 3, on=OPENED)
            return append(*args, **kwargs)  # type: ignore[arg-type]

        gp.store.append = other_first  # type: ignore[method-assign]
        with pytest.raises(goalplan.ConcurrencyError):
            plan.change_status(goal, "on-hold", reason="away", expected_version=seen)
        assert plan.state.goals[goal].status == "active"
        assert plan.state.version == seen + 1

        plan.change_status(goal, "on-hold", reason="away", expected_version=seen + 1)
        assert plan.state.goals[goal].status == "on-hold"
        with pytest.raises(RejectedError, match="expected_version"):
            plan.add_focus("Sleep", expected_version=-1)


def test_plans_lists_the_caseload(gp: Goalplan, plan: goalplan.Plan) -> None:
    plan.set_goal("x")
    summaries = gp.plans()
    assert [(s.plan_id, s.goals, s.active_goals, s.next_review_on) for s in summaries] == [
        (plan.id, 1, 1, OPENED + timedelta(days=90))
    ]


# --- replaying equals the state built step by step through the API ------------------------------


def _random_call(data: st.DataObject, plan: goalplan.Plan, state: PlanState) -> None:
    day = data.draw(st.integers(0, 300).map(lambda n: OPENED + timedelta(days=n)))
    goals = sorted(state.goals)
    kind = data.draw(
        st.sampled_from(
            ["goal", "goal", "progress", "progress", "step", "status", "revise", "review", "sign", "correct"]
        )
    )
    if kind == "goal" or not goals:
        plan.set_goal(
            data.draw(texts),
            focus=data.draw(st.sampled_from([None, "Panic", "Sleep"])),
            measure=PANIC,
            by=day,
        )
        return
    goal = data.draw(st.sampled_from(goals))
    if kind == "progress":
        plan.record_progress(goal, data.draw(finite), on=day)
    elif kind == "step":
        plan.add_step(goal, data.draw(texts), by=day)
    elif kind == "status":
        plan.change_status(
            goal, data.draw(st.sampled_from(["on-hold", "active", "completed", "cancelled"])), reason="r"
        )
    elif kind == "revise":
        plan.revise_goal(goal, reason="review", statement=data.draw(texts))
    elif kind == "review":
        plan.hold_review(held=day, summary=data.draw(texts))
    elif kind == "sign":
        plan.sign(role=data.draw(st.sampled_from(["client", "clinician"])), name="Sam P.", on=day)
    elif state.entries:
        plan.correct(
            data.draw(st.sampled_from(sorted(set(state.entries) - state.corrected) or ["none"])), reason="r"
        )


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=25)
@given(st.data())
def test_replaying_the_log_equals_the_state_built_step_by_step_through_the_api(data: st.DataObject) -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        Goalplan.open(Path(tmp) / "p.db", actor="a", clock=StepClock()) as gp,
    ):
        plan = gp.open_plan(client="A", clinician="B", opened=OPENED)
        running = plan.state
        for _ in range(data.draw(st.integers(1, 12))):
            with contextlib.suppress(RejectedError):
                _random_call(data, plan, running)
            for record in gp.store.read_stream(plan.id, running.version + 1):
                running = apply(running, record.event, record)
        assert running == plan.state == fold(gp.store.read_stream(plan.id))
        assert running.version == gp.store.stream_version(plan.id)
