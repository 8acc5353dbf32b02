"""Peak memory of ``log import`` on a large file: the file is streamed, so the peak grows with
the plans being refolded, not with the file's size.

    python -m benchmarks.import_memory --megabytes 100 [--megabytes 10]

For each size, a JSON Lines log of that size is generated (plans of 40 events each: opened, a
focus area, a measured goal, progress), then imported into a fresh SQLite store in a child
process that reports its peak resident memory (resource.getrusage) and the time taken.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from goalplan.codec import GENESIS_HASH, NewEvent, chain_hash
from goalplan.events import FocusAreaAdded, GoalSet, Measure, PlanOpened, ProgressRecorded

EVENTS_PER_PLAN = 40


def write_log(path: Path, megabytes: int) -> int:
    """Write at least ``megabytes`` MB of valid, chained events; returns the event count."""
    limit = megabytes * 1_000_000
    written = events = 0
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        plan = 0
        while written < limit:
            plan += 1
            plan_id = f"P{plan:08d}"
            proposals = [
                PlanOpened(
                    client_name=f"Client {plan}", clinician_name="Sam Lee", opened_on=date(2026, 1, 5)
                ),
                FocusAreaAdded(focus_id="F1", title="Sleep", description="nights " * 20),
                GoalSet(
                    goal_id="G1",
                    statement="I will sleep seven hours on most nights",
                    focus_id="F1",
                    measure=Measure(name="nights", unit="per week", baseline=1, target=5),
                    target_date=date(2026, 6, 1),
                ),
            ]
            proposals += [
                ProgressRecorded(
                    goal_id="G1", value=n % 7 + 0.5, observed_on=date(2026, 1, 6), note="ok " * 30
                )
                for n in range(EVENTS_PER_PLAN - len(proposals))
            ]
            prev = GENESIS_HASH
            for version, proposal in enumerate(proposals, start=1):
                event = NewEvent.of(
                    proposal,
                    actor="bench",
                    recorded_at=start + timedelta(seconds=plan * 100 + version),
                    event_id=f"{plan_id}-{version}",
                )
                digest = chain_hash(plan_id=plan_id, version=version, event=event, prev_hash=prev)
                line = {
                    "event_id": event.event_id,
                    "plan_id": plan_id,
                    "version": version,
                    "position": events + 1,
                    "recorded_at": event.recorded_at,
                    "actor": event.actor,
                    "type": event.type,
                    "schema_version": event.schema_version,
                    "payload": json.loads(event.payload),
                    "prev_hash": prev,
                    "hash": digest,
                    "hash_scheme": event.hash_scheme,
                }
                text = json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n"
                out.write(text)
                written += len(text.encode("utf-8"))
                events += 1
                prev = digest
    return events


def child(log: str, db: str) -> None:
    import goalplan

    started = time.perf_counter()
    with goalplan.open(db, actor="bench") as gp, open(log, "rb") as source:
        report = gp.import_log(source)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {"events": report.events, "plans": report.plans, "seconds": seconds, "peak_rss_kb": peak_kb}
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.import_memory", description=__doc__)
    parser.add_argument("--megabytes", type=int, action="append", default=None)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    work = Path(tempfile.mkdtemp(prefix="goalplan-import-mem-"))
    env = {**os.environ, "GOALPLAN_KEY_FILE": str(work / "keys" / "signing-key.pem")}
    for megabytes in args.megabytes or [100]:
        log = work / f"log-{megabytes}mb.jsonl"
        events = write_log(log, megabytes)
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.import_memory",
                "--child",
                str(log),
                str(work / f"{megabytes}.db"),
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return 1
        measured = json.loads(result.stdout)
        size = log.stat().st_size / 1e6
        print(
            f"{size:6.1f} MB, {events} events in {measured['plans']} plans: imported in "
            f"{measured['seconds']:.1f} s, peak RSS {measured['peak_rss_kb'] / 1024:.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
