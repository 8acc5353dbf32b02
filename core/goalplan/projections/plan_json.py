"""The documented JSON form of a plan (``plan show --json``); see docs/json.md. Keys only grow."""

from __future__ import annotations

from datetime import date
from typing import Any

from goalplan.domain import (
    Goal,
    Intervention,
    PlanState,
    Signature,
    changes_after,
    content_digest,
    is_current,
)
from goalplan.domain.rules import participation_signature

JSON_FORMAT_VERSION = 1


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def goal_to_json(goal: Goal, state: PlanState) -> dict[str, Any]:
    m = goal.measure
    return {
        "goal_id": goal.goal_id,
        "statement": goal.statement,
        "focus_id": goal.focus_id,
        "focus": state.focus_title(goal.focus_id) or None,
        "term": goal.term,
        "status": goal.status,
        "measure": (
            {
                "name": m.name,
                "unit": m.unit,
                "baseline": m.baseline,
                "target": m.target,
                "direction": m.direction,
            }
            if m
            else None
        ),
        "target_date": _day(goal.target_date),
        "relevance": goal.relevance,
        "revisions": goal.revisions,
        "status_history": [
            {
                "status": c.status,
                "reason": c.reason,
                "target_missed_reason": c.target_missed_reason,
                "recorded_at": c.recorded_at,
                "event_id": c.event_id,
            }
            for c in goal.status_changes
        ],
        "progress": [
            {
                "value": p.value,
                "observed_on": p.observed_on.isoformat(),
                "note": p.note,
                "event_id": p.event_id,
            }
            for p in goal.progress
        ],
        "steps": [
            {
                "step_id": s.step_id,
                "text": s.text,
                "due_on": _day(s.due_on),
                "completed_on": _day(s.completed_on),
            }
            for s in state.steps_for(goal.goal_id)
        ],
    }


def intervention_to_json(i: Intervention) -> dict[str, Any]:
    return {
        "intervention_id": i.intervention_id,
        "modality": i.modality,
        "description": i.description,
        "frequency": i.frequency,
        "goal_ids": list(i.goal_ids),
        "type": i.type or None,
        "minutes": i.minutes,
        "sessions": i.sessions,
        "period": i.period or None,
        "provider": (
            {"name": i.provider_name, "credentials": i.provider_credentials, "role": i.provider_role}
            if i.provider_name
            else None
        ),
        "starts_on": _day(i.starts_on),
        "ends_on": _day(i.ends_on),
    }


def signature_to_json(s: Signature, state: PlanState) -> dict[str, Any]:
    changed = changes_after(state, s)
    return {
        "role": s.role,
        "name": s.name,
        "credentials": s.credentials,
        "signed_on": s.signed_on.isoformat(),
        "event_id": s.event_id,
        "signed_version": s.signed_version,
        "content_digest": s.content_digest,
        "current": is_current(state, s),
        "changed_after": [
            {"what": c.what, "version": c.version, "recorded_at": c.recorded_at, "event_id": c.event_id}
            for c in changed
        ],
        "recorded_by": s.recorded_by,
        "recorded_at": s.recorded_at,
    }


def plan_to_json(state: PlanState) -> dict[str, Any]:
    participation = participation_signature(state)
    return {
        "format": JSON_FORMAT_VERSION,
        "plan_id": state.plan_id,
        "version": state.version,
        "status": state.status,
        "client": state.client_name,
        "client_birth_date": _day(state.client_birth_date),
        "client_record_number": state.client_record_number,
        "client_preferred_name": state.client_preferred_name,
        "client_pronouns": state.client_pronouns,
        "guardian": (
            {"name": state.guardian_name, "relationship": state.guardian_relationship}
            if state.guardian_name
            else None
        ),
        "clinician": state.clinician_name,
        "clinician_credentials": state.clinician_credentials,
        "opened_on": _day(state.opened_on) if state.is_open else None,
        "review_every_days": state.review_every_days,
        "next_review_on": _day(state.next_review_on),
        "discharge_criteria": state.discharge_criteria,
        "closed_on": _day(state.closed_on),
        "close_reason": state.close_reason,
        "effective_from": _day(state.effective_from),
        "effective_through": _day(state.effective_through),
        "level_of_care": state.level_of_care,
        "strengths": state.strengths,
        "needs": state.needs,
        "abilities": state.abilities,
        "preferences": state.preferences,
        "aftercare": state.aftercare,
        "referrals": state.referrals,
        "diagnoses": [
            {
                "code": d.code,
                "description": d.description,
                "primary": d.primary,
                "dsm5_text": d.dsm5_text,
                "focus_ids": list(d.focus_ids),
                "status": d.status,
                "resolve_reason": d.resolve_reason,
            }
            for d in state.diagnoses.values()
        ],
        "focus_areas": [
            {
                "focus_id": a.focus_id,
                "title": a.title,
                "description": a.description,
                "presenting_problem": a.presenting_problem,
            }
            for a in state.focus_areas.values()
        ],
        "goals": [goal_to_json(g, state) for g in state.goals.values()],
        "interventions": [intervention_to_json(i) for i in state.interventions.values()],
        "reviews": [
            {
                "held_on": r.held_on.isoformat(),
                "summary": r.summary,
                "next_review_on": _day(r.next_review_on),
                "event_id": r.event_id,
            }
            for r in sorted(state.reviews, key=lambda r: r.held_on)
        ],
        "signatures": [signature_to_json(s, state) for s in state.signatures],
        "participation_signature": (
            {"role": participation.role, "name": participation.name, "event_id": participation.event_id}
            if participation
            else None
        ),
        "copies_given": [
            {
                "given_on": c.given_on.isoformat(),
                "given_to": c.given_to,
                "method": c.method,
                "plan_version": c.plan_version,
                "event_id": c.event_id,
            }
            for c in state.copies_given
        ],
        "content_digest": content_digest(state) if state.is_open else None,
        "last_recorded_at": state.last_recorded_at or None,
        "head_hash": state.head_hash or None,
    }
