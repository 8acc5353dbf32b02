"""Input that could poison the record: out-of-range and future dates, control and bidi characters,
lone surrogates, overlong text and actors. Each is refused in one sentence with nothing written,
and whatever reaches a terminal is escaped (docs/limits.md)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import goalplan
from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands
from goalplan.text import LINE_MAX, printable

TOMORROW = (date.today() + timedelta(days=1)).isoformat()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "plans.db"


def run(db: Path, *args: str) -> Result:
    install_plugin_commands(cli)
    runner = CliRunner(env={"GOALPLAN_DB": str(db), "GOALPLAN_ACTOR": "dr.ruiz"})
    return runner.invoke(cli, list(args), prog_name="goalplan", catch_exceptions=False)


@pytest.fixture
def plan(db: Path) -> str:
    result = run(db, "plan", "open", "--client", "Ana", "--clinician", "Dr. Ruiz", "--opened", "2026-01-05")
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@pytest.fixture
def goal(db: Path, plan: str) -> str:
    result = run(
        db, "goal", "set", plan, "--statement", "I will ride the bus", "--measure", "rides", "--unit",
        "per week", "--baseline", "0", "--target", "3",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def head(db: Path) -> int:
    with goalplan.Goalplan.open(db) as gp:
        return gp.store.head_position()


def refused(db: Path, args: list[str], message: str, code: int = 1) -> None:
    before = head(db)
    result = run(db, *args)
    assert result.exit_code == code, result.output
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert head(db) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "open", "--client", "A", "--clinician", "B", "--opened", "9999-12-01"], "'--opened'"),
        (["plan", "open", "--client", "A", "--clinician", "B", "--opened", "1899-12-31"], "1900-01-01"),
        (["review", "{plan}", "--held", "9999-12-31"], "outside the dates goalplan keeps"),
        (["review", "{plan}", "--held", TOMORROW], "is after today"),
        (["progress", "{plan}", "{goal}", "1", "--on", TOMORROW], "Invalid value for '--on'"),
        (["score", "{plan}", "PHQ-9", "3", "--on", TOMORROW], "Invalid value for '--on'"),
        (["plan", "sign", "{plan}", "--role", "client", "--name", "Ana", "--on", TOMORROW], "'--on'"),
        (["plan", "close", "{plan}", "--reason", "done", "--on", TOMORROW], "is after today"),
        (["plan", "show", "{plan}", "--as-of", "9999-12-31T23:59:59-14:00"], "Invalid value for '--as-of'"),
        (["plan", "show", "{plan}", "--as-of", "0001-01-01T00:00:00+14:00"], "Invalid value for '--as-of'"),
        (["plan", "open", "--client", "A", "--clinician", "B", "--actor", "a\x1b[2K"], "'--actor'"),
        (["plan", "open", "--client", "A", "--clinician", "B", "--actor", "x" * (LINE_MAX + 1)], "'--actor'"),
        (["plan", "open", "--client", "A", "--clinician", "B", "--actor", "a\udcffb"], "'--actor'"),
    ],
)
def test_dates_and_actors_outside_the_limits_are_usage_errors(
    db: Path, plan: str, goal: str, args: list[str], message: str
) -> None:
    refused(db, [a.format(plan=plan, goal=goal) for a in args], message, code=2)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["plan", "open", "--client", "Eve\x1b[2K\rMallory", "--clinician", "B"],
            "client: must not contain U+001B",
        ),
        (["plan", "open", "--client", "Eve\u202eyrollaM", "--clinician", "B"], "U+202E"),
        (["plan", "open", "--client", "Eve\nMallory", "--clinician", "B"], "U+000A"),
        (["plan", "open", "--client", "a\udcffb", "--clinician", "B"], "lone surrogate"),
        (["plan", "open", "--client", "A", "--clinician", "B", "--discharge", "a\rb"], "U+000D"),
        (["goal", "set", "{plan}", "--statement", "x\x9bA"], "U+009B"),
        (["goal", "step", "{plan}", "{goal}", "\x07ring"], "U+0007"),
        (["progress", "{plan}", "{goal}", "1", "--note", "\u2066hidden"], "U+2066"),
        (["plan", "show", "\udcff"], "PLAN: must not contain a lone surrogate"),
        (["goal", "revise", "{plan}", "{goal}", "--reason", "r", "--unit", "per\u2028week"], "U+2028"),
        (
            ["export", "{plan}", "--format", "csv", "--option", "table=\udcff"],
            "--option table: must not contain",
        ),
        (["calendar", "{plan}", "--option", "tz=Europe/Berlin\x1b"], "--option tz: must not contain U+001B"),
        (["sync", "caldav", "http://[::1/", "{plan}"], "URL: must be an http:// or https://"),
        (["sync", "caldav", "http://127.0.0.1:99999/", "{plan}"], "URL: must be an http:// or https://"),
        (["sync", "caldav", "http://\udcff/", "{plan}"], "URL: must be an http:// or https://"),
        (
            ["sync", "caldav", "http://127.0.0.1:1/c\r\nX: y/", "{plan}"],
            "URL: must be an http:// or https://",
        ),
        (["progress", "{plan}", "{goal}", "1e10"], "VALUE: must be between -1,000,000,000 and 1,000,000,000"),
        (
            ["goal", "revise", "{plan}", "{goal}", "--reason", "r", "--baseline", "-1.7e308"],
            "baseline: must be",
        ),
    ],
)
def test_control_bidi_and_surrogate_characters_are_refused(
    db: Path, plan: str, goal: str, args: list[str], message: str
) -> None:
    refused(db, [a.format(plan=plan, goal=goal) for a in args], message)


def test_newlines_and_tabs_are_kept_in_free_text(db: Path, plan: str, goal: str) -> None:
    result = run(db, "progress", plan, goal, "1", "--on", "2026-01-06", "--note", "first line\n\tsecond")
    assert result.exit_code == 0, result.output
    with goalplan.Goalplan.open(db) as gp:
        assert gp.plan(plan).state.goals[goal].progress[0].note == "first line\n\tsecond"


def test_an_observation_dated_today_is_accepted(db: Path, plan: str, goal: str) -> None:
    result = run(db, "progress", plan, goal, "1", "--on", date.today().isoformat())
    assert result.exit_code == 0, result.output


def test_the_python_api_refuses_the_same(db: Path) -> None:
    with goalplan.Goalplan.open(db, actor="dr.ruiz") as gp:
        plan = gp.open_plan(client="A", clinician="B", opened=date(2026, 1, 5))
        goal = plan.set_goal("x", measure=goalplan.Measure(name="m", unit="u", baseline=0, target=1))
        with pytest.raises(goalplan.RejectedError, match=r"observed_on: .* is after today"):
            plan.record_progress(goal, 1, on=date.today() + timedelta(days=1))
        with pytest.raises(goalplan.RejectedError, match="target_date: 9999-01-01 is outside"):
            plan.revise_goal(goal, reason="r", by=date(9999, 1, 1))
        with pytest.raises(goalplan.RejectedError, match="actor: must not contain"):
            plan.add_focus("Sleep", actor="Eve\x1b]0;title\x07")
        with pytest.raises(goalplan.RejectedError, match="goal: no goal"):
            plan.execute(
                lambda s: [
                    goalplan.events.InterventionPlanned(
                        intervention_id="I1",
                        modality="CBT",
                        description="d",
                        frequency="f",
                        goal_ids=("\ud800",),
                    )
                ]
            )
        assert gp.store.head_position() == 2


def test_unprintable_text_from_an_older_log_is_escaped_on_output(db: Path) -> None:
    """A log written before these checks (or imported) is shown escaped, never raw."""
    from goalplan.codec import NewEvent
    from goalplan.events import PlanOpened

    with goalplan.Goalplan.open(db) as gp:
        opened = PlanOpened(
            client_name="Eve\x1b[2K\rMallory\u202e", clinician_name="B", opened_on=date(2026, 1, 5)
        )
        gp.store.append(
            "P1", [NewEvent.of(opened, actor="old\x1b[31m", recorded_at="2026-01-05T09:00:00.000000Z")], 0
        )
    shown = run(db, "plan", "show", "P1")
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.stdout and "\r" not in shown.stdout and "\u202e" not in shown.stdout
    assert "Eve\\x1b[2K\\x0dMallory\\u202e" in shown.stdout
    listed = run(db, "plan", "list")
    assert "\x1b" not in listed.stdout and "Eve\\x1b" in listed.stdout
    history = run(db, "history", "P1")
    assert "\x1b" not in history.stdout
    as_json = run(db, "plan", "show", "P1", "--json")
    assert "\u202e" not in as_json.stdout
    assert json.loads(as_json.stdout)["client"] == "Eve\x1b[2K\rMallory\u202e"  # the same JSON


def test_printable_keeps_ordinary_text() -> None:
    assert printable("Nguyễn Thị Lan\n\tשלום 日本") == "Nguyễn Thị Lan\n\tשלום 日本"
    assert printable("a\nb", multiline=False) == "a\\x0ab"


def test_the_clinical_record_fields_follow_the_same_rules(db: Path) -> None:
    with goalplan.Goalplan.open(db, actor="dr.ruiz") as gp:
        with pytest.raises(goalplan.RejectedError, match=r"client-record-number: must not contain U\+000A"):
            gp.open_plan(client="A", clinician="B", record_number="MRN\n123")
        plan = gp.open_plan(client="A", clinician="B", opened=date(2026, 1, 5), record_number="MRN-123")
        with pytest.raises(goalplan.RejectedError, match=r"given_on: .* is after today"):
            plan.give_copy(to="Ana", on=date.today() + timedelta(days=1))
        with pytest.raises(goalplan.RejectedError, match=r"to: must not contain U\+202E"):
            plan.give_copy(to="Ana\u202e", on=date(2026, 1, 6))
        assert gp.store.head_position() == 1
