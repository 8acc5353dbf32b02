"""Progress of a measured goal: how far, how fast, when it will get there, and what FHIR calls it.

Every function here is pure: the goal as folded from the log, and ``today`` passed in (the command
line gives the real date, tests a fixed one). The rules are documented in docs/analytics.md.

- percent of the way: ``100 * (latest - baseline) / (target - baseline)``. Direction-aware because
  the signs cancel for goals that go down; not clamped, so a value past the target reads above
  100 and one that went the wrong way reads below 0.
- trend: the ordinary least-squares slope of value on day, times 7, over a recent window: the
  points observed within ``window_days`` (56) of the latest one, or the last two points if fewer
  than two fall in the window. Needs two distinct observation days.
- projection: from the latest value, at the trend's rate, the first day the target is reached:
  ``latest_on + ceil(|target - latest| / |slope per day|)``; only when the trend moves toward it.
- on track: ``on-track`` if met, or projected on or before the target date; ``at-risk`` if
  projected within ``grace_days`` (28) after it; ``off-track`` if later, if the trend is flat or
  away from the target, or if the target date has passed unmet; ``unknown`` without a target
  date or a trend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta

from attrs import frozen

from goalplan.domain import Goal, ProgressPoint
from goalplan.domain.rules import meets_target as meets_target

WINDOW_DAYS = 56
GRACE_DAYS = 28
FLAT_FRACTION = 0.01
NO_PROGRESS_PERCENT = 25.0

ON_TRACK_STATUSES = ("on-track", "at-risk", "off-track", "unknown", "not-applicable")
# Goals no longer being worked toward: their outcome is not a forecast (docs/analytics.md).
CLOSED_STATUSES = frozenset({"completed", "cancelled", "rejected", "entered-in-error"})


def percent_of_way(baseline: float, target: float, value: float) -> float:
    """How far ``value`` has come from ``baseline`` toward ``target``, in percent."""
    return 100.0 * (value - baseline) / (target - baseline)


def least_squares_slope(points: Sequence[tuple[date, float]]) -> float | None:
    """Slope per day of the least-squares line through (day, value); None without two distinct days."""
    if len(points) < 2:
        return None
    origin = points[0][0]
    xs = [(d - origin).days for d, _ in points]
    ys = [v for _, v in points]
    mean_x = sum(xs) / len(xs)
    mean_y = sum(ys) / len(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return sxy / sxx


def recent_window(points: Sequence[ProgressPoint], window_days: int = WINDOW_DAYS) -> list[ProgressPoint]:
    """Points within ``window_days`` of the latest one (inclusive); at least the last two."""
    if not points:
        return []
    start = points[-1].observed_on - timedelta(days=window_days)
    recent = [p for p in points if p.observed_on >= start]
    return recent if len(recent) >= 2 else list(points[-2:])


@frozen(kw_only=True)
class Trend:
    slope_per_week: float
    points: int
    since: date
    until: date

    def to_json(self) -> dict[str, object]:
        return {
            "slope_per_week": round(self.slope_per_week, 4),
            "points": self.points,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
        }


def trend(points: Sequence[ProgressPoint], window_days: int = WINDOW_DAYS) -> Trend | None:
    window = recent_window(points, window_days)
    slope = least_squares_slope([(p.observed_on, p.value) for p in window])
    if slope is None:
        return None
    return Trend(
        slope_per_week=7 * slope,
        points=len(window),
        since=window[0].observed_on,
        until=window[-1].observed_on,
    )


def projected_date(latest_on: date, latest: float, target: float, slope_per_week: float) -> date | None:
    """When the trend, carried on from the latest value, reaches the target; None if it never does."""
    gap = target - latest
    if gap == 0:
        return latest_on
    if slope_per_week == 0 or (gap > 0) != (slope_per_week > 0):
        return None
    days = math.ceil(abs(gap) / abs(slope_per_week / 7))
    return latest_on + timedelta(days=days)


@frozen(kw_only=True)
class GoalProgress:
    """The analytics of one goal. Fields are None where the data cannot say (no measure, no points)."""

    goal_id: str
    direction: str | None
    baseline: float | None
    target: float | None
    target_date: date | None
    latest: float | None
    latest_on: date | None
    points: int
    percent: float | None
    trend: Trend | None
    projected_on: date | None
    on_track: str
    achievement: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "direction": self.direction,
            "latest": self.latest,
            "latest_on": self.latest_on.isoformat() if self.latest_on else None,
            "points": self.points,
            "percent": None if self.percent is None else round(self.percent, 1),
            "trend": self.trend.to_json() if self.trend else None,
            "projected_on": self.projected_on.isoformat() if self.projected_on else None,
            "on_track": self.on_track,
            "achievement_status": self.achievement,
        }


def achievement_status(
    goal: Goal,
    today: date,
    *,
    window_days: int = WINDOW_DAYS,
    flat_fraction: float = FLAT_FRACTION,
) -> str | None:
    """FHIR Goal.achievementStatus derived from the measure; None for a goal without a measure.

    In order, the first that holds:
    sustaining    the latest two values both meet the target;
    achieved      the latest value meets the target;
    no-progress   the target date has passed and the latest value is under 25% of the way;
    not-achieved  the target date has passed (with 25% of the way or more);
    in-progress   fewer than two observation days, so there is no trend yet;
    no-change     the trend moves less than 1% of |target - baseline| per week either way;
    improving     the trend moves toward the target;
    worsening     the trend moves away from it.
    """
    m = goal.measure
    if m is None:
        return None
    points = goal.progress
    met = [meets_target(m.baseline, m.target, p.value) for p in points]
    if len(met) >= 2 and met[-1] and met[-2]:
        return "sustaining"
    if met and met[-1]:
        return "achieved"
    if goal.status == "completed":
        return "not-achieved"  # completed with a reason although the target was missed
    if goal.target_date is not None and today > goal.target_date:
        latest = points[-1].value if points else m.baseline
        if percent_of_way(m.baseline, m.target, latest) < NO_PROGRESS_PERCENT:
            return "no-progress"
        return "not-achieved"
    found = trend(points, window_days)
    if found is None:
        return "in-progress"
    if abs(found.slope_per_week) < flat_fraction * abs(m.target - m.baseline):
        return "no-change"
    toward = found.slope_per_week * (1 if m.target > m.baseline else -1)
    return "improving" if toward > 0 else "worsening"


def on_track_status(
    goal: Goal, today: date, found: Trend | None, projected_on: date | None, grace_days: int = GRACE_DAYS
) -> str:
    m = goal.measure
    if goal.status in CLOSED_STATUSES:
        return "not-applicable"
    if m is None:
        return "unknown"
    latest = goal.latest
    if latest is not None and meets_target(m.baseline, m.target, latest.value):
        return "on-track"
    if goal.target_date is None:
        return "unknown"
    if today > goal.target_date:
        return "off-track"
    if found is None:
        return "unknown"
    if projected_on is None:
        return "off-track"
    if projected_on <= goal.target_date:
        return "on-track"
    if projected_on <= goal.target_date + timedelta(days=grace_days):
        return "at-risk"
    return "off-track"


def goal_progress(
    goal: Goal,
    today: date,
    *,
    window_days: int = WINDOW_DAYS,
    grace_days: int = GRACE_DAYS,
    flat_fraction: float = FLAT_FRACTION,
) -> GoalProgress:
    m = goal.measure
    latest = goal.latest
    if m is None:
        return GoalProgress(
            goal_id=goal.goal_id,
            direction=None,
            baseline=None,
            target=None,
            target_date=goal.target_date,
            latest=latest.value if latest else None,
            latest_on=latest.observed_on if latest else None,
            points=len(goal.progress),
            percent=None,
            trend=None,
            projected_on=None,
            on_track="not-applicable" if goal.status in CLOSED_STATUSES else "unknown",
            achievement=None,
        )
    found = trend(goal.progress, window_days)
    projected = None
    if (
        latest is not None
        and found is not None
        and goal.status not in CLOSED_STATUSES
        and not meets_target(m.baseline, m.target, latest.value)
    ):
        projected = projected_date(latest.observed_on, latest.value, m.target, found.slope_per_week)
    return GoalProgress(
        goal_id=goal.goal_id,
        direction=m.direction,
        baseline=m.baseline,
        target=m.target,
        target_date=goal.target_date,
        latest=latest.value if latest else None,
        latest_on=latest.observed_on if latest else None,
        points=len(goal.progress),
        percent=percent_of_way(m.baseline, m.target, latest.value) if latest else None,
        trend=found,
        projected_on=projected,
        on_track=on_track_status(goal, today, found, projected, grace_days),
        achievement=achievement_status(goal, today, window_days=window_days, flat_fraction=flat_fraction),
    )
