"""Four courses of therapy, recorded as a practice would record them over months.

Each story uses only the public Python API. A story clock stands in for the wall clock so the
log's recorded-at times follow the story (a review held in March is recorded in March), which
makes `plan show --as-of` and the history read as they would in a real practice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import goalplan
from goalplan import Goalplan, Measure


class StoryClock:
    """Returns the story's current day at 10:00 UTC, one second later on every reading."""

    def __init__(self) -> None:
        self.day = date(2026, 1, 1)
        self.tick = 0

    def at(self, day: date) -> None:
        if day != self.day:
            self.day, self.tick = day, 0

    def __call__(self) -> datetime:
        self.tick += 1
        return datetime.combine(self.day, time(10, 0), tzinfo=UTC) + timedelta(seconds=self.tick)


def d(text: str) -> date:
    return date.fromisoformat(text)


def social_anxiety(gp: Goalplan, clock: StoryClock) -> str:
    """Group settings: two social gatherings a month within three months."""
    clock.at(d("2026-01-12"))
    plan = gp.open_plan(
        client="Zoë Okafor",
        clinician="Łukasz Nowak",
        credentials="PsyD",
        opened=d("2026-01-12"),
        review_every=90,
        discharge_criteria="Attends two social gatherings a month for two consecutive months.",
        birth_date=d("2008-09-03"),
        record_number="NP-2026-0012",
        preferred_name="Zoë",
        pronouns="she/her",
        guardian="Grace Okafor",
        guardian_relationship="mother",
        actor="l.nowak",
    )
    plan.set_details(
        strengths="Warm with people she knows; keeps a journal; came to therapy on her own initiative.",
        needs="A few friends in the city; confidence in groups at school and at her Saturday job.",
        abilities="Writes well and tracks her moods in her journal.",
        preferences="Sessions after school; her mother joins only the review sessions.",
        level_of_care="Outpatient psychotherapy",
        effective_from=d("2026-01-12"),
        effective_through=d("2027-01-11"),
        aftercare="Monthly check-in for three months after discharge; school counsellor informed.",
        referrals="School counsellor (with Zoë's and her mother's consent).",
        actor="l.nowak",
    )
    goal = plan.set_goal(
        "I will feel more comfortable in group settings within three months by going to two "
        "social gatherings a month.",
        focus="Anxiety in groups",
        measure=Measure(name="social gatherings attended", unit="per month", baseline=0, target=2),
        by=d("2026-04-12"),
        relevance="Zoë wants to make friends in the city she moved to last year.",
        actor="l.nowak",
    )
    ease = plan.set_goal(
        "I will rate my anxiety at a gathering at 4 out of 10 or lower.",
        focus="Anxiety in groups",
        measure=Measure(name="anxiety at gatherings (SUDS)", unit="0-10 rating", baseline=8, target=4),
        by=d("2026-04-12"),
        actor="l.nowak",
    )
    plan.set_presenting_problem(
        "Anxiety in groups",
        "Leaves or avoids gatherings of more than three people; blushing, racing heart and fear of "
        "being judged; no social outings since moving to the city a year ago.",
        actor="l.nowak",
    )
    plan.add_diagnosis(
        "F40.10", focus=["Anxiety in groups"], primary=True, dsm5="Social anxiety disorder", actor="l.nowak"
    )
    first = plan.add_step(goal, "Say yes to one lunch with coworkers", by=d("2026-01-31"), actor="l.nowak")
    second = plan.add_step(goal, "Go to the Thursday book club at the library", by=d("2026-02-28"))
    plan.plan_intervention(
        "CBT",
        "Graded exposure to group situations with a fear hierarchy; cognitive restructuring of "
        "predictions about being judged",
        "weekly",
        goals=[goal, ease],
        type="individual",
        minutes=50,
        sessions=1,
        per="week",
        provider="Łukasz Nowak",
        provider_credentials="PsyD",
        provider_role="primary therapist",
        starts=d("2026-01-19"),
        ends=d("2026-04-13"),
        actor="l.nowak",
    )
    plan.sign(role="client", name="Zoë Okafor", on=d("2026-01-12"), actor="l.nowak")
    plan.sign(role="guardian", name="Grace Okafor", on=d("2026-01-12"), actor="l.nowak")
    plan.sign(role="clinician", name="Łukasz Nowak", credentials="PsyD", on=d("2026-01-12"), actor="l.nowak")
    plan.give_copy(to="Zoë Okafor and Grace Okafor", on=d("2026-01-12"), method="printed copy in session")
    for day, gatherings, suds in [("2026-01-31", 0, 8), ("2026-02-28", 1, 7), ("2026-03-31", 2, 5)]:
        clock.at(d(day))
        plan.record_progress(goal, gatherings, on=d(day), actor="l.nowak")
        plan.record_progress(ease, suds, on=d(day), actor="l.nowak")
    clock.at(d("2026-01-30"))
    plan.complete_step(first, on=d("2026-01-29"), actor="l.nowak")
    clock.at(d("2026-02-26"))
    plan.complete_step(second, on=d("2026-02-26"), actor="l.nowak")
    clock.at(d("2026-03-02"))
    plan.revise_goal(
        goal,
        reason="Zoë asked to count only gatherings where she stayed at least an hour.",
        statement="I will feel more comfortable in group settings within three months by going to "
        "two social gatherings a month and staying at least an hour.",
        actor="l.nowak",
    )
    plan.hold_review(
        held=d("2026-03-02"),
        summary="One gathering in February; exposure hierarchy halfway done.",
        next=d("2026-04-13"),
        actor="l.nowak",
    )
    # The revised statement changed what was signed: the plan is reviewed and signed again.
    plan.sign(role="client", name="Zoë Okafor", on=d("2026-03-02"), actor="l.nowak")
    plan.sign(role="guardian", name="Grace Okafor", on=d("2026-03-02"), actor="l.nowak")
    plan.sign(role="clinician", name="Łukasz Nowak", credentials="PsyD", on=d("2026-03-02"), actor="l.nowak")
    clock.at(d("2026-04-13"))
    plan.record_progress(goal, 2, on=d("2026-04-12"), note="Book club and a birthday dinner.")
    plan.record_progress(ease, 4, on=d("2026-04-12"))
    plan.hold_review(
        held=d("2026-04-13"),
        summary="Two gatherings in March and in April; anxiety down to 4 of 10.",
        actor="l.nowak",
    )
    plan.change_status(goal, "completed", reason="Two gatherings a month for two months.", actor="l.nowak")
    return plan.id


