"""Each SMART rule's pass, warn and fail, silencing, and the plan-level checks, with a fixed today."""

from __future__ import annotations

from datetime import date

import pytest

import goalplan
from goalplan.analytics import Finding, LintReport, words
from goalplan.analytics.wording import action_verbs, additive_actions, vague_aims

TODAY = date(2026, 2, 10)
WALK = goalplan.Measure(name="walks", unit="per week", baseline=0, target=3)


@pytest.fixture
def plan(gp: goalplan.Goalplan) -> goalplan.Plan:
    return gp.open_plan(client="Ana Lima", clinician="Dr Ruiz", opened=date(2026, 1, 5))


def good_goal(
    plan: goalplan.Plan, statement: str = "I will walk for 20 minutes three mornings a week"
) -> str:
    goal = plan.set_goal(
        statement,
        focus="Low mood",
        measure=WALK,
        by=date(2026, 3, 1),
        relevance="Moving lifts my mood",
    )
    plan.add_step(goal, "Put my shoes by the door")
    return goal


def finding(report: LintReport, rule: str, goal: str | None) -> Finding:
    (found,) = [f for f in report.findings if f.rule_id == rule and f.goal_id == goal]
    return found


def level(plan: goalplan.Plan, rule: str, goal: str | None) -> str:
    return finding(plan.lint(today=TODAY), rule, goal).level


def test_a_good_goal_passes_every_goal_rule(plan: goalplan.Plan) -> None:
    goal = good_goal(plan)
    report = plan.lint(today=TODAY)
    levels = {f.rule_id: f.level for f in report.for_goal(goal)}
    assert levels == {
        "smart.specific": "pass",
        "smart.measurable": "pass",
        "smart.achievable": "pass",
        "smart.relevant": "pass",
        "smart.time-bound": "pass",
        "framing.positive": "pass",
        "plan.copied-goal": "pass",
        "plan.statement-length": "pass",
    }
    assert not report.failed


# Specific ------------------------------------------------------------------------------------


@pytest.mark.parametrize("aim", ["I want to feel better", "Be happier", "I need to improve myself"])
def test_specific_fails_a_vague_aim_alone(plan: goalplan.Plan, aim: str) -> None:
    goal = plan.set_goal(aim)
    found = finding(plan.lint(today=TODAY), "smart.specific", goal)
    assert found.level == "fail"
    assert "say what the client will do" in found.advice


def test_specific_passes_a_vague_aim_with_an_action(plan: goalplan.Plan) -> None:
    goal = plan.set_goal("I will feel better by walking to the park every morning")
    assert level(plan, "smart.specific", goal) == "pass"


def test_specific_warns_without_an_action(plan: goalplan.Plan) -> None:
    goal = plan.set_goal("More confidence with colleagues")
    found = finding(plan.lint(today=TODAY), "smart.specific", goal)
    assert found.level == "warn" and "names no action" in found.advice


def test_specific_warns_when_not_in_the_first_person(plan: goalplan.Plan) -> None:
    goal = plan.set_goal("Client will attend two group sessions a month")
    found = finding(plan.lint(today=TODAY), "smart.specific", goal)
    assert found.level == "warn" and "first person" in found.advice


# Measurable ----------------------------------------------------------------------------------


def test_measurable_fails_without_measure_and_passes_with_a_linked_score(plan: goalplan.Plan) -> None:
    goal = plan.set_goal("I will call one friend each week")
    assert level(plan, "smart.measurable", goal) == "fail"
    plan.record_score("PHQ-9", 12, on=date(2026, 1, 10), goal=goal)
    found = finding(plan.lint(today=TODAY), "smart.measurable", goal)
    assert found.level == "pass" and "PHQ-9" in found.advice


def test_measurable_passes_with_a_gas_scale(plan: goalplan.Plan) -> None:
    goal = plan.set_goal("I will call one friend each week")
    plan.set_gas_scale(goal, ("none", "one a month", "two a month", "weekly", "twice weekly"))
    assert level(plan, "smart.measurable", goal) == "pass"


# Achievable ----------------------------------------------------------------------------------


def test_achievable_fails_without_steps_or_interventions(plan: goalplan.Plan) -> None:
    goal = plan.set_goal("I will walk each morning", measure=WALK, by=date(2026, 3, 1))
    assert level(plan, "smart.achievable", goal) == "fail"
    plan.plan_intervention("CBT", "Behavioural activation", "weekly", goals=[goal])
    assert level(plan, "smart.achievable", goal) == "pass"


