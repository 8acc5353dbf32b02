"""Drawing the analytics: the outlook strip under a goal's chart, and the Measures section with
each instrument's course across its severity bands and the Goal Attainment Scaling table."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf.enums import Align, XPos, YPos

from goalplan_pdf import fonts
from goalplan_pdf.document import ACCENT, INK, MUTED, PANEL, SMALL, TINT, TONES, PlanDocument
from goalplan_pdf.model import PlanView
from goalplan_pdf.outcomes import GasView, MeasureView, Metric
from goalplan_pdf.wording import long_date, number, shortened

T_BAND = 14.0
TILE_GAP = 1.6
TILE_PAD = 4.6
VALUE_SIZE = 9.5
NOTE_SIZE = 6.2
NOTE_LINE = 2.9
BAR_WIDTH = 80.0
BAR_HEIGHT = 4.2
FACT_LABEL = 29.0
GAS_HEADINGS = ["No.", "Goal, in the client's words", "Weight", "First scored", "Latest"]


# the outlook strip beneath a goal's chart ------------------------------------------------


def _tile_widths(pdf: PlanDocument, metrics: Sequence[Metric]) -> list[float]:
    """Each tile as wide as its longest line, the room left shared out evenly (or, when the row is
    too full, every tile narrowed in proportion and its note wrapped)."""
    natural = []
    for m in metrics:
        pdf.style("label")
        label = pdf.get_string_width(m.label.upper())
        pdf.set_font(fonts.FAMILY, "B", VALUE_SIZE)
        value = pdf.get_string_width(m.value)
        pdf.set_font(fonts.FAMILY, "", NOTE_SIZE)
        note = pdf.get_string_width(m.note)
        natural.append(max(label, value, note) + TILE_PAD + 0.6)
    pdf.style("body")
    room = pdf.epw - TILE_GAP * (len(metrics) - 1)
    total = sum(natural)
    if total <= room:
        return [w + (room - total) / len(metrics) for w in natural]
    return [w * room / total for w in natural]


def outlook_height(pdf: PlanDocument, metrics: Sequence[Metric]) -> float:
    if not metrics:
        return 0.0
    widths = _tile_widths(pdf, metrics)
    pdf.set_font(fonts.FAMILY, "", NOTE_SIZE)
    notes = max(
        pdf.text_height(m.note, w - TILE_PAD, NOTE_LINE) if m.note else 0.0
        for m, w in zip(metrics, widths, strict=True)
    )
    pdf.style("body")
    return 11.5 + notes + 2.2


def draw_outlook(pdf: PlanDocument, metrics: Sequence[Metric], field: str) -> None:
    """One tile per known figure, in a row the width of the chart and its panel."""
    if not metrics:
        return
    height = outlook_height(pdf, metrics)
    pdf.keep(height)
    top, x = pdf.y, pdf.l_margin
    for metric, tile in zip(metrics, _tile_widths(pdf, metrics), strict=True):
        pdf.set_fill_color(*PANEL)
        pdf.rect(x, top, tile, height, style="F")
        colour = TONES.get(metric.tone, INK)
        if metric.tone != "plain":
            pdf.set_fill_color(*colour)
            pdf.rect(x, top, 0.9, height, style="F")
        pdf.current_field = f"{field} {metric.label.lower()}"
        pdf.set_xy(x + 2.8, top + 2.2)
        pdf.style("label")
        pdf.cell(tile - TILE_PAD, 3.2, metric.label.upper())
        pdf.set_xy(x + 2.8, top + 5.6)
        pdf.set_font(fonts.FAMILY, "B", VALUE_SIZE)
        pdf.set_text_color(*colour)
        pdf.cell(tile - TILE_PAD, 4.6, metric.value)
        if metric.note:
            pdf.set_xy(x + 2.8, top + 10.6)
            pdf.set_font(fonts.FAMILY, "", NOTE_SIZE)
            pdf.set_text_color(*MUTED)
            pdf.multi_cell(tile - TILE_PAD, NOTE_LINE, metric.note, align=Align.L)
        x += tile + TILE_GAP
    pdf.current_field = "text"
    pdf.set_xy(pdf.l_margin, top + height)
    pdf.style("body")


# the Measures section ---------------------------------------------------------------------


def draw_measures(pdf: PlanDocument, view: PlanView) -> None:
    """Instruments and GAS; nothing at all when the plan has neither."""
    if not view.measures and view.gas is None:
        return
    intro = (
        f"Standardised questionnaire scores and goal attainment levels, as recorded up to "
        f"{long_date(view.as_of)}."
    )
    if view.measures:
        intro += (
            " A Reliable Change Index (Jacobson & Truax, 1991) beyond ±1.96 means the change from the first "
            "to the latest score is larger than the questionnaire's measurement error."
        )
    first_h = _instrument_height(pdf, view.measures[0]) if view.measures else 40
    pdf.section("Measures", follow=pdf.text_block_height(intro) + 3 + first_h)
    pdf.style("muted")
    pdf.paragraph(intro)
    pdf.ln(3)
    for measure in view.measures:
        _instrument(pdf, measure)
    if view.gas is not None:
        _gas(pdf, view.gas)


def _fact_rows_height(pdf: PlanDocument, facts: Sequence[tuple[str, str]], width: float) -> float:
    pdf.set_font(fonts.FAMILY, "", 8.2)
    height = sum(pdf.text_height(v, width - FACT_LABEL, 3.9) + 1.1 for _, v in facts)
    pdf.style("body")
    return height


def _instrument_height(pdf: PlanDocument, m: MeasureView) -> float:
    facts_w = pdf.epw - (BAR_WIDTH + 9 if m.bands else 0)
    body = max(_fact_rows_height(pdf, m.facts, facts_w), 24.0 if m.bands else 0.0)
    return 8.5 + body + 6


def _instrument(pdf: PlanDocument, m: MeasureView) -> None:
    pdf.keep(_instrument_height(pdf, m))
    top = pdf.y
    pdf.start_section(m.name, level=1)
    pdf.style("h3")
    pdf.current_field = f"instrument {m.key} name"
    pdf.cell(pdf.get_string_width(m.name) + 3, 5.5, m.name)
    pdf.style("muted")
    pdf.current_field = f"instrument {m.key} scores"
    pdf.cell(
        pdf.epw - pdf.get_string_width(m.name) - 3, 5.5, f"· {m.span}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    body_top = top + 8.5
    facts_x = pdf.l_margin
    bottom = body_top
    if m.bands and m.minimum is not None and m.maximum is not None:
        bottom = _band_bar(pdf, m, pdf.l_margin, body_top, BAR_WIDTH)
        facts_x = pdf.l_margin + BAR_WIDTH + 9
    y = body_top
    width = pdf.l_margin + pdf.epw - facts_x
    for label, value in m.facts:
        pdf.set_xy(facts_x, y + 0.3)
        pdf.style("label")
        pdf.cell(FACT_LABEL, 3.9, label.upper())
        pdf.set_xy(facts_x + FACT_LABEL, y)
        pdf.set_font(fonts.FAMILY, "B" if label == "Reliable change" else "", 8.2)
        pdf.set_text_color(*(TONES.get(m.tone, INK) if label == "Reliable change" else INK))
        pdf.current_field = f"instrument {m.key} {label.lower()}"
        pdf.multi_cell(width - FACT_LABEL, 3.9, value, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        y = pdf.y + 1.1
    pdf.current_field = "text"
    pdf.set_xy(pdf.l_margin, max(y, bottom) + 5)
    pdf.style("body")


def _shade(i: int, count: int) -> tuple[int, int, int]:
    """From the accent's tint (mildest band) toward a stronger teal-grey (most severe)."""
    light, dark = TINT, (150, 180, 188)
    t = i / max(count - 1, 1)
    return (
        round(light[0] + (dark[0] - light[0]) * t),
        round(light[1] + (dark[1] - light[1]) * t),
        round(light[2] + (dark[2] - light[2]) * t),
    )


