"""decide(state, proposed event) -> the events to record, or a RejectedError and nothing.

A command here is the event the caller proposes; decide checks it against the plan as folded
so far. Pure: no clock, no I/O, no randomness (ids and dates arrive in the proposal).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import attrs

from goalplan import events as ev
from goalplan.domain import icd10cm, rules
from goalplan.domain.fold import correctable_types, undo
from goalplan.domain.material import content_digest
from goalplan.domain.state import PlanState
from goalplan.errors import RejectedError
from goalplan.text import check_date, check_not_future, check_number, check_text

Decider = Callable[[PlanState, Any], list[ev.Event]]
_DECIDERS: dict[type[ev.Event], Decider] = {}

MAX_REVIEW_EVERY_DAYS = 366
MAX_AGE_YEARS = 130
MAX_SESSION_MINUTES = 480
MAX_SESSIONS_PER_PERIOD = 31
SAFETY_RULE = "safety.phq9-item9"

# What a correctable entry is called where a person reads it (the event type tags are internal).
CORRECTABLE_ENTRIES: dict[str, str] = {
    "finding_silenced": "silenced findings",
    "gas_scored": "attainment scores",
    "goal_status_changed": "goal status changes",
    "intervention_planned": "interventions",
    "plan_closed": "the plan's closing",
    "plan_given": "copies given",
    "plan_signed": "signatures",
    "progress_recorded": "progress values",
    "review_held": "reviews",
    "safety_review_recorded": "safety reviews",
    "score_recorded": "instrument scores",
    "step_added": "steps",
    "step_completed": "steps marked done",
}


def decides(event_type: type[ev.Event]) -> Callable[[Decider], Decider]:
    def register(func: Decider) -> Decider:
        _DECIDERS[event_type] = func
        return func

    return register


# Dates of things that happened (not plans for the future): never after the day they are recorded.
OBSERVED_DATES = frozenset(
    {"observed_on", "held_on", "signed_on", "completed_on", "closed_on", "given_on", "reviewed_on"}
)


def decide(state: PlanState, proposed: ev.Event, *, today: date | None = None) -> list[ev.Event]:
    """The events ``proposed`` adds to ``state``, or RejectedError.

    ``today`` (the recording day, given by the caller: the domain has no clock) refuses an
    observation dated after it; without it that check is skipped.
    """
    decider = _DECIDERS.get(type(proposed))
    if decider is None:
        raise RejectedError("event", f"{proposed.TYPE!r} cannot be proposed as a command.")
    if not isinstance(proposed, ev.PlanOpened):
        if not state.is_open:
            raise RejectedError("plan", f"plan {state.plan_id} has not been opened.")
        if state.is_closed and not isinstance(proposed, ev.EntryCorrected):
            raise RejectedError(
                "plan",
                f"plan {state.plan_id} was closed on {state.closed_on}; it accepts only "
                "corrections of earlier entries.",
            )
    decided = decider(state, proposed)
    _check_every_field(proposed, today)
    return decided


def _check_every_field(proposed: ev.Event, today: date | None) -> None:
    """Whatever the event type: every text is storable text and every date within the range.

    The deciders below check each field's own rules (required, one line...); this guard makes
    sure no field is missed, including those of event types added later.
    """
    for name, value in ev.event_fields(proposed).items():
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, str):
                check_text(name, item)
            elif isinstance(item, ev.Measure):
                check_text("measure", item.name, line=True)
                check_text("unit", item.unit, line=True)
            elif isinstance(item, date):
                check_date(name, item)
                if today is not None and name in OBSERVED_DATES:
                    check_not_future(name, item, today)


@decides(ev.PlanOpened)
def _open(state: PlanState, e: ev.PlanOpened) -> list[ev.Event]:
    if state.is_open:
        raise RejectedError("plan", f"plan {state.plan_id} is already open.")
    rules.text("client", e.client_name, line=True)
    rules.text("clinician", e.clinician_name, line=True)
    rules.text("credentials", e.clinician_credentials, required=False, line=True)
    rules.text("discharge_criteria", e.discharge_criteria, required=False)
    if not 1 <= e.review_every_days <= MAX_REVIEW_EVERY_DAYS:
        raise RejectedError(
            "review_every",
            f"must be a whole number of days from 1 to {MAX_REVIEW_EVERY_DAYS} (got {e.review_every_days}).",
        )
    _check_client_fields(e, e.opened_on, e.guardian_name)
    return [e]


def _check_client_fields(e: ev.PlanOpened | ev.ClientDetailsChanged, opened_on: date, guardian: str) -> None:
    """``guardian`` is the guardian's name as it will be after the event."""
    for name in ev.CLIENT_FIELDS[2:]:
        value = getattr(e, name)
        if value is not None:
            rules.text(name.replace("_", "-"), value, required=False, line=True)
    born = e.client_birth_date
    if born is not None:
        if born > opened_on:
            raise RejectedError(
                "birth-date", f"{born.isoformat()} is after the plan opened on {opened_on.isoformat()}."
            )
        if opened_on.year - born.year > MAX_AGE_YEARS:
            raise RejectedError(
                "birth-date", f"{born.isoformat()} is more than {MAX_AGE_YEARS} years before the plan opened."
            )
    if e.guardian_relationship and not guardian.strip():
        raise RejectedError("guardian-relationship", "is given without --guardian, the guardian's name.")


