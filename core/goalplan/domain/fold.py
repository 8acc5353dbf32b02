"""fold(events) -> PlanState: the only way a plan's state comes to be."""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any, TypeVar

from goalplan import events as ev
from goalplan.codec import RecordedEvent
from goalplan.domain.material import content_digest
from goalplan.domain.replace import evolve
from goalplan.domain.state import (
    Diagnosis,
    Entry,
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
from goalplan.errors import IntegrityError


class Meta:
    """The envelope fields the fold needs; a RecordedEvent has them, so does a pending one."""

    __slots__ = ("actor", "event_id", "hash", "recorded_at")

    def __init__(self, event_id: str, recorded_at: str, actor: str, hash: str = "") -> None:
        self.event_id = event_id
        self.recorded_at = recorded_at
        self.actor = actor
        self.hash = hash


Applier = Callable[[PlanState, Any, Meta | RecordedEvent], PlanState]
_APPLIERS: dict[type[ev.Event], Applier] = {}
_UNDOERS: dict[str, Callable[[PlanState, str, str], PlanState]] = {}


def applies(event_type: type[ev.Event]) -> Callable[[Applier], Applier]:
    def register(func: Applier) -> Applier:
        _APPLIERS[event_type] = func
        return func

    return register


def fold(
    records: Iterable[RecordedEvent], plan_id: str | None = None, *, start: PlanState | None = None
) -> PlanState:
    """Replay a stream from its first event, or from ``start`` (a snapshot) on. An empty
    stream gives an unopened plan (or ``start`` itself).

    The same result as calling :func:`apply` for each event, done with less copying: the
    envelope fields (version, last recorded-at, head hash) are set once at the end, and the
    entries map is one dict that only this fold's own, never-returned, intermediate states see.
    """
    state: PlanState | None = None
    entries: dict[str, Entry] = {}
    if start is not None and start.version > 0:
        entries = dict(start.entries)
        state = evolve(start, entries=entries)
    last: RecordedEvent | None = None
    count = 0
    for record in records:
        if state is None:
            state = PlanState(plan_id=record.plan_id, entries=entries)
        event = record.event
        before = state
        try:  # free in Python 3.11 until something raises
            state = _APPLIERS[type(event)](state, event, record)
            if state.signatures and type(event) in _MATERIAL_CANDIDATES:
                state = _track_material(before, state, event, record, record.version)
        except _APPLY_FAILURES as exc:
            raise does_not_apply(record, exc) from exc
        entry = _entry_for(event)
        if entry is not None:
            entries[record.event_id] = entry
        last = record
        count += 1
    if last is None:
        return start if start is not None else PlanState(plan_id=plan_id or "")
    assert state is not None
    return evolve(
        state,
        version=state.version + count,
        last_recorded_at=last.recorded_at,
        head_hash=last.hash,
        entries=dict(entries),
    )


def apply(state: PlanState, event: ev.Event, meta: Meta | RecordedEvent) -> PlanState:
    try:
        new = _APPLIERS[type(event)](state, event, meta)
        if new.signatures and type(event) in _MATERIAL_CANDIDATES:
            new = _track_material(state, new, event, meta, state.version + 1)
    except _APPLY_FAILURES as exc:
        if isinstance(meta, RecordedEvent):
            raise does_not_apply(meta, exc) from exc
        raise
    entry = _entry_for(event)
    entries = state.entries if entry is None else {**state.entries, meta.event_id: entry}
    return evolve(
        new,
        version=state.version + 1,
        last_recorded_at=meta.recorded_at,
        head_hash=meta.hash,
        entries=entries,
    )


# What an applier raises when a stored event does not fit the plan it is folded into: an event
# written by goalplan always fits, so one that does not was altered, or forged, in the store.
_APPLY_FAILURES = (KeyError, IndexError, TypeError, ValueError, AttributeError)


def does_not_apply(record: RecordedEvent, exc: BaseException) -> IntegrityError:
    """One sentence naming the plan, version and what the event refers to that is not there."""
    if isinstance(exc, KeyError) and exc.args:
        cause = f"it refers to {exc.args[0]!r}, which the plan does not hold at that point"
    else:
        cause = f"{type(exc).__name__}: {exc}"
    return IntegrityError(
        f"{record.where}: this {record.type.replace('_', ' ')} entry does not fit the plan as it stood "
        f"({cause}); the log was altered. Run `goalplan verify`."
    )


# Events that can change the material content (domain/material.py). After the first signature,
# each one that does is noted, so a signature that is no longer current can name what changed.
# Whether a signature is current is decided by comparing digests (material.is_current); this
# list only names the changes, and is kept cheap: most events are judged by their type and
# fields, and only a correction, whose effect depends on what it takes back, is digested.
_MATERIAL_CANDIDATES: frozenset[type[ev.Event]] = frozenset(
    {
        ev.GoalSet,
        ev.GoalRevised,
        ev.GoalStatusChanged,
        ev.DiagnosisAdded,
        ev.DiagnosisResolved,
        ev.InterventionPlanned,
        ev.PlanDetailsSet,
        ev.EntryCorrected,
    }
)
_MATERIAL_GOAL_FIELDS = frozenset({"statement", "focus_id", "term", "measure", "target_date"})
_MATERIAL_DETAILS = frozenset({"effective_from", "effective_through"})


def _material_change(before: PlanState, after: PlanState, event: ev.Event) -> str | None:
    """What the event changed in the material content, in a few words; None if nothing."""
    if isinstance(event, ev.GoalRevised):
        fields = event.changed_fields()
        if _MATERIAL_GOAL_FIELDS.isdisjoint(fields):
            return None
        return f"goal {event.goal_id[:6]} revised ({', '.join(fields)})"
    if isinstance(event, ev.GoalStatusChanged):
        # Only entered-in-error takes the goal out of the plan; other moves follow the plan.
        return f"goal {event.goal_id[:6]} {event.status}" if event.status == "entered-in-error" else None
    if isinstance(event, ev.PlanDetailsSet):
        return None if _MATERIAL_DETAILS.isdisjoint(event.changed_fields()) else "effective dates changed"
    if isinstance(event, ev.EntryCorrected):
        if _same_material_values(before, after) or content_digest(before) == content_digest(after):
            return None
        entry = after.entries.get(event.corrected_event_id)
        return f"{entry.type if entry else 'entry'} corrected"
    return _describe(event)  # a goal set, a diagnosis added or resolved, an intervention planned


def _same_material_values(before: PlanState, after: PlanState) -> bool:
    """Whether ``material_content`` of the two states is built from the very same objects, so
    their digests are equal without computing them: most corrections take back progress, which
    leaves every goal's material fields as they were. False only means "compare the digests"."""
    if not (
        before.diagnoses is after.diagnoses
        and before.interventions is after.interventions
        and before.effective_from is after.effective_from
        and before.effective_through is after.effective_through
    ):
        return False
    old, new = before.goals, after.goals
    if old is new:
        return True
    if old.keys() != new.keys():
        return False
    for goal_id, goal in old.items():
        other = new[goal_id]
        if goal is not other and not (
            goal.goal_id is other.goal_id
            and goal.statement is other.statement
            and goal.focus_id is other.focus_id
            and goal.term is other.term
            and goal.measure is other.measure
            and goal.target_date is other.target_date
            and goal.status is other.status
        ):
            return False
    return True


def _track_material(
    before: PlanState, after: PlanState, event: ev.Event, meta: Meta | RecordedEvent, version: int
) -> PlanState:
    what = _material_change(before, after, event)
    if what is None:
        return after
    change = MaterialChange(version=version, event_id=meta.event_id, recorded_at=meta.recorded_at, what=what)
    return evolve(after, material_changes=(*after.material_changes, change))


def _describe(event: ev.Event) -> str:
    if isinstance(event, ev.GoalSet):
        return f"goal {event.goal_id[:6]} set"
    if isinstance(event, ev.DiagnosisAdded):
        return f"diagnosis {event.code} added"
    if isinstance(event, ev.DiagnosisResolved):
        return f"diagnosis {event.code} resolved"
    if isinstance(event, ev.InterventionPlanned):
        return f"intervention {event.modality} planned"
    return event.TYPE


def _entry_for(event: ev.Event) -> Entry | None:
    """The correctable entry an event makes, keyed by the thing its undo must find."""
    if event.TYPE not in _UNDOERS:
        return None
    cls = type(event)
    key_field = _KEY_FIELDS.get(cls, _UNKNOWN)
    if key_field is _UNKNOWN:  # worked out once per class: an event's fields are its class's
        key_field = _KEY_FIELDS[cls] = _ENTRY_KEYS.get(event.TYPE) or next(
            (n for n in ("goal_id", "step_id", "intervention_id") if hasattr(event, n)), None
        )
    return Entry(type=event.TYPE, key=getattr(event, key_field) if key_field else None)


_UNKNOWN: Any = object()
_KEY_FIELDS: dict[type, str | None] = {}


def _with_goal(state: PlanState, goal: Goal) -> PlanState:
    return evolve(state, goals={**state.goals, goal.goal_id: goal})


@applies(ev.PlanOpened)
def _opened(state: PlanState, e: ev.PlanOpened, meta: Meta | RecordedEvent) -> PlanState:
    return evolve(
        state,
        client_name=e.client_name,
        clinician_name=e.clinician_name,
        clinician_credentials=e.clinician_credentials,
        opened_on=e.opened_on,
        review_every_days=e.review_every_days,
        discharge_criteria=e.discharge_criteria,
        opened_by=meta.actor,
        client_birth_date=e.client_birth_date,
        client_record_number=e.client_record_number,
        client_preferred_name=e.client_preferred_name,
        client_pronouns=e.client_pronouns,
        guardian_name=e.guardian_name,
        guardian_relationship=e.guardian_relationship,
    )


def _changes(e: ev.ClientDetailsChanged | ev.PlanDetailsSet, names: tuple[str, ...]) -> dict[str, Any]:
    """The state fields an optional-fields event sets: given values, and cleared ones emptied."""
    changes: dict[str, Any] = {}
    for name in e.cleared:
        changes[name] = None if name in _DATE_FIELDS else ""
    for name in names:
        value = getattr(e, name)
        if value is not None:
            changes[name] = value
    return changes


_DATE_FIELDS = frozenset({"client_birth_date", "effective_from", "effective_through"})


@applies(ev.ClientDetailsChanged)
def _client(state: PlanState, e: ev.ClientDetailsChanged, meta: Meta | RecordedEvent) -> PlanState:
    return evolve(state, **_changes(e, ev.CLIENT_FIELDS))


@applies(ev.PlanDetailsSet)
def _details(state: PlanState, e: ev.PlanDetailsSet, meta: Meta | RecordedEvent) -> PlanState:
    return evolve(state, **_changes(e, ev.DETAIL_FIELDS))


@applies(ev.PresentingProblemSet)
def _problem(state: PlanState, e: ev.PresentingProblemSet, meta: Meta | RecordedEvent) -> PlanState:
    area = evolve(state.focus_areas[e.focus_id], presenting_problem=e.text)
    return evolve(state, focus_areas={**state.focus_areas, e.focus_id: area})


@applies(ev.DiagnosisAdded)
def _diagnosis(state: PlanState, e: ev.DiagnosisAdded, meta: Meta | RecordedEvent) -> PlanState:
    diagnoses = dict(state.diagnoses)
    if e.primary:  # one primary diagnosis: a new primary makes the earlier one secondary
        for code, other in diagnoses.items():
            if other.primary:
                diagnoses[code] = evolve(other, primary=False)
    diagnoses.pop(e.code, None)  # a code added again after it was resolved comes back as active
    diagnoses[e.code] = Diagnosis(
        code=e.code,
        description=e.description,
        primary=e.primary,
        dsm5_text=e.dsm5_text,
        focus_ids=e.focus_ids,
        event_id=meta.event_id,
        recorded_at=meta.recorded_at,
    )
    return evolve(state, diagnoses=diagnoses)


@applies(ev.DiagnosisResolved)
def _diagnosis_resolved(state: PlanState, e: ev.DiagnosisResolved, meta: Meta | RecordedEvent) -> PlanState:
    resolved = evolve(state.diagnoses[e.code], status="resolved", primary=False, resolve_reason=e.reason)
    return evolve(state, diagnoses={**state.diagnoses, e.code: resolved})


@applies(ev.FocusAreaAdded)
def _focus(state: PlanState, e: ev.FocusAreaAdded, meta: Meta | RecordedEvent) -> PlanState:
    area = FocusArea(focus_id=e.focus_id, title=e.title, description=e.description)
    return evolve(state, focus_areas={**state.focus_areas, e.focus_id: area})


@applies(ev.GoalSet)
def _goal_set(state: PlanState, e: ev.GoalSet, meta: Meta | RecordedEvent) -> PlanState:
    goal = Goal(
        goal_id=e.goal_id,
        statement=e.statement,
        focus_id=e.focus_id,
        term=e.term,
        measure=e.measure,
        target_date=e.target_date,
        relevance=e.relevance,
        initial_status=e.status,
        set_at=meta.recorded_at,
        set_by=meta.actor,
    )
    return _with_goal(state, goal)


@applies(ev.GoalRevised)
def _goal_revised(state: PlanState, e: ev.GoalRevised, meta: Meta | RecordedEvent) -> PlanState:
    goal = state.goals[e.goal_id]
    changes: dict[str, Any] = {n: None if n != "relevance" else "" for n in e.cleared}
    for name in e.changed_fields():
        value = getattr(e, name)
        if value is not None:
            changes[name] = value
    old, new = goal.measure, changes.get("measure", goal.measure)
    if old is not None and (new is None or (new.name, new.unit) != (old.name, old.unit)):
        # A different quantity: earlier values are kept apart so a chart never mixes units.
        series = MeasureSeries(measure=old, progress=goal.progress, replaced_at=meta.recorded_at)
        changes["earlier_series"] = (*goal.earlier_series, series)
        changes["progress"] = ()
    return _with_goal(state, evolve(goal, revisions=goal.revisions + 1, **changes))


@applies(ev.StepAdded)
def _step_added(state: PlanState, e: ev.StepAdded, meta: Meta | RecordedEvent) -> PlanState:
    step = Step(step_id=e.step_id, goal_id=e.goal_id, text=e.text, due_on=e.due_on)
    return evolve(state, steps={**state.steps, e.step_id: step})


@applies(ev.StepCompleted)
def _step_completed(state: PlanState, e: ev.StepCompleted, meta: Meta | RecordedEvent) -> PlanState:
    step = evolve(state.steps[e.step_id], completed_on=e.completed_on, completed_event_id=meta.event_id)
    return evolve(state, steps={**state.steps, e.step_id: step})


@applies(ev.InterventionPlanned)
def _intervention(state: PlanState, e: ev.InterventionPlanned, meta: Meta | RecordedEvent) -> PlanState:
    item = Intervention(
        intervention_id=e.intervention_id,
        modality=e.modality,
        description=e.description,
        frequency=e.frequency,
        goal_ids=e.goal_ids,
        type=e.type,
        minutes=e.minutes,
        sessions=e.sessions,
        period=e.period,
        provider_name=e.provider_name,
        provider_credentials=e.provider_credentials,
        provider_role=e.provider_role,
        starts_on=e.starts_on,
        ends_on=e.ends_on,
    )
    return evolve(state, interventions={**state.interventions, e.intervention_id: item})


T = TypeVar("T")


def _by_date(item: Any) -> tuple[Any, str]:
    """Dated entries (progress, scores, attainment levels) sort by day observed, then recording."""
    return (item.observed_on, item.recorded_at)


def _in_date_order(items: tuple[T, ...], item: T) -> tuple[T, ...]:
    if not items or _by_date(items[-1]) <= _by_date(item):
        return (*items, item)  # the usual case; what insort would do, without the list
    ordered = list(items)
    insort(ordered, item, key=_by_date)
    return tuple(ordered)


@applies(ev.ProgressRecorded)
def _progress(state: PlanState, e: ev.ProgressRecorded, meta: Meta | RecordedEvent) -> PlanState:
    goal = state.goals[e.goal_id]
    point = ProgressPoint(
        event_id=meta.event_id,
        value=e.value,
        observed_on=e.observed_on,
        note=e.note,
        recorded_at=meta.recorded_at,
        actor=meta.actor,
    )
    return _with_goal(state, evolve(goal, progress=_in_date_order(goal.progress, point)))


@applies(ev.ReviewHeld)
def _review(state: PlanState, e: ev.ReviewHeld, meta: Meta | RecordedEvent) -> PlanState:
    review = Review(
        event_id=meta.event_id,
        held_on=e.held_on,
        summary=e.summary,
        next_review_on=e.next_review_on,
        recorded_at=meta.recorded_at,
        actor=meta.actor,
    )
    return evolve(state, reviews=(*state.reviews, review))


@applies(ev.GoalStatusChanged)
def _status(state: PlanState, e: ev.GoalStatusChanged, meta: Meta | RecordedEvent) -> PlanState:
    goal = state.goals[e.goal_id]
    change = StatusChange(
        event_id=meta.event_id,
        status=e.status,
        reason=e.reason,
        recorded_at=meta.recorded_at,
        target_missed_reason=e.target_missed_reason,
    )
    return _with_goal(state, evolve(goal, status_changes=(*goal.status_changes, change)))


@applies(ev.PlanSigned)
def _signed(state: PlanState, e: ev.PlanSigned, meta: Meta | RecordedEvent) -> PlanState:
    if e.signed_version is not None:
        signed_version = e.signed_version
    else:  # schema 1: the plan as it stood just before this event, which the signer saw
        signed_version = getattr(meta, "version", state.version + 1) - 1
    signature = Signature(
        event_id=meta.event_id,
        role=e.role,
        name=e.name,
        credentials=e.credentials,
        signed_on=e.signed_on,
        signed_version=signed_version,
        content_digest=e.content_digest or content_digest(state),
        recorded_by=meta.actor,
        recorded_at=meta.recorded_at,
    )
    return evolve(state, signatures=(*state.signatures, signature))


@applies(ev.PlanGiven)
def _given(state: PlanState, e: ev.PlanGiven, meta: Meta | RecordedEvent) -> PlanState:
    copy = PlanCopy(
        event_id=meta.event_id,
        given_on=e.given_on,
        given_to=e.given_to,
        method=e.method,
        plan_version=e.plan_version,
        recorded_at=meta.recorded_at,
        actor=meta.actor,
    )
    return evolve(state, copies_given=(*state.copies_given, copy))


@applies(ev.SafetyReviewRecorded)
def _safety(state: PlanState, e: ev.SafetyReviewRecorded, meta: Meta | RecordedEvent) -> PlanState:
    review = SafetyReview(
        event_id=meta.event_id,
        score_event_id=e.score_event_id,
        reviewed_on=e.reviewed_on,
        reason=e.reason,
        recorded_at=meta.recorded_at,
        actor=meta.actor,
    )
    return evolve(state, safety_reviews=(*state.safety_reviews, review))


@applies(ev.PlanClosed)
def _closed(state: PlanState, e: ev.PlanClosed, meta: Meta | RecordedEvent) -> PlanState:
    return evolve(state, closed_on=e.closed_on, close_reason=e.reason, close_event_id=meta.event_id)


@applies(ev.EntryCorrected)
def _corrected(state: PlanState, e: ev.EntryCorrected, meta: Meta | RecordedEvent) -> PlanState:
    undone = undo(state, e.corrected_event_id) if e.corrected_event_id in state.entries else state
    return evolve(undone, corrected=state.corrected | {e.corrected_event_id})


def undoes(
    event_type: str,
) -> Callable[[Callable[[PlanState, str, str], PlanState]], Callable[[PlanState, str, str], PlanState]]:
    def register(
        func: Callable[[PlanState, str, str], PlanState],
    ) -> Callable[[PlanState, str, str], PlanState]:
        _UNDOERS[event_type] = func
        return func

    return register


def correctable_types() -> frozenset[str]:
    """Event types an entry_corrected may mark entered-in-error."""
    return frozenset(_UNDOERS)


# What each correctable entry is keyed by (a step_added has a goal_id too, but is undone by step);
# a type not listed is keyed by its first goal_id, step_id or intervention_id.
_ENTRY_KEYS: dict[str, str] = {
    ev.ProgressRecorded.TYPE: "goal_id",
    ev.GoalStatusChanged.TYPE: "goal_id",
    ev.StepAdded.TYPE: "step_id",
    ev.StepCompleted.TYPE: "step_id",
    ev.InterventionPlanned.TYPE: "intervention_id",
}

# Each undoer returns the state unchanged when the entry no longer has an effect (for example
# a step's completion after the step itself was corrected); decide refuses such a correction.


@undoes(ev.ProgressRecorded.TYPE)
def _undo_progress(state: PlanState, event_id: str, goal_id: str) -> PlanState:
    goal = state.goals.get(goal_id)
    if goal is None:
        return state
    kept = _without(goal.progress, event_id)
    if kept is goal.progress and all(
        _without(s.progress, event_id) is s.progress for s in goal.earlier_series
    ):
        return state
    earlier = tuple(evolve(s, progress=_without(s.progress, event_id)) for s in goal.earlier_series)
    return _with_goal(state, evolve(goal, progress=kept, earlier_series=earlier))


_event_id_of = attrgetter("event_id")


def _without(points: tuple[ProgressPoint, ...], event_id: str) -> tuple[ProgressPoint, ...]:
    """``tuple(p for p in points if p.event_id != event_id)``, or ``points`` itself when none
    is; the ids are read and searched in C (a goal may hold thousands of points)."""
    ids = list(map(_event_id_of, points))
    found = ids.count(event_id)
    if not found:
        return points
    if found == 1:
        at = ids.index(event_id)
        return tuple(points[:at]) + tuple(points[at + 1 :])
    return tuple(p for p in points if p.event_id != event_id)


@undoes(ev.GoalStatusChanged.TYPE)
def _undo_status(state: PlanState, event_id: str, goal_id: str) -> PlanState:
    goal = state.goals.get(goal_id)
    if goal is None or all(c.event_id != event_id for c in goal.status_changes):
        return state
    kept = tuple(c for c in goal.status_changes if c.event_id != event_id)
    return _with_goal(state, evolve(goal, status_changes=kept))


@undoes(ev.StepAdded.TYPE)
def _undo_step(state: PlanState, event_id: str, step_id: str) -> PlanState:
    if step_id not in state.steps:
        return state
    return evolve(state, steps={k: v for k, v in state.steps.items() if k != step_id})


@undoes(ev.StepCompleted.TYPE)
def _undo_step_done(state: PlanState, event_id: str, step_id: str) -> PlanState:
    step = state.steps.get(step_id)
    if step is None or step.completed_event_id != event_id:
        return state
    undone = evolve(step, completed_on=None, completed_event_id=None)
    return evolve(state, steps={**state.steps, step_id: undone})


@undoes(ev.InterventionPlanned.TYPE)
def _undo_intervention(state: PlanState, event_id: str, intervention_id: str) -> PlanState:
    if intervention_id not in state.interventions:
        return state
    kept = {k: v for k, v in state.interventions.items() if k != intervention_id}
    return evolve(state, interventions=kept)


@undoes(ev.ReviewHeld.TYPE)
def _undo_review(state: PlanState, event_id: str, _: str) -> PlanState:
    if all(r.event_id != event_id for r in state.reviews):
        return state
    return evolve(state, reviews=tuple(r for r in state.reviews if r.event_id != event_id))


@undoes(ev.PlanSigned.TYPE)
def _undo_signature(state: PlanState, event_id: str, _: str) -> PlanState:
    if all(s.event_id != event_id for s in state.signatures):
        return state
    return evolve(state, signatures=tuple(s for s in state.signatures if s.event_id != event_id))


@undoes(ev.PlanGiven.TYPE)
def _undo_given(state: PlanState, event_id: str, _: str) -> PlanState:
    return evolve(state, copies_given=tuple(c for c in state.copies_given if c.event_id != event_id))


@undoes(ev.SafetyReviewRecorded.TYPE)
def _undo_safety(state: PlanState, event_id: str, _: str) -> PlanState:
    return evolve(state, safety_reviews=tuple(r for r in state.safety_reviews if r.event_id != event_id))


@undoes(ev.PlanClosed.TYPE)
def _undo_close(state: PlanState, event_id: str, _: str) -> PlanState:
    if state.close_event_id != event_id:
        return state
    return evolve(state, closed_on=None, close_reason="", close_event_id=None)


# Measurement-based care and SMART review --------------------------------------------------


@applies(ev.ScoreRecorded)
def _score(state: PlanState, e: ev.ScoreRecorded, meta: Meta | RecordedEvent) -> PlanState:
    score = Score(
        event_id=meta.event_id,
        instrument=e.instrument,
        total=e.total,
        items=e.items,
        observed_on=e.observed_on,
        goal_id=e.goal_id,
        note=e.note,
        recorded_at=meta.recorded_at,
        actor=meta.actor,
    )
    return evolve(state, scores=_in_date_order(state.scores, score))


@applies(ev.GasScaleSet)
def _gas_scale(state: PlanState, e: ev.GasScaleSet, meta: Meta | RecordedEvent) -> PlanState:
    scale = GasScale(event_id=meta.event_id, levels=e.levels, weight=e.weight, recorded_at=meta.recorded_at)
    return _with_goal(state, evolve(state.goals[e.goal_id], gas_scale=scale))


@applies(ev.GasScored)
def _gas_scored(state: PlanState, e: ev.GasScored, meta: Meta | RecordedEvent) -> PlanState:
    goal = state.goals[e.goal_id]
    point = GasPoint(
        event_id=meta.event_id,
        level=e.level,
        observed_on=e.observed_on,
        note=e.note,
        recorded_at=meta.recorded_at,
        actor=meta.actor,
    )
    return _with_goal(state, evolve(goal, gas_points=_in_date_order(goal.gas_points, point)))


@applies(ev.FindingSilenced)
def _silenced(state: PlanState, e: ev.FindingSilenced, meta: Meta | RecordedEvent) -> PlanState:
    silence = Silence(
        event_id=meta.event_id,
        rule_id=e.rule_id,
        goal_id=e.goal_id,
        reason=e.reason,
        recorded_at=meta.recorded_at,
        actor=meta.actor,
    )
    return evolve(state, silences=(*state.silences, silence))


@undoes(ev.ScoreRecorded.TYPE)
def _undo_score(state: PlanState, event_id: str, _: str) -> PlanState:
    return evolve(state, scores=tuple(s for s in state.scores if s.event_id != event_id))


@undoes(ev.GasScored.TYPE)
def _undo_gas_scored(state: PlanState, event_id: str, goal_id: str) -> PlanState:
    goal = state.goals.get(goal_id)
    if goal is None:
        return state
    kept = tuple(p for p in goal.gas_points if p.event_id != event_id)
    return _with_goal(state, evolve(goal, gas_points=kept))


@undoes(ev.FindingSilenced.TYPE)
def _undo_silence(state: PlanState, event_id: str, _: str) -> PlanState:
    return evolve(state, silences=tuple(s for s in state.silences if s.event_id != event_id))


def undo(state: PlanState, event_id: str) -> PlanState:
    """The plan with one correctable entry taken back; unchanged if it has no effect any more."""
    entry = state.entries[event_id]
    return _UNDOERS[entry.type](state, event_id, entry.key or "")
