"""The clinical record from the command line: new options, what plan show says, one-sentence refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from goalplan import Goalplan
from goalplan.cli.main import cli
from tests.core.cli.test_cli import Run, head, new_id, ok


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "plans.db"


@pytest.fixture
def run(db: Path) -> Run:
    runner = CliRunner(env={"GOALPLAN_DB": str(db), "GOALPLAN_ACTOR": "front.desk"})

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def plan(run: Run) -> str:
    return new_id(
        run(
            "plan", "open", "--client", "Ana Silva", "--clinician", "Dr. Ruiz", "--opened", "2026-01-05",
            "--birth-date", "1990-04-02", "--record-number", "MRN-0042",
        )
    )  # fmt: skip


def refused(result: Result, *words: str) -> str:
    assert result.exit_code != 0
    message = result.stderr or result.output
    lines = [line for line in message.splitlines() if line.strip()]
    assert "Traceback" not in message
    last = lines[-1]
    for word in words:
        assert word in last
    return last


def test_the_record_round_trips_through_the_command_line(run: Run, plan: str, db: Path) -> None:
    ok(run("plan", "focus", plan, "Panic", "--presenting-problem", "Three attacks a week"))
    assert ok(run("diagnosis", "add", plan, "F41.0", "--focus", "Panic", "--primary")).startswith(
        "F41.0 Panic disorder"
    )
    goal = new_id(
        run(
            "goal", "set", plan, "--statement", "I will ride the metro twice a week", "--focus", "Panic",
            "--measure", "metro rides", "--unit", "per week", "--baseline", "0", "--target", "2",
            "--by", "2026-04-01",
        )
    )  # fmt: skip
    new_id(
        run(
            "intervention", plan, "--modality", "CBT", "--description", "Interoceptive exposure",
            "--type", "individual", "--minutes", "50", "--sessions", "1", "--per", "week",
            "--provider", "Dr. Ruiz", "--provider-credentials", "PhD", "--provider-role", "primary therapist",
            "--goal", goal,
        )
    )  # fmt: skip
    ok(run("plan", "details", plan, "--strengths", "Keeps appointments", "--effective-through", "2027-01-04"))
    ok(run("plan", "sign", plan, "--role", "client", "--name", "Ana Silva", "--on", "2026-01-05"))
    ok(run("plan", "given", plan, "--to", "Ana Silva", "--on", "2026-01-05", "--method", "printed"))
    ok(run("goal", "revise", plan, goal, "--reason", "client asked", "--by", "2026-05-01"))
    shown = json.loads(ok(run("plan", "show", plan, "--json")))
    assert (shown["client_birth_date"], shown["client_record_number"]) == ("1990-04-02", "MRN-0042")
    assert shown["diagnoses"][0]["code"] == "F41.0" and shown["diagnoses"][0]["primary"] is True
    item = shown["interventions"][0]
    assert (item["type"], item["minutes"], item["provider"]["name"]) == ("individual", 50, "Dr. Ruiz")
    assert item["frequency"] == "1 per week"
    (signature,) = shown["signatures"]
    assert signature["current"] is False and signature["recorded_by"] == "front.desk"
    text = ok(run("plan", "show", plan))
    assert "Client: Ana Silva (born 1990-04-02; record MRN-0042)" in text
    assert "NOT CURRENT" in text and "revised (target_date)" in text
    assert "F41.0 Panic disorder" in text and "Presenting problem: Three attacks a week" in text
    lint = run("lint", plan, "--today", "2026-01-20")
    assert lint.exit_code == 1 and "plan.signature-current" in lint.output
    with Goalplan.open(db) as gp:
        assert gp.verify() == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("diagnosis", "add", "{plan}", "F99.99"), ("F99.99", "not in the ICD-10-CM code set")),
        (("diagnosis", "add", "{plan}", "F41"), ("F41 is a category", "F41.0", "F41.9")),
        (("diagnosis", "resolve", "{plan}", "F41.1", "--reason", "x"), ("F41.1", "not an active")),
        (
            ("intervention", "{plan}", "--modality", "CBT", "--description", "d", "--type", "solo"),
            ("--type",),
        ),
        (
            (
                "intervention",
                "{plan}",
                "--modality",
                "CBT",
                "--description",
                "d",
                "--minutes",
                "0",
                "--frequency",
                "weekly",
            ),
            ("minutes", "1 to 480"),
        ),
        (("intervention", "{plan}", "--modality", "CBT", "--description", "d"), ("--frequency",)),
        (("plan", "sign", "{plan}", "--role", "witness", "--name", "x"), ("--role",)),
        (("plan", "client", "{plan}", "--reason", "x", "--birth-date", "1990-02-30"), ("--birth-date",)),
        (
            (
                "plan",
                "details",
                "{plan}",
                "--effective-through",
                "2025-01-01",
                "--effective-from",
                "2026-02-01",
            ),
            ("effective-through", "after the start"),
        ),
        (("lint", "silence", "{plan}", "safety.phq9-item9", "--reason", "x"), ("safety review",)),
        (("safety", "review", "{plan}", "--reason", "x"), ("no PHQ-9 item 9 finding",)),
    ],
)
def test_bad_values_are_refused_in_one_sentence_and_nothing_is_written(
    run: Run, plan: str, db: Path, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    before = head(db)
    refused(run(*(a.replace("{plan}", plan) for a in args)), *words)
    assert head(db) == before


def test_a_phq9_item_9_finding_shows_in_plan_show_and_analytics_until_reviewed(run: Run, plan: str) -> None:
    ok(run("score", plan, "phq9", "11", "--items", "2,2,1,1,1,1,1,1,1", "--on", "2026-02-02"))
    assert "PHQ-9 item 9 = 1 on 2026-02-02 — no safety review recorded" in ok(run("plan", "show", plan))
    assert "SAFETY" in ok(run("analytics", plan, "--today", "2026-02-03"))
    assert run("lint", plan, "--today", "2026-02-03").exit_code == 1
    ok(run("safety", "review", plan, "--reason", "Risk assessed; safety plan made", "--on", "2026-02-02"))
    assert "safety review on 2026-02-02: Risk assessed" in ok(run("plan", "show", plan))
    findings = json.loads(ok(run("lint", plan, "--today", "2026-02-03", "--json")))["findings"]
    assert next(f for f in findings if f["rule_id"] == "safety.phq9-item9")["level"] == "pass"