_CLEARABLE_CLIENT = ev.CLIENT_FIELDS[1:]


@decides(ev.ClientDetailsChanged)
def _client(state: PlanState, e: ev.ClientDetailsChanged) -> list[ev.Event]:
    rules.text("reason", e.reason)
    if not e.changed_fields():
        raise RejectedError("client", "a change must give at least one new value or clear one.")
    if e.client_name is not None:
        rules.text("client", e.client_name, line=True)
    for name in e.cleared:
        rules.one_of("cleared", name, _CLEARABLE_CLIENT)
        if getattr(e, name) is not None:
            raise RejectedError(name, "cannot be both given a new value and cleared.")
        if getattr(state, name) in (None, ""):
            raise RejectedError(name, "is already empty; there is nothing to clear.")
    guardian = "" if "guardian_name" in e.cleared else (e.guardian_name or state.guardian_name)
    _check_client_fields(e, state.opened_on, guardian)
    for name in ev.CLIENT_FIELDS:
        new = getattr(e, name)
        if new is not None and new == getattr(state, name):
            raise RejectedError(name, f"is already {_show(new)}; a change must change it.")
    return [e]


@decides(ev.PlanDetailsSet)
def _details(state: PlanState, e: ev.PlanDetailsSet) -> list[ev.Event]:
    rules.text("reason", e.reason, required=False)
    if not e.changed_fields():
        raise RejectedError("details", "give at least one plan detail to set or clear.")
    for name in e.cleared:
        rules.one_of("cleared", name, ev.DETAIL_FIELDS)
        if getattr(e, name) is not None:
            raise RejectedError(name, "cannot be both given a new value and cleared.")
        if getattr(state, name) in (None, ""):
            raise RejectedError(name, "is already empty; there is nothing to clear.")
    for name in ev.DETAIL_FIELDS:
        value = getattr(e, name)
        if isinstance(value, str):
            rules.text(name.replace("_", "-"), value)
        if value is not None and value == getattr(state, name):
            raise RejectedError(name.replace("_", "-"), f"is already {_show(value)}.")
    rules.on_or_after_opening("effective-from", e.effective_from, state)
    start = state.effective_from if e.effective_from is None else e.effective_from
    end = state.effective_through if e.effective_through is None else e.effective_through
    if "effective_from" in e.cleared:
        start = None
    if "effective_through" in e.cleared:
        end = None
    if start is not None and end is not None and end <= start:
        raise RejectedError(
            "effective-through", f"{end.isoformat()} must be after the start {start.isoformat()}."
        )
    return [e]


@decides(ev.PresentingProblemSet)
def _problem(state: PlanState, e: ev.PresentingProblemSet) -> list[ev.Event]:
    area = state.focus_areas.get(e.focus_id)
    if area is None:
        raise RejectedError("focus", f"no focus area {e.focus_id!r} in this plan.")
    rules.text("presenting-problem", e.text)
    if e.text == area.presenting_problem:
        raise RejectedError("presenting-problem", f"is already that text for {area.title!r}.")
    return [e]


