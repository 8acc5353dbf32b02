"""The SQLite store under real OS processes: contention, a writer killed mid-stream, verify from the CLI."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from goalplan import Goalplan, Measure
from goalplan.store import open_store
from goalplan.store.sqlite import SCHEMA

from .conftest import Spawn

ROOT = Path(__file__).resolve().parents[3]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "core"), str(ROOT / "plugins")])}


def _plan_with_goal(db: Path) -> tuple[str, str]:
    with Goalplan.open(db, actor="dr.ruiz") as gp:
        plan = gp.open_plan(client="Ana Souza", clinician="Dr. Ruiz", opened=date(2026, 1, 5))
        goal = plan.set_goal(
            "I will go to two social gatherings a month",
            focus="Social anxiety",
            measure=Measure(name="gatherings attended", unit="per month", baseline=0, target=2),
            by=date(2026, 4, 5),
        )
        return plan.id, goal


@pytest.mark.slow
def test_two_processes_recording_progress_on_one_goal(db_path: Path, spawn: Spawn) -> None:
    plan_id, goal_id = _plan_with_goal(db_path)
    start_at = str(time.time() + 1.5)  # both processes have imported goalplan by then
    count = 25
    procs = [spawn("progress", str(db_path), plan_id, goal_id, name, str(count), start_at) for name in "ab"]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err

    acknowledged = [line.split() for out, _ in outputs for line in out.splitlines()]
    assert len(acknowledged) == 2 * count
    with Goalplan.open(db_path) as gp:
        plan = gp.plan(plan_id)
        notes = [point.note for point in plan.state.goals[goal_id].progress]
        assert sorted(notes) == sorted(f"{name}-{n}" for name in "ab" for n in range(count))
        records = plan.log().records
        assert [r.version for r in records] == list(range(1, len(records) + 1))
        by_note = {r.event.note: r.position for r in records if r.type == "progress_recorded"}  # type: ignore[attr-defined]
        assert {note: int(position) for position, note in acknowledged} == by_note
        assert gp.verify() == []
    conflicts = sum(
        int(line.split()[1])
        for _, err in outputs
        for line in err.splitlines()
        if line.startswith("conflicts ")
    )
    assert conflicts >= 1, "the two writers never collided, so the test proved nothing about contention"


@pytest.mark.slow
def test_a_writer_killed_mid_stream_loses_nothing_it_acknowledged(tmp_path: Path, spawn: Spawn) -> None:
    db = tmp_path / "killed.db"
    batch = 3
    rng = random.Random(20260105)
    acknowledged: dict[str, int] = {}
    stored_before = 0
    for _round in range(4):
        acknowledged_before = len(acknowledged)
        proc = spawn("append-forever", str(db), "plan-k", str(batch))
        assert proc.stdout is not None
        target = len(acknowledged) + 45
        while len(acknowledged) < target:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "the writer stopped"
            position, event_id = line.split()
            acknowledged[event_id] = int(position)
        time.sleep(rng.uniform(0, 0.02))  # land somewhere inside a later append
        proc.send_signal(signal.SIGKILL)
        # Read the rest through the same buffered reader: communicate() reads the pipe's file
        # descriptor directly and would drop lines readline() had already buffered.
        rest = proc.stdout.read()
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        for line in rest.splitlines():
            position, event_id = line.split()
            acknowledged[event_id] = int(position)

        with open_store(db) as store:
            records = store.read_stream("plan-k")
            stored = {r.event_id: r.position for r in records}
            assert {k: stored.get(k) for k in acknowledged} == acknowledged
            assert [r.version for r in records] == list(range(1, len(records) + 1))
            assert len(records) % batch == 0, "a batch was left half written"
            assert [r.position for r in store.read_all()] == list(range(1, len(records) + 1))
            assert store.verify() == []
            # At most the one batch that committed just before the kill went unacknowledged.
            unacknowledged = (len(records) - stored_before) - (len(acknowledged) - acknowledged_before)
            assert unacknowledged in (0, batch)
            stored_before = len(records)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "goalplan", *args], capture_output=True, text=True, env=ENV, timeout=60
    )


def test_cli_verify_names_the_broken_link_and_exits_1(db_path: Path) -> None:
    plan_id, _ = _plan_with_goal(db_path)
    intact = _cli("--db", str(db_path), "verify")
    assert intact.returncode == 0, intact.stderr
    assert "every chain, position and signature intact" in intact.stdout

    conn = sqlite3.connect(db_path, isolation_level=None)
    (event_id,) = conn.execute("SELECT event_id FROM events WHERE version = 2").fetchone()
    conn.executescript(
        "DROP TRIGGER events_no_update;"
        "UPDATE events SET actor = 'mallory' WHERE version = 2;" + SCHEMA  # put the guard back
    )
    conn.close()

    broken = _cli("--db", str(db_path), "verify")
    assert broken.returncode == 1
    assert f"plan {plan_id} version 2 (event {event_id})" in broken.stderr
    assert "edited" in broken.stderr
    assert "Traceback" not in broken.stderr
    assert _cli("--db", str(db_path), "verify", plan_id[:6]).returncode == 1
