"""Everything the analytics say about one plan, in one value: for ``goalplan analytics``, the
``analytics`` keys of ``plan show --json``, and exporters (CSV goals table, PDF)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from attrs import evolve, frozen

from goalplan.analytics.gas import GasSummary, gas_summary
from goalplan.analytics.instruments import Instrument
from goalplan.analytics.progress import GoalProgress, goal_progress
from goalplan.analytics.safety import SafetyFinding, safety_findings
from goalplan.analytics.scores import InstrumentSummary, instrument_summaries
from goalplan.domain import Goal, PlanState


@frozen(kw_only=True)
class GoalAnalytics:
    goal_id: str
    progress: GoalProgress
    gas_level: int | None
    gas_weight: float | None
    scores: tuple[InstrumentSummary, ...]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.progress.to_json())
        data["gas"] = (
            None if self.gas_weight is None else {"level": self.gas_level, "weight": self.gas_weight}
        )
        data["instruments"] = [s.to_json() for s in self.scores]
        return data


@frozen(kw_only=True)
class PlanAnalytics:
    plan_id: str
    today: date
    goals: tuple[GoalAnalytics, ...]
    instruments: tuple[InstrumentSummary, ...]
    gas: GasSummary
    safety: tuple[SafetyFinding, ...] = ()

    def goal(self, goal_id: str) -> GoalAnalytics:
        return next(g for g in self.goals if g.goal_id == goal_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "today": self.today.isoformat(),
            "goals": {g.goal_id: g.to_json() for g in self.goals},
            "instruments": [s.to_json() for s in self.instruments],
            "gas": self.gas.to_json(),
            "safety": [f.to_json() for f in self.safety],
        }


def goal_analytics(
    goal: Goal, state: PlanState, today: date, instruments: Mapping[str, Instrument]
) -> GoalAnalytics:
    scale = goal.gas_scale
    return GoalAnalytics(
        goal_id=goal.goal_id,
        progress=goal_progress(goal, today),
        gas_level=goal.gas_points[-1].level if goal.gas_points else None,
        gas_weight=scale.weight if scale else None,
        scores=tuple(instrument_summaries(state, instruments, goal.goal_id)),
    )


def observed_by(state: PlanState, today: date) -> PlanState:
    """The plan with only the observations (progress values, scores, attainment levels) dated on
    or before ``today``: analytics for a day never use a value observed after it."""
    goals = {}
    for goal_id, goal in state.goals.items():
        progress = tuple(p for p in goal.progress if p.observed_on <= today)
        levels = tuple(p for p in goal.gas_points if p.observed_on <= today)
        if len(progress) != len(goal.progress) or len(levels) != len(goal.gas_points):
            goal = evolve(goal, progress=progress, gas_points=levels)
        goals[goal_id] = goal
    scores = tuple(s for s in state.scores if s.observed_on <= today)
    return evolve(state, goals=goals, scores=scores)


def plan_analytics(state: PlanState, today: date, instruments: Mapping[str, Instrument]) -> PlanAnalytics:
    """Analytics for every goal (in plan order) and every instrument scored in the plan, from the
    observations dated on or before ``today``."""
    state = observed_by(state, today)
    return PlanAnalytics(
        plan_id=state.plan_id,
        today=today,
        goals=tuple(goal_analytics(g, state, today, instruments) for g in state.goals.values()),
        instruments=tuple(instrument_summaries(state, instruments)),
        gas=gas_summary(state),
        safety=safety_findings(state, today),
    )


def analytics_line(item: GoalAnalytics) -> str:
    """One compact line per goal for ``plan show``: empty when there is nothing to say."""
    p = item.progress
    parts = []
    if p.percent is not None:
        parts.append(f"{p.percent:.0f}% of the way")
    if p.trend is not None:
        parts.append(f"trend {p.trend.slope_per_week:+.2f}/week")
    if p.projected_on is not None:
        parts.append(f"projected {p.projected_on.isoformat()}")
    if p.achievement is not None:
        parts.append(p.achievement)
    if p.on_track not in ("unknown", "not-applicable"):
        parts.append(p.on_track)
    for s in item.scores:
        parts.append(f"{s.name} {s.latest.total:g}" + (f" ({s.severity})" if s.severity else ""))
    if item.gas_level is not None:
        parts.append(f"GAS {item.gas_level:+d}")
    return ", ".join(parts)