def panic(gp: Goalplan, clock: StoryClock) -> str:
    """Panic attacks from three a week to fewer than one a week within two months, with CBT."""
    clock.at(d("2026-02-02"))
    plan = gp.open_plan(
        client="Nguyễn Thị Lan",
        clinician="Ana Ruiz",
        credentials="PhD, LCP",
        opened=d("2026-02-02"),
        review_every=60,
        discharge_criteria="Fewer than one panic attack a week for four weeks in a row.",
        birth_date=d("1991-07-14"),
        record_number="NP-2026-0031",
        actor="a.ruiz",
    )
    plan.set_details(
        strengths="Motivated; keeps careful notes; supportive sister nearby.",
        needs="Affordable travel to work; fewer sick days.",
        abilities="Learns techniques quickly and practises them between sessions.",
        preferences="Morning appointments before work; written summaries in Vietnamese and English.",
        level_of_care="Outpatient psychotherapy",
        effective_from=d("2026-02-02"),
        effective_through=d("2027-02-01"),
        aftercare="Booster session one month after discharge; relapse-prevention plan kept on her phone.",
        referrals="Primary care physician for a medication review.",
        actor="a.ruiz",
    )
    goal = plan.set_goal(
        "I will have fewer than one panic attack a week within two months, so I can ride the bus to work.",
        focus="Panic attacks",
        measure=Measure(name="panic attacks", unit="per week", baseline=3, target=0.5),
        by=d("2026-04-02"),
        relevance="Lan has been taking taxis to avoid the bus and is worried about money.",
        actor="a.ruiz",
    )
    plan.set_presenting_problem(
        "Panic attacks",
        "About three panic attacks a week, mostly on buses; takes taxis to avoid the bus.",
        actor="a.ruiz",
    )
    plan.add_diagnosis("F41.0", focus=["Panic attacks"], primary=True, dsm5="Panic disorder", actor="a.ruiz")
    plan.add_step(goal, "Keep a panic diary: time, place, body sensations, thoughts", actor="a.ruiz")
    plan.add_step(goal, "Practise slow breathing twice a day", by=d("2026-02-16"), actor="a.ruiz")
    plan.add_step(goal, "Ride the bus two stops with the breathing plan", by=d("2026-03-15"), actor="a.ruiz")
    plan.plan_intervention(
        "CBT",
        "Panic-focused CBT: psychoeducation, interoceptive exposure, cognitive restructuring",
        "weekly",
        goals=[goal],
        type="individual",
        minutes=50,
        sessions=1,
        per="week",
        provider="Ana Ruiz",
        provider_credentials="PhD, LCP",
        provider_role="primary therapist",
        starts=d("2026-02-09"),
        ends=d("2026-05-04"),
        actor="a.ruiz",
    )
    plan.record_score("GAD-7", 16, on=d("2026-02-02"), goal=goal, actor="a.ruiz")
    plan.sign(role="client", name="Nguyễn Thị Lan", on=d("2026-02-02"), actor="a.ruiz")
    plan.sign(role="clinician", name="Ana Ruiz", credentials="PhD, LCP", on=d("2026-02-02"), actor="a.ruiz")
    plan.give_copy(to="Nguyễn Thị Lan", on=d("2026-02-02"), method="printed copy in session")
    weekly = [3, 3, 2, 3, 2, 1, 1, 1, 0, 1, 0, 0]
    for week, attacks in enumerate(weekly):
        day = d("2026-02-08") + timedelta(weeks=week)
        clock.at(day)
        note = "Flu week; stayed home." if week == 3 else ""
        plan.record_progress(goal, attacks, on=day, note=note, actor="a.ruiz")
        if week == 3:
            plan.revise_goal(
                goal,
                reason="A week lost to flu; the client and I agreed to give it two more weeks.",
                by=d("2026-04-16"),
                actor="a.ruiz",
            )
            # A new target date is a material change: both sign the revised plan.
            plan.sign(role="client", name="Nguyễn Thị Lan", on=day, actor="a.ruiz")
            plan.sign(role="clinician", name="Ana Ruiz", credentials="PhD, LCP", on=day, actor="a.ruiz")
    clock.at(d("2026-04-03"))
    plan.record_score("GAD-7", 7, on=d("2026-04-03"), goal=goal, actor="a.ruiz")
    plan.hold_review(
        held=d("2026-04-03"),
        summary="Attacks down to about one a week; bus rides with breathing plan going well.",
        next=d("2026-05-04"),
        actor="a.ruiz",
    )
    return plan.id


