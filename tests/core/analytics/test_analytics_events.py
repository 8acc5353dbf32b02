"""The analytics events through the real write path: decide refuses, fold applies, corrections undo."""

from __future__ import annotations

from datetime import date

import pytest

import goalplan
from goalplan import RejectedError
from goalplan.codec import decode, encode
from goalplan.events import FindingSilenced, GasScaleSet, GasScored, ScoreRecorded

LEVELS = ("No walks", "One walk a week", "Two walks a week", "Three walks a week", "Four or more")


@pytest.fixture
def plan(gp: goalplan.Goalplan) -> goalplan.Plan:
    return gp.open_plan(client="Ana Lima", clinician="Dr Ruiz", opened=date(2026, 1, 5))


def _goal(plan: goalplan.Plan) -> str:
    return plan.set_goal(
        "I will walk for 20 minutes three mornings a week",
        focus="Low mood",
        measure=goalplan.Measure(name="walks", unit="per week", baseline=0, target=3),
        by=date(2026, 3, 1),
    )


def test_score_is_recorded_sorted_by_observation_and_linked_to_a_goal(plan: goalplan.Plan) -> None:
    goal = _goal(plan)
    plan.record_score("PHQ-9", 9, on=date(2026, 2, 2), goal=goal)
    plan.record_score("phq9", 18, on=date(2026, 1, 5), items=[2, 2, 2, 2, 2, 2, 2, 2, 2])
    scores = plan.state.scores
    assert [(s.instrument, s.total, s.observed_on) for s in scores] == [
        ("phq9", 18, date(2026, 1, 5)),
        ("phq9", 9, date(2026, 2, 2)),
    ]
    assert scores[1].goal_id == goal and scores[0].goal_id is None
    assert scores[0].items == (2,) * 9


def test_score_out_of_range_writes_nothing(plan: goalplan.Plan) -> None:
    before = plan.state.version
    with pytest.raises(RejectedError) as caught:
        plan.record_score("GAD-7", 22)
    assert caught.value.field == "total"
    assert "from 0 to 21 for GAD-7" in str(caught.value)
    with pytest.raises(RejectedError, match="no instrument 'BDI'"):
        plan.record_score("BDI", 10)
    assert plan.state.version == before


def test_decide_checks_the_shape_of_a_score(plan: goalplan.Plan) -> None:
    with pytest.raises(RejectedError, match="add up to 3"):
        plan.execute(
            lambda s: [ScoreRecorded(instrument="x", total=4, items=(1, 1, 1), observed_on=date(2026, 1, 6))]
        )
    with pytest.raises(RejectedError, match="before the plan opened"):
        plan.execute(lambda s: [ScoreRecorded(instrument="x", total=4, observed_on=date(2025, 1, 6))])


def test_score_correction_undoes_it(plan: goalplan.Plan) -> None:
    plan.record_score("PHQ-9", 12, on=date(2026, 1, 10))
    wrong = plan.state.scores[0].event_id
    plan.correct(wrong, reason="Entered on the wrong client")
    assert plan.state.scores == ()
    assert wrong in plan.state.corrected


def test_gas_scale_and_scores(plan: goalplan.Plan) -> None:
    goal = _goal(plan)
    plan.set_gas_scale(goal, LEVELS, weight=2)
    plan.score_gas(goal, -1, on=date(2026, 1, 12))
    plan.score_gas(goal, 1, on=date(2026, 2, 9))
    g = plan.state.goals[goal]
    assert g.gas_scale is not None and g.gas_scale.weight == 2
    assert g.gas_scale.describe(1) == "Three walks a week"
    assert [p.level for p in g.gas_points] == [-1, 1]
    # the latest scoring corrected away leaves the first one
    plan.correct(g.gas_points[-1].event_id, reason="Scored the wrong goal")
    assert [p.level for p in plan.state.goals[goal].gas_points] == [-1]