@decides(ev.DiagnosisAdded)
def _diagnosis(state: PlanState, e: ev.DiagnosisAdded) -> list[ev.Event]:
    code, description = icd10cm.billable(e.code)
    if code != e.code or e.description != description:
        raise RejectedError(
            "code",
            f"record {code} with the code set's description {description!r} (got {e.description!r}).",
        )
    if not isinstance(e.primary, bool):
        raise RejectedError("primary", f"must be true or false (got {e.primary!r}).")
    rules.text("dsm5", e.dsm5_text, required=False)
    current = state.diagnoses.get(code)
    if current is not None and current.status == "active":
        raise RejectedError("code", f"{code} is already an active diagnosis on this plan.")
    if len(set(e.focus_ids)) != len(e.focus_ids):
        raise RejectedError("focus", "a diagnosis lists each focus area once.")
    for focus_id in e.focus_ids:
        if focus_id not in state.focus_areas:
            raise RejectedError("focus", f"no focus area {focus_id!r} in this plan.")
    return [e]


@decides(ev.DiagnosisResolved)
def _diagnosis_resolved(state: PlanState, e: ev.DiagnosisResolved) -> list[ev.Event]:
    rules.text("reason", e.reason)
    found = state.diagnoses.get(e.code)
    if found is None or found.status != "active":
        active = ", ".join(c for c, d in state.diagnoses.items() if d.status == "active") or "none"
        raise RejectedError("code", f"{e.code} is not an active diagnosis on this plan (active: {active}).")
    return [e]


@decides(ev.FocusAreaAdded)
def _focus(state: PlanState, e: ev.FocusAreaAdded) -> list[ev.Event]:
    rules.new_id("focus", e.focus_id, state.focus_areas)
    rules.text("focus", e.title, line=True)
    rules.text("description", e.description, required=False)
    if any(a.title.casefold() == e.title.casefold() for a in state.focus_areas.values()):
        raise RejectedError("focus", f"the plan already has a focus area {e.title!r}.")
    return [e]


def _check_goal_fields(state: PlanState, e: ev.GoalSet | ev.GoalRevised) -> None:
    if e.statement is not None:
        rules.text("statement", e.statement)
    if e.focus_id is not None and e.focus_id not in state.focus_areas:
        raise RejectedError("focus", f"no focus area {e.focus_id!r} in this plan.")
    if e.term is not None:
        rules.one_of("term", e.term, ev.TERMS)
    if e.measure is not None:
        rules.measure(e.measure)
    rules.on_or_after_opening("target_date", e.target_date, state)
    if e.relevance is not None:
        rules.text("relevance", e.relevance, required=False)


@decides(ev.GoalSet)
def _goal_set(state: PlanState, e: ev.GoalSet) -> list[ev.Event]:
    rules.new_id("goal", e.goal_id, state.goals)
    _check_goal_fields(state, e)
    rules.one_of("status", e.status, rules.INITIAL_STATUSES)
    return [e]


_CLEARABLE = ("focus_id", "measure", "target_date", "relevance")


@decides(ev.GoalRevised)
def _goal_revised(state: PlanState, e: ev.GoalRevised) -> list[ev.Event]:
    goal = rules.live_goal(state, e.goal_id)
    rules.text("reason", e.reason)
    if not e.changed_fields():
        raise RejectedError("revision", "a revision must change at least one field of the goal.")
    for name in e.cleared:
        rules.one_of("cleared", name, _CLEARABLE)
        if getattr(e, name) is not None:
            raise RejectedError(name, "cannot be both given a new value and cleared.")
        if getattr(goal, name) in (None, ""):
            raise RejectedError(name, "is already empty; there is nothing to clear.")
    _check_goal_fields(state, e)
    for name in ev.REVISABLE_FIELDS:
        new = getattr(e, name)
        if new is not None and new == getattr(goal, name):
            raise RejectedError(name, f"is already {_show(new)}; a revision must change it.")
    return [e]


def _show(value: object) -> str:
    if isinstance(value, ev.Measure):
        return f"{value.name} ({value.unit}) {value.baseline:g} -> {value.target:g}"
    return repr(value) if isinstance(value, str) else str(value)


@decides(ev.StepAdded)
def _step(state: PlanState, e: ev.StepAdded) -> list[ev.Event]:
    rules.new_id("step", e.step_id, state.steps)
    rules.live_goal(state, e.goal_id)
    rules.text("step", e.text)
    rules.on_or_after_opening("due_on", e.due_on, state)
    return [e]


