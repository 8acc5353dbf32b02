"""A realistic plan built through the Python API: three focus areas, measured goals with months
of progress, PHQ-9 and GAD-7 scores, Goal Attainment Scaling on two goals, revisions, a
correction, reviews and signatures; names in several scripts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

import goalplan
from goalplan import Measure
from tests.conftest import StepClock

ACTOR = "l.wisniewski"
PANIC = [4, 5, 4, 3, 4, 3, 3, 2, 3, 2, 2, 1, 2, 1, 1, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0]
GAD7 = [15, 14, 14, 12, 11, 11, 9, 8, 8, 7, 6, 6, 5]
OUTINGS = [0, 1, 1, 2, 2, 3]
SLEEP = [5.5, 5.75, 6, 5.5, 6, 6.25, 6.5]
# Questionnaires and GAS are scored on Wednesdays, when no progress value is recorded, so the
# recorded-at times of the other events stay as they were.
SCORE_DAYS = [date(2025, 9, 3), date(2025, 10, 1), date(2025, 10, 29), date(2025, 11, 26), date(2026, 1, 7)]
PHQ9_SCORES = [14, 12, 11, 9, 7]
GAD7_SCORES = [15, 13, 11, 9, 6]
MEETING_LEVELS = [
    "Leaves or avoids the Monday meeting",
    "Attends the meeting but does not speak",
    "Gives her own update at the meeting",
    "Gives her update and answers questions",
    "Leads an agenda item",
]
OUTING_LEVELS = [
    "No outings with friends in the month",
    "One outing in the month",
    "Two outings a month",
    "Three outings a month",
    "Four or more outings a month",
]


def _at(clock: StepClock, day: date) -> None:
    """Move the clock to 10:00 UTC on ``day``: events are recorded on the day they happened."""
    moment = datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)
    clock.now = max(clock.now, moment)


def build_sample(path: Path) -> goalplan.PlanLog:
    clock = StepClock(datetime(2025, 9, 1, 9, 0, tzinfo=UTC))
    with goalplan.Goalplan.open(path, actor=ACTOR, clock=clock) as gp:
        return _build(gp, clock)


def _build(gp: goalplan.Goalplan, clock: StepClock) -> goalplan.PlanLog:
    d = date
    _at(clock, d(2025, 9, 1))
    plan = gp.open_plan(
        client="Zoë Nguyễn",
        clinician="Łukasz Wiśniewski",
        credentials="PsyD, Licensed Clinical Psychologist",
        opened=d(2025, 9, 1),
        review_every=90,
        discharge_criteria="Fewer than one panic attack a week for two months running, a GAD-7 score "
        "in the minimal range at two reviews in a row, and Zoë feels ready to carry on without sessions.",
    )
    plan.add_focus(
        "Panic at work",
        "Panic attacks before and during meetings since the team was reorganised in the spring; "
        "two days off work in August.",
    )
    plan.add_focus(
        "Connection and friendships",
        "Moved to the city a year ago; sees friends rarely and misses her family in Đà Nẵng.",
    )
    plan.add_focus("Sleep", "Takes over an hour to fall asleep on most weeknights.")

    panic = plan.set_goal(
        "I want to get through the Monday team meeting feeling steady, and present my own updates.",
        focus="Panic at work",
        measure=Measure(name="Panic attacks", unit="per week", baseline=4, target=1),
        by=d(2025, 12, 15),
        relevance="Presenting is part of her new role, and avoiding meetings was raised at her appraisal.",
    )
    worry = plan.set_goal(
        "I want to worry less in the evenings so that I can fall asleep within half an hour.",
        focus="Panic at work",
        measure=Measure(name="GAD-7 total", unit="points", baseline=15, target=2),
        by=d(2026, 2, 28),
        relevance="Evening worry keeps her awake and feeds the next day's anxiety.",
    )
    friends = plan.set_goal(
        "Go out more.",
        focus="Connection and friendships",
        measure=Measure(name="Social outings", unit="per month", baseline=0, target=2),
        by=d(2026, 3, 1),
        relevance="Feeling alone in a new city is what she most wants to change.",
    )
    family = plan.set_goal(
        "I want to call my grandmother in Đà Nẵng every Sunday.",
        focus="Connection and friendships",
        term="long",
        relevance="Family is one of the values she named first.",
    )
    sleep = plan.set_goal(
        "I want to wake up rested on most weekdays.",
        focus="Sleep",
        measure=Measure(name="Sleep on weeknights", unit="hours per night", baseline=5.5, target=7),
        by=d(2026, 3, 31),
        relevance="Tiredness makes the panic symptoms easier to trigger.",
    )
    breathing = plan.add_step(panic, "Learn paced breathing with the therapist", by=d(2025, 9, 15))
    exposure = plan.add_step(panic, "Practise interoceptive exposure three times a week", by=d(2025, 10, 20))
    plan.add_step(panic, "Present a five-minute update at the Monday meeting", by=d(2026, 1, 12))
    choir = plan.add_step(
        friends, "Join the Tuesday choir at the Άγιος Νικόλαος community hall", by=d(2025, 10, 7)
    )
    lunch = plan.add_step(friends, "Invite a colleague to lunch", by=d(2025, 11, 1))
    worry_time = plan.add_step(worry, "Keep a 15-minute worry time before dinner", by=d(2025, 10, 1))
    plan.plan_intervention(
        "Cognitive behavioural therapy",
        "Cognitive restructuring and interoceptive exposure",
        "Weekly, 50 minutes",
        goals=[panic, worry],
    )
    plan.plan_intervention(
        "Mindfulness-based cognitive therapy",
        "Eight-week group led with co-facilitator Анна Петрова",
        "Weekly, 2 hours",
        goals=[worry, sleep],
    )
    plan.plan_intervention(
        "Behavioural activation",
        "Activity scheduling around the values she named",
        "Fortnightly, within the CBT session",
        goals=[friends, family],
    )
    _at(clock, d(2025, 9, 8))
    plan.sign(role="clinician", name="Łukasz Wiśniewski", credentials="PsyD", on=d(2025, 9, 8))
    plan.sign(role="client", name="Zoë Nguyễn", on=d(2025, 9, 8))

    start = d(2025, 9, 1)
    events: list[tuple[date, str, float]] = []
    events += [(start + timedelta(weeks=i), panic, v) for i, v in enumerate(PANIC)]
    events += [(start + timedelta(weeks=2 * i), worry, v) for i, v in enumerate(GAD7)]
    events += [
        (d(2025, 9 + i, 28) if i < 4 else d(2026, i - 3, 28), friends, v) for i, v in enumerate(OUTINGS)
    ]
    events += [(start + timedelta(weeks=2 * i + 1), sleep, v) for i, v in enumerate(SLEEP)]
    done = {
        d(2025, 9, 15): breathing,
        d(2025, 10, 6): worry_time,
        d(2025, 10, 7): choir,
        d(2025, 10, 20): exposure,
        d(2025, 10, 30): lunch,
    }
    measures: dict[date, list[Callable[[], object]]] = {}
    for when, phq9, gad7 in zip(SCORE_DAYS, PHQ9_SCORES, GAD7_SCORES, strict=True):
        measures.setdefault(when, []).append(partial(plan.record_score, "phq9", phq9, on=when))
        measures.setdefault(when, []).append(partial(plan.record_score, "gad7", gad7, on=when, goal=worry))
    measures[SCORE_DAYS[0]] = [
        partial(plan.set_gas_scale, panic, MEETING_LEVELS, weight=2),
        partial(plan.set_gas_scale, friends, OUTING_LEVELS),
        partial(plan.score_gas, panic, -1, on=SCORE_DAYS[0]),
        partial(plan.score_gas, friends, -2, on=SCORE_DAYS[0]),
        *measures[SCORE_DAYS[0]],
    ]
    measures[SCORE_DAYS[-1]] += [
        partial(plan.score_gas, panic, 0, on=SCORE_DAYS[-1]),
        partial(plan.score_gas, friends, 0, on=SCORE_DAYS[-1]),
    ]
    measures[date(2026, 2, 25)] = [partial(plan.score_gas, panic, 1, on=date(2026, 2, 25))]
    reviewed = False
    for day, goal, value in sorted(events, key=lambda e: e[0]):
        for when in [w for w in sorted(done) if w <= day]:
            _at(clock, when)
            plan.complete_step(done.pop(when), on=when)
        for when in [w for w in sorted(measures) if w <= day]:
            _at(clock, when)
            for record in measures.pop(when):
                record()
        _at(clock, day)
        if goal == panic and day == start + timedelta(weeks=3):
            plan.record_progress(goal, value * 10, on=day)
            typo_event = plan.log().records[-1].event_id
            plan.correct(typo_event, reason="Typed 30 for 3 when entering the week's diary count.")
        plan.record_progress(goal, value, on=day)
        if day == d(2025, 11, 24) and not reviewed:
            reviewed = True
            plan.revise_goal(
                panic,
                reason="Two weeks of sick leave in October interrupted the exposure practice; "
                "Zoë and the clinician agreed a later date.",
                by=d(2026, 1, 31),
            )
            plan.revise_goal(
                friends,
                reason="Zoë reworded the goal in her own words at the first review; the first "
                "wording was the clinician's.",
                statement="I want to meet friends outside work at least twice a month.",
            )
            plan.revise_goal(
                worry,
                reason="A score of 4 is in the minimal range; 2 set the bar higher than the measure needs.",
                measure=Measure(name="GAD-7 total", unit="points", baseline=15, target=4),
            )
            plan.hold_review(
                held=day,
                summary="First review with Zoë: panic attacks down from four to about two a week; she "
                "reworded the friendship goal herself; the meeting goal's date moved to the end of January.",
                next=d(2026, 3, 2),
            )
            plan.sign(role="clinician", name="Łukasz Wiśniewski", credentials="PsyD", on=day)
    for when in sorted(measures):
        _at(clock, when)
        for record in measures.pop(when):
            record()
    _at(clock, d(2026, 3, 2))
    plan.change_status(
        family,
        "completed",
        reason="Calls have been weekly since October; Zoë sees them as part of her routine.",
    )
    plan.change_status(
        sleep, "on-hold", reason="Paused while the panic work takes priority; resume at next review."
    )
    plan.hold_review(
        held=d(2026, 3, 2),
        summary="Second review: GAD-7 in the mild range, weekly calls home (goal met), sleep goal paused; "
        "Zoë presented at the Monday meeting twice.",
        next=d(2026, 6, 1),
    )
    return plan.log()
