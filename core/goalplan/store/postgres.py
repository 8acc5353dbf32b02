"""The PostgreSQL store, for practices that outgrow one machine (psycopg 3).

An append does its per-plan work first, under a lock on that plan alone: read the head, check
the expected version, recognise a retried batch, hash the new links. Only then does it take one
transaction-level lock for the whole store, read the last position, insert and commit. That
lock is held just for the position assignment and the commit, so writers to unrelated plans
wait on each other only for that moment, and a transaction that took a position commits before
the next one can take a position. Every snapshot therefore sees positions 1..N with no hole,
and a catch-up reader that has seen position p never later finds an event below p
(docs/scaling.md explains why).

The tables live in the first schema on the connection's search path; give
``?options=-csearch_path%3Dmyschema`` in the URL to use another schema. goalplan creates and
versions them itself (table goalplan_migrations), under an advisory lock, so two processes
opening a fresh database at once are safe. Triggers refuse UPDATE, DELETE and TRUNCATE on the
events table, so even a plain psql session cannot rewrite history.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

import psycopg
from psycopg import sql

from goalplan.codec import GENESIS_HASH, NewEvent, RecordedEvent
from goalplan.errors import ConcurrencyError, GoalplanError, StoreError, StoreNotFoundError
from goalplan.logs import parameter_count, shorten
from goalplan.store.base import (
    APPEND_ONLY_MESSAGE,
    AppendResult,
    StoredKey,
    appended,
    chain_batch,
    check_batch,
    event_rows,
    retried_result,
)
from goalplan.store.checkpoints import CHECKPOINT_FIELDS, Checkpoint, checkpoint_from_row
from goalplan.store.projecting import READ_MODEL_TABLES, InlineProjections

_GUARDS = "".join(
    f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION goalplan_refuse_change();\n"
    f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION goalplan_refuse_change();\n"
    for table in ("checkpoints", "signing_keys", "goalplan_store")
)

# (version, name, SQL). Append new migrations; never edit one that has shipped.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "events table, append-only triggers",
        f"""
CREATE TABLE events (
    plan_id        text    NOT NULL,
    version        integer NOT NULL CHECK (version >= 1),
    position       bigint  NOT NULL CHECK (position >= 1),
    event_id       text    NOT NULL,
    recorded_at    text    NOT NULL,
    actor          text    NOT NULL,
    type           text    NOT NULL,
    schema_version integer NOT NULL,
    payload        text    NOT NULL,
    prev_hash      text    NOT NULL,
    hash           text    NOT NULL,
    PRIMARY KEY (plan_id, version),
    UNIQUE (plan_id, event_id)
);
CREATE UNIQUE INDEX events_position_key ON events (position);
CREATE INDEX events_event_id ON events (event_id);
CREATE INDEX events_stream_starts ON events (position) WHERE version = 1;
CREATE FUNCTION goalplan_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION goalplan_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION goalplan_refuse_change();
""",
    ),
    (
        2,
        "event ids unique store-wide, hash schemes, recorded_by (the database role), signed "
        "checkpoints, signing keys, store id",
        f"""
DROP INDEX events_event_id;
CREATE UNIQUE INDEX events_event_id_key ON events (event_id);
ALTER TABLE events ADD COLUMN hash_scheme integer NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN recorded_by text NOT NULL DEFAULT '';
CREATE FUNCTION goalplan_recorded_by() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.recorded_by := current_user;
    RETURN NEW;
END
$$;
CREATE TRIGGER events_recorded_by BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION goalplan_recorded_by();
CREATE TABLE checkpoints (
    position       bigint  PRIMARY KEY,
    first_position bigint  NOT NULL,
    plan_id        text    NOT NULL,
    version        integer NOT NULL,
    hash           text    NOT NULL,
    prior_plan_id  text    NOT NULL,
    prior_version  integer NOT NULL,
    prior_hash     text    NOT NULL,
    key_id         text    NOT NULL,
    signature      text    NOT NULL
);
CREATE INDEX checkpoints_plan ON checkpoints (plan_id);
CREATE INDEX checkpoints_prior_plan ON checkpoints (prior_plan_id);
CREATE TABLE signing_keys (
    key_id     text PRIMARY KEY,
    public_key text NOT NULL,
    label      text NOT NULL,
    added_at   text NOT NULL
);
CREATE TABLE goalplan_store (store_id text PRIMARY KEY);
INSERT INTO goalplan_store (store_id) VALUES (md5(random()::text || clock_timestamp()::text));
{_GUARDS}
""",
    ),
)
MIGRATIONS += (
    (
        3,
        "read models (plan_summaries, plan_dates, goal_index) and plan snapshots",
        READ_MODEL_TABLES
        + """
