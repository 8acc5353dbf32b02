"""Calendar entries from a plan's log: what is due, its stable UID, and how often it changed.

The log is replayed event by event. After each event the plan says which entries apply now
(the next review, each open goal's target date) and what they show. An entry's SEQUENCE counts
the events after which it showed something different or stopped (or started again) applying;
its DTSTAMP is the recorded-at time of the last such event. Nothing depends on the clock, so
the same log always gives the same entries, and an event that does not touch an entry (a
progress value, a signature) leaves it byte for byte as it was.
"""

from __future__ import annotations

from datetime import date, datetime

from attrs import evolve, frozen

import goalplan

REVIEW = "review"
GOAL_TARGET = "goal-target"

# FHIR Goal.lifecycleStatus values under which a goal is still being worked towards.
OPEN_GOAL_STATUSES = frozenset({"proposed", "planned", "accepted", "active", "on-hold"})
SHORT_ID = 4


@frozen(kw_only=True)
class Facts:
    """Everything an entry shows. Any difference between two versions is a significant change."""

    kind: str
    plan_id: str
    on: date
    client_name: str
    clinician_name: str
    clinician_credentials: str
    review_number: int = 0
    review_every_days: int = 0
    goal_id: str = ""
    goal_revision: int = 0
    statement: str = ""
    focus: str = ""
    term: str = ""
    measure: goalplan.Measure | None = None


@frozen(kw_only=True)
class CalendarEntry:
    uid: str
    facts: Facts
    live: bool
    sequence: int
    created: datetime
    stamp: datetime
    ended: str = ""
    warning: str = ""
    """The log failed verification and was read anyway (--allow-broken): said in the entry."""

    @property
    def cancelled(self) -> bool:
        return not self.live

    def describe(self) -> str:
        """Names the entry without client data, for messages."""
        plan = short_id(self.facts.plan_id)
        if self.facts.kind == REVIEW:
            return f"the reminder for review {self.facts.review_number} of plan {plan} (UID {self.uid})"
        return f"the target date of goal {short_id(self.facts.goal_id)} in plan {plan} (UID {self.uid})"


def short_id(identifier: str) -> str:
    return identifier[:SHORT_ID]


def review_uid(plan_id: str, number: int) -> str:
    return f"goalplan-{plan_id}-review-{number}"


def goal_target_uid(plan_id: str, goal_id: str) -> str:
    return f"goalplan-{plan_id}-goal-{goal_id}-target"


def current_facts(state: goalplan.PlanState) -> dict[str, Facts]:
    """The entries that apply to the plan as it stands, by UID."""
    if not state.is_open or state.is_closed:
        return {}
    plan = Facts(
        kind=REVIEW,
        plan_id=state.plan_id,
        on=state.opened_on,
        client_name=state.client_name,
        clinician_name=state.clinician_name,
        clinician_credentials=state.clinician_credentials,
    )
    found: dict[str, Facts] = {}
    due = state.next_review_on
    if due is not None:
        number = len(state.reviews) + 1
        found[review_uid(state.plan_id, number)] = evolve(
            plan, on=due, review_number=number, review_every_days=state.review_every_days
        )
    for goal in sorted(state.goals.values(), key=lambda g: g.goal_id):
        if goal.target_date is None or goal.status not in OPEN_GOAL_STATUSES:
            continue
        found[goal_target_uid(state.plan_id, goal.goal_id)] = evolve(
            plan,
            kind=GOAL_TARGET,
            on=goal.target_date,
            goal_id=goal.goal_id,
            goal_revision=goal.revisions,
            statement=goal.statement,
            focus=state.focus_title(goal.focus_id),
            term=goal.term,
            measure=goal.measure,
        )
    return found


def plan_entries(log: goalplan.PlanLog) -> list[CalendarEntry]:
    """Every entry the plan ever had, live or cancelled, ordered by date then UID."""
    tracked: dict[str, CalendarEntry] = {}
    for record, state in log.replay():
        when = record.recorded_at_dt.replace(microsecond=0)
        now = current_facts(state)
        for uid, facts in now.items():
            known = tracked.get(uid)
            if known is None:
                tracked[uid] = CalendarEntry(
                    uid=uid, facts=facts, live=True, sequence=0, created=when, stamp=when
                )
            elif not known.live or known.facts != facts:
                tracked[uid] = evolve(
                    known, facts=facts, live=True, sequence=known.sequence + 1, stamp=when, ended=""
                )
        for uid, known in tracked.items():
            if known.live and uid not in now:
                tracked[uid] = evolve(
                    known,
                    live=False,
                    sequence=known.sequence + 1,
                    stamp=when,
                    ended=why_ended(known.facts, state),
                )
    found = sorted(tracked.values(), key=lambda e: (e.facts.on, e.uid))
    if log.integrity_warning:
        found = [evolve(e, warning=log.integrity_warning) for e in found]
    return found


def why_ended(facts: Facts, state: goalplan.PlanState) -> str:
    """Why an entry stopped applying, in words that carry no clinical detail."""
    if state.is_closed:
        return f"the plan was closed on {state.closed_on}"
    if facts.kind == REVIEW:
        if len(state.reviews) >= facts.review_number and state.last_review is not None:
            return f"the review was held on {state.last_review.held_on}"
        return "the review is no longer due"
    goal = state.goals.get(facts.goal_id)
    if goal is None:
        return "the goal was removed"
    if goal.status not in OPEN_GOAL_STATUSES:
        return f"the goal is {goal.status}"
    if goal.target_date is None:
        return "the goal no longer has a target date"
    return "the target date no longer applies"
