"""CPU per appended event, goalplan against the sqlite3 floor, with the disk taken out.

Both systems append the benchmark workload in 100-event appends to files with
``synchronous=OFF`` (in /dev/shm when it exists), so what is measured is the Python and SQLite
CPU an append costs, not the flush. The systems take turns plan by plan, and CPU time
(``time.process_time``) is summed per system, so other work on the machine matters little.

    python -m benchmarks.cpu_append [--plans N] [--profile FILE]

``--profile FILE`` writes a cProfile (pstats format) of one more round of goalplan's appends
(``--profile-system goalplan_unsigned``: the unsigned store's), not counted in the numbers.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import tempfile
import time
from pathlib import Path

from benchmarks import systems
from benchmarks.workload import caseload, total_events


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cpu_append")
    parser.add_argument("--plans", type=int, default=80)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument("--profile-system", default="goalplan", choices=["goalplan", "goalplan_unsigned"])
    args = parser.parse_args(argv)
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        work = Path(tmp)
        os.environ.setdefault("GOALPLAN_KEY_FILE", str(work / "keys" / "signing-key.pem"))
        workload = caseload(args.plans)
        payloads = systems.payload_dicts(workload)
        events = total_events(workload)
        gc.collect()
        gc.freeze()
        per_event: dict[str, list[float]] = {"goalplan": [], "goalplan_unsigned": [], "sqlite3": []}
        # An extra first round when profiling: the profiler's overhead is kept out of the numbers.
        for round_ in range(args.rounds + (1 if args.profile else 0)):
            live = {
                "goalplan": systems.GoalplanSystem(work / f"g{round_}.db", signing=True),
                "goalplan_unsigned": systems.GoalplanSystem(work / f"u{round_}.db", signing=False),
                "sqlite3": systems.SqliteFloor(work / f"f{round_}.db", payloads),
            }
            for system in live.values():
                conn = system.store._conn if hasattr(system, "store") else system.conn
                conn.execute("PRAGMA synchronous=OFF")
            spent = dict.fromkeys(live, 0.0)
            profiler = cProfile.Profile() if args.profile and round_ == 0 else None
            for n, plan in enumerate(workload):
                names = list(live)
                names = names[n % 3 :] + names[: n % 3]
                for name in names:
                    system = live[name]
                    if profiler is not None and name == args.profile_system:
                        profiler.enable()
                    start = time.process_time()
                    system.append_plan(plan, args.batch)
                    spent[name] += time.process_time() - start
                    if profiler is not None and name == args.profile_system:
                        profiler.disable()
            for name, system in live.items():
                system.close()
                if profiler is None:
                    per_event[name].append(spent[name] / events * 1e6)
            if profiler is not None:
                profiler.dump_stats(args.profile)
        print(f"{events} events, {args.plans} plans, {args.batch}-event appends, synchronous=OFF")
        for name, values in per_event.items():
            values.sort()
            rounded = [round(v, 1) for v in values]
            print(f"{name:18s} CPU us/event median {values[len(values) // 2]:6.1f}  all {rounded}")
        floor = sorted(per_event["sqlite3"])[len(per_event["sqlite3"]) // 2]
        for name in ("goalplan", "goalplan_unsigned"):
            mine = sorted(per_event[name])[len(per_event[name]) // 2]
            print(f"floor / {name}: {floor / mine:.2f}")


if __name__ == "__main__":
    main()
