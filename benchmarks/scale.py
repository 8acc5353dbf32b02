"""Scenarios whose cost must follow what they return, not the size of the store.

- plan_list: ``goalplan plan list`` as a user runs it (a fresh process, output discarded) on a
  store of many small plans against one of a hundred times fewer: the CPU time of the process
  (the machine is shared, so wall time is reported beside it), and ``Goalplan.plans()`` in process.
- write: one ``record_progress`` through the Python API on a plan of 5,000 events against one of
  100, from a running process (the store handle keeps the plan's state in memory) and from a
  fresh ``Goalplan.open`` per write (the state comes from the stored snapshot).
- calendar_all: the caseload calendar (``calendar --all``'s work, in process) for D plans with
  dates, for the same D plus 9 x D closed plans, and for 2 x D plans with dates.

Stores are built with synchronous=OFF (only to build them faster) and measured with FULL.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from goalplan import Goalplan
from goalplan.codec import NewEvent
from goalplan.events import (
    FocusAreaAdded,
    GoalSet,
    Measure,
    PlanClosed,
    PlanOpened,
    ProgressRecorded,
    ReviewHeld,
)
from goalplan.store.sqlite import SQLiteStore

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _plan_events(n: int, index: int, *, closed: bool = False) -> list[NewEvent]:
    """A plan of ``n`` events: opened, a focus area, a dated goal, progress (and a review)."""
    events: list[Any] = [
        PlanOpened(client_name=f"Client {index}", clinician_name="Dr. Ruiz", opened_on=date(2026, 1, 5)),
        FocusAreaAdded(focus_id="F1", title="Sleep"),
        GoalSet(
            goal_id="G1",
            statement=f"I will sleep seven hours on most nights ({index})",
            focus_id="F1",
            measure=Measure(name="nights", unit="per week", baseline=1, target=5),
            target_date=date(2026, 6, 1),
        ),
    ]
    if n > 6:
        events.append(ReviewHeld(held_on=date(2026, 3, 1), summary="on track"))
    while len(events) < n - (1 if closed else 0):
        k = len(events)
        events.append(
            ProgressRecorded(
                goal_id="G1", value=float(k % 7), observed_on=date(2026, 1, 6) + timedelta(days=k % 300)
            )
        )
    if closed:
        events.append(PlanClosed(reason="goals met", closed_on=date(2026, 12, 1)))
    return [
        NewEvent.of(e, actor="dr.ruiz", recorded_at=T0 + timedelta(seconds=i), event_id=f"{index}-{i}")
        for i, e in enumerate(events)
    ]


def build(path: Path, plans: list[tuple[str, int, bool]]) -> None:
    """A SQLite store holding (plan id, events, closed) plans, appended 500 events at a time."""
    store = SQLiteStore(path, synchronous="OFF")
    for index, (plan_id, size, closed) in enumerate(plans):
        events = _plan_events(size, index, closed=closed)
        for start in range(0, len(events), 500):
            store.append(plan_id, events[start : start + 500], start)
    store.close()


def _median_seconds(func: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def plan_list(
    workdir: Path, small: int, large: int, repeat: int, log: Callable[[str], None]
) -> dict[str, Any]:
    dbs = {}
    for label, count in (("small", small), ("large", large)):
        dbs[label] = workdir / f"list-{label}.db"
        build(dbs[label], [(f"P{label[0]}{i:06d}", 4, False) for i in range(count)])
        log(f"plan_list: built {count} plans")
    cli = [sys.executable, "-m", "goalplan"]
    command: dict[str, float] = {}
    command_cpu: dict[str, float] = {}
    in_process: dict[str, float] = {}
    for label, db in dbs.items():
        run = [*cli, "--db", str(db), "plan", "list"]
        subprocess.run(run, check=True, stdout=subprocess.DEVNULL)  # warm the file cache
        walls, cpus = [], []
        for _ in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(run, check=True, stdout=subprocess.DEVNULL, env=os.environ)
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        command[label], command_cpu[label] = statistics.median(walls), statistics.median(cpus)
        gp = Goalplan.open(db)
        in_process[label] = _median_seconds(gp.plans, repeat)
        gp.close()
    return {
        "plans": {"small": small, "large": large},
        "command_seconds": command,
        "command_cpu_seconds": command_cpu,
        "ratio": command_cpu["large"] / command_cpu["small"],
        "wall_ratio": command["large"] / command["small"],
        "in_process_ratio": in_process["large"] / in_process["small"],
    }


def write(workdir: Path, writes: int, log: Callable[[str], None]) -> dict[str, Any]:
    db = workdir / "write.db"
    build(db, [("SHORT", 100, False), ("LONG", 5000, False)])
    log("write: built plans of 100 and 5,000 events")
    warm: dict[str, list[float]] = {"SHORT": [], "LONG": []}
    cold: dict[str, list[float]] = {"SHORT": [], "LONG": []}
    with Goalplan.open(db, actor="bench") as gp:
        for plan_id in warm:
            gp.plan(plan_id).record_progress("G1", 1.0, on=date(2026, 5, 1))  # load each state once
        for n in range(writes):
            for plan_id in ("SHORT", "LONG") if n % 2 else ("LONG", "SHORT"):
                plan = gp.plan(plan_id)
                start = time.perf_counter()
                plan.record_progress("G1", float(n % 7), on=date(2026, 5, 1))
                warm[plan_id].append(time.perf_counter() - start)
    for n in range(max(5, writes // 4)):
        for plan_id in ("SHORT", "LONG") if n % 2 else ("LONG", "SHORT"):
            start = time.perf_counter()
            with Goalplan.open(db, actor="bench") as gp:
                gp.plan(plan_id).record_progress("G1", float(n % 7), on=date(2026, 5, 1))
            cold[plan_id].append(time.perf_counter() - start)
    result: dict[str, Any] = {}
    for label, samples in (("running", warm), ("fresh_open", cold)):
        short, long = statistics.median(samples["SHORT"]), statistics.median(samples["LONG"])
        result[label] = {
            "median_ms_100": short * 1000,
            "median_ms_5000": long * 1000,
            "mean_ms_5000": statistics.fmean(samples["LONG"]) * 1000,
            "ratio": long / short,
        }
    return result


def calendar_all(workdir: Path, dated: int, repeat: int, log: Callable[[str], None]) -> dict[str, Any] | None:
    try:
        from goalplan_ical import caseload_calendar
    except ImportError:
        return None
    layouts = {
        "dated": [(f"D{i:05d}", 40, False) for i in range(dated)],
        "dated_plus_9x_closed": [(f"D{i:05d}", 40, False) for i in range(dated)]
        + [(f"C{i:05d}", 40, True) for i in range(9 * dated)],
        "2x_dated": [(f"D{i:05d}", 40, False) for i in range(2 * dated)],
    }
    seconds: dict[str, float] = {}
    every_log: dict[str, float] = {}
    for label, plans in layouts.items():
        db = workdir / f"calendar-{label}.db"
        build(db, plans)
        with Goalplan.open(db) as gp:
            seconds[label] = _median_seconds(lambda g=gp: caseload_calendar(g.dated_logs(), {}), repeat)
            every_log[label] = _median_seconds(lambda g=gp: caseload_calendar(g.logs(), {}), repeat)
        log(f"calendar_all: {label} measured")
    return {
        "dated_plans": dated,
        "seconds": seconds,
        "every_log_seconds": every_log,
        "ratio_with_closed": seconds["dated_plus_9x_closed"] / seconds["dated"],
        "ratio_2x_dated": seconds["2x_dated"] / seconds["dated"],
        "every_log_ratio_with_closed": every_log["dated_plus_9x_closed"] / every_log["dated"],
    }
