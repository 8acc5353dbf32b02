"""Writer processes for the multi-process store tests, run as ``python workers.py MODE ...``.

Each prints one line per acknowledged event, flushed only after the append has returned, so the
parent knows exactly what the store promised before anything went wrong.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date
from typing import Any

import attrs

from goalplan import ConcurrencyError, Goalplan
from goalplan.codec import NewEvent
from goalplan.events import FocusAreaAdded
from goalplan.store import AppendResult, open_store


def _wait_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()))


def progress(db: str, plan_id: str, goal_id: str, worker: str, count: str, start_at: str) -> None:
    """Record progress on one goal through the Python API, ``count`` times, like a busy user.

    The store's append is wrapped only to count the conflicts the API had to re-decide after.
    """
    rng = random.Random(worker)
    with Goalplan.open(db, actor=f"worker-{worker}") as gp:
        conflicts = 0
        append = gp.store.append

        def counting_append(*args: Any, **kwargs: Any) -> AppendResult:
            nonlocal conflicts
            try:
                return append(*args, **kwargs)
            except ConcurrencyError:
                conflicts += 1
                raise

        gp.store.append = counting_append  # type: ignore[method-assign]
        plan = gp.plan(plan_id)
        _wait_until(float(start_at))
        for n in range(int(count)):
            result = plan.record_progress(goal_id, float(n), on=date(2026, 3, 1), note=f"{worker}-{n}")
            print(f"{result.positions[0]} {worker}-{n}", flush=True)
            time.sleep(rng.uniform(0, 0.004))
        print(f"conflicts {conflicts}", file=sys.stderr, flush=True)


def _events(worker: str, start: int, count: int) -> list[NewEvent]:
    return [
        NewEvent.of(
            FocusAreaAdded(focus_id=f"{worker}-{start + i}", title=f"area {start + i}"),
            actor=f"worker-{worker}",
            recorded_at="2026-03-01T09:00:00.000000Z",
        )
        for i in range(count)
    ]


def append_forever(url: str, plan_id: str, batch: str) -> None:
    """Append batches to one stream until killed."""
    size = int(batch)
    with open_store(url) as store:
        version = store.stream_version(plan_id)
        n = 0
        while True:
            events = _events("killed", n, size)
            result = store.append(plan_id, events, version)
            version = result.last_version
            n += size
            lines = (f"{p} {e.event_id}" for p, e in zip(result.positions, events, strict=True))
            sys.stdout.write("\n".join(lines) + "\n")
            sys.stdout.flush()


def many_plans(url: str, worker: str, plans: str, writers: str, hot: str, seed: str) -> None:
    """Append 1-3 events at a time, re-reading the version after a conflict.

    The plans are split into overlapping bands so that every plan has two writers, each
    visiting its band in a random order; ``hot`` extra appends go to five shared plans so
    collisions are certain.
    """
    rng = random.Random(int(seed))
    count, index, band_size = int(plans), int(worker), 2 * int(plans) // int(writers)
    targets = [(index * count // int(writers) + k) % count for k in range(band_size)]
    targets += [rng.randrange(5) for _ in range(int(hot))]
    rng.shuffle(targets)
    with open_store(url) as store:
        conflicts = refused = 0
        for n, target in enumerate(targets):
            plan_id = f"plan-{target:03d}"
            events = _events(f"w{worker}", n * 10, rng.randint(1, 3))
            version = store.stream_version(plan_id)
            if n % 9 == 4:  # the database refuses this one after it was numbered: a hole
                doomed = [*events[:-1], attrs.evolve(events[-1], event_id=f"refused-{worker}-{n}")]
                try:
                    store.append(plan_id, doomed, version)
                except Exception as exc:
                    if "injected fault" not in str(exc) and not isinstance(exc, ConcurrencyError):
                        raise
                    refused += 1
                version = store.stream_version(plan_id)
            while True:
                try:
                    result = store.append(plan_id, events, version)
                    break
                except ConcurrencyError:
                    conflicts += 1
                    version = store.stream_version(plan_id)
            lines = (f"{p} {e.event_id}" for p, e in zip(result.positions, events, strict=True))
            sys.stdout.write("\n".join(lines) + "\n")
            sys.stdout.flush()
        print(f"conflicts {conflicts}", file=sys.stderr, flush=True)
        print(f"refused {refused}", file=sys.stderr, flush=True)


MODES = {"progress": progress, "append-forever": append_forever, "many-plans": many_plans}

if __name__ == "__main__":
    MODES[sys.argv[1]](*sys.argv[2:])
