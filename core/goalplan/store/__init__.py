"""The append-only log, behind one interface; open_store picks the implementation from a URL."""

from __future__ import annotations

from pathlib import Path

from goalplan.store.base import AppendResult, ChainBreak, EventStore, find_chain_break
from goalplan.store.sqlite import SQLiteStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_store(url: str | Path) -> EventStore:
    """A path or sqlite:///path opens the SQLite store; postgresql://... the PostgreSQL one."""
    text = str(url)
    if text.startswith(POSTGRES_SCHEMES):
        from goalplan.store.postgres import PostgresStore  # optional dependency: psycopg

        store: EventStore = PostgresStore(text)
        return store
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
    return SQLiteStore(text)


__all__ = ["AppendResult", "ChainBreak", "EventStore", "SQLiteStore", "find_chain_break", "open_store"]
