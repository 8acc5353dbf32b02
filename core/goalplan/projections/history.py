"""Who changed what, old value to new, when and why: the auditor's view of a plan.

Built by folding the stream one event at a time and comparing the plan before and after, so
the history can never disagree with the state it explains.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

from attrs import frozen

from goalplan.codec import RecordedEvent
from goalplan.domain import Goal, PlanState, ProgressPoint, apply
from goalplan.events import Measure

_GOAL_FIELDS = (
    "statement",
    "focus",
    "term",
    "measure",
    "unit",
    "baseline",
    "target",
    "target_date",
    "relevance",
    "status",
)
_PLAN_FIELDS = (
    "client_name",
    "clinician_name",
    "clinician_credentials",
    "opened_on",
    "review_every_days",
    "discharge_criteria",
    "closed_on",
    "close_reason",
    "client_birth_date",
    "client_record_number",
    "client_preferred_name",
    "client_pronouns",
    "guardian_name",
    "guardian_relationship",
    "strengths",
    "needs",
    "abilities",
    "preferences",
    "level_of_care",
    "effective_from",
    "effective_through",
    "aftercare",
    "referrals",
)

FIELD_LABELS = {
    # a goal's fields, worded as the PDF's revision table and `plan show` word them
    "statement": "Statement",
    "focus": "Focus area",
    "term": "Term",
    "measure": "Measure",
    "unit": "Unit",
    "baseline": "Baseline",
    "target": "Target",
    "target_date": "Target date",
    "relevance": "Why it matters",
    "status": "Status",
    "step": "Step",
    "progress": "Progress value",
    "gas_scale": "GAS scale",
    "gas_level": "GAS level",
    "score": "Instrument score",
    "silenced_rule": "Silenced lint rule",
    # the plan's
    "client_name": "Client",
    "clinician_name": "Clinician",
    "clinician_credentials": "Clinician's credentials",
    "opened_on": "Date opened",
    "review_every_days": "Review every (days)",
    "discharge_criteria": "Discharge criteria",
    "closed_on": "Date closed",
    "close_reason": "Reason closed",
    "client_birth_date": "Date of birth",
    "client_record_number": "Record number",
    "client_preferred_name": "Preferred name",
    "client_pronouns": "Pronouns",
    "guardian_name": "Guardian / legal representative",
    "guardian_relationship": "Guardian's relationship",
    "strengths": "Strengths",
    "needs": "Needs",
    "abilities": "Abilities",
    "preferences": "Preferences",
    "level_of_care": "Level of care",
    "effective_from": "Effective from",
    "effective_through": "Effective through",
    "aftercare": "Aftercare",
    "referrals": "Referrals",
    "focus_area": "Focus area",
    "presenting_problem": "Presenting problem",
    "diagnosis": "Diagnosis",
    "intervention": "Intervention",
    "review": "Review",
    "signature": "Signature",
    "plan_given": "Copy given",
    "safety_review": "Safety review",
}
"""What a clinician reads for each ``HistoryEntry.field``; the field names themselves stay as
they are in ``history --json``, where scripts read them."""


def field_label(name: str) -> str:
    """The label shown for a history field; an unknown name is shown as words, not as a key."""
    return FIELD_LABELS.get(name) or name.replace("_", " ").capitalize()


@frozen(kw_only=True)
class HistoryEntry:
    """One field's change. ``goal_id`` is None for plan-level changes."""

    position: int
    version: int
    recorded_at: str
    actor: str
    event_id: str
    event_type: str
    goal_id: str | None
    field: str
    old: str
    new: str
    reason: str
    recorded_by: str = ""
    """Who the store saw writing (database role or operating-system user), beside the declared
    actor; empty for events recorded before goalplan kept it."""

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "version": self.version,
            "recorded_at": self.recorded_at,
            "actor": self.actor,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "goal_id": self.goal_id,
            "field": self.field,
            "old": self.old,
            "new": self.new,
            "reason": self.reason,
            "recorded_by": self.recorded_by,
        }


