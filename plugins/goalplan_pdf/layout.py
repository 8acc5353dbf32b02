"""Lay out the treatment plan: cover facts, goals at a glance, each focus area and goal with
its progress chart, reviews, signatures, the revision appendix and how to check the document."""

from __future__ import annotations

import logging
from datetime import date

from fpdf.enums import Align, XPos, YPos

import goalplan
from goalplan_pdf import clinical, fonts
from goalplan_pdf.chart import CHART_HEIGHT, draw_progress
from goalplan_pdf.document import (
    ACCENT,
    BAD,
    GOOD,
    INK,
    LINE,
    MISSING,
    MUTED,
    RULE,
    SMALL,
    TINT,
    PlanDocument,
)
from goalplan_pdf.fallback import Fallbacks, choose
from goalplan_pdf.measures import draw_measures, draw_outlook, outlook_height
from goalplan_pdf.model import STATUS_LABELS, GoalView, PlanView, SignatureView, build, texts
from goalplan_pdf.options import PdfOptions
from goalplan_pdf.pdfa import xmp_metadata
from goalplan_pdf.wording import long_date, measure_label, number, short_date, shortened, with_unit

CREATOR = "goalplan"
LOGGER = logging.getLogger("goalplan_pdf")
REVISION_HEADINGS = ["When", "By", "Change", "From", "To", "Why"]


def render_plan(log: goalplan.PlanLog, options: PdfOptions) -> bytes:
    if not log.records:
        raise goalplan.RejectedError("plan", "has no recorded events; there is nothing to print.")
    view = build(log)
    fallbacks, missing = _glyphs(view, options)
    pdf = _document(view, options, fallbacks)
    _cover(pdf, view, missing)
    _clinical_summary(pdf, view)
    _at_a_glance(pdf, view)
    _goals(pdf, view)
    draw_measures(pdf, view)
    _aftercare(pdf, view)
    _reviews(pdf, view)
    _signatures(pdf, view)
    _revisions(pdf, view)
    _auditor_appendix(pdf, view, missing)
    return bytes(pdf.output())  # numbers the pages first


def _glyphs(view: PlanView, options: PdfOptions) -> tuple[Fallbacks, list[tuple[str, str]]]:
    """Fonts for every script the plan uses, and each character none can draw with the first field
    it appears in. Such a character never blocks a plan (the log cannot be changed to remove it):
    it is printed as a replacement mark and listed, unless strict-glyphs asks for a refusal."""
    where: dict[str, str] = {}
    for field, text in texts(view):
        for char in fonts.drawable_chars(text):
            where.setdefault(char, field)
    needed = set(where) - fonts.text_coverage()
    fallbacks = choose(needed, options.fonts)
    missing = sorted((where[c], c) for c in fallbacks.undrawable)
    if missing and options.strict_glyphs:
        field, char = missing[0]
        raise goalplan.RejectedError(
            field,
            f"contains {fonts.describe(char)}, which no available font can draw (strict-glyphs=true); "
            "install a font for it (fontconfig, --option fonts=DIR or GOALPLAN_FONT_DIR) or export "
            "without strict-glyphs to print it as a replacement mark.",
        )
    for field, char in missing:
        LOGGER.warning(
            "goalplan: warning: %s: %s has no font; the PDF prints %s in its place and lists it.",
            field,
            fonts.describe(char),
            fonts.REPLACEMENT,
        )
    return fallbacks, missing


def _document(view: PlanView, options: PdfOptions, fallbacks: Fallbacks) -> PlanDocument:
    state, fp = view.state, view.fingerprint
    warning = view.log.integrity_warning
    # A fingerprint of a log that fails verification is never printed without saying so.
    label = "UNVERIFIED log fingerprint" if warning else "Log fingerprint"
    pdf = PlanDocument(
        fallbacks=fallbacks,
        shaping=fonts.needs_shaping(set(fallbacks.needed)),
        paper=options.paper,
        compliance="PDFA_2U" if options.pdfa else None,
        running_title=clinical.running_identity(state),
        footer_lines=(
            f"{state.client_name} · treatment plan as recorded up to {view.made_at}",
            f"{label}: plan {fp.plan_id} · version {fp.version} · head {fp.head_hash}",
        ),
        warning=warning,
    )
    made = view.log.last_recorded_at
    assert made is not None
    made = made.replace(microsecond=0)
    title = f"Treatment plan: {state.client_name}"
    pdf.set_title(title)
    pdf.set_author(_clinician(state))
    pdf.set_subject(f"Plan {fp.plan_id}, log version {fp.version}, head hash {fp.head_hash}")
    pdf.set_creator(CREATOR)
    pdf.set_producer(f"goalplan_pdf with fpdf2 {_fpdf_version()}")
    pdf.set_creation_date(made)
    pdf.set_lang("en")
    if options.pdfa:
        pdf.set_xmp_metadata(
            xmp_metadata(
                title=title,
                author=_clinician(state),
                subject=pdf.subject,
                creator=CREATOR,
                producer=pdf.producer,
                created=made,
                document_id=fp.head_hash,
            )
        )
    pdf.add_page()
    return pdf


