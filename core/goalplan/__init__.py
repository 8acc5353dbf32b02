"""goalplan: SMART therapy treatment plans as an append-only, hash-chained event log.

This module is the public API. Plugins import from here and nowhere else in goalplan.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from goalplan.api import Goalplan, ImportReport, Plan
from goalplan.codec import RecordedEvent, canonical_json, parse_iso_date
from goalplan.domain import (
    FocusArea,
    Goal,
    Intervention,
    MeasureSeries,
    PlanState,
    ProgressPoint,
    Review,
    Signature,
    StatusChange,
    Step,
)
from goalplan.errors import (
    CodecError,
    ConcurrencyError,
    GoalplanError,
    IntegrityError,
    NotFoundError,
    RejectedError,
)
from goalplan.events import LIFECYCLE_STATUSES, Measure
from goalplan.exporting import Exporter
from goalplan.hookspecs import hookimpl
from goalplan.projections import Fingerprint, HistoryEntry, PlanLog, PlanSummary, goal_to_json, plan_to_json

try:
    __version__ = version("goalplan")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

open = Goalplan.open

__all__ = [
    "LIFECYCLE_STATUSES",
    "CodecError",
    "ConcurrencyError",
    "Exporter",
    "Fingerprint",
    "FocusArea",
    "Goal",
    "Goalplan",
    "GoalplanError",
    "HistoryEntry",
    "ImportReport",
    "IntegrityError",
    "Intervention",
    "Measure",
    "MeasureSeries",
    "NotFoundError",
    "Plan",
    "PlanLog",
    "PlanState",
    "PlanSummary",
    "ProgressPoint",
    "RecordedEvent",
    "RejectedError",
    "Review",
    "Signature",
    "StatusChange",
    "Step",
    "canonical_json",
    "goal_to_json",
    "hookimpl",
    "open",
    "parse_iso_date",
    "plan_to_json",
]