def test_gas_refusals_name_the_field(plan: goalplan.Plan) -> None:
    goal = _goal(plan)
    with pytest.raises(RejectedError) as caught:
        plan.score_gas(goal, 1)
    assert caught.value.field == "goal" and "no attainment scale" in caught.value.message
    with pytest.raises(RejectedError, match="five descriptions"):
        plan.set_gas_scale(goal, LEVELS[:4])
    with pytest.raises(RejectedError) as caught:
        plan.set_gas_scale(goal, {-2: "a", -1: "b", 0: "", 1: "d", 2: "e"})
    assert caught.value.field == "level 0"
    with pytest.raises(RejectedError, match="weight"):
        plan.set_gas_scale(goal, LEVELS, weight=0)
    plan.set_gas_scale(goal, LEVELS)
    with pytest.raises(RejectedError) as caught:
        plan.score_gas(goal, 3)
    assert caught.value.field == "level" and "-2 to +2" in caught.value.message
    with pytest.raises(RejectedError, match="already has exactly this scale"):
        plan.set_gas_scale(goal, LEVELS)


def test_silence_is_recorded_with_reason_and_actor(plan: goalplan.Plan) -> None:
    goal = _goal(plan)
    plan.silence("smart.relevant", goal=goal, reason="Relevance discussed in session notes", actor="dr.kim")
    (silence,) = plan.state.silences
    assert (silence.rule_id, silence.goal_id, silence.actor) == ("smart.relevant", goal, "dr.kim")
    record = plan.log().records[-1]
    assert record.type == "finding_silenced"
    assert record.event.reason == "Relevance discussed in session notes"  # type: ignore[attr-defined]
    with pytest.raises(RejectedError, match="already silenced"):
        plan.silence("smart.relevant", goal=goal, reason="again")
    plan.correct(silence.event_id, reason="Silenced by mistake")
    assert plan.state.silences == ()


def test_silence_refusals(plan: goalplan.Plan) -> None:
    goal = _goal(plan)
    with pytest.raises(RejectedError, match=r"no rule 'smart\.nothing'"):
        plan.silence("smart.nothing", goal=goal, reason="x")
    with pytest.raises(RejectedError, match="name the goal"):
        plan.silence("smart.specific", reason="x")
    with pytest.raises(RejectedError, match="plan rule"):
        plan.silence("plan.client-signature", goal=goal, reason="x")
    with pytest.raises(RejectedError) as caught:
        plan.silence("plan.client-signature", reason="  ")
    assert caught.value.field == "reason"


@pytest.mark.parametrize(
    "event",
    [
        ScoreRecorded(instrument="phq9", total=14, items=(2,) * 7, observed_on=date(2026, 1, 5), goal_id="G"),
        GasScaleSet(goal_id="G", levels=("a", "b", "c", "d", "e"), weight=1.5, reason="first scale"),
        GasScored(goal_id="G", level=-2, observed_on=date(2026, 1, 5)),
        FindingSilenced(rule_id="smart.relevant", reason="ok", goal_id=None),
    ],
)
def test_events_round_trip_through_the_codec(event: goalplan.events.Event) -> None:
    assert decode(event.TYPE, event.SCHEMA_VERSION, encode(event)) == event


def test_history_shows_scores_scales_and_silences(plan: goalplan.Plan) -> None:
    goal = _goal(plan)
    plan.record_score("PHQ-9", 12, on=date(2026, 1, 10), goal=goal)
    plan.set_gas_scale(goal, LEVELS)
    plan.score_gas(goal, 0, on=date(2026, 1, 12))
    plan.silence("plan.client-signature", reason="Client signs at the next session")
    fields = [(e.field, e.new) for e in plan.history()]
    assert ("score", "phq9 12 on 2026-01-10") in fields
    assert ("gas_level", "+0 on 2026-01-12") in fields
    assert ("silenced_rule", "plan.client-signature") in fields
    assert any(f == "gas_scale" and new.startswith("weight 1; -2: No walks") for f, new in fields)
    silenced = next(e for e in plan.history() if e.field == "silenced_rule")
    assert silenced.reason == "Client signs at the next session"
