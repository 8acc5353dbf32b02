"""verify, checkpoint export, verify --against, keys, and reads that refuse a damaged plan."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import goalplan
from goalplan import Goalplan
from goalplan.cli.main import cli

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "plans.db"


def run(db: Path, *args: str) -> Result:
    runner = CliRunner(env={"GOALPLAN_DB": str(db), "GOALPLAN_ACTOR": "dr.ruiz"})
    return runner.invoke(cli, list(args), catch_exceptions=False)


def goalplan_cmd(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "core"), str(ROOT / "plugins")])}
    return subprocess.run(
        [sys.executable, "-m", "goalplan", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def plans(db: Path) -> tuple[str, str]:
    with Goalplan.open(db, actor="dr.ruiz") as gp:
        first = gp.open_plan(client="Ana Ruiz", clinician="Sam Lee", opened=date(2026, 1, 5))
        goal = first.set_goal(
            "I will walk daily",
            measure=goalplan.Measure(name="walks", unit="per week", baseline=0, target=5),
            by=date(2026, 4, 1),
        )
        first.record_progress(goal, 3, on=date(2026, 1, 20))
        second = gp.open_plan(client="Bo Chen", clinician="Sam Lee", opened=date(2026, 1, 6))
        second.add_focus("Sleep")
    return first.id, second.id


def tamper(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    for table in ("events", "checkpoints"):
        conn.execute(f"DROP TRIGGER {table}_no_update")
        conn.execute(f"DROP TRIGGER {table}_no_delete")
    for statement in statements:
        conn.execute(statement)
    conn.close()


def test_verify_json_reports_the_whole_store(db: Path, plans: tuple[str, str]) -> None:
    result = run(db, "verify", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["problems"] == []
    assert (report["plans"], report["events"], report["checkpoints"]) == (2, 5, 5)
    assert report["witness"] == "checked" and len(report["trusted_keys"]) == 1
    text = run(db, "verify")
    assert text.stdout.startswith("OK: 2 plan(s), 5 event(s), 5 signed checkpoint(s);")


def test_a_deleted_last_event_fails_verify_and_every_read(
    db: Path, plans: tuple[str, str], tmp_path: Path
) -> None:
    first, second = plans
    tamper(
        db,
        f"DELETE FROM events WHERE plan_id = '{second}' AND version = 2",
        "DELETE FROM checkpoints WHERE position = 5",
    )
    result = run(db, "verify")
    assert result.exit_code == 1
    assert f"plan {second} version 2" in result.stderr and "witness" in result.stderr
    report = json.loads(run(db, "verify", "--json").stdout)
    assert report["ok"] is False and {p["plan_id"] for p in report["problems"]} == {second}
    assert {p["kind"] for p in report["problems"]} == {"witness"}

    shown = run(db, "plan", "show", second)
    assert shown.exit_code == 1 and "goalplan verify" in shown.stderr and shown.stdout == ""
    assert run(db, "history", second).exit_code == 1
    assert run(db, "plan", "show", first).exit_code == 0  # the other plan still reads
    out = tmp_path / "plan.pdf"
    refused = goalplan_cmd(db, "export", second, "--format", "pdf", "-o", str(out))
    assert refused.returncode == 1 and "verify" in refused.stderr and "Traceback" not in refused.stderr
    assert not out.exists()
    assert goalplan_cmd(db, "calendar", second, "-o", str(tmp_path / "c.ics")).returncode == 1
    assert not (tmp_path / "c.ics").exists()
    backup = tmp_path / "log.jsonl"
    assert run(db, "log", "export", "-o", str(backup)).exit_code == 1 and not backup.exists()


def test_allow_broken_marks_every_line_and_page(db: Path, plans: tuple[str, str], tmp_path: Path) -> None:
    first, _ = plans
    tamper(
        db,
        f"UPDATE events SET payload = replace(payload, '\"value\":3', '\"value\":4') "
        f"WHERE plan_id = '{first}' AND version = 3",
    )
    shown = run(db, "--allow-broken", "plan", "show", first)
    assert shown.exit_code == 0
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("WARNING: this log fails verification") and lines[-1] == lines[0]
    assert all(line.startswith("[UNVERIFIED] ") for line in lines[1:-1])
    history = json.loads(run(db, "--allow-broken", "history", first, "--json").stdout)
    assert history and all(entry["integrity_warning"].startswith("WARNING") for entry in history)
    backup = tmp_path / "log.jsonl"
    assert run(db, "--allow-broken", "log", "export", "-o", str(backup)).exit_code == 0
    assert all("integrity_warning" in json.loads(line) for line in backup.read_text().splitlines())

    pdf = tmp_path / "plan.pdf"
    made = goalplan_cmd(db, "--allow-broken", "export", first, "--format", "pdf", "-o", str(pdf))
    assert made.returncode == 0, made.stderr
    from pypdf import PdfReader

    pages = [page.extract_text() for page in PdfReader(pdf).pages]
    assert pages and all("fails verification" in page for page in pages)
    csv = goalplan_cmd(db, "--allow-broken", "export", first, "--format", "csv")
    heading, *rows = csv.stdout.strip().splitlines()
    assert heading.endswith('"integrity_warning"')
    assert rows and all("fails verification" in row for row in rows)
    ics = goalplan_cmd(db, "--allow-broken", "calendar", first)
    assert ics.returncode == 0 and "fails verification" in ics.stdout


def test_checkpoint_export_and_verify_against(db: Path, plans: tuple[str, str], tmp_path: Path) -> None:
    first, second = plans
    kept = tmp_path / "kept.json"
    assert run(db, "checkpoint", "export", "-o", str(kept)).exit_code == 0
    record = json.loads(kept.read_text())
    assert record["format"] == "goalplan-checkpoint-1" and record["plan_id"] == second
    assert record["public_key"] and record["signature"]
    assert run(db, "verify", "--against", str(kept)).exit_code == 0
    with Goalplan.open(db, actor="dr.ruiz") as gp:
        gp.plan(first).add_focus("Work")  # the store moves on: the kept checkpoint still holds
    assert run(db, "verify", "--against", str(kept)).exit_code == 0

    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps({**record, "version": 1}))
    result = run(db, "verify", "--against", str(edited))
    assert result.exit_code == 1 and "does not carry a valid signature" in result.stderr

    # Someone with the database and no key removes the kept event and everything signed after it,
    # and the local witness with it: the checkpoint kept elsewhere still tells.
    tamper(
        db,
        f"DELETE FROM events WHERE position >= {record['position']}",
        f"DELETE FROM checkpoints WHERE position >= {record['position']}",
    )
    from goalplan.store.keys import key_file

    for witness in (key_file().parent / "witness").iterdir():
        witness.unlink()
    result = run(db, "verify", "--against", str(kept))
    assert result.exit_code == 1 and f"plan {second} version 2" in result.stderr


def test_keys_lists_the_signing_key_as_this_installations(db: Path, plans: tuple[str, str]) -> None:
    listed = json.loads(run(db, "keys", "--json").stdout)
    assert len(listed) == 1 and listed[0]["trust"] == "this installation"
    from goalplan.store.keys import load_key

    key = load_key()
    assert key is not None and listed[0]["public_key"] == key.public_key
    assert os.stat(key.path).st_mode & 0o777 == 0o600


def test_another_installation_is_trusted_only_once_trusted(
    db: Path, plans: tuple[str, str], signing_key_file: Path
) -> None:
    """A second installation (its own key file) writes to the same store: verify there fails
    until it trusts the first installation's key, listed by `goalplan keys`."""
    first, _ = plans
    assert run(db, "goal", "set", first, "--statement", "I will read nightly").exit_code == 0
    result = run(db, "verify")
    assert result.exit_code == 1 and "does not trust" in result.stderr
    listed = json.loads(run(db, "keys", "--json").stdout)
    assert sorted(k["trust"] for k in listed) == ["not trusted", "this installation"]
    other = next(k for k in listed if k["trust"] == "not trusted")
    assert run(db, "keys", "trust", other["key_id"]).exit_code == 0
    assert run(db, "verify").exit_code == 0
