"""The forms for measurement-based care and the plan's paper trail: instrument scores, a goal's
attainment scale and its ratings, safety reviews, and copies of the plan given.

Each is a ``PlanForm`` like the record's other forms (``record_forms``), so ``plan_forms`` gives it
the same role check, field errors, CSRF token and 409 conflict page; each write is one call on the
public API (``record_score``, ``set_gas_scale``, ``score_gas``, ``review_safety``, ``give_copy``)
with the version the form was shown, the same checks as ``goalplan score``, ``gas``, ``safety
review`` and ``plan given``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import goalplan
from goalplan_web.form_fields import Fields, Invalid
from goalplan_web.record_forms import OPTIONAL_DAY, REASON, PlanForm, Target

# A goal's attainment levels -2..+2 as form fields (an id cannot start with a sign).
GAS_FIELDS = {"minus2": -2, "minus1": -1, "expected": 0, "plus1": 1, "plus2": 2}
GAS_LABELS = {
    "minus2": "−2: much less than expected",
    "minus1": "−1: somewhat less than expected",
    "expected": "0: the expected outcome",
    "plus1": "+1: somewhat more than expected",
    "plus2": "+2: much more than expected",
}
GAS_CHOICES = ("-2", "-1", "0", "+1", "+2")


def _items(f: Fields) -> tuple[int, ...]:
    """Item scores in order, separated by commas or spaces (as ``goalplan score --items``)."""
    text = f.text("items")
    try:
        return tuple(int(p) for p in text.replace(",", " ").split())
    except ValueError:
        f.fail(
            "items", "Give the item scores as whole numbers in order, separated by commas, such as 1,2,0,3."
        )
        return ()


def _score(t: Target, f: Fields) -> str:
    instrument = f.text("instrument", "Choose the instrument.")
    total = f.number("total")
    if total is None:
        f.fail("total", "Give the total score, such as 14.")
    items = _items(f)
    on = f.day("on", empty=OPTIONAL_DAY)
    goal = f.text("goal")
    if goal and goal not in t.state.goals:
        f.fail("goal", "Choose a goal of this plan, or none.")
    f.check()
    assert total is not None
    try:
        t.plan.record_score(
            instrument,
            total,
            items=items,
            on=on,
            goal=goal or None,
            note=f.text("note"),
            expected_version=t.version,
        )
    except goalplan.RejectedError as refused:
        if refused.field.startswith("item "):  # one item out of range: "item 3 must be from 0 to 3"
            raise Invalid({"items": f"{refused.field.capitalize()} {refused.message}"}) from None
        raise
    return f"{t.plan_url}/scores"


def _scores_context(state: goalplan.PlanState, params: Mapping[str, str]) -> dict[str, Any]:
    instruments = goalplan.registered_instruments()
    return {
        "instruments": list(instruments.values()),
        "instrument_names": {i.id: i.name for i in instruments.values()},
        "scores": list(reversed(state.scores)),
        "goal_choices": [(g.goal_id, g.statement) for g in state.goals.values()],
    }


def _gas_now(state: goalplan.PlanState, params: Mapping[str, str]) -> dict[str, str]:
    """The goal's scale as it stands (empty levels and weight 1 before it has one)."""
    goal = state.goals.get(params["goal_id"])
    scale = goal.gas_scale if goal else None
    if scale is None:
        return {**dict.fromkeys(GAS_FIELDS, ""), "weight": "1"}
    return {
        **{name: scale.describe(level) for name, level in GAS_FIELDS.items()},
        "weight": f"{scale.weight:g}",
    }


def _gas_scale(t: Target, f: Fields) -> str:
    levels = {
        level: f.text(name, "Describe what this level looks like for the client.")
        for name, level in GAS_FIELDS.items()
    }
    weight = f.number("weight")
    f.check()
    t.plan.set_gas_scale(
        t.goal_id,
        levels,
        weight=1.0 if weight is None else weight,
        reason=f.text("reason"),
        expected_version=t.version,
    )
    return t.goal_url


