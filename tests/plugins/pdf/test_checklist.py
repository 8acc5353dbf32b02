"""The content checklist of a fileable plan (docs/pdf.md, "The clinical record"): each element
the model holds is printed, read back with pypdf; a required element that is missing prints a
visible placeholder instead of vanishing."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

import goalplan
from goalplan_pdf.document import MISSING
from tests.plugins.pdf.conftest import page_texts, render_pdf


def flat(data: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(page_texts(data)))


@pytest.fixture(scope="module")
def full_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = tmp_path_factory.mktemp("full") / "plans.db"
    with goalplan.Goalplan.open(db, actor="s.lee") as gp:
        plan = gp.open_plan(
            client="Ana Díaz",
            clinician="Sam Lee",
            credentials="LCSW",
            opened=date(2026, 1, 5),
            birth_date=date(2009, 4, 17),
            record_number="MRN-004512",
            preferred_name="Ani",
            pronouns="she/her",
            guardian="Rosa Díaz",
            guardian_relationship="mother",
            discharge_criteria="No panic attack at school for eight weeks.",
        )
        plan.add_focus("Panic at school")
        problem = "Panic attacks in class three times a week since October."
        plan.set_presenting_problem("Panic at school", problem)
        plan.add_diagnosis("F41.0", focus=["Panic at school"], primary=True)
        plan.set_details(
            strengths="Curious, loyal to friends, good at drawing",
            needs="Support from school staff during exams",
            abilities="Can name her feelings and use a breathing exercise",
            preferences="Afternoon sessions; Spanish at home",
            level_of_care="Outpatient (ASAM 1)",
            effective_from=date(2026, 1, 5),
            effective_through=date(2026, 7, 5),
            aftercare="Monthly check-ins with the school counsellor for six months",
            referrals="Paediatrician for a sleep assessment",
        )
        goal = plan.set_goal(
            "I want to stay in class when I feel panic coming.",
            focus="Panic at school",
            measure=goalplan.Measure(name="Panic attacks", unit="per week", baseline=3, target=0),
            by=date(2026, 6, 1),
        )
        plan.plan_intervention(
            "CBT",
            "Interoceptive exposure",
            "Weekly",
            goals=[goal],
            type="individual",
            minutes=50,
            sessions=1,
            per="week",
            provider="Sam Lee",
            provider_credentials="LCSW",
            provider_role="therapist",
        )
        plan.record_score("phq9", 9, items=[1, 1, 1, 1, 1, 1, 1, 1, 1], on=date(2026, 1, 12))
        plan.review_safety(reason="Safety plan made with Ana and her mother.", on=date(2026, 1, 12))
        plan.sign(role="guardian", name="Rosa Díaz", on=date(2026, 1, 12))
        plan.sign(role="clinician", name="Sam Lee", credentials="LCSW", on=date(2026, 1, 12))
        plan.give_copy(to="Rosa Díaz", on=date(2026, 1, 12), method="printed copy")
        data = render_pdf(plan.log())
    return flat(data)


@pytest.mark.parametrize(
    "expected",
    [
        # client identifiers and guardian
        "DATE OF BIRTH 17 April 2009",
        "RECORD NUMBER MRN-004512",
        "Known as Ani, she/her",
        "GUARDIAN Rosa Díaz (mother)",
        # diagnoses with ICD-10-CM code and description, tied to their focus areas
        "F41.0 Panic disorder [episodic paroxysmal anxiety] Primary 1. Panic at school",
        "DIAGNOSES F41.0 Panic disorder",
        # presenting problem
        "PRESENTING PROBLEM Panic attacks in class three times a week since October.",
        # strengths, needs, abilities and preferences
        "STRENGTHS Curious, loyal to friends, good at drawing",
        "NEEDS Support from school staff during exams",
        "ABILITIES Can name her feelings and use a breathing exercise",
        "PREFERENCES Afternoon sessions; Spanish at home",
        # level of care and effective dates
        "LEVEL OF CARE Outpatient (ASAM 1)",
        "EFFECTIVE FROM 5 January 2026",
        "EFFECTIVE THROUGH 5 July 2026",
        # structured interventions: type, minutes, frequency, responsible provider
        "Individual · CBT: Interoceptive exposure — 50 minutes, 1 session a week (Weekly). "
        "Provider: Sam Lee, LCSW (therapist).",
        # aftercare and referrals
        "AFTERCARE Monthly check-ins with the school counsellor for six months",
        "REFERRALS Paediatrician for a sleep assessment",
        # the safety flag, with its documented response
        "PHQ-9 item 9 = 1 on 12 January 2026: safety review on 12 January 2026: Safety plan made with Ana",
        # participation backed by the guardian's signature
        "the client's guardian signed the plan on 12 January 2026",
        "GUARDIAN Signature recorded in the plan's log Rosa Díaz",
        "PLAN GIVEN to Rosa Díaz on 12 January 2026 (printed copy)",
    ],
)
def test_each_element_the_model_holds_is_printed(full_text: str, expected: str) -> None:
    assert expected in full_text


def test_a_complete_plan_has_no_placeholder(full_text: str) -> None:
    assert MISSING not in full_text


def test_a_missing_required_element_prints_a_placeholder(tmp_path: Path) -> None:
    with goalplan.Goalplan.open(tmp_path / "plans.db", actor="s.lee") as gp:
        plan = gp.open_plan(client="Ana Díaz", clinician="Sam Lee", opened=date(2026, 1, 5))
        goal = plan.set_goal("I want to stay in class.", focus="School")
        plan.plan_intervention("CBT", "Exposure", "Weekly", goals=[goal])
        text = flat(render_pdf(plan.log()))
    for label in (
        "DATE OF BIRTH",
        "RECORD NUMBER",
        "LEVEL OF CARE",
        "EFFECTIVE FROM",
        "EFFECTIVE THROUGH",
        "DIAGNOSIS",
        "STRENGTHS",
        "NEEDS",
        "ABILITIES",
        "PREFERENCES",
        "PRESENTING PROBLEM",
        "DISCHARGE CRITERIA",
        "AFTERCARE",
        "PLAN GIVEN",
    ):
        assert f"{label} {MISSING}" in text, label
    assert "Type not recorded · CBT: Exposure — minutes not recorded, Weekly. " in text
    assert "Provider: responsible provider not recorded." in text
    assert "The client took part" not in text


def test_an_unanswered_safety_finding_is_flagged(tmp_path: Path) -> None:
    with goalplan.Goalplan.open(tmp_path / "plans.db", actor="s.lee") as gp:
        plan = gp.open_plan(client="Ana Díaz", clinician="Sam Lee", opened=date(2026, 1, 5))
        plan.record_score("phq9", 11, items=[2, 1, 1, 1, 1, 1, 1, 1, 2], on=date(2026, 1, 12))
        text = flat(render_pdf(plan.log()))
    assert "PHQ-9 item 9 = 2 on 12 January 2026: NO SAFETY RESPONSE RECORDED" in text
