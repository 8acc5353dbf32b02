"""goalplan: SMART therapy treatment plans as an append-only, hash-chained event log.

This module is the public API. Plugins import from here and nowhere else in goalplan.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import NamedTuple

from goalplan.analytics import (
    GAD7,
    PHQ9,
    Band,
    Finding,
    GasSummary,
    GoalAnalytics,
    GoalProgress,
    Instrument,
    InstrumentSummary,
    LintContext,
    LintReport,
    PlanAnalytics,
    ReliableChange,
    Rule,
    Trend,
    achievement_status,
    analytics_line,
    gas_summary,
    gas_t_score,
    goal_progress,
    goal_rule,
    instrument_summaries,
    percent_of_way,
    plan_analytics,
    plan_rule,
    reliable_change,
)
from goalplan.analytics.safety import SafetyFinding, safety_findings
from goalplan.api import Goalplan, Plan
from goalplan.audit import (
    AuditContext,
    AuditFinding,
    AuditFormat,
    AuditReport,
    AuditRule,
    AuditScope,
    AuditSettings,
    PlanWalk,
    audit_rule,
)
from goalplan.codec import RecordedEvent, canonical_json, parse_iso_date
from goalplan.domain import (
    Diagnosis,
    FocusArea,
    GasPoint,
    GasScale,
    Goal,
    Intervention,
    MaterialChange,
    MeasureChange,
    MeasureSeries,
    PlanCopy,
    PlanState,
    ProgressPoint,
    Review,
    SafetyReview,
    Score,
    Signature,
    Silence,
    StatusChange,
    Step,
    changes_after,
    content_digest,
    is_current,
    material_content,
)
from goalplan.domain.rules import is_safety_finding, participation_signature
from goalplan.errors import (
    CodecError,
    ConcurrencyError,
    GoalplanError,
    IntegrityError,
    NotFoundError,
    RejectedError,
    StoreError,
    StoreNotFoundError,
)
from goalplan.events import LIFECYCLE_STATUSES, PERIODS, SESSION_TYPES, SIGNER_ROLES, Measure
from goalplan.exporting import Exporter, parse_option_pairs
from goalplan.files import WriteError, create_private_file, make_private_folder, write_atomically
from goalplan.hookspecs import hookimpl
from goalplan.log_import import ImportReport
from goalplan.projections import (
    Fingerprint,
    HistoryEntry,
    PlanLog,
    PlanSummary,
    field_label,
    goal_to_json,
    plan_to_json,
)
from goalplan.store import is_postgres

try:
    __version__ = version("goalplan")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

open = Goalplan.open


def registered_instruments() -> dict[str, Instrument]:
    """Instruments registered through plugins (PHQ-9 and GAD-7 built in), by id."""
    from goalplan.plugins import get_plugin_manager

    return get_plugin_manager().instruments()


class RenderedExport(NamedTuple):
    """One plan rendered by an exporter: the bytes, the file name ``export`` would use, the media type."""

    data: bytes
    file_name: str
    media_type: str


def render_export(log: PlanLog, format: str, options: Mapping[str, str] | None = None) -> RenderedExport:
    """Render one plan with the exporter registered as ``format`` (as ``goalplan export`` does).

    For faces other than the command line (a web download, say) that may import only this
    package: unknown formats and options are refused with RejectedError, a failing exporter
    raises ExportFailed naming it, and nothing is written anywhere.
    """
    from goalplan.exporting import file_name, render
    from goalplan.plugins import get_plugin_manager

    exporter = get_plugin_manager().exporter(format)
    chosen = dict(options or {})
    data = render(exporter, log, chosen)
    return RenderedExport(data, file_name(exporter, log, chosen), exporter.media_type)


def export_formats() -> dict[str, str]:
    """Every registered export format's name with its one-line description."""
    from goalplan.plugins import get_plugin_manager

    return {name: e.description for name, e in get_plugin_manager().exporters().items()}


__all__ = [
    "GAD7",
    "LIFECYCLE_STATUSES",
    "PERIODS",
    "PHQ9",
    "SESSION_TYPES",
    "SIGNER_ROLES",
    "AuditContext",
    "AuditFinding",
    "AuditFormat",
    "AuditReport",
    "AuditRule",
    "AuditScope",
    "AuditSettings",
    "Band",
    "CodecError",
    "ConcurrencyError",
    "Diagnosis",
    "Exporter",
    "Finding",
    "Fingerprint",
    "FocusArea",
    "GasPoint",
    "GasScale",
    "GasSummary",
    "Goal",
    "GoalAnalytics",
    "GoalProgress",
    "Goalplan",
    "GoalplanError",
    "HistoryEntry",
    "ImportReport",
    "Instrument",
    "InstrumentSummary",
    "IntegrityError",
    "Intervention",
    "LintContext",
    "LintReport",
    "MaterialChange",
    "Measure",
    "MeasureChange",
    "MeasureSeries",
    "NotFoundError",
    "Plan",
    "PlanAnalytics",
    "PlanCopy",
    "PlanLog",
    "PlanState",
    "PlanSummary",
    "PlanWalk",
    "ProgressPoint",
    "RecordedEvent",
    "RejectedError",
    "ReliableChange",
    "RenderedExport",
    "Review",
    "Rule",
    "SafetyFinding",
    "SafetyReview",
    "Score",
    "Signature",
    "Silence",
    "StatusChange",
    "Step",
    "StoreError",
    "StoreNotFoundError",
    "Trend",
    "WriteError",
    "achievement_status",
    "analytics_line",
    "audit_rule",
    "canonical_json",
    "changes_after",
    "content_digest",
    "create_private_file",
    "export_formats",
    "field_label",
    "gas_summary",
    "gas_t_score",
    "goal_progress",
    "goal_rule",
    "goal_to_json",
    "hookimpl",
    "instrument_summaries",
    "is_current",
    "is_postgres",
    "is_safety_finding",
    "make_private_folder",
    "material_content",
    "open",
    "parse_iso_date",
    "parse_option_pairs",
    "participation_signature",
    "percent_of_way",
    "plan_analytics",
    "plan_rule",
    "plan_to_json",
    "registered_instruments",
    "reliable_change",
    "render_export",
    "safety_findings",
    "write_atomically",
]
