"""How a report is written out. JSON and text are built in; CSV and PDF come from their plugins.

An :class:`AuditFormat` is registered through the ``register_audit_formats`` hook, like an
exporter, so a practice can add its own report layout.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import pluggy
from attrs import frozen

from goalplan.text import mark_broken

if TYPE_CHECKING:
    from goalplan.audit.report import AuditReport

hookimpl = pluggy.HookimplMarker("goalplan")


@frozen(kw_only=True)
class AuditFormat:
    """``render(report, options) -> bytes``; ``binary`` formats are never written to a terminal."""

    name: str
    suffix: str
    description: str
    render: Callable[[AuditReport, Mapping[str, str]], bytes]
    binary: bool = False
    plugin: str = ""


def render_json(report: AuditReport, options: Mapping[str, str]) -> bytes:
    return (json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def render_text(report: AuditReport, options: Mapping[str, str]) -> bytes:
    summary = report.summary()
    severities = ", ".join(f"{n} {s}" for s, n in summary["by_severity"].items())
    lines = [
        f"Audit as of {report.as_of}: {report.plans_read} plan(s), {report.events_read} event(s) read, "
        f"store head at position {report.head_position}.",
        f"Read up to the {report.checkpoint_line()}.",
        f"{summary['findings']} finding(s): {severities}.",
        "",
    ]
    titles = {r.id: r.title for r in report.rules}
    width = max((len(r) for r in summary["by_rule"]), default=0)
    lines += [f"  {rule:<{width}}  {n:>5}  {titles[rule]}" for rule, n in summary["by_rule"].items()]
    for finding in report.iter_findings():
        where = " ".join(
            part
            for part in (
                f"plan {finding.plan_id}",
                f"goal {finding.goal_id}" if finding.goal_id else "",
                f"event {finding.event_id}" if finding.event_id else "",
            )
            if part
        )
        who = f" by {finding.actor}" if finding.actor else ""
        when = f" at {finding.recorded_at}" if finding.recorded_at else ""
        lines.append("")
        lines.append(f"{finding.severity.upper():<6} {finding.rule_id}: {where}{who}{when}")
        lines.append(f"       {finding.message}")
        if finding.reason:
            lines.append(f"       Reason given: {finding.reason}")
    return mark_broken("\n".join(lines) + "\n", report.integrity_warning).encode("utf-8")


BUILTIN_FORMATS = (
    AuditFormat(
        name="text", suffix=".txt", description="A summary and one entry per finding.", render=render_text
    ),
    AuditFormat(
        name="json",
        suffix=".json",
        description="The whole report (docs/schemas/audit.schema.json).",
        render=render_json,
    ),
)


@hookimpl
def register_audit_formats() -> list[AuditFormat]:
    return list(BUILTIN_FORMATS)
