"""Peak memory of one scenario, measured in a fresh process: ``python -m benchmarks.memprobe SPEC``.

SPEC is JSON: {"scenario", "system", "db", and for appends "plans" and "seed"}. Prints JSON with
the peak resident set (VmHWM) and the resident set just before the measured work began, so
the growth caused by the work itself can be told apart from the interpreter and the workload.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import uuid
from pathlib import Path
from typing import Any


def _status_kb(field: str) -> int:
    """VmRSS (now) or VmHWM (peak) of this process image, in kB.

    ru_maxrss is not used: Linux carries it across exec, so a child started from a big parent
    would report the parent's peak.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} is not in /proc/self/status")


def run(spec: dict[str, Any]) -> dict[str, Any]:
    from benchmarks import exports, systems
    from benchmarks.workload import caseload

    scenario, system, db = spec["scenario"], spec["system"], Path(spec["db"])
    payloads: dict[str, Any] = {}
    workload = []
    if scenario == "append_batched":
        workload = caseload(spec["plans"], seed=spec["seed"])
        payloads = systems.payload_dicts(workload)
    if system == "goalplan":
        target: Any = systems.GoalplanSystem(db)
    elif system == "sqlite3":
        target = systems.SqliteFloor(db, payloads)
    else:
        target = systems.EventsourcingSystem(db, payloads)
        if scenario == "replay":
            conn = sqlite3.connect(db)
            target.ids = [
                uuid.UUID(r[0]) for r in conn.execute("SELECT DISTINCT originator_id FROM stored_events")
            ]
            conn.close()
    before = _status_kb("VmRSS")
    count = 0
    if scenario == "append_batched":
        for plan in workload:
            target.append_plan(plan, 100)
    elif scenario == "replay":
        count = target.replay()
    elif scenario == "catchup":
        count = target.catchup()
    elif scenario.startswith("export_all/"):
        plan_ids = target.store.plan_ids()[: spec.get("limit")]
        exports.export_plans(target.store, scenario.split("/", 1)[1], plan_ids)
        count = len(plan_ids)
    target.close()
    peak = _status_kb("VmHWM")
    return {"peak_rss_kb": peak, "before_kb": before, "growth_kb": max(0, peak - before), "count": count}


if __name__ == "__main__":
    print(json.dumps(run(json.loads(sys.argv[1]))))