def test_achievable_warns_when_the_pace_so_far_is_far_too_slow(plan: goalplan.Plan) -> None:
    goal = good_goal(plan)
    # +0.1 a week so far (0.1 on 01-12, 0.2 on 01-19); from 0.2 on 01-19, 2.8 more by 03-01
    # (41 days = 5.857 weeks) needs 0.478 a week: more than three times 0.1.
    plan.record_progress(goal, 0.1, on=date(2026, 1, 12))
    plan.record_progress(goal, 0.2, on=date(2026, 1, 19))
    found = finding(plan.lint(today=TODAY), "smart.achievable", goal)
    assert found.level == "warn" and "three times the pace" in found.advice


def test_achievable_warns_when_moving_away(plan: goalplan.Plan) -> None:
    goal = good_goal(plan)
    plan.record_progress(goal, 2, on=date(2026, 1, 12))
    plan.record_progress(goal, 1, on=date(2026, 1, 19))
    found = finding(plan.lint(today=TODAY), "smart.achievable", goal)
    assert found.level == "warn" and "moving away" in found.advice


def test_achievable_warns_with_too_little_time_and_no_data(plan: goalplan.Plan) -> None:
    # set on 2026-01-05 (the test clock) with the target date 10 days on
    goal = plan.set_goal("I will walk each morning", focus="Low mood", measure=WALK, by=date(2026, 1, 15))
    plan.add_step(goal, "Buy shoes")
    found = finding(plan.lint(today=date(2026, 1, 6)), "smart.achievable", goal)
    assert found.level == "warn" and "10 days" in found.advice


# Relevant and time-bound ---------------------------------------------------------------------


def test_relevant(plan: goalplan.Plan) -> None:
    loose = plan.set_goal("I will walk each morning")
    assert level(plan, "smart.relevant", loose) == "fail"
    tied = plan.set_goal("I will read each night", focus="Sleep")
    assert level(plan, "smart.relevant", tied) == "warn"
    assert level(plan, "smart.relevant", good_goal(plan)) == "pass"


def test_time_bound(plan: goalplan.Plan) -> None:
    undated = plan.set_goal("I will walk each morning")
    assert level(plan, "smart.time-bound", undated) == "fail"
    past = plan.set_goal("I will read each night", by=date(2026, 2, 1))
    found = finding(plan.lint(today=TODAY), "smart.time-bound", past)
    assert found.level == "fail" and "has passed" in found.advice
    # the default review is 90 days after opening, 2026-04-05; a short-term goal due later warns
    late = plan.set_goal("I will swim each week", by=date(2026, 6, 1))
    assert level(plan, "smart.time-bound", late) == "warn"
    long = plan.set_goal("I will run a 5k race", by=date(2026, 6, 1), term="long")
    assert level(plan, "smart.time-bound", long) == "pass"


def test_time_bound_past_date_but_met_passes(plan: goalplan.Plan) -> None:
    goal = plan.set_goal("I will walk each morning", measure=WALK, by=date(2026, 2, 1))
    plan.record_progress(goal, 3, on=date(2026, 1, 30))
    found = finding(plan.lint(today=TODAY), "smart.time-bound", goal)
    assert found.level == "pass" and "consider completing" in found.advice


# Positive framing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    ["I will stop drinking", "I want to quit smoking", "I will never yell at my kids",
     "No more takeaway food", "I will avoid the pub", "I won't skip my appointments"],
)  # fmt: skip
def test_framing_warns_on_removal_only(plan: goalplan.Plan, statement: str) -> None:
    goal = plan.set_goal(statement)
    found = finding(plan.lint(today=TODAY), "framing.positive", goal)
    assert found.level == "warn"
    assert "say what the client will do instead" in found.advice


@pytest.mark.parametrize(
    "statement",
    ["I will go for a walk instead of drinking", "I will stop drinking and call a friend each evening",
     "I will drink water with dinner", "I will walk each morning"],
)  # fmt: skip
def test_framing_passes_when_something_is_added(plan: goalplan.Plan, statement: str) -> None:
    goal = plan.set_goal(statement)
    assert level(plan, "framing.positive", goal) == "pass"


