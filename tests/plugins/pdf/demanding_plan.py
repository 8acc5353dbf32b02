"""A demanding plan: 12 goals with statements over 400 characters, names in Vietnamese, Polish,
Hebrew, Arabic and Chinese, 40 progress points on one goal, 10 revisions, a correction, 3 reviews,
and signatures both before and after the revisions. It also holds each case a layout fault was
once seen with: a goal moved to another focus area, a completed and a cancelled goal, an overdue
step, counts, days per week, a 0-10 scale named with an abbreviation, an earlier measure, a
measure begun months after the plan opened, and a chart with no values whose target date passed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import goalplan
from goalplan import Measure
from tests.conftest import StepClock

CLIENT = "Nguyễn Thị Minh Khai-Wiśniewska"
CLINICIAN = "Małgorzata Brzęczyszczykiewicz-Jankowska"
CREDENTIALS = "PhD, LCSW, LICSW, CADC-II, Certified Clinical Trauma Professional"
GUARDIAN_NOTE = (
    "Her brother דוד כהן and her friend محمد عبد الله come to some sessions; her aunt 王芳 calls weekly."
)
TAIL = (
    " I have talked this through with my therapist and we agreed that it matters because it is part "
    "of getting my life back after the last two years, when work and worry took most of my evenings "
    "and my weekends, and I stopped seeing the people who matter to me; I will know it is working "
    "when I notice it without having to count, and when the people close to me notice it too."
)
FOCI = ("Work and panic", "Family and friends — gia đình", "Sleep and health", "Daily life")


def statement(n: int, text: str) -> str:
    full = f"{text}{TAIL}"
    assert len(full) > 400, n
    return full


def build_demanding(path: Path) -> goalplan.PlanLog:
    clock = StepClock(datetime(2025, 3, 3, 9, 0, tzinfo=UTC))
    with goalplan.Goalplan.open(path, actor="m.brzeczyszczykiewicz", clock=clock) as gp:
        return _build(gp, clock)


def _at(clock: StepClock, day: date) -> None:
    clock.now = max(clock.now, datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC))


def _build(gp: goalplan.Goalplan, clock: StepClock) -> goalplan.PlanLog:
    d = date
    plan = gp.open_plan(
        client=CLIENT,
        clinician=CLINICIAN,
        credentials=CREDENTIALS,
        opened=d(2025, 3, 3),
        review_every=60,
        discharge_criteria="Two months in a row with no panic attack at work, sleep of seven hours on "
        "most nights, and Minh Khai feels ready to go on without weekly sessions.",
        birth_date=d(1994, 11, 2),
        record_number="MRN-2025-00417",
        preferred_name="Minh Khai",
        pronouns="she/her",
        guardian="محمد عبد الله",
        guardian_relationship="court-appointed guardian",
    )
    for title in FOCI:
        plan.add_focus(title, GUARDIAN_NOTE if "Family" in title else "")
    plan.set_presenting_problem(FOCI[0], "Panic attacks before and during team meetings, four a week.")
    plan.set_presenting_problem(FOCI[1], "Sees friends rarely since moving; misses her family in Đà Nẵng.")
    plan.set_presenting_problem(FOCI[2], "Wakes most nights worrying about work; walks little.")
    plan.set_presenting_problem(FOCI[3], "Orders food most evenings; no routine after work.")
    plan.add_diagnosis("F41.0", focus=[FOCI[0], FOCI[2]], primary=True)
    plan.add_diagnosis("F32.1", focus=[FOCI[1], FOCI[3]], dsm5="Major depressive disorder, moderate")
    plan.set_details(
        strengths="Determined, funny, a loyal friend; sings in Polish and Vietnamese",
        needs="A predictable week; support at work during reorganisations",
        abilities="Keeps a diary; cooks well; can use paced breathing",
        preferences="Evening sessions; a female therapist; Vietnamese materials for her family",
        level_of_care="Outpatient",
        effective_from=d(2025, 3, 3),
        effective_through=d(2026, 3, 2),
        aftercare="Monthly group sessions for six months after discharge",
        referrals="GP for a sleep review; 王芳 at the Vietnamese community centre",
    )
    goals = []
    specs = [
        ("I want to get through team meetings without a panic attack", FOCI[0],
         Measure(name="Panic attacks", unit="per week", baseline=4, target=0), d(2025, 12, 1)),
        ("I want to sleep through the night most nights", FOCI[2],
         Measure(name="Nights slept through", unit="days per week", baseline=1, target=6), d(2025, 11, 1)),
        ("I want to see my friends more often", FOCI[1],
         Measure(name="Gatherings with friends", unit="gatherings", baseline=0, target=3), d(2025, 10, 1)),
        ("I want to feel less distressed when my manager emails me", FOCI[0],
         Measure(name="Distress (SUDS)", unit="0-10 rating", baseline=8, target=4), d(2025, 9, 1)),
        ("I want to call my grandmother in Đà Nẵng every Sunday", FOCI[1], None, d(2025, 8, 1)),
        ("I want to walk to work three days a week", FOCI[2],
         Measure(name="Walks to work", unit="days per week", baseline=0, target=3), d(2025, 9, 15)),
        ("I want to cook dinner at home instead of ordering", FOCI[3],
         Measure(name="Home-cooked dinners", unit="per week", baseline=1, target=4), d(2025, 7, 1)),
        ("I want to stop checking work email after eight in the evening", FOCI[0],
         Measure(name="Evenings without email", unit="per week", baseline=0, target=5), d(2025, 10, 15)),
        ("I want to join a Polish choir — chór — again", FOCI[1], None, d(2025, 12, 15)),
        ("I want to keep a worry diary each evening", FOCI[3],
         Measure(name="Diary entries", unit="per week", baseline=0, target=5), d(2025, 4, 1)),
        ("I want to take my medication every morning", FOCI[2],
         Measure(name="Doses taken", unit="per week", baseline=4, target=7), d(2025, 11, 30)),
        ("I want to plan one weekend trip with my sister", FOCI[3], None, d(2025, 10, 30)),
    ]  # fmt: skip
    for n, (text, focus, measure, by) in enumerate(specs, start=1):
        goals.append(plan.set_goal(statement(n, text), focus=focus, measure=measure, by=by))
    plan.add_step(goals[0], "Practise paced breathing with the therapist", by=d(2025, 3, 20))
    plan.add_step(goals[0], "Present one agenda item at the Monday meeting", by=d(2025, 6, 2))
    plan.add_step(goals[4], "Buy a phone card for calls to Việt Nam", by=d(2025, 4, 1))
    plan.plan_intervention(
        "Cognitive behavioural therapy",
        "Interoceptive exposure and cognitive restructuring",
        "Weekly, 50 minutes",
        goals=[goals[0], goals[3]],
        type="individual",
        minutes=50,
        sessions=1,
        per="week",
        provider=CLINICIAN,
        provider_credentials="PhD, LCSW",
        provider_role="therapist",
        starts=d(2025, 3, 10),
    )
    plan.plan_intervention(
        "Behavioural activation", "Scheduling valued activities", "Fortnightly", goals=goals[2:4]
    )

    # signatures before the revisions
    _at(clock, d(2025, 3, 4))
    plan.sign(role="client", name=CLIENT, on=d(2025, 3, 4))
    plan.sign(role="clinician", name=CLINICIAN, credentials=CREDENTIALS, on=d(2025, 3, 4))

    # 40 weekly values on the panic goal
    first = d(2025, 3, 10)
    panic_values = [4, 4, 5, 3, 4, 3, 3, 4, 2, 3, 3, 2, 2, 3, 2, 1, 2, 2, 1, 1] * 2
    for week, value in enumerate(panic_values):
        day = first + timedelta(days=7 * week)
        _at(clock, day)
        plan.record_progress(goals[0], value, on=day)
    _at(clock, d(2025, 3, 11))
    for week, value in enumerate([1, 1, 2, 3, 4]):
        plan.record_progress(goals[1], value, on=d(2025, 3, 11) + timedelta(days=7 * week))
    for week, value in enumerate([0, 1, 0, 2, 3, 3]):
        plan.record_progress(goals[2], value, on=d(2025, 3, 12) + timedelta(days=14 * week))
    # the distress measure began months after the plan opened
    for week, value in enumerate([8, 7, 7, 6, 5]):
        plan.record_progress(goals[3], value, on=d(2025, 7, 1) + timedelta(days=7 * week))
    wrong = plan.record_progress(goals[5], 30, on=d(2025, 3, 20))
    plan.record_progress(goals[5], 1, on=d(2025, 3, 21))
    plan.record_progress(goals[6], 4, on=d(2025, 3, 22))
    event_id = plan.log().records[wrong.versions[0] - 1].event_id
    plan.correct(event_id, reason="Typed 30 for 3; she walked on three days.")

    # ten revisions, one moving a goal to another focus area, one replacing a measure
    revisions = [
        (goals[1], {"by": d(2025, 12, 1)}, "More time agreed at the first review."),
        (goals[2], {"focus": FOCI[3]}, "Friends are part of her daily routine now."),
        (goals[6], {"measure": Measure(name="Dinners cooked", unit="per week", baseline=1, target=3)},
         "A count she can keep in her diary."),
        (goals[7], {"relevance": "Evenings are for rest and family."}, "Client's words."),
        (goals[9], {"by": d(2025, 12, 31)}, "Paused over the summer."),
        (goals[10], {"statement": statement(11, "I want to take my medication every morning with breakfast")},
         "She asked to add when."),
        (goals[0], {"by": d(2026, 1, 15)}, "Progress slower than hoped."),
        (goals[3], {"relevance": "Emails from her manager trigger most attacks."}, "Seen in the diary."),
        (goals[5], {"by": d(2025, 12, 1)}, "Winter weather."),
        (goals[11], {"statement": statement(12, "I want to plan one weekend trip with my sister Ewa")},
         "Named her sister."),
    ]  # fmt: skip
    for i, (goal, change, reason) in enumerate(revisions):
        _at(clock, d(2025, 5, 1) + timedelta(days=i))
        plan.revise_goal(goal, reason=reason, **change)
    plan.record_progress(goals[6], 2, on=d(2025, 5, 20))
    for week, value in enumerate([2, 4, 5]):
        plan.record_progress(goals[9], value, on=d(2025, 5, 5) + timedelta(days=7 * week))
    plan.change_status(goals[9], "completed", reason="Keeps the diary without prompting.")
    plan.change_status(goals[11], "cancelled", reason="Her sister moved abroad.")
    for held, summary in (
        (d(2025, 5, 2), "First review: panic attacks fewer; Minh Khai (Nguyễn) wants more time for sleep."),
        (d(2025, 7, 1), "Second review: distress ratings started; friends goal moved to daily life."),
        (d(2025, 9, 1), "Third review: steady progress; signatures renewed after the revisions."),
    ):
        _at(clock, held)
        plan.hold_review(held=held, summary=summary, next=held + timedelta(days=60))
    # signatures after the revisions
    _at(clock, d(2025, 9, 2))
    plan.sign(role="client", name=CLIENT, on=d(2025, 9, 2))
    plan.sign(role="guardian", name="محمد عبد الله", on=d(2025, 9, 2))
    plan.sign(role="clinician", name=CLINICIAN, credentials=CREDENTIALS, on=d(2025, 9, 2))
    plan.sign(role="supervisor", name="דוד כהן", credentials="PsyD, clinical supervisor", on=d(2025, 9, 3))
    plan.give_copy(to=CLIENT, on=d(2025, 9, 3), method="printed copy in person")
    _at(clock, d(2025, 9, 10))
    plan.record_progress(goals[0], 1, on=d(2025, 9, 9))
    return plan.log()
