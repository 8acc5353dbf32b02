"""The analytics commands as a user runs them: output, JSON, exit codes, nothing written on refusal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from goalplan.cli.main import cli

ROOT = Path(__file__).resolve().parents[3]
Run = Callable[..., Result]


@pytest.fixture
def run(db_path: Path) -> Run:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, ["--db", str(db_path), *args], env={"GOALPLAN_ACTOR": "dr.ruiz"})

    return invoke


@pytest.fixture
def plan(run: Run) -> str:
    result = run("plan", "open", "--client", "Ana Lima", "--clinician", "Dr Ruiz", "--opened", "2026-01-05")
    assert result.exit_code == 0, result.output
    return result.output.strip()


def _goal(run: Run, plan: str, *extra: str) -> str:
    result = run("goal", "set", plan, *extra)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def good_goal(run: Run, plan: str) -> str:
    goal = _goal(
        run, plan, "--statement", "I will walk for 20 minutes three mornings a week", "--focus", "Low mood",
        "--measure", "walks", "--unit", "per week", "--baseline", "0", "--target", "3", "--by", "2026-03-01",
        "--relevance", "Moving lifts my mood",
    )  # fmt: skip
    assert run("goal", "step", plan, goal, "Shoes by the door").exit_code == 0
    return goal


def test_lint_exits_0_when_nothing_fails_and_1_when_a_goal_fails(run: Run, plan: str) -> None:
    good_goal(run, plan)
    ok = run("lint", plan, "--today", "2026-02-10")
    assert ok.exit_code == 0, ok.output
    assert "nothing fails" in ok.output
    assert "WARN     plan.client-signature" in ok.output
    vague = _goal(run, plan, "--statement", "I want to feel better")
    bad = run("lint", plan, "--today", "2026-02-10")
    assert bad.exit_code == 1
    assert f'Goal {vague} "I want to feel better"' in bad.output
    assert "S FAIL     smart.specific" in bad.output


def test_lint_json(run: Run, plan: str) -> None:
    goal = good_goal(run, plan)
    result = run("lint", plan, "--json", "--today", "2026-02-10")
    data = json.loads(result.output)
    assert data["failed"] is False and data["today"] == "2026-02-10"
    rules = {(f["goal_id"], f["rule_id"]): f["level"] for f in data["findings"]}
    assert rules[(goal, "smart.measurable")] == "pass"
    assert rules[(None, "plan.client-signature")] == "warn"


def test_lint_silence_is_recorded_and_turns_the_exit_to_0(run: Run, plan: str) -> None:
    goal = _goal(run, plan, "--statement", "I want to feel better")
    assert run("lint", plan, "--today", "2026-02-10").exit_code == 1
    for rule in (
        "smart.specific",
        "smart.measurable",
        "smart.achievable",
        "smart.relevant",
        "smart.time-bound",
    ):
        result = run(
            "lint", "silence", plan, rule, "--goal", goal, "--reason", "Intake goal, refined next session"
        )
        assert result.exit_code == 0, result.output
    after = run("lint", plan, "--today", "2026-02-10")
    assert after.exit_code == 0, after.output
    assert "(accepted: Intake goal, refined next session)" in after.output
    history = run("history", plan, "--json")
    silenced = [e for e in json.loads(history.output) if e["field"] == "silenced_rule"]
    assert len(silenced) == 5 and silenced[0]["actor"] == "dr.ruiz"
    assert silenced[0]["reason"] == "Intake goal, refined next session"


def test_lint_silence_needs_a_reason(run: Run, plan: str) -> None:
    result = run("lint", "silence", plan, "plan.client-signature")
    assert result.exit_code == 2
    assert "--reason" in result.output


def test_lint_rules_lists_builtins(run: Run) -> None:
    result = run("lint", "rules")
    assert result.exit_code == 0
    assert "S  smart.specific" in result.output
    assert "goalplan.analytics.builtin_rules" in result.output


def test_score_in_and_out_of_range(run: Run, plan: str) -> None:
    assert run("score", plan, "PHQ-9", "18", "--on", "2026-01-05").exit_code == 0
    version = json.loads(run("plan", "show", plan, "--json").output)["version"]
    for args, message in [
        (("PHQ-9", "28"), "total: must be a whole number from 0 to 27 for PHQ-9 (got 28)."),
        (("GAD-7", "-1"), "total: must be a whole number from 0 to 21 for GAD-7 (got -1)."),
        (("GAD-7", "5", "--items", "1,1,1"), "items: GAD-7 has 7 items; give all 7 (got 3)."),
        (("GAD-7", "5", "--items", "1,x"), "--items: must be whole numbers separated by commas"),
        (
            ("BDI", "5"),
            "instrument: no instrument 'BDI'; registered instruments: phq9 (PHQ-9), gad7 (GAD-7).",
        ),
    ]:
        result = run("score", plan, *args)
        assert result.exit_code == 1, result.output
        assert message in result.output
    assert json.loads(run("plan", "show", plan, "--json").output)["version"] == version


def test_instruments_command(run: Run) -> None:
    result = run("instruments")
    assert "phq9 (PHQ-9): 9 items, total 0-27; 0-4 minimal, 5-9 mild" in result.output
    data = json.loads(run("instruments", "--json").output)
    assert {i["id"]: i["reliability"] for i in data} == {"phq9": 0.84, "gad7": 0.83}


def test_gas_commands(run: Run, plan: str) -> None:
    goal = good_goal(run, plan)
    other = _goal(run, plan, "--statement", "I will call a friend each week", "--focus", "Isolation")
    levels = ["--level", "-2=None", "--level", "-1=One", "--level", "0=Two", "--level", "+1=Three",
              "--level", "2=Four"]  # fmt: skip
    assert run("gas", "scale", plan, goal, *levels).exit_code == 0
    assert run("gas", "scale", plan, other, *levels, "--weight", "2").exit_code == 0
    assert run("gas", "score", plan, goal, "-1", "--on", "2026-01-12").exit_code == 0
    assert run("gas", "score", plan, goal, "2", "--on", "2026-02-09").exit_code == 0
    assert run("gas", "score", plan, other, "0", "--on", "2026-02-09").exit_code == 0
    shown = run("gas", plan)
    # latest: +2 (w 1), 0 (w 2): sum(wx) = 2; sqrt(0.7*5 + 0.3*9) = sqrt(6.2) = 2.48998; T = 58.03.
    # first: -1 (w 1), 0 (w 2): T = 50 - 10/2.48998 = 45.98.
    assert "T-score: 58.0 (first scores: 46.0) over 2 scored goal(s)" in shown.output
    data = json.loads(run("gas", plan, "--json").output)
    assert data["t_score"] == pytest.approx(58.03, abs=0.01)
    bad = run("gas", "score", plan, goal, "3")
    assert bad.exit_code == 1 and "level: must be a whole number from -2 to +2 (got 3)." in bad.output
    bad_level = run("gas", "scale", plan, goal, "--level", "5=Too far")
    assert bad_level.exit_code == 1 and "--level: must be LEVEL=TEXT" in bad_level.output


def test_analytics_and_plan_show(run: Run, plan: str) -> None:
    goal = good_goal(run, plan)
    for day, value in (("2026-01-12", "1"), ("2026-01-19", "1"), ("2026-01-26", "2"), ("2026-02-02", "2")):
        assert run("progress", plan, goal, value, "--on", day).exit_code == 0
    run("score", plan, "PHQ-9", "18", "--on", "2026-01-05", "--goal", goal)
    run("score", plan, "PHQ-9", "9", "--on", "2026-02-02", "--goal", goal)
    text = run("analytics", plan, "--today", "2026-02-10").output
    assert "67% of the way from baseline to target" in text
    assert "Trend +0.40 a week (least squares over 4 values, 2026-01-12 to 2026-02-02)" in text
    assert "Projected to reach target: 2026-02-20; target date: 2026-03-01; on-track" in text
    assert "Achievement status: improving" in text
    assert "PHQ-9: 18 (moderately severe) on 2026-01-05 → 9 (mild) on 2026-02-02 (2 scores); " in text
    assert (
        "-9 points, RC -2.946; reliable only beyond ±5.99 points (Jacobson-Truax |RC| > 1.96): "
        "improved; response yes; remission no" in text
    )
    data = json.loads(run("analytics", plan, "--json", "--today", "2026-02-10").output)
    assert data["goals"][goal]["achievement_status"] == "improving"
    assert data["goals"][goal]["instruments"][0]["reliable_change"]["outcome"] == "improved"
    shown = run("plan", "show", plan).output
    # plan show judges dates against the real today, so only the date-free part is fixed here
    assert "Analytics: 67% of the way, trend +0.40/week, projected 2026-02-20, " in shown
    assert "PHQ-9 9 (mild)" in shown
    as_json = json.loads(run("plan", "show", plan, "--json").output)
    assert as_json["goals"][0]["analytics"]["percent"] == pytest.approx(66.7)
    assert as_json["analytics"]["instruments"][0]["severity"] == "mild"
    # as of a past date the analytics are judged on that date's plan
    past = json.loads(run("plan", "show", plan, "--json", "--as-of", "2026-01-01").output)
    assert past["goals"] == [] and past["analytics"]["today"] == "2026-01-01"


def test_real_process_exit_codes(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'core'}{os.pathsep}{ROOT / 'plugins'}",
        "GOALPLAN_DB": str(tmp_path / "p.db"),
        "GOALPLAN_LOAD_PLUGINS": "",
    }

    def gp(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "goalplan", *args], env=env, capture_output=True, text=True, check=False
        )

    plan = gp("plan", "open", "--client", "A", "--clinician", "B", "--opened", "2026-01-05").stdout.strip()
    gp("goal", "set", plan, "--statement", "I want to be happier")
    failed = gp("lint", plan, "--today", "2026-01-10")
    assert failed.returncode == 1 and "FAILED" in failed.stdout
    refused = gp("score", plan, "PHQ-9", "99")
    assert refused.returncode == 1
    assert (
        refused.stderr.strip() == "goalplan: total: must be a whole number from 0 to 27 for PHQ-9 (got 99)."
    )
