"""Read models computed from the log; none of them is ever stored as truth."""

from goalplan.projections.caseload import PlanSummary, caseload
from goalplan.projections.history import FIELD_LABELS, HistoryEntry, field_label, plan_history
from goalplan.projections.plan_json import goal_to_json, plan_to_json
from goalplan.projections.views import Fingerprint, PlanLog, as_of, parse_moment

__all__ = [
    "FIELD_LABELS",
    "Fingerprint",
    "HistoryEntry",
    "PlanLog",
    "PlanSummary",
    "as_of",
    "caseload",
    "field_label",
    "goal_to_json",
    "parse_moment",
    "plan_history",
    "plan_to_json",
]
