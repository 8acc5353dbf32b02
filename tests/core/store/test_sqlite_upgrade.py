"""A store written by goalplan 0.1.0 (no migrations table, 0.1.0 hashes) keeps working."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from goalplan import Goalplan
from goalplan.codec import (
    GENESIS_HASH,
    HASH_SCHEME_JCS,
    HASH_SCHEME_LEGACY,
    NewEvent,
    canonical_json,
    chain_hash,
)

# The 0.1.0 schema, as it shipped.
SCHEMA_0_1_0 = """
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
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'goalplan events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'goalplan events are append-only'); END;
"""

PAYLOADS = [
    ("plan_opened", {"client_name": "Ana", "clinician_name": "Sam Lee", "opened_on": "2026-01-05"}),
    ("goal_set", {"goal_id": "G1", "statement": "I will walk daily",
                  "measure": {"name": "walks", "unit": "per week", "baseline": 0.0, "target": 5.0}}),
    ("progress_recorded", {"goal_id": "G1", "value": 2.5, "observed_on": "2026-01-20"}),
]  # fmt: skip


def write_0_1_0_store(path: Path) -> list[str]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(SCHEMA_0_1_0)
    prev, hashes = GENESIS_HASH, []
    for version, (kind, payload) in enumerate(PAYLOADS, start=1):
        event = NewEvent(
            event_id=f"e{version}",
            type=kind,
            schema_version=1,
            payload=canonical_json(payload),  # 0.1.0 spelled floats the Python way: 0.0, 5.0
            actor="dr.ruiz",
            recorded_at=f"2026-01-0{version}T10:00:00.000000Z",
            hash_scheme=HASH_SCHEME_LEGACY,
        )
        digest = chain_hash(plan_id="P1", version=version, event=event, prev_hash=prev)
        row = (version, event.event_id, "P1", version, event.recorded_at, event.actor, kind, 1)
        conn.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?)", (*row, event.payload, prev, digest))
        prev = digest
        hashes.append(digest)
    conn.close()
    return hashes


def test_a_0_1_0_file_is_migrated_forward_and_still_verifies(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    hashes = write_0_1_0_store(path)
    with Goalplan.open(path, actor="dr.ruiz") as gp:
        records = gp.store.read_stream("P1")
        assert [r.hash for r in records] == hashes  # stored hashes are kept
        assert {r.hash_scheme for r in records} == {HASH_SCHEME_LEGACY}
        assert '"baseline":0.0' in records[1].payload
        report = gp.integrity()
        assert report.ok, report.problems
        assert report.checkpoints == 1  # the upgrade signed the plan's head as it found it
        plan = gp.plan("P1")
        assert plan.state.goals["G1"].progress[-1].value == 2.5
        plan.record_progress("G1", 3, on=date(2026, 2, 1))
        newest = gp.store.read_stream("P1")[-1]
        assert newest.hash_scheme == HASH_SCHEME_JCS and newest.prev_hash == hashes[-1]
        assert gp.integrity().ok
        out = __import__("io").StringIO()
        gp.export_log(out)
        schemes = [json.loads(line)["hash_scheme"] for line in out.getvalue().splitlines()]
        assert schemes == [1, 1, 1, 2]
    conn = sqlite3.connect(path)
    assert [row[0] for row in conn.execute("SELECT version FROM goalplan_migrations ORDER BY version")] == [
        1,
        2,
    ]
    conn.close()
    with Goalplan.open(path) as gp:  # a second open changes nothing
        assert gp.integrity().ok and gp.integrity().checkpoints == 2


@pytest.mark.postgres
def test_a_0_1_0_postgres_schema_is_migrated_forward(postgres_url: str) -> None:
    import psycopg

    from goalplan.store.postgres import MIGRATIONS

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(MIGRATIONS[0][2])
        conn.execute(
            "CREATE TABLE goalplan_migrations (version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute("INSERT INTO goalplan_migrations (version, name) VALUES (1, %s)", (MIGRATIONS[0][1],))
        prev = GENESIS_HASH
        for version, (kind, payload) in enumerate(PAYLOADS, start=1):
            event = NewEvent(
                event_id=f"e{version}",
                type=kind,
                schema_version=1,
                payload=canonical_json(payload),
                actor="dr.ruiz",
                recorded_at=f"2026-01-0{version}T10:00:00.000000Z",
                hash_scheme=HASH_SCHEME_LEGACY,
            )
            digest = chain_hash(plan_id="P1", version=version, event=event, prev_hash=prev)
            conn.execute(
                "INSERT INTO events (position, event_id, plan_id, version, recorded_at, actor, type,"
                " schema_version, payload, prev_hash, hash) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                (*(version, event.event_id, "P1", version, event.recorded_at, event.actor, kind, 1),
                 *(event.payload, prev, digest)),
            )  # fmt: skip
            prev = digest
    with Goalplan.open(postgres_url, actor="dr.ruiz") as gp:
        assert gp.store.read_stream("P1")[-1].hash == prev
        report = gp.integrity()
        assert report.ok and report.checkpoints == 1, report.problems
        gp.plan("P1").record_progress("G1", 3, on=date(2026, 2, 1))
        assert gp.integrity().ok
