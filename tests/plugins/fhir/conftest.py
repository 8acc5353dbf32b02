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


def build_clinical_plan(gp: goalplan.Goalplan) -> goalplan.Plan:
    """A plan with the whole clinical record: identifiers, guardian, diagnoses, plan details,
    structured interventions with providers, a stale and current signatures, a safety review."""
    plan = gp.open_plan(
        client="Eleni Papadopoulou",
        clinician="Maria Jensen",
        credentials="LMFT",
        opened=date(2026, 1, 20),
        review_every=90,
        discharge_criteria="Attends school four days a week for a month.",
        birth_date=date(2011, 5, 14),
        record_number="MRN-004211",
        preferred_name="Leni",
        pronouns="she/her",
        guardian="Kostas Papadopoulos",
        guardian_relationship="father",
    )
    plan.sign(role="guardian", name="Kostas Papadopoulos", on=date(2026, 1, 20))  # before the goals: stale
    plan.set_details(
        strengths="Close to her grandmother; good at drawing.",
        needs="A calmer morning routine.",
        abilities="Reads well above her grade.",
        preferences="Sessions after school.",
        level_of_care="Outpatient",
        effective_from=date(2026, 1, 20),
        effective_through=date(2026, 7, 20),
        aftercare="Monthly check-ins with the school counsellor.",
        referrals="School counsellor.",
    )
    goal = plan.set_goal(
        "I will go to school on four days a week.",
        focus="School attendance",
        measure=goalplan.Measure(name="school days attended", unit="days per week", baseline=1, target=4),
        by=date(2026, 5, 1),
    )
    plan.set_presenting_problem("School attendance", "Refuses school on most mornings since October.")
    plan.add_diagnosis("F93.0", focus=["School attendance"], primary=True, dsm5="Separation anxiety disorder")
    plan.add_diagnosis("F41.1", dsm5="Generalized anxiety disorder")
    plan.resolve_diagnosis("F41.1", reason="Symptoms better explained by separation anxiety.")
    plan.plan_intervention(
        "CBT",
        "Graded exposure to school mornings",
        "weekly, 50 minutes",
        goals=[goal],
        type="individual",
        minutes=50,
        sessions=1,
        per="week",
        provider="Dr. Sam Okoye",
        provider_credentials="PsyD",
        provider_role="Therapist",
        starts=date(2026, 1, 27),
        ends=date(2026, 6, 30),
    )
    plan.plan_intervention(
        "Family therapy", "Sessions with the father", "every two weeks", goals=[goal], type="family",
        provider="Maria Jensen", provider_credentials="LMFT",
    )  # fmt: skip
    plan.plan_intervention("Psychoeducation", "Anxiety and avoidance", "once", minutes=30)
    plan.record_progress(goal, 2, on=date(2026, 2, 6))
    plan.record_score("PHQ-9", 12, items=[1, 2, 1, 2, 1, 2, 1, 1, 1], on=date(2026, 1, 27))
    plan.review_safety(
        reason="Passive thoughts only; safety plan made with her father.", on=date(2026, 1, 27)
    )
    plan.sign(role="client", name="Leni Papadopoulou", on=date(2026, 1, 27))
    plan.sign(role="clinician", name="Maria Jensen", credentials="LMFT", on=date(2026, 1, 27))
    plan.sign(role="supervisor", name="Dr. Ruth Adler", credentials="PhD", on=date(2026, 1, 28))
    plan.give_copy(to="Kostas Papadopoulos", on=date(2026, 1, 28), method="printed")
    return plan


@pytest.fixture
def clinical_plan(gp: goalplan.Goalplan) -> goalplan.Plan:
    return build_clinical_plan(gp)
