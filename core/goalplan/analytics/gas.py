"""Goal Attainment Scaling: the Kiresuk-Sherman T-score over a plan's scaled goals.

Kiresuk TJ, Sherman RE. Goal attainment scaling: a general method for evaluating comprehensive
community mental health programs. Community Ment Health J 1968;4(6):443-453.

    T = 50 + 10 * sum(w_i * x_i) / sqrt((1 - rho) * sum(w_i**2) + rho * (sum(w_i))**2)

with x_i the level each goal reached (-2..+2, 0 the expected outcome), w_i its weight and
rho = 0.3 the assumed correlation between goal scores that Kiresuk and Sherman recommend.
T = 50 means goals were, on balance, met exactly as expected; each 10 points is one standard
deviation above or below.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from attrs import frozen

from goalplan.domain import Goal, PlanState
from goalplan.errors import RejectedError
from goalplan.events import GAS_LEVELS

RHO = 0.3


def gas_t_score(scored: Sequence[tuple[int, float]], rho: float = RHO) -> float:
    """T-score of ``(level, weight)`` pairs; at least one goal, each level -2..+2, weights > 0."""
    if not scored:
        raise RejectedError("goals", "the T-score needs at least one goal with a scored level.")
    for level, weight in scored:
        if level not in GAS_LEVELS:
            raise RejectedError("level", f"must be a whole number from -2 to +2 (got {level!r}).")
        if not (math.isfinite(weight) and weight > 0):
            raise RejectedError("weight", f"must be a positive number (got {weight!r}).")
    weighted = sum(w * x for x, w in scored)
    sum_w = sum(w for _, w in scored)
    sum_w2 = sum(w * w for _, w in scored)
    return 50 + 10 * weighted / math.sqrt((1 - rho) * sum_w2 + rho * sum_w**2)


@frozen(kw_only=True)
class GasGoal:
    goal_id: str
    statement: str
    weight: float
    first_level: int | None
    level: int | None
    observed_on: str | None
    description: str

    def to_json(self) -> dict[str, object]:
        return {
            "goal_id": self.goal_id,
            "weight": self.weight,
            "first_level": self.first_level,
            "level": self.level,
            "observed_on": self.observed_on,
            "description": self.description,
        }


@frozen(kw_only=True)
class GasSummary:
    """Every goal with a GAS scale; the T-scores cover only the goals that have been scored."""

    goals: tuple[GasGoal, ...]
    t_score: float | None
    first_t_score: float | None

    def to_json(self) -> dict[str, object]:
        return {
            "goals": [g.to_json() for g in self.goals],
            "t_score": None if self.t_score is None else round(self.t_score, 2),
            "first_t_score": None if self.first_t_score is None else round(self.first_t_score, 2),
        }


def _gas_goal(goal: Goal) -> GasGoal:
    assert goal.gas_scale is not None
    latest = goal.gas_points[-1] if goal.gas_points else None
    return GasGoal(
        goal_id=goal.goal_id,
        statement=goal.statement,
        weight=goal.gas_scale.weight,
        first_level=goal.gas_points[0].level if goal.gas_points else None,
        level=latest.level if latest else None,
        observed_on=latest.observed_on.isoformat() if latest else None,
        description=goal.gas_scale.describe(latest.level) if latest else "",
    )


def gas_summary(state: PlanState) -> GasSummary:
    """Latest and first T-scores; goals entered in error are left out."""
    goals = tuple(
        _gas_goal(g)
        for g in state.goals.values()
        if g.gas_scale is not None and g.status != "entered-in-error"
    )
    latest = [(g.level, g.weight) for g in goals if g.level is not None]
    first = [(g.first_level, g.weight) for g in goals if g.first_level is not None]
    return GasSummary(
        goals=goals,
        t_score=gas_t_score(latest) if latest else None,
        first_t_score=gas_t_score(first) if first else None,
    )
