"""python -m benchmarks.audit [--quick]: the caseload audit's cost follows the events it reads.

Builds two seeded caseloads, one ten times the other, and runs the audit on each in a fresh
process (so peak memory is the audit's own). Prints events per second and peak memory for both
and their ratios: time should grow with the events read (a throughput ratio near 1) and memory
stay flat (a peak-memory ratio near 1, at most 1.5).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from benchmarks.workload import iter_caseload

SEED = 20240601
TARGETS = {"throughput_large_over_small": 0.8, "peak_memory_large_over_small": 1.5}


def build(path: Path, plans: int) -> int:
    from goalplan.store.sqlite import SQLiteStore

    store = SQLiteStore(path, synchronous="OFF")
    events = 0
    for plan in iter_caseload(plans, seed=SEED):
        store.append(plan.plan_id, [e.new_event() for e in plan.events], 0)
        events += len(plan.events)
    store.close()
    return events


def probe(db: str) -> dict[str, float]:
    """Run in a child process: one audit, timed, with tracemalloc's peak."""
    import goalplan

    with goalplan.open(db) as gp:
        gp.audit(as_of="2000-01-01")  # load plugins and rules outside the measurement
        tracemalloc.start()
        started = time.perf_counter()
        report = gp.audit()
        for _ in report.iter_findings():  # read every finding back, as a renderer does
            pass
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "events": report.events_read,
        "seconds": seconds,
        "peak_bytes": peak,
        "findings": len(report.findings),
    }


def measure(db: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.audit", "--probe", str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.audit", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 plans instead of 200 and 2,000")
    parser.add_argument("--rounds", type=int, default=3, help="runs per caseload (median reported)")
    parser.add_argument("--json", dest="json_out", type=Path, help="also write the results here")
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        print(json.dumps(probe(args.probe)))
        return 0
    small, large = (100, 1000) if args.quick else (200, 2000)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for plans in (small, large):
            db = Path(tmp) / f"caseload-{plans}.db"
            build(db, plans)
            runs = sorted((measure(db) for _ in range(args.rounds)), key=lambda r: r["seconds"])
            best = runs[len(runs) // 2]
            best["events_per_second"] = best["events"] / best["seconds"]
            results[str(plans)] = best
            print(
                f"{plans:>6} plans {int(best['events']):>9,} events  "
                f"{best['events_per_second']:>9,.0f} events/s  "
                f"peak {best['peak_bytes'] / 2**20:6.1f} MiB  {int(best['findings']):,} findings"
            )
    a, b = results[str(small)], results[str(large)]
    ratios = {
        "throughput_large_over_small": b["events_per_second"] / a["events_per_second"],
        "peak_memory_large_over_small": b["peak_bytes"] / a["peak_bytes"],
    }
    for key, value in ratios.items():
        target = TARGETS[key]
        higher = key.startswith("throughput")
        ok = value >= target if higher else value <= target
        bound = "≥" if higher else "≤"
        print(f"{key:<32} {value:5.2f}  target {bound} {target}  {'pass' if ok else 'MISS'}")
    if args.json_out:
        args.json_out.write_text(
            json.dumps({"runs": results, "ratios": ratios}, indent=2) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
