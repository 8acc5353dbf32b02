"""The eventsourcing side: module-level classes, since eventsourcing stores them as topics."""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class PlanAggregate(Aggregate):
    """A treatment plan kept as plain dicts, folded the way eventsourcing aggregates are."""

    @event("Opened")
    def __init__(self, plan_id: str, payload: dict[str, Any]) -> None:
        self.plan_id = plan_id
        self.goals: dict[str, dict[str, Any]] = {}
        self.steps: dict[str, dict[str, Any]] = {}
        self.focus: dict[str, dict[str, Any]] = {}
        self.interventions: dict[str, dict[str, Any]] = {}
        self.reviews: list[dict[str, Any]] = []
        self.signatures: list[dict[str, Any]] = []
        self.entries: dict[str, tuple[str, str | None]] = {}
        self.opened = payload
        self.closed: dict[str, Any] | None = None

    @event("Recorded")
    def record(self, type: str, payload: dict[str, Any]) -> None:
        _apply_dict(self, type, payload)

    @classmethod
    def create_id(cls, plan_id: str, payload: dict[str, Any]) -> uuid.UUID:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"/plans/{plan_id}")


class Plans(Application):
    pass


def _apply_dict(agg: Any, type: str, p: dict[str, Any]) -> None:
    if type == "focus_area_added":
        agg.focus[p["focus_id"]] = p
    elif type == "goal_set":
        agg.goals[p["goal_id"]] = {**p, "progress": [], "status_changes": [], "revisions": 0}
    elif type == "goal_revised":
        goal = agg.goals[p["goal_id"]]
        goal.update({k: v for k, v in p.items() if k not in ("goal_id", "reason", "cleared")})
        goal["revisions"] += 1
    elif type == "step_added":
        agg.steps[p["step_id"]] = dict(p)
    elif type == "step_completed":
        agg.steps[p["step_id"]]["completed_on"] = p["completed_on"]
    elif type == "intervention_planned":
        agg.interventions[p["intervention_id"]] = p
    elif type == "progress_recorded":
        agg.goals[p["goal_id"]]["progress"].append(p)
    elif type == "review_held":
        agg.reviews.append(p)
    elif type == "goal_status_changed":
        agg.goals[p["goal_id"]]["status_changes"].append(p)
    elif type == "plan_signed":
        agg.signatures.append(p)
    elif type == "plan_closed":
        agg.closed = p
    elif type == "entry_corrected":
        agg.entries[p["corrected_event_id"]] = ("corrected", p["reason"])
