"""The embedded default store: one SQLite file, WAL, synchronous=FULL.

Writers serialise on BEGIN IMMEDIATE, so a position is taken and committed under one lock:
positions are gap-free and a catch-up reader can never see a later one before an earlier one.
Triggers refuse UPDATE and DELETE, so even a plain sqlite3 connection cannot rewrite history.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from goalplan.codec import GENESIS_HASH, NewEvent, RecordedEvent
from goalplan.errors import ConcurrencyError, GoalplanError, StoreError, StoreNotFoundError
from goalplan.files import create_private_file, describe
from goalplan.logs import shorten
from goalplan.store.base import (
    APPEND_ONLY_MESSAGE,
    AppendResult,
    StoredKey,
    appended,
    chain_batch,
    check_batch,
    event_rows,
    os_user,
    retried_result,
)
from goalplan.store.checkpoints import CHECKPOINT_FIELDS, Checkpoint, checkpoint_from_row
from goalplan.store.projecting import READ_MODEL_TABLES, InlineProjections

_V1 = """
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
_log = logging.getLogger(__name__)

_V2 = """
ALTER TABLE events ADD COLUMN hash_scheme INTEGER NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN recorded_by TEXT NOT NULL DEFAULT '';
CREATE TABLE checkpoints (
    position       INTEGER PRIMARY KEY,
    first_position INTEGER NOT NULL,
    plan_id        TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    hash           TEXT    NOT NULL,
    prior_plan_id  TEXT    NOT NULL,
    prior_version  INTEGER NOT NULL,
    prior_hash     TEXT    NOT NULL,
    key_id         TEXT    NOT NULL,
    signature      TEXT    NOT NULL
);
CREATE INDEX checkpoints_plan ON checkpoints (plan_id);
CREATE INDEX checkpoints_prior_plan ON checkpoints (prior_plan_id);
CREATE TABLE signing_keys (
    key_id     TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    label      TEXT NOT NULL,
    added_at   TEXT NOT NULL
);
CREATE TABLE goalplan_store (store_id TEXT PRIMARY KEY);
"""

# (version, name, SQL). Append new migrations; never edit one that has shipped. A 0.1.0 file
# has the events table and no goalplan_migrations table: it counts as version 1.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "events table", _V1),
    (2, "hash schemes, recorded_by, signed checkpoints, signing keys, store id", _V2),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
GUARDED_TABLES = ("events", "checkpoints", "signing_keys", "goalplan_store")

# The append-only guards, re-runnable: every open puts back any that are missing.
SCHEMA = "".join(
    f"""
CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END;
CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END;
"""
    for table in GUARDED_TABLES
)

