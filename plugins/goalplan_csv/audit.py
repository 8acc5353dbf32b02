"""The caseload audit as CSV: one row per finding, for a spreadsheet or a compliance database."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from goalplan import AuditReport, RejectedError
from goalplan_csv.cells import write_csv

AUDIT_COLUMNS = (
    "rule_id",
    "severity",
    "plan_id",
    "goal_id",
    "event_id",
    "actor",
    "recorded_at",
    "effective_on",
    "reason",
    "message",
    "detail",
)


def render_audit_csv(report: AuditReport, options: Mapping[str, str]) -> bytes:
    unknown = sorted(set(options) - {"bom"})
    if unknown:
        raise RejectedError(
            f"--option {unknown[0]}", "is not an audit CSV option; the only one is bom=true|false."
        )
    bom = options.get("bom", "false")
    if bom not in ("true", "false"):
        raise RejectedError("--option bom", f"must be true or false, got {bom!r}.")
    rows: Iterator[list[str | None]] = (
        [
            f.rule_id,
            f.severity,
            f.plan_id,
            f.goal_id,
            f.event_id,
            f.actor,
            f.recorded_at,
            f.effective_on.isoformat() if f.effective_on else None,
            f.reason,
            f.message,
            json.dumps(dict(f.detail), ensure_ascii=False, sort_keys=True) if f.detail else None,
        ]
        for f in report.iter_findings()
    )
    warning = report.integrity_warning
    if not warning:
        return write_csv(AUDIT_COLUMNS, rows, bom=bom == "true")
    # Read with --allow-broken: every row carries the warning, and a report with no findings
    # still has one row that says so.
    return write_csv((*AUDIT_COLUMNS, "integrity_warning"), _marked(rows, warning), bom=bom == "true")


def _marked(rows: Iterator[list[str | None]], warning: str) -> Iterator[list[str | None]]:
    empty = True
    for row in rows:
        empty = False
        yield [*row, warning]
    if empty:
        yield [*([None] * len(AUDIT_COLUMNS)), warning]
