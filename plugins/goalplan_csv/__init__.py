"""CSV export of a plan: its goals, its measurements, its instrument scores, or its change history.

A built-in plugin that uses only goalplan's public API, exactly as a third-party plugin would.
Column reference: docs/csv.md; what the de-identified profile does and does not protect:
docs/privacy.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import goalplan
from goalplan import AuditFormat, AuditReport, Exporter, PlanLog
from goalplan_csv.options import OPTION_HELP


def render(log: PlanLog, options: Mapping[str, str]) -> bytes:
    from goalplan_csv.render import render_csv

    return render_csv(log, options)


def caseload(options: Mapping[str, str]) -> Callable[[Iterable[PlanLog], Mapping[str, str]], bytes] | None:
    """``scope=caseload``: ``export --all`` writes every plan into one file."""
    from goalplan_csv.render import caseload_renderer

    return caseload_renderer(options)


def file_stem(log: PlanLog, options: Mapping[str, str]) -> str:
    """De-identified files are named by the plan's pseudonym, never its id."""
    from goalplan_csv.render import file_stem_for

    return file_stem_for(log, options)


EXPORTER = Exporter(
    name="csv",
    suffix=".csv",
    media_type="text/csv; charset=utf-8",
    description="Goals, measurements, instrument scores or change history as spreadsheet-safe CSV "
    "(optionally de-identified).",
    render=render,
    options=OPTION_HELP,
    file_stem=file_stem,
    caseload=caseload,
)


@goalplan.hookimpl
def register_exporters() -> list[Exporter]:
    return [EXPORTER]


def render_audit(report: AuditReport, options: Mapping[str, str]) -> bytes:
    from goalplan_csv.audit import render_audit_csv

    return render_audit_csv(report, options)


@goalplan.hookimpl
def register_audit_formats() -> list[AuditFormat]:
    return [
        AuditFormat(
            name="csv",
            suffix=".csv",
            description="One spreadsheet-safe row per finding (--option bom=true for Excel).",
            render=render_audit,
        )
    ]