def parent_and_daughter(gp: Goalplan, clock: StoryClock) -> str:
    """A parent's twenty-minute conversations with a teenage daughter, three to five days a week."""
    clock.at(d("2026-01-20"))
    plan = gp.open_plan(
        client="Κώστας Παπαδόπουλος",
        clinician="Maria Jensen",
        credentials="LMFT",
        opened=d("2026-01-20"),
        review_every=90,
        discharge_criteria="Conversations with Eleni on at least three days a week for two months.",
        birth_date=d("1979-03-22"),
        record_number="NP-2026-0019",
        preferred_name="Kostas",
        pronouns="he/him",
        actor="m.jensen",
    )
    plan.set_details(
        strengths="Deeply committed to his daughter; reliable attendance.",
        needs="Ways to talk with a teenager without it becoming an argument.",
        abilities="Good listener with adults; cooks, which Eleni enjoys.",
        preferences="Evening sessions; Eleni joins every other session.",
        level_of_care="Outpatient family therapy",
        effective_from=d("2026-01-20"),
        effective_through=d("2027-01-19"),
        aftercare="Parenting-of-teens group at the community centre.",
        referrals="Eleni offered her own school-based counselling, which she may take up.",
        actor="m.jensen",
    )
    goal = plan.set_goal(
        "I will have a twenty-minute conversation with my daughter three to five days a week.",
        focus="Relationship with my daughter",
        term="long",
        measure=Measure(
            name="days with a 20-minute conversation", unit="days per week", baseline=1, target=4
        ),
        by=d("2026-07-20"),
        relevance="Kostas feels he has lost touch with Eleni since she started high school.",
        actor="m.jensen",
    )
    plan.set_presenting_problem(
        "Relationship with my daughter",
        "Few conversations with his 15-year-old daughter since she started high school; talks end "
        "in arguments about school.",
        actor="m.jensen",
    )
    plan.add_diagnosis("Z62.820", focus=["Relationship with my daughter"], primary=True, actor="m.jensen")
    plan.add_step(goal, "Ask Eleni which evenings suit her", by=d("2026-01-31"), actor="m.jensen")
    plan.add_step(goal, "Put the phone away during dinner", actor="m.jensen")
    plan.plan_intervention(
        "Family therapy",
        "Structural family therapy sessions with Kostas, and with Eleni every other session",
        "every two weeks",
        goals=[goal],
        type="family",
        minutes=60,
        sessions=2,
        per="month",
        provider="Maria Jensen",
        provider_credentials="LMFT",
        provider_role="family therapist",
        starts=d("2026-01-27"),
        ends=d("2026-07-20"),
        actor="m.jensen",
    )
    plan.sign(role="clinician", name="Maria Jensen", credentials="LMFT", on=d("2026-01-20"), actor="m.jensen")
    plan.sign(role="client", name="Κώστας Παπαδόπουλος", on=d("2026-01-27"), actor="m.jensen")
    plan.give_copy(to="Κώστας Παπαδόπουλος", on=d("2026-01-27"), method="emailed PDF")
    for day, days in [
        ("2026-02-01", 1),
        ("2026-02-15", 2),
        ("2026-03-01", 2),
        ("2026-03-15", 3),
        ("2026-04-01", 3),
        ("2026-04-15", 4),
    ]:
        clock.at(d(day))
        plan.record_progress(goal, days, on=d(day), actor="m.jensen")
        if day == "2026-02-15":
            plan.revise_goal(
                goal,
                reason="Talks about school turned into arguments; Eleni asked to talk about her "
                "interests instead.",
                statement="I will have a twenty-minute conversation with my daughter about what "
                "interests her, three to five days a week.",
                actor="m.jensen",
            )
            plan.sign(role="client", name="Κώστας Παπαδόπουλος", on=d(day), actor="m.jensen")
            plan.sign(role="clinician", name="Maria Jensen", credentials="LMFT", on=d(day), actor="m.jensen")
    clock.at(d("2026-04-20"))
    plan.hold_review(
        held=d("2026-04-20"),
        summary="Conversations on three to four days most weeks; Eleni joins sessions willingly.",
        actor="m.jensen",
    )
    return plan.id


