"""The command line runs under ``python -W error``: no deprecated call of a library it uses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def strict(args: list[str], db: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "core"), str(ROOT / "plugins")]),
        "GOALPLAN_DB": str(db),
        "GOALPLAN_ACTOR": "dr.ruiz",
        "GOALPLAN_LOG": "debug",
    }
    done = subprocess.run(
        [sys.executable, "-W", "error", "-m", "goalplan", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert "Warning" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_writes_exports_and_binary_output_raise_no_warning(tmp_path: Path) -> None:
    db = tmp_path / "plans.db"
    opened = strict(["plan", "open", "--client", "A", "--clinician", "B", "--opened", "2026-01-05"], db)
    assert opened.returncode == 0, opened.stderr
    plan = opened.stdout.strip()
    goal_set = ["goal", "set", plan, "--statement", "I will walk", "--measure", "walks", "--unit", "per week"]
    goal = strict([*goal_set, "--baseline", "0", "--target", "3", "--by", "2026-04-01"], db)
    assert goal.returncode == 0, goal.stderr
    assert strict(["progress", plan, goal.stdout.strip(), "2", "--on", "2026-01-20"], db).returncode == 0
    csv = strict(["export", plan, "--format", "csv"], db)  # bytes to standard output
    assert csv.returncode == 0 and csv.stdout.startswith('"plan_id",')
    assert strict(["audit", "--format", "csv"], db).returncode == 0  # bytes to standard output
    pdf = tmp_path / "plan.pdf"
    assert strict(["export", plan, "--format", "pdf", "-o", str(pdf)], db).returncode == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert strict(["verify", "--json"], db).returncode == 0
    assert strict(["plan", "list"], db).returncode == 0


def test_a_refusal_under_w_error_is_still_one_sentence(tmp_path: Path) -> None:
    refused = strict(["plan", "list"], tmp_path / "missing.db")
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[-1].startswith("goalplan: no goalplan store at")
