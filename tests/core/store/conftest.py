"""The `store` fixture runs each contract test on SQLite and on PostgreSQL.

`backdoor` opens a plain database connection beside the store: `execute` goes through the
database's own guards (so append-only refusal can be shown), `tamper` bypasses them the way an
attacker with file or superuser access would, so verify has something to find.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from goalplan.store import EventStore, open_store
from goalplan.store.sqlite import GUARDED_TABLES
from goalplan.store.sqlite import SCHEMA as SQLITE_SCHEMA


class Backdoor(Protocol):
    kind: str

    def execute(self, statement: str, *params: Any) -> None: ...

    def tamper(self, *statements: tuple[str, tuple[Any, ...]]) -> None: ...

    def fail_insert_of(self, event_id: str) -> None: ...

    def close(self) -> None: ...


class SQLiteBackdoor:
    kind = "sqlite"

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)

    def execute(self, statement: str, *params: Any) -> None:
        self.conn.execute(statement, params)

    def tamper(self, *statements: tuple[str, tuple[Any, ...]]) -> None:
        """Drop the guard triggers, rewrite, then put the triggers back to hide the tracks."""
        self.conn.execute("BEGIN IMMEDIATE")
        for table in GUARDED_TABLES:
            self.conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            self.conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        for statement, params in statements:
            self.conn.execute(statement, params)
        self.conn.execute("COMMIT")
        self.conn.executescript(SQLITE_SCHEMA)

    def fail_insert_of(self, event_id: str) -> None:
        self.conn.execute(
            "CREATE TRIGGER injected_fault BEFORE INSERT ON events "
            f"WHEN NEW.event_id = '{event_id}' BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
        )

    def close(self) -> None:
        self.conn.close()


class PostgresBackdoor:
    kind = "postgres"

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)

    def execute(self, statement: str, *params: Any) -> None:
        self.conn.execute(statement.replace("?", "%s"), params)  # type: ignore[arg-type]

    def tamper(self, *statements: tuple[str, tuple[Any, ...]]) -> None:
        """As superuser: replica mode skips ordinary triggers for this transaction."""
        with self.conn.transaction():
            self.conn.execute("SET LOCAL session_replication_role = replica")
            for statement, params in statements:
                self.conn.execute(statement.replace("?", "%s"), params)  # type: ignore[arg-type]

    def fail_insert_of(self, event_id: str) -> None:
        self.conn.execute(
            "CREATE FUNCTION injected_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.event_id = '{event_id}' THEN RAISE EXCEPTION 'injected fault'; END IF; "
            "RETURN NEW; END $$"
        )
        self.conn.execute(
            "CREATE TRIGGER injected_fault BEFORE INSERT ON events "
            "FOR EACH ROW EXECUTE FUNCTION injected_fault()"
        )

    def close(self) -> None:
        self.conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "events.db")
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[EventStore]:
    opened = open_store(store_url)
    yield opened
    opened.close()


@pytest.fixture
def other_store(request: pytest.FixtureRequest, store_url: str, tmp_path: Path) -> Iterator[EventStore]:
    """A second, empty store of the same kind (for copying with expect_hashes)."""
    if store_url.startswith("postgresql://"):
        url: str = request.getfixturevalue("new_postgres_url")()
    else:
        url = str(tmp_path / "other.db")
    opened = open_store(url)
    yield opened
    opened.close()


@pytest.fixture
def backdoor(store: EventStore, store_url: str) -> Iterator[Backdoor]:
    door: Backdoor
    door = PostgresBackdoor(store_url) if store_url.startswith("postgresql://") else SQLiteBackdoor(store_url)
    yield door
    door.close()


ROOT = Path(__file__).resolve().parents[3]
WORKERS = Path(__file__).with_name("workers.py")
WORKER_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "core"), str(ROOT / "plugins")])}

Spawn = Callable[..., "subprocess.Popen[str]"]


@pytest.fixture
def spawn() -> Iterator[Spawn]:
    """Start ``workers.py MODE ARGS...``; any worker still running at teardown is killed, so a
    failed test never leaves writers behind (nor a schema that cannot be dropped)."""
    procs: list[subprocess.Popen[str]] = []

    def start(
        *args: str, stdout: object = subprocess.PIPE, stderr: object = subprocess.PIPE
    ) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, str(WORKERS), *args], stdout=stdout, stderr=stderr, text=True, env=WORKER_ENV
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
