"""A partial goal revision: only what the user changed, merged into the goal as it stands.

A caller (the CLI, the Python API) builds a ``GoalChange`` from what the user gave and nothing
else. ``revision`` turns it into a ``GoalRevised`` event against the plan as it is *now*; the API
calls it again on every retry after a concurrent write, so two revisions of different parts of
one measure (one the unit, one the baseline) both survive instead of one writing back stale
values of the other.
"""

from __future__ import annotations

from datetime import date

from attrs import field, frozen

from goalplan.domain import rules
from goalplan.domain.state import PlanState
from goalplan.errors import RejectedError
from goalplan.events import GoalRevised, Measure


def _optional_float(value: float | int | None) -> float | None:
    return None if value is None else float(value)


@frozen(kw_only=True)
class MeasureChange:
    """The parts of a goal's measure to change; a part left None keeps its current value.

    A goal without a measure yet needs all four parts.
    """

    name: str | None = None
    unit: str | None = None
    baseline: float | None = field(default=None, converter=_optional_float)
    target: float | None = field(default=None, converter=_optional_float)

    def is_empty(self) -> bool:
        return all(v is None for v in (self.name, self.unit, self.baseline, self.target))

    def applied_to(self, current: Measure | None) -> Measure:
        """The whole measure after this change, or RejectedError if a new measure lacks a part."""
        if current is None:
            given = {
                "measure": self.name,
                "unit": self.unit,
                "baseline": self.baseline,
                "target": self.target,
            }
            missing = [name for name, value in given.items() if value is None]
            if missing:
                raise RejectedError(
                    missing[0],
                    "the goal has no measure yet; a new measure needs its name (measure), unit, "
                    "baseline and target together.",
                )
            assert self.name is not None and self.unit is not None
            assert self.baseline is not None and self.target is not None
            return Measure(name=self.name, unit=self.unit, baseline=self.baseline, target=self.target)
        return Measure(
            name=current.name if self.name is None else self.name,
            unit=current.unit if self.unit is None else self.unit,
            baseline=current.baseline if self.baseline is None else self.baseline,
            target=current.target if self.target is None else self.target,
        )


@frozen(kw_only=True)
class GoalChange:
    """What one revision changes; None leaves a field as it is at the moment of deciding.

    ``measure`` is either a whole new Measure or a MeasureChange of some of its parts.
    """

    goal_id: str
    reason: str
    statement: str | None = None
    focus_id: str | None = None
    term: str | None = None
    measure: Measure | MeasureChange | None = None
    target_date: date | None = None
    relevance: str | None = None
    cleared: tuple[str, ...] = ()


def revision(state: PlanState, change: GoalChange) -> GoalRevised:
    """The GoalRevised event ``change`` makes of the goal as ``state`` holds it now."""
    measure: Measure | None
    if isinstance(change.measure, MeasureChange):
        if change.measure.is_empty():
            measure = None
        else:
            goal = rules.goal(state, change.goal_id)
            measure = change.measure.applied_to(goal.measure)
    else:
        measure = change.measure
    return GoalRevised(
        goal_id=change.goal_id,
        reason=change.reason,
        statement=change.statement,
        focus_id=change.focus_id,
        term=change.term,
        measure=measure,
        target_date=change.target_date,
        relevance=change.relevance,
        cleared=tuple(change.cleared),
    )
