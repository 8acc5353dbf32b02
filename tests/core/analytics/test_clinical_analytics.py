"""Analytics and lint corrections: observations after the day asked about, one reliable-change
criterion, response and remission from a clinical-range start, outcome bounded by lifecycle, the
new lint rules, and the false alarms they no longer raise."""

from __future__ import annotations

from datetime import date

import pytest

import goalplan
from goalplan import GAD7, PHQ9, Measure, reliable_change
from goalplan.errors import RejectedError

OPENED = date(2026, 1, 5)
TODAY = date(2026, 2, 10)
WALK = Measure(name="walks", unit="per week", baseline=0, target=3)


@pytest.fixture
def plan(gp: goalplan.Goalplan) -> goalplan.Plan:
    return gp.open_plan(client="Ana Lima", clinician="Dr Ruiz", opened=OPENED)


def finding(plan: goalplan.Plan, rule: str, goal: str | None = None, today: date = TODAY) -> goalplan.Finding:
    report = plan.lint(today=today)
    return next(f for f in report.findings if f.rule_id == rule and f.goal_id == goal)


def walking(plan: goalplan.Plan, statement: str = "I will walk for 20 minutes three mornings a week") -> str:
    goal = plan.set_goal(statement, focus="Low mood", measure=WALK, by=date(2026, 3, 1), relevance="Mood")
    plan.add_step(goal, "Put my shoes by the door")
    return goal


# --- observations after the day asked about ---------------------------------------------------------


def test_analytics_for_a_day_ignore_values_observed_after_it(plan: goalplan.Plan) -> None:
    goal = walking(plan)
    plan.record_progress(goal, 1, on=date(2026, 1, 12))
    plan.record_progress(goal, 3, on=date(2026, 2, 20))  # after the day asked about
    plan.record_score("phq9", 14, on=date(2026, 1, 12))
    plan.record_score("phq9", 4, on=date(2026, 2, 20))
    early = plan.analytics(today=date(2026, 2, 1))
    progress = early.goal(goal).progress
    assert (progress.latest, progress.points, progress.achievement) == (1.0, 1, "in-progress")
    (phq9,) = early.instruments
    assert (phq9.count, phq9.latest.total) == (1, 14.0)
    late = plan.analytics(today=date(2026, 2, 21))
    assert late.goal(goal).progress.achievement == "achieved"
    assert late.instruments[0].count == 2
    assert finding(plan, "smart.achievable", goal, today=date(2026, 2, 1)).level == "pass"


# --- reliable change -------------------------------------------------------------------------------------


def test_one_criterion_strict_jacobson_truax_and_the_display_agrees() -> None:
    four = reliable_change(12, 8, sd=GAD7.sd or 0, reliability=GAD7.reliability or 0)
    assert four.outcome == "no reliable change" and round(four.critical_difference, 2) == 4.00
    assert "-4 points" in four.summary() and "reliable only beyond ±4.00 points" in four.summary()
    assert four.summary().endswith("no reliable change")
    five = reliable_change(12, 7, sd=GAD7.sd or 0, reliability=GAD7.reliability or 0)
    assert five.outcome == "improved"
    six = reliable_change(18, 12, sd=PHQ9.sd or 0, reliability=PHQ9.reliability or 0)
    assert six.outcome == "improved" and round(six.critical_difference, 2) == 5.99
    assert six.to_json()["criterion"] == "Jacobson-Truax |RC| > 1.96"


# --- response and remission ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "response", "remission"),
    [
        ((14,), None, None),  # one score: nothing to compare
        ((8, 3), None, None),  # first score mild (below 10): not reported
        ((10, 4), True, True),  # from a clinical-range start
        ((18, 12), False, False),
    ],
)
def test_response_and_remission_only_from_a_clinical_range_first_score(
    plan: goalplan.Plan, scores: tuple[int, ...], response: bool | None, remission: bool | None
) -> None:
    for n, total in enumerate(scores):
        plan.record_score("phq9", total, on=date(2026, 1, 12 + n))
    (summary,) = plan.analytics(today=TODAY).instruments
    assert (summary.response, summary.remission) == (response, remission)


# --- outcome follows lifecycle --------------------------------------------------------------------------


def test_a_completed_goal_is_never_off_track_or_no_progress(plan: goalplan.Plan) -> None:
    goal = walking(plan)
    plan.record_progress(goal, 0, on=date(2026, 1, 20))
    with pytest.raises(RejectedError, match="misses its target 3"):
        plan.change_status(goal, "completed", reason="discharged")
    plan.change_status(goal, "completed", reason="discharged", target_missed="moved away; referred on")
    progress = plan.analytics(today=date(2026, 6, 1)).goal(goal).progress
    assert (progress.on_track, progress.achievement) == ("not-applicable", "not-achieved")


