"""`goalplan export --format fhir`: a valid, deterministic R4 Bundle that carries the whole plan."""

from __future__ import annotations

import json
from typing import Any

import pytest

import goalplan
from goalplan.exporting import render
from goalplan.plugins import get_plugin_manager
from tests.plugins.fhir.fhir_helpers import (
    CAREPLAN_ACTIVITY_STATUS,
    GOAL_ACHIEVEMENT,
    GOAL_LIFECYCLE,
    OBSERVATION_STATUS,
    resources,
    schema_errors,
    validate_r4b,
)

HASH_SYSTEM = "https://goalplan.invalid/fhir/identifier/event-hash"
BASELINE = "https://goalplan.invalid/fhir/StructureDefinition/target-baseline"
PERTAINS = "http://hl7.org/fhir/StructureDefinition/resource-pertainsToGoal"


def export(plan: goalplan.Plan, **options: str) -> dict[str, Any]:
    data = render(get_plugin_manager().exporter("fhir"), plan.log(), options)
    return json.loads(data)


def by_full_url(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


def test_the_bundle_validates_against_fhir_resources_and_the_r4_json_schema(rich_plan: goalplan.Plan) -> None:
    for options in ({}, {"bundle": "transaction"}):
        bundle = export(rich_plan, **options)
        validate_r4b(bundle)
        assert schema_errors(bundle) == []


def test_the_schema_check_can_fail() -> None:
    """A Goal with a lifecycle status outside the value set, and one without a subject, are caught."""
    goal = {"resourceType": "Goal", "lifecycleStatus": "finished", "description": {"text": "x"}}
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": goal}]}
    assert schema_errors(bundle)


def test_codes_come_from_their_value_sets(rich_plan: goalplan.Plan) -> None:
    bundle = export(rich_plan)
    goals = resources(bundle, "Goal")
    assert {g["lifecycleStatus"] for g in goals} <= GOAL_LIFECYCLE
    achievement = [c for g in goals for c in g.get("achievementStatus", {}).get("coding", [])]
    assert achievement, "a goal with progress has an achievement status"
    for coding in achievement:
        assert coding["system"] == "http://terminology.hl7.org/CodeSystem/goal-achievement"
        assert coding["code"] in GOAL_ACHIEVEMENT
    observations = resources(bundle, "Observation")
    assert {o["status"] for o in observations} == {"final", "entered-in-error"} <= OBSERVATION_STATUS
    plan = resources(bundle, "CarePlan")[0]
    assert {a["detail"]["status"] for a in plan["activity"]} <= CAREPLAN_ACTIVITY_STATUS


def test_the_same_log_gives_the_same_bytes(
    rich_plan: goalplan.Plan, gp: goalplan.Goalplan, invoke: Any
) -> None:
    exporter = get_plugin_manager().exporter("fhir")
    first = render(exporter, rich_plan.log(), {})
    assert render(exporter, gp.plan(rich_plan.id).log(), {}) == first
    result = invoke("export", rich_plan.id, "--format", "fhir")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == first


def test_patient_practitioner_goal_and_target(panic_plan: goalplan.Plan) -> None:
    bundle = export(panic_plan)
    urls = by_full_url(bundle)
    (patient,) = resources(bundle, "Patient")
    assert patient["name"] == [{"use": "official", "text": "Amara Lindqvist"}]
    (clinician,) = resources(bundle, "Practitioner")
    assert clinician["name"] == [{"text": "Dr. Tomás Ruiz"}]
    assert clinician["qualification"] == [{"code": {"text": "PhD, licensed psychologist"}}]
    goal = next(g for g in resources(bundle, "Goal") if "panic" in g["description"]["text"])
    assert goal["description"]["text"].endswith("on the bus and train.")  # the client's words, as revised
    assert urls[goal["expressedBy"]["reference"]] is patient
    assert urls[goal["subject"]["reference"]] is patient
    (target,) = goal["target"]
    assert target["measure"] == {"text": "panic attacks"}
    assert target["detailQuantity"] == {
        "value": 0.5,
        "unit": "per week",
        "system": "http://unitsofmeasure.org",
        "code": "/wk",
    }
    assert target["dueDate"] == "2026-03-05"
    (baseline,) = target["extension"]
    assert baseline == {"url": BASELINE, "valueQuantity": {**target["detailQuantity"], "value": 3}}
    (focus,) = [urls[a["reference"]] for a in goal["addresses"]]
    assert focus["resourceType"] == "Condition"
    assert focus["code"] == {"text": "Panic attacks"}


def test_care_plan_holds_goals_interventions_and_steps_with_performers(rich_plan: goalplan.Plan) -> None:
    bundle = export(rich_plan)
    urls = by_full_url(bundle)
    (plan,) = resources(bundle, "CarePlan")
    assert plan["status"] == "active" and plan["intent"] == "plan"
    assert plan["period"] == {"start": "2026-01-05"}
    assert {urls[g["reference"]]["resourceType"] for g in plan["goal"]} == {"Goal"}
    kinds = {a["extension"][0]["valueCode"]: a["detail"] for a in plan["activity"]}
    intervention = kinds["intervention"]
    assert intervention["code"] == {"text": "CBT"}
    assert intervention["scheduledString"] == "weekly"
    assert urls[intervention["performer"][0]["reference"]]["resourceType"] == "Practitioner"
    steps = [a["detail"] for a in plan["activity"] if a["extension"][0]["valueCode"] == "step"]
    assert [s["status"] for s in steps] == ["completed", "entered-in-error"]
    assert urls[steps[0]["performer"][0]["reference"]]["resourceType"] == "Patient"
    assert steps[0]["scheduledPeriod"] == {"end": "2026-01-19"}
    (review,) = plan["note"]
    assert review["time"] == "2026-03-02" and review["text"] == "Attacks down to one a week."


def test_observations_for_progress_and_loinc_coded_scores(rich_plan: goalplan.Plan) -> None:
    bundle = export(rich_plan)
    observations = resources(bundle, "Observation")
    progress = [o for o in observations if "category" not in o and "valueQuantity" in o]
    state = rich_plan.state
    kept = sum(len(g.progress) for g in state.goals.values())
    assert len(progress) == kept + 1  # and the corrected one
    wrong = next(o for o in progress if o["valueQuantity"]["value"] == 40)
    assert wrong["status"] == "entered-in-error"
    assert all(o["extension"][0]["url"] == PERTAINS for o in progress)
    phq = [o for o in observations if o["code"].get("coding", [{}])[0].get("code") == "44261-6"]
    assert [o["valueQuantity"]["value"] for o in phq] == [14, 8]
    assert phq[0]["code"]["coding"][0]["system"] == "http://loinc.org"
    assert [c["code"]["coding"][0]["code"] for c in phq[0]["component"]] == [
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",
    ]
    assert [c["valueInteger"] for c in phq[0]["component"]] == [2, 2, 1, 2, 1, 2, 2, 1, 1]
    (gad,) = [o for o in observations if o["code"].get("coding", [{}])[0].get("code") == "70274-6"]
    assert gad["valueQuantity"]["value"] == 12 and "component" not in gad
    assert gad["note"] == [{"text": "Before the first session."}]


def test_provenance_for_each_revision_signature_and_correction(rich_plan: goalplan.Plan) -> None:
    bundle = export(rich_plan)
    records = {r.event_id: r for r in rich_plan.log().records}
    provenances = resources(bundle, "Provenance")
    kinds = [records[p["id"]].type for p in provenances]
    assert kinds.count("goal_revised") == 1
    assert kinds.count("plan_signed") == 2
    assert kinds.count("entry_corrected") == 3
    assert kinds.count("goal_status_changed") == 1
    for p in provenances:
        record = records[p["id"]]
        assert p["recorded"] == record.recorded_at
        source = p["entity"][0]["what"]["identifier"]
        assert source == {"system": HASH_SYSTEM, "value": record.hash}
    revision = provenances[kinds.index("goal_revised")]
    assert revision["reason"] == [{"text": records[revision["id"]].event.reason}]
    signature = provenances[kinds.index("plan_signed")]
    assert signature["occurredDateTime"] == "2026-01-05"
    assert signature["signature"][0]["who"]["display"] == "Amara Lindqvist"
    correction = provenances[kinds.index("entry_corrected")]
    urls = by_full_url(bundle)
    assert urls[correction["target"][0]["reference"]]["status"] == "entered-in-error"


def test_bundle_meta_carries_the_fingerprint(rich_plan: goalplan.Plan) -> None:
    bundle = export(rich_plan)
    fingerprint = rich_plan.log().fingerprint
    parts = {e["url"]: e for e in bundle["meta"]["extension"][0]["extension"]}
    assert parts["planId"]["valueString"] == rich_plan.id
    assert parts["version"]["valuePositiveInt"] == fingerprint.version
    assert parts["headHash"]["valueString"] == fingerprint.head_hash
    assert bundle["meta"]["versionId"] == str(fingerprint.version)
    assert bundle["timestamp"] == rich_plan.state.last_recorded_at


def test_a_transaction_bundle_posts_every_entry(panic_plan: goalplan.Plan) -> None:
    bundle = export(panic_plan, bundle="transaction")
    assert bundle["type"] == "transaction"
    assert {e["request"]["method"] for e in bundle["entry"]} == {"POST"}
    assert all(e["request"]["url"] == e["resource"]["resourceType"] for e in bundle["entry"])


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("identifier-system=not a uri", "--option identifier-system: must be an absolute URI"),
        ("bundle=batch", "--option bundle: must be collection or transaction; got 'batch'."),
    ],
)
def test_a_bad_option_is_refused_in_one_sentence(
    panic_plan: goalplan.Plan, invoke: Any, tmp_path: Any, option: str, message: str
) -> None:
    out = tmp_path / "plan.json"
    result = invoke("export", panic_plan.id, "--format", "fhir", "--option", option, "-o", str(out))
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_a_goal_entered_in_error_keeps_its_resource(panic_plan: goalplan.Plan) -> None:
    goal = next(iter(panic_plan.state.goals))
    panic_plan.change_status(goal, "entered-in-error", reason="Recorded for the wrong client.")
    bundle = export(panic_plan)
    statuses = {g["identifier"][0]["value"]: g for g in resources(bundle, "Goal")}
    assert statuses[goal]["lifecycleStatus"] == "entered-in-error"
    assert "achievementStatus" not in statuses[goal]
    assert statuses[goal]["statusReason"] == "Recorded for the wrong client."


