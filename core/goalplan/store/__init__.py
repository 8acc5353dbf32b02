"""The append-only log, behind one interface; open_store picks the implementation from a URL."""

from __future__ import annotations

from pathlib import Path

from goalplan.store.base import AppendResult, ChainBreak, EventStore, find_chain_break
from goalplan.store.sqlite import SQLiteStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_store(url: str | Path, *, signing: bool = True) -> EventStore:
    """A path or sqlite:///path opens the SQLite store; postgresql://... the PostgreSQL one.

    ``signing=False`` appends without signed checkpoints (for measuring their cost); verify
    then reports those events as not covered by a signature.
    """
    text = str(url)
    if text.startswith(POSTGRES_SCHEMES):
        from goalplan.store.postgres import PostgresStore  # optional dependency: psycopg

        store: EventStore = PostgresStore(text, signing=signing)
        return store
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
    return SQLiteStore(text, signing=signing)


__all__ = ["AppendResult", "ChainBreak", "EventStore", "SQLiteStore", "find_chain_break", "open_store"]
