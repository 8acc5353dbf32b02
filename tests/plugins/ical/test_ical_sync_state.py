"""Where the sync state lives, and that it survives between runs."""

from __future__ import annotations

from pathlib import Path

import pytest

import goalplan
from goalplan_ical.caldav_client import collection_url
from goalplan_ical.sync_state import Pushed, SyncState, default_state_path


def test_a_sqlite_store_keeps_its_sync_state_beside_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOALPLAN_SYNC_STATE", raising=False)
    assert default_state_path("/data/plans.db") == Path("/data/plans.db.caldav-sync")
    assert default_state_path("sqlite:////data/plans.db") == Path("/data/plans.db.caldav-sync")


def test_a_postgresql_store_keeps_it_under_the_xdg_state_directory_whatever_the_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("GOALPLAN_SYNC_STATE", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    first = default_state_path("postgresql://clinic:secret@db.example.org:5432/plans")
    assert first.parent == tmp_path / "goalplan"
    assert "secret" not in str(first)
    assert default_state_path("postgresql://clinic:rotated@db.example.org:5432/plans") == first
    assert default_state_path("postgresql://clinic:secret@db.example.org:5432/other") != first


def test_the_environment_variable_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GOALPLAN_SYNC_STATE", str(tmp_path / "state.sqlite"))
    assert default_state_path("postgresql://db/plans") == tmp_path / "state.sqlite"


def test_state_is_kept_per_calendar_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "state.sqlite"
    state = SyncState(path)
    state.record_push("https://a/cal/", "uid-1", "PLAN", Pushed('"e1"', "h1", 0))
    state.record_push("https://a/cal/", "uid-1", "PLAN", Pushed('"e2"', "h2", 1))
    state.record_push("https://b/cal/", "uid-1", "PLAN", Pushed('"x"', "h", 0))
    state.close()
    reopened = SyncState(path)
    assert reopened.pushed("https://a/cal/", "uid-1") == Pushed('"e2"', "h2", 1)
    assert reopened.count_for_plan("https://b/cal/", "PLAN") == 1
    assert reopened.pushed("https://c/cal/", "uid-1") is None
    reopened.close()


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("https://Cal.Example.org/dav/ana/reviews", "https://cal.example.org/dav/ana/reviews/"),
        ("http://127.0.0.1:5232/ana/cal/", "http://127.0.0.1:5232/ana/cal/"),
    ],
)
def test_calendar_urls_are_normalised(url: str, normal: str) -> None:
    assert collection_url(url) == normal


@pytest.mark.parametrize(
    "url", ["ftp://x/cal/", "https://ana:pw@x/cal/", "https://x/cal/?a=1", "not a url", "https:///cal/"]
)
def test_bad_calendar_urls_are_refused(url: str) -> None:
    with pytest.raises(goalplan.RejectedError) as caught:
        collection_url(url)
    assert caught.value.field == "URL"


def test_a_state_file_from_before_deletions_gains_the_column_and_keeps_its_rows(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE resource (calendar TEXT NOT NULL, uid TEXT NOT NULL, plan_id TEXT NOT NULL, "
        "etag TEXT NOT NULL, content_hash TEXT NOT NULL, sequence INTEGER NOT NULL, "
        "PRIMARY KEY (calendar, uid));"
        "INSERT INTO resource VALUES ('https://cal/', 'u1', 'P1', '\"e1\"', 'h1', 2);"
    )
    old.commit()
    old.close()
    state = SyncState(path)
    try:
        assert state.pushed("https://cal/", "u1") == Pushed('"e1"', "h1", 2, None)
        state.record_push("https://cal/", "u2", "P1", Pushed('"e2"', "h2", 1, "2026-03-01T10:00:00Z"))
        assert state.has_cancelled_before("https://cal/", "P1", "2026-03-02T00:00:00Z")
        assert not state.has_cancelled_before("https://cal/", "P1", "2026-02-28T00:00:00Z")
        state.record_delete("https://cal/", "u2", "P1", "h2")
        assert state.pushed("https://cal/", "u2") is None
        assert state.deleted_hash("https://cal/", "u2") == "h2"
        assert not state.has_cancelled_before("https://cal/", "P1", "2026-03-02T00:00:00Z")
    finally:
        state.close()
