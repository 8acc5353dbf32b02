"""The public names: what plugins and integrators may import, pinned so a change is deliberate."""

from __future__ import annotations

import inspect

import goalplan
from goalplan import events

PUBLIC_NAMES = frozenset(
    {
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
    }
)


def test_the_public_api_names_are_pinned() -> None:
    assert set(goalplan.__all__) == PUBLIC_NAMES
    assert len(goalplan.__all__) == len(PUBLIC_NAMES)  # no name listed twice
    assert all(hasattr(goalplan, name) for name in goalplan.__all__)


def test_the_event_vocabulary_the_api_re_exports_is_the_events_modules_own() -> None:
    for name in ("LIFECYCLE_STATUSES", "PERIODS", "SESSION_TYPES", "SIGNER_ROLES", "Measure"):
        assert name in events.__all__
        assert getattr(goalplan, name) is getattr(events, name)


def test_events_all_lists_every_public_name_the_module_defines() -> None:
    defined = {
        name
        for name, value in vars(events).items()
        if not name.startswith("_")
        and not inspect.ismodule(value)
        and getattr(value, "__module__", events.__name__) == events.__name__
    }
    assert set(events.__all__) == defined
    assert {cls.__name__ for cls in events.EVENT_TYPES.values()} <= set(events.__all__)