def test_a_completed_goal_that_met_its_target_is_achieved(plan: goalplan.Plan) -> None:
    goal = walking(plan)
    plan.record_progress(goal, 3, on=date(2026, 1, 20))
    plan.change_status(goal, "completed", reason="three walks a week")
    progress = plan.analytics(today=date(2026, 6, 1)).goal(goal).progress
    assert (progress.on_track, progress.achievement) == ("not-applicable", "achieved")


def test_a_cancelled_goal_has_no_on_track_status(plan: goalplan.Plan) -> None:
    goal = walking(plan)
    plan.change_status(goal, "cancelled", reason="no longer wanted")
    assert plan.analytics(today=date(2026, 6, 1)).goal(goal).progress.on_track == "not-applicable"


def test_completing_a_measured_goal_with_no_values_is_refused(plan: goalplan.Plan) -> None:
    goal = walking(plan)
    with pytest.raises(RejectedError, match="has no values"):
        plan.change_status(goal, "completed", reason="done")


# --- new lint rules ------------------------------------------------------------------------------------


def test_overdue_steps_warn(plan: goalplan.Plan) -> None:
    goal = walking(plan)
    step = plan.add_step(goal, "Buy walking shoes", by=date(2026, 1, 20))
    found = finding(plan, "plan.overdue-steps", goal)
    assert found.level == "warn" and "'Buy walking shoes' due on 2026-01-20" in found.advice
    plan.complete_step(step, on=date(2026, 1, 19))
    assert finding(plan, "plan.overdue-steps", goal).level == "pass"


def test_missing_discharge_criteria_warns(plan: goalplan.Plan) -> None:
    assert finding(plan, "plan.discharge-criteria").level == "warn"
    plan.set_details(discharge_criteria="Three walks a week for a month")
    assert finding(plan, "plan.discharge-criteria").level == "pass"


def test_a_focus_area_without_a_diagnosis_warns(plan: goalplan.Plan) -> None:
    walking(plan)
    found = finding(plan, "plan.focus-diagnosis")
    assert found.level == "warn" and "'Low mood'" in found.advice
    plan.add_diagnosis("F32.0", focus=["Low mood"], primary=True)
    assert finding(plan, "plan.focus-diagnosis").level == "pass"


def test_an_over_long_statement_warns(plan: goalplan.Plan) -> None:
    long = "I will walk for twenty minutes " + " ".join(["and then"] * 20) + " three mornings a week"
    goal = walking(plan, long)
    found = finding(plan, "plan.statement-length", goal)
    assert found.level == "warn" and f"{len(long.split())} words" in found.advice


@pytest.mark.parametrize(
    ("statement", "phrase"),
    [
        ("I will try to feel calmer", "try to"),
        ("I will work on my anxiety", "work on"),
        ("I will keep feeling confident", "keep feeling"),
        ("I will attend therapy every week", "attend therapy"),
    ],
)
def test_aims_hidden_in_efforts_and_means_fail_specific(
    plan: goalplan.Plan, statement: str, phrase: str
) -> None:
    goal = walking(plan, statement)
    found = finding(plan, "smart.specific", goal)
    assert found.level == "fail" and f'"{phrase}"' in found.advice


def test_an_effort_phrase_with_a_real_action_passes(plan: goalplan.Plan) -> None:
    goal = walking(plan, "I will try to walk for 20 minutes three mornings a week")
    assert finding(plan, "smart.specific", goal).level == "pass"


# --- false alarms ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "Je vais marcher vingt minutes trois matins par semaine",
        "Tôi sẽ đi bộ hai mươi phút ba buổi sáng mỗi tuần",
        "Ich werde dreimal pro Woche morgens spazieren gehen",
    ],
)
def test_a_statement_in_another_language_gets_no_english_verdict(plan: goalplan.Plan, statement: str) -> None:
    goal = walking(plan, statement)
    found = finding(plan, "smart.specific", goal)
    assert found.level == "warn" and found.advice.startswith("Wording not checked")
    rules = {f.rule_id for f in plan.lint(today=TODAY).for_goal(goal)}
    assert "framing.positive" not in rules


def test_a_statement_naming_its_own_measure_and_date_gets_a_suggestion_not_a_fail(
    plan: goalplan.Plan,
) -> None:
    goal = plan.set_goal("I will walk 30 minutes 5 days a week by June 1", focus="Low mood")
    measurable = finding(plan, "smart.measurable", goal)
    assert measurable.level == "warn" and '"30 minutes"' in measurable.advice
    assert "structured measure" in measurable.advice
    timely = finding(plan, "smart.time-bound", goal)
    assert timely.level == "warn" and '"by June"' in timely.advice and "target date" in timely.advice
    bare = plan.set_goal("I will walk more often", focus="Low mood")
    assert finding(plan, "smart.measurable", bare).level == "fail"
    assert finding(plan, "smart.time-bound", bare).level == "fail"
