"""The analytics the document prints, worded before any drawing: each measured goal's outlook,
each standardised instrument's course and the Goal Attainment Scaling table.

Every value comes from ``goalplan.plan_analytics`` with the date of the log's last event as
"today", so the same log always reads the same. Anything the analytics leave as None is left out
here, not printed as a dash.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date

from attrs import frozen

import goalplan
from goalplan_pdf.wording import number, short_date

ON_TRACK_LABELS = {"on-track": "On track", "at-risk": "At risk", "off-track": "Off track"}
ON_TRACK_TONES = {"on-track": "good", "at-risk": "warn", "off-track": "bad"}
ACHIEVEMENT_TONES = {
    "achieved": "good",
    "sustaining": "good",
    "improving": "good",
    "worsening": "bad",
    "no-progress": "bad",
    "not-achieved": "bad",
}
GAS_MEANINGS = {
    -2: "much less than expected",
    -1: "less than expected",
    0: "the expected outcome",
    1: "more than expected",
    2: "much more than expected",
}


def signed(value: float) -> str:
    """A change with its sign: +0.5, −0.35, 0."""
    text = number(value)
    return text if text.startswith("−") or text == "0" else f"+{text}"


def level_text(level: int) -> str:
    return "0" if level == 0 else f"{level:+d}".replace("-", "−")


@frozen
class Metric:
    """One figure of a goal's outlook: a small label, the value, an optional note beneath."""

    label: str
    value: str
    note: str = ""
    tone: str = "plain"  # plain, good, warn or bad


CLOSED_STATUSES = {
    "completed": "Completed",
    "cancelled": "Cancelled",
    "entered-in-error": "Entered in error",
    "rejected": "Rejected",
}


def goal_outlook(item: goalplan.GoalAnalytics, as_of: date, status: str = "active") -> tuple[Metric, ...]:
    """Progress to target, trend, projection, on-track and FHIR achievement; only what is known.

    A goal that is completed or cancelled is not "on track" or "off track": its status
    takes that tile, no projection is made, and no colour says it is failing.
    """
    p = item.progress
    if p.direction is None:
        return ()
    closed = status in CLOSED_STATUSES
    metrics: list[Metric] = []
    met = p.percent is not None and p.percent >= 100
    if p.percent is not None:
        if met:
            note = "target reached"
        elif p.percent < 0:
            note = "moved away from target"
        else:
            note = "from baseline"
        metrics.append(Metric("Progress to target", f"{p.percent:.0f}%".replace("-", "−"), note))
    if p.trend is not None:
        metrics.append(
            Metric(
                "Trend",
                f"{signed(p.trend.slope_per_week)} a week",
                _trend_note(p.trend),
            )
        )
    if p.projected_on is not None and not closed:
        note = f"target date {short_date(p.target_date)}" if p.target_date else ""
        metrics.append(Metric("Projected", short_date(p.projected_on), note))
    if closed:
        tone = "good" if status == "completed" and met else "plain"
        note = {"completed": "target met" if met else "closed without meeting the target"}.get(
            status, "not pursued now"
        )
        metrics.append(Metric("Status", CLOSED_STATUSES[status], note, tone))
    elif p.on_track in ON_TRACK_LABELS:
        metrics.append(
            Metric(
                "Outlook",
                ON_TRACK_LABELS[p.on_track],
                f"as recorded up to {short_date(as_of)}",
                ON_TRACK_TONES[p.on_track],
            )
        )
    if p.achievement is not None:
        tone = ACHIEVEMENT_TONES.get(p.achievement, "plain")
        if closed and tone == "bad":
            tone = "plain"
        metrics.append(Metric("FHIR achievement", p.achievement, "", tone))
    return tuple(metrics)


def _trend_note(trend: goalplan.Trend) -> str:
    days = (trend.until - trend.since).days
    span = f"{days // 7} weeks" if days >= 14 and days % 7 == 0 else f"{days} days"
    return f"{trend.points} values over {span}"


@frozen
class BandView:
    low: float
    high: float
    label: str


@frozen
class MeasureView:
    """One instrument's first and latest score, what they mean, and the bands to draw them on."""

    key: str
    name: str
    span: str
    minimum: float | None
    maximum: float | None
    bands: tuple[BandView, ...]
    first: float
    latest: float
    facts: tuple[tuple[str, str], ...]
    tone: str


def _score_text(total: float, severity: str, day: date) -> str:
    return f"{number(total)}" + (f" · {severity}" if severity else "") + f", {short_date(day)}"


