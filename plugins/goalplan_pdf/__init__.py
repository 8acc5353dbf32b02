"""goalplan_pdf: the treatment-plan PDF a clinician reviews with the client, signs and files.

fpdf2 is imported only when a PDF is rendered, so loading the plugin (for ``goalplan --help``)
stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping

import goalplan

OPTIONS = {
    "pdfa": "true writes PDF/A-2u for archiving (default false).",
    "paper": "a4 (default) or letter.",
    "fonts": "a folder of extra font files tried before the system's (also GOALPLAN_FONT_DIR).",
    "strict-glyphs": "true refuses a plan with a character no font can draw (default false: "
    "it is printed as a replacement mark and listed).",
}


def render(log: goalplan.PlanLog, options: Mapping[str, str]) -> bytes:
    from goalplan_pdf.layout import render_plan
    from goalplan_pdf.options import parse_options

    return render_plan(log, parse_options(options))


@goalplan.hookimpl
def register_exporters() -> list[goalplan.Exporter]:
    return [
        goalplan.Exporter(
            name="pdf",
            suffix=".pdf",
            media_type="application/pdf",
            description="Treatment plan to review, sign and file: goals, progress charts, reviews, "
            "revision history and the log fingerprint.",
            render=render,
            options=OPTIONS,
        )
    ]


def render_audit(report: goalplan.AuditReport, options: Mapping[str, str]) -> bytes:
    from goalplan_pdf.audit_report import render_audit_pdf

    return render_audit_pdf(report, options)


@goalplan.hookimpl
def register_audit_formats() -> list[goalplan.AuditFormat]:
    return [
        goalplan.AuditFormat(
            name="pdf",
            suffix=".pdf",
            description="A summary page with counts and charts, then every finding, with plan and event ids.",
            render=render_audit,
            binary=True,
        )
    ]
