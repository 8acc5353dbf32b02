"""The caseload audit as a PDF: a summary page with counts and charts, then every finding.

Each finding points to its plan and event id, so a reader can open the record behind it; every
page's footer carries the store position the report was read up to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from fpdf.enums import Align, XPos, YPos

import goalplan
from goalplan_pdf.document import (
    ACCENT,
    BAD,
    MUTED,
    RULE,
    RUNNING_RULE,
    RUNNING_TOP,
    TINT,
    WARN,
    PlanDocument,
)

SEVERITY_TONES = {"high": BAD, "medium": WARN, "low": MUTED}
PAPERS = ("a4", "letter")


class AuditDocument(PlanDocument):
    def _header(self) -> None:
        """The running title from page 2 on; the plan document's header draws any warning first."""
        self.set_y(RUNNING_TOP + self.banner_drop)
        self.style("running")
        self.cell(self.epw, 4, self.running_title, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        rule = RUNNING_RULE + self.banner_drop
        self.line(self.l_margin, rule, self.w - self.r_margin, rule)
        self.set_y(self.t_margin)
        self.style("body")


def banner(report: goalplan.AuditReport) -> str:
    """Every page's warning: one failing plan's own sentence, or for more a fixed sentence with
    their count, so the banner keeps to two lines however many plans fail (the summary gives each)."""
    if len(report.unverified) < 2:
        return report.integrity_warning
    return (
        f"WARNING: this report fails verification: {len(report.unverified)} of the plans it read "
        "may have been altered; the summary's list of plans that fail verification gives each "
        "one's warning. Run `goalplan verify`."
    )


def _paper(options: Mapping[str, str]) -> str:
    unknown = sorted(set(options) - {"paper"})
    if unknown:
        raise goalplan.RejectedError(
            f"--option {unknown[0]}", "is not an audit PDF option; the only one is paper."
        )
    paper = options.get("paper", "a4")
    if paper not in PAPERS:
        raise goalplan.RejectedError("--option paper", f"must be a4 or letter, got {paper!r}.")
    return paper


def render_audit_pdf(report: goalplan.AuditReport, options: Mapping[str, str]) -> bytes:
    pdf = AuditDocument(
        paper=_paper(options),
        compliance=None,
        running_title=f"Caseload audit as of {report.as_of[:10]}",
        footer_lines=(
            f"Caseload audit as of {report.as_of}",
            f"Read up to the {report.checkpoint_line()}",
        ),
        warning=banner(report),
    )
    made = datetime.fromisoformat(report.as_of.replace("Z", "+00:00")).replace(microsecond=0)
    pdf.set_title("Caseload audit")
    pdf.set_creator("goalplan")
    pdf.set_producer("goalplan_pdf")
    pdf.set_creation_date(made)
    pdf.set_lang("en")
    pdf.add_page()
    _summary(pdf, report)
    _findings(pdf, report)
    return bytes(pdf.output())


def _summary(pdf: AuditDocument, report: goalplan.AuditReport) -> None:
    pdf.style("kicker")
    pdf.cell(pdf.epw, 5, "CASELOAD AUDIT", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.style("title")
    pdf.cell(
        pdf.epw,
        10,
        f"{len(report.findings)} finding(s) as of {report.as_of[:10]}",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(2)
    scope = report.scope
    parts = [
        f"plans {', '.join(scope.plans)}" if scope.plans else "every plan",
        f"clinicians {', '.join(scope.clinicians)}" if scope.clinicians else "",
        f"from {scope.from_day}" if scope.from_day else "",
        f"to {scope.to_day}" if scope.to_day else "",
    ]
    pdf.label_value("Scope", ", ".join(p for p in parts if p))
    pdf.label_value(
        "Read",
        f"{report.plans_read} plan(s), {report.events_read} event(s), up to position {report.head_position}",
    )
    s = report.settings
    pdf.label_value(
        "Thresholds",
        f"late after {s.late_after_days} days; goals moved more than {s.moved_more_than} times; "
        f"review window {s.review_window_days} days; signing window {s.sign_within_days} days",
    )
    severities = report.by_severity()
    pdf.label_value("Severity", ", ".join(f"{n} {name}" for name, n in severities.items()))
    if report.unverified:
        pdf.section(f"Plans that fail verification ({len(report.unverified)})", follow=10)
        pdf.style("muted")
        for _, warning in sorted(report.unverified.items()):
            pdf.paragraph(warning)
            pdf.ln(1)
        pdf.style("body")

    pdf.section("Findings by rule", follow=40)
    counts = report.by_rule()
    rows = [[r.title, r.id, str(counts[r.id])] for r in report.rules]
    pdf.data_table(("Rule", "Id", "Findings"), rows, (70, 78, 22))

    summary = report.summary()
    _bars(pdf, "Findings per month", summary["by_month"], chronological=True)
    _bars(pdf, "Findings per actor", {k or "(no actor)": v for k, v in summary["by_actor"].items()})

    late = summary["late_entries_by_actor"]
    if late:
        pdf.section("How late entries are recorded, per actor", follow=30)
        rows = [
            [
                actor,
                str(d["entries"]),
                str(d["late"]),
                f"{d['median_days']:g}",
                str(d["p90_days"]),
                str(d["max_days"]),
            ]
            for actor, d in late.items()
        ]
        pdf.data_table(
            ("Actor", "Dated entries", "Late", "Median days", "90th pct days", "Max days"),
            rows,
            (50, 24, 20, 26, 26, 24),
        )


def _bars(
    pdf: AuditDocument, title: str, counts: Mapping[str, int], *, most: int = 16, chronological: bool = False
) -> None:
    """Horizontal bars labelled with counts: the latest ``most`` keys in order when chronological,
    else the ``most`` largest, largest first."""
    items = sorted(counts.items())
    if chronological:
        if len(items) > most:
            title = f"{title} (the latest {most} of {len(items)} months)"
            items = items[-most:]
    elif len(items) > most:
        title = f"{title} (the {most} with most findings)"
        items = sorted(items, key=lambda kv: (-kv[1], kv[0]))[:most]
    row = 5.0
    pdf.section(title, follow=row * max(len(items), 1) + 4)
    if not items:
        pdf.style("muted")
        pdf.paragraph("No findings.")
        return
    label_w, count_w = 48.0, 12.0
    bar_w = pdf.epw - label_w - count_w
    top = max(n for _, n in items)
    for key, n in items:
        y = pdf.y
        pdf.style("muted")
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(label_w - 2, row, key, align=Align.R)
        pdf.set_fill_color(*ACCENT)
        pdf.rect(pdf.l_margin + label_w, y + 1, max(bar_w * n / top, 0.6), row - 2, style="F")
        pdf.set_xy(pdf.l_margin + label_w + bar_w * n / top + 1.5, y)
        pdf.cell(count_w, row, str(n))
        pdf.set_y(y + row)
    pdf.set_fill_color(*TINT)
    pdf.style("body")


def _findings(pdf: AuditDocument, report: goalplan.AuditReport) -> None:
    pdf.add_page()
    counts = report.by_rule()
    for rule in report.rules:
        if not counts[rule.id]:
            continue
        found = [f for f in report.iter_findings() if f.rule_id == rule.id]
        pdf.section(f"{rule.title} ({len(found)})", follow=30)
        pdf.style("muted")
        pdf.paragraph(f"{rule.explanation} Rule {rule.id}.")
        pdf.ln(2)
        rows: list[Sequence[str]] = []
        for f in found:
            where = "\n".join(
                p
                for p in (
                    f"plan {f.plan_id}",
                    f"goal {f.goal_id}" if f.goal_id else "",
                    f"event {f.event_id}" if f.event_id else "",
                )
                if p
            )
            when = "\n".join(
                p
                for p in (
                    f.actor,
                    f"recorded {f.recorded_at[:16].replace('T', ' ')}" if f.recorded_at else "",
                    f"about {f.effective_on}" if f.effective_on else "",
                )
                if p
            )
            what = f.message + (f"\nReason given: {f.reason}" if f.reason else "")
            rows.append([f.severity.upper(), where, when or "—", what])
        pdf.data_table(("Severity", "Where", "Who and when", "Finding"), rows, (17, 52, 36, 65), size=7.0)