def _gas_score(t: Target, f: Fields) -> str:
    level = f.choice("level", GAS_CHOICES, "Choose a level from −2 to +2.")
    if not level:
        f.fail("level", "Choose the level the goal was found at.")
    on = f.day("on", empty=OPTIONAL_DAY)
    f.check()
    t.plan.score_gas(t.goal_id, int(level), on=on, note=f.text("note"), expected_version=t.version)
    return t.goal_url


def _gas_context(state: goalplan.PlanState, params: Mapping[str, str]) -> dict[str, Any]:
    goal = state.goals[params["goal_id"]]
    scale = goal.gas_scale
    return {
        "scale": scale,
        "gas_levels": [
            (choice, f"{choice}: {scale.describe(int(choice))}" if scale else choice)
            for choice in GAS_CHOICES
        ],
        "gas_points": list(reversed(goal.gas_points)),
    }


def _safety(t: Target, f: Fields) -> str:
    score = f.text("score")
    findings = {s.event_id for s in t.state.scores if goalplan.is_safety_finding(s)}
    if score and score not in findings:
        f.fail("score", "Choose one of the findings listed.")
    reason = f.text("reason", "Describe the safety response: the assessment done, the plan made.")
    on = f.day("on", empty=OPTIONAL_DAY)
    f.check()
    t.plan.review_safety(reason=reason, score=score or None, on=on, expected_version=t.version)
    return f"{t.plan_url}/safety-review"


def _findings(state: goalplan.PlanState) -> list[tuple[goalplan.Score, goalplan.SafetyReview | None]]:
    reviews = {r.score_event_id: r for r in state.safety_reviews}
    return [(s, reviews.get(s.event_id)) for s in state.scores if goalplan.is_safety_finding(s)]


def _safety_context(state: goalplan.PlanState, params: Mapping[str, str]) -> dict[str, Any]:
    findings = _findings(state)
    return {"findings": findings, "waiting": [s for s, review in findings if review is None]}


def _given(t: Target, f: Fields) -> str:
    to = f.text("to", "Say who received the copy, such as the client or their guardian.")
    on = f.day("on", empty=OPTIONAL_DAY)
    f.check()
    t.plan.give_copy(to=to, on=on, method=f.text("method"), expected_version=t.version)
    return f"{t.plan_url}/copies-given"


FORMS: dict[str, PlanForm] = {
    "scores": PlanForm(
        "/scores",
        "Scores",
        "form_scores.html",
        "Record score",
        {
            "instrument": "Instrument",
            "total": "Total score",
            "items": "Item scores",
            "on": "Completed on",
            "goal": "Goal it measures",
            "note": "Note",
        },
        _score,
        extra=_scores_context,
    ),
    "gas_scale": PlanForm(
        "/goals/{goal_id}/gas-scale",
        "Goal attainment scale",
        "form_gas_scale.html",
        "Save scale",
        {**GAS_LABELS, "weight": "Weight", "reason": REASON},
        _gas_scale,
        prefill=_gas_now,
        back_to_goal=True,
        # The domain names a level "level -2" .. "level +2" (field_of turns "-" into "_").
        renames={
            f"level {level:+d}".replace("-", "_") if level else "level 0": name
            for name, level in GAS_FIELDS.items()
        },
    ),
    "gas_score": PlanForm(
        "/goals/{goal_id}/gas-score",
        "Rate goal attainment",
        "form_gas_score.html",
        "Record rating",
        {"level": "Level found", "on": "Observed on", "note": "Note"},
        _gas_score,
        back_to_goal=True,
        extra=_gas_context,
    ),
    "safety": PlanForm(
        "/safety-review",
        "Safety reviews",
        "form_safety.html",
        "Record safety review",
        {"score": "Finding reviewed", "on": "Reviewed on", "reason": "Safety response"},
        _safety,
        extra=_safety_context,
    ),
    "given": PlanForm(
        "/copies-given",
        "Copies given",
        "form_given.html",
        "Record copy given",
        {"to": "Given to", "on": "Given on", "method": "How"},
        _given,
        extra=lambda state, params: {"copies": list(reversed(state.copies_given))},
    ),
}
