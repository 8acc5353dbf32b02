"""What only the PostgreSQL store has: its migrations table, its lock scopes, its schema option."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from goalplan.errors import GoalplanError
from goalplan.store import open_store
from goalplan.store.base import APPEND_ONLY_MESSAGE

from .factory import new_events

psycopg = pytest.importorskip("psycopg")
from goalplan.store.postgres import SCHEMA_VERSION, PostgresStore, lock_key  # noqa: E402


@pytest.fixture
def pg(postgres_url: str) -> Iterator[PostgresStore]:
    store = open_store(postgres_url)
    assert isinstance(store, PostgresStore)
    yield store
    store.close()


@pytest.fixture
def raw(postgres_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        yield conn


def test_an_unreachable_server_is_one_clear_error() -> None:
    with pytest.raises(GoalplanError, match="cannot connect to the PostgreSQL store"):
        open_store("postgresql://postgres@127.0.0.1:1/test")


@pytest.mark.postgres
def test_the_schema_is_recorded_in_the_migrations_table(pg: PostgresStore, raw: psycopg.Connection) -> None:
    rows = raw.execute("SELECT version, name FROM goalplan_migrations ORDER BY version").fetchall()
    assert [r[0] for r in rows] == list(range(1, SCHEMA_VERSION + 1))
    assert pg.schema.startswith("goalplan_test_")
    pg.close()
    for _ in range(2):  # opening again applies nothing twice
        open_store(pg.url).close()
    assert raw.execute("SELECT count(*) FROM goalplan_migrations").fetchone() == (SCHEMA_VERSION,)


@pytest.mark.postgres
def test_many_connections_creating_the_schema_at_once(new_postgres_url: Callable[[], str]) -> None:
    url = new_postgres_url()
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            barrier.wait()
            with open_store(url) as store:
                store.append(f"plan-{threading.get_ident()}", new_events(1), 0)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with open_store(url) as store:
        assert store.head_position() == 6
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM goalplan_migrations").fetchone() == (SCHEMA_VERSION,)


@pytest.mark.postgres
def test_a_missing_schema_named_on_the_search_path_is_created(
    new_postgres_url: Callable[[], str], postgres_server: str
) -> None:
    url = new_postgres_url()
    schema = url.rsplit("%3D", 1)[1]
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f'DROP SCHEMA "{schema}"')
    with open_store(url) as store:
        assert isinstance(store, PostgresStore)
        assert store.schema == schema
        store.append("plan-a", new_events(1), 0)


@pytest.mark.postgres
def test_schemas_keep_their_logs_apart(new_postgres_url: Callable[[], str]) -> None:
    with open_store(new_postgres_url()) as first, open_store(new_postgres_url()) as second:
        first.append("plan-a", new_events(2), 0)
        assert second.head_position() == 0
        assert second.append("plan-a", new_events(1), 0).positions == (1,)


@pytest.mark.postgres
def test_a_schema_newer_than_this_code_is_refused(pg: PostgresStore, raw: psycopg.Connection) -> None:
    raw.execute("INSERT INTO goalplan_migrations (version, name) VALUES (99, 'from the future')")
    with pytest.raises(GoalplanError, match="schema version 99"):
        open_store(pg.url)


@pytest.mark.postgres
def test_truncate_is_refused_too(pg: PostgresStore, raw: psycopg.Connection) -> None:
    pg.append("plan-a", new_events(2), 0)
    with pytest.raises(psycopg.Error, match=APPEND_ONLY_MESSAGE):
        raw.execute("TRUNCATE events")
    assert pg.head_position() == 2


@pytest.mark.postgres
def test_a_busy_plan_does_not_hold_up_writers_to_other_plans(
    pg: PostgresStore, raw: psycopg.Connection
) -> None:
    """A writer in the middle of its per-plan work holds that plan's lock only."""
    pg.append("plan-a", new_events(1), 0)
    with open_store(pg.url) as other:
        outcome: list[object] = []
        with raw.transaction():
            raw.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key("stream", pg.schema, "plan-a"),))
            waiting = threading.Thread(
                target=lambda: outcome.append(other.append("plan-a", new_events(1), 1))
            )
            waiting.start()
            started = time.monotonic()
            assert pg.append("plan-b", new_events(2), 0).positions == (2, 3)
            assert time.monotonic() - started < 5
            waiting.join(0.5)
            assert waiting.is_alive() and outcome == [], "a second writer to plan-a did not wait"
        waiting.join(10)
        assert not waiting.is_alive()
    assert pg.read_stream("plan-a")[-1].position == 4
    assert pg.verify() == []


