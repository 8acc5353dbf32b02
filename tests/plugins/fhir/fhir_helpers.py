"""Shared by the FHIR tests: validation of a Bundle, and a plan reduced to what an import keeps."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import goalplan
from tests.plugins.plugin_helpers import WORKTREE

SCHEMA_ENV = "GOALPLAN_FHIR_SCHEMA"
DEFAULT_SCHEMA = WORKTREE / ".ci" / "cache" / "fhir-schema" / "package" / "fhir.schema.json"

# The FHIR R4 value sets, written out here from the specification (not imported from the plugin,
# so a wrong code in the plugin's own tables cannot pass).
GOAL_LIFECYCLE = {
    "proposed",
    "planned",
    "accepted",
    "active",
    "on-hold",
    "completed",
    "cancelled",
    "entered-in-error",
    "rejected",
}
GOAL_ACHIEVEMENT = {
    "in-progress",
    "improving",
    "worsening",
    "no-change",
    "achieved",
    "sustaining",
    "not-achieved",
    "no-progress",
    "not-attainable",
}
OBSERVATION_STATUS = {
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
    "entered-in-error",
    "unknown",
}
CAREPLAN_ACTIVITY_STATUS = {
    "not-started",
    "scheduled",
    "in-progress",
    "on-hold",
    "completed",
    "cancelled",
    "stopped",
    "unknown",
    "entered-in-error",
}


def schema_path() -> Path | None:
    """The R4 JSON Schema .ci/run fetches; a run under CI must have it."""
    path = Path(os.environ.get(SCHEMA_ENV) or DEFAULT_SCHEMA)
    if path.is_file():
        return path
    if os.environ.get("CI"):
        pytest.fail(f"the FHIR R4 JSON Schema is missing at {path}; .ci/run fetches it")
    return None


@cache
def schema_definitions() -> dict[str, Any] | None:
    path = schema_path()
    return json.loads(path.read_text(encoding="utf-8")) if path is not None else None


@cache
def schema_validator(resource_type: str) -> Any:
    """A validator for one resource type's definition in the R4 schema.

    The schema's top level is a oneOf over all 145 resource types; checking each resource
    against its own type's definition says the same and is far quicker.
    """
    import jsonschema

    root = schema_definitions()
    assert root is not None
    schema = {k: v for k, v in root.items() if k not in ("oneOf", "discriminator")}
    return jsonschema.Draft6Validator({**schema, "$ref": f"#/definitions/{resource_type}"})


def schema_errors(bundle: dict[str, Any]) -> list[str]:
    """Errors against the R4 JSON Schema: the Bundle's own elements, then each resource."""
    root = schema_definitions()
    if root is None:
        pytest.skip(f"no FHIR R4 JSON Schema at {DEFAULT_SCHEMA} (run .ci/run, or set {SCHEMA_ENV})")
    entries = bundle.get("entry", [])
    skeleton = {**bundle, "entry": [{k: v for k, v in e.items() if k != "resource"} for e in entries]}
    errors = [
        f"Bundle: {e.message[:200]} at {list(e.path)}"
        for e in schema_validator("Bundle").iter_errors(skeleton)
    ]
    for n, entry in enumerate(entries):
        resource = entry["resource"]
        kind = resource.get("resourceType")
        if kind not in root["definitions"] or kind == "Bundle":
            errors.append(f"entry {n}: {kind!r} is not an R4 resource type")
            continue
        for error in schema_validator(kind).iter_errors(resource):
            errors.append(f"entry {n} {kind}: {error.message[:200]} at {list(error.path)}")
    return errors


def validate_r4b(bundle: dict[str, Any]) -> None:
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def by_repr(items: Any) -> list[Any]:
    """Sorted so that None and values of other types can sit side by side."""
    return sorted(items, key=repr)


def plan_summary(state: goalplan.PlanState) -> dict[str, Any]:
    """A plan as an import must reproduce it: content, not ids or recorded-at times."""
    focus = {f.focus_id: f.title for f in state.focus_areas.values()}
    statement = {g.goal_id: g.statement for g in state.goals.values()}
    scores = {s.event_id: (s.instrument, s.observed_on) for s in state.scores}

    def points(progress: Any) -> tuple[Any, ...]:
        return tuple((p.value, p.observed_on, p.note) for p in progress)

    return {
        "client": state.client_name,
        "clinician": (state.clinician_name, state.clinician_credentials),
        "opened": state.opened_on,
        "review_every": state.review_every_days,
        "discharge": state.discharge_criteria,
        "closed": (state.closed_on, state.close_reason),
        "focus_areas": by_repr((f.title, f.description) for f in state.focus_areas.values()),
        "goals": by_repr(
            (
                g.statement,
                focus.get(g.focus_id or ""),
                g.term,
                g.measure,
                g.target_date,
                g.relevance,
                g.status,
                points(g.progress),
                tuple((s.measure, points(s.progress)) for s in g.earlier_series),
                (g.gas_scale.levels, g.gas_scale.weight) if g.gas_scale else None,
                tuple((p.level, p.observed_on, p.note) for p in g.gas_points),
            )
            for g in state.goals.values()
        ),
        "steps": by_repr(
            (statement[s.goal_id], s.text, s.due_on, s.completed_on) for s in state.steps.values()
        ),
        "interventions": by_repr(
            (i.modality, i.description, i.frequency, tuple(sorted(statement[g] for g in i.goal_ids)))
            for i in state.interventions.values()
        ),
        "reviews": by_repr((r.held_on, r.summary, r.next_review_on) for r in state.reviews),
        "signatures": by_repr(
            (s.role, s.name, s.credentials, s.signed_on, goalplan.is_current(state, s))
            for s in state.signatures
        ),
        "identity": (
            state.client_birth_date,
            state.client_record_number,
            state.client_preferred_name,
            state.client_pronouns,
            state.guardian_name,
            state.guardian_relationship,
        ),
        "details": tuple(
            getattr(state, n)
            for n in (
                "strengths",
                "needs",
                "abilities",
                "preferences",
                "level_of_care",
                "effective_from",
                "effective_through",
                "aftercare",
                "referrals",
            )
        ),
        "presenting": by_repr((f.title, f.presenting_problem) for f in state.focus_areas.values()),
        "diagnoses": by_repr(
            (
                d.code,
                d.description,
                d.primary,
                d.dsm5_text,
                tuple(sorted(focus[f] for f in d.focus_ids)),
                d.status,
                d.resolve_reason,
            )
            for d in state.diagnoses.values()
        ),
        "structured": by_repr(
            (
                i.modality,
                i.type,
                i.minutes,
                i.sessions,
                i.period,
                i.provider_name,
                i.provider_credentials,
                i.provider_role,
                i.starts_on,
                i.ends_on,
            )
            for i in state.interventions.values()
        ),
        "copies": by_repr((c.given_on, c.given_to, c.method) for c in state.copies_given),
        "safety_reviews": by_repr(
            (scores[r.score_event_id], r.reviewed_on, r.reason) for r in state.safety_reviews
        ),
        "scores": by_repr(
            (s.instrument, s.total, s.items, s.observed_on, statement.get(s.goal_id or ""), s.note)
            for s in state.scores
        ),
    }
