"""What has been pushed to which calendar, kept in a small SQLite file of its own.

It lives apart from the event log on purpose: the log holds the plan and nothing about the
places it was copied to, and it works the same whether the log is a SQLite file or PostgreSQL.
Each accepted PUT is committed at once, so an interrupted sync resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from attrs import frozen

import goalplan

STATE_ENV = "GOALPLAN_SYNC_STATE"
SCHEMA = """
CREATE TABLE IF NOT EXISTS resource (
    calendar TEXT NOT NULL,
    uid TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    etag TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    PRIMARY KEY (calendar, uid)
);
CREATE TABLE IF NOT EXISTS plan_synced (
    calendar TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    head_hash TEXT NOT NULL,
    options TEXT NOT NULL,
    PRIMARY KEY (calendar, plan_id)
);
CREATE TABLE IF NOT EXISTS calendar (
    calendar TEXT PRIMARY KEY,
    log_position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deleted (
    calendar TEXT NOT NULL,
    uid TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    PRIMARY KEY (calendar, uid)
);
"""
# Added after the first release: when a cancelled entry was cancelled (its DTSTAMP, UTC ISO),
# so a sync can find entries whose grace period has passed without rendering every plan.
CANCELLED_AT_COLUMN = "ALTER TABLE resource ADD COLUMN cancelled_at TEXT"


@frozen
class Pushed:
    etag: str
    content_hash: str
    sequence: int
    cancelled_at: str | None = None


def default_state_path(db: str) -> Path:
    """$GOALPLAN_SYNC_STATE, else beside a SQLite log, else under the XDG state directory."""
    configured = os.environ.get(STATE_ENV)
    if configured:
        return Path(configured)
    if goalplan.is_postgres(db):
        parts = urlsplit(db)
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}@{host}:{parts.port or ''}"
        identity = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
        base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
        return base / "goalplan" / f"caldav-sync-{digest}.sqlite"
    path = db[len("sqlite:///") :] if db.startswith("sqlite:///") else db
    return Path(path + ".caldav-sync")


def _with_schema(db: sqlite3.Connection) -> sqlite3.Connection:
    db.executescript(SCHEMA)
    columns = {row[1] for row in db.execute("PRAGMA table_info(resource)")}
    if "cancelled_at" not in columns:
        db.execute(CANCELLED_AT_COLUMN)
    return db


class SyncState:
    """The state file is created only when the first push is recorded, so a sync that sends
    nothing (a server that cannot be reached, a refused login) leaves no file behind."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.exists():
            self._db = self._open_file()
        else:
            self._db = _with_schema(sqlite3.connect(":memory:", isolation_level=None))
        self._in_memory = not path.exists()

    def _open_file(self) -> sqlite3.Connection:
        # What was sent where, with plan ids: private like the log (0600 file, 0700 folders).
        goalplan.make_private_folder(self.path.parent)
        goalplan.create_private_file(self.path)
        db = sqlite3.connect(self.path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return _with_schema(db)

    def _writable(self) -> sqlite3.Connection:
        if self._in_memory:  # nothing was recorded yet, so the empty file loses nothing
            self._db.close()
            self._db = self._open_file()
            self._in_memory = False
        return self._db

    def close(self) -> None:
        self._db.close()

    def pushed(self, calendar: str, uid: str) -> Pushed | None:
        row = self._db.execute(
            "SELECT etag, content_hash, sequence, cancelled_at FROM resource WHERE calendar = ? AND uid = ?",
            (calendar, uid),
        ).fetchone()
        return Pushed(*row) if row else None

    def record_push(self, calendar: str, uid: str, plan_id: str, pushed: Pushed) -> None:
        self._writable().execute(
            "INSERT INTO resource (calendar, uid, plan_id, etag, content_hash, sequence, cancelled_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (calendar, uid) DO UPDATE SET "
            "etag = excluded.etag, content_hash = excluded.content_hash, sequence = excluded.sequence, "
            "cancelled_at = excluded.cancelled_at",
            (calendar, uid, plan_id, pushed.etag, pushed.content_hash, pushed.sequence, pushed.cancelled_at),
        )
        self._db.execute("DELETE FROM deleted WHERE calendar = ? AND uid = ?", (calendar, uid))

    def record_delete(self, calendar: str, uid: str, plan_id: str, content_hash: str) -> None:
        """The entry was removed from the server (or, cancelled long ago, never sent)."""
        self._writable().execute("BEGIN")
        self._db.execute("DELETE FROM resource WHERE calendar = ? AND uid = ?", (calendar, uid))
        self._db.execute(
            "INSERT INTO deleted (calendar, uid, plan_id, content_hash) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (calendar, uid) DO UPDATE SET content_hash = excluded.content_hash",
            (calendar, uid, plan_id, content_hash),
        )
        self._db.execute("COMMIT")

    def deleted_hash(self, calendar: str, uid: str) -> str | None:
        row = self._db.execute(
            "SELECT content_hash FROM deleted WHERE calendar = ? AND uid = ?", (calendar, uid)
        ).fetchone()
        return str(row[0]) if row else None

    def has_cancelled_before(self, calendar: str, plan_id: str, cutoff: str) -> bool:
        """Whether some entry of the plan on the server was cancelled at or before ``cutoff``."""
        row = self._db.execute(
            "SELECT 1 FROM resource WHERE calendar = ? AND plan_id = ? AND cancelled_at IS NOT NULL "
            "AND cancelled_at <= ? LIMIT 1",
            (calendar, plan_id, cutoff),
        ).fetchone()
        return row is not None

    def plan_is_synced(self, calendar: str, plan_id: str, version: int, head_hash: str, options: str) -> bool:
        row = self._db.execute(
            "SELECT version, head_hash, options FROM plan_synced WHERE calendar = ? AND plan_id = ?",
            (calendar, plan_id),
        ).fetchone()
        return row is not None and tuple(row) == (version, head_hash, options)

    def record_plan(self, calendar: str, plan_id: str, version: int, head_hash: str, options: str) -> None:
        self._writable().execute(
            "INSERT INTO plan_synced (calendar, plan_id, version, head_hash, options) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (calendar, plan_id) DO UPDATE SET version = excluded.version, "
            "head_hash = excluded.head_hash, options = excluded.options",
            (calendar, plan_id, version, head_hash, options),
        )

    def record_position(self, calendar: str, position: int) -> None:
        self._writable().execute(
            "INSERT INTO calendar (calendar, log_position) VALUES (?, ?) "
            "ON CONFLICT (calendar) DO UPDATE SET log_position = excluded.log_position",
            (calendar, position),
        )

    def position(self, calendar: str) -> int | None:
        row = self._db.execute("SELECT log_position FROM calendar WHERE calendar = ?", (calendar,)).fetchone()
        return int(row[0]) if row else None

    def count_for_plan(self, calendar: str, plan_id: str) -> int:
        row = self._db.execute(
            "SELECT count(*) FROM resource WHERE calendar = ? AND plan_id = ?", (calendar, plan_id)
        ).fetchone()
        return int(row[0])

    def resources(self, calendar: str) -> dict[str, Pushed]:
        rows = self._db.execute(
            "SELECT uid, etag, content_hash, sequence, cancelled_at FROM resource WHERE calendar = ? "
            "ORDER BY uid",
            (calendar,),
        )
        return {uid: Pushed(etag, digest, seq, at) for uid, etag, digest, seq, at in rows}
