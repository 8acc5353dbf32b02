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
"""


@frozen
class Pushed:
    etag: str
    content_hash: str
    sequence: int


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


class SyncState:
    """The state file is created only when the first push is recorded, so a sync that sends
    nothing (a server that cannot be reached, a refused login) leaves no file behind."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.exists():
            self._db = self._open_file()
        else:
            self._db = sqlite3.connect(":memory:", isolation_level=None)
            self._db.executescript(SCHEMA)
        self._in_memory = not path.exists()

    def _open_file(self) -> sqlite3.Connection:
        # What was sent where, with plan ids: private like the log (0600 file, 0700 folders).
        goalplan.make_private_folder(self.path.parent)
        goalplan.create_private_file(self.path)
        db = sqlite3.connect(self.path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(SCHEMA)
        return db

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
            "SELECT etag, content_hash, sequence FROM resource WHERE calendar = ? AND uid = ?",
            (calendar, uid),
        ).fetchone()
        return Pushed(*row) if row else None

    def record_push(self, calendar: str, uid: str, plan_id: str, pushed: Pushed) -> None:
        self._writable().execute(
            "INSERT INTO resource (calendar, uid, plan_id, etag, content_hash, sequence) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (calendar, uid) DO UPDATE SET "
            "etag = excluded.etag, content_hash = excluded.content_hash, sequence = excluded.sequence",
            (calendar, uid, plan_id, pushed.etag, pushed.content_hash, pushed.sequence),
        )

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
            "SELECT uid, etag, content_hash, sequence FROM resource WHERE calendar = ? ORDER BY uid",
            (calendar,),
        )
        return {uid: Pushed(etag, digest, seq) for uid, etag, digest, seq in rows}
