"""A progress chart drawn with fpdf2's own lines and text: values over time, baseline and
target as reference lines, the target date marked, and the latest values beside it."""

from __future__ import annotations

import itertools
import math
import re
from datetime import date, timedelta

from fpdf.enums import Align

import goalplan
from goalplan_pdf import fonts
from goalplan_pdf.document import ACCENT, GOOD, INK, MUTED, RULE, PlanDocument
from goalplan_pdf.model import GoalView
from goalplan_pdf.wording import MONTHS, measure_label, number, short_date, unit_for, with_unit

CHART_HEIGHT = 58.0
PANEL_WIDTH = 50.0
MARKERS_UP_TO = 45
MARKER_RADIUS = 0.75


def nice_step(span: float, count: int = 5) -> float:
    raw = span / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def unit_bounds(unit: str) -> tuple[float | None, float | None]:
    """The range a unit allows, where it says: "0-10 rating", "days per week" (0 to 7), "%"."""
    text = unit.lower()
    scale = re.search(r"(-?\d+(?:\.\d+)?)\s*[-–]\s*(\d+(?:\.\d+)?)", text)
    if scale:
        return float(scale.group(1)), float(scale.group(2))
    if re.search(r"\b(days?|nights?)\b.*\b(per|a|each)\s+week\b", text):
        return 0.0, 7.0
    if re.search(r"\bhours?\b.*\b(per|a|each)\s+(day|night)\b", text):
        return 0.0, 24.0
    if "%" in text or "percent" in text:
        return 0.0, 100.0
    return None, None


