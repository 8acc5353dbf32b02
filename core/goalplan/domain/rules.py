"""Small checks shared by the decide functions; each failure is one RejectedError sentence."""

from __future__ import annotations

import math
from contextvars import ContextVar
from datetime import date

from goalplan.domain.state import Goal, PlanState, Score, Signature
from goalplan.errors import RejectedError
from goalplan.events import Measure
from goalplan.text import TEXT_MAX, check_number, check_text

MAX_TEXT = TEXT_MAX

# FHIR R4 Goal.lifecycleStatus, with the moves a clinician can make between them.
TRANSITIONS: dict[str, frozenset[str]] = {
    "proposed": frozenset({"planned", "accepted", "active", "rejected", "cancelled"}),
    "planned": frozenset({"accepted", "active", "on-hold", "cancelled"}),
    "accepted": frozenset({"active", "on-hold", "cancelled"}),
    "active": frozenset({"on-hold", "completed", "cancelled"}),
    "on-hold": frozenset({"active", "completed", "cancelled"}),
    "completed": frozenset({"active"}),
    "cancelled": frozenset({"active"}),
    "rejected": frozenset({"proposed"}),
    "entered-in-error": frozenset(),
}
for _status, _moves in list(TRANSITIONS.items()):
    if _status != "entered-in-error":
        TRANSITIONS[_status] = _moves | {"entered-in-error"}

INITIAL_STATUSES = ("proposed", "planned", "accepted", "active", "on-hold")
PROGRESS_STATUSES = frozenset(INITIAL_STATUSES)


def text(field: str, value: str, *, required: bool = True, line: bool = False) -> None:
    """A free-text field (newlines and tabs allowed), or with ``line`` a one-line field."""
    check_text(field, value, line=line, required=required)


def one_of(field: str, value: str, allowed: tuple[str, ...] | frozenset[str]) -> None:
    if value not in allowed:
        choices = ", ".join(sorted(allowed)) if isinstance(allowed, frozenset) else ", ".join(allowed)
        raise RejectedError(field, f"must be one of {choices} (got {value!r}).")


def on_or_after_opening(field: str, value: date | None, state: PlanState) -> None:
    if value is not None and value < state.opened_on:
        raise RejectedError(
            field,
            f"{value.isoformat()} is before the plan opened on {state.opened_on.isoformat()}; "
            "give a date on or after it.",
        )


def finite(field: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RejectedError(field, f"must be a finite number (got {value!r}).")


def measure(value: Measure) -> None:
    text("measure", value.name, line=True)
    if not value.unit.strip():
        raise RejectedError("unit", "a measure needs a unit (for example 'attacks per week').")
    text("unit", value.unit, line=True)
    finite("baseline", value.baseline)
    finite("target", value.target)
    check_number("baseline", value.baseline)
    check_number("target", value.target)
    if value.baseline == value.target:
        raise RejectedError(
            "target", f"must differ from the baseline ({value.baseline:g}); a goal has to move."
        )


def goal(state: PlanState, goal_id: str) -> Goal:
    found = state.goals.get(goal_id)
    if found is None:
        raise RejectedError("goal", f"no goal {goal_id!r} in plan {state.plan_id}.")
    return found


def live_goal(state: PlanState, goal_id: str) -> Goal:
    """A goal that can still be worked on: one marked entered-in-error takes nothing new."""
    found = goal(state, goal_id)
    if found.status == "entered-in-error":
        raise RejectedError("goal", f"goal {goal_id} was entered in error; set a new goal instead.")
    return found


def new_id(field: str, value: str, taken: object) -> None:
    text(field, value, line=True)
    if value in taken:  # type: ignore[operator]
        raise RejectedError(field, f"the id {value!r} is already used in this plan.")


SAFETY_INSTRUMENT = "phq9"
SAFETY_ITEM = 9


def is_safety_finding(score: Score) -> bool:
    """A PHQ-9 whose item 9 (thoughts of death or self-harm) is above 0 needs a safety response."""
    return (
        score.instrument == SAFETY_INSTRUMENT
        and len(score.items) >= SAFETY_ITEM
        and score.items[SAFETY_ITEM - 1] > 0
    )


def participation_signature(state: PlanState) -> Signature | None:
    """The latest client or guardian signature: what a statement of client participation rests on."""
    found = [s for s in state.signatures if s.role in ("client", "guardian")]
    return found[-1] if found else None


def meets_target(baseline: float, target: float, value: float) -> bool:
    """At or past the target in the goal's direction (baseline and target always differ)."""
    return value >= target if target > baseline else value <= target


# True while admitting an event recorded at an older schema version (an import or migration of
# an older log): rules that came with the newer schema do not judge what was recorded before
# them. A completion short of the target without a reason is one (goal_status_changed 2).
recorded_before_rule: ContextVar[bool] = ContextVar("recorded_before_rule", default=False)
