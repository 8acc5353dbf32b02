"""The .ics exporter: what each event says, its identity and revisions, and RFC 5545 validity."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
import vobject

import goalplan
from goalplan_ical import caseload_calendar, plan_calendar
from tests.plugins.ical.ical_helpers import CLIENT, FOCUS, STATEMENT, events_by_uid, goal_id, unfolded


def ics(plan: goalplan.Plan, **options: str) -> bytes:
    return plan_calendar(plan.log(), options)


def review_uid(plan: goalplan.Plan, number: int) -> str:
    return f"goalplan-{plan.id}-review-{number}"


def target_uid(plan: goalplan.Plan) -> str:
    return f"goalplan-{plan.id}-goal-{goal_id(plan)}-target"


def test_a_new_plan_has_its_first_review_and_the_goal_target_as_all_day_events(plan: goalplan.Plan) -> None:
    calendar = icalendar.Calendar.from_ical(ics(plan))
    assert str(calendar["METHOD"]) == "PUBLISH"
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {review_uid(plan, 1), target_uid(plan)}
    review, target = events[review_uid(plan, 1)], events[target_uid(plan)]
    assert review.decoded("DTSTART") == date(2026, 4, 5)  # opened 2026-01-05 + 90 days
    assert review.decoded("DTEND") == date(2026, 4, 6)
    assert target.decoded("DTSTART") == date(2026, 4, 1)
    for event in events.values():
        assert event["DTSTART"].params["VALUE"] == "DATE"
        assert str(event["STATUS"]) == "CONFIRMED"
        assert event["SEQUENCE"] == 0
        assert "ATTENDEE" not in event
        triggers = sorted(a.decoded("TRIGGER") for a in event.walk("VALARM"))
        assert triggers == [timedelta(days=-7), timedelta(days=-1)]
        assert all(str(a["ACTION"]) == "DISPLAY" and str(a["DESCRIPTION"]) for a in event.walk("VALARM"))


def test_the_clinician_is_organizer_without_a_mail_address_unless_one_is_given(
    gp: goalplan.Goalplan, plan: goalplan.Plan
) -> None:
    other = gp.open_plan(client="Someone Else", clinician="Dr. Ana Ruiz", opened=date(2026, 2, 1))
    organizer = events_by_uid(ics(plan))[review_uid(plan, 1)]["ORGANIZER"]
    assert organizer.params["CN"] == "Dr. Ana Ruiz, PhD, LCSW"
    assert str(organizer).startswith("urn:uuid:")
    other_organizer = events_by_uid(ics(other))[review_uid(other, 1)]["ORGANIZER"]
    assert str(other_organizer) == str(organizer)  # the same clinician, the same URI
    with_mail = events_by_uid(ics(plan, email="ana.ruiz@example.org"))[review_uid(plan, 1)]["ORGANIZER"]
    assert str(with_mail) == "mailto:ana.ruiz@example.org"


def test_entries_carry_no_client_data_unless_details_are_asked_for(plan: goalplan.Plan) -> None:
    private = unfolded(ics(plan))
    for secret in (CLIENT, STATEMENT, FOCUS, "gatherings attended"):
        assert secret not in private
    events = events_by_uid(ics(plan))
    assert str(events[review_uid(plan, 1)]["SUMMARY"]) == f"Treatment plan review \u2014 plan {plan.id[:4]}"
    assert str(events[target_uid(plan)]["SUMMARY"]) == (
        f"Goal target date \u2014 plan {plan.id[:4]}, goal {goal_id(plan)[:4]}"
    )
    detailed = unfolded(ics(plan, details="true"))
    for shown in (CLIENT, STATEMENT, FOCUS, "gatherings attended"):
        assert shown in detailed.replace("\\,", ",")


def test_two_exports_of_the_same_log_are_byte_identical(
    plan: goalplan.Plan, gp: goalplan.Goalplan, db_path: object
) -> None:
    first = ics(plan, tz="Europe/Berlin")
    with goalplan.Goalplan.open(str(db_path)) as reopened:
        again = plan_calendar(reopened.plan(plan.id).log(), {"tz": "Europe/Berlin"})
    assert first == again


def test_an_event_that_touches_no_entry_leaves_the_calendar_unchanged(plan: goalplan.Plan) -> None:
    before = ics(plan)
    plan.record_progress(goal_id(plan), 1, on=date(2026, 2, 1))
    plan.sign(role="client", name=CLIENT, on=date(2026, 2, 1))
    assert ics(plan) == before


def test_a_moved_target_date_keeps_the_uid_and_raises_the_sequence(plan: goalplan.Plan) -> None:
    created = plan.log().records[-1].recorded_at_dt
    plan.revise_goal(goal_id(plan), reason="needs more time", by=date(2026, 5, 1))
    moved_at = plan.log().records[-1].recorded_at_dt
    plan.revise_goal(goal_id(plan), reason="even more time", by=date(2026, 6, 1))
    target = events_by_uid(ics(plan))[target_uid(plan)]
    assert target.decoded("DTSTART") == date(2026, 6, 1)
    assert target["SEQUENCE"] == 2
    assert target.decoded("CREATED") == created.replace(microsecond=0)
    assert target.decoded("DTSTAMP") > moved_at
    assert target.decoded("DTSTAMP") == plan.log().records[-1].recorded_at_dt.replace(microsecond=0)
    assert target.decoded("LAST-MODIFIED") == target.decoded("DTSTAMP")


def test_a_revised_goal_statement_is_a_significant_change(plan: goalplan.Plan) -> None:
    plan.revise_goal(goal_id(plan), reason="client's words", statement="I will go to two meetups a month")
    target = events_by_uid(ics(plan))[target_uid(plan)]
    assert target["SEQUENCE"] == 1
    assert target.decoded("DTSTART") == date(2026, 4, 1)


def test_a_completed_goal_is_cancelled_not_dropped(plan: goalplan.Plan) -> None:
    plan.record_progress(goal_id(plan), 2, on=date(2026, 3, 1))  # meets the target of 2
    plan.change_status(goal_id(plan), "completed", reason="target met")
    target = events_by_uid(ics(plan))[target_uid(plan)]
    assert str(target["STATUS"]) == "CANCELLED"
    assert target["SEQUENCE"] == 1
    assert target.decoded("DTSTART") == date(2026, 4, 1)
    assert target.walk("VALARM") == []
    assert "Cancelled: the goal is completed." in str(target["DESCRIPTION"])
    plan.change_status(goal_id(plan), "active", reason="slipped back")
    revived = events_by_uid(ics(plan))[target_uid(plan)]
    assert (str(revived["STATUS"]), revived["SEQUENCE"]) == ("CONFIRMED", 2)


def test_a_held_review_cancels_its_reminder_and_schedules_the_next(plan: goalplan.Plan) -> None:
    plan.hold_review(held=date(2026, 3, 30), summary="on track", next=date(2026, 6, 15))
    events = events_by_uid(ics(plan))
    held = events[review_uid(plan, 1)]
    assert (str(held["STATUS"]), held["SEQUENCE"]) == ("CANCELLED", 1)
    assert held.decoded("DTSTART") == date(2026, 4, 5)
    upcoming = events[review_uid(plan, 2)]
    assert (str(upcoming["STATUS"]), upcoming["SEQUENCE"]) == ("CONFIRMED", 0)
    assert upcoming.decoded("DTSTART") == date(2026, 6, 15)
    plan.hold_review(held=date(2026, 6, 10))
    third = events_by_uid(ics(plan))[review_uid(plan, 3)]
    assert third.decoded("DTSTART") == date(2026, 6, 10) + timedelta(days=90)  # the cadence


def test_closing_the_plan_cancels_every_entry_and_a_correction_restores_them(plan: goalplan.Plan) -> None:
    plan.close(reason="discharged", on=date(2026, 3, 1))
    events = events_by_uid(ics(plan))
    assert {str(e["STATUS"]) for e in events.values()} == {"CANCELLED"}
    assert {e["SEQUENCE"] for e in events.values()} == {1}
    close_id = plan.log().records[-1].event_id
    plan.correct(close_id, reason="closed the wrong plan")
    events = events_by_uid(ics(plan))
    assert {str(e["STATUS"]) for e in events.values()} == {"CONFIRMED"}
    assert {e["SEQUENCE"] for e in events.values()} == {2}


def test_timed_events_in_a_time_zone_carry_a_vtimezone(plan: goalplan.Plan) -> None:
    data = ics(plan, tz="Europe/Berlin", time="10:30", duration="50m", alarms="2h")
    calendar = icalendar.Calendar.from_ical(data)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Berlin"
    review = {str(e["UID"]): e for e in calendar.walk("VEVENT")}[review_uid(plan, 1)]
    assert review["DTSTART"].params["TZID"] == "Europe/Berlin"
    start = review.decoded("DTSTART")
    assert start.utcoffset() == timedelta(hours=2)  # 5 April 2026 is in summer time
    assert start.astimezone(UTC) == datetime(2026, 4, 5, 8, 30, tzinfo=UTC)
    assert review.decoded("DTEND") - start == timedelta(minutes=50)
    assert [a.decoded("TRIGGER") for a in review.walk("VALARM")] == [timedelta(hours=-2)]


def test_utc_needs_no_vtimezone_and_alarms_can_be_turned_off(plan: goalplan.Plan) -> None:
    data = ics(plan, tz="UTC", alarms="none")
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar.walk("VTIMEZONE") == []
    assert calendar.walk("VALARM") == []
    assert b"DTSTART:20260405T090000Z\r\n" in data


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"tz": "Mars/Olympus"}, "--option tz"),
        ({"tz": "../../etc/passwd"}, "--option tz"),
        ({"time": "09:00"}, "--option time"),
        ({"tz": "Europe/Berlin", "time": "25:00"}, "--option time"),
        ({"tz": "Europe/Berlin", "duration": "2s"}, "--option duration"),
        ({"alarms": "7x"}, "--option alarms"),
        ({"alarms": "1d,2d,3d,4d,5d,6d"}, "--option alarms"),
        ({"details": "maybe"}, "--option details"),
        ({"email": "not-an-address"}, "--option email"),
        ({"colour": "red"}, "--option colour"),
    ],
)
def test_bad_options_are_refused_naming_the_option(
    plan: goalplan.Plan, options: dict[str, str], field: str
) -> None:
    with pytest.raises(goalplan.RejectedError) as caught:
        plan_calendar(plan.log(), options)
    assert caught.value.field == field


def test_lines_end_in_crlf_and_are_folded_at_75_octets(plan: goalplan.Plan) -> None:
    plan.revise_goal(goal_id(plan), reason="longer words", statement="Ünïcödé " * 30)
    data = ics(plan, details="true", tz="America/New_York")
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    assert any(len(line) > 70 for line in lines)  # long lines really were folded
    for line in lines:
        line.decode("utf-8")  # no fold splits a multi-byte character


def test_a_second_independent_parser_reads_the_same_calendar(plan: goalplan.Plan) -> None:
    plan.revise_goal(goal_id(plan), reason="needs more time", by=date(2026, 5, 1))
    plan.hold_review(held=date(2026, 3, 30))
    for options in ({}, {"tz": "Europe/Berlin", "details": "true"}):
        data = ics(plan, **options)
        parsed = vobject.readOne(data.decode("utf-8"), validate=True)
        theirs = {
            e.uid.value: (e.dtstart.value, int(e.sequence.value), e.status.value) for e in parsed.vevent_list
        }
        ours = {
            uid: (e.decoded("DTSTART"), int(e["SEQUENCE"]), str(e["STATUS"]))
            for uid, e in events_by_uid(data).items()
        }
        assert theirs == ours
        assert len(theirs) == 3


def test_a_caseload_calendar_holds_every_plan(gp: goalplan.Goalplan, plan: goalplan.Plan) -> None:
    other = gp.open_plan(client="Riley Stone", clinician="Dr. Ana Ruiz", opened=date(2026, 2, 1))
    data = caseload_calendar(gp.logs(), {})
    uids = set(events_by_uid(data))
    assert uids == set(events_by_uid(ics(plan))) | set(events_by_uid(ics(other)))
    assert caseload_calendar(gp.logs(), {}) == data


def test_correcting_a_held_review_brings_its_reminder_back(plan: goalplan.Plan) -> None:
    plan.hold_review(held=date(2026, 3, 30), next=date(2026, 6, 15))
    plan.correct(plan.log().records[-1].event_id, reason="entered on the wrong plan")
    events = events_by_uid(ics(plan))
    first, second = events[review_uid(plan, 1)], events[review_uid(plan, 2)]
    assert (str(first["STATUS"]), first["SEQUENCE"], first.decoded("DTSTART")) == (
        "CONFIRMED",
        2,
        date(2026, 4, 5),
    )
    assert (str(second["STATUS"]), second["SEQUENCE"]) == ("CANCELLED", 1)
    assert "Cancelled: the review is no longer due." in str(second["DESCRIPTION"])