def measure_view(summary: goalplan.InstrumentSummary, instrument: goalplan.Instrument | None) -> MeasureView:
    first, latest = summary.first, summary.latest
    if summary.count == 1:
        span = f"1 score, {short_date(latest.observed_on)}"
    else:
        span = f"{summary.count} scores, {short_date(first.observed_on)} – {short_date(latest.observed_on)}"
    facts: list[tuple[str, str]] = []
    if summary.count > 1:
        facts.append(("First", _score_text(first.total, summary.first_severity, first.observed_on)))
    facts.append(("Latest", _score_text(latest.total, summary.severity, latest.observed_on)))
    tone = "plain"
    if summary.change is not None:
        rc = summary.change
        facts.append(("Reliable change", f"RC {signed(round(rc.rc, 2))} · {rc.outcome}"))
        tone = {"improved": "good", "deteriorated": "bad"}.get(rc.outcome, "plain")
    if summary.response is not None and instrument is not None and instrument.response_fraction is not None:
        fall = (first.total - latest.total) / first.total
        needed = f"{instrument.response_fraction * 100:.0f}%"
        if fall > 0:
            moved = f"down {fall * 100:.0f}%"
        elif fall < 0:
            moved = f"up {-fall * 100:.0f}%"
        else:
            moved = "no change"
        facts.append(("Response", f"{'Yes' if summary.response else 'No'} — {moved} ({needed} needed)"))
    if summary.remission is not None and instrument is not None and instrument.remission_below is not None:
        below = number(instrument.remission_below)
        facts.append(
            (
                "Remission",
                f"Yes — {number(latest.total)} is below {below}"
                if summary.remission
                else f"No — {number(latest.total)} is not below {below}",
            )
        )
    bands: tuple[BandView, ...] = ()
    if instrument is not None and instrument.bands:
        bands = tuple(BandView(b.minimum, b.maximum, b.label) for b in instrument.bands)
    return MeasureView(
        key=summary.instrument,
        name=summary.name,
        span=span,
        minimum=instrument.minimum if instrument else None,
        maximum=instrument.maximum if instrument else None,
        bands=bands,
        first=first.total,
        latest=latest.total,
        facts=tuple(facts),
        tone=tone,
    )


@frozen
class GasRowView:
    number: str
    statement: str
    weight: str
    first: str
    latest: str


@frozen
class GasView:
    rows: tuple[GasRowView, ...]
    first_t: str
    latest_t: str
    scored: str
    rescored: bool  # some goal has been scored more than once, so first and latest differ


def _gas_cell(scale: goalplan.GasScale, point: goalplan.GasPoint | None) -> str:
    if point is None:
        return "Not scored yet"
    return f"{level_text(point.level)} · {scale.describe(point.level)}\n{short_date(point.observed_on)}"


def gas_view(
    summary: goalplan.GasSummary, state: goalplan.PlanState, numbers: Mapping[str, str]
) -> GasView | None:
    """The GAS table in plan order; None when no goal has a scale."""
    if not summary.goals:
        return None
    rows = []
    for item in summary.goals:
        goal = state.goals[item.goal_id]
        scale = goal.gas_scale
        assert scale is not None
        points = goal.gas_points
        rows.append(
            GasRowView(
                number=numbers.get(item.goal_id, item.goal_id[:8]),
                statement=item.statement,
                weight=number(item.weight),
                first=_gas_cell(scale, points[0] if points else None),
                latest=_gas_cell(scale, points[-1] if points else None),
            )
        )
    scored = sum(1 for g in summary.goals if g.level is not None)
    return GasView(
        rows=tuple(rows),
        first_t="" if summary.first_t_score is None else f"{summary.first_t_score:.1f}",
        latest_t="" if summary.t_score is None else f"{summary.t_score:.1f}",
        scored=f"{scored} of {len(summary.goals)}",
        rescored=any(len(state.goals[g.goal_id].gas_points) > 1 for g in summary.goals),
    )


def outcome_texts(
    outlooks: Mapping[str, Sequence[Metric]], measures: Sequence[MeasureView], gas: GasView | None
) -> Iterator[tuple[str, str]]:
    """Every string the analytics parts print, with where it came from, for the font check."""
    for goal_id, metrics in outlooks.items():
        for m in metrics:
            yield f"goal {goal_id} {m.label.lower()}", f"{m.label} {m.value} {m.note}"
    for view in measures:
        yield f"instrument {view.key} name", view.name
        yield f"instrument {view.key} scores", view.span
        for band in view.bands:
            yield f"instrument {view.key} band", band.label
        for label, value in view.facts:
            yield f"instrument {view.key} {label.lower()}", value
    if gas is not None:
        for row in gas.rows:
            yield f"goal {row.number} GAS first level", row.first
            yield f"goal {row.number} GAS latest level", row.latest
