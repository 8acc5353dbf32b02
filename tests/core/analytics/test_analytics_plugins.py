"""A practice adds a rule and replaces an instrument through the hooks, exactly as docs/analytics.md says."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import attrs
import pytest

import goalplan
from goalplan.plugins import get_plugin_manager, make_plugin_manager


@goalplan.goal_rule("practice.review-words", "specific", "The statement is at most 25 words long.")
def short_statement(
    goal: goalplan.Goal, state: goalplan.PlanState, context: goalplan.LintContext
) -> goalplan.Finding:
    if len(goal.statement.split()) > 25:
        return goalplan.Finding(level="fail", advice="Shorten the statement to 25 words or fewer.")
    return goalplan.Finding(level="pass", advice="Short enough to remember.")


@goalplan.plan_rule("practice.broken", "plan", "A rule with a bug in it.")
def broken(goal: None, state: goalplan.PlanState, context: goalplan.LintContext) -> goalplan.Finding:
    raise KeyError("missing")


class PracticePlugin:
    @goalplan.hookimpl
    def register_smart_rules(self) -> list[goalplan.Rule]:
        return [short_statement, broken]

    @goalplan.hookimpl
    def register_instruments(self) -> list[goalplan.Instrument]:
        # the practice's own pretreatment sample SD replaces the built-in estimate
        return [attrs.evolve(goalplan.PHQ9, sd=6.0, sources=("Our clinic's 2025 intake sample",))]


def test_rules_and_instruments_come_through_the_hooks() -> None:
    pm = make_plugin_manager(load_entry_points=False)
    builtin = {r.id for r in pm.smart_rules()}
    assert "smart.specific" in builtin and "practice.review-words" not in builtin
    assert set(pm.instruments()) == {"phq9", "gad7"}
    pm.register(PracticePlugin(), "practice")
    rules = {r.id: r for r in pm.smart_rules()}
    assert rules["practice.review-words"].plugin == "practice"
    assert rules["practice.review-words"].letter == "S"
    assert rules["smart.specific"].plugin == "goalplan.analytics.builtin_rules"
    assert pm.instruments()["phq9"].sd == 6.0


@pytest.fixture
def practice() -> Iterator[None]:
    pm = get_plugin_manager()
    pm.register(PracticePlugin(), "practice-test")
    try:
        yield
    finally:
        pm.unregister(name="practice-test")


def test_a_practice_rule_fails_lint_and_can_be_silenced(gp: goalplan.Goalplan, practice: None) -> None:
    plan = gp.open_plan(client="Ana Lima", clinician="Dr Ruiz", opened=date(2026, 1, 5))
    long_goal = plan.set_goal(" ".join(["I will walk"] * 10))
    report = plan.lint(today=date(2026, 1, 10))
    (found,) = [f for f in report.findings if f.rule_id == "practice.review-words"]
    assert found.goal_id == long_goal and found.level == "fail"
    (crash,) = [f for f in report.findings if f.rule_id == "practice.broken"]
    assert (
        crash.level == "warn"
        and "could not run (KeyError" in crash.advice
        and "practice-test" in crash.advice
    )
    plan.silence("practice.review-words", goal=long_goal, reason="Client's words, kept whole")
    after = plan.lint(today=date(2026, 1, 10))
    assert [f.silenced_reason for f in after.findings if f.rule_id == "practice.review-words"] == [
        "Client's words, kept whole"
    ]


def test_the_replaced_instrument_is_used_for_the_rci(gp: goalplan.Goalplan, practice: None) -> None:
    plan = gp.open_plan(client="Ana Lima", clinician="Dr Ruiz", opened=date(2026, 1, 5))
    plan.record_score("PHQ-9", 18, on=date(2026, 1, 5))
    plan.record_score("PHQ-9", 12, on=date(2026, 2, 5))
    (summary,) = plan.analytics(today=date(2026, 2, 6)).instruments
    # SD 6: SE = 6 * 0.4 = 2.4; S_diff = sqrt(2 * 5.76) = 3.39411; RC = -6 / 3.39411 = -1.7678.
    assert summary.change is not None
    assert summary.change.rc == pytest.approx(-1.7678, abs=1e-4)
    assert summary.change.outcome == "no reliable change"
