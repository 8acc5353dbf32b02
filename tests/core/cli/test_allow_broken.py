"""Every command that reads a plan, pointed at a plan that fails verification: refused without
``--allow-broken``; with it, every line, row, page, JSON object or resource it writes carries
the warning (docs/architecture.md, issue #11)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import goalplan
from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands
from goalplan.text import BROKEN_MARK

WARNED = "WARNING: this log fails verification"


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A plan with a goal, a step, progress, a GAS scale and a review date, one recorded value
    then edited behind goalplan's back. It has no diagnosis, so a CSV of diagnoses has no rows."""
    db = tmp_path_factory.mktemp("broken") / "plans.db"
    with goalplan.open(db, actor="dr.ruiz") as gp:
        plan = gp.open_plan(client="Ana Ruiz", clinician="Sam Lee", opened=date(2026, 1, 5))
        measure = goalplan.Measure(name="walks", unit="per week", baseline=0, target=5)
        goal = plan.set_goal("I will walk daily", focus="Health", measure=measure, by=date(2026, 4, 1))
        plan.add_step(goal, "Walk to the shop", by=date(2026, 1, 20))
        plan.record_progress(goal, 3, on=date(2026, 1, 20))
        plan.set_gas_scale(goal, {-2: "a", -1: "b", 0: "c", 1: "d", 2: "e"})
        plan.score_gas(goal, 0, on=date(2026, 1, 21))
        plan.revise_goal(goal, reason="slower start", by=date(2026, 5, 1))
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute(
        "UPDATE events SET payload = replace(payload, '\"value\":3', '\"value\":4') "
        "WHERE type = 'progress_recorded'"
    )
    conn.close()
    return db, plan.id


def run(db: Path, *args: str) -> Result:
    install_plugin_commands(cli)
    runner = CliRunner(env={"GOALPLAN_ACTOR": "dr.ruiz"})
    return runner.invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def text_marked(result: Result, _: Path) -> None:
    lines = result.stdout.splitlines()
    assert lines[0].startswith(WARNED) and lines[-1] == lines[0], result.stdout
    assert len(lines) > 2 and all(line.startswith(BROKEN_MARK) for line in lines[1:-1])


def json_object(result: Result, _: Path) -> None:
    assert json.loads(result.stdout)["integrity_warning"].startswith(WARNED)


def json_each(result: Result, _: Path) -> None:
    entries = json.loads(result.stdout)
    assert entries and all(e["integrity_warning"].startswith(WARNED) for e in entries)


def csv_rows(data: str) -> None:
    heading, *rows = list(csv.reader(io.StringIO(data)))
    assert heading[-1] == "integrity_warning" and rows
    assert all(row[-1].startswith(WARNED) for row in rows)


def csv_stdout(result: Result, _: Path) -> None:
    csv_rows(result.stdout)


def csv_file(result: Result, out: Path) -> None:
    csv_rows(out.read_text(encoding="utf-8"))


def pdf_pages(result: Result, out: Path) -> None:
    from pypdf import PdfReader

    pages = [page.extract_text() for page in PdfReader(out).pages]
    assert pages and all("fails verification" in page for page in pages)


def ics_events(result: Result, _: Path) -> None:
    events = result.stdout.split("BEGIN:VEVENT")[1:]
    assert events and all("SUMMARY:[UNVERIFIED]" in event for event in events)


def fhir_resources(result: Result, _: Path) -> None:
    bundle = json.loads(result.stdout)

    def warned(meta: dict[str, Any]) -> bool:
        return any(
            e["url"].endswith("/integrity-warning") and e["valueString"].startswith(WARNED)
            for e in meta.get("extension", [])
        )

    assert warned(bundle["meta"])
    assert bundle["entry"] and all(warned(e["resource"].get("meta", {})) for e in bundle["entry"])


def jsonl_lines(result: Result, out: Path) -> None:
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines and all(json.loads(line)["integrity_warning"].startswith(WARNED) for line in lines)


CASELOAD = ("export", "--all", "--format", "csv", "--option", "scope=caseload")

# Every command that reads a plan's log ({out} is a file in the test's folder).
READERS: dict[str, tuple[tuple[str, ...], Callable[[Result, Path], None]]] = {
    "plan show": (("plan", "show", "{plan}"), text_marked),
    "plan show --json": (("plan", "show", "{plan}", "--json"), json_object),
    "history": (("history", "{plan}"), text_marked),
    "history --json": (("history", "{plan}", "--json"), json_each),
    "lint": (("lint", "{plan}", "--today", "2026-03-01"), text_marked),
    "lint --json": (("lint", "{plan}", "--today", "2026-03-01", "--json"), json_object),
    "analytics": (("analytics", "{plan}", "--today", "2026-03-01"), text_marked),
    "analytics --json": (("analytics", "{plan}", "--today", "2026-03-01", "--json"), json_object),
    "gas": (("gas", "{plan}"), text_marked),
    "gas --json": (("gas", "{plan}", "--json"), json_object),
    "audit": (("audit",), text_marked),
    "audit json": (("audit", "--format", "json"), json_object),
    "audit csv": (("audit", "--format", "csv"), csv_stdout),
    "audit csv, no finding": (("audit", "--format", "csv", "--from", "2100-01-01"), csv_stdout),
    "audit pdf": (("audit", "--format", "pdf", "-o", "{out}"), pdf_pages),
    "export pdf": (("export", "{plan}", "--format", "pdf", "-o", "{out}"), pdf_pages),
    "export csv": (("export", "{plan}", "--format", "csv"), csv_stdout),
    "export csv, no rows": (
        ("export", "{plan}", "--format", "csv", "--option", "table=diagnoses"),
        csv_stdout,
    ),
    "export csv caseload": ((*CASELOAD, "-o", "{out}"), csv_file),
    "export csv caseload, no rows": ((*CASELOAD, "--option", "table=diagnoses", "-o", "{out}"), csv_file),
    "export ics": (("export", "{plan}", "--format", "ics"), ics_events),
    "export fhir": (("export", "{plan}", "--format", "fhir"), fhir_resources),
    "calendar": (("calendar", "{plan}"), ics_events),
    "log export": (("log", "export", "-o", "{out}"), jsonl_lines),
}


@pytest.mark.parametrize("name", list(READERS))
def test_every_reader_refuses_a_broken_plan_or_marks_all_it_writes(
    broken: tuple[Path, str], tmp_path: Path, name: str
) -> None:
    db, plan = broken
    args, check = READERS[name]
    out = tmp_path / "out"
    argv = [a.format(plan=plan, out=out) for a in args]

    refused = run(db, *argv)
    assert refused.exit_code == 1 and "verify" in refused.stderr, refused.output
    assert refused.stdout == "" and not out.exists()

    read = run(db, "--allow-broken", *argv)
    assert read.exit_code in (0, 1) and "Traceback" not in read.output, read.output  # lint: 1 = a goal fails
    check(read, out)


def test_a_deidentified_csv_carries_a_warning_that_names_no_id(broken: tuple[Path, str]) -> None:
    db, plan = broken
    install_plugin_commands(cli)
    read = CliRunner(env={"GOALPLAN_PSEUDONYM_KEY": "k" * 32}).invoke(
        cli,
        [
            "--db",
            str(db),
            "--allow-broken",
            "export",
            plan,
            "--format",
            "csv",
            "--option",
            "profile=deidentified",
        ],
        catch_exceptions=False,
    )
    assert read.exit_code == 0, read.output
    csv_rows(read.stdout)
    assert plan not in read.stdout and "event" not in read.stdout.split("\n", 1)[1]
