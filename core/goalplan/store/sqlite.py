"""The embedded default store: one SQLite file, WAL, synchronous=FULL.

Writers serialise on BEGIN IMMEDIATE, so a position is taken and committed under one lock:
positions are gap-free and a catch-up reader can never see a later one before an earlier one.
Triggers refuse UPDATE and DELETE, so even a plain sqlite3 connection cannot rewrite history.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from goalplan.codec import GENESIS_HASH, NewEvent, RecordedEvent
from goalplan.errors import ConcurrencyError, StoreError, StoreNotFoundError
from goalplan.files import create_private_file, describe
from goalplan.store.base import (
    APPEND_ONLY_MESSAGE,
    AppendResult,
    EventStore,
    appended,
    chain_batch,
    check_batch,
    event_rows,
    retried_result,
)

SCHEMA = f"""
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
BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END;
"""

_COLUMNS = (
    "event_id, plan_id, version, position, recorded_at, actor, type, schema_version, payload, prev_hash, hash"
)


class SQLiteStore(EventStore):
    def __init__(
        self, path: str | Path, *, synchronous: str = "FULL", timeout: float = 60.0, create: bool = True
    ) -> None:
        self.path = Path(path)
        self.url = str(self.path)
        if not create and not self.path.exists():
            raise StoreNotFoundError(
                f"no goalplan store at {self.path}; `goalplan plan open` creates one "
                "(or give the right --db)."
            )
        created = False
        try:
            # The file holds clinical data: 0600 whatever the umask (SQLite gives -wal and -shm
            # the database file's mode).
            created = create_private_file(self.path)
            self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            try:
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute(f"PRAGMA synchronous={synchronous}")
                self._conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
                self._conn.executescript(SCHEMA)
            except BaseException:
                self._conn.close()
                raise
        except (OSError, sqlite3.Error) as exc:
            if created:
                self.path.unlink(missing_ok=True)
            raise StoreError(f"cannot open the goalplan store at {self.path}: {_reason(exc)}.") from None

    def append(
        self,
        plan_id: str,
        events: Sequence[NewEvent],
        expected_version: int,
        *,
        expect_hashes: Sequence[str] | None = None,
    ) -> AppendResult:
        check_batch(plan_id, events, expect_hashes)
        if not events:
            return AppendResult(plan_id, (), ())
        try:
            return self._append(plan_id, events, expected_version, expect_hashes)
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot write to the goalplan store at {self.path}: {_reason(exc)}; nothing was written."
            ) from None

    def _append(
        self,
        plan_id: str,
        events: Sequence[NewEvent],
        expected_version: int,
        expect_hashes: Sequence[str] | None,
    ) -> AppendResult:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            stored = self._already_stored(plan_id, events)
            if stored is not None:
                conn.execute("ROLLBACK")
                return stored
            row = conn.execute(
                "SELECT version, hash FROM events WHERE plan_id = ? ORDER BY version DESC LIMIT 1",
                (plan_id,),
            ).fetchone()
            current, head = (row[0], row[1]) if row else (0, GENESIS_HASH)
            if current != expected_version:
                raise ConcurrencyError(plan_id, expected_version, current)
            links = chain_batch(plan_id, events, current, head, expect_hashes)
            (last_position,) = conn.execute("SELECT COALESCE(MAX(position), 0) FROM events").fetchone()
            rows = event_rows(plan_id, events, links, last_position)
            conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return appended(plan_id, rows)

    def _already_stored(self, plan_id: str, events: Sequence[NewEvent]) -> AppendResult | None:
        ids = [e.event_id for e in events]
        found: dict[str, tuple[str, int, int]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for event_id, pid, version, position in self._conn.execute(
                f"SELECT event_id, plan_id, version, position FROM events WHERE event_id IN ({marks})",
                chunk,
            ):
                found[event_id] = (pid, version, position)
        return retried_result(plan_id, ids, found)

    def read_stream(self, plan_id: str, from_version: int = 1) -> list[RecordedEvent]:
        cursor = self._conn.execute(
            f"SELECT {_COLUMNS} FROM events WHERE plan_id = ? AND version >= ? ORDER BY version",
            (plan_id, from_version),
        )
        return [RecordedEvent._make(row) for row in cursor]

    def read_all(self, from_position: int = 1, limit: int | None = None) -> list[RecordedEvent]:
        cursor = self._conn.execute(
            f"SELECT {_COLUMNS} FROM events WHERE position >= ? ORDER BY position LIMIT ?",
            (from_position, -1 if limit is None else limit),
        )
        return [RecordedEvent._make(row) for row in cursor]

    def stream_version(self, plan_id: str) -> int:
        (version,) = self._conn.execute(
            "SELECT COALESCE(MAX(version), 0) FROM events WHERE plan_id = ?", (plan_id,)
        ).fetchone()
        return int(version)

    def plan_ids(self, prefix: str = "") -> list[str]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        cursor = self._conn.execute(
            "SELECT plan_id FROM events WHERE version = 1 AND plan_id LIKE ? ESCAPE '\\' ORDER BY position",
            (escaped + "%",),
        )
        return [row[0] for row in cursor]

    def head_position(self) -> int:
        (position,) = self._conn.execute("SELECT COALESCE(MAX(position), 0) FROM events").fetchone()
        return int(position)

    def latest_recorded_at(self) -> str:
        row = self._conn.execute("SELECT COALESCE(max(recorded_at), '') FROM events").fetchone()
        return str(row[0]) if row else ""

    def close(self) -> None:
        self._conn.close()


def _reason(exc: BaseException) -> str:
    """sqlite3's or the OS's reason, with a hint for the ones a user can act on."""
    if isinstance(exc, OSError):
        return describe(exc)
    text = str(exc).strip() or type(exc).__name__
    if "readonly" in text or "unable to open" in text:
        return f"{text} (is the file and its folder writable, and does the folder exist?)"
    if "disk is full" in text:
        return f"{text} (free some space and try again)"
    return text