ALTER TABLE plan_summaries SET (fillfactor = 70);  -- room for in-page (HOT) updates
INSERT INTO read_model_state (name, fold_version)
SELECT 'read_models', 'none' WHERE EXISTS (SELECT 1 FROM events);
""",
    ),
    (
        4,
        "audit indexes, events_audit view with recorded_at as timestamptz, comments",
        """
-- Audit queries ask "what did this person record, and when": by actor and time, and by time.
-- recorded_at is fixed-width ISO 8601 UTC text, so its text order is its time order.
CREATE INDEX events_actor_recorded_at ON events (actor, recorded_at);
CREATE INDEX events_recorded_at ON events (recorded_at);

-- The log with recorded_at as a timestamptz, for SQL that wants times rather than text.
CREATE VIEW events_audit AS
SELECT position, plan_id, version, event_id, recorded_at::timestamptz AS recorded_at_tz,
       recorded_at, actor, type, schema_version, prev_hash, hash
FROM events;

COMMENT ON TABLE goalplan_migrations IS
    'Schema changes goalplan has applied, one row each; never edited.';
COMMENT ON COLUMN goalplan_migrations.version IS 'The migration''s number (1, 2, ...).';
COMMENT ON COLUMN goalplan_migrations.name IS 'What the migration did.';
COMMENT ON COLUMN goalplan_migrations.applied_at IS 'When it was applied.';

COMMENT ON TABLE events IS
    'The append-only log: every event of every plan. The only source of '
    'truth; UPDATE, DELETE and TRUNCATE are refused by triggers.';
COMMENT ON COLUMN events.plan_id IS 'The stream (plan) the event belongs to.';
COMMENT ON COLUMN events.version IS 'The event''s place in its plan, 1, 2, 3, ... without gaps.';
COMMENT ON COLUMN events.position IS
    'The event''s global position: 1, 2, 3, ... without gaps, in commit '
    'order.';
COMMENT ON COLUMN events.event_id IS
    'The event''s id, unique within its plan; resending it returns the '
    'original result.';
COMMENT ON COLUMN events.recorded_at IS
    'When it was recorded: UTC, ISO 8601 with microseconds and Z '
    '(events_audit has it as timestamptz).';
COMMENT ON COLUMN events.actor IS 'Who recorded it.';
COMMENT ON COLUMN events.type IS 'The event''s stable type tag (docs/events.md).';
COMMENT ON COLUMN events.schema_version IS
    'The payload''s schema version for its type; older ones are upcast when '
    'read.';
COMMENT ON COLUMN events.payload IS
    'The event''s fields as canonical JSON, exactly the text that was '
    'hashed.';
COMMENT ON COLUMN events.prev_hash IS
    'The hash of the plan''s previous event (64 zeros for the first).';
COMMENT ON COLUMN events.hash IS
    'SHA-256 over the canonical envelope, previous hash and payload: the '
    'chain goalplan verify checks.';

COMMENT ON VIEW events_audit IS
    'The log for audit queries, with recorded_at as timestamptz; no '
    'payloads.';


COMMENT ON TABLE plan_summaries IS
    'Read model, one row per plan (plan list); rewritten in each append''s '
    'transaction, rebuildable from events.';
COMMENT ON COLUMN plan_summaries.plan_id IS 'The plan.';
COMMENT ON COLUMN plan_summaries.first_position IS
    'Position of the plan''s first event (the caseload''s order).';
COMMENT ON COLUMN plan_summaries.last_position IS 'Position of the plan''s last event.';
COMMENT ON COLUMN plan_summaries.version IS 'The plan''s version (its event count).';
COMMENT ON COLUMN plan_summaries.foldable IS
    '1, or 0 if the plan''s log does not fold (readers then use the log).';