def work_stress(gp: Goalplan, clock: StoryClock) -> str:
    """Work stress that becomes a work-life balance goal after a review."""
    clock.at(d("2025-11-03"))
    plan = gp.open_plan(
        client="Ирина Соколова",
        clinician="Ana Ruiz",
        credentials="PhD, LCP",
        opened=d("2025-11-03"),
        review_every=90,
        discharge_criteria="Two evenings a week with her family for six weeks, and PHQ-9 below 10.",
        birth_date=d("1984-12-05"),
        record_number="NP-2025-0207",
        pronouns="she/her",
        actor="a.ruiz",
    )
    plan.set_details(
        strengths="Organised, insightful, a supportive husband.",
        needs="Limits on overtime; time for herself and her family.",
        abilities="Plans well; already uses a calendar for everything at work.",
        preferences="Video sessions on Tuesday evenings; sessions in English or Russian.",
        level_of_care="Outpatient psychotherapy (telehealth)",
        effective_from=d("2025-11-03"),
        effective_through=d("2026-11-02"),
        aftercare="Employee assistance programme sessions if stress returns.",
        referrals="Occupational health, for a review of her on-call rota.",
        actor="a.ruiz",
    )
    goal = plan.set_goal(
        "I will finish my workday by 6 pm on four days a week within three months.",
        focus="Stress at work",
        measure=Measure(name="workdays finished by 6 pm", unit="days per week", baseline=1, target=4),
        by=d("2026-02-03"),
        relevance="Long hours are straining Irina's health and her marriage.",
        actor="a.ruiz",
    )
    plan.set_presenting_problem(
        "Stress at work",
        "Works 11-hour days and most weekends; poor sleep, irritability and low mood for four months.",
        actor="a.ruiz",
    )
    plan.add_diagnosis(
        "F43.23",
        focus=["Stress at work"],
        primary=True,
        dsm5="Adjustment disorder with mixed anxiety and depressed mood",
        actor="a.ruiz",
    )
    plan.add_diagnosis("Z56.6", focus=["Stress at work"], actor="a.ruiz")
    plan.add_step(goal, "Talk to my manager about the on-call rota", by=d("2025-11-30"), actor="a.ruiz")
    plan.plan_intervention(
        "CBT",
        "Problem-solving therapy and boundary-setting practice",
        "every two weeks",
        goals=[goal],
        type="individual",
        minutes=50,
        sessions=2,
        per="month",
        provider="Ana Ruiz",
        provider_credentials="PhD, LCP",
        provider_role="primary therapist",
        starts=d("2025-11-10"),
        ends=d("2026-05-04"),
        actor="a.ruiz",
    )
    # Item 9 (thoughts of being better off dead) is 1: a safety finding, answered the same day.
    plan.record_score("PHQ-9", 13, items=(2, 2, 2, 1, 2, 1, 1, 1, 1), on=d("2025-11-03"), actor="a.ruiz")
    plan.review_safety(
        reason="Passive thoughts on some days, no plan or intent; C-SSRS screen negative; safety plan "
        "written with Irina and crisis line numbers given.",
        on=d("2025-11-03"),
        actor="a.ruiz",
    )
    plan.sign(role="client", name="Ирина Соколова", on=d("2025-11-03"), actor="a.ruiz")
    plan.sign(role="clinician", name="Ana Ruiz", credentials="PhD, LCP", on=d("2025-11-03"), actor="a.ruiz")
    plan.sign(role="supervisor", name="Helen Brooks", credentials="PhD", on=d("2025-11-05"), actor="h.brooks")
    plan.give_copy(to="Ирина Соколова", on=d("2025-11-05"), method="patient portal")
    for day, days in [
        ("2025-11-16", 1),
        ("2025-11-30", 2),
        ("2025-12-14", 3),
        ("2026-01-11", 4),
        ("2026-01-25", 4),
    ]:
        clock.at(d(day))
        plan.record_progress(goal, days, on=d(day), actor="a.ruiz")
    clock.at(d("2026-02-02"))
    plan.record_score("PHQ-9", 6, on=d("2026-02-02"), actor="a.ruiz")
    plan.hold_review(
        held=d("2026-02-02"),
        summary="Work hours under control. Irina now wants time at home to feel like her own.",
        next=d("2026-05-04"),
        actor="a.ruiz",
    )
    plan.revise_goal(
        goal,
        reason="Stress at work eased after the review; the client's aim is now balance between "
        "work and home.",
        statement="I will spend two evenings a week doing something I enjoy with my family.",
        focus="Work-life balance",
        term="long",
        measure=Measure(name="evenings with family", unit="per week", baseline=0, target=2),
        by=d("2026-05-04"),
        relevance="Irina wants her evenings at home to feel like family time again.",
        actor="a.ruiz",
    )
    plan.resolve_diagnosis(
        "Z56.6", reason="Work strain eased; now addressed under work-life balance.", actor="a.ruiz"
    )
    plan.add_diagnosis("Z56.6", focus=["Work-life balance"], actor="a.ruiz")
    plan.sign(role="client", name="Ирина Соколова", on=d("2026-02-02"), actor="a.ruiz")
    plan.sign(role="clinician", name="Ana Ruiz", credentials="PhD, LCP", on=d("2026-02-02"), actor="a.ruiz")
    plan.sign(role="supervisor", name="Helen Brooks", credentials="PhD", on=d("2026-02-04"), actor="h.brooks")
    plan.give_copy(to="Ирина Соколова", on=d("2026-02-04"), method="patient portal", actor="a.ruiz")
    for day, evenings in [("2026-02-15", 1), ("2026-03-01", 1), ("2026-03-15", 2), ("2026-03-29", 2)]:
        clock.at(d(day))
        plan.record_progress(goal, evenings, on=d(day), actor="a.ruiz")
    return plan.id


STORIES = (social_anxiety, panic, parent_and_daughter, work_stress)


def build(url: str) -> list[str]:
    """Record every story into the store at ``url``; returns the plan ids."""
    clock = StoryClock()
    with goalplan.open(url, actor="practice", clock=clock) as gp:
        return [story(gp, clock) for story in STORIES]