def value_axis(
    values: list[float], bounds: tuple[float | None, float | None] = (None, None)
) -> tuple[float, float, list[float]]:
    """Axis range and ticks: whole-number ticks for whole-number data (no half a gathering), and
    never past what the unit allows (no eighth day in a week)."""
    low, high = min(values), max(values)
    if high == low:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad
    if min(values) >= 0 and low < 0:
        low = 0.0
    step = nice_step(high - low)
    if all(float(v).is_integer() for v in values):
        step = max(1.0, math.ceil(step))
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    lowest, highest = bounds
    if lowest is not None and first < lowest <= min(values):
        first = lowest
    if highest is not None and last > highest >= max(values):
        last = highest
    ticks = [first + i * step for i in range(round((last - first) / step) + 1)]
    ticks = [t for t in ticks if t <= last + 1e-9]
    if ticks[-1] < last - 1e-9:
        ticks.append(last)
    return first, last, ticks


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def date_ticks(start: date, end: date) -> list[tuple[date, str]]:
    """Month (or week, for short spans) ticks, the year written where it first appears."""
    span = (end - start).days
    if span <= 70:
        step = 7 if span <= 42 else 14
        first = start + timedelta(days=(7 - start.weekday()) % 7)
        days = [first + timedelta(days=step * i) for i in range(span // step + 2)]
        return [(d, f"{d.day} {MONTHS[d.month - 1]}") for d in days if start <= d <= end]
    months = span / 30.4
    step = next((m for m in (1, 2, 3, 6, 12, 24) if months / m <= 7), 48)
    tick = _add_months(date(start.year, start.month, 1), 0 if start.day == 1 else 1)
    while (tick.month - 1) % step:
        tick = _add_months(tick, 1)
    ticks: list[tuple[date, str]] = []
    last_year = None
    while tick <= end:
        label = MONTHS[tick.month - 1]
        if tick.year != last_year:
            label = f"{label} {tick.year}"
            last_year = tick.year
        ticks.append((tick, label))
        tick = _add_months(tick, step)
    return ticks


def draw_progress(pdf: PlanDocument, view: GoalView) -> None:
    """Chart and latest-values panel, kept together on one page; then each earlier measure's
    values on a chart of their own."""
    measure = view.goal.measure
    assert measure is not None
    pdf.keep(CHART_HEIGHT + 4)
    top = pdf.y
    chart_w = pdf.epw - PANEL_WIDTH - 6
    caption = measure_label(measure.name, measure.unit).upper()
    target = view.goal.target_date
    _chart(pdf, measure, view.points, target, caption, pdf.l_margin, top, chart_w, CHART_HEIGHT)
    _panel(pdf, view, pdf.l_margin + chart_w + 6, top, PANEL_WIDTH, CHART_HEIGHT)
    pdf.set_xy(pdf.l_margin, top + CHART_HEIGHT + 3)
    for series in view.goal.earlier_series:
        if not series.progress:
            continue
        height = CHART_HEIGHT * 0.8
        pdf.keep(height + 4)
        top = pdf.y
        until = short_date(date.fromisoformat(series.replaced_at[:10]))
        caption = (
            f"EARLIER MEASURE, UNTIL {until.upper()}: "
            + measure_label(series.measure.name, series.measure.unit).upper()
        )
        points = sorted(series.progress, key=lambda p: (p.observed_on, p.recorded_at))
        _chart(pdf, series.measure, points, None, caption, pdf.l_margin, top, chart_w, height)
        pdf.set_xy(pdf.l_margin, top + height + 3)
    pdf.style("body")


def _date_range(points: list[goalplan.ProgressPoint], target: date | None) -> tuple[date, date]:
    """From the first value to the last (or the target date, if later): not from when the plan was
    opened or the goal recorded, which would squeeze the values into a corner."""
    days = [p.observed_on for p in points]
    if target is not None:
        days.append(target)
    start, end = min(days), max(days)
    if (end - start).days < 14:
        start, end = start - timedelta(days=7), end + timedelta(days=7)
    pad = timedelta(days=max(1, round((end - start).days * 0.03)))
    return start - pad, end + pad


def _chart(
    pdf: PlanDocument,
    measure: goalplan.Measure,
    points: list[goalplan.ProgressPoint],
    target_date: date | None,
    caption: str,
    x: float,
    y: float,
    w: float,
    h: float,
) -> None:
    left, right, top, bottom = x + 11, x + w - 17, y + 8, y + h - 9

    # the caption names what is measured and its unit: the y axis label
    pdf.style("label")
    pdf.set_xy(x, y)
    pdf.cell(w, 4, pdf.fit(caption, w))

    values = [p.value for p in points] + [measure.baseline, measure.target]
    low, high, ticks = value_axis(values, unit_bounds(measure.unit))
    if points:
        start, end = _date_range(points, target_date)
    else:
        # nothing recorded yet: a frame around the target date, which may already have passed
        anchor = target_date or date(2000, 1, 1)
        start, end = anchor - timedelta(days=42), anchor + timedelta(days=14)
    total = max((end - start).days, 1)

    def px(day: date) -> float:
        return left + (right - left) * (day - start).days / total

    def py(value: float) -> float:
        return bottom - (bottom - top) * (value - low) / (high - low)

    # grid and value ticks
    pdf.set_line_width(0.15)
    pdf.set_draw_color(*RULE)
    pdf.set_font(fonts.FAMILY, "", 6.3)
    pdf.set_text_color(*MUTED)
    for tick in ticks:
        pdf.line(left, py(tick), right, py(tick))
        pdf.set_xy(x, py(tick) - 1.6)
        pdf.cell(left - x - 1.5, 3.2, number(tick), align=Align.R)
    # date ticks
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.25)
    pdf.line(left, bottom, right, bottom)
    if points or target_date:
        for day, label in date_ticks(start, end):
            pdf.line(px(day), bottom, px(day), bottom + 1.2)
            pdf.set_xy(px(day) - 12, bottom + 1.6)
            pdf.cell(24, 3.2, label, align=Align.C)

    # reference lines: baseline, target, target date
    pdf.set_line_width(0.35)
    pdf.set_dash_pattern(dash=1.6, gap=1.0)
    pdf.set_draw_color(*MUTED)
    pdf.line(left, py(measure.baseline), right, py(measure.baseline))
    pdf.set_draw_color(*GOOD)
    pdf.line(left, py(measure.target), right, py(measure.target))
    if target_date and start <= target_date <= end:
        pdf.set_dash_pattern(dash=0.5, gap=0.8)
        pdf.set_draw_color(*ACCENT)
        pdf.line(px(target_date), top - 1.2, px(target_date), bottom)
    pdf.set_dash_pattern()
    yb, yt = py(measure.baseline), py(measure.target)
    if abs(yb - yt) < 3.4:  # keep the two labels from overprinting
        mid, sign = (yb + yt) / 2, 1 if yb > yt else -1
        yb, yt = mid + sign * 1.7, mid - sign * 1.7
    _reference_label(pdf, f"Baseline {number(measure.baseline)}", right + 1.5, yb, colour=MUTED)
    _reference_label(pdf, f"Target {number(measure.target)}", right + 1.5, yt, colour=GOOD)
    if target_date and start <= target_date <= end:
        pdf.set_font(fonts.FAMILY, "B", 6.3)
        pdf.set_text_color(*ACCENT)
        label = f"Target date {short_date(target_date)}"
        width = pdf.get_string_width(label) + 1
        # the label stays inside the chart's box, whichever edge the date is near
        lx = min(max(px(target_date) - width / 2, left), x + w - width)
        pdf.set_xy(lx, top - 4.2)
        pdf.cell(width, 3, label, align=Align.L)

    if not points:
        pdf.set_font(fonts.FAMILY, "I", 8)
        pdf.set_text_color(*MUTED)
        pdf.set_xy(left, (top + bottom) / 2 - 2)
        pdf.cell(right - left, 4, "No values recorded yet", align=Align.C)
        return

    # the values
    coords = [(px(p.observed_on), py(p.value)) for p in points]
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.55)
    if len(coords) > 1:
        pdf.polyline(coords)
    pdf.set_line_width(0.3)
    if _markers_fit(coords):
        pdf.set_fill_color(255, 255, 255)
        for cx, cy in coords[:-1]:
            pdf.circle(cx, cy, MARKER_RADIUS, style="FD")
    pdf.set_fill_color(*ACCENT)
    pdf.circle(coords[-1][0], coords[-1][1], 1.0, style="FD")
    pdf.set_text_color(*INK)