COMMENT ON COLUMN plan_summaries.client_name IS 'The client''s name.';
COMMENT ON COLUMN plan_summaries.clinician_name IS 'The clinician''s name.';
COMMENT ON COLUMN plan_summaries.opened_on IS 'The day the plan was opened (ISO date).';
COMMENT ON COLUMN plan_summaries.status IS
    'The FHIR CarePlan status: active, or completed once closed.';
COMMENT ON COLUMN plan_summaries.goals IS 'How many goals the plan has.';
COMMENT ON COLUMN plan_summaries.active_goals IS 'How many of them are active.';
COMMENT ON COLUMN plan_summaries.next_review_on IS 'The next review (ISO date), empty once closed.';

COMMENT ON TABLE plan_dates IS
    'Read model: the dates each plan''s calendar holds now (calendar --all, '
    'sync caldav --all).';
COMMENT ON COLUMN plan_dates.plan_id IS 'The plan.';
COMMENT ON COLUMN plan_dates.kind IS 'review or goal-target.';
COMMENT ON COLUMN plan_dates.ref IS 'The goal''s id for a goal target; empty for the review.';
COMMENT ON COLUMN plan_dates.due_on IS 'The date (ISO).';

COMMENT ON TABLE goal_index IS 'Read model: one row per goal of every plan.';
COMMENT ON COLUMN goal_index.plan_id IS 'The plan.';
COMMENT ON COLUMN goal_index.goal_id IS 'The goal.';
COMMENT ON COLUMN goal_index.statement IS 'The goal in the client''s words, as it stands now.';
COMMENT ON COLUMN goal_index.status IS 'The FHIR Goal.lifecycleStatus.';
COMMENT ON COLUMN goal_index.target_date IS 'The target date (ISO), if any.';
COMMENT ON COLUMN goal_index.focus IS 'The title of the goal''s focus area.';

COMMENT ON TABLE plan_snapshots IS
    'A plan''s folded state, a cache of the log: used only while its '
    'version, head hash and fold version match.';
COMMENT ON COLUMN plan_snapshots.plan_id IS 'The plan.';
COMMENT ON COLUMN plan_snapshots.version IS 'The version the state was folded to.';
COMMENT ON COLUMN plan_snapshots.head_hash IS 'The hash of the event at that version.';
COMMENT ON COLUMN plan_snapshots.fold_version IS 'A digest of the fold code that made the state.';
COMMENT ON COLUMN plan_snapshots.state IS 'The state as JSON.';

COMMENT ON TABLE read_model_state IS
    'Which fold code built the read models; another value makes goalplan '
    'rebuild them.';
COMMENT ON COLUMN read_model_state.name IS 'The read-model set (read_models).';
COMMENT ON COLUMN read_model_state.fold_version IS 'The fold code version that built it.';

COMMENT ON COLUMN events.hash_scheme IS 'How the event''s hash was computed (docs/events.md).';
COMMENT ON COLUMN events.recorded_by IS 'The database role that inserted the event (current_user).';
COMMENT ON TABLE checkpoints IS
    'A signed checkpoint for each append: its head and the event before it '
    'in the store.';
COMMENT ON COLUMN checkpoints.position IS 'Position of the append''s last event.';
COMMENT ON COLUMN checkpoints.first_position IS 'Position of the append''s first event.';
COMMENT ON COLUMN checkpoints.plan_id IS 'The plan appended to.';
COMMENT ON COLUMN checkpoints.version IS 'The plan''s version after the append.';
COMMENT ON COLUMN checkpoints.hash IS 'The hash of the append''s last event.';
COMMENT ON COLUMN checkpoints.prior_plan_id IS
    'The plan of the event just before the append in the store.';
COMMENT ON COLUMN checkpoints.prior_version IS 'That event''s version.';
COMMENT ON COLUMN checkpoints.prior_hash IS 'That event''s hash.';
COMMENT ON COLUMN checkpoints.key_id IS 'The signing key''s id.';
COMMENT ON COLUMN checkpoints.signature IS 'The Ed25519 signature over the checkpoint.';
COMMENT ON TABLE signing_keys IS 'Public keys of the installations that signed checkpoints here.';
COMMENT ON COLUMN signing_keys.key_id IS 'The key''s id.';
COMMENT ON COLUMN signing_keys.public_key IS 'The Ed25519 public key.';
COMMENT ON COLUMN signing_keys.label IS 'Where the key came from (user and host).';
COMMENT ON COLUMN signing_keys.added_at IS 'When it first signed here.';
COMMENT ON TABLE goalplan_store IS 'This store''s id, named in its checkpoints and witness file.';
COMMENT ON COLUMN goalplan_store.store_id IS 'The store''s id.';
""",
    ),
    (
        5,
        "the event id's comment says what migration 2 made it: unique in the whole store",
        """
