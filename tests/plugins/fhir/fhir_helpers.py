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
def schema_validator() -> Any:
    import jsonschema

    path = schema_path()
    if path is None:
        return None
    return jsonschema.Draft6Validator(json.loads(path.read_text(encoding="utf-8")))


def schema_errors(bundle: dict[str, Any]) -> list[str]:
    """Errors against the R4 JSON Schema, each resource on its own so a message names its place."""
    validator = schema_validator()
    if validator is None:
        pytest.skip(f"no FHIR R4 JSON Schema at {DEFAULT_SCHEMA} (run .ci/run, or set {SCHEMA_ENV})")
    errors = [f"Bundle: {e.message[:200]}" for e in validator.iter_errors({**bundle, "entry": []})]
    for n, entry in enumerate(bundle.get("entry", [])):
        for error in validator.iter_errors(entry["resource"]):
            best = error
            for sub in error.context or []:
                if sub.validator != "const" and sub.path and "resourceType" not in sub.path:
                    best = sub
                    break
            errors.append(
                f"entry {n} {entry['resource']['resourceType']}: {best.message[:200]} at {list(best.path)}"
            )
    return errors


def validate_r4b(bundle: dict[str, Any]) -> None:
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def plan_summary(state: goalplan.PlanState) -> dict[str, Any]:
    """A plan as an import must reproduce it: content, not ids or recorded-at times."""
    focus = {f.focus_id: f.title for f in state.focus_areas.values()}
    statement = {g.goal_id: g.statement for g in state.goals.values()}

    def points(progress: Any) -> tuple[Any, ...]:
        return tuple((p.value, p.observed_on, p.note) for p in progress)

    return {
        "client": state.client_name,
        "clinician": (state.clinician_name, state.clinician_credentials),
        "opened": state.opened_on,
        "review_every": state.review_every_days,
        "discharge": state.discharge_criteria,
        "closed": (state.closed_on, state.close_reason),
        "focus_areas": sorted((f.title, f.description) for f in state.focus_areas.values()),
        "goals": sorted(
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
        "steps": sorted(
            (statement[s.goal_id], s.text, s.due_on, s.completed_on) for s in state.steps.values()
        ),
        "interventions": sorted(
            (i.modality, i.description, i.frequency, tuple(sorted(statement[g] for g in i.goal_ids)))
            for i in state.interventions.values()
        ),
        "reviews": sorted((r.held_on, r.summary, r.next_review_on) for r in state.reviews),
        "signatures": sorted((s.role, s.name, s.credentials, s.signed_on) for s in state.signatures),
        "scores": sorted(
            (s.instrument, s.total, s.items, s.observed_on, statement.get(s.goal_id or ""), s.note)
            for s in state.scores
        ),
    }