_COLUMNS = (
    "event_id, plan_id, version, position, recorded_at, actor, type, schema_version, payload, prev_hash, "
    "hash, hash_scheme, recorded_by"
)
_INSERT = (
    "INSERT INTO events (position, event_id, plan_id, version, recorded_at, actor, type, schema_version, "
    "payload, prev_hash, hash, hash_scheme, recorded_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_CHECKPOINT_COLUMNS = ", ".join(CHECKPOINT_FIELDS[1:])


class SQLiteStore(InlineProjections):
    _bulk = False
    _pending_witness: Checkpoint | None = None

    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: str = "FULL",
        timeout: float = 60.0,
        signing: bool = True,
        create: bool = True,
    ) -> None:
        self.path = Path(path)
        self.url = str(self.path)
        self.signing = signing
        self._user = os_user()
        if not create and not self.path.exists():
            raise StoreNotFoundError(
                f"no goalplan store at {self.path}; `goalplan plan open` creates one "
                "(or give the right --db)."
            )
        created = False
        self.read_only = False
        """Opened for reading only: the file or its folder may not be written (see _open_read_only)."""
        try:
            # The file holds clinical data: 0600 whatever the umask (SQLite gives -wal and -shm
            # the database file's mode).
            try:
                created = create_private_file(self.path)
            except PermissionError:
                if not self.path.exists():
                    raise
            try:
                self._open(synchronous, timeout)
            except sqlite3.OperationalError as exc:
                if created or not _refused_write(exc):
                    raise
                self._open_read_only(timeout)
        except (OSError, sqlite3.Error) as exc:
            if created:
                self.path.unlink(missing_ok=True)
            raise StoreError(f"cannot open the goalplan store at {self.path}: {_reason(exc)}.") from None

    def _open(self, synchronous: str, timeout: float) -> None:
        self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        if _log.isEnabledFor(logging.DEBUG):  # checked once: no cost per statement when off
            self._conn.set_trace_callback(lambda sql: _log.debug("sql %s: %s", self.path, shorten(sql)))
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute(f"PRAGMA synchronous={synchronous}")
            self._conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            self._migrate()
            self._conn.executescript(READ_MODEL_TABLES)
            self._init_projections()
            self._ensure_read_models()
        except BaseException:
            self._conn.close()
            raise

    def _open_read_only(self, timeout: float) -> None:
        """A store in a folder (or a file) this user may not write: read it as it is.

        WAL readers need the -shm file; ``mode=ro`` uses it when it can. Where it cannot be made
        (a read-only folder) the file is read as ``immutable``, which is right only when no -wal
        file holds changes not yet in it: then the store is refused instead of read stale.
        """
        uri = f"file:{quote(str(self.path.resolve()))}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            conn.close()
            wal = self.path.with_name(self.path.name + "-wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise StoreError(
                    f"cannot read the goalplan store at {self.path}: it may not be written here, and "
                    f"its write-ahead log {wal.name} holds changes not yet in the file; open it once "
                    "where it may be written."
                ) from None
            conn = sqlite3.connect(uri + "&immutable=1", uri=True, timeout=timeout, isolation_level=None)
        self._conn = conn
        self.read_only = True
        try:
            applied = self._applied_version()
            if applied != SCHEMA_VERSION:
                raise StoreError(
                    f"the goalplan store at {self.path} is at schema version {applied} and needs an "
                    f"upgrade to version {SCHEMA_VERSION}, which needs it to be writable; open it once "
                    "where it may be written."
                )
            self._load_store_id()
            self._init_projections()
        except BaseException:
            conn.close()
            raise

    # schema ----------------------------------------------------------------------------------

    def _applied_version(self) -> int:
        conn = self._conn
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "goalplan_migrations" in tables:
            (applied,) = conn.execute("SELECT COALESCE(MAX(version), 0) FROM goalplan_migrations").fetchone()
            return int(applied)
        return 1 if "events" in tables else 0

    def _migrate(self) -> None:
        """Create or upgrade the tables (a 0.1.0 file is brought forward), then the guards."""
        conn = self._conn
        if self._applied_version() != SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            try:
                applied = self._applied_version()
                if applied > SCHEMA_VERSION:
                    raise GoalplanError(
                        f"the store {self.path} is at goalplan schema version {applied}, newer than the "
                        f"version {SCHEMA_VERSION} this goalplan knows; upgrade goalplan."
                    )
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS goalplan_migrations (version INTEGER PRIMARY KEY,"
                    " name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')))"
                )
                for version, name, statements in MIGRATIONS:
                    if version <= applied:
                        if version == 1 and applied == 1:  # a 0.1.0 file: note what it had
                            conn.execute(
                                "INSERT OR IGNORE INTO goalplan_migrations (version, name) VALUES (?, ?)",
                                (version, name),
                            )
                        continue
                    for statement in statements.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    if version == 2:
                        conn.execute("INSERT INTO goalplan_store (store_id) VALUES (?)", (uuid.uuid4().hex,))
                    conn.execute(
                        "INSERT INTO goalplan_migrations (version, name) VALUES (?, ?)", (version, name)
                    )
                self._load_store_id()
                adopted = self._adopt() if applied == 1 else None
                conn.execute("COMMIT")
                self._witness(adopted)
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        conn.executescript(SCHEMA)
        self._load_store_id()

    def _load_store_id(self) -> None:
        (self.store_id,) = self._conn.execute("SELECT store_id FROM goalplan_store").fetchone()

    def _adopt(self) -> Checkpoint | None:
        """Sign each plan's head as the upgrade found it, so a 0.1.0 log is covered from here on."""
        heads = self._conn.execute(
            "SELECT plan_id, MAX(position) FROM events GROUP BY plan_id ORDER BY MAX(position)"
        ).fetchall()
        last = None
        for plan_id, position in heads:
            rows = self._conn.execute(
                "SELECT position, event_id, plan_id, version, recorded_at, actor, type, schema_version,"
                " payload, prev_hash, hash FROM events WHERE position = ?",
                (position,),
            ).fetchall()
            last = self._seal(plan_id, rows, self._prior(position))
            self._insert_checkpoint(last)
        return last

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
        if self.read_only:
            raise StoreError(self._read_only_refusal())
        try:
            return self._append(plan_id, events, expected_version, expect_hashes)
        except sqlite3.Error as exc:
            if self._refused_write(exc) and not self._files_writable():
                # A read-only file in a writable folder opens read-write as far as SQLite knows,
                # and is found read-only only now: refused in the same words as a read-only folder.
                self.read_only = True
                raise StoreError(self._read_only_refusal()) from None
            raise StoreError(
                f"cannot write to the goalplan store at {self.path}: {_reason(exc)}; nothing was written."
            ) from None

    def rebuild_read_models(self, progress: Callable[[int], None] | None = None) -> int:
        """As the base class; a store this process may not write is refused first, in one sentence."""
        if self.read_only or not self._files_writable():
            raise StoreError(self._read_only_refusal())
        return super().rebuild_read_models(progress)

    def _read_only_refusal(self) -> str:
        return (
            f"cannot write to the goalplan store at {self.path}: it is read-only here (the file "
            "or its folder may not be written); nothing was written."
        )

    def _files_writable(self) -> bool:
        """Whether this process may write the store's file and the -wal and -shm beside it."""
        files = [self.path, *(self.path.with_name(self.path.name + s) for s in ("-wal", "-shm"))]
        return all(os.access(f, os.W_OK) for f in files if f.exists())

    def _append(
        self,
        plan_id: str,
        events: Sequence[NewEvent],
        expected_version: int,
        expect_hashes: Sequence[str] | None,
    ) -> AppendResult:
        conn = self._conn
        if not self._bulk:
            conn.execute("BEGIN IMMEDIATE")
        try:
            stored = self._already_stored(plan_id, events)
            if stored is not None:
                if not self._bulk:
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
            # The store's last event: where positions continue, and the prior a checkpoint names.
            last = conn.execute(
                "SELECT position, plan_id, version, hash FROM events ORDER BY position DESC LIMIT 1"
            ).fetchone()
            last_position, prior = (last[0], (last[1], int(last[2]), last[3])) if last else (0, None)
            rows = event_rows(plan_id, events, links, last_position)
            conn.executemany(_INSERT, [(*row, self._user) for row in rows])
            self._project(plan_id, (current, head), rows, events)
            checkpoint = self._seal(plan_id, rows, prior)
            self._insert_checkpoint(checkpoint)
            if self._bulk:
                self._pending_witness = checkpoint or self._pending_witness
                return appended(plan_id, rows)
            witness = self._witness_begin(checkpoint)  # flushed beside the commit
            try:
                conn.execute("COMMIT")
            except BaseException:
                if witness is not None:
                    witness.wait()
                raise
        except BaseException:
            if conn.in_transaction and not self._bulk:
                conn.execute("ROLLBACK")
            raise
        self._key_registered = self._key_registered or checkpoint is not None
        if witness is not None:
            witness.committed()
        return appended(plan_id, rows)

    def _prior(self, first_position: int) -> tuple[str, int, str] | None:
        row = self._conn.execute(
            "SELECT plan_id, version, hash FROM events WHERE position = ?", (first_position - 1,)
        ).fetchone()
        return None if row is None else (row[0], int(row[1]), row[2])

    def _insert_checkpoint(self, checkpoint: Checkpoint | None) -> None:
        if checkpoint is None:
            return
        key_row = self._key_row()
        if key_row is not None:
            self._conn.execute("INSERT OR IGNORE INTO signing_keys VALUES (?, ?, ?, ?)", key_row)
        self._conn.execute(
            f"INSERT INTO checkpoints ({_CHECKPOINT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)", checkpoint.row()
        )

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Appends inside this block commit together or not at all (log import)."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        self._bulk = True
        self._pending_witness = None
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            self._bulk = False
        self._key_registered = self._key_registered or self._pending_witness is not None
        self._witness(self._pending_witness)

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

    # primitives for the inline projections ---------------------------------------------------

    def _execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._conn.execute(statement, params)

    def _executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        self._conn.executemany(statement, rows)

    def _query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._conn.execute(statement, params).fetchall()

    def _refused_write(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc)

    @contextmanager
    def _write_transaction(self) -> Iterator[None]:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @contextmanager
    def _read_snapshot(self) -> Iterator[None]:
        # In WAL mode a deferred transaction reads the database as of its first SELECT.
        conn = self._conn
        conn.execute("BEGIN")
        try:
            yield
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")

    def _plan_transaction(self, plan_id: str) -> Any:
        return self._write_transaction()  # one file lock orders every append

    def _store_transaction(self) -> Any:
        return self._write_transaction()

    # checkpoints -----------------------------------------------------------------------------

    def read_checkpoints(self, from_position: int = 1, limit: int | None = None) -> list[Checkpoint]:
        cursor = self._conn.execute(
            f"SELECT {_CHECKPOINT_COLUMNS} FROM checkpoints WHERE position >= ? ORDER BY position LIMIT ?",
            (from_position, -1 if limit is None else limit),
        )
        return [checkpoint_from_row(self.store_id, row) for row in cursor]

    def plan_checkpoints(self, plan_id: str) -> list[Checkpoint]:
        cursor = self._conn.execute(
            f"SELECT {_CHECKPOINT_COLUMNS} FROM checkpoints WHERE plan_id = ? OR prior_plan_id = ?"
            " ORDER BY position",
            (plan_id, plan_id),
        )
        return [checkpoint_from_row(self.store_id, row) for row in cursor]

    def event_at(self, position: int) -> RecordedEvent | None:
        row = self._conn.execute(f"SELECT {_COLUMNS} FROM events WHERE position = ?", (position,)).fetchone()
        return None if row is None else RecordedEvent._make(row)

    def stored_keys(self) -> list[StoredKey]:
        cursor = self._conn.execute(
            "SELECT key_id, public_key, label, added_at FROM signing_keys ORDER BY added_at"
        )
        return [StoredKey(*row) for row in cursor]


def _refused_write(exc: sqlite3.OperationalError) -> bool:
    """Whether opening failed because the file, or the -wal and -shm files beside it, may not be written."""
    text = str(exc)
    return "readonly" in text or "unable to open" in text


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
