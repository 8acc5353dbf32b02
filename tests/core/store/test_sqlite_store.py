"""What only the SQLite store has: one file in WAL mode, synced fully on every commit."""

from __future__ import annotations

from pathlib import Path

from goalplan.store import SQLiteStore, open_store


def test_one_file_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'plans.db'}")
    assert isinstance(store, SQLiteStore)
    conn = store._conn
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert conn.execute("PRAGMA synchronous").fetchone() == (2,)  # 2 = FULL
    store.close()
    assert (tmp_path / "plans.db").is_file()