def test_wording_helpers() -> None:
    tokens = words("I’ll stop drinking and go jogging")
    assert tokens[0] == "i'll"
    assert [v for _, v in action_verbs(tokens)] == ["stop", "drink", "go", "jog"]
    assert additive_actions(words("I will stop drinking alcohol")) == []
    assert additive_actions(words("I will avoid the bar and go to the gym")) == ["go"]
    assert additive_actions(words("I will stop drinking and call a friend")) == ["call"]
    assert vague_aims(words("I just want to be happy")) == ["be happy"]


# Plan-level ----------------------------------------------------------------------------------


def test_focus_load_warns_past_two_active_goals(plan: goalplan.Plan) -> None:
    for text in ("I will walk", "I will read", "I will swim"):
        plan.set_goal(text, focus="Low mood")
    found = finding(plan.lint(today=TODAY), "plan.focus-load", None)
    assert found.level == "warn" and "'Low mood' has 3" in found.advice
    third = plan.state.goals_in(next(iter(plan.state.focus_areas)))[2].goal_id
    plan.change_status(third, "on-hold", reason="One at a time")
    assert level(plan, "plan.focus-load", None) == "pass"


def test_review_overdue(plan: goalplan.Plan) -> None:
    # opened 2026-01-05 with a 90-day cadence: due 2026-04-05
    assert level(plan, "plan.review-overdue", None) == "pass"
    found = finding(plan.lint(today=date(2026, 4, 10)), "plan.review-overdue", None)
    assert found.level == "warn" and "5 day(s) overdue" in found.advice
    plan.hold_review(held=date(2026, 4, 8), summary="Reviewed")
    assert finding(plan.lint(today=date(2026, 4, 10)), "plan.review-overdue", None).level == "pass"


def test_client_signature(plan: goalplan.Plan) -> None:
    assert level(plan, "plan.client-signature", None) == "warn"
    plan.sign(role="clinician", name="Dr Ruiz", on=date(2026, 1, 5))
    assert level(plan, "plan.client-signature", None) == "warn"
    plan.sign(role="client", name="Ana Lima", on=date(2026, 1, 5))
    assert level(plan, "plan.client-signature", None) == "pass"


def test_copied_goal_across_plans(gp: goalplan.Goalplan, plan: goalplan.Plan) -> None:
    other = gp.open_plan(client="Ben Cole", clinician="Dr Ruiz", opened=date(2026, 1, 5))
    other.set_goal("I will walk for 20 minutes, three mornings a week.")
    goal = good_goal(plan)  # same words, other punctuation
    found = finding(plan.lint(today=TODAY), "plan.copied-goal", goal)
    assert found.level == "warn" and other.id in found.advice
    own = plan.set_goal("I will walk to work on Fridays")
    assert level(plan, "plan.copied-goal", own) == "pass"


def test_closed_goals_are_not_linted(plan: goalplan.Plan) -> None:
    goal = plan.set_goal("I want to feel better")
    plan.change_status(goal, "cancelled", reason="Replaced by a clearer goal")
    assert plan.lint(today=TODAY).for_goal(goal) == []


# Silencing -----------------------------------------------------------------------------------


def test_silenced_failure_no_longer_fails_the_run(plan: goalplan.Plan) -> None:
    goal = good_goal(plan)
    plan.revise_goal(goal, reason="Open-ended for now", clear=["target_date"])
    assert plan.lint(today=TODAY).failed
    plan.silence("smart.time-bound", goal=goal, reason="Maintenance goal; reviewed each quarter")
    report = plan.lint(today=TODAY)
    found = finding(report, "smart.time-bound", goal)
    assert found.level == "fail" and found.silenced_reason == "Maintenance goal; reviewed each quarter"
    assert not report.failed
    assert report.silenced == 1
    # plan rules: focus-load and review pass; client-signature, discharge-criteria and
    # focus-diagnosis warn; the goal's other seven pass
    assert report.to_json()["counts"] == {"pass": 9, "warn": 3, "fail": 0, "silenced": 1}


def test_silence_applies_to_one_goal_only(plan: goalplan.Plan) -> None:
    first = plan.set_goal("I want to feel better")
    second = plan.set_goal("I want to be happier")
    plan.silence("smart.specific", goal=first, reason="Client's exact words, kept on purpose")
    report = plan.lint(today=TODAY)
    assert finding(report, "smart.specific", first).silenced_reason is not None
    assert finding(report, "smart.specific", second).fails
