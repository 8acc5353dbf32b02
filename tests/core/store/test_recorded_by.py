"""Who really wrote an event: the database role (PostgreSQL, set by the server) or the
operating-system user (SQLite), kept beside the actor the writer declared."""

from __future__ import annotations

import os
import pwd
from datetime import date
from pathlib import Path

import pytest

from goalplan import Goalplan
from goalplan.store import EventStore
from tests.core.store.conftest import Backdoor
from tests.core.store.factory import new_events


def test_every_row_names_who_the_store_saw_writing(store: EventStore, store_url: str) -> None:
    store.append("plan-a", new_events(2, actor="declared.someone"), 0)
    (first, second) = store.read_stream("plan-a")
    os_user = pwd.getpwuid(os.geteuid()).pw_name
    expected = "postgres" if store_url.startswith("postgresql://") else os_user
    assert first.recorded_by == second.recorded_by == expected
    assert first.actor == "declared.someone"


@pytest.mark.postgres
def test_postgres_sets_the_role_whatever_the_client_sends(postgres_url: str) -> None:
    from tests.core.store.conftest import PostgresBackdoor

    with Goalplan.open(postgres_url) as gp:
        gp.open_plan(client="A", clinician="B", opened=date(2026, 1, 5), plan_id="P1")
    door: Backdoor = PostgresBackdoor(postgres_url)
    try:
        with Goalplan.open(postgres_url) as gp:
            (record,) = gp.store.read_stream("P1")
        door.execute(
            "INSERT INTO events (position, event_id, plan_id, version, recorded_at, actor, type, "
            "schema_version, payload, prev_hash, hash, recorded_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            2, "e-x", "P2", 1, record.recorded_at, "x", record.type, 1, record.payload, "0" * 64, "h",
            "someone.else",
        )  # fmt: skip
        with Goalplan.open(postgres_url) as gp:
            assert gp.store.read_stream("P2")[0].recorded_by == "postgres"
    finally:
        door.close()


def test_history_shows_both_when_they_differ(tmp_path: Path) -> None:
    with Goalplan.open(tmp_path / "p.db", actor="dr.ruiz") as gp:
        plan = gp.open_plan(client="A", clinician="B", opened=date(2026, 1, 5))
        user = gp.store.read_stream(plan.id)[0].recorded_by
        (entry, *_) = plan.history()
    assert entry.recorded_by == user and entry.to_json()["recorded_by"] == user
    from goalplan.cli.text_view import history_text

    assert f"dr.ruiz (recorded by {user})" in history_text([entry])


def test_an_event_id_is_unique_in_the_whole_store_on_both_stores(
    store: EventStore, backdoor: Backdoor
) -> None:
    """Even a plain connection cannot store one event id under two plans."""
    store.append("plan-a", new_events(1), 0)
    (record,) = store.read_stream("plan-a")
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        backdoor.execute(
            "INSERT INTO events (position, event_id, plan_id, version, recorded_at, actor, type, "
            "schema_version, payload, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            2, record.event_id, "plan-b", 1, record.recorded_at, "x", record.type, 1, record.payload,
            "0" * 64, record.hash,
        )  # fmt: skip
