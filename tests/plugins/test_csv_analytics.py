"""The analytics columns of the CSV goals table and the scores table, checked against hand-worked values.

The plan below is recorded day by day (recorded-at follows the observation days) and its last
entry is on 2026-02-20, so that is the day the analytics are computed for, whatever the clock
says when the file is written.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

import goalplan
from goalplan import Band, Instrument, Measure, PlanLog
from goalplan.exporting import render
from goalplan.plugins import get_plugin_manager, make_plugin_manager
from goalplan_csv.deidentify import Pseudonyms

KEY = "a-practice-secret-of-enough-length"
LAST_DAY = date(2026, 2, 20)
GAS_LEVELS = (
    "In bed past eleven every day",
    "Up by ten most days",
    "Up and dressed by nine on three days",
    "Up and dressed by nine on four days",
    "Up and dressed by nine every weekday",
)
SCORE_NOTE = "Says the week at Harbour Street Bakery was calm."


class DayClock:
    """Recorded-at times on the day the test says, one second apart."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def on(self, day: date) -> None:
        self.now = datetime.combine(day, time(9, 0), tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def day_clock() -> DayClock:
    return DayClock()


@pytest.fixture
def analysed_gp(db_path: Path, day_clock: DayClock) -> Iterator[goalplan.Goalplan]:
    with goalplan.Goalplan.open(db_path, actor="dr.okafor", clock=day_clock) as opened:
        yield opened


@pytest.fixture
def analysed(analysed_gp: goalplan.Goalplan, day_clock: DayClock) -> goalplan.Plan:
    """Three goals: one improving on track, one past its date, one without a measure.

    panic (down, 4 -> 1 by 2026-03-30): 4, 3, 3, 2 weekly from 2026-01-12; one GAD-7 of 12.
    mornings (up, 1 -> 5 by 2026-02-15): 1 on 2026-01-12, 2.5 on 2026-02-09; PHQ-9 16 then 7;
        GAS weight 2, scored -1.
    calls (no measure): GAS weight 1, scored +1.
    A plan-level PHQ-9 of 4 on 2026-02-20, the last entry.
    """
    plan = analysed_gp.open_plan(client="Nia Okonjo", clinician="Dr. Ada Okafor", opened=date(2026, 1, 5))
    panic = plan.set_goal(
        "I will ride the bus to work on my own.",
        focus="Panic attacks",
        measure=Measure(name="panic attacks", unit="per week", baseline=4, target=1),
        by=date(2026, 3, 30),
    )
    mornings = plan.set_goal(
        "I will be up and dressed by nine on weekdays.",
        focus="Low mood",
        measure=Measure(name="mornings up by nine", unit="days per week", baseline=1, target=5),
        by=date(2026, 2, 15),
    )
    calls = plan.set_goal("I will phone my sister every Sunday.", focus="Low mood", term="long")
    plan.set_gas_scale(mornings, GAS_LEVELS, weight=2)
    plan.set_gas_scale(calls, [f"calls level {n}" for n in range(5)], weight=1)

    day_clock.on(date(2026, 1, 12))
    plan.record_progress(panic, 4, on=date(2026, 1, 12))
    plan.record_progress(mornings, 1, on=date(2026, 1, 12))
    plan.record_score("GAD-7", 12, on=date(2026, 1, 12), goal=panic)
    plan.record_score("PHQ-9", 16, on=date(2026, 1, 12), goal=mornings)
    for day, value in ((date(2026, 1, 19), 3), (date(2026, 1, 26), 3), (date(2026, 2, 2), 2)):
        day_clock.on(day)
        plan.record_progress(panic, value, on=day)
    day_clock.on(date(2026, 2, 9))
    plan.record_progress(mornings, 2.5, on=date(2026, 2, 9))
    plan.record_score("PHQ-9", 7, on=date(2026, 2, 9), goal=mornings, note=SCORE_NOTE)
    plan.score_gas(mornings, -1, on=date(2026, 2, 9), note="Up by nine on two days.")
    day_clock.on(date(2026, 2, 16))
    plan.score_gas(calls, 1, on=date(2026, 2, 16))
    day_clock.on(LAST_DAY)
    plan.record_score("PHQ-9", 4, on=LAST_DAY, note=SCORE_NOTE)
    return plan


@pytest.fixture
def csv_exporter() -> goalplan.Exporter:
    return make_plugin_manager(load_entry_points=False, strict=True).exporter("csv")


def export(exporter: goalplan.Exporter, log: PlanLog, **options: str) -> bytes:
    return render(exporter, log, options)


def read(data: bytes) -> list[dict[str, object]]:
    """As a spreadsheet reads it: bare cells are numbers (floats), quoted cells text."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""), quoting=csv.QUOTE_NONNUMERIC))


def by_statement(plan: goalplan.Plan, rows: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    ids = {g.goal_id: g.statement.split()[2] for g in plan.state.goals.values()}  # ride, be, phone
    return {ids[str(r["goal_id"])]: r for r in rows}


# -- goals table --------------------------------------------------------------------------------


def test_goals_table_has_hand_computed_progress_analytics(
    csv_exporter: goalplan.Exporter, analysed: goalplan.Plan
) -> None:
    goals = by_statement(analysed, read(export(csv_exporter, analysed.log())))
    panic, mornings, calls = goals["ride"], goals["be"], goals["phone"]

    # panic: (2 - 4) / (1 - 4) = 66.67%. Days 0, 7, 14, 21 against 4, 3, 3, 2: Sxy = -21,
    # Sxx = 245, slope -21/245 a day = -0.6 a week. From 2 on 02-02, 1 to go at 0.6/7 a day:
    # ceil(11.67) = 12 days -> 02-14, before the 03-30 target date: on track and improving.
    assert panic["percent_toward_target"] == 66.7
    assert panic["trend_per_week"] == -0.6
    assert panic["projected_on"] == "2026-02-14"
    assert (panic["on_track"], panic["achievement_status"]) == ("on-track", "improving")

    # mornings: (2.5 - 1) / (5 - 1) = 37.5%; 1.5 in 28 days = 0.375 a week; 2.5 to go:
    # ceil(2.5 / (0.375 / 7)) = ceil(46.67) = 47 days after 02-09 -> 03-28. The target date
    # 02-15 passed before 02-20 with 37.5% >= 25%: not achieved, off track.
    assert mornings["percent_toward_target"] == 37.5
    assert mornings["trend_per_week"] == 0.375
    assert mornings["projected_on"] == "2026-03-28"
    assert (mornings["on_track"], mornings["achievement_status"]) == ("off-track", "not-achieved")
    assert (mornings["gas_level"], mornings["gas_weight"]) == (-1.0, 2.0)

    # calls: no measure, so no progress analytics; GAS still applies.
    for column in ("percent_toward_target", "trend_per_week", "projected_on", "achievement_status"):
        assert calls[column] == "", column
    assert calls["on_track"] == "unknown"
    assert (calls["gas_level"], calls["gas_weight"]) == (1.0, 1.0)
    assert (panic["gas_level"], panic["gas_weight"]) == ("", "")

    assert {r["as_of"] for r in goals.values()} == {"2026-02-20"}


def test_goals_table_has_the_linked_instruments_latest_band_rci_and_outcomes(
    csv_exporter: goalplan.Exporter, analysed: goalplan.Plan
) -> None:
    goals = by_statement(analysed, read(export(csv_exporter, analysed.log())))
    panic, mornings, calls = goals["ride"], goals["be"], goals["phone"]

    # PHQ-9 16 -> 7: SE = 5.4 * sqrt(1 - 0.84) = 2.16, S_diff = 2.16 * sqrt(2) = 3.0547,
    # RC = -9 / 3.0547 = -2.9463, beyond -1.96: improved. 9 >= 50% of 16: response.
    # 7 is not below 5: no remission. 7 is in the mild band (5-9).
    phq9 = {k.removeprefix("phq9_"): v for k, v in mornings.items() if k.startswith("phq9_")}
    assert phq9 == {
        "first": 16.0,
        "latest": 7.0,
        "latest_on": "2026-02-09",
        "severity": "mild",
        "rci": -2.9463,
        "change": "improved",
        "response": "true",
        "remission": "false",
    }
    # The plan-level PHQ-9 of 4 on 02-20 is not linked to the goal, so it does not count here.

    # GAD-7: a single score of 12 (moderate, 10-14) gives no comparison, and neither response nor
    # remission (they need two scores from a clinical-range start).
    gad7 = {k.removeprefix("gad7_"): v for k, v in panic.items() if k.startswith("gad7_")}
    assert gad7 == {
        "first": 12.0,
        "latest": 12.0,
        "latest_on": "2026-01-12",
        "severity": "moderate",
        "rci": "",
        "change": "",
        "response": "",
        "remission": "",
    }
    assert all(v == "" for k, v in panic.items() if k.startswith("phq9_"))
    assert all(v == "" for k, v in calls.items() if k.startswith(("phq9_", "gad7_")))


def test_goals_table_agrees_with_the_analytics_module(
    csv_exporter: goalplan.Exporter, analysed: goalplan.Plan
) -> None:
    report = analysed.analytics(today=LAST_DAY).to_json()["goals"]
    for row in read(export(csv_exporter, analysed.log())):
        expected = report[str(row["goal_id"])]
        trend = expected["trend"]
        assert row["percent_toward_target"] == ("" if expected["percent"] is None else expected["percent"])
        assert row["trend_per_week"] == ("" if trend is None else trend["slope_per_week"])
        assert row["projected_on"] == (expected["projected_on"] or "")
        assert row["on_track"] == expected["on_track"]
        assert row["achievement_status"] == (expected["achievement_status"] or "")
        for summary in expected["instruments"]:
            change = summary["reliable_change"]
            prefix = summary["instrument"]
            assert row[f"{prefix}_latest"] == summary["latest"]["total"]
            assert row[f"{prefix}_rci"] == ("" if change is None else change["rc"])


def test_numbers_are_bare_cells_and_nulls_are_empty(
    csv_exporter: goalplan.Exporter, analysed: goalplan.Plan
) -> None:
    data = export(csv_exporter, analysed.log())
    header, *records = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    lines = data.decode("utf-8").split("\r\n")[1:-1]
    mornings = next(i for i, r in enumerate(records) if r[header.index("phq9_rci")])
    assert ",-2.9463," in lines[mornings] and ',"improved",' in lines[mornings]
    assert ",0.375," in lines[mornings] and ',"2026-03-28",' in lines[mornings]
    calls = next(i for i, r in enumerate(records) if r[header.index("on_track")] == "unknown")
    assert ',"","","unknown","",1,1,"2026-02-20",' in lines[calls]


def test_analytics_are_for_the_last_recorded_day_not_the_clock(
    csv_exporter: goalplan.Exporter, analysed: goalplan.Plan
) -> None:
    panic = by_statement(analysed, read(export(csv_exporter, analysed.log())))["ride"]
    # Read from the clock, "today" would be the day the test runs, not the last entry's day;
    # any day after 03-30 would also turn the panic goal off track.
    assert (panic["as_of"], panic["on_track"]) == ("2026-02-20", "on-track")
    assert analysed.log().last_recorded_at is not None
    assert analysed.log().last_recorded_at.date() == LAST_DAY


def test_a_new_entry_moves_the_analysis_day(
    csv_exporter: goalplan.Exporter, analysed: goalplan.Plan, day_clock: DayClock
) -> None:
    day_clock.on(date(2026, 4, 2))
    analysed.record_progress(next(iter(analysed.state.goals)), 2, on=date(2026, 4, 2))
    panic = by_statement(analysed, read(export(csv_exporter, analysed.log())))["ride"]
    # Now past 03-30 with 2 of 4 -> 1 (66.7%): not achieved, off track.
    assert (panic["as_of"], panic["on_track"], panic["achievement_status"]) == (
        "2026-04-02",
        "off-track",
        "not-achieved",
    )


# -- scores table -------------------------------------------------------------------------------


def test_scores_table_has_one_row_per_score_in_the_order_observed(
    csv_exporter: goalplan.Exporter, analysed: goalplan.Plan
) -> None:
    scores = read(export(csv_exporter, analysed.log(), table="scores"))
    panic, mornings = list(analysed.state.goals)[:2]
    assert [(r["observed_on"], r["instrument"], r["total"], r["severity"], r["goal_id"]) for r in scores] == [
        ("2026-01-12", "gad7", 12.0, "moderate", panic),
        ("2026-01-12", "phq9", 16.0, "moderately severe", mornings),
        ("2026-02-09", "phq9", 7.0, "mild", mornings),
        ("2026-02-20", "phq9", 4.0, "minimal", ""),
    ]
    assert list(scores[0]) == [
        "plan_id",
        "goal_id",
        "instrument",
        "observed_on",
        "total",
        "severity",
        "note",
        "recorded_at",
        "recorded_by",
        "event_id",
        "item9",
        "safety_reviewed_on",
    ]
    assert scores[2]["note"] == SCORE_NOTE
    assert {r["plan_id"] for r in scores} == {analysed.id}
    assert {r["recorded_by"] for r in scores} == {"dr.okafor"}
    assert str(scores[3]["recorded_at"]).startswith("2026-02-20T09:00:")


def test_repeat_exports_are_byte_identical(
    csv_exporter: goalplan.Exporter, analysed: goalplan.Plan, db_path: Path
) -> None:
    for options in (
        {},
        {"table": "scores"},
        {"profile": "deidentified", "key": KEY},
        {"table": "scores", "profile": "deidentified", "key": KEY},
    ):
        first = export(csv_exporter, analysed.log(), **options)
        with goalplan.Goalplan.open(db_path) as reopened:
            assert export(csv_exporter, reopened.plan(analysed.id).log(), **options) == first


# -- instruments from plugins -------------------------------------------------------------------

WSAS = Instrument(
    id="wsas",
    name="WSAS",
    items=5,
    item_max=8,
    minimum=0,
    maximum=40,
    bands=(
        Band(minimum=0, maximum=9, label="subclinical"),
        Band(minimum=10, maximum=20, label="significant"),
        Band(minimum=21, maximum=40, label="severe"),
    ),
)


class WsasPlugin:
    @goalplan.hookimpl
    def register_instruments(self) -> list[Instrument]:
        return [WSAS]


def test_an_instrument_from_a_plugin_gets_its_columns_and_keeps_them_when_removed(
    csv_exporter: goalplan.Exporter, analysed: goalplan.Plan
) -> None:
    get_plugin_manager().add_plugin(WsasPlugin(), "wsas", source="test", version="1")
    assert sorted(goalplan.registered_instruments()) == ["gad7", "phq9", "wsas"]
    calls = list(analysed.state.goals)[2]
    analysed.record_score("wsas", 24, on=date(2026, 2, 16), goal=calls)
    analysed.record_score("wsas", 18, on=date(2026, 2, 23), goal=calls)

    def wsas_columns() -> dict[str, object]:
        row = by_statement(analysed, read(export(csv_exporter, analysed.log())))["phone"]
        return {k: v for k, v in row.items() if k.startswith("wsas_")}

    # No SD or reliability registered: no RCI; no remission or response defined.
    assert wsas_columns() == {
        "wsas_first": 24.0,
        "wsas_latest": 18.0,
        "wsas_latest_on": "2026-02-23",
        "wsas_severity": "significant",
        "wsas_rci": "",
        "wsas_change": "",
        "wsas_response": "",
        "wsas_remission": "",
    }
    get_plugin_manager.cache_clear()  # the plugin is gone; its scores are still on record
    assert "wsas" not in goalplan.registered_instruments()
    removed = wsas_columns()
    assert (removed["wsas_first"], removed["wsas_latest"], removed["wsas_severity"]) == (24.0, 18.0, "")


# -- de-identified profile ----------------------------------------------------------------------


def _free_text(plan: goalplan.Plan) -> list[str]:
    state = plan.state
    texts = [state.client_name, state.clinician_name, *GAS_LEVELS, SCORE_NOTE, "Up by nine on two days."]
    for goal in state.goals.values():
        texts += [goal.statement, state.focus_title(goal.focus_id)]
        if goal.measure:
            texts += [goal.measure.name, goal.measure.unit]
    texts += [f"calls level {n}" for n in range(5)]
    return [t for t in texts if t]


@pytest.mark.parametrize("table", ["goals", "scores"])
def test_deidentified_analytics_leak_no_names_text_ids_or_dates(
    csv_exporter: goalplan.Exporter, analysed: goalplan.Plan, table: str
) -> None:
    text = export(csv_exporter, analysed.log(), table=table, profile="deidentified", key=KEY).decode()
    for secret in _free_text(analysed):
        assert secret not in text, secret
    for identifier in [analysed.id, *analysed.state.goals, *(r.event_id for r in analysed.log().records)]:
        assert identifier not in text
    assert "dr.okafor" not in text and KEY not in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), "a calendar date leaked"
    assert not re.search(r"_(on|at|date)\b|\bas_of\"", text.split("\r\n")[0]), "a date column kept its name"


def test_deidentified_analytics_dates_are_day_offsets_and_values_stay(
    csv_exporter: goalplan.Exporter, analysed: goalplan.Plan
) -> None:
    full = by_statement(analysed, read(export(csv_exporter, analysed.log())))
    plain = read(export(csv_exporter, analysed.log(), profile="deidentified", key=KEY))
    pseudonym = Pseudonyms(KEY.encode())
    rows = {pseudonym("goal", g): r for g, r in zip(analysed.state.goals, plain, strict=True)}
    assert set(rows) == {r["goal_pseudonym"] for r in plain}
    panic, mornings = (rows[pseudonym("goal", g)] for g in list(analysed.state.goals)[:2])
    # Opened 2026-01-05: 02-14 is day 40, 03-28 day 82, 02-20 day 46, 02-09 day 35, 01-12 day 7.
    assert (panic["projected_day"], mornings["projected_day"]) == (40.0, 82.0)
    assert {r["as_of_day"] for r in plain} == {46.0}
    assert (mornings["phq9_latest_day"], panic["gad7_latest_day"]) == (35.0, 7.0)
    for column in (
        "trend_per_week",
        "on_track",
        "achievement_status",
        "gas_level",
        "phq9_rci",
        "phq9_change",
    ):
        assert mornings[column] == full["be"][column], column
    assert {"projected_on", "as_of", "phq9_latest_on"}.isdisjoint(mornings)

    scores = read(export(csv_exporter, analysed.log(), table="scores", profile="deidentified", key=KEY))
    assert list(scores[0]) == [
        "plan_pseudonym",
        "goal_pseudonym",
        "instrument",
        "observed_day",
        "total",
        "severity",
        "recorded_day",
        "item9",
        "safety_reviewed_day",
    ]
    assert [(r["observed_day"], r["recorded_day"], r["total"]) for r in scores] == [
        (7.0, 7.0, 12.0),
        (7.0, 7.0, 16.0),
        (35.0, 35.0, 7.0),
        (46.0, 46.0, 4.0),
    ]
    goal_pseudonyms = {r["goal_pseudonym"] for r in plain}
    assert {r["goal_pseudonym"] for r in scores[:3]} <= goal_pseudonyms  # joinable with goals
    assert scores[3]["goal_pseudonym"] == ""  # a plan-level score