@decides(ev.StepCompleted)
def _step_done(state: PlanState, e: ev.StepCompleted) -> list[ev.Event]:
    step = state.steps.get(e.step_id)
    if step is None:
        raise RejectedError("step", f"no step {e.step_id!r} in plan {state.plan_id}.")
    if step.done:
        raise RejectedError("step", f"step {e.step_id} was already completed on {step.completed_on}.")
    rules.on_or_after_opening("completed_on", e.completed_on, state)
    return [e]


@decides(ev.InterventionPlanned)
def _intervention(state: PlanState, e: ev.InterventionPlanned) -> list[ev.Event]:
    rules.new_id("intervention", e.intervention_id, state.interventions)
    rules.text("modality", e.modality, line=True)
    rules.text("description", e.description)
    rules.text("frequency", e.frequency, line=True)
    if len(set(e.goal_ids)) != len(e.goal_ids):
        raise RejectedError("goal", "an intervention lists each goal once.")
    for goal_id in e.goal_ids:
        rules.live_goal(state, goal_id)
    if e.type:
        rules.one_of("type", e.type, ev.SESSION_TYPES)
    _whole("minutes", e.minutes, MAX_SESSION_MINUTES)
    _whole("sessions", e.sessions, MAX_SESSIONS_PER_PERIOD)
    if (e.sessions is None) != (not e.period):
        raise RejectedError("sessions", "a frequency count needs both --sessions N and --per PERIOD.")
    if e.period:
        rules.one_of("per", e.period, ev.PERIODS)
    rules.text("provider", e.provider_name, required=False, line=True)
    rules.text("provider-credentials", e.provider_credentials, required=False, line=True)
    rules.text("provider-role", e.provider_role, required=False, line=True)
    if (e.provider_credentials or e.provider_role) and not e.provider_name.strip():
        raise RejectedError("provider", "credentials or a role are given without the provider's name.")
    rules.on_or_after_opening("starts-on", e.starts_on, state)
    rules.on_or_after_opening("ends-on", e.ends_on, state)
    if e.starts_on is not None and e.ends_on is not None and e.ends_on < e.starts_on:
        raise RejectedError(
            "ends-on", f"{e.ends_on.isoformat()} is before the start {e.starts_on.isoformat()}."
        )
    return [e]


