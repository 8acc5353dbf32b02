"""As-of views: the plan exactly as the log stood at a moment, judged by recorded-at."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goalplan.domain import fold
from goalplan.errors import RejectedError
from goalplan.events import GoalRevised, GoalSet, Measure, ProgressRecorded
from goalplan.projections import PlanLog, parse_moment
from tests.core.streams import OPENED_ON, T0, StreamBuilder, opened_plan, plan_histories


@given(plan_histories(), st.data())
def test_as_of_a_record_s_moment_is_the_fold_of_everything_up_to_it(
    history: StreamBuilder, data: st.DataObject
) -> None:
    log = PlanLog(tuple(history.records))
    k = data.draw(st.integers(0, len(history.records) - 1))
    moment = history.records[k].recorded_at_dt
    assert log.as_of(moment) == fold(history.records[: k + 1])
    just_before = moment - timedelta(microseconds=1)
    assert log.as_of(just_before) == fold(history.records[:k], plan_id=history.plan_id)


def test_before_the_first_record_the_plan_is_not_open() -> None:
    log = PlanLog(tuple(opened_plan().records))
    state = log.as_of(T0)
    assert (state.plan_id, state.is_open, state.version) == ("PLAN0000000000AA", False, 0)


def test_as_of_ignores_when_things_happened_in_the_world() -> None:
    builder = opened_plan()
    builder.add(GoalSet(goal_id="G1", statement="x", measure=None))
    builder.add(
        GoalRevised(
            goal_id="G1", reason="measure it", measure=Measure(name="m", unit="u", baseline=0, target=1)
        )
    )
    # Observed on the opening day, but recorded later: absent as of the earlier moment.
    entered = builder.add(ProgressRecorded(goal_id="G1", value=1, observed_on=OPENED_ON))
    log = PlanLog(tuple(builder.records))
    assert log.as_of(entered.recorded_at_dt - timedelta(seconds=1)).goals["G1"].progress == ()
    assert len(log.as_of(entered.recorded_at_dt).goals["G1"].progress) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-05", datetime(2026, 1, 5, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2026-01-05T09:03", datetime(2026, 1, 5, 9, 3, tzinfo=UTC)),
        ("2026-01-05T09:03:00Z", datetime(2026, 1, 5, 9, 3, tzinfo=UTC)),
        ("2026-01-05T11:03:00+02:00", datetime(2026, 1, 5, 11, 3, tzinfo=timezone(timedelta(hours=2)))),
    ],
)
def test_a_moment_is_a_date_meaning_its_end_or_a_datetime_read_as_utc(text: str, expected: datetime) -> None:
    assert parse_moment(text) == expected


@pytest.mark.parametrize("text", ["2026-02-30", "yesterday", "2026-1-5", ""])
def test_a_malformed_moment_names_the_field(text: str) -> None:
    with pytest.raises(RejectedError) as caught:
        parse_moment(text, "--as-of")
    assert caught.value.field == "--as-of"


def test_a_date_and_a_string_and_a_datetime_agree() -> None:
    builder = opened_plan()
    builder.add(GoalSet(goal_id="G1", statement="x"))
    log = PlanLog(tuple(builder.records))
    day = T0.date()
    end = datetime.combine(day, datetime.max.time(), tzinfo=UTC)
    assert log.as_of(day) == log.as_of(day.isoformat()) == log.as_of(end) == log.state
    assert log.as_of(date(2026, 1, 4)).is_open is False
    naive = builder.records[-1].recorded_at_dt.replace(tzinfo=None)
    assert log.as_of(naive) == log.as_of(naive.replace(tzinfo=UTC)) == log.state


def test_the_fingerprint_names_plan_version_and_head_hash() -> None:
    builder = opened_plan()
    log = PlanLog(tuple(builder.records))
    assert log.fingerprint.plan_id == builder.plan_id
    assert log.fingerprint.version == 1
    assert log.fingerprint.head_hash == builder.records[-1].hash
    assert str(log.fingerprint) == f"{builder.plan_id} v1 {builder.records[-1].hash[:16]}"
    assert log.last_recorded_at == builder.records[-1].recorded_at_dt
    empty = PlanLog(())
    assert (empty.fingerprint.version, empty.last_recorded_at) == (0, None)
