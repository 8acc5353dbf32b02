"""Progress analytics, checked against values worked out by hand in the comments."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from goalplan.analytics import (
    achievement_status,
    goal_progress,
    least_squares_slope,
    meets_target,
    percent_of_way,
    projected_date,
)
from goalplan.analytics.progress import recent_window, trend
from goalplan.domain import Goal, ProgressPoint
from goalplan.events import Measure

START = date(2026, 1, 5)


def point(day: int, value: float) -> ProgressPoint:
    return ProgressPoint(
        event_id=f"e{day}",
        value=value,
        observed_on=START + timedelta(days=day),
        note="",
        recorded_at=f"2026-01-05T00:00:{day % 60:02d}.000000Z",
        actor="t",
    )


def goal(
    values: list[tuple[int, float]],
    *,
    baseline: float = 0,
    target: float = 3,
    due: date | None = date(2026, 3, 1),
    measured: bool = True,
) -> Goal:
    return Goal(
        goal_id="G",
        statement="I will walk",
        focus_id=None,
        term="short",
        measure=Measure(name="walks", unit="per week", baseline=baseline, target=target)
        if measured
        else None,
        target_date=due,
        relevance="",
        initial_status="active",
        progress=tuple(point(d, v) for d, v in values),
    )


def test_percent_of_the_way_up_and_down() -> None:
    # up: 0 -> 3, at 2: 2/3 = 66.67%
    assert percent_of_way(0, 3, 2) == pytest.approx(66.6667, abs=1e-3)
    # down: 5 -> 1 (a goal that decreases), at 4: (4-5)/(1-5) = 25%
    assert percent_of_way(5, 1, 4) == pytest.approx(25.0)
    # past the target reads above 100, the wrong way below 0 (not clamped)
    assert percent_of_way(5, 1, 0) == pytest.approx(125.0)
    assert percent_of_way(5, 1, 6) == pytest.approx(-25.0)


def test_meets_target_is_direction_aware() -> None:
    assert meets_target(0, 3, 3) and meets_target(0, 3, 4) and not meets_target(0, 3, 2.9)
    assert meets_target(5, 1, 1) and meets_target(5, 1, 0) and not meets_target(5, 1, 1.5)


def test_least_squares_slope_by_hand() -> None:
    # days 0, 7, 14 with 10, 9, 5: mean x 7, mean y 8; Sxy = (-7)(2) + 0 + (7)(-3) = -35;
    # Sxx = 49 + 0 + 49 = 98; slope = -35/98 = -0.357142... a day = -2.5 a week.
    d = START
    slope = least_squares_slope([(d, 10), (d + timedelta(7), 9), (d + timedelta(14), 5)])
    assert slope is not None
    assert slope * 7 == pytest.approx(-2.5)


def test_slope_needs_two_distinct_days() -> None:
    assert least_squares_slope([]) is None
    assert least_squares_slope([(START, 4)]) is None
    assert least_squares_slope([(START, 4), (START, 6)]) is None


def test_flat_series_has_zero_slope() -> None:
    assert least_squares_slope([(START + timedelta(d), 2.0) for d in (0, 7, 14)]) == 0


def test_recent_window_keeps_56_days_before_latest_or_last_two() -> None:
    points = [point(d, 1) for d in (0, 10, 70, 100)]
    # latest is day 100; the window starts at day 44, so days 70 and 100 stay.
    assert [p.observed_on for p in recent_window(points)] == [START + timedelta(70), START + timedelta(100)]
    sparse = [point(d, 1) for d in (0, 200)]
    assert len(recent_window(sparse)) == 2  # fewer than two in the window: the last two


def test_trend_uses_only_the_recent_window() -> None:
    # days 0..21 climb by 1 a week, then days 100, 107, 114 are flat at 9: the old climb is
    # outside the 56-day window before day 114, so the trend is flat.
    g = goal([(0, 0), (7, 1), (14, 2), (21, 3), (100, 9), (107, 9), (114, 9)], target=20)
    found = trend(g.progress)
    assert found is not None
    assert found.points == 3
    assert found.slope_per_week == 0


def test_projection_from_latest_value() -> None:
    # latest 2 on day 21, target 3, +0.4 a week = 0.0571 a day: 1 / 0.0571 = 17.5 -> 18 days.
    latest_on = START + timedelta(21)
    assert projected_date(latest_on, 2, 3, 0.4) == latest_on + timedelta(18)
    # a decreasing goal: 4 -> 1 at -1.5 a week: 3 / (1.5/7) = 14 days exactly.
    assert projected_date(latest_on, 4, 1, -1.5) == latest_on + timedelta(14)
    # moving away, or flat: never
    assert projected_date(latest_on, 4, 1, 0.5) is None
    assert projected_date(latest_on, 4, 1, 0) is None


def test_no_data() -> None:
    g = goal([])
    p = goal_progress(g, date(2026, 2, 1))
    assert (p.percent, p.trend, p.projected_on, p.latest) == (None, None, None, None)
    assert p.on_track == "unknown"
    assert p.achievement == "in-progress"


def test_one_point() -> None:
    p = goal_progress(goal([(7, 1)]), date(2026, 2, 1))
    assert p.percent == pytest.approx(100 / 3)
    assert p.trend is None and p.projected_on is None
    assert p.on_track == "unknown"
    assert p.achievement == "in-progress"


def test_improving_and_on_track() -> None:
    # 1, 1, 2, 2 weekly from day 7: slope Sxy/Sxx = 14/245 a day = +0.4 a week (see
    # test_projection_from_latest_value); projected day 28 + 18 = day 46 = 2026-02-20, before 03-01.
    p = goal_progress(goal([(7, 1), (14, 1), (21, 2), (28, 2)]), date(2026, 2, 10))
    assert p.trend is not None and p.trend.slope_per_week == pytest.approx(0.4)
    assert p.projected_on == date(2026, 2, 20)
    assert p.on_track == "on-track"
    assert p.achievement == "improving"


def test_at_risk_within_grace_and_off_track_beyond() -> None:
    # +0.4 a week from 2 on day 28 reaches 3 on 2026-02-20 (see above).
    due_a_week_earlier = goal([(7, 1), (14, 1), (21, 2), (28, 2)], due=date(2026, 2, 13))
    assert goal_progress(due_a_week_earlier, date(2026, 2, 10)).on_track == "at-risk"
    due_far_earlier = goal([(7, 1), (14, 1), (21, 2), (28, 2)], due=date(2026, 1, 20))
    # the 28-day grace would end 2026-02-17, before the projected 02-20 -- but the target
    # date is also already past on 02-10, which is off track in itself.
    assert goal_progress(due_far_earlier, date(2026, 2, 10)).on_track == "off-track"
    slow = goal([(7, 1), (14, 1), (21, 2), (28, 2)], target=30, due=date(2026, 3, 1))
    # 28 more at 0.4 a week is 490 days away: off track.
    assert goal_progress(slow, date(2026, 2, 10)).on_track == "off-track"


def test_flat_series_is_no_change_and_off_track() -> None:
    p = goal_progress(goal([(7, 1), (14, 1), (21, 1)]), date(2026, 2, 1))
    assert p.achievement == "no-change"
    assert p.projected_on is None
    assert p.on_track == "off-track"


def test_no_change_threshold_is_one_percent_of_the_distance() -> None:
    # distance 0 -> 100 is 100; 1% is 1 a week. Days 0, 7: +0.5 a week is no-change, +2 is improving.
    assert achievement_status(goal([(0, 10), (7, 10.5)], target=100), date(2026, 1, 20)) == "no-change"
    assert achievement_status(goal([(0, 10), (7, 12)], target=100), date(2026, 1, 20)) == "improving"


def test_worsening_on_a_goal_that_decreases() -> None:
    # panic attacks 3 -> 1 a week; values rise 3, 4: moving away from the target.
    g = goal([(0, 3), (7, 4)], baseline=3, target=1)
    p = goal_progress(g, date(2026, 1, 20))
    assert p.achievement == "worsening"
    assert p.on_track == "off-track"
    assert p.percent == pytest.approx(-50.0)  # (4-3)/(1-3)


def test_improving_on_a_goal_that_decreases() -> None:
    # 3, 2.5, 2 weekly: -0.5 a week toward 1; from 2 on day 14, 1/(0.5/7) = 14 days -> day 28.
    g = goal([(0, 3), (7, 2.5), (14, 2)], baseline=3, target=1)
    p = goal_progress(g, date(2026, 1, 20))
    assert p.achievement == "improving"
    assert p.trend is not None and p.trend.slope_per_week == pytest.approx(-0.5)
    assert p.projected_on == START + timedelta(28)
    assert p.percent == pytest.approx(50.0)


def test_target_already_met_then_sustained() -> None:
    met_once = goal([(0, 1), (7, 3)])
    p = goal_progress(met_once, date(2026, 1, 20))
    assert p.achievement == "achieved"
    assert p.on_track == "on-track"
    assert p.projected_on is None
    assert p.percent == pytest.approx(100.0)
    assert achievement_status(goal([(0, 1), (7, 3), (14, 4)]), date(2026, 1, 20)) == "sustaining"
    # a decreasing goal met from the first value: 5 -> 1, observed 1 then 0.
    assert achievement_status(goal([(0, 1), (7, 0)], baseline=5, target=1), date(2026, 1, 20)) == "sustaining"


def test_met_then_lost_is_judged_on_the_trend_again() -> None:
    # 3 (met) then 2: not met now; slope -1 a week away from 3 -> worsening.
    assert achievement_status(goal([(0, 3), (7, 2)]), date(2026, 1, 20)) == "worsening"


def test_past_target_date_no_progress_or_not_achieved() -> None:
    after_due = date(2026, 3, 2)
    # 0 -> 3; latest 0.5 is 16.7% of the way (< 25%): no-progress.
    assert achievement_status(goal([(0, 0), (7, 0.5)]), after_due) == "no-progress"
    # latest 1.5 is 50%: not-achieved.
    assert achievement_status(goal([(0, 0), (7, 1.5)]), after_due) == "not-achieved"
    # no values at all after the due date: the baseline is 0% of the way.
    assert achievement_status(goal([]), after_due) == "no-progress"
    assert goal_progress(goal([(0, 0), (7, 1.5)]), after_due).on_track == "off-track"


def test_goal_without_measure() -> None:
    p = goal_progress(goal([], measured=False), date(2026, 1, 20))
    assert p.achievement is None and p.on_track == "unknown" and p.percent is None
    assert p.to_json()["achievement_status"] is None


def test_goal_without_target_date_has_unknown_on_track() -> None:
    p = goal_progress(goal([(0, 1), (7, 2)], due=None), date(2026, 1, 20))
    assert p.on_track == "unknown"
    assert p.achievement == "improving"
