"""A goal's progress as inline SVG: values over time, baseline and target lines, the target date.

Drawn from the same analytics the PDF uses (``goalplan.goal_progress``). Pure: no I/O, every
text escaped, presentation attributes only (no style), so it passes the page's CSP.
"""

from __future__ import annotations

from datetime import date
from html import escape

from markupsafe import Markup

import goalplan

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40


def _number(value: float) -> str:
    return f"{value:g}"


class _Plot:
    """The frame both time-series charts share: scales, the open tag, the line and the dates."""

    def __init__(self, first: date, last: date, low: float, high: float, label: str) -> None:
        self.first, self.last, self.low, self.high = first, last, low, high
        self.span_days = max((last - first).days, 1)
        self.parts = [
            f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}" '
            'xmlns="http://www.w3.org/2000/svg">',
            f"<title>{escape(label)}</title>",
            f'<rect x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" height="{HEIGHT - TOP - BOTTOM}" '
            'fill="#ffffff" stroke="#d8dde5"/>',
        ]

    def x(self, day: date) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - self.first).days / self.span_days

    def y(self, value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (self.high - value) / (self.high - self.low)

    def finish(self, points: list[tuple[date, float]]) -> Markup:
        """The values as a line with dots, the first and last dates under it, and the end tag."""
        x, y, parts = self.x, self.y, self.parts
        line = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in points)
        parts.append(f'<polyline points="{line}" fill="none" stroke="#1f5fa8" stroke-width="2"/>')
        parts.extend(f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="3.5" fill="#1f5fa8"/>' for d, v in points)
        for day, anchor in ((self.first, "start"), (self.last, "end")):
            parts.append(
                f'<text x="{x(day):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="{anchor}" font-size="12" '
                f'fill="#5b6472">{day.isoformat()}</text>'
            )
        parts.append("</svg>")
        return Markup("".join(parts))


def goal_chart(goal: goalplan.Goal, progress: goalplan.GoalProgress) -> Markup:
    """The chart, or an empty string when there is nothing to draw (no measure or no points)."""
    measure = goal.measure
    points = sorted((p.observed_on, p.value) for p in goal.progress)
    if measure is None or not points:
        return Markup("")
    days = [d for d, _ in points]
    first = min([*days, goal.target_date] if goal.target_date else days)
    last = max([*days, goal.target_date] if goal.target_date else days)
    values = [v for _, v in points] + [measure.baseline, measure.target]
    low, high = min(values), max(values)
    if high == low:
        low, high = low - 1, high + 1
    label = (
        f"{measure.name} ({measure.unit}) from {first.isoformat()} to {last.isoformat()}: "
        f"baseline {_number(measure.baseline)}, target {_number(measure.target)}, "
        f"latest {_number(points[-1][1])} on {points[-1][0].isoformat()}"
    )
    plot = _Plot(first, last, low, high, label)
    x, y, parts = plot.x, plot.y, plot.parts
    references = ((measure.baseline, "baseline", "#5b6472"), (measure.target, "target", "#1e7a3c"))
    for value, name, colour in references:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{colour}" stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="12" fill="{colour}">'
            f"{escape(_number(value))}</text>"
        )
        parts.append(
            f'<text x="{WIDTH - RIGHT - 4}" y="{y(value) - 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{colour}">{name}</text>'
        )
    if goal.target_date:
        tx = x(goal.target_date)
        parts.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" stroke="#a3261b" '
            'stroke-dasharray="2 3"/>'
        )
    return plot.finish(points)


STATUS_COLOURS = {"on-track": "#1e7a3c", "at-risk": "#8a5a00", "off-track": "#a3261b"}


def status_chart(counts: dict[str, int]) -> Markup:
    """Horizontal bars: how many goals of a caseload are in each on-track status."""
    if not counts:
        return Markup("")
    row, label_width, width = 28, 110, 360
    most = max(counts.values()) or 1
    height = row * len(counts) + 8
    summary = ", ".join(f"{name}: {n}" for name, n in counts.items())
    parts = [
        f'<svg class="bars" viewBox="0 0 {width} {height}" role="img" aria-label="Goals by status: '
        f'{escape(summary)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>Goals by status: {escape(summary)}</title>",
    ]
    for i, (name, n) in enumerate(counts.items()):
        top = 4 + i * row
        bar = (width - label_width - 48) * n / most
        colour = STATUS_COLOURS.get(name, "#5b6472")
        parts.append(
            f'<text x="{label_width - 8}" y="{top + 17}" text-anchor="end" font-size="13" fill="#1d2430">'
            f"{escape(name.replace('-', ' '))}</text>"
        )
        parts.append(
            f'<rect x="{label_width}" y="{top + 3}" width="{bar:.1f}" height="{row - 8}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{label_width + bar + 6:.1f}" y="{top + 17}" font-size="13" fill="#1d2430">{n}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def score_chart(name: str, points: list[tuple[date, float]], remission_below: float | None = None) -> Markup:
    """An instrument's totals over time, with the remission cut-off when the instrument has one."""
    if not points:
        return Markup("")
    points = sorted(points)
    first, last = points[0][0], points[-1][0]
    values = [v for _, v in points] + ([remission_below] if remission_below is not None else [])
    low, high = min([0.0, *values]), max(values)
    if high == low:
        high = low + 1
    label = (
        f"{name} totals from {first.isoformat()} to {last.isoformat()}: first {_number(points[0][1])}, "
        f"latest {_number(points[-1][1])}"
    )
    plot = _Plot(first, last, low, high, label)
    y, parts = plot.y, plot.parts
    if remission_below is not None:
        ry = y(remission_below)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ry:.1f}" y2="{ry:.1f}" stroke="#1e7a3c" '
            'stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<text x="{WIDTH - RIGHT - 4}" y="{ry - 4:.1f}" text-anchor="end" font-size="11" fill="#1e7a3c">'
            f"remission below {escape(_number(remission_below))}</text>"
        )
    for value in (low, high):
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="12" fill="#5b6472">'
            f"{escape(_number(value))}</text>"
        )
    return plot.finish(points)