def _band_bar(pdf: PlanDocument, m: MeasureView, x: float, y: float, w: float) -> float:
    """The instrument's range as its severity bands, first and latest score marked; returns the bottom."""
    assert m.minimum is not None and m.maximum is not None
    low, high = m.minimum, m.maximum

    def px(value: float) -> float:
        return x + w * (min(max(value, low), high) - low) / (high - low)

    bar_y = y + 6.2
    edges = [low] + [(a.high + b.low) / 2 for a, b in zip(m.bands, m.bands[1:], strict=False)] + [high]
    latest_band = next((b for b in m.bands if b.low <= m.latest <= b.high), None)
    label_bottom = bar_y + BAR_HEIGHT
    for i, band in enumerate(m.bands):
        x0, x1 = px(edges[i]), px(edges[i + 1])
        pdf.set_fill_color(*_shade(i, len(m.bands)))
        pdf.rect(x0, bar_y, x1 - x0, BAR_HEIGHT, style="F")
        if i:
            pdf.set_draw_color(255, 255, 255)
            pdf.set_line_width(0.4)
            pdf.line(x0, bar_y, x0, bar_y + BAR_HEIGHT)
        current = band is latest_band
        pdf.set_font(fonts.FAMILY, "B" if current else "", 5.9)
        pdf.set_text_color(*(INK if current else MUTED))
        pdf.current_field = f"instrument {m.key} band"
        pdf.set_xy(x0, bar_y + BAR_HEIGHT + 1.0)
        pdf.multi_cell(x1 - x0, 2.6, band.label, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(fonts.FAMILY, "", 5.6)
        pdf.set_text_color(*MUTED)
        span = number(band.low) if band.low == band.high else f"{number(band.low)}–{number(band.high)}"
        pdf.set_x(x0)
        pdf.cell(x1 - x0, 2.6, span, align=Align.C)
        label_bottom = max(label_bottom, pdf.y + 2.6)
    pdf.current_field = "text"

    mid = bar_y + BAR_HEIGHT / 2
    fx, lx = px(m.first), px(m.latest)
    if abs(lx - fx) > 2.2:  # the arrow from the first score to the latest
        direction = 1 if lx > fx else -1
        pdf.set_draw_color(*INK)
        pdf.set_line_width(0.35)
        pdf.line(fx + direction * 1.0, mid, lx - direction * 2.3, mid)
        pdf.set_fill_color(*INK)
        tip = lx - direction * 1.2
        pdf.polygon(
            [(tip, mid), (tip - direction * 1.5, mid - 0.9), (tip - direction * 1.5, mid + 0.9)], style="F"
        )
    pdf.set_line_width(0.35)
    pdf.set_draw_color(*ACCENT)
    if m.first != m.latest:
        pdf.set_fill_color(255, 255, 255)
        pdf.circle(fx, mid, 0.95, style="FD")
    pdf.set_fill_color(*ACCENT)
    pdf.circle(lx, mid, 1.15, style="FD")

    # the two scores above the bar, pushed apart when they would touch
    labels = [(lx, f"Latest {number(m.latest)}", True)]
    if m.first != m.latest:
        labels.append((fx, f"First {number(m.first)}", False))
    widths, starts = [], []
    for cx, text, strong in labels:
        pdf.set_font(fonts.FAMILY, "B" if strong else "", 6.4)
        widths.append(float(pdf.get_string_width(text)))
        starts.append(cx - widths[-1] / 2)
    if len(labels) == 2:
        a, b = (0, 1) if labels[0][0] <= labels[1][0] else (1, 0)  # a is the left-hand label
        overlap = starts[a] + widths[a] + 1.5 - starts[b]
        if overlap > 0:
            starts[a] -= overlap / 2
            starts[b] += overlap / 2
    for (_, text, strong), start, width in zip(labels, starts, widths, strict=True):
        pdf.set_font(fonts.FAMILY, "B" if strong else "", 6.4)
        pdf.set_text_color(*(ACCENT if strong else MUTED))
        pdf.set_xy(min(max(start, x), x + w - width), y + 1.6)
        pdf.cell(width, 3, text)
    return label_bottom


# Goal Attainment Scaling -------------------------------------------------------------------


def _gas(pdf: PlanDocument, gas: GasView) -> None:
    intro = (
        "Each goal is scaled from −2 (much less than expected) to +2 (much more than expected), 0 being the "
        "expected outcome, with the level descriptions agreed for it. The Kiresuk–Sherman T-score combines "
        "the scored goals with their weights: 50 means goals were met as expected overall, and every 10 "
        "points is one standard deviation above or below."
    )
    widths = _widths(pdf, [10, None, 14, 46, 46])
    rows = [[r.number, shortened(r.statement), r.weight, r.first, r.latest] for r in gas.rows]
    # a short table is kept whole with its heading, intro and T-scores; a long one may run on
    whole = _table_height(pdf, rows, widths) + T_BAND + 5
    table_h = whole if whole < 90 else pdf.table_start_height(GAS_HEADINGS, rows, widths)
    pdf.keep(7 + pdf.text_block_height(intro) + 3 + table_h)
    pdf.ln(1)
    pdf.start_section("Goal Attainment Scaling", level=1)
    pdf.style("h3")
    pdf.cell(pdf.epw, 5.5, "Goal Attainment Scaling", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.style("muted")
    pdf.paragraph(intro)
    pdf.ln(2.5)
    pdf.data_table(GAS_HEADINGS, rows, widths, field="GAS")
    facts = [("Goals scored", gas.scored)]
    if gas.rescored and gas.first_t:
        facts.append(("T-score, first levels", gas.first_t))
        facts.append(("T-score, latest levels", gas.latest_t))
    elif gas.latest_t:
        facts.append(("T-score", gas.latest_t))
    _t_scores(pdf, facts)


def _table_height(pdf: PlanDocument, rows: Sequence[Sequence[str]], widths: Sequence[float]) -> float:
    """A data table's full height at the small size: its heading and first row, then the rest."""
    height = pdf.table_start_height(GAS_HEADINGS, rows[:1], widths)
    pdf.set_font(fonts.FAMILY, "", SMALL)
    for row in rows[1:]:
        height += max(pdf.text_height(c, w - 3, SMALL * 0.5) for c, w in zip(row, widths, strict=True)) + 2.8
    pdf.style("body")
    return height


def _t_scores(pdf: PlanDocument, facts: Sequence[tuple[str, str]]) -> None:
    height = T_BAND
    pdf.keep(height + 3)
    pdf.ln(3)
    top = pdf.y
    pdf.set_fill_color(*TINT)
    pdf.rect(pdf.l_margin, top, pdf.epw, height, style="F")
    pdf.set_fill_color(*ACCENT)
    pdf.rect(pdf.l_margin, top, 1.2, height, style="F")
    col = (pdf.epw - 8) / 3
    for i, (label, value) in enumerate(facts):
        x = pdf.l_margin + 5 + i * col
        pdf.set_xy(x, top + 2.8)
        pdf.style("label")
        pdf.cell(col, 3.5, label.upper())
        pdf.set_xy(x, top + 6.6)
        pdf.set_font(fonts.FAMILY, "B", 12 if label.startswith("T-score") else 10)
        latest = label in ("T-score", "T-score, latest levels")
        pdf.set_text_color(*(ACCENT if latest else INK))
        pdf.cell(col, 5.5, value)
    pdf.set_xy(pdf.l_margin, top + height + 2)
    pdf.style("body")


def _widths(pdf: PlanDocument, widths: list[float | None]) -> list[float]:
    fixed = sum(w for w in widths if w is not None)
    count = sum(1 for w in widths if w is None)
    return [w if w is not None else (pdf.epw - fixed) / count for w in widths]