COMMENT ON COLUMN events.event_id IS
    'The event''s id, unique in the whole store; resending it returns the '
    'original result.';
""",
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
DEFAULT_SCHEMA = "goalplan"  # used when the connection names no search path of its own

_COLUMNS = (
    "event_id, plan_id, version, position, recorded_at, actor, type, schema_version, payload, prev_hash, "
    "hash, hash_scheme, recorded_by"
)
# recorded_by is not given: a trigger sets it to the database role, whatever the client says.
_INSERT = (
    "INSERT INTO events (position, event_id, plan_id, version, recorded_at, actor, type, "
    "schema_version, payload, prev_hash, hash, hash_scheme) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
_CHECKPOINT_COLUMNS = ", ".join(CHECKPOINT_FIELDS[1:])
_LOCK = "SELECT pg_advisory_xact_lock(%s)"

P = ParamSpec("P")
R = TypeVar("R")


def _connection_errors(
    method: Callable[Concatenate[PostgresStore, P], R],
) -> Callable[Concatenate[PostgresStore, P], R]:
    """A lost or refused connection becomes one sentence, not a traceback."""

    @functools.wraps(method)
    def wrapper(self: PostgresStore, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except psycopg.Error as exc:  # lost connection, missing privilege (a read-only role), ...
            raise StoreError(f"the PostgreSQL store failed: {_first_line(exc)}") from None

    return wrapper


def lock_key(*parts: str) -> int:
    """A signed 64-bit advisory-lock key; the schema is part of it, so schemas never contend."""
    digest = hashlib.sha256("\x1f".join(("goalplan", *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


_log = logging.getLogger(__name__)


class _TracedCursor(psycopg.Cursor[tuple[Any, ...]]):
    """Logs each statement sent to the server at debug (installed only while debug is on)."""

    def _trace(self, query: Any, what: str) -> None:
        text = query if isinstance(query, str | bytes) else query.as_string(self.connection)
        _log.debug("sql %s: %s", what, shorten(text if isinstance(text, str) else text.decode()))

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        self._trace(query, f"{parameter_count(params)} parameter(s)")
        return super().execute(query, params, **kwargs)

    def executemany(self, query: Any, params_seq: Any, **kwargs: Any) -> None:
        rows = params_seq if isinstance(params_seq, list | tuple) else list(params_seq)
        self._trace(query, f"{len(rows)} row(s)")
        super().executemany(query, rows, **kwargs)


def _refuse_shared_event_ids(conn: psycopg.Connection[tuple[Any, ...]], schema: str) -> None:
    """Migration 2 makes event ids unique store-wide; a 0.1.0 store may hold one id in two plans.

    Said in one sentence before the unique index would fail with the server's own words; the
    migration's transaction then rolls back, so the store stays as it was.
    """
    shared = conn.execute(
        "SELECT event_id, array_agg(DISTINCT plan_id ORDER BY plan_id) FROM events"
        " GROUP BY event_id HAVING count(DISTINCT plan_id) > 1 ORDER BY event_id LIMIT 6"
    ).fetchall()
    if not shared:
        return
    named = "; ".join(f"{event_id} in plans {', '.join(plans)}" for event_id, plans in shared[:5])
    more = " and more" if len(shared) > 5 else ""
    raise StoreError(
        f"cannot upgrade the PostgreSQL store in schema {schema}: from this version an event id must "
        f"be unique in the whole store, but the same id is stored in more than one plan ({named}{more}); "
        "nothing was changed. Keep this store with the goalplan that wrote it, or move all but one of "
        "each of those plans to another store with it, then open this one again."
    )


class PostgresStore(InlineProjections):
    _bulk = False
    _pending_witness: Checkpoint | None = None

    def __init__(
        self, url: str, *, connect_timeout: int = 10, signing: bool = True, create: bool = True
    ) -> None:
        self.url = url
        self.signing = signing
        try:
            self._conn: psycopg.Connection[tuple[Any, ...]] = psycopg.connect(
                url, autocommit=True, connect_timeout=connect_timeout
            )
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to the PostgreSQL store: {_first_line(exc)}") from None
        if _log.isEnabledFor(logging.DEBUG):  # checked once: no cost per statement when off
            self._conn.cursor_factory = _TracedCursor
        try:
            if not create and self._applied_version(self._target_schema()) is None:
                self._conn.close()
                raise StoreNotFoundError(
                    "no goalplan store in this PostgreSQL database and schema; "
                    "`goalplan plan open` creates one."
                )
            self.schema = self._migrate()
            row = self._conn.execute("SELECT current_schema()").fetchone()
            if row is None or row[0] != self.schema:
                self._conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
            row = self._conn.execute("SELECT store_id FROM goalplan_store").fetchone()
            self._positions_key = lock_key("positions", self.schema)
            self.store_id = str(row[0]) if row else ""
            self._init_projections()
            self._ensure_read_models()
        except psycopg.Error as exc:
            self._conn.close()
            raise StoreError(f"cannot set up the PostgreSQL store: {_first_line(exc)}") from None
        except BaseException:
            self._conn.close()
            raise

    # schema ----------------------------------------------------------------------------------

    def _migrate(self) -> str:
        """Create or upgrade the tables; returns the schema they live in."""
        conn = self._conn
        schema = self._target_schema()
        if self._applied_version(schema) == SCHEMA_VERSION:
            return schema
        adopted = None
        with conn.transaction():
            conn.execute(_LOCK, (lock_key("migrate", schema),))
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(schema)))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS goalplan_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            applied = {row[0] for row in conn.execute("SELECT version FROM goalplan_migrations")}
            _refuse_newer(schema, applied)
            for version, name, statements in MIGRATIONS:
                if version in applied:
                    continue
                if version == 2 and 1 in applied:
                    _refuse_shared_event_ids(conn, schema)
                conn.execute(statements)
                conn.execute(
                    "INSERT INTO goalplan_migrations (version, name) VALUES (%s, %s)", (version, name)
                )
                if version == 2 and 1 in applied:
                    adopted = self._adopt()
        self._witness(adopted)
        return schema

    def _adopt(self) -> Checkpoint | None:
        """Sign each plan's head as the upgrade found it, so a 0.1.0 log is covered from here on."""
        row = self._conn.execute("SELECT store_id FROM goalplan_store").fetchone()
        self.store_id = str(row[0]) if row else ""
        heads = self._conn.execute(
            "SELECT plan_id, max(position) FROM events GROUP BY plan_id ORDER BY max(position)"
        ).fetchall()
        last = None
        for plan_id, position in heads:
            rows = self._conn.execute(
                "SELECT position, event_id, plan_id, version, recorded_at, actor, type, schema_version,"
                " payload, prev_hash, hash FROM events WHERE position = %s",
                (position,),
            ).fetchall()
            last = self._seal(plan_id, rows, self._prior(int(position)))
            self._insert_checkpoint(last)
        return last

    def _target_schema(self) -> str:
        """The schema the tables live in (created if missing).

        The first schema named on a search path the connection gives; with libpq's default
        search path, ``goalplan``, unless ``public`` already holds goalplan's tables (a
        database made before that default), which then stays where it is.
        """
        path_row = self._conn.execute("SHOW search_path").fetchone()
        if path_row is not None and str(path_row[0]).replace(" ", "") == '"$user",public':
            legacy = self._conn.execute(
                "SELECT to_regclass('public.goalplan_migrations') IS NOT NULL"
            ).fetchone()
            return "public" if legacy and legacy[0] else DEFAULT_SCHEMA
        row = self._conn.execute("SELECT current_schema()").fetchone()
        if row is not None and row[0] is not None:
            return str(row[0])
        path_row = self._conn.execute("SHOW search_path").fetchone()
        for entry in str(path_row[0] if path_row else "").split(","):
            name = entry.strip()
            if name.startswith('"') and name.endswith('"') and len(name) >= 2:
                name = name[1:-1].replace('""', '"')
            if name and name != "$user":
                return name
        return "public"

    def _applied_version(self, schema: str) -> int | None:
        table = sql.Identifier(schema, "goalplan_migrations")
        exists = self._conn.execute(
            "SELECT to_regclass(%s) IS NOT NULL", (table.as_string(self._conn),)
        ).fetchone()
        if not exists or not exists[0]:
            return None
        row = self._conn.execute(sql.SQL("SELECT max(version) FROM {}").format(table)).fetchone()
        applied = None if row is None or row[0] is None else int(row[0])
        if applied is not None:
            _refuse_newer(schema, {applied})
        return applied

    # writing ---------------------------------------------------------------------------------

    @_connection_errors
    def append(
        self,
        plan_id: str,
        events: Sequence[NewEvent],
        expected_version: int,
        *,
        expect_hashes: Sequence[str] | None = None,
    ) -> AppendResult:
        check_batch(plan_id, events, expect_hashes)
        if not events:
            return AppendResult(plan_id, (), ())
        conn = self._conn
        with conn.transaction():
            # Per-plan work, serialised only against writers of the same plan (the reads below are
            # separate statements, so their snapshots include the last commit to this plan).
            conn.execute(_LOCK, (lock_key("stream", self.schema, plan_id),))
            stored = self._already_stored(plan_id, events)
            if stored is not None:
                return stored
            row = conn.execute(
                "SELECT version, hash FROM events WHERE plan_id = %s ORDER BY version DESC LIMIT 1",
                (plan_id,),
            ).fetchone()
            current, head = (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)
            if current != expected_version:
                raise ConcurrencyError(plan_id, expected_version, current)
            links = chain_batch(plan_id, events, current, head, expect_hashes)
            # Position assignment: one lock for the whole store, held until this commit. The
            # max() must be its own statement after the lock: in READ COMMITTED each statement
            # takes its snapshot when it starts, so only then does it see the previous commit.
            conn.execute(_LOCK, (self._positions_key,))
            last_row = conn.execute("SELECT COALESCE(max(position), 0) FROM events").fetchone()
            last_position = int(last_row[0]) if last_row else 0
            rows = event_rows(plan_id, events, links, last_position)
            with conn.cursor() as cursor:
                cursor.executemany(_INSERT, rows)
            self._project(plan_id, (current, head), rows)
            checkpoint = self._seal(plan_id, rows, self._prior(rows[0][0]))
            self._insert_checkpoint(checkpoint)
        if self._bulk:
            self._pending_witness = checkpoint or self._pending_witness
        else:
            self._key_registered = self._key_registered or checkpoint is not None
            self._witness(checkpoint)
        return appended(plan_id, rows)

    def _prior(self, first_position: int) -> tuple[str, int, str] | None:
        row = self._conn.execute(
            "SELECT plan_id, version, hash FROM events WHERE position = %s", (first_position - 1,)
        ).fetchone()
        return None if row is None else (str(row[0]), int(row[1]), str(row[2]))

    def _insert_checkpoint(self, checkpoint: Checkpoint | None) -> None:
        if checkpoint is None:
            return
        key_row = self._key_row()
        if key_row is not None:
            self._conn.execute(
                "INSERT INTO signing_keys VALUES (%s, %s, %s, %s) ON CONFLICT (key_id) DO NOTHING", key_row
            )
        self._conn.execute(
            f"INSERT INTO checkpoints ({_CHECKPOINT_COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            checkpoint.row(),
        )

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Appends inside this block commit together or not at all (log import)."""
        self._bulk = True
        self._pending_witness = None
        try:
            with self._conn.transaction():
                yield
        finally:
            self._bulk = False
        self._key_registered = self._key_registered or self._pending_witness is not None
        self._witness(self._pending_witness)

    def _already_stored(self, plan_id: str, events: Sequence[NewEvent]) -> AppendResult | None:
        ids = [e.event_id for e in events]
        found: dict[str, tuple[str, int, int]] = {
            event_id: (pid, int(version), int(position))
            for event_id, pid, version, position in self._conn.execute(
                "SELECT event_id, plan_id, version, position FROM events WHERE event_id = ANY(%s)", (ids,)
            )
        }
        return retried_result(plan_id, ids, found)

    # reading ---------------------------------------------------------------------------------

    @_connection_errors
    def read_stream(self, plan_id: str, from_version: int = 1) -> list[RecordedEvent]:
        cursor = self._conn.execute(
            f"SELECT {_COLUMNS} FROM events WHERE plan_id = %s AND version >= %s ORDER BY version",
            (plan_id, from_version),
        )
        return [RecordedEvent._make(row) for row in cursor]

    @_connection_errors
    def read_all(self, from_position: int = 1, limit: int | None = None) -> list[RecordedEvent]:
        cursor = self._conn.execute(
            f"SELECT {_COLUMNS} FROM events WHERE position >= %s ORDER BY position LIMIT %s",
            (from_position, limit),
        )
        return [RecordedEvent._make(row) for row in cursor]

    @_connection_errors
    def stream_version(self, plan_id: str) -> int:
        row = self._conn.execute(
            "SELECT COALESCE(max(version), 0) FROM events WHERE plan_id = %s", (plan_id,)
        ).fetchone()
        return int(row[0]) if row else 0

    @_connection_errors
    def plan_ids(self, prefix: str = "") -> list[str]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        cursor = self._conn.execute(
            "SELECT plan_id FROM events WHERE version = 1 AND plan_id LIKE %s ESCAPE %s ORDER BY position",
            (escaped + "%", "\\"),
        )
        return [str(row[0]) for row in cursor]

    @_connection_errors
    def head_position(self) -> int:
        row = self._conn.execute("SELECT COALESCE(max(position), 0) FROM events").fetchone()
        return int(row[0]) if row else 0

    def latest_recorded_at(self) -> str:
        row = self._conn.execute("SELECT COALESCE(max(recorded_at), '') FROM events").fetchone()
        return str(row[0]) if row else ""

    def close(self) -> None:
        self._conn.close()

    # primitives for the inline projections ---------------------------------------------------

    def _execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._conn.execute(statement.replace("?", "%s"), params)

    def _executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._conn.cursor() as cursor:
            cursor.executemany(statement.replace("?", "%s"), rows)

    def _query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._conn.execute(statement.replace("?", "%s"), params).fetchall()

    def _refused_write(self, exc: BaseException) -> bool:
        return isinstance(exc, psycopg.errors.InsufficientPrivilege | psycopg.errors.ReadOnlySqlTransaction)

    @contextmanager
    def _plan_transaction(self, plan_id: str) -> Iterator[None]:
        with self._conn.transaction():
            self._conn.execute(_LOCK, (lock_key("stream", self.schema, plan_id),))
            yield

    @contextmanager
    def _store_transaction(self) -> Iterator[None]:
        with self._conn.transaction():
            self._conn.execute(_LOCK, (lock_key("rebuild", self.schema),))
            yield

    # checkpoints -----------------------------------------------------------------------------

    @_connection_errors
    def read_checkpoints(self, from_position: int = 1, limit: int | None = None) -> list[Checkpoint]:
        cursor = self._conn.execute(
            f"SELECT {_CHECKPOINT_COLUMNS} FROM checkpoints WHERE position >= %s ORDER BY position LIMIT %s",
            (from_position, limit),
        )
        return [checkpoint_from_row(self.store_id, row) for row in cursor]

    @_connection_errors
    def plan_checkpoints(self, plan_id: str) -> list[Checkpoint]:
        cursor = self._conn.execute(
            f"SELECT {_CHECKPOINT_COLUMNS} FROM checkpoints WHERE plan_id = %s OR prior_plan_id = %s"
            " ORDER BY position",
            (plan_id, plan_id),
        )
        return [checkpoint_from_row(self.store_id, row) for row in cursor]

    @_connection_errors
    def event_at(self, position: int) -> RecordedEvent | None:
        row = self._conn.execute(f"SELECT {_COLUMNS} FROM events WHERE position = %s", (position,)).fetchone()
        return None if row is None else RecordedEvent._make(row)

    @_connection_errors
    def stored_keys(self) -> list[StoredKey]:
        cursor = self._conn.execute(
            "SELECT key_id, public_key, label, added_at FROM signing_keys ORDER BY added_at"
        )
        return [StoredKey(*row) for row in cursor]


def _refuse_newer(schema: str, applied: set[int]) -> None:
    newest = max(applied, default=0)
    if newest > SCHEMA_VERSION:
        raise GoalplanError(
            f"the PostgreSQL schema {schema!r} is at goalplan schema version {newest}, newer than "
            f"the version {SCHEMA_VERSION} this goalplan knows; upgrade goalplan."
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
