"""The caseload audit: how goals changed across a practice, and what an auditor would flag."""

from goalplan.audit.formats import AuditFormat
from goalplan.audit.model import (
    SEVERITIES,
    AuditContext,
    AuditFinding,
    AuditRule,
    AuditSettings,
    PlanWalk,
    audit_rule,
)
from goalplan.audit.report import AuditReport, AuditRuleError, AuditScope, run_audit

__all__ = [
    "SEVERITIES",
    "AuditContext",
    "AuditFinding",
    "AuditFormat",
    "AuditReport",
    "AuditRule",
    "AuditRuleError",
    "AuditScope",
    "AuditSettings",
    "PlanWalk",
    "audit_rule",
    "run_audit",
]