@pytest.mark.postgres
def test_positions_wait_for_the_transaction_that_holds_the_position_lock(
    pg: PostgresStore, raw: psycopg.Connection
) -> None:
    """While one transaction is assigning positions, no other can take one, so none commits out
    of order; a reader meanwhile sees only what was committed, without holes."""
    pg.append("plan-a", new_events(1), 0)
    with open_store(pg.url) as other:
        done = threading.Event()
        with raw.transaction():
            raw.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key("positions", pg.schema),))
            waiting = threading.Thread(target=lambda: (other.append("plan-b", new_events(1), 0), done.set()))
            waiting.start()
            assert not done.wait(0.5)
            assert [r.position for r in pg.read_all()] == [1]
        assert done.wait(10)
        waiting.join()
    assert [r.position for r in pg.read_all()] == [1, 2]


@pytest.mark.postgres
def test_a_lost_connection_is_one_clear_error(pg: PostgresStore, raw: psycopg.Connection) -> None:
    pg.append("plan-a", new_events(1), 0)
    (pid,) = pg._conn.execute("SELECT pg_backend_pid()").fetchone()
    raw.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(GoalplanError, match="the PostgreSQL store failed"):
        pg.read_stream("plan-a")


@pytest.mark.postgres
def test_an_existing_schema_migrates_forward_and_builds_its_read_models(
    pg: PostgresStore, raw: psycopg.Connection
) -> None:
    pg.append("plan-a", new_events(3), 0)
    raw.execute("DROP VIEW events_audit")
    raw.execute("DROP INDEX events_actor_recorded_at, events_recorded_at")
    raw.execute("DROP TABLE plan_summaries, plan_dates, goal_index, plan_snapshots, read_model_state")
    raw.execute("DROP FUNCTION goalplan_begin_append, goalplan_try_claims")
    raw.execute("DROP TABLE append_claims")
    raw.execute("DROP INDEX events_pending")
    raw.execute("DROP TRIGGER events_no_delete ON events")
    raw.execute("DELETE FROM goalplan_migrations WHERE version >= 3")
    with open_store(pg.url) as reopened:
        assert isinstance(reopened, PostgresStore)
        assert [row[0] for row in reopened.plan_summaries()] == ["plan-a"]
        assert reopened.check_read_models().mismatches == ()
        assert reopened.append("plan-b", new_events(1), 0).positions == (4,)


@pytest.mark.postgres
def test_an_old_store_with_one_event_id_in_two_plans_is_refused_unchanged(postgres_url: str) -> None:
    """Migration 2 makes event ids unique store-wide: a 0.1.0 store that holds one id in two
    plans is refused in one sentence naming them, and the migration leaves no trace."""
    from goalplan.store.postgres import MIGRATIONS

    with psycopg.connect(postgres_url, autocommit=True) as raw:
        raw.execute(MIGRATIONS[0][2])
        raw.execute(
            "CREATE TABLE goalplan_migrations (version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        raw.execute("INSERT INTO goalplan_migrations (version, name) VALUES (1, %s)", (MIGRATIONS[0][1],))
        for position, plan_id in enumerate(("plan-a", "plan-b", "plan-c"), start=1):
            raw.execute(
                "INSERT INTO events VALUES (%s, 1, %s, %s, '2026-01-05T10:00:00.000000Z', 'dr.ruiz',"
                " 'plan_opened', 1, '{}', %s, %s)",
                (plan_id, position, "shared-id" if plan_id != "plan-c" else "own-id", "0" * 64, "f" * 64),
            )
        with pytest.raises(GoalplanError) as refused:
            open_store(postgres_url)
        message = str(refused.value)
        assert "shared-id in plans plan-a, plan-b" in message and "nothing was changed" in message
        assert "own-id" not in message and "\n" not in message
        assert raw.execute("SELECT version FROM goalplan_migrations").fetchall() == [(1,)]
        assert raw.execute("SELECT count(*) FROM events").fetchone() == (3,)
        assert raw.execute("SELECT to_regclass('checkpoints')").fetchone() == (None,)
        columns = {
            r[0]
            for r in raw.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = 'events' AND table_schema = current_schema()"
            )
        }
        assert "hash_scheme" not in columns