def _whole(field: str, value: int | None, most: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise RejectedError(field, f"must be a whole number from 1 to {most} (got {value!r}).")


@decides(ev.ProgressRecorded)
def _progress(state: PlanState, e: ev.ProgressRecorded) -> list[ev.Event]:
    goal = rules.goal(state, e.goal_id)
    if goal.status not in rules.PROGRESS_STATUSES:
        raise RejectedError(
            "goal",
            f"goal {goal.goal_id} is {goal.status}; progress can be recorded only on a goal that "
            "is proposed, planned, accepted, active or on-hold (reactivate it first).",
        )
    if goal.measure is None:
        raise RejectedError("goal", f"goal {goal.goal_id} has no measure; revise it with a measure first.")
    rules.finite("value", e.value)
    check_number("value", e.value)
    rules.on_or_after_opening("observed_on", e.observed_on, state)
    rules.text("note", e.note, required=False)
    return [e]


@decides(ev.ReviewHeld)
def _review(state: PlanState, e: ev.ReviewHeld) -> list[ev.Event]:
    rules.on_or_after_opening("held_on", e.held_on, state)
    rules.text("summary", e.summary, required=False)
    if e.next_review_on is not None and e.next_review_on <= e.held_on:
        raise RejectedError(
            "next_review_on",
            f"{e.next_review_on} must be after the review date {e.held_on}.",
        )
    return [e]


@decides(ev.GoalStatusChanged)
def _status(state: PlanState, e: ev.GoalStatusChanged) -> list[ev.Event]:
    goal = rules.goal(state, e.goal_id)
    rules.one_of("status", e.status, ev.LIFECYCLE_STATUSES)
    rules.text("reason", e.reason)
    if e.status == goal.status:
        raise RejectedError("status", f"goal {goal.goal_id} is already {goal.status}.")
    allowed = rules.TRANSITIONS[goal.status]
    if e.status not in allowed:
        moves = ", ".join(sorted(allowed)) or "nothing"
        raise RejectedError(
            "status", f"goal {goal.goal_id} is {goal.status}; it can move to {moves}, not to {e.status}."
        )
    rules.text("target-missed", e.target_missed_reason, required=False)
    if e.target_missed_reason and e.status != "completed":
        raise RejectedError("target-missed", "is given only when completing a goal.")
    m, latest = goal.measure, goal.latest
    if e.status == "completed" and m is not None and not rules.recorded_before_rule.get():
        if latest is None:
            raise RejectedError(
                "status",
                f"goal {goal.goal_id} is measured ({m.name}) but has no values; record the latest "
                "value before completing it, or cancel it with the reason.",
            )
        met = rules.meets_target(m.baseline, m.target, latest.value)
        if not met and not e.target_missed_reason.strip():
            raise RejectedError(
                "target-missed",
                f"goal {goal.goal_id}'s latest value {latest.value:g} (on {latest.observed_on}) misses "
                f"its target {m.target:g}; give the reason for completing it anyway.",
            )
        if met and e.target_missed_reason:
            raise RejectedError(
                "target-missed", f"goal {goal.goal_id} meets its target {m.target:g}; no reason is needed."
            )
    return [e]


@decides(ev.PlanSigned)
def _signed(state: PlanState, e: ev.PlanSigned) -> list[ev.Event]:
    rules.one_of("role", e.role, ev.SIGNER_ROLES)
    rules.text("name", e.name, line=True)
    rules.text("credentials", e.credentials, required=False, line=True)
    rules.on_or_after_opening("signed_on", e.signed_on, state)
    digest = content_digest(state)
    if e.signed_version is None and not e.content_digest:
        return [attrs.evolve(e, signed_version=state.version, content_digest=digest)]
    version = e.signed_version
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= state.version:
        raise RejectedError(
            "version", f"must be a version of this plan, from 1 to {state.version} (got {version!r})."
        )
    if e.content_digest != digest:
        changed = [c for c in state.material_changes if c.version > version]
        what = f" ({changed[-1].what}, recorded {changed[-1].recorded_at[:10]})" if changed else ""
        raise RejectedError(
            "version",
            f"the plan's material content changed after version {version}{what}; "
            "review the current plan and sign that.",
        )
    return [e]


@decides(ev.PlanGiven)
def _given(state: PlanState, e: ev.PlanGiven) -> list[ev.Event]:
    rules.text("to", e.given_to, line=True)
    rules.text("method", e.method, required=False, line=True)
    rules.on_or_after_opening("on", e.given_on, state)
    if e.plan_version is None:
        return [attrs.evolve(e, plan_version=state.version)]
    if isinstance(e.plan_version, bool) or not 1 <= e.plan_version <= state.version:
        raise RejectedError(
            "version", f"must be a version of this plan, from 1 to {state.version} (got {e.plan_version!r})."
        )
    return [e]


@decides(ev.SafetyReviewRecorded)
def _safety(state: PlanState, e: ev.SafetyReviewRecorded) -> list[ev.Event]:
    rules.text("reason", e.reason)
    score = next((s for s in state.scores if s.event_id == e.score_event_id), None)
    if score is None or not rules.is_safety_finding(score):
        raise RejectedError(
            "score",
            f"{e.score_event_id!r} is not a PHQ-9 score with item 9 above 0 in plan {state.plan_id}.",
        )
    if e.reviewed_on < score.observed_on:
        raise RejectedError(
            "on",
            f"{e.reviewed_on.isoformat()} is before the score it reviews ({score.observed_on.isoformat()}).",
        )
    done = next((r for r in state.safety_reviews if r.score_event_id == e.score_event_id), None)
    if done is not None:
        raise RejectedError(
            "score",
            f"the score of {score.observed_on.isoformat()} was already reviewed on {done.reviewed_on}.",
        )
    return [e]


@decides(ev.PlanClosed)
def _closed(state: PlanState, e: ev.PlanClosed) -> list[ev.Event]:
    rules.text("reason", e.reason)
    rules.on_or_after_opening("closed_on", e.closed_on, state)
    return [e]


@decides(ev.EntryCorrected)
def _corrected(state: PlanState, e: ev.EntryCorrected) -> list[ev.Event]:
    rules.text("reason", e.reason)
    entry = state.entries.get(e.corrected_event_id)
    if entry is None:
        names = (CORRECTABLE_ENTRIES.get(t, t.replace("_", " ")) for t in correctable_types())
        kinds = ", ".join(sorted(names))
        raise RejectedError(
            "event",
            f"no correctable entry {e.corrected_event_id!r} in plan {state.plan_id}; "
            f"corrections apply to: {kinds}.",
        )
    if e.corrected_event_id in state.corrected:
        raise RejectedError("event", f"entry {e.corrected_event_id} is already corrected.")
    if undo(state, e.corrected_event_id) == state:
        raise RejectedError(
            "event",
            f"entry {e.corrected_event_id} ({entry.type}) no longer has an effect on the plan "
            "(what it changed was already corrected); there is nothing to correct.",
        )
    return [e]


# Measurement-based care and SMART review --------------------------------------------------

MAX_GAS_WEIGHT = 100.0


def _live_goal(state: PlanState, goal_id: str) -> None:
    goal = rules.goal(state, goal_id)
    if goal.status not in rules.PROGRESS_STATUSES:
        raise RejectedError(
            "goal",
            f"goal {goal.goal_id} is {goal.status}; this can be recorded only on a goal that is "
            "proposed, planned, accepted, active or on-hold (reactivate it first).",
        )


@decides(ev.ScoreRecorded)
def _score(state: PlanState, e: ev.ScoreRecorded) -> list[ev.Event]:
    rules.text("instrument", e.instrument, line=True)
    rules.finite("total", e.total)
    for number, item in enumerate(e.items, start=1):
        if isinstance(item, bool) or not isinstance(item, int):
            raise RejectedError(f"item {number}", f"must be a whole number (got {item!r}).")
    if e.items and sum(e.items) != e.total:
        raise RejectedError(
            "items", f"add up to {sum(e.items)} but the total given is {e.total:g}; they must agree."
        )
    if e.goal_id is not None:
        _live_goal(state, e.goal_id)
    rules.on_or_after_opening("observed_on", e.observed_on, state)
    rules.text("note", e.note, required=False)
    return [e]


@decides(ev.GasScaleSet)
def _gas_scale(state: PlanState, e: ev.GasScaleSet) -> list[ev.Event]:
    _live_goal(state, e.goal_id)
    if len(e.levels) != len(ev.GAS_LEVELS):
        raise RejectedError(
            "levels",
            f"must give five descriptions, for levels -2, -1, 0, +1 and +2 (got {len(e.levels)}).",
        )
    for level, text in zip(ev.GAS_LEVELS, e.levels, strict=True):
        rules.text(f"level {level:+d}" if level else "level 0", text)
    rules.finite("weight", e.weight)
    if not 0 < e.weight <= MAX_GAS_WEIGHT:
        raise RejectedError(
            "weight", f"must be more than 0 and at most {MAX_GAS_WEIGHT:g} (got {e.weight:g})."
        )
    rules.text("reason", e.reason, required=False)
    current = state.goals[e.goal_id].gas_scale
    if current is not None and current.levels == e.levels and current.weight == e.weight:
        raise RejectedError("levels", "the goal already has exactly this scale and weight.")
    return [e]


@decides(ev.GasScored)
def _gas_scored(state: PlanState, e: ev.GasScored) -> list[ev.Event]:
    _live_goal(state, e.goal_id)
    if state.goals[e.goal_id].gas_scale is None:
        raise RejectedError(
            "goal", f"goal {e.goal_id} has no attainment scale yet; set its -2..+2 levels first."
        )
    if isinstance(e.level, bool) or not isinstance(e.level, int) or e.level not in ev.GAS_LEVELS:
        raise RejectedError("level", f"must be a whole number from -2 to +2 (got {e.level!r}).")
    rules.on_or_after_opening("observed_on", e.observed_on, state)
    rules.text("note", e.note, required=False)
    return [e]


@decides(ev.FindingSilenced)
def _silenced(state: PlanState, e: ev.FindingSilenced) -> list[ev.Event]:
    rules.text("rule", e.rule_id, line=True)
    rules.text("reason", e.reason)
    if e.rule_id == SAFETY_RULE:
        raise RejectedError(
            "rule",
            f"{SAFETY_RULE} is answered by recording a safety review (goalplan safety review), not silenced.",
        )
    if e.goal_id is not None:
        rules.goal(state, e.goal_id)
    for silence in state.silences:
        if silence.rule_id == e.rule_id and silence.goal_id == e.goal_id:
            where = f"goal {e.goal_id}" if e.goal_id else "the plan"
            raise RejectedError(
                "rule", f"{e.rule_id} is already silenced for {where} (because: {silence.reason})."
            )
    return [e]
