"""Plans that use every part of the mapping: scores with items, corrections, a finished goal."""

from __future__ import annotations

from datetime import date

import pytest

import goalplan
from tests.plugins.conftest import build_panic_plan


def build_rich_plan(gp: goalplan.Goalplan) -> goalplan.Plan:
    """The panic plan plus PHQ-9 and GAD-7 scores, corrected entries and a completed goal."""
    plan = build_panic_plan(gp)
    state = plan.state
    panic = next(g.goal_id for g in state.goals.values() if g.statement.startswith("I will have fewer"))
    walks = next(g.goal_id for g in state.goals.values() if "walk" in g.statement)
    plan.record_score("PHQ-9", 14, items=[2, 2, 1, 2, 1, 2, 2, 1, 1], on=date(2026, 1, 5), goal=panic)
    plan.record_score("GAD-7", 12, on=date(2026, 1, 5), note="Before the first session.")
    plan.record_score("PHQ-9", 8, items=[1, 1, 1, 1, 1, 1, 1, 1, 0], on=date(2026, 3, 2))
    plan.record_progress(walks, 40, on=date(2026, 2, 16), note="Typed 40 instead of 4.")
    wrong = plan.log().records[-1].event_id
    plan.correct(wrong, reason="Typing mistake: four walking days, not forty.")
    plan.record_progress(walks, 4, on=date(2026, 2, 16))
    plan.record_progress(walks, 4, on=date(2026, 2, 23))
    plan.set_gas_scale(
        panic,
        ["Three or more a week", "Two a week", "One a week", "One in two weeks", "None for a month"],
        weight=2,
    )
    plan.score_gas(panic, -1, on=date(2026, 1, 26))
    plan.score_gas(panic, 2, on=date(2026, 2, 2), note="Meant for another goal.")
    plan.correct(plan.log().records[-1].event_id, reason="Scored on the wrong goal.")
    plan.score_gas(panic, 0, on=date(2026, 2, 9), note="One attack this week.")
    step = next(iter(state.steps))
    plan.complete_step(step, on=date(2026, 1, 18))
    extra = plan.add_step(walks, "Walk to the corner shop instead of driving")
    plan.correct(
        next(r.event_id for r in plan.log().records if r.type == "step_added" and r.event.step_id == extra),
        reason="Added to the wrong plan.",
    )
    plan.change_status(walks, "completed", reason="Four walking days a week for two weeks running.")
    return plan


@pytest.fixture
def rich_plan(gp: goalplan.Goalplan) -> goalplan.Plan:
    return build_rich_plan(gp)