def _markers_fit(coords: list[tuple[float, float]]) -> bool:
    """Open markers only where they do not overlap: dense series are drawn as a line."""
    gaps = [math.dist(a, b) for a, b in itertools.pairwise(coords)]
    return len(coords) <= MARKERS_UP_TO and all(gap >= 2 * MARKER_RADIUS + 0.4 for gap in gaps)


def _reference_label(
    pdf: PlanDocument, text: str, x: float, y: float, *, colour: tuple[int, int, int]
) -> None:
    """Label a reference line in the gutter right of the plot, where no value can hide it."""
    pdf.set_font(fonts.FAMILY, "", 6.3)
    pdf.set_text_color(*colour)
    pdf.set_xy(x, y - 1.5)
    pdf.cell(15, 3, text, align=Align.L)


def _panel(pdf: PlanDocument, view: GoalView, x: float, y: float, w: float, h: float) -> None:
    measure, points = view.goal.measure, view.points
    assert measure is not None
    pdf.set_fill_color(246, 248, 249)
    pdf.rect(x, y, w, h, style="F")
    inner = x + 4
    width = w - 8
    pdf.set_xy(inner, y + 3.5)
    pdf.style("label")
    pdf.cell(width, 3.5, "LATEST")
    pdf.set_xy(inner, y + 7.5)
    if not points:
        pdf.style("muted")
        pdf.multi_cell(width, 3.8, "Nothing recorded yet.", align=Align.L)
        _panel_reference(pdf, view, inner, y + 18, width)
        return
    latest = points[-1]
    pdf.set_font(fonts.FAMILY, "B", 17)
    pdf.set_text_color(*ACCENT)
    value = number(latest.value)
    pdf.cell(pdf.get_string_width(value) + 1.5, 8, value)
    pdf.set_font(fonts.FAMILY, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.current_field = f"goal {view.number} unit"
    pdf.set_xy(pdf.get_x(), y + 9.6)
    pdf.cell(width - pdf.get_string_width(value) - 1.5, 4, unit_for(latest.value, measure.unit))
    pdf.current_field = "text"
    pdf.set_xy(inner, y + 16)
    pdf.style("muted")
    pdf.cell(width, 3.6, f"on {short_date(latest.observed_on)}")
    yy = _panel_reference(pdf, view, inner, y + 21.5, width)
    pdf.set_xy(inner, yy + 1.5)
    pdf.style("label")
    pdf.cell(width, 3.5, "RECENT VALUES")
    pdf.set_font(fonts.FAMILY, "", 7.2)
    pdf.set_text_color(*INK)
    room = int((y + h - 3 - (yy + 5.5)) // 3.5)
    for i, point in enumerate(reversed(points[-max(room, 1) :])):
        pdf.set_xy(inner, yy + 5.5 + i * 3.5)
        pdf.cell(width * 0.62, 3.5, short_date(point.observed_on))
        pdf.cell(width * 0.38, 3.5, number(point.value), align=Align.R)


def _panel_reference(pdf: PlanDocument, view: GoalView, x: float, y: float, width: float) -> float:
    measure = view.goal.measure
    assert measure is not None
    pdf.set_xy(x, y)
    pdf.set_font(fonts.FAMILY, "", 7.2)
    pdf.set_text_color(*INK)
    pdf.cell(width, 3.5, f"Baseline {with_unit(measure.baseline, '')}   Target {number(measure.target)}")
    # how far along, the trend and the outlook are in the strip beneath the chart
    return y + 4.5
