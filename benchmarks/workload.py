"""A deterministic synthetic caseload: the same seed gives the same plans, events and ids.

Each plan follows the shape of real treatment plans: an opening, one to three focus areas with
one or two goals each, steps and interventions, both signatures, then months of progress
points with the odd goal revision, status change, completed step, review and correction, and
for some plans a closing. Events are built with the goalplan event classes and encoded with
its codec, so every system stores the same payload bytes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from goalplan.codec import NewEvent, encode, format_timestamp
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

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_FOCUS = [
    ("Work stress", "Long hours and worry about deadlines spill into evenings."),
    ("Panic attacks", "Sudden fear with racing heart, mostly on public transport."),
    ("Low mood", "Little interest in things that used to be enjoyable."),
    ("Sleep", "Trouble falling asleep, waking early."),
    ("Social confidence", "Avoids group settings and new people."),
]
_GOALS = [
    ("I will go to two social gatherings a month", "gatherings", "per month", 0, 2),
    ("I will have fewer than one panic attack a week", "panic attacks", "per week", 3, 0.5),
    ("I will sleep seven hours on most nights", "hours of sleep", "hours", 5, 7),
    ("I will take a proper lunch break four days a week", "lunch breaks", "per week", 0, 4),
    ("I will bring my PHQ-9 score below ten", "PHQ-9", "points", 17, 9),
]
_MODALITIES = ["CBT", "ACT", "psychodynamic", "DBT skills", "behavioural activation"]


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    """One event of the workload with everything an appender needs, fixed in advance."""

    event: Event
    event_id: str
    recorded_at: str
    actor: str

    @property
    def payload(self) -> str:
        return encode(self.event)

    def new_event(self) -> NewEvent:
        return NewEvent.of(self.event, actor=self.actor, recorded_at=self.recorded_at, event_id=self.event_id)


@dataclass(frozen=True, slots=True)
class PlanWorkload:
    plan_id: str
    events: tuple[PlannedEvent, ...]


def _rid(rng: random.Random, length: int = 16) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(length))


def _event_id(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _plan_events(rng: random.Random, target_size: int) -> Iterator[Event]:
    opened = date(2024, 1, 1) + timedelta(days=rng.randrange(365))
    yield PlanOpened(
        client_name=f"Client {_rid(rng, 6)}",
        clinician_name=rng.choice(["Dr. Ruiz", "Dr. Okafor", "Dr. Lindqvist", "Sam Patel"]),
        clinician_credentials=rng.choice(["PhD", "LCSW", "LPC", "PsyD"]),
        opened_on=opened,
        review_every_days=rng.choice([60, 90, 90, 180]),
        discharge_criteria="Goals met and sustained for two reviews.",
    )
    goals: list[tuple[str, Measure]] = []
    steps: list[str] = []
    for f in range(rng.randint(1, 3)):
        title, description = _FOCUS[rng.randrange(len(_FOCUS))]
        focus_id = f"F{f + 1}"
        yield FocusAreaAdded(focus_id=focus_id, title=title, description=description)
        for _ in range(rng.randint(1, 2)):
            statement, name, unit, baseline, target = _GOALS[rng.randrange(len(_GOALS))]
            goal_id = f"G{len(goals) + 1}"
            measure = Measure(name=name, unit=unit, baseline=baseline, target=target)
            goals.append((goal_id, measure))
            yield GoalSet(
                goal_id=goal_id,
                statement=statement,
                focus_id=focus_id,
                term=rng.choice(["short", "long"]),
                measure=measure,
                target_date=opened + timedelta(days=rng.choice([60, 90, 180])),
                relevance="Matters to the client for work and family life.",
            )
            for _ in range(rng.randint(1, 3)):
                step_id = f"S{len(steps) + 1}"
                steps.append(step_id)
                yield StepAdded(
                    step_id=step_id,
                    goal_id=goal_id,
                    text="Practise the breathing exercise after lunch.",
                    due_on=opened + timedelta(days=rng.randrange(14, 60)),
                )
    yield InterventionPlanned(
        intervention_id="I1",
        modality=rng.choice(_MODALITIES),
        description="Weekly session working through the plan's goals.",
        frequency="weekly",
        goal_ids=tuple(g for g, _ in goals),
    )
    if rng.random() >= 0.05:  # a few plans are never signed by the client (an audit finding)
        yield PlanSigned(role="client", name="Client", signed_on=opened)
    yield PlanSigned(role="clinician", name="Clinician", credentials="PhD", signed_on=opened)
    day = opened
    produced = 7 + len(goals) + len(steps)
    progress_ids: list[int] = []
    open_steps = list(steps)
    status: dict[str, str] = {}
    while produced < target_size:
        day += timedelta(days=rng.randint(1, 4))
        roll = rng.random()
        goal_id, measure = goals[rng.randrange(len(goals))]
        if roll < 0.70:
            value = round(
                rng.uniform(min(measure.baseline, measure.target), max(measure.baseline, measure.target) + 1),
                1,
            )
            progress_ids.append(produced)
            yield ProgressRecorded(
                goal_id=goal_id, value=value, observed_on=day, note=rng.choice(["", "", "Good week."])
            )
        elif roll < 0.78:
            yield GoalRevised(
                goal_id=goal_id,
                reason="Adjusted after discussion in session.",
                statement=f"I will keep working on this goal ({day.isoformat()})",
                target_date=day + timedelta(days=90),
            )
        elif roll < 0.84 and open_steps:
            yield StepCompleted(step_id=open_steps.pop(0), completed_on=day)
        elif roll < 0.90:
            yield ReviewHeld(
                held_on=day,
                summary="Progress reviewed with the client.",
                next_review_on=day + timedelta(days=90),
            )
        elif roll < 0.96 and len(goals) > 1 and rng.random() < 0.1:
            # Completed short of its target, with the reason recorded (an audit finding).
            goals = [g for g in goals if g[0] != goal_id]
            yield GoalStatusChanged(
                goal_id=goal_id,
                status="completed",
                reason="The client felt ready to stop.",
                target_missed_reason="Stopped short of the target; the client is satisfied.",
            )
        elif roll < 0.96:
            status[goal_id] = "on-hold" if status.get(goal_id, "active") == "active" else "active"
            yield GoalStatusChanged(goal_id=goal_id, status=status[goal_id], reason="Agreed in session.")
        else:
            yield _CORRECT_LAST_PROGRESS  # resolved to a concrete event id by the caller
            produced += 1
            continue
        produced += 1
    if rng.random() < 0.3:
        yield PlanClosed(reason="Goals met.", closed_on=day + timedelta(days=7))


_CORRECT_LAST_PROGRESS = EntryCorrected(corrected_event_id="", reason="Entered on the wrong goal.")


def caseload(plans: int, *, seed: int = 20240601, mean_events: int = 150) -> list[PlanWorkload]:
    """``plans`` plans of 40 to 4x``mean_events`` events each, all fixed by ``seed``."""
    return list(iter_caseload(plans, seed=seed, mean_events=mean_events))


def iter_caseload(plans: int, *, seed: int = 20240601, mean_events: int = 150) -> Iterator[PlanWorkload]:
    """The same plans as :func:`caseload`, one at a time, for logs too big to hold in memory."""
    rng = random.Random(seed)
    clock = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
    for _ in range(plans):
        plan_id = _rid(rng)
        size = max(40, int(rng.expovariate(1 / mean_events)) + 20)
        size = min(size, mean_events * 4)
        actor = rng.choice(["dr.ruiz", "dr.okafor", "s.patel"])
        planned: list[PlannedEvent] = []
        corrected: set[str] = set()
        for event in _plan_events(rng, size):
            if event is _CORRECT_LAST_PROGRESS:
                target = next(
                    (
                        p.event_id
                        for p in reversed(planned)
                        if isinstance(p.event, ProgressRecorded) and p.event_id not in corrected
                    ),
                    None,
                )
                if target is None:
                    continue
                corrected.add(target)
                event = EntryCorrected(corrected_event_id=target, reason="Entered on the wrong goal.")
            clock += timedelta(seconds=rng.randint(1, 90), microseconds=rng.randrange(1_000_000))
            planned.append(PlannedEvent(event, _event_id(rng), format_timestamp(clock), actor))
        yield PlanWorkload(plan_id, tuple(planned))


def total_events(workload: list[PlanWorkload]) -> int:
    return sum(len(p.events) for p in workload)
