"""The fileable clinical record: identifiers, diagnoses, plan details, structured interventions,
version-bound signatures and the PHQ-9 item 9 safety finding, through the Python API."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from goalplan import Goalplan, Measure, Plan, plan_to_json
from goalplan.errors import RejectedError

OPENED = date(2026, 1, 5)
PHQ9_ITEM9 = (2, 2, 1, 1, 1, 1, 1, 1, 1)  # total 11, item 9 = 1
PHQ9_CALM = (2, 2, 1, 1, 1, 1, 1, 2, 0)  # total 11, item 9 = 0


@pytest.fixture
def plan(gp: Goalplan) -> Plan:
    return gp.open_plan(
        client="Ana Silva",
        clinician="Dr. Ruiz",
        credentials="PhD",
        opened=OPENED,
        birth_date=date(1990, 4, 2),
        record_number="MRN-0042",
    )


def signed_plan(plan: Plan) -> tuple[Plan, str]:
    goal = plan.set_goal(
        "I will go to two gatherings a month",
        focus="Social anxiety",
        measure=Measure(name="gatherings", unit="per month", baseline=0, target=2),
        by=date(2026, 4, 1),
    )
    plan.add_diagnosis("F40.10", focus=["Social anxiety"], primary=True)
    plan.plan_intervention("CBT", "graded exposure", "weekly", goals=[goal], type="individual", minutes=50)
    plan.sign(role="client", name="Ana Silva", on=OPENED, actor="front.desk")
    return plan, goal


def fails(call: Callable[[], object], field: str, *words: str) -> str:
    with pytest.raises(RejectedError) as caught:
        call()
    assert caught.value.field == field
    for word in words:
        assert word in str(caught.value)
    return str(caught.value)


# --- identifiers -----------------------------------------------------------------------------------


def test_the_client_has_a_birth_date_and_a_record_number_besides_the_name(plan: Plan) -> None:
    shown = plan_to_json(plan.state)
    assert (shown["client_birth_date"], shown["client_record_number"]) == ("1990-04-02", "MRN-0042")
    assert shown["guardian"] is None


def test_identifiers_change_later_with_a_reason_and_the_history_shows_it(plan: Plan) -> None:
    plan.change_client(
        reason="legal name change",
        name="Ana Costa",
        preferred_name="Ana",
        pronouns="she/her",
        guardian="Maria Costa",
        guardian_relationship="mother",
    )
    shown = plan_to_json(plan.state)
    assert shown["client"] == "Ana Costa" and shown["client_pronouns"] == "she/her"
    assert shown["guardian"] == {"name": "Maria Costa", "relationship": "mother"}
    entry = [h for h in plan.history() if h.field == "client_name"][-1]
    assert (entry.old, entry.new, entry.reason) == ("Ana Silva", "Ana Costa", "legal name change")
    plan.change_client(reason="client turned 18", clear=["guardian_name", "guardian_relationship"])
    assert plan_to_json(plan.state)["guardian"] is None


def test_bad_identifiers_are_refused(gp: Goalplan, plan: Plan) -> None:
    fails(
        lambda: gp.open_plan(client="A", clinician="B", opened=OPENED, birth_date=date(2026, 2, 1)),
        "birth-date",
        "after the plan opened",
    )
    fails(lambda: plan.change_client(reason="typo", record_number="MRN-0042"), "client_record_number")
    fails(lambda: plan.change_client(reason="", record_number="MRN-1"), "reason")
    fails(lambda: plan.change_client(reason="x"), "client")
    fails(lambda: plan.change_client(reason="x", guardian_relationship="aunt"), "guardian-relationship")


# --- diagnoses -----------------------------------------------------------------------------------


def test_a_diagnosis_takes_its_description_from_the_code_set(plan: Plan) -> None:
    plan.add_focus("Worry")
    assert (
        plan.add_diagnosis("f411", focus=["Worry"], primary=True, dsm5="Generalized anxiety disorder")
        == "F41.1"
    )
    (shown,) = plan_to_json(plan.state)["diagnoses"]
    assert shown["code"] == "F41.1" and shown["description"] == "Generalized anxiety disorder"
    assert shown["primary"] is True and shown["status"] == "active"
    assert shown["focus_ids"] == [next(iter(plan.state.focus_areas))]


def test_an_unknown_code_is_refused_by_name(plan: Plan) -> None:
    fails(lambda: plan.add_diagnosis("F99.99"), "code", "F99.99", "not in the ICD-10-CM code set")
    assert plan.state.version == 1


def test_a_category_is_refused_naming_the_billable_codes_under_it(plan: Plan) -> None:
    message = fails(lambda: plan.add_diagnosis("F41"), "code", "F41 is a category")
    for code in ("F41.0", "F41.1", "F41.3", "F41.8", "F41.9"):
        assert code in message


def test_a_new_primary_makes_the_earlier_one_secondary_and_resolving_needs_a_reason(plan: Plan) -> None:
    plan.add_diagnosis("F41.1", primary=True)
    plan.add_diagnosis("F33.1", primary=True)
    primaries = {d["code"]: d["primary"] for d in plan_to_json(plan.state)["diagnoses"]}
    assert primaries == {"F41.1": False, "F33.1": True}
    fails(lambda: plan.add_diagnosis("F41.1"), "code", "already an active diagnosis")
    fails(lambda: plan.resolve_diagnosis("F41.1", reason=""), "reason")
    plan.resolve_diagnosis("F41.1", reason="criteria no longer met")
    resolved = next(d for d in plan_to_json(plan.state)["diagnoses"] if d["code"] == "F41.1")
    assert (resolved["status"], resolved["resolve_reason"]) == ("resolved", "criteria no longer met")
    fails(lambda: plan.resolve_diagnosis("F41.1", reason="again"), "code", "not an active diagnosis")
    fails(lambda: plan.add_diagnosis("F41.1", focus=["Nowhere"]), "focus", "no focus area 'Nowhere'")


# --- plan-level content ------------------------------------------------------------------------------


def test_plan_details_and_presenting_problem_round_trip(plan: Plan) -> None:
    focus = plan.add_focus("Panic")
    plan.set_presenting_problem("Panic", "Three panic attacks a week; avoids the metro.")
    plan.set_details(
        strengths="Curious, keeps appointments",
        needs="Childcare on session days",
        abilities="Reads and writes Portuguese and English",
        preferences="Morning sessions; female clinician",
        level_of_care="Outpatient, ASAM level 1",
        effective_from=OPENED,
        effective_through=date(2027, 1, 4),
        aftercare="Monthly peer group",
        referrals="GP for a medication review",
        discharge_criteria="No panic attack for eight weeks",
    )
    shown = plan_to_json(plan.state)
    assert shown["focus_areas"][0]["presenting_problem"].startswith("Three panic attacks")
    assert shown["focus_areas"][0]["focus_id"] == focus
    assert (shown["effective_from"], shown["effective_through"]) == ("2026-01-05", "2027-01-04")
    assert shown["level_of_care"] == "Outpatient, ASAM level 1"
    assert shown["discharge_criteria"] == "No panic attack for eight weeks"
    plan.set_details(clear=["aftercare"], reason="not needed")
    assert plan_to_json(plan.state)["aftercare"] == ""
    fails(lambda: plan.set_details(effective_through=OPENED), "effective-through", "must be after the start")
    fails(lambda: plan.set_details(), "details")


# --- interventions -----------------------------------------------------------------------------------


def test_an_intervention_is_structured(plan: Plan) -> None:
    plan.plan_intervention(
        "CBT",
        "Interoceptive exposure",
        "weekly",
        type="individual",
        minutes=50,
        sessions=1,
        per="week",
        provider="Dr. Ruiz",
        provider_credentials="PhD",
        provider_role="primary therapist",
        starts=date(2026, 1, 12),
        ends=date(2026, 4, 6),
    )
    (shown,) = plan_to_json(plan.state)["interventions"]
    assert (shown["type"], shown["minutes"], shown["sessions"], shown["period"]) == (
        "individual",
        50,
        1,
        "week",
    )
    assert shown["provider"] == {"name": "Dr. Ruiz", "credentials": "PhD", "role": "primary therapist"}
    assert (shown["starts_on"], shown["ends_on"]) == ("2026-01-12", "2026-04-06")


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"type": "solo"}, "type"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": 600}, "minutes"),
        ({"sessions": 2}, "sessions"),
        ({"per": "week"}, "sessions"),
        ({"provider_role": "lead"}, "provider"),
        ({"starts": date(2026, 3, 1), "ends": date(2026, 2, 1)}, "ends-on"),
    ],
)
def test_bad_intervention_values_are_refused(plan: Plan, options: dict[str, object], field: str) -> None:
    fails(lambda: plan.plan_intervention("CBT", "d", "weekly", **options), field)  # type: ignore[arg-type]
    assert plan.state.interventions == {}


# --- signatures ----------------------------------------------------------------------------------------


def test_a_signature_binds_the_version_and_keeps_who_recorded_it_apart_from_who_signed(plan: Plan) -> None:
    plan, _ = signed_plan(plan)
    (shown,) = plan_to_json(plan.state)["signatures"]
    assert shown["signed_version"] == plan.state.version - 1
    assert (shown["name"], shown["recorded_by"]) == ("Ana Silva", "front.desk")
    assert shown["current"] is True and shown["changed_after"] == []
    assert shown["content_digest"] == plan_to_json(plan.state)["content_digest"]


MATERIAL: dict[str, Callable[[Plan, str], object]] = {
    "goal set": lambda p, g: p.set_goal("I will call a friend weekly", focus="Social anxiety"),
    "statement revised": lambda p, g: p.revise_goal(g, reason="r", statement="I will go to three gatherings"),
    "measure revised": lambda p, g: p.revise_goal(
        g, reason="r", measure=Measure(name="gatherings", unit="per month", baseline=0, target=3)
    ),
    "target date revised": lambda p, g: p.revise_goal(g, reason="r", by=date(2026, 5, 1)),
    "goal entered in error": lambda p, g: p.change_status(g, "entered-in-error", reason="wrong client"),
    "diagnosis added": lambda p, g: p.add_diagnosis("F41.1"),
    "diagnosis resolved": lambda p, g: p.resolve_diagnosis("F40.10", reason="remitted"),
    "intervention planned": lambda p, g: p.plan_intervention("DBT", "skills group", "weekly", type="group"),
    "intervention corrected": lambda p, g: p.correct(
        next(k for k, e in p.state.entries.items() if e.type == "intervention_planned"), reason="never agreed"
    ),
    "effective dates set": lambda p, g: p.set_details(effective_through=date(2027, 1, 4)),
}

NOT_MATERIAL: dict[str, Callable[[Plan, str], object]] = {
    "progress": lambda p, g: p.record_progress(g, 1, on=date(2026, 2, 1)),
    "score": lambda p, g: p.record_score("phq9", 11, items=PHQ9_CALM, on=date(2026, 2, 1)),
    "review": lambda p, g: p.hold_review(held=date(2026, 2, 1), summary="going well"),
    "step": lambda p, g: p.add_step(g, "Ask a colleague to lunch", by=date(2026, 2, 1)),
    "status on hold": lambda p, g: p.change_status(g, "on-hold", reason="travel"),
    "relevance revised": lambda p, g: p.revise_goal(g, reason="r", relevance="She wants friends here"),
    "identifiers": lambda p, g: p.change_client(reason="new card", record_number="MRN-0043"),
    "strengths": lambda p, g: p.set_details(strengths="Keeps appointments"),
    "presenting problem": lambda p, g: p.set_presenting_problem("Social anxiety", "Avoids groups."),
    "plan given": lambda p, g: p.give_copy(to="Ana Silva", on=OPENED),
    "another signature": lambda p, g: p.sign(role="clinician", name="Dr. Ruiz", on=OPENED),
}


@pytest.mark.parametrize("kind", sorted(MATERIAL))
def test_a_material_change_marks_the_signature_not_current_naming_what_and_when(
    plan: Plan, kind: str
) -> None:
    plan, goal = signed_plan(plan)
    MATERIAL[kind](plan, goal)
    state = plan.state
    (shown,) = [s for s in plan_to_json(state)["signatures"] if s["role"] == "client"]
    assert shown["current"] is False
    change = shown["changed_after"][-1]
    assert change["version"] == state.version and change["recorded_at"] == state.last_recorded_at
    assert change["what"]
    finding = next(f for f in plan.lint(today=OPENED).findings if f.rule_id == "plan.signature-current")
    assert finding.level == "fail" and change["what"] in finding.advice


@pytest.mark.parametrize("kind", sorted(NOT_MATERIAL))
def test_a_change_that_is_not_material_keeps_the_signature_current(plan: Plan, kind: str) -> None:
    plan, goal = signed_plan(plan)
    NOT_MATERIAL[kind](plan, goal)
    (shown,) = [s for s in plan_to_json(plan.state)["signatures"] if s["role"] == "client"]
    assert shown["current"] is True and shown["changed_after"] == []
    finding = next(f for f in plan.lint(today=OPENED).findings if f.rule_id == "plan.signature-current")
    assert finding.level == "pass"


def test_a_new_signature_after_a_change_is_current_again(plan: Plan) -> None:
    plan, goal = signed_plan(plan)
    plan.revise_goal(goal, reason="r", by=date(2026, 5, 1))
    plan.sign(role="client", name="Ana Silva", on=date(2026, 2, 1))
    latest = plan.state.signature("client")
    assert latest is not None
    assert plan_to_json(plan.state)["signatures"][-1]["current"] is True


def test_signing_a_version_read_earlier_is_refused_after_a_material_change(plan: Plan) -> None:
    plan, goal = signed_plan(plan)
    read = plan.state.version
    plan.record_progress(goal, 1, on=date(2026, 2, 1))
    plan.sign(role="clinician", name="Dr. Ruiz", on=OPENED, version=read)  # progress is not material
    assert plan_to_json(plan.state)["signatures"][-1]["signed_version"] == read
    plan.revise_goal(goal, reason="r", by=date(2026, 5, 1))
    fails(
        lambda: plan.sign(role="supervisor", name="Dr. Lee", on=OPENED, version=read),
        "version",
        f"changed after version {read}",
        "revised (target_date)",
    )
    fails(lambda: plan.sign(role="supervisor", name="Dr. Lee", version=99), "version", "no version 99")


def test_the_plan_given_to_the_client_records_the_version(plan: Plan) -> None:
    plan.give_copy(to="Ana Silva", on=OPENED, method="printed copy in session")
    (copy,) = plan_to_json(plan.state)["copies_given"]
    assert (copy["given_to"], copy["method"], copy["plan_version"]) == (
        "Ana Silva",
        "printed copy in session",
        1,
    )


def test_participation_rests_on_a_client_or_guardian_signature(plan: Plan) -> None:
    plan.sign(role="clinician", name="Dr. Ruiz", on=OPENED)
    assert plan_to_json(plan.state)["participation_signature"] is None
    plan.sign(role="guardian", name="Maria Costa", on=OPENED)
    assert plan_to_json(plan.state)["participation_signature"]["role"] == "guardian"


# --- safety -----------------------------------------------------------------------------------------------


def safety(plan: Plan, today: date = date(2026, 3, 1)) -> str:
    finding = next(f for f in plan.lint(today=today).findings if f.rule_id == "safety.phq9-item9")
    return finding.level


def test_phq9_item_9_above_0_fails_lint_until_a_safety_review_answers_it(plan: Plan) -> None:
    plan.record_score("phq9", 11, items=PHQ9_CALM, on=date(2026, 1, 12))
    assert all(f.rule_id != "safety.phq9-item9" for f in plan.lint(today=date(2026, 3, 1)).findings)
    plan.record_score("phq9", 11, items=PHQ9_ITEM9, on=date(2026, 2, 2))
    assert safety(plan) == "fail"
    report = plan.analytics(today=date(2026, 3, 1))
    (found,) = report.safety
    assert found.open and found.item_score == 1
    fails(lambda: plan.silence("safety.phq9-item9", reason="seen"), "rule", "safety review")
    fails(lambda: plan.review_safety(reason="x", on=date(2026, 2, 1)), "on", "before the score")
    plan.review_safety(reason="C-SSRS screen negative; safety plan reviewed", on=date(2026, 2, 2))
    assert safety(plan) == "pass"
    fails(lambda: plan.review_safety(reason="again"), "score", "no PHQ-9 item 9 finding waiting")
    plan.record_score("phq9", 11, items=PHQ9_ITEM9, on=date(2026, 2, 16))
    assert safety(plan) == "fail"  # a new finding needs its own review


def test_a_finding_observed_after_the_day_asked_about_is_not_shown(plan: Plan) -> None:
    plan.record_score("phq9", 11, items=PHQ9_ITEM9, on=date(2026, 2, 2))
    assert plan.analytics(today=date(2026, 2, 1)).safety == ()
    assert all(f.rule_id != "safety.phq9-item9" for f in plan.lint(today=date(2026, 2, 1)).findings)


# --- every element round-trips through the log ------------------------------------------------------------


def test_every_new_element_round_trips_through_a_log_export_and_import(plan: Plan, tmp_path: Path) -> None:
    plan, goal = signed_plan(plan)
    plan.change_client(reason="new card", record_number="MRN-0043", pronouns="she/her", guardian="M. Silva")
    plan.set_details(strengths="Curious", level_of_care="Outpatient", effective_through=date(2027, 1, 4))
    plan.set_presenting_problem("Social anxiety", "Avoids groups.")
    plan.resolve_diagnosis("F40.10", reason="remitted")
    plan.give_copy(to="Ana Silva", on=OPENED)
    plan.record_score("phq9", 11, items=PHQ9_ITEM9, on=date(2026, 2, 2))
    plan.review_safety(reason="Safety plan made", on=date(2026, 2, 2))
    plan.record_progress(goal, 1, on=date(2026, 2, 2))
    plan.change_status(goal, "completed", reason="discharged", target_missed="moved away")
    backup = io.StringIO()
    plan.gp.export_log(backup, plan.id)
    with Goalplan.open(tmp_path / "restored.db") as other:
        other.import_log(backup.getvalue().splitlines())
        assert other.verify() == []
        assert plan_to_json(other.plan(plan.id).state) == plan_to_json(plan.state)
