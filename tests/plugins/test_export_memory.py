"""export --all streams: its peak memory does not grow with the number of plans.

Measured with tracemalloc (allocations, not time), so the result does not depend on how busy
the machine is. A version that held every plan's log, or even every rendered file, at once
would peak roughly ten times higher for ten times the plans.
"""

from __future__ import annotations

import tracemalloc
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands
from goalplan.codec import NewEvent
from goalplan.events import GoalSet, Measure, PlanOpened, ProgressRecorded
from goalplan.store import SQLiteStore


def small_plans(path: Path, count: int) -> None:
    """``count`` three-event plans, appended straight to the store (no fsync) to be quick."""
    store = SQLiteStore(path, synchronous="OFF")
    try:
        for n in range(count):
            goal_id = f"G{n:015d}"
            events = [
                PlanOpened(client_name=f"Client {n}", clinician_name="Dr. Ruiz", opened_on=date(2026, 1, 5)),
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
                ProgressRecorded(goal_id=goal_id, value=n % 5, observed_on=date(2026, 2, 1), note="steady"),
            ]
            stamps = (
                "2026-01-05T10:00:00.000000Z",
                "2026-01-05T10:05:00.000000Z",
                "2026-02-01T10:00:00.000000Z",
            )
            store.append(
                f"P{n:015d}",
                [NewEvent.of(e, actor="dr.ruiz", recorded_at=s) for e, s in zip(events, stamps, strict=True)],
                0,
            )
    finally:
        store.close()


def export_all_peak(tmp_path: Path, count: int) -> int:
    db = tmp_path / f"plans-{count}.db"
    out = tmp_path / f"out-{count}"
    small_plans(db, count)
    install_plugin_commands(cli)
    runner = CliRunner()
    tracemalloc.start()
    try:
        result = runner.invoke(
            cli, ["--db", str(db), "export", "--all", "--format", "csv", "--out", str(out)]
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 0, result.output
    assert f"Wrote {count} csv file(s)" in result.stderr
    assert sum(1 for _ in out.iterdir()) == count
    return peak


@pytest.mark.slow
def test_export_all_peak_memory_does_not_scale_with_the_number_of_plans(tmp_path: Path) -> None:
    small = export_all_peak(tmp_path, 1_000)
    large = export_all_peak(tmp_path, 10_000)
    print(f"export --all peak: 1,000 plans {small / 1e6:.2f} MB, 10,000 plans {large / 1e6:.2f} MB")
    assert large < 2 * small, f"peak grew from {small} to {large} bytes for 10x the plans"
