"""The pure domain: fold the log into a plan, decide what a command may add to it."""

from goalplan.domain.decide import decide
from goalplan.domain.fold import Meta, apply, correctable_types, fold
from goalplan.domain.revise import GoalChange, MeasureChange, revision
from goalplan.domain.state import (
    FocusArea,
    GasPoint,
    GasScale,
    Goal,
    Intervention,
    MeasureSeries,
    PlanState,
    ProgressPoint,
    Review,
    Score,
    Signature,
    Silence,
    StatusChange,
    Step,
)

__all__ = [
    "FocusArea",
    "GasPoint",
    "GasScale",
    "Goal",
    "GoalChange",
    "Intervention",
    "MeasureChange",
    "MeasureSeries",
    "Meta",
    "PlanState",
    "ProgressPoint",
    "Review",
    "Score",
    "Signature",
    "Silence",
    "StatusChange",
    "Step",
    "apply",
    "correctable_types",
    "decide",
    "fold",
    "revision",
]
