"""PostgreSQL at server scale: 8 writer processes on 200 plans while a catch-up reader follows.

The reader insists that each position it reads is exactly the one after the last: if a slower
transaction ever committed a lower position after a faster one had been read, the reader would
see a hole and fail. At the end it must have seen every acknowledged event exactly once.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from goalplan.store import open_store

from .conftest import Spawn

WRITERS = 8
PLANS = 200
HOT_APPENDS_PER_WRITER = 10  # on top of 2 * PLANS / WRITERS = 50 banded appends each


@pytest.mark.postgres
@pytest.mark.slow
def test_eight_writers_and_a_catch_up_reader(postgres_url: str, spawn: Spawn, tmp_path: Path) -> None:
    open_store(postgres_url).close()  # create the schema before the writers race for it
    procs = []
    outputs = []
    for worker in range(WRITERS):
        out = (tmp_path / f"writer-{worker}.out").open("w+")
        err = (tmp_path / f"writer-{worker}.err").open("w+")
        outputs.append((out, err))
        args = [
            "many-plans",
            postgres_url,
            str(worker),
            str(PLANS),
            str(WRITERS),
            str(HOT_APPENDS_PER_WRITER),
        ]
        args.append(str(worker))  # seed
        procs.append(spawn(*args, stdout=out, stderr=err))

    seen: list[tuple[int, str]] = []
    reads = 0
    deadline = time.monotonic() + 120
    with open_store(postgres_url) as reader:
        position = 1
        while True:
            finished = all(proc.poll() is not None for proc in procs)
            page = reader.read_all(position, limit=200)
            reads += 1
            for record in page:
                assert record.position == position, f"expected position {position}, read {record.position}"
                seen.append((record.position, record.event_id))
                position += 1
            if finished and not page:
                break
            assert time.monotonic() < deadline, "the writers did not finish in time"
            if not page:
                time.sleep(0.01)

        for proc, (_out, err) in zip(procs, outputs, strict=True):
            err.seek(0)
            assert proc.returncode == 0, err.read()
        acknowledged = []
        conflicts = 0
        for out, err in outputs:
            out.seek(0)
            err.seek(0)
            acknowledged += [(int(p), e) for p, e in (line.split() for line in out.read().splitlines())]
            conflicts += sum(
                int(line.split()[1]) for line in err.read().splitlines() if line.startswith("conflicts ")
            )

        assert len({event_id for _, event_id in seen}) == len(seen), "an event was read twice"
        assert sorted(acknowledged) == seen
        assert reader.head_position() == len(seen)
        plans = reader.plan_ids()
        assert len(plans) == PLANS
        assert reader.verify() == []
        assert conflicts >= 1, "no two writers ever collided on a plan"
    print(f"{len(seen)} events, {reads} reads, {conflicts} conflicts, {len(plans)} plans")
