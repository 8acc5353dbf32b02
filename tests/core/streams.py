"""Plan streams built without a database: decide, apply and hash-chain, as the API does.

``StreamBuilder`` records events the way ``Plan.execute`` would (decide first, then apply), so
its running state is "the state built step by step". ``plan_histories`` draws random but
valid courses of therapy for the hypothesis properties.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import strategies as st

from goalplan.codec import GENESIS_HASH, NewEvent, RecordedEvent, chain_hash
from goalplan.domain import PlanState, apply, decide
from goalplan.domain.rules import TRANSITIONS
from goalplan.errors import RejectedError
from goalplan.events import (
    EntryCorrected,
    Event,
    FocusAreaAdded,
    GoalRevised,
    GoalSet,
    GoalStatusChanged,
    InterventionPlanned,
    Measure,
    PlanClosed,
    PlanOpened,
    PlanSigned,
    ProgressRecorded,
    ReviewHeld,
    StepAdded,
    StepCompleted,
)

OPENED_ON = date(2026, 1, 5)
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class StreamBuilder:
    def __init__(self, plan_id: str = "PLAN0000000000AA", start: datetime = T0) -> None:
        self.plan_id = plan_id
        self.start = start
        self.records: list[RecordedEvent] = []
        self.state = PlanState(plan_id=plan_id)
        self.rejected = 0

    def add(self, event: Event, *, actor: str = "dr.ruiz", event_id: str | None = None) -> RecordedEvent:
        """Decide ``event`` against the running state and record it (raises RejectedError)."""
        decided = decide(self.state, event)
        record = None
        for one in decided:
            record = self._record(one, actor, event_id)
            self.state = apply(self.state, record.event, record)
        assert record is not None
        return record

    def try_add(self, event: Event) -> RecordedEvent | None:
        try:
            return self.add(event)
        except RejectedError:
            self.rejected += 1
            return None

    def _record(self, event: Event, actor: str, event_id: str | None) -> RecordedEvent:
        version = len(self.records) + 1
        recorded_at = self.start + timedelta(minutes=version)
        new = NewEvent.of(
            event, actor=actor, recorded_at=recorded_at, event_id=event_id or f"ev-{version:04d}"
        )
        prev = self.records[-1].hash if self.records else GENESIS_HASH
        digest = chain_hash(plan_id=self.plan_id, version=version, event=new, prev_hash=prev)
        record = RecordedEvent(
            new.event_id,
            self.plan_id,
            version,
            version,
            new.recorded_at,
            new.actor,
            new.type,
            new.schema_version,
            new.payload,
            prev,
            digest,
        )
        self.records.append(record)
        return record


def opened_plan(**overrides: object) -> StreamBuilder:
    builder = StreamBuilder()
    fields: dict[str, object] = {
        "client_name": "Ana B.",
        "clinician_name": "Dr. Ruiz",
        "opened_on": OPENED_ON,
    }
    fields.update(overrides)
    builder.add(PlanOpened(**fields))  # type: ignore[arg-type]
    return builder


# --- hypothesis strategies -------------------------------------------------------------------

texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=24,
).filter(lambda s: bool(s.strip()))
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6)
later_days = st.integers(0, 400).map(lambda n: OPENED_ON + timedelta(days=n))


@st.composite
def measures(draw: st.DrawFn) -> Measure:
    baseline = draw(finite)
    target = draw(finite.filter(lambda t: t != baseline))
    return Measure(name=draw(texts), unit=draw(texts), baseline=baseline, target=target)


KINDS = (
    "focus",
    "goal",
    "goal",
    "revise",
    "step",
    "done",
    "intervention",
    "progress",
    "progress",
    "progress",
    "review",
    "status",
    "sign",
    "correct",
    "correct",
)


def _next_command(draw: st.DrawFn, state: PlanState, n: int) -> Event | None:
    kind = "close" if draw(st.integers(0, 39)) == 0 else draw(st.sampled_from(KINDS))
    goals = sorted(state.goals)
    if kind == "focus":
        return FocusAreaAdded(focus_id=f"F{n:03d}", title=draw(texts))
    if kind == "goal":
        focus = draw(st.sampled_from([None, *sorted(state.focus_areas)]))
        return GoalSet(
            goal_id=f"G{n:03d}",
            statement=draw(texts),
            focus_id=focus,
            term=draw(st.sampled_from(["short", "long"])),
            measure=draw(st.one_of(measures(), measures(), st.none())),
            target_date=draw(st.one_of(st.none(), later_days)),
            status=draw(st.sampled_from(["proposed", "active", "active", "on-hold"])),
        )
    if not goals:
        return None
    goal_id = draw(st.sampled_from(goals))
    goal = state.goals[goal_id]
    if kind == "revise":
        change = draw(st.sampled_from(["statement", "measure", "target_date", "term"]))
        value: object = {
            "statement": texts,
            "measure": measures(),
            "target_date": later_days,
            "term": st.just("long" if goal.term == "short" else "short"),
        }[change]
        return GoalRevised(goal_id=goal_id, reason=draw(texts), **{change: draw(value)})  # type: ignore[arg-type]
    if kind == "step":
        return StepAdded(
            step_id=f"S{n:03d}", goal_id=goal_id, text=draw(texts), due_on=draw(st.none() | later_days)
        )
    if kind == "done":
        open_steps = sorted(s for s, step in state.steps.items() if not step.done)
        if not open_steps:
            return None
        return StepCompleted(step_id=draw(st.sampled_from(open_steps)), completed_on=draw(later_days))
    if kind == "intervention":
        linked = draw(st.lists(st.sampled_from(goals), unique=True, max_size=2))
        return InterventionPlanned(
            intervention_id=f"I{n:03d}",
            modality=draw(st.sampled_from(["CBT", "DBT", "psychodynamic"])),
            description=draw(texts),
            frequency="weekly",
            goal_ids=tuple(linked),
        )
    if kind == "progress":
        return ProgressRecorded(goal_id=goal_id, value=draw(finite), observed_on=draw(later_days))
    if kind == "review":
        held = draw(later_days)
        nxt = draw(st.none() | st.integers(1, 180).map(lambda d: held + timedelta(days=d)))
        return ReviewHeld(held_on=held, summary=draw(st.just("") | texts), next_review_on=nxt)
    if kind == "status":
        moves = sorted(TRANSITIONS[goal.status])
        if not moves:
            return None
        return GoalStatusChanged(goal_id=goal_id, status=draw(st.sampled_from(moves)), reason=draw(texts))
    if kind == "sign":
        return PlanSigned(
            role=draw(st.sampled_from(["client", "clinician"])), name=draw(texts), signed_on=draw(later_days)
        )
    if kind == "correct":
        open_entries = sorted(set(state.entries) - state.corrected)
        if not open_entries:
            return None
        return EntryCorrected(corrected_event_id=draw(st.sampled_from(open_entries)), reason=draw(texts))
    return PlanClosed(reason=draw(texts), closed_on=draw(later_days))


@st.composite
def plan_histories(draw: st.DrawFn, max_commands: int = 30) -> StreamBuilder:
    """A plan opened and then taken through a random course of valid commands."""
    builder = opened_plan(review_every_days=draw(st.integers(1, 366)))
    for n in range(draw(st.integers(0, max_commands))):
        command = _next_command(draw, builder.state, n)
        if command is not None:
            builder.try_add(command)
    return builder
