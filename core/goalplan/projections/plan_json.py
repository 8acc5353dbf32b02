"""The documented JSON form of a plan (``plan show --json``); see docs/json.md. Keys only grow."""

from __future__ import annotations

from datetime import date
from typing import Any

from goalplan.domain import Goal, PlanState

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
            {"status": c.status, "reason": c.reason, "recorded_at": c.recorded_at, "event_id": c.event_id}
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


def plan_to_json(state: PlanState) -> dict[str, Any]:
    return {
        "format": JSON_FORMAT_VERSION,
        "plan_id": state.plan_id,
        "version": state.version,
        "status": state.status,
        "client": state.client_name,
        "clinician": state.clinician_name,
        "clinician_credentials": state.clinician_credentials,
        "opened_on": _day(state.opened_on) if state.is_open else None,
        "review_every_days": state.review_every_days,
        "next_review_on": _day(state.next_review_on),
        "discharge_criteria": state.discharge_criteria,
        "closed_on": _day(state.closed_on),
        "close_reason": state.close_reason,
        "focus_areas": [
            {"focus_id": a.focus_id, "title": a.title, "description": a.description}
            for a in state.focus_areas.values()
        ],
        "goals": [goal_to_json(g, state) for g in state.goals.values()],
        "interventions": [
            {
                "intervention_id": i.intervention_id,
                "modality": i.modality,
                "description": i.description,
                "frequency": i.frequency,
                "goal_ids": list(i.goal_ids),
            }
            for i in state.interventions.values()
        ],
        "reviews": [
            {
                "held_on": r.held_on.isoformat(),
                "summary": r.summary,
                "next_review_on": _day(r.next_review_on),
                "event_id": r.event_id,
            }
            for r in sorted(state.reviews, key=lambda r: r.held_on)
        ],
        "signatures": [
            {
                "role": s.role,
                "name": s.name,
                "credentials": s.credentials,
                "signed_on": s.signed_on.isoformat(),
                "event_id": s.event_id,
            }
            for s in state.signatures
        ],
        "last_recorded_at": state.last_recorded_at or None,
        "head_hash": state.head_hash or None,
    }
