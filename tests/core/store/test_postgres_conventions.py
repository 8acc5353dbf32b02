"""PostgreSQL conventions: the default schema, audit indexes and view, comments, and roles."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from goalplan.codec import parse_timestamp
from goalplan.errors import GoalplanError
from goalplan.store import open_store
from goalplan.store.postgres import PostgresStore
from goalplan.store.projecting import InlineProjections

from .factory import new_events


def _with(url: str, *, user: str | None = None, dbname: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if user is not None:
        netloc = f"{user}@{netloc.rsplit('@', 1)[-1]}"
    path = f"/{dbname}" if dbname is not None else parts.path
    return urlunsplit((parts.scheme, netloc, path, "", ""))


@pytest.fixture
def fresh_database(postgres_server: str) -> Iterator[str]:
    """A database of its own (libpq's default search path, no goalplan tables), dropped after."""
    name = f"goalplan_db_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield _with(postgres_server, dbname=name)
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.mark.postgres
def test_without_a_search_path_the_tables_go_into_a_goalplan_schema(fresh_database: str) -> None:
    with open_store(fresh_database) as store:
        assert isinstance(store, PostgresStore) and store.schema == "goalplan"
        store.append("plan-a", new_events(2), 0)
    with psycopg.connect(fresh_database) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert tables == set()
        row = conn.execute("SELECT count(*) FROM goalplan.events").fetchone()
        assert row == (2,)


@pytest.mark.postgres
def test_a_database_made_in_public_stays_there(fresh_database: str) -> None:
    public = f"{fresh_database}?options=-csearch_path%3Dpublic"
    with open_store(public) as store:
        store.append("plan-a", new_events(1), 0)
    with open_store(fresh_database) as store:
        assert isinstance(store, PostgresStore) and store.schema == "public"
        assert store.stream_version("plan-a") == 1


@pytest.mark.postgres
def test_every_table_and_column_has_a_comment_and_audit_queries_have_indexes(postgres_url: str) -> None:
    with open_store(postgres_url) as store:
        assert isinstance(store, PostgresStore)
        store.append("plan-a", new_events(2), 0)
        schema = store.schema
    with psycopg.connect(postgres_url) as conn:
        missing = conn.execute(
            "SELECT c.relname, a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
            "WHERE n.nspname = %s AND c.relkind = 'r' AND col_description(c.oid, a.attnum) IS NULL",
            (schema,),
        ).fetchall()
        assert missing == []
        uncommented = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'v') AND obj_description(c.oid) IS NULL",
            (schema,),
        ).fetchall()
        assert uncommented == []
        indexes = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = 'events'", (schema,)
        ).fetchall()
        defs = " ".join(r[0] for r in indexes)
        assert "(actor, recorded_at)" in defs and "(recorded_at)" in defs
        rows = conn.execute(
            "SELECT recorded_at, recorded_at_tz FROM events_audit ORDER BY position"
        ).fetchall()
        assert [moment for _, moment in rows] == [parse_timestamp(text) for text, _ in rows]
        # the comment on event_id says what its unique index enforces: unique store-wide
        assert "UNIQUE INDEX events_event_id_key ON " in defs and "USING btree (event_id)" in defs
        (comment,) = conn.execute(
            "SELECT col_description(%s::regclass, a.attnum) FROM pg_attribute a "
            "WHERE a.attrelid = %s::regclass AND a.attname = 'event_id'",
            (f"{schema}.events", f"{schema}.events"),
        ).fetchone() or (None,)
        assert comment is not None and "unique in the whole store" in comment


@pytest.mark.postgres
def test_the_documented_roles_can_write_and_read_and_a_reader_cannot_write(
    postgres_server: str, fresh_database: str
) -> None:
    suffix = uuid.uuid4().hex[:8]
    writer, reader = f"goalplan_writer_{suffix}", f"goalplan_reader_{suffix}"
    with open_store(fresh_database):
        pass  # the migrator (here the superuser) creates the schema and tables
    with psycopg.connect(fresh_database, autocommit=True) as admin:
        for role in (writer, reader):
            admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        w, r = sql.Identifier(writer), sql.Identifier(reader)
        admin.execute(sql.SQL("GRANT USAGE ON SCHEMA goalplan TO {}, {}").format(w, r))
        admin.execute(
            sql.SQL(
                "GRANT SELECT, INSERT ON goalplan.events, goalplan.checkpoints, goalplan.signing_keys TO {}"
            ).format(w)
        )
        admin.execute(sql.SQL("GRANT UPDATE (position) ON goalplan.events TO {}").format(w))
        admin.execute(sql.SQL("GRANT SELECT, INSERT, DELETE ON goalplan.append_claims TO {}").format(w))
        admin.execute(sql.SQL("GRANT USAGE ON SEQUENCE goalplan.append_claims_seq_seq TO {}").format(w))
        admin.execute(
            sql.SQL(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON goalplan.plan_summaries, goalplan.plan_dates, "
                "goalplan.goal_index, goalplan.plan_snapshots, goalplan.read_model_state TO {}"
            ).format(w)
        )
        admin.execute(
            sql.SQL(
                "GRANT SELECT ON goalplan.goalplan_migrations, goalplan.events_audit, "
                "goalplan.goalplan_store TO {}"
            ).format(w)
        )
        admin.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA goalplan TO {}").format(r))
    try:
        with open_store(_with(fresh_database, user=writer)) as store:
            store.append("plan-a", new_events(3), 0)
            with pytest.raises(psycopg.Error):
                store._execute("DELETE FROM events")  # the writer cannot rewrite the log
            with pytest.raises(psycopg.Error, match="append-only"):
                store._execute("UPDATE events SET position = 99 WHERE version = 1")  # nor renumber it
        with psycopg.connect(fresh_database, autocommit=True) as admin:
            admin.execute("UPDATE goalplan.read_model_state SET fold_version = 'other'")
        with open_store(_with(fresh_database, user=reader)) as store:
            assert isinstance(store, InlineProjections)
            assert not store.read_models_fresh()  # it may not rebuild them, and opening still works
            assert [r.version for r in store.read_all()] == [1, 2, 3]
            with pytest.raises(GoalplanError, match="permission denied"):
                store.append("plan-b", new_events(1), 0)
    finally:
        with psycopg.connect(fresh_database, autocommit=True) as admin:
            for role in (writer, reader):
                admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            for role in (writer, reader):
                admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
