"""`goalplan fhir import`: Bundles become plans; what cannot be mapped is said, bad files refused."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

import goalplan
from goalplan.exporting import render
from goalplan.plugins import get_plugin_manager
from goalplan_fhir.importing import import_bundle
from tests.plugins.fhir.fhir_helpers import plan_summary
from tests.plugins.plugin_helpers import WORKTREE


def bundle_bytes(plan: goalplan.Plan, **options: str) -> bytes:
    return render(get_plugin_manager().exporter("fhir"), plan.log(), options)


def round_trip(plan: goalplan.Plan, target: goalplan.Goalplan) -> goalplan.Plan:
    result = import_bundle(target, bundle_bytes(plan))
    return target.plan(result.plan_id)


def test_an_exported_plan_imports_back_to_an_equivalent_plan(
    rich_plan: goalplan.Plan, tmp_path: Path
) -> None:
    with goalplan.open(tmp_path / "other.db") as other:
        copy = round_trip(rich_plan, other)
        assert plan_summary(copy.state) == plan_summary(rich_plan.state)
        assert len(copy.state.corrected) == len(rich_plan.state.corrected) == 3
        assert other.verify() == []


def test_a_closed_plan_with_a_corrected_signature_round_trips(
    panic_plan: goalplan.Plan, tmp_path: Path
) -> None:
    signed = [r.event_id for r in panic_plan.log().records if r.type == "plan_signed"]
    panic_plan.correct(signed[0], reason="Signed before the plan was explained.")
    goal = next(iter(panic_plan.state.goals))
    panic_plan.change_status(goal, "cancelled", reason="The client moved away.")
    panic_plan.close(
        reason="The client moved to another city.", on=panic_plan.state.opened_on.replace(month=4)
    )
    with goalplan.open(tmp_path / "other.db") as other:
        copy = round_trip(panic_plan, other)
        assert plan_summary(copy.state) == plan_summary(panic_plan.state)
        assert copy.state.is_closed


def test_the_round_trip_is_a_fixed_point(rich_plan: goalplan.Plan, tmp_path: Path) -> None:
    """Exporting the imported plan and importing that again gives the same plan once more."""
    with goalplan.open(tmp_path / "a.db") as a, goalplan.open(tmp_path / "b.db") as b:
        first = round_trip(rich_plan, a)
        second = round_trip(first, b)
        assert plan_summary(second.state) == plan_summary(first.state) == plan_summary(rich_plan.state)


def test_the_four_example_plans_export_and_import_back(tmp_path: Path) -> None:
    sys.path.insert(0, str(WORKTREE / "examples"))
    try:
        from caseload import build
    finally:
        sys.path.remove(str(WORKTREE / "examples"))
    plan_ids = build(str(tmp_path / "examples.db"))
    assert len(plan_ids) == 4
    with goalplan.open(tmp_path / "examples.db") as source, goalplan.open(tmp_path / "copy.db") as target:
        for plan_id in plan_ids:
            original = source.plan(plan_id)
            copy = round_trip(original, target)
            assert plan_summary(copy.state) == plan_summary(original.state), plan_id
        earlier = [g for p in target.logs() for g in p.state.goals.values() if g.earlier_series]
        assert earlier, "the work-stress story's measure change came through"


def test_the_cli_imports_and_reports_one_line_per_resource(
    rich_plan: goalplan.Plan, invoke: Any, tmp_path: Path
) -> None:
    data = bundle_bytes(rich_plan)
    path = tmp_path / "plan.fhir.json"
    path.write_bytes(data)
    refused = invoke("fhir", "import", str(path))
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"goalplan: {path}: was exported from plan {rich_plan.id}, which is in this store; importing it "
        "would make a second plan of the same client (give --copy to make one anyway); "
        "nothing was imported.\n"
    )
    result = invoke("fhir", "import", str(path), "--copy")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    entries = json.loads(data)["entry"]
    assert len(lines) == len(entries) + 1
    assert lines[0].startswith("Patient/") and lines[0].endswith("imported as the client.")
    assert lines[-1].startswith("Created plan ")
    new_id = lines[-1].split()[2]
    listed = invoke("plan", "list")
    assert new_id in listed.output and rich_plan.id in listed.output


# Bundles in the shape of the HL7 R4 example resources ---------------------------------------

HL7_PATIENT = {
    "resourceType": "Patient",
    "id": "example",
    "extension": [
        {"url": "http://example.org/fhir/StructureDefinition/favourite-colour", "valueString": "teal"}
    ],
    "identifier": [{"use": "usual", "system": "urn:oid:1.2.36.146.595.217.0.1", "value": "12345"}],
    "active": True,
    "name": [{"use": "official", "family": "Chalmers", "given": ["Peter", "James"]}],
    "gender": "male",
    "birthDate": "1974-12-25",
}
HL7_PRACTITIONER = {
    "resourceType": "Practitioner",
    "id": "f007",
    "name": [{"use": "official", "family": "Heps", "given": ["Simone"], "suffix": ["MD"]}],
    "qualification": [
        {
            "code": {
                "coding": [{"system": "urn:oid:2.16.840.1.113883.2.4.15.111", "code": "PSY"}],
                "text": "Psychologist",
            }
        }
    ],
}
HL7_CONDITION = {
    "resourceType": "Condition",
    "id": "f201",
    "clinicalStatus": {
        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]
    },
    "code": {
        "coding": [{"system": "http://snomed.info/sct", "code": "35489007", "display": "Depressive disorder"}]
    },
    "subject": {"reference": "Patient/example"},
}
HL7_GOAL = {
    "resourceType": "Goal",
    "id": "example",
    "text": {"status": "additional", "div": '<div xmlns="http://www.w3.org/1999/xhtml">Walk more</div>'},
    "lifecycleStatus": "on-hold",
    "description": {"text": "I will walk for twenty minutes on five days a week."},
    "subject": {"reference": "Patient/example", "display": "Peter James Chalmers"},
    "startDate": "2026-02-01",
    "target": [
        {
            "extension": [
                {
                    "url": "https://goalplan.invalid/fhir/StructureDefinition/target-baseline",
                    "valueQuantity": {"value": 1},
                }
            ],
            "measure": {"text": "walking days"},
            "detailQuantity": {
                "value": 5,
                "unit": "days per week",
                "system": "http://unitsofmeasure.org",
                "code": "d/wk",
            },
            "dueDate": "2026-05-01",
        }
    ],
    "addresses": [{"reference": "Condition/f201"}],
    "outcomeReference": [{"reference": "Observation/walk-1"}],
}
HL7_WEIGHT_GOAL = {
    "resourceType": "Goal",
    "id": "weight",
    "lifecycleStatus": "active",
    "description": {"text": "Target weight is 160 to 180 lbs."},
    "subject": {"reference": "Patient/example"},
    "target": [
        {
            "measure": {
                "coding": [{"system": "http://loinc.org", "code": "3141-9", "display": "Weight Measured"}]
            },
            "detailRange": {"low": {"value": 160, "unit": "lbs"}, "high": {"value": 180, "unit": "lbs"}},
            "dueDate": "2026-10-10",
        }
    ],
}
HL7_OBSERVATION = {
    "resourceType": "Observation",
    "id": "walk-1",
    "extension": [{"url": "http://example.org/unknown", "valueBoolean": True}],
    "status": "final",
    "code": {"text": "walking days"},
    "subject": {"reference": "Patient/example"},
    "effectiveDateTime": "2026-02-15T09:30:00+01:00",
    "valueQuantity": {"value": 2, "system": "http://unitsofmeasure.org", "code": "d/wk"},
}
HL7_PHQ9 = {
    "resourceType": "Observation",
    "id": "phq9",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "44261-6"}]},
    "subject": {"reference": "Patient/example"},
    "effectiveDateTime": "2026-02-01",
    "valueQuantity": {"value": 11},
}
HL7_HEART_RATE = {
    "resourceType": "Observation",
    "id": "heart-rate",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
    "subject": {"reference": "Patient/example"},
    "effectiveDateTime": "2026-02-01",
    "valueQuantity": {
        "value": 44,
        "unit": "beats/minute",
        "system": "http://unitsofmeasure.org",
        "code": "/min",
    },
}
HL7_CAREPLAN = {
    "resourceType": "CarePlan",
    "id": "example",
    "status": "active",
    "intent": "plan",
    "subject": {"reference": "Patient/example"},
    "period": {"start": "2026-02-01"},
    "author": {"reference": "Practitioner/f007"},
    "goal": [{"reference": "Goal/example"}],
    "activity": [
        {
            "detail": {
                "code": {
                    "coding": [
                        {
                            "system": "http://snomed.info/sct",
                            "code": "228557008",
                            "display": "Cognitive and behavioral therapy",
                        }
                    ]
                },
                "status": "in-progress",
                "scheduledTiming": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "wk"}},
                "goal": [{"reference": "Goal/example"}],
            }
        },
        {"reference": {"reference": "ServiceRequest/sleep"}},
    ],
}


def hl7_bundle(*resources: dict[str, Any]) -> bytes:
    entries = [
        {"fullUrl": f"http://example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r}
        for r in resources
    ]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()


def test_a_bundle_in_the_shape_of_hl7_examples_maps_what_it_can(gp: goalplan.Goalplan) -> None:
    data = hl7_bundle(
        HL7_PATIENT,
        HL7_PRACTITIONER,
        HL7_CONDITION,
        HL7_GOAL,
        HL7_WEIGHT_GOAL,
        HL7_OBSERVATION,
        HL7_PHQ9,
        HL7_HEART_RATE,
        HL7_CAREPLAN,
    )
    result = import_bundle(gp, data)
    report = {line.resource: line.outcome for line in result.lines}
    assert report["Patient/example"] == "imported as the client."
    assert report["Practitioner/f007"] == "imported as the plan's clinician."
    assert report["Goal/example"] == "imported as a goal."
    assert "no measure" in report["Goal/weight"] and report["Goal/weight"].startswith(
        "imported as a goal, in part"
    )
    assert report["Observation/walk-1"] == "imported as a progress value."
    assert report["Observation/phq9"] == "imported as a PHQ-9 score."
    assert report["Observation/heart-rate"].startswith("not imported:")
    assert "refers to another resource" in report["CarePlan/example"]
    state = gp.plan(result.plan_id).state
    assert state.client_name == "Peter James Chalmers"
    assert (state.clinician_name, state.clinician_credentials) == ("Simone Heps", "Psychologist")
    assert state.opened_on.isoformat() == "2026-02-01"
    walk = next(g for g in state.goals.values() if "walk" in g.statement)
    assert walk.status == "on-hold"
    assert walk.measure == goalplan.Measure(name="walking days", unit="days per week", baseline=1, target=5)
    assert [(p.value, p.observed_on.isoformat()) for p in walk.progress] == [(2.0, "2026-02-15")]
    assert state.focus_title(walk.focus_id) == "Depressive disorder"
    weight = next(g for g in state.goals.values() if "weight" in g.statement)
    assert weight.measure is None and weight.target_date is not None
    (intervention,) = state.interventions.values()
    assert intervention.modality == "Cognitive and behavioral therapy"
    assert [s.instrument for s in state.scores] == ["phq9"]


def test_missing_optional_elements_still_make_a_plan(gp: goalplan.Goalplan) -> None:
    """A Patient, a Practitioner and a bare Goal: no CarePlan, no target, no status reason."""
    goal = {
        "resourceType": "Goal",
        "id": "g",
        "lifecycleStatus": "proposed",
        "description": {"text": "Sleep better."},
        "subject": {"reference": "Patient/example"},
        "startDate": "2026-03-01",
    }
    result = import_bundle(gp, hl7_bundle(HL7_PATIENT, HL7_PRACTITIONER, goal), where="bare.json")
    state = gp.plan(result.plan_id).state
    (only,) = state.goals.values()
    assert (only.statement, only.status, only.measure) == ("Sleep better.", "proposed", None)
    assert state.opened_on.isoformat() == "2026-03-01"


def test_a_resource_with_an_unknown_modifier_extension_is_left_out(gp: goalplan.Goalplan) -> None:
    goal = {
        **HL7_WEIGHT_GOAL,
        "modifierExtension": [{"url": "http://example.org/negated", "valueBoolean": True}],
    }
    result = import_bundle(gp, hl7_bundle(HL7_PATIENT, HL7_PRACTITIONER, HL7_CAREPLAN, goal))
    report = {line.resource: line.outcome for line in result.lines}
    assert report["Goal/weight"].startswith("not imported: it carries a modifier extension")
    assert not gp.plan(result.plan_id).state.goals


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "is not JSON"),
        (b"\xff\xfe", "is not UTF-8 text"),
        (json.dumps(HL7_PATIENT).encode(), "is a Patient resource; goalplan imports a FHIR Bundle"),
        (
            json.dumps({"resourceType": "Bundle", "type": "collection"}).encode(),
            "is a Bundle with no entries",
        ),
        (hl7_bundle(HL7_PRACTITIONER, HL7_GOAL), "holds 0 usable Patient resources"),
        (hl7_bundle(HL7_PATIENT, {**HL7_PATIENT, "id": "other"}, HL7_PRACTITIONER), "holds 2 usable Patient"),
        (hl7_bundle({**HL7_PATIENT, "name": []}, HL7_PRACTITIONER), "has a Patient without a name"),
        (hl7_bundle(HL7_PATIENT, HL7_GOAL), "names no Practitioner"),
        (hl7_bundle(HL7_PATIENT, HL7_PRACTITIONER), "gives no date the plan opened"),
        (
            hl7_bundle(
                HL7_PATIENT, HL7_PRACTITIONER, HL7_CAREPLAN, {**HL7_GOAL, "description": {"text": "x" * 5000}}
            ),
            "Goal/example: statement: must be at most 4000 characters",
        ),
    ],
)
def test_a_bad_file_is_refused_in_one_sentence_and_nothing_is_written(
    invoke: Any, db_path: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    with goalplan.open(db_path) as gp:
        before = gp.store.head_position()
    path = tmp_path / "in.json"
    path.write_bytes(content)
    result = invoke("fhir", "import", str(path))
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert (
        line.startswith(f"goalplan: {path}: ") and message in line and line.endswith("nothing was imported.")
    )
    with goalplan.open(db_path) as gp:
        assert gp.store.head_position() == before
        assert gp.plans() == []


def test_the_clinician_option_stands_in_for_a_missing_practitioner(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_bytes(hl7_bundle(HL7_PATIENT, HL7_GOAL, HL7_CAREPLAN))
    result = invoke("fhir", "import", str(path), "--clinician", "Dr. Ana Ruiz")
    assert result.exit_code == 0, result.output
    assert "Created plan" in result.stdout


def test_a_missing_file_is_refused(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "absent.json"
    result = invoke("fhir", "import", str(path))
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"goalplan: {path}: cannot be read (no such file or directory); nothing was imported.\n"
    )


@pytest.mark.postgres
def test_a_bundle_imports_into_a_postgresql_store(rich_plan: goalplan.Plan, postgres_url: str) -> None:
    with goalplan.open(postgres_url) as store:
        copy = round_trip(rich_plan, store)
        assert plan_summary(copy.state) == plan_summary(rich_plan.state)
        assert store.verify() == []


def test_the_clinical_record_round_trips(clinical_plan: goalplan.Plan, tmp_path: Path) -> None:
    state = clinical_plan.state
    assert [goalplan.is_current(state, s) for s in state.signatures] == [False, True, True, True]
    with goalplan.open(tmp_path / "other.db") as other:
        copy = round_trip(clinical_plan, other)
        assert plan_summary(copy.state) == plan_summary(state)
        assert len(copy.state.diagnoses) == 2 and copy.state.client_record_number == "MRN-004211"
        providers = {i.provider_name for i in copy.state.interventions.values()}
        assert providers == {"Dr. Sam Okoye", "Maria Jensen", ""}


def test_icd_10_cm_conditions_become_diagnoses_and_a_code_outside_the_code_set_is_reported(
    gp: goalplan.Goalplan,
) -> None:
    def diagnosis(rid: str, code: str, status: str = "active") -> dict[str, Any]:
        return {
            "resourceType": "Condition",
            "id": rid,
            "clinicalStatus": {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": status}
                ]
            },
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}]},
            "subject": {"reference": "Patient/example"},
        }

    goal = {**HL7_GOAL, "addresses": [{"reference": "Condition/dep"}]}
    data = hl7_bundle(
        HL7_PATIENT, HL7_PRACTITIONER, HL7_CAREPLAN, goal,
        diagnosis("dep", "F32.1"), diagnosis("old", "F41.1", "resolved"), diagnosis("vague", "F32"),
    )  # fmt: skip
    result = import_bundle(gp, data)
    report = {line.resource: line.outcome for line in result.lines}
    assert report["Condition/dep"] == "imported as the diagnosis F32.1."
    assert report["Condition/old"] == "imported as the diagnosis F41.1 (resolved)."
    assert report["Condition/vague"].startswith("not imported: code: F32 is a category")
    state = gp.plan(result.plan_id).state
    assert {d.code: d.status for d in state.diagnoses.values()} == {"F32.1": "active", "F41.1": "resolved"}
    (walk,) = state.goals.values()
    assert state.diagnoses["F32.1"].focus_ids == (walk.focus_id,)