def test_goal_attainment_scaling_travels_as_a_goal_extension_and_observations(
    rich_plan: goalplan.Plan,
) -> None:
    bundle = export(rich_plan)
    goal = next(g for g in resources(bundle, "Goal") if "panic" in g["description"]["text"])
    (scale,) = [e for e in goal["extension"] if e["url"].endswith("/gas-scale")]
    parts = {p["url"]: p for p in scale["extension"]}
    assert parts["levelMinus2"]["valueString"] == "Three or more a week"
    assert parts["levelPlus2"]["valueString"] == "None for a month"
    assert parts["weight"]["valueDecimal"] == 2
    levels = [o for o in resources(bundle, "Observation") if "valueInteger" in o]
    assert [(o["valueInteger"], o["status"]) for o in levels] == [
        (-1, "final"),
        (2, "entered-in-error"),
        (0, "final"),
    ]


def test_the_clinical_record_maps_to_patient_conditions_providers_and_timing(
    clinical_plan: goalplan.Plan,
) -> None:
    system = "https://hospital.example.org/mrn"
    bundle = export(clinical_plan, **{"identifier-system": system})
    validate_r4b(bundle)
    assert schema_errors(bundle) == []
    urls = by_full_url(bundle)
    (patient,) = resources(bundle, "Patient")
    (mrn,) = patient["identifier"]
    assert (mrn["system"], mrn["value"], mrn["type"]["coding"][0]["code"]) == (system, "MRN-004211", "MR")
    assert patient["birthDate"] == "2011-05-14"
    assert patient["name"] == [
        {"use": "official", "text": "Eleni Papadopoulou"},
        {"use": "usual", "text": "Leni"},
    ]
    (guardian,) = patient["contact"]
    assert guardian["name"] == {"text": "Kostas Papadopoulos"}
    assert guardian["relationship"][0]["text"] == "father"

    diagnoses = [c for c in resources(bundle, "Condition") if "coding" in c["code"]]
    by_code = {c["code"]["coding"][0]["code"]: c for c in diagnoses}
    assert {c["code"]["coding"][0]["system"] for c in diagnoses} == {"http://hl7.org/fhir/sid/icd-10-cm"}
    assert by_code["F93.0"]["clinicalStatus"]["coding"][0]["code"] == "active"
    assert by_code["F93.0"]["code"]["text"] == "Separation anxiety disorder"
    assert by_code["F41.1"]["clinicalStatus"]["coding"][0]["code"] == "resolved"
    assert by_code["F41.1"]["abatementString"] == "Symptoms better explained by separation anxiety."
    (goal,) = resources(bundle, "Goal")
    addressed = [urls[a["reference"]] for a in goal["addresses"]]
    assert [c["code"]["text"] for c in addressed] == ["School attendance", "Separation anxiety disorder"]
    (plan,) = resources(bundle, "CarePlan")
    assert [urls[a["reference"]]["code"]["text"] for a in plan["addresses"]][
        1
    ] == "Separation anxiety disorder"

    practitioners = {p["name"][0]["text"]: p for p in resources(bundle, "Practitioner")}
    assert practitioners["Dr. Sam Okoye"]["qualification"] == [{"code": {"text": "PsyD"}}]
    assert set(practitioners) == {"Maria Jensen", "Dr. Sam Okoye"}
    (role,) = resources(bundle, "PractitionerRole")
    assert role["code"] == [{"text": "Therapist"}]
    assert urls[role["practitioner"]["reference"]] is practitioners["Dr. Sam Okoye"]
    cbt, family, education = (a["detail"] for a in plan["activity"])
    assert urls[cbt["performer"][0]["reference"]] is role
    assert cbt["scheduledTiming"] == {
        "repeat": {
            "boundsPeriod": {"start": "2026-01-27", "end": "2026-06-30"},
            "duration": 50,
            "durationUnit": "min",
            "frequency": 1,
            "period": 1,
            "periodUnit": "wk",
        },
        "code": {"text": "weekly, 50 minutes"},
    }
    assert urls[family["performer"][0]["reference"]] is practitioners["Maria Jensen"]
    assert family["scheduledString"] == "every two weeks"
    assert education["scheduledTiming"]["repeat"] == {"duration": 30, "durationUnit": "min"}

    signatures = [p for p in resources(bundle, "Provenance") if "signature" in p]
    parts = [{e["url"].rsplit("/", 1)[1]: e for e in p["agent"][1]["extension"]} for p in signatures]
    current = {p["signer-role"]["valueCode"]: p["signature-current"]["valueBoolean"] for p in parts}
    assert current == {"guardian": False, "client": True, "clinician": True, "supervisor": True}
    (phq,) = [o for o in resources(bundle, "Observation") if o.get("category")]
    assert phq["note"][0]["text"] == "Passive thoughts only; safety plan made with her father."


def test_a_transaction_creates_the_patient_only_if_the_server_does_not_know_the_record_number(
    clinical_plan: goalplan.Plan,
) -> None:
    bundle = export(clinical_plan, bundle="transaction", **{"identifier-system": "urn:oid:1.2.3.4"})
    patient_entry = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient_entry["request"]["ifNoneExist"] == "identifier=urn:oid:1.2.3.4|MRN-004211"
