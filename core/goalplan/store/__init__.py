"""The append-only log, behind one interface; open_store picks the implementation from a URL."""

from __future__ import annotations

import re
from pathlib import Path

from goalplan.errors import StoreError
from goalplan.store.base import AppendResult, ChainBreak, EventStore, find_chain_break
from goalplan.store.sqlite import SQLiteStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_DRIVER_SCHEMES = ("postgresql+psycopg://", "postgresql+psycopg2://", "postgres+psycopg://")
# A libpq connection string: "host=db.example dbname=practice user=...".
_CONNINFO = re.compile(r"\s*(host|hostaddr|dbname|user|port|service|sslmode)\s*=", re.I)


def postgres_url(url: str) -> str | None:
    """The PostgreSQL connection string ``url`` names, or None when it names a SQLite file.

    Accepts postgresql:// and postgres:// URLs, SQLAlchemy-style postgresql+psycopg:// URLs
    (the driver part is dropped) and libpq "key=value" strings with host, dbname, user, port,
    service or sslmode.
    """
    if url.startswith(POSTGRES_SCHEMES):
        return url
    for scheme in _DRIVER_SCHEMES:
        if url.startswith(scheme):
            return "postgresql://" + url[len(scheme) :]
    if _CONNINFO.match(url):
        return url
    return None


def is_postgres(url: str | Path) -> bool:
    return postgres_url(str(url)) is not None


def sqlite_path(url: str | Path) -> str:
    """The file a SQLite store URL or path names; a URL of any other kind is refused."""
    text = str(url)
    if text.startswith("sqlite:///"):
        return text[len("sqlite:///") :]
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", text)
    if scheme:
        raise StoreError(
            f"{text.split('://')[0]}:// is not a store goalplan knows; give a SQLite file path "
            "(or sqlite:///path) or a postgresql:// URL."
        )
    if not text.strip():
        raise StoreError("give a SQLite file path or a postgresql:// URL for the store.")
    return text


def open_store(url: str | Path, *, create: bool = True, signing: bool = True) -> EventStore:
    """A path or sqlite:///path opens the SQLite store; a PostgreSQL URL the PostgreSQL one.

    With ``create=False`` a store that does not exist yet (a SQLite file, or goalplan's tables
    in a PostgreSQL schema) is not created: StoreNotFoundError. ``signing=False`` appends
    without signed checkpoints (for measuring their cost); verify then reports those events as
    not covered by a signature.
    """
    text = str(url)
    pg = postgres_url(text)
    if pg is not None:
        from goalplan.store.postgres import PostgresStore  # optional dependency: psycopg

        store: EventStore = PostgresStore(pg, create=create, signing=signing)
        return store
    return SQLiteStore(sqlite_path(text), create=create, signing=signing)


__all__ = [
    "AppendResult",
    "ChainBreak",
    "EventStore",
    "SQLiteStore",
    "find_chain_break",
    "is_postgres",
    "open_store",
    "postgres_url",
    "sqlite_path",
]