def _fpdf_version() -> str:
    import fpdf

    return str(fpdf.__version__)


def _clinician(state: goalplan.PlanState) -> str:
    creds = f", {state.clinician_credentials}" if state.clinician_credentials else ""
    return f"{state.clinician_name}{creds}"


# cover -----------------------------------------------------------------------------------


def _cover(pdf: PlanDocument, view: PlanView, missing: list[tuple[str, str]]) -> None:
    state = view.state
    pdf.start_section("Treatment plan", level=0)
    pdf.style("kicker")
    pdf.set_char_spacing(1.6)
    pdf.cell(pdf.epw, 4, "TREATMENT PLAN", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_char_spacing(0)
    pdf.ln(1.5)
    pdf.style("title")
    pdf.paragraph(state.client_name, field="client_name", line=9)
    pdf.style("muted")
    known_as = clinical.called(state)
    if known_as:
        pdf.paragraph(f"Known as {known_as}", field="client_preferred_name", line=4.2)
    pdf.paragraph(f"Plan {state.plan_id} · as recorded up to {view.made_at}", line=4.2)
    pdf.ln(5)

    last = state.last_review
    status = f"Completed — closed on {long_date(state.closed_on)}" if state.is_closed else "Active"
    facts = [
        ("Clinician", _clinician(state)),
        ("Date opened", long_date(state.opened_on)),
        ("Plan status", status),
        ("Review cadence", f"Every {state.review_every_days} days"),
        ("Last review", long_date(last.held_on) if last else "None held yet"),
        ("Next review due", long_date(state.next_review_on) if state.next_review_on else "— (plan closed)"),
        *clinical.identity_facts(state),
    ]
    _fact_grid(pdf, facts)
    pdf.ln(3)
    pdf.label_value(
        "Discharge criteria",
        state.discharge_criteria,
        label_width=38,
        field="discharge_criteria",
        required=True,
    )
    if state.is_closed and state.close_reason:
        pdf.label_value("Reason closed", state.close_reason, label_width=38, field="close_reason")
    if missing:
        pdf.style("bold")
        pdf.set_text_color(*BAD)
        pdf.paragraph(
            f"{len(missing)} character(s) in this plan could not be drawn with the fonts available and "
            f"are printed as {fonts.REPLACEMENT}; the last page lists them."
        )
        pdf.style("body")


def _clinical_summary(pdf: PlanDocument, view: PlanView) -> None:
    """Diagnoses, the client's strengths, needs, abilities and preferences, and the safety flag."""
    state = view.state
    numbers = {area.focus_id: area.number for area in view.focus_areas if area.focus_id}
    pdf.section("Clinical summary", follow=30)
    headings = ["ICD-10-CM", "Diagnosis", "Kind", "Focus areas"]
    widths = _widths(pdf, [22, None, 24, 50])
    rows = clinical.diagnosis_rows(state, numbers)
    if rows:
        pdf.data_table(headings, rows, widths, field="diagnosis")
        pdf.ln(3)
    else:
        pdf.label_value("Diagnosis", "", field="diagnosis", required=True)
    for label, value in (
        ("Strengths", state.strengths),
        ("Needs", state.needs),
        ("Abilities", state.abilities),
        ("Preferences", state.preferences),
    ):
        pdf.label_value(label, value, field=label.lower(), required=True)
    clinical.draw_safety(pdf, state)


def _aftercare(pdf: PlanDocument, view: PlanView) -> None:
    state = view.state
    pdf.section("Discharge, aftercare and referrals", follow=20)
    pdf.label_value("Discharge criteria", state.discharge_criteria, field="discharge_criteria", required=True)
    pdf.label_value("Aftercare", state.aftercare, field="aftercare", required=True)
    pdf.label_value("Referrals", state.referrals or "None recorded", field="referrals")


def _fact_grid(pdf: PlanDocument, facts: list[tuple[str, str]]) -> None:
    """Three columns of label over value, on a tinted band."""
    columns, gap = 3, 6.0
    col_w = (pdf.epw - 8 - gap * (columns - 1)) / columns
    rows = [facts[i : i + columns] for i in range(0, len(facts), columns)]
    pdf.style("body")
    heights = [max(pdf.text_height(v, col_w) for _, v in row) + 5.5 for row in rows]
    top = pdf.y
    pdf.set_fill_color(*TINT)
    pdf.rect(pdf.l_margin, top, pdf.epw, sum(heights) + 6, style="F")
    pdf.set_fill_color(*ACCENT)
    pdf.rect(pdf.l_margin, top, 1.2, sum(heights) + 6, style="F")
    y = top + 3.5
    for row, height in zip(rows, heights, strict=True):
        for i, (label, value) in enumerate(row):
            x = pdf.l_margin + 5 + i * (col_w + gap)
            pdf.set_xy(x, y)
            pdf.style("label")
            pdf.cell(col_w, 3.5, label.upper())
            pdf.set_xy(x, y + 4.2)
            pdf.style("bold" if label in ("Next review due", "Plan status") or value == MISSING else "body")
            if value == MISSING:
                pdf.set_text_color(*BAD)
            pdf.current_field = label.lower()
            pdf.multi_cell(col_w, LINE, value, align=Align.L)
            pdf.current_field = "text"
        y += height
    pdf.set_xy(pdf.l_margin, top + sum(heights) + 6)
    pdf.style("body")


# goals -----------------------------------------------------------------------------------


def _latest_text(gv: GoalView) -> str:
    measure, points = gv.goal.measure, gv.points
    if measure is None:
        return "Not measured"
    target = with_unit(measure.target, measure.unit)
    if not points:
        return f"— / {target}"
    return f"{number(points[-1].value)} / {target}"


def _at_a_glance(pdf: PlanDocument, view: PlanView) -> None:
    goals = sorted(view.goals, key=lambda gv: int(gv.number))
    headings = ["No.", "Goal, in the client's words", "Status", "Target date", "Latest / target"]
    widths = _widths(pdf, [10, None, 20, 24, 30])
    rows = [
        [
            gv.number,
            shortened(gv.goal.statement),
            gv.status_label,
            short_date(gv.goal.target_date) if gv.goal.target_date else "—",
            _latest_text(gv),
        ]
        for gv in goals
    ]
    pdf.section("Goals at a glance", follow=pdf.table_start_height(headings, rows, widths) if rows else 10)
    if not rows:
        pdf.style("muted")
        pdf.paragraph("No goals have been set yet.")
        return
    pdf.data_table(headings, rows, widths, field="goal statement")


def _widths(pdf: PlanDocument, widths: list[float | None]) -> list[float]:
    fixed = sum(w for w in widths if w is not None)
    flexible = pdf.epw - fixed
    count = sum(1 for w in widths if w is None)
    return [w if w is not None else flexible / count for w in widths]


def _goals(pdf: PlanDocument, view: PlanView) -> None:
    pdf.section("Focus areas and goals", follow=40)
    if not view.focus_areas:
        pdf.style("muted")
        pdf.paragraph("No focus areas or goals have been recorded yet.")
    for area in view.focus_areas:
        first = _goal_start_height(pdf, area.goals[0]) if area.goals else 12.0
        if area.focus_id:
            first += _focus_clinical_height(pdf, view.state, area.focus_id)
        _focus_heading(pdf, area.number, area.title, area.description, first)
        if area.focus_id:
            _focus_clinical(pdf, view.state, area.focus_id)
        if not area.goals:
            pdf.style("muted")
            pdf.paragraph("No current goals in this focus area.")
            pdf.ln(3)
        for gv in area.goals:
            _goal(pdf, gv, view.as_of)


def _focus_clinical_values(state: goalplan.PlanState, focus_id: str) -> list[str]:
    area = state.focus_areas[focus_id]
    diagnoses = clinical.diagnoses_for_focus(state, focus_id)
    return [area.presenting_problem or MISSING, diagnoses or "None tied to this focus area"]


def _focus_clinical_height(pdf: PlanDocument, state: goalplan.PlanState, focus_id: str) -> float:
    pdf.style("body")
    width = pdf.epw - 10 - 34
    rows = [min(pdf.text_height(v, width), 40) + 1.2 for v in _focus_clinical_values(state, focus_id)]
    return sum(rows) + 1.5


def _focus_clinical(pdf: PlanDocument, state: goalplan.PlanState, focus_id: str) -> None:
    """The presenting problem (behavioural definition) and the diagnoses the focus area serves."""
    area = state.focus_areas[focus_id]
    margin = pdf.l_margin
    pdf.set_left_margin(margin + 10)
    try:
        pdf.label_value(
            "Presenting problem", area.presenting_problem, field="presenting problem", required=True
        )
        diagnoses = clinical.diagnoses_for_focus(state, focus_id)
        pdf.label_value("Diagnoses", diagnoses or "None tied to this focus area", field="diagnosis")
    finally:
        pdf.set_left_margin(margin)
    pdf.set_x(margin)
    pdf.ln(1.5)


def _goal_start_height(pdf: PlanDocument, gv: GoalView) -> float:
    """What of a goal must share its page with the heading above it: its title line, the first
    lines of its statement and the first rows beneath."""
    pdf.style("quote")
    quote_h = pdf.text_height(f"“{gv.goal.statement}”", pdf.epw - 14, 5.2)
    pdf.style("body")
    return 6 + min(quote_h, 40) + 30


def _focus_heading(pdf: PlanDocument, number_: int, title: str, description: str, follow: float) -> None:
    pdf.style("h2")
    title_h = pdf.text_height(title, pdf.epw - 10, 6)
    pdf.style("muted")
    desc_h = pdf.text_height(description, pdf.epw - 10, 4.2) if description else 0
    # the heading never ends a page alone: it starts where the first goal's opening fits too
    pdf.keep(2 + title_h + min(desc_h, 60) + 3 + follow + 1)
    pdf.ln(2)
    pdf.start_section(f"{number_}. {title}", level=1)
    pdf.style("h2")
    pdf.set_text_color(*ACCENT)
    pdf.cell(10, 6, str(number_))
    pdf.set_text_color(*INK)
    pdf.current_field = f"focus area {number_} title"
    pdf.multi_cell(pdf.epw - 10, 6, title, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if description:
        pdf.style("muted")
        pdf.set_x(pdf.l_margin + 10)
        pdf.current_field = f"focus area {number_} description"
        pdf.multi_cell(pdf.epw - 10, 4.2, description, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.current_field = "text"
    pdf.ln(3)


def _goal(pdf: PlanDocument, gv: GoalView, as_of: date) -> None:
    goal = gv.goal
    field = f"goal {gv.number} ({goal.goal_id})"
    indent = 10.0
    width = pdf.epw - indent
    pdf.keep(_goal_start_height(pdf, gv))
    pdf.start_section(f"Goal {gv.number}", level=2)

    # goal line: number, term, status; id on the right
    x = pdf.l_margin + indent
    pdf.set_x(x)
    pdf.style("h3")
    label = f"Goal {gv.number}"
    pdf.cell(pdf.get_string_width(label) + 3, 5, label)
    pdf.style("muted")
    term = "Long-term goal" if goal.term == "long" else "Short-term goal"
    pdf.cell(pdf.get_string_width(term) + 3, 5, f"· {term}")
    _status_badge(pdf, goal.status)
    pdf.style("running")
    pdf.set_x(pdf.w - pdf.r_margin - 40)
    pdf.cell(40, 5, f"id {goal.goal_id}", align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)

    # the statement in the client's words, with an accent bar
    pdf.style("quote")
    pdf.current_field = f"{field} statement"
    pdf.quote(f"“{goal.statement}”", x, width, 5.2, ACCENT)
    pdf.current_field = "text"
    pdf.ln(3)

    rows: list[tuple[str, str]] = []
    measure = goal.measure
    if measure is not None:
        rows.append(("Measured by", measure_label(measure.name, measure.unit)))
        rows.append(("Baseline → target", _baseline_target(measure)))
    else:
        rows.append(("Measured by", "Not measured: progress is discussed at review"))
    for series in goal.earlier_series:
        values = [p.value for p in series.progress]
        count = f"{len(values)} value{'s' if len(values) != 1 else ''}"
        course = f"{number(values[0])} → {number(values[-1])} ({count})" if values else "no values"
        rows.append(
            (
                "Earlier measure",
                f"{measure_label(series.measure.name, series.measure.unit)}: {course}, "
                f"until {long_date(date.fromisoformat(series.replaced_at[:10]))}",
            )
        )
    rows.append(("Why it matters", goal.relevance or "—"))
    rows.append(("Target date", long_date(goal.target_date) if goal.target_date else "Not set"))
    attainment = gv.attainment()
    rows.append(
        ("Status", STATUS_LABELS.get(goal.status, goal.status) + (f" · {attainment}" if attainment else ""))
    )
    with_margin = pdf.l_margin
    pdf.set_left_margin(with_margin + indent)
    try:
        for label, value in rows:
            pdf.label_value(label, value, label_width=34, field=f"{field} {label.lower()}")
        _steps(pdf, gv, field, as_of)
        _interventions(pdf, gv)
        if measure is not None:
            pdf.ln(2)
            pdf.keep(CHART_HEIGHT + 4 + outlook_height(pdf, gv.outlook))
            draw_progress(pdf, gv)
            draw_outlook(pdf, gv.outlook, field)
    finally:
        pdf.set_left_margin(with_margin)
    pdf.set_x(pdf.l_margin)
    pdf.ln(2)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin + indent, pdf.y, pdf.w - pdf.r_margin, pdf.y)
    pdf.ln(5)


def _baseline_target(measure: goalplan.Measure) -> str:
    direction = "lower is better" if measure.direction == "decrease" else "higher is better"
    if measure.unit[:1].isdigit():  # a scale: "8 → 4, 0-10 rating", not "8 0-10 rating"
        change = f"{number(measure.baseline)} → {number(measure.target)}, {measure.unit}"
    else:
        change = f"{with_unit(measure.baseline, measure.unit)} → {with_unit(measure.target, measure.unit)}"
    return f"{change}  ({direction})"


def _status_badge(pdf: PlanDocument, status: str) -> None:
    label = STATUS_LABELS.get(status, status)
    pdf.set_font(fonts.FAMILY, "B", 6.8)
    colour = {"active": ACCENT, "completed": GOOD}.get(status, MUTED)
    width = pdf.get_string_width(label) + 4
    x, y = pdf.get_x() + 1, pdf.get_y() + 0.6
    pdf.set_draw_color(*colour)
    pdf.set_line_width(0.3)
    pdf.rect(x, y, width, 3.8, style="D", round_corners=True, corner_radius=1.2)
    pdf.set_text_color(*colour)
    pdf.set_xy(x, y)
    pdf.cell(width, 3.8, label, align=Align.C)


def _steps(pdf: PlanDocument, gv: GoalView, field: str, as_of: date) -> None:
    if not gv.steps:
        pdf.label_value("Steps", "None recorded yet")
        return
    label_w = 34
    pdf.style("body")
    first_h = pdf.text_height(gv.steps[0].text, pdf.epw - label_w - 6)
    pdf.keep(first_h + 5)
    pdf.style("label")
    pdf.set_xy(pdf.l_margin, pdf.y + 0.35)
    pdf.cell(label_w, LINE, "STEPS")
    pdf.set_y(pdf.y - 0.35)
    for step in gv.steps:
        overdue = not step.completed_on and step.due_on is not None and step.due_on < as_of
        when = (
            f"done {short_date(step.completed_on)}"
            if step.completed_on
            else (
                f"overdue: was due {short_date(step.due_on)}, not done by {short_date(as_of)}"
                if overdue and step.due_on
                else (f"due {short_date(step.due_on)}" if step.due_on else "not yet done")
            )
        )
        pdf.style("body")
        h = pdf.text_height(step.text, pdf.epw - label_w - 6)
        pdf.keep(h + 5)
        y = pdf.y
        pdf.set_xy(pdf.l_margin + label_w, y)
        pdf.set_text_color(*(GOOD if step.done else MUTED))
        pdf.set_font(fonts.FAMILY, "B", BODY_SIZE)
        pdf.cell(6, LINE, "✓" if step.done else "○")
        pdf.style("body")
        pdf.current_field = f"{field} step"
        pdf.multi_cell(
            pdf.epw - label_w - 6, LINE, step.text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.set_x(pdf.l_margin + label_w + 6)
        pdf.style("muted")
        if overdue:
            pdf.style("bold")
            pdf.set_font_size(SMALL)
            pdf.set_text_color(*BAD)
        pdf.cell(pdf.epw - label_w - 6, 3.8, when[0].upper() + when[1:], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(0.8)
    pdf.current_field = "text"
    pdf.ln(0.6)


def _interventions(pdf: PlanDocument, gv: GoalView) -> None:
    if not gv.interventions:
        pdf.label_value("Interventions", "None planned yet")
        return
    lines = [clinical.intervention_text(i) for i in gv.interventions]
    pdf.label_value("Interventions", "\n".join(lines), field="intervention")


BODY_SIZE = 9.5


# reviews and signatures ------------------------------------------------------------------


def _reviews(pdf: PlanDocument, view: PlanView) -> None:
    state = view.state
    reviews = sorted(state.reviews, key=lambda r: (r.held_on, r.recorded_at))
    intro = f"Reviews are due every {state.review_every_days} days." + (
        f" Next review due {long_date(state.next_review_on)}." if state.next_review_on else ""
    )
    headings = ["Held on", "Summary", "Next review", "Recorded by"]
    widths = _widths(pdf, [24, None, 24, 34])
    rows = [
        [
            short_date(r.held_on),
            r.summary or "—",
            short_date(r.next_review_on) if r.next_review_on else "—",
            f"{r.actor}, {r.recorded_at[:10]}",
        ]
        for r in reviews
    ]
    table_h = pdf.table_start_height(headings, rows, widths, 8.5) if rows else 8
    pdf.section("Review history", follow=pdf.text_block_height(intro) + 2 + table_h)
    pdf.style("muted")
    pdf.paragraph(intro)
    pdf.ln(2)
    if not rows:
        pdf.style("body")
        pdf.paragraph("No review has been held yet.")
        return
    pdf.data_table(headings, rows, widths, field="review", size=8.5)


def _signer_roles(view: PlanView) -> list[str]:
    """Client and clinician always; the guardian when the plan has one; a supervisor who signed."""
    roles = ["client"]
    if view.state.guardian_name or view.latest_signature("guardian"):
        roles.append("guardian")
    roles.append("clinician")
    if view.latest_signature("supervisor"):
        roles.append("supervisor")
    return roles


def _signatures(pdf: PlanDocument, view: PlanView) -> None:
    roles = _signer_roles(view)
    latest = [s for s in (view.latest_signature(r) for r in roles) if s is not None]
    backing = goalplan.participation_signature(view.state)
    if backing is not None:
        who = "the client" if backing.role == "client" else "the client's guardian"
        intro = (
            f"The client took part in setting these goals; {who} signed the plan on "
            f"{long_date(backing.signed_on)}. Each signature below approves the plan as it stood at the log "
            "version named with it."
        )
    else:
        intro = (
            "No client or guardian signature is recorded yet. Each signature below approves the plan as it "
            "stood at the log version named with it; sign on the line where one is still missing."
        )
    stale = [s for s in latest if not s.current]
    pdf.section("Signatures", follow=pdf.text_block_height(intro) + 4 + 42 + (14 if stale else 0))
    pdf.style("muted")
    pdf.paragraph(intro, field="signature")
    pdf.ln(3)
    if stale:
        _changed_banner(pdf, view, stale)
    col_w = (pdf.epw - 12) / 2
    for pair in (roles[i : i + 2] for i in range(0, len(roles), 2)):
        pdf.keep(max(_signature_height(pdf, view, role, col_w) for role in pair) + 2)
        top = pdf.y
        bottom = top
        for i, role in enumerate(pair):
            x = pdf.l_margin + i * (col_w + 12)
            bottom = max(bottom, _signature_box(pdf, view, role, x, top, col_w))
        pdf.set_xy(pdf.l_margin, bottom + 4)
    earlier = [s for s in view.signatures if s not in latest]
    if earlier:
        pdf.style("muted")
        pdf.paragraph(
            "Earlier signatures in the log: "
            + "; ".join(
                f"{s.role} {s.name} on {short_date(s.signed_on)} (approved version {s.version}, "
                f"recorded by {s.recorded_by})"
                for s in earlier
            )
            + ".",
            field="signature",
        )
    pdf.ln(2)
    copies = view.state.copies_given
    pdf.label_value(
        "Plan given",
        "; ".join(
            f"to {c.given_to} on {long_date(c.given_on)}"
            + (f" ({c.method})" if c.method else "")
            + (f", log version {c.plan_version}" if c.plan_version else "")
            for c in copies
        ),
        field="plan given",
        required=True,
    )


def _changed_banner(pdf: PlanDocument, view: PlanView, stale: list[SignatureView]) -> None:
    version = view.fingerprint.version
    roles = " and ".join(f"the {s.role}'s (version {s.version})" for s in stale)
    verb = (
        "signatures approve earlier versions" if len(stale) > 1 else "signature approves an earlier version"
    )
    text = (
        f"The plan has changed since it was signed. This copy shows log version {version}; {roles} "
        f"{verb}. The changes since have not been signed."
    )
    pdf.style("bold")
    height = pdf.text_height(text, pdf.epw - 8) + 5
    pdf.keep(height + 2)
    top = pdf.y
    pdf.set_fill_color(251, 236, 234)
    pdf.rect(pdf.l_margin, top, pdf.epw, height, style="F")
    pdf.set_fill_color(*BAD)
    pdf.rect(pdf.l_margin, top, 1.2, height, style="F")
    pdf.set_xy(pdf.l_margin + 5, top + 2.5)
    pdf.set_text_color(*BAD)
    pdf.multi_cell(pdf.epw - 8, LINE, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(top + height + 3)
    pdf.style("body")


def _signed_lines(sig: SignatureView) -> list[tuple[str, str]]:
    """(style, text) lines under a recorded signature."""
    status = (
        ("good", "Current: the plan has not changed since")
        if sig.current
        else ("bad", f"Not current: {sig.changed_since} change(s) to the plan since")
    )
    return [
        ("bold", sig.name),
        ("body", sig.credentials),
        ("muted", f"Signed {long_date(sig.signed_on)}, approving log version {sig.version}"),
        ("muted", f"Recorded in the log by {sig.recorded_by}, {sig.recorded_at}"),
        status,
    ]


def _line_style(pdf: PlanDocument, style: str) -> None:
    if style in ("good", "bad"):
        pdf.style("bold")
        pdf.set_text_color(*(GOOD if style == "good" else BAD))
    else:
        pdf.style(style)


def _signature_height(pdf: PlanDocument, view: PlanView, role: str, w: float) -> float:
    sig = view.latest_signature(role)
    if sig is None:
        return 40.0
    height = 12.0
    for style, text in _signed_lines(sig):
        if text:
            _line_style(pdf, style)
            height += pdf.text_height(text, w, 4.2) + 0.6
    pdf.style("body")
    return height


def _signature_box(pdf: PlanDocument, view: PlanView, role: str, x: float, y: float, w: float) -> float:
    """A recorded signature is printed as text (never as imitation handwriting); a role not yet
    signed gets lines to sign on."""
    sig = view.latest_signature(role)
    pdf.set_xy(x, y)
    pdf.style("label")
    pdf.cell(w, 4, role.upper())
    if sig is not None:
        pdf.set_xy(x, y + 5)
        pdf.style("muted")
        pdf.cell(w, 4, "Signature recorded in the plan's log")
        pdf.set_draw_color(*INK)
        pdf.set_line_width(0.3)
        pdf.line(x, y + 10, x + w, y + 10)
        yy = y + 11.5
        pdf.current_field = f"{role} signature"
        for style, text in _signed_lines(sig):
            if not text:
                continue
            _line_style(pdf, style)
            pdf.set_xy(x, yy)
            pdf.multi_cell(w, 4.2, text, align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)
            yy = pdf.y + 0.6
        pdf.current_field = "text"
        pdf.style("body")
        return yy
    state = view.state
    line_y = y + 17
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.line(x, line_y, x + w, line_y)
    pdf.set_xy(x, line_y + 1.5)
    pdf.style("muted")
    pdf.cell(w, 4, "Signature")
    name = {"client": state.client_name, "guardian": state.guardian_name, "clinician": _clinician(state)}.get(
        role, ""
    )
    pdf.current_field = f"{role} name"
    for i, label in enumerate(("Name", "Date")):
        ly = line_y + 12 + i * 9
        pdf.set_draw_color(*MUTED)
        pdf.set_line_width(0.2)
        pdf.line(x + 12, ly, x + w, ly)
        pdf.set_xy(x, ly - 4.5)
        pdf.cell(12, 4, label)
        if label == "Name":
            pdf.style("body")
            pdf.set_xy(x + 13, ly - 4.8)
            pdf.cell(w - 13, 4.5, pdf.fit(name, w - 13))
            pdf.style("muted")
    pdf.current_field = "text"
    return line_y + 23


# appendix --------------------------------------------------------------------------------


def _revisions(pdf: PlanDocument, view: PlanView) -> None:
    pdf.add_page()
    pdf.section("Appendix: revision history", follow=30)
    pdf.style("muted")
    pdf.paragraph(
        "Every change to each goal as recorded in the plan's log: when (UTC), by whom, the field's old and "
        "new value, and the reason given. Recorded progress values appear in the charts, not here."
    )
    pdf.ln(3)
    widths = _widths(pdf, [20, 25, 21, None, None, None])
    for gv in sorted(view.goals, key=lambda gv: int(gv.number)):
        rows = [[r.when, r.who, r.change, r.old, r.new, r.why] for r in gv.revisions]
        pdf.style("muted")
        statement_h = pdf.text_height(shortened(gv.goal.statement), pdf.epw - 20, 4.4)
        table_h = pdf.table_start_height(REVISION_HEADINGS, rows, widths, 7.4) if rows else 6
        pdf.keep(statement_h + 1.5 + table_h + 1)
        pdf.start_section(f"Revisions of goal {gv.number}", level=1)
        pdf.style("h3")
        pdf.cell(20, 5, f"Goal {gv.number}")
        pdf.style("muted")
        pdf.current_field = f"goal {gv.number} statement"
        pdf.multi_cell(
            pdf.epw - 20,
            4.4,
            shortened(gv.goal.statement),
            align=Align.L,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.current_field = "text"
        pdf.ln(1.5)
        if rows:
            pdf.data_table(REVISION_HEADINGS, rows, widths, field="revision", size=7.4)
        else:
            pdf.paragraph("No changes recorded.")
        pdf.ln(4)


def _auditor_appendix(pdf: PlanDocument, view: PlanView, missing: list[tuple[str, str]]) -> None:
    """For auditors: the fingerprint, how to check a copy against the log, and anything not drawn."""
    fp = view.fingerprint
    pdf.section("Appendix for auditors: checking this document against the log", follow=40)
    pdf.style("body")
    if view.log.integrity_warning:
        pdf.paragraph(
            f"{view.log.integrity_warning} The values below describe a log that did not verify; "
            "they do not show that this document matches an unaltered record."
        )
    pdf.paragraph(
        "Every page's footer names the log this document was made from. The same log always gives the "
        "same document, byte for byte. To check a printed copy, compare these values with the output of "
        "'goalplan plan show PLAN --json' (plan_id, version, head_hash) and run 'goalplan verify PLAN', "
        "which re-computes the hash chain. 'goalplan export PLAN --format pdf --version N' prints the "
        "plan again exactly as it stood at log version N."
    )
    pdf.ln(2)
    for label, value in (
        ("Plan id", fp.plan_id),
        ("Log version", str(fp.version)),
        ("Head hash", fp.head_hash),
        ("Last recorded", view.made_at),
    ):
        pdf.label_value(label, value, label_width=34)
    if not missing:
        return
    pdf.ln(3)
    pdf.style("h3")
    pdf.keep(20)
    pdf.cell(pdf.epw, 6, "Characters this document could not draw", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.style("muted")
    pdf.paragraph(
        f"No available font has these characters; each is printed as {fonts.REPLACEMENT} where it occurs. "
        "The log keeps the text as recorded."
    )
    pdf.ln(1.5)
    rows = [
        [where, fonts.describe(char).replace(repr(char), "").replace("  ", " ")] for where, char in missing
    ]
    pdf.data_table(["Where", "Character"], rows, _widths(pdf, [None, 80]), field="missing character")
