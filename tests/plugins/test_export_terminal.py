"""export --format pdf without -o: binary data never goes to a terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import goalplan
from goalplan.cli.plugin_commands import is_text

ROOT = Path(__file__).resolve().parents[2]


def run_on_terminal(db: Path, *args: str) -> tuple[int, bytes, str]:
    """Run goalplan with its standard output on a pseudo-terminal; return status, what reached it, stderr."""
    leader, follower = os.openpty()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("core", "plugins"))}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "goalplan", "--db", str(db), *args],
            stdout=follower,
            stderr=subprocess.PIPE,
            env=env,
            check=False,
            timeout=60,
        )
    finally:
        os.close(follower)
    shown = b""
    try:
        while chunk := os.read(leader, 65536):
            shown += chunk
    except OSError:  # the terminal closed: everything was read
        pass
    os.close(leader)
    return done.returncode, shown, done.stderr.decode()


@pytest.fixture
def plan_db(tmp_path: Path) -> tuple[Path, str]:
    db = tmp_path / "plans.db"
    with goalplan.open(db, actor="dr.ruiz") as gp:
        plan = gp.open_plan(client="Jordan K.", clinician="Dr. Ruiz", opened=date(2026, 1, 5))
    return db, plan.id


def test_pdf_to_a_terminal_is_refused_naming_the_way_out(plan_db: tuple[Path, str]) -> None:
    db, plan = plan_db
    status, shown, err = run_on_terminal(db, "export", plan, "--format", "pdf")
    assert status == 2
    assert b"%PDF" not in shown
    assert "--format pdf writes binary data (application/pdf)" in err and "-o FILE" in err


def test_text_formats_still_print_on_a_terminal(plan_db: tuple[Path, str]) -> None:
    db, plan = plan_db
    status, shown, err = run_on_terminal(db, "export", plan, "--format", "csv", "--option", "table=goals")
    assert status == 0, err
    assert shown.startswith(b"goal_id") or b"goal_id" in shown


def test_pdf_to_a_pipe_or_a_file_is_written(plan_db: tuple[Path, str], tmp_path: Path) -> None:
    db, plan = plan_db
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("core", "plugins"))}
    piped = subprocess.run(
        [sys.executable, "-m", "goalplan", "--db", str(db), "export", plan, "--format", "pdf"],
        capture_output=True,
        env=env,
        check=True,
    )
    assert piped.stdout.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("media_type", "text"),
    [
        ("text/csv; charset=utf-8", True),
        ("text/calendar", True),
        ("application/fhir+json", True),
        ("application/json", True),
        ("application/pdf", False),
        ("application/zip", False),
    ],
)
def test_what_counts_as_text(media_type: str, text: bool) -> None:
    assert is_text(media_type) is text
