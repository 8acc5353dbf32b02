"""The pure domain: fold the log into a plan, decide what a command may add to it."""

from goalplan.domain.decide import decide
from goalplan.domain.fold import Meta, apply, correctable_types, fold
from goalplan.domain.material import changes_after, content_digest, is_current, material_content
from goalplan.domain.revise import GoalChange, MeasureChange, revision
from goalplan.domain.state import (
    Diagnosis,
    FocusArea,
    GasPoint,
    GasScale,
    Goal,
    Intervention,
    MaterialChange,
    MeasureSeries,
    PlanCopy,
    PlanState,
    ProgressPoint,
    Review,
    SafetyReview,
    Score,
    Signature,
    Silence,
    StatusChange,
    Step,
)

__all__ = [
    "Diagnosis",
    "FocusArea",
    "GasPoint",
    "GasScale",
    "Goal",
    "GoalChange",
    "Intervention",
    "MaterialChange",
    "MeasureChange",
    "MeasureSeries",
    "Meta",
    "PlanCopy",
    "PlanState",
    "ProgressPoint",
    "Review",
    "SafetyReview",
    "Score",
    "Signature",
    "Silence",
    "StatusChange",
    "Step",
    "apply",
    "changes_after",
    "content_digest",
    "correctable_types",
    "decide",
    "fold",
    "is_current",
    "material_content",
    "revision",
]
