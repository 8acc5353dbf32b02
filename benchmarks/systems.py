"""The three systems under test, each doing the same appends and reads in its own idiom.

- goalplan: SQLiteStore (WAL, synchronous=FULL), NewEvent.of + append, fold, iter_all.
- sqlite3: the floor. The same table (columns, keys, unique constraints), the same transaction
  per append (BEGIN IMMEDIATE, read the head, insert, COMMIT), JSON payloads; reads are a plain
  scan with json.loads. No hash chain, no decoding into classes, no fold.
- eventsourcing (v9, SQLite persistence): an aggregate with one event per goalplan event,
  saved after each batch; replay is ``repository.get`` per plan.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.workload import PlannedEvent, PlanWorkload
from goalplan.codec import converter
from goalplan.domain import fold
from goalplan.store.sqlite import SQLiteStore

FLOOR_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    position       INTEGER PRIMARY KEY,
    event_id       TEXT    NOT NULL UNIQUE,
    plan_id        TEXT    NOT NULL,
    version        INTEGER NOT NULL CHECK (version >= 1),
    recorded_at    TEXT    NOT NULL,
    actor          TEXT    NOT NULL,
    type           TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    payload        TEXT    NOT NULL,
    prev_hash      TEXT    NOT NULL,
    hash           TEXT    NOT NULL,
    UNIQUE (plan_id, version)
);
"""
_NO_HASH = "0" * 64
_COLUMNS = (
    "event_id, plan_id, version, position, recorded_at, actor, type, schema_version, payload, prev_hash, hash"
)


def payload_dicts(workload: Sequence[PlanWorkload]) -> dict[str, list[dict[str, Any]]]:
    """Each event as a plain dict: the input the sqlite3 floor and eventsourcing start from."""
    return {p.plan_id: [converter.unstructure(e.event) for e in p.events] for p in workload}


class GoalplanSystem:
    """goalplan as shipped (each append sealed by a signed checkpoint and a witness write), or
    with ``signing=False`` the same store without them: their ratio is what signing costs."""

    name = "goalplan"

    def __init__(self, path: Path, *, signing: bool = True) -> None:
        self.store = SQLiteStore(path, signing=signing)

    def append_plan(self, plan: PlanWorkload, batch: int) -> None:
        version = 0
        events = plan.events
        for start in range(0, len(events), batch):
            chunk = [e.new_event() for e in events[start : start + batch]]
            self.store.append(plan.plan_id, chunk, version)
            version += len(chunk)

    def append_one(self, plan_id: str, event: PlannedEvent, version: int) -> None:
        self.store.append(plan_id, [event.new_event()], version)

    def replay(self) -> int:
        count = 0
        for plan_id in self.store.plan_ids():
            count += fold(self.store.read_stream(plan_id)).version
        return count

    def catchup(self) -> int:
        count = 0
        for record in self.store.iter_all():
            record.event  # noqa: B018  (decoding is the point)
            count += 1
        return count

    def close(self) -> None:
        self.store.close()


class SqliteFloor:
    name = "sqlite3"

    def __init__(self, path: Path, payloads: dict[str, list[dict[str, Any]]]) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=60)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.executescript(FLOOR_SCHEMA)
        self.payloads = payloads

    def _append(
        self, plan_id: str, events: Sequence[PlannedEvent], dicts: Sequence[dict[str, Any]], expected: int
    ) -> None:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute(
            "SELECT version FROM events WHERE plan_id = ? ORDER BY version DESC LIMIT 1", (plan_id,)
        ).fetchone()
        if (row[0] if row else 0) != expected:
            conn.execute("ROLLBACK")
            raise RuntimeError("concurrent writer")
        (last,) = conn.execute("SELECT COALESCE(MAX(position), 0) FROM events").fetchone()
        rows = [
            (
                last + i + 1,
                e.event_id,
                plan_id,
                expected + i + 1,
                e.recorded_at,
                e.actor,
                e.event.TYPE,
                e.event.SCHEMA_VERSION,
                json.dumps(d, sort_keys=True, separators=(",", ":")),
                _NO_HASH,
                _NO_HASH,
            )
            for i, (e, d) in enumerate(zip(events, dicts, strict=True))
        ]
        conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
        conn.execute("COMMIT")

    def append_plan(self, plan: PlanWorkload, batch: int) -> None:
        dicts = self.payloads[plan.plan_id]
        for start in range(0, len(plan.events), batch):
            self._append(
                plan.plan_id, plan.events[start : start + batch], dicts[start : start + batch], start
            )

    def append_one(self, plan_id: str, event: PlannedEvent, version: int) -> None:
        self._append(plan_id, [event], [self.payloads[plan_id][version]], version)

    def replay(self) -> int:
        count = 0
        plan_ids = [
            r[0] for r in self.conn.execute("SELECT plan_id FROM events WHERE version = 1 ORDER BY position")
        ]
        for plan_id in plan_ids:
            cursor = self.conn.execute(
                f"SELECT {_COLUMNS} FROM events WHERE plan_id = ? AND version >= 1 ORDER BY version",
                (plan_id,),
            )
            for row in cursor.fetchall():
                json.loads(row[8])
                count += 1
        return count

    def catchup(self) -> int:
        count = 0
        position = 1
        while True:
            rows = self.conn.execute(
                f"SELECT {_COLUMNS} FROM events WHERE position >= ? ORDER BY position LIMIT 5000", (position,)
            ).fetchall()
            if not rows:
                return count
            for row in rows:
                json.loads(row[8])
                count += 1
            position = rows[-1][3] + 1

    def close(self) -> None:
        self.conn.close()


class EventsourcingSystem:
    name = "eventsourcing"

    def __init__(self, path: Path, payloads: dict[str, list[dict[str, Any]]]) -> None:
        from benchmarks.es_model import PlanAggregate, Plans  # eventsourcing's import is slow

        self.aggregate_cls = PlanAggregate
        # SQLite persistence; its connections use WAL, and synchronous is SQLite's default,
        # FULL in this build (checked by synchronous_default() and recorded in the results).
        self.app = Plans(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})
        self.payloads = payloads
        self.ids: list[uuid.UUID] = []
        self.live: dict[str, Any] = {}

    def append_plan(self, plan: PlanWorkload, batch: int) -> None:
        dicts = self.payloads[plan.plan_id]
        agg = None
        for start in range(0, len(plan.events), batch):
            for i in range(start, min(start + batch, len(plan.events))):
                planned = plan.events[i]
                if agg is None:
                    agg = self.aggregate_cls(plan_id=plan.plan_id, payload=dicts[0])
                else:
                    agg.record(type=planned.event.TYPE, payload=dicts[i])
            self.app.save(agg)
        assert agg is not None
        self.ids.append(agg.id)

    def replay(self) -> int:
        count = 0
        for agg_id in self.ids:
            count += self.app.repository.get(agg_id).version
        return count

    def close(self) -> None:
        self.app.close()


def synchronous_default(path: Path) -> int:
    """PRAGMA synchronous on a fresh connection: what eventsourcing's connections run with."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        return int(conn.execute("PRAGMA synchronous").fetchone()[0])
    finally:
        conn.close()
