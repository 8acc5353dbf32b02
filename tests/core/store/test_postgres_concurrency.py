"""PostgreSQL at server scale: 8 writer processes on 200 plans while a catch-up reader follows.

Each append is written without a position under its plan's lock, then sealed in a group by
whichever writer takes the positions lock next (docs/scaling.md). Every ninth append of each
writer is refused by the database partway through its insert. The reader insists that each
position it reads is exactly the one after the last: if a slower transaction ever made a lower
position visible after a higher one had been read, or a refused append left a hole, it would
fail. At the end it must have seen every acknowledged event exactly once, nothing may be left
waiting for a position, every event must be covered by a valid signed checkpoint (the
whole-store verify is clean), and the read models must equal a fresh fold.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from goalplan.store import open_store
from goalplan.store.integrity import check_store, local_trust
from goalplan.store.projecting import InlineProjections

from .conftest import Spawn

WRITERS = 8
PLANS = 200
HOT_APPENDS_PER_WRITER = 10  # on top of 2 * PLANS / WRITERS = 50 banded appends each


@pytest.mark.postgres
@pytest.mark.slow
def test_eight_writers_and_a_catch_up_reader(postgres_url: str, spawn: Spawn, tmp_path: Path) -> None:
    open_store(postgres_url).close()  # create the schema before the writers race for it
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as raw:
        raw.execute(
            "CREATE FUNCTION injected_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.event_id LIKE 'refused-%' THEN RAISE EXCEPTION 'injected fault'; END IF; "
            "RETURN NEW; END $$"
        )
        raw.execute(
            "CREATE TRIGGER injected_fault BEFORE INSERT ON events "
            "FOR EACH ROW EXECUTE FUNCTION injected_fault()"
        )
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
    holes = 0
    with open_store(postgres_url) as reader:
        position = 1
        while True:
            finished = all(proc.poll() is not None for proc in procs)
            page = reader.read_all(position, limit=200)
            reads += 1
            for record in page:
                assert record.position >= position, f"read position {record.position} after {position - 1}"
                holes += record.position - position
                seen.append((record.position, record.event_id))
                position = record.position + 1
            if finished and not page:
                break
            assert time.monotonic() < deadline, "the writers did not finish in time"
            if not page:
                time.sleep(0.01)

        for proc, (_out, err) in zip(procs, outputs, strict=True):
            err.seek(0)
            assert proc.returncode == 0, err.read()
        acknowledged = []
        conflicts = refused = 0
        for out, err in outputs:
            out.seek(0)
            err.seek(0)
            acknowledged += [(int(p), e) for p, e in (line.split() for line in out.read().splitlines())]
            lines = err.read().splitlines()
            conflicts += sum(int(line.split()[1]) for line in lines if line.startswith("conflicts "))
            refused += sum(int(line.split()[1]) for line in lines if line.startswith("refused "))

        assert len({event_id for _, event_id in seen}) == len(seen), "an event was read twice"
        assert sorted(acknowledged) == seen
        assert reader.head_position() == seen[-1][0]
        assert [(r.position, r.event_id) for r in reader.read_all()] == seen
        plans = reader.plan_ids()
        assert len(plans) == PLANS
        assert reader.verify() == []
        assert reader.pending_events() == [] and reader.pending_claims() == []
        trusted, witness, state, _ = local_trust(reader)
        report = check_store(reader, trusted, witness=witness, witness_state=state)
        assert report.problems == () and report.events == len(seen)
        assert conflicts >= 1, "no two writers ever collided on a plan"
        assert refused >= 1, "no append was refused partway"
        assert holes == 0, "a refused append left a hole in the positions"
        assert isinstance(reader, InlineProjections)
        assert reader.check_read_models().mismatches == ()
        versions = {row[0]: row[2] for row in reader.plan_summaries()}
        assert versions == {plan_id: reader.stream_version(plan_id) for plan_id in plans}
    print(f"{len(seen)} events, {reads} reads, {conflicts} conflicts, {holes} holes, {len(plans)} plans")