def show(value: object) -> str:
    """A value as a person reads it in a history table."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[no-any-return]
    return str(value)


def goal_fields(goal: Goal | None, state: PlanState) -> dict[str, str]:
    if goal is None:
        return {}
    m: Measure | None = goal.measure
    return {
        "statement": goal.statement,
        "focus": state.focus_title(goal.focus_id),
        "term": goal.term,
        "measure": m.name if m else "",
        "unit": m.unit if m else "",
        "baseline": show(m.baseline) if m else "",
        "target": show(m.target) if m else "",
        "target_date": show(goal.target_date),
        "relevance": goal.relevance,
        "status": goal.status,
    }


def _plan_fields(state: PlanState) -> dict[str, str]:
    return {name: show(getattr(state, name)) if state.is_open else "" for name in _PLAN_FIELDS}


def _entry(record: RecordedEvent, goal_id: str | None, name: str, old: str, new: str) -> HistoryEntry:
    return HistoryEntry(
        position=record.position,
        version=record.version,
        recorded_at=record.recorded_at,
        actor=record.actor,
        event_id=record.event_id,
        event_type=record.type,
        goal_id=goal_id,
        field=name,
        old=old,
        new=new,
        reason=_reason(record),
        recorded_by=record.recorded_by,
    )


def _reason(record: RecordedEvent) -> str:
    return str(getattr(record.event, "reason", "") or "")


def iter_changes(records: Iterable[RecordedEvent]) -> Iterator[HistoryEntry]:
    """Every field-level change in a stream, in the order it was recorded."""
    state: PlanState | None = None
    for record in records:
        before = state or PlanState(plan_id=record.plan_id)
        after = apply(before, record.event, record)
        state = after

        entry = partial(_entry, record)

        old_plan, new_plan = _plan_fields(before), _plan_fields(after)
        for name in _PLAN_FIELDS:
            if old_plan[name] != new_plan[name]:
                yield entry(None, name, old_plan[name], new_plan[name])
        yield from (entry(None, *c) for c in _collection_changes(before, after))
        yield from (entry(None, *c) for c in _clinical_changes(before, after))
        yield from (entry(*c) for c in _measurement_changes(before, after))
        for goal_id in sorted(set(before.goals) | set(after.goals)):
            old_goal, new_goal = before.goals.get(goal_id), after.goals.get(goal_id)
            if old_goal is new_goal:
                continue
            old_fields, new_fields = goal_fields(old_goal, before), goal_fields(new_goal, after)
            for name in _GOAL_FIELDS:
                old_value, new_value = old_fields.get(name, ""), new_fields.get(name, "")
                if old_value != new_value:
                    yield entry(goal_id, name, old_value, new_value)
            yield from (entry(goal_id, *c) for c in _progress_changes(old_goal, new_goal))
            yield from (entry(goal_id, *c) for c in _gas_changes(old_goal, new_goal))
        for step_id in sorted(set(before.steps) | set(after.steps)):
            old_step, new_step = before.steps.get(step_id), after.steps.get(step_id)
            if old_step == new_step:
                continue
            goal_id = (new_step or old_step).goal_id  # type: ignore[union-attr]
            old_text = _step_text(old_step)
            new_text = _step_text(new_step)
            yield entry(goal_id, "step", old_text, new_text)


def _step_text(step: Any) -> str:
    if step is None:
        return ""
    done = f" (done {step.completed_on.isoformat()})" if step.completed_on else ""
    due = f" by {step.due_on.isoformat()}" if step.due_on else ""
    return f"{step.text}{due}{done}"


def _progress_changes(old: Goal | None, new: Goal | None) -> Iterator[tuple[str, str, str]]:
    old_points = _all_points(old)
    new_points = _all_points(new)
    for event_id, point in new_points.items():
        if event_id not in old_points:
            yield ("progress", "", f"{point.value:g} on {point.observed_on.isoformat()}")
    for event_id, point in old_points.items():
        if event_id not in new_points:
            yield ("progress", f"{point.value:g} on {point.observed_on.isoformat()}", "")


def _all_points(goal: Goal | None) -> dict[str, ProgressPoint]:
    """Current and earlier-measure values alike: a change of measure removes no value."""
    if goal is None:
        return {}
    points = [*goal.progress, *(p for series in goal.earlier_series for p in series.progress)]
    return {p.event_id: p for p in points}


def _gas_changes(old: Goal | None, new: Goal | None) -> Iterator[tuple[str, str, str]]:
    old_scale = old.gas_scale if old else None
    new_scale = new.gas_scale if new else None
    if old_scale != new_scale:
        yield ("gas_scale", _scale_text(old_scale), _scale_text(new_scale))
    old_points = {p.event_id: p for p in (old.gas_points if old else ())}
    new_points = {p.event_id: p for p in (new.gas_points if new else ())}
    for event_id, point in new_points.items():
        if event_id not in old_points:
            yield ("gas_level", "", f"{point.level:+d} on {point.observed_on.isoformat()}")
    for event_id, point in old_points.items():
        if event_id not in new_points:
            yield ("gas_level", f"{point.level:+d} on {point.observed_on.isoformat()}", "")


def _scale_text(scale: Any) -> str:
    if scale is None:
        return ""
    return f"weight {scale.weight:g}; " + "; ".join(
        f"{level:+d}: {text}" for level, text in zip((-2, -1, 0, 1, 2), scale.levels, strict=False)
    )


def _measurement_changes(before: PlanState, after: PlanState) -> Iterator[tuple[str | None, str, str, str]]:
    """Instrument scores and silenced lint findings, added or corrected away."""
    if before.scores != after.scores:
        old_s = {s.event_id: s for s in before.scores}
        new_s = {s.event_id: s for s in after.scores}
        for key in new_s.keys() - old_s.keys():
            score = new_s[key]
            yield (
                score.goal_id,
                "score",
                "",
                f"{score.instrument} {score.total:g} on {score.observed_on.isoformat()}",
            )
        for key in old_s.keys() - new_s.keys():
            score = old_s[key]
            yield (
                score.goal_id,
                "score",
                f"{score.instrument} {score.total:g} on {score.observed_on.isoformat()}",
                "",
            )
    if before.silences != after.silences:
        old_q = {s.event_id: s for s in before.silences}
        new_q = {s.event_id: s for s in after.silences}
        for key in new_q.keys() - old_q.keys():
            yield (new_q[key].goal_id, "silenced_rule", "", new_q[key].rule_id)
        for key in old_q.keys() - new_q.keys():
            yield (old_q[key].goal_id, "silenced_rule", old_q[key].rule_id, "")


def _collection_changes(before: PlanState, after: PlanState) -> Iterator[tuple[str, str, str]]:
    for old_area in before.focus_areas.values() if before.focus_areas is not after.focus_areas else ():
        if old_area.focus_id not in after.focus_areas:
            yield ("focus_area", old_area.title, "")
    if before.focus_areas is not after.focus_areas:
        for area in after.focus_areas.values():
            if area.focus_id not in before.focus_areas:
                yield ("focus_area", "", area.title)
    if before.interventions is not after.interventions:
        for key in sorted(set(before.interventions) | set(after.interventions)):
            old_i, new_i = before.interventions.get(key), after.interventions.get(key)
            if old_i != new_i:
                yield ("intervention", _intervention_text(old_i), _intervention_text(new_i))
    if before.reviews != after.reviews:
        old_r = {r.event_id: r for r in before.reviews}
        new_r = {r.event_id: r for r in after.reviews}
        for key in old_r.keys() - new_r.keys():
            yield ("review", f"held {old_r[key].held_on.isoformat()}", "")
        for key in new_r.keys() - old_r.keys():
            review = new_r[key]
            nxt = f", next {review.next_review_on.isoformat()}" if review.next_review_on else ""
            yield ("review", "", f"held {review.held_on.isoformat()}{nxt}")
    if before.signatures != after.signatures:
        old_s = {s.event_id: s for s in before.signatures}
        new_s = {s.event_id: s for s in after.signatures}
        for key in old_s.keys() - new_s.keys():
            yield ("signature", f"{old_s[key].role}: {old_s[key].name}", "")
        for key in new_s.keys() - old_s.keys():
            sig = new_s[key]
            yield ("signature", "", f"{sig.role}: {sig.name} on {sig.signed_on.isoformat()}")


def _clinical_changes(before: PlanState, after: PlanState) -> Iterator[tuple[str, str, str]]:
    """Diagnoses, presenting problems, copies given and safety reviews, added or changed."""
    if before.diagnoses is not after.diagnoses:
        for code in sorted(set(before.diagnoses) | set(after.diagnoses)):
            old_d, new_d = before.diagnoses.get(code), after.diagnoses.get(code)
            if old_d != new_d:
                yield ("diagnosis", _diagnosis_text(old_d), _diagnosis_text(new_d))
    if before.focus_areas is not after.focus_areas:
        for key, area in after.focus_areas.items():
            old_area = before.focus_areas.get(key)
            old_problem = old_area.presenting_problem if old_area else ""
            if area.presenting_problem != old_problem:
                yield ("presenting_problem", old_problem, area.presenting_problem)
    if before.copies_given != after.copies_given:
        old_c = {c.event_id for c in before.copies_given}
        for copy in after.copies_given:
            if copy.event_id not in old_c:
                yield ("plan_given", "", f"to {copy.given_to} on {copy.given_on.isoformat()}")
    if before.safety_reviews != after.safety_reviews:
        old_r = {r.event_id for r in before.safety_reviews}
        for review in after.safety_reviews:
            if review.event_id not in old_r:
                yield ("safety_review", "", f"{review.reviewed_on.isoformat()}: {review.reason}")


def _diagnosis_text(item: Any) -> str:
    if item is None:
        return ""
    rank = "primary" if item.primary else "secondary"
    return f"{item.code} {item.description} ({rank}, {item.status})"


def _intervention_text(item: Any) -> str:
    if item is None:
        return ""
    return f"{item.modality}: {item.description} ({item.frequency})"


def plan_history(records: Iterable[RecordedEvent], goal_id: str | None = None) -> list[HistoryEntry]:
    """The plan's changes; with ``goal_id``, only that goal's (its fields, progress and steps)."""
    changes = iter_changes(records)
    if goal_id is None:
        return list(changes)
    return [c for c in changes if c.goal_id == goal_id]
