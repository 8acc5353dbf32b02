"""The plan's clinically material content, and its digest, which a signature binds.

Material: the goals (statement, focus, term, measure with baseline and target, target date),
the diagnoses (code, primary, status, focus areas), the interventions (every field) and the
plan's effective dates. A change to any of these after a signature means the signer approved
something else, so that signature is no longer current. Progress, scores, reviews, steps,
status changes, identifiers and free-text plan details are not material: recording them is
the plan being followed, not the plan changing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from goalplan.domain.state import MaterialChange, PlanState, Signature


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def material_content(state: PlanState) -> dict[str, Any]:
    """The material content as plain JSON values, in a stable order."""
    goals = [
        {
            "goal_id": g.goal_id,
            "statement": g.statement,
            "focus_id": g.focus_id,
            "term": g.term,
            "measure": (
                [g.measure.name, g.measure.unit, g.measure.baseline, g.measure.target] if g.measure else None
            ),
            "target_date": _day(g.target_date),
        }
        for g in sorted(state.goals.values(), key=lambda g: g.goal_id)
        if g.status != "entered-in-error"
    ]
    diagnoses = [
        {"code": d.code, "primary": d.primary, "status": d.status, "focus_ids": sorted(d.focus_ids)}
        for d in sorted(state.diagnoses.values(), key=lambda d: d.code)
    ]
    interventions = [
        {
            "intervention_id": i.intervention_id,
            "modality": i.modality,
            "description": i.description,
            "frequency": i.frequency,
            "goal_ids": sorted(i.goal_ids),
            "type": i.type,
            "minutes": i.minutes,
            "sessions": i.sessions,
            "period": i.period,
            "provider": [i.provider_name, i.provider_credentials, i.provider_role],
            "starts_on": _day(i.starts_on),
            "ends_on": _day(i.ends_on),
        }
        for i in sorted(state.interventions.values(), key=lambda i: i.intervention_id)
    ]
    return {
        "goals": goals,
        "diagnoses": diagnoses,
        "interventions": interventions,
        "effective": [_day(state.effective_from), _day(state.effective_through)],
    }


def content_digest(state: PlanState) -> str:
    """SHA-256 (hex) of :func:`material_content` as JSON with sorted keys and no spaces.

    Spelled here rather than with the log's canonical JSON, so the digest a signature stores
    does not change if the log's hashing scheme does.
    """
    text = json.dumps(material_content(state), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def is_current(state: PlanState, signature: Signature) -> bool:
    """A signature is current while the material content is exactly what it approved."""
    return content_digest(state) == signature.content_digest


def changes_after(state: PlanState, signature: Signature) -> tuple[MaterialChange, ...]:
    """The material changes recorded after a signature that is no longer current (else none)."""
    if is_current(state, signature):
        return ()
    return tuple(c for c in state.material_changes if c.version > signature.signed_version)
