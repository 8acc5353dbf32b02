"""export --all streams: its peak memory does not grow with the number of plans.

Measured with tracemalloc (allocations, not time), so the result does not depend on how busy
the machine is. A version that held every plan's log, or even every rendered file, at once
would peak roughly ten times higher for ten times the plans.

Each measurement runs in a fresh interpreter and only after a warm-up export: the first export
in a process also pays for one-time work (loading plugins, building decoders, filling caches),
so measured first it inflates the smaller run and hides growth, and measured after other tests
it does not. Both runs now measure the same thing whatever ran before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from goalplan.codec import NewEvent
from goalplan.events import GoalSet, Measure, PlanOpened, ProgressRecorded
from goalplan.store import SQLiteStore

ROOT = Path(__file__).resolve().parents[2]


def small_plans(path: Path, count: int) -> None:
    """``count`` three-event plans, appended in one transaction (no fsync) to be quick."""
    store = SQLiteStore(path, synchronous="OFF")
    try:
        with store.bulk():
            for n in range(count):
                goal_id = f"G{n:015d}"
                events = [
                    PlanOpened(
                        client_name=f"Client {n}", clinician_name="Dr. Ruiz", opened_on=date(2026, 1, 5)
                    ),
                    GoalSet(
                        goal_id=goal_id,
                        statement="I will walk on four days a week.",
                        focus_id=None,
                        term="short",
                        measure=Measure(name="walking days", unit="per week", baseline=0, target=4),
                        target_date=date(2026, 4, 5),
                        relevance="",
                        status="active",
                    ),
                    ProgressRecorded(
                        goal_id=goal_id, value=n % 5, observed_on=date(2026, 2, 1), note="steady"
                    ),
                ]
                stamps = (
                    "2026-01-05T10:00:00.000000Z",
                    "2026-01-05T10:05:00.000000Z",
                    "2026-02-01T10:00:00.000000Z",
                )
                store.append(
                    f"P{n:015d}",
                    [
                        NewEvent.of(e, actor="dr.ruiz", recorded_at=s)
                        for e, s in zip(events, stamps, strict=True)
                    ],
                    0,
                )
    finally:
        store.close()


_MEASURE = """
import gc, json, sys, tracemalloc
from click.testing import CliRunner
from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands

install_plugin_commands(cli)
runner = CliRunner()

def export(db, out):
    result = runner.invoke(cli, ["--db", db, "export", "--all", "--format", "csv", "--out", out])
    assert result.exit_code == 0, result.output
    return result.stderr

warm_db, warm_out, db, out = sys.argv[1:]
export(warm_db, warm_out)
gc.collect()
tracemalloc.start()
said = export(db, out)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"peak": peak, "said": said}))
"""


def export_all_peak(tmp_path: Path, warm: Path, count: int) -> int:
    db = tmp_path / f"plans-{count}.db"
    out = tmp_path / f"out-{count}"
    small_plans(db, count)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "core"), str(ROOT / "plugins")])}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(warm), str(tmp_path / f"warm-out-{count}"), str(db), str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=True,
    )
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert f"Wrote {count} csv file(s)" in measured["said"]
    assert sum(1 for _ in out.iterdir()) == count
    return int(measured["peak"])


@pytest.mark.slow
def test_export_all_peak_memory_does_not_scale_with_the_number_of_plans(tmp_path: Path) -> None:
    warm = tmp_path / "warm.db"
    small_plans(warm, 20)
    small = export_all_peak(tmp_path, warm, 1_000)
    large = export_all_peak(tmp_path, warm, 10_000)
    print(f"export --all peak: 1,000 plans {small / 1e6:.2f} MB, 10,000 plans {large / 1e6:.2f} MB")
    assert large < 2 * small, f"peak grew from {small} to {large} bytes for 10x the plans"
