"""The PostgreSQL store, for practices that outgrow one machine (psycopg 3).

An append runs in two transactions ("group sequencing", docs/scaling.md). The write phase, under
a lock on its plan alone, folds, checks the expected version, hashes, inserts the events without
a position and records a claim signed with the writer's key; it commits without waiting for the
disk. The sequence phase, under one store-wide lock, gives every validly claimed pending append
the next positions, seals each with its signed checkpoint and commits durably, so one fsync
covers a group of appends. Readers see only numbered events, and numbers become visible in
order, so a catch-up reader that has seen position p never later finds an event below p.

The tables live in the first schema on the connection's search path; give
``?options=-csearch_path%3Dmyschema`` in the URL to use another schema. goalplan creates and
versions them itself (table goalplan_migrations), under an advisory lock, so two processes
opening a fresh database at once are safe. Triggers refuse DELETE and TRUNCATE on the events
table, and every UPDATE but a pending event receiving its position, so even a plain psql
session cannot rewrite history.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, Concatenate, ParamSpec, TypeVar, overload

import psycopg
from attrs import frozen
from psycopg import sql

from goalplan.codec import GENESIS_HASH, NewEvent, RecordedEvent
from goalplan.errors import ConcurrencyError, GoalplanError, IntegrityError, StoreError, StoreNotFoundError
from goalplan.logs import parameter_count, shorten
from goalplan.store.base import (
    APPEND_ONLY_MESSAGE,
    AppendResult,
    StoredKey,
    chain_batch,
    check_batch,
    event_rows,
    retried_result,
)
from goalplan.store.checkpoints import CHECKPOINT_FIELDS, Checkpoint, checkpoint_from_row, seal_span
from goalplan.store.claims import Claim, claim_holds, sign_claim
from goalplan.store.keys import load_key, trusted_keys
from goalplan.store.projecting import READ_MODEL_TABLES, InlineProjections

_GUARDS = "".join(
    f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION goalplan_refuse_change();\n"
    f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION goalplan_refuse_change();\n"
    for table in ("checkpoints", "signing_keys", "goalplan_store")
)

# Also the body of migration 7's goalplan_try_claims: a change here needs a new migration.
_CLAIMS_QUERY = """
WITH top AS (
    SELECT position, plan_id, version, hash FROM events
    WHERE position IS NOT NULL ORDER BY position DESC NULLS LAST LIMIT 1
)
SELECT c.seq, c.plan_id, c.first_version, c.last_version, c.hash, c.key_id, c.signature,
    (SELECT count(*) FROM events AS e WHERE e.plan_id = c.plan_id
        AND e.version BETWEEN c.first_version AND c.last_version AND e.position IS NULL),
    COALESCE((SELECT e.hash FROM events AS e WHERE e.plan_id = c.plan_id
        AND e.version = c.last_version) = c.hash, false),
    c.first_version = 1 OR (SELECT e.position FROM events AS e WHERE e.plan_id = c.plan_id
        AND e.version = c.first_version - 1) IS NOT NULL,
    top.position, top.plan_id, top.version, top.hash
FROM append_claims AS c LEFT JOIN top ON true
ORDER BY c.seq
"""
_STALE_HEAD = "GP409"  # SQLSTATE goalplan_begin_append raises when the plan's head moved

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
MIGRATIONS += (
    (
        6,
        "group sequencing: position assigned after the write, signed append claims",
        """
ALTER TABLE events ALTER COLUMN position DROP NOT NULL;
-- Pending (NULL) entries first, so the sequencer's "last sealed event" (a backward scan) meets
-- the highest position at once, not the pending and not-yet-vacuumed entries.
DROP INDEX events_position_key;
CREATE UNIQUE INDEX events_position_key ON events (position NULLS FIRST);
CREATE INDEX events_pending ON events (plan_id, version) WHERE position IS NULL;
-- The one change an event may undergo: a pending event receives its position, nothing else.
DROP TRIGGER events_no_update ON events;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION goalplan_refuse_change();
CREATE TRIGGER events_no_update BEFORE UPDATE ON events FOR EACH ROW
    WHEN (OLD.position IS NOT NULL OR NEW.position IS NULL
          OR (to_jsonb(OLD) - 'position') IS DISTINCT FROM (to_jsonb(NEW) - 'position'))
    EXECUTE FUNCTION goalplan_refuse_change();
CREATE TABLE append_claims (
    seq           bigserial PRIMARY KEY,
    plan_id       text    NOT NULL,
    first_version integer NOT NULL,
    last_version  integer NOT NULL,
    hash          text    NOT NULL,
    key_id        text    NOT NULL,
    signature     text    NOT NULL
);
CREATE INDEX append_claims_plan ON append_claims (plan_id, last_version);
COMMENT ON COLUMN events.position IS
    'The event''s global position: 1, 2, 3, ... without gaps, in sealing '
    'order; NULL while its append waits for the sequencer (readers skip it).';
COMMENT ON TABLE append_claims IS
    'Appends written but not yet given positions, each signed by its writer; '
    'the sequencer seals and removes them.';
COMMENT ON COLUMN append_claims.seq IS 'The order claims were made in.';
COMMENT ON COLUMN append_claims.plan_id IS 'The plan appended to.';
COMMENT ON COLUMN append_claims.first_version IS 'The append''s first version.';
COMMENT ON COLUMN append_claims.last_version IS 'The append''s last version.';
COMMENT ON COLUMN append_claims.hash IS 'The hash of the append''s last event.';
COMMENT ON COLUMN append_claims.key_id IS 'The key that signed the claim (empty when unsigned).';
COMMENT ON COLUMN append_claims.signature IS 'The Ed25519 signature over the claim.';
""",
    ),
)
MIGRATIONS += (
    (
        7,
        "goalplan_begin_append: an append's lock and head check in one statement",
        f"""
-- The first statement of an append whose writer already knows the plan's head (its last append
-- to the plan, kept in memory): commit without waiting for the disk (group sequencing), take
-- the plan's lock, then check that the head is still that sealed event. Anything else raises
-- {_STALE_HEAD!r}, the transaction rolls back, and the writer reads the head and starts over.
-- So the whole write phase goes to the server in one round trip; the hashes, the claim and its
-- signature are still made by the writer.
CREATE FUNCTION goalplan_begin_append(lock_key bigint, plan text, expected integer, head text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    found_version integer;
    found_hash text;
    found_position bigint;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    PERFORM pg_advisory_xact_lock(lock_key);
    -- A statement of its own after the lock: READ COMMITTED gives it a snapshot taken now.
    SELECT e.version, e.hash, e.position INTO found_version, found_hash, found_position
    FROM events AS e WHERE e.plan_id = plan ORDER BY e.version DESC LIMIT 1;
    IF COALESCE(found_version, 0) <> expected
       OR (expected > 0 AND (found_hash IS DISTINCT FROM head OR found_position IS NULL)) THEN
        RAISE EXCEPTION 'plan % is not at version % with the head its writer expected', plan, expected
            USING ERRCODE = '{_STALE_HEAD}';
    END IF;
END
$$;
-- The sequencer's first statement: try the store-wide positions lock; only if it was taken,
-- read the claims. The claims query is a statement of its own, after the lock (a volatile
-- function takes a new snapshot for each statement), so it sees every seal committed before.
CREATE FUNCTION goalplan_try_claims(lock_key bigint)
RETURNS TABLE (taken boolean, seq bigint, plan_id text, first_version integer, last_version integer,
    hash text, key_id text, signature text, waiting bigint, ends_at_head boolean, after_sealed boolean,
    top_position bigint, top_plan_id text, top_version integer, top_hash text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    IF NOT pg_try_advisory_xact_lock(lock_key) THEN
        taken := false;
        RETURN NEXT;
        RETURN;
    END IF;
    RETURN QUERY SELECT true, q.* FROM ({_CLAIMS_QUERY}) AS q ORDER BY q.seq;
END
$$;
COMMENT ON FUNCTION goalplan_try_claims(bigint) IS
    'The sequencer''s first step: the positions lock if free, then the pending claims.';
COMMENT ON FUNCTION goalplan_begin_append(bigint, text, integer, text) IS
    'Starts an append: asynchronous commit, the plan''s lock, and a check that the plan''s head '
    'is the sealed event the writer expects (else SQLSTATE {_STALE_HEAD}).';
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
# Phase 1 leaves position NULL; the sequencer sets it (the only UPDATE the trigger allows).
_INSERT_PENDING = (
    "INSERT INTO events (event_id, plan_id, version, recorded_at, actor, type, "
    "schema_version, payload, prev_hash, hash, hash_scheme) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
_LOCK_ASYNC = "SELECT set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock(%s)"
_RETRY_AND_HEAD = """
SELECT event_id, plan_id, version, position, hash, true FROM events WHERE event_id = ANY(%s)
UNION ALL
(SELECT event_id, plan_id, version, position, hash, false FROM events WHERE plan_id = %s
 ORDER BY version DESC LIMIT 1)
"""
_UNLOCK_AND_POSITIONS = (
    "SELECT pg_advisory_unlock_shared(%s), (SELECT array_agg(position ORDER BY version) FROM events "
    "WHERE plan_id = %s AND version BETWEEN %s AND %s)"
)
# Try the positions lock and, only if it was taken, read the claims, in one statement (so that
# it can follow an append's write phase in the same round trip): (taken, *a claim's row).
_TRY_LOCK_AND_CLAIMS = "SELECT * FROM goalplan_try_claims(%s)"
# One round trip seals a group: positions, the plans' read-model positions, the claims, the
# checkpoints. Data-modifying CTEs all run against the same snapshot, and touch different rows.
_SEAL_STATEMENT = f"""
WITH positioned AS (
    UPDATE events AS e SET position = v.position
    FROM unnest(%s::text[], %s::integer[], %s::bigint[]) AS v(plan_id, version, position)
    WHERE e.plan_id = v.plan_id AND e.version = v.version
    RETURNING 1
), summarised AS (
    UPDATE plan_summaries AS s SET
        last_position = CASE WHEN s.version = v.version THEN v.last_position ELSE s.last_position END,
        first_position = CASE WHEN v.first_position > 0 THEN v.first_position ELSE s.first_position END
    FROM unnest(%s::text[], %s::integer[], %s::bigint[], %s::bigint[])
        AS v(plan_id, version, last_position, first_position)
    WHERE s.plan_id = v.plan_id
    RETURNING 1
), done AS (
    DELETE FROM append_claims WHERE seq = ANY(%s::bigint[]) RETURNING 1
)
INSERT INTO checkpoints ({", ".join(CHECKPOINT_FIELDS[1:])})
SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::integer[], %s::text[], %s::text[],
    %s::integer[], %s::text[], %s::text[], %s::text[])
"""
_WAIT_FOR_SEQUENCER = 10.0  # seconds an append waits for another installation to seal before it
_CHECKPOINT_COLUMNS = ", ".join(CHECKPOINT_FIELDS[1:])
_BEGIN_APPEND = "SELECT goalplan_begin_append(%s, %s, %s, %s)"
_INSERT_CLAIM = (
    "INSERT INTO append_claims (plan_id, first_version, last_version, hash, key_id, signature) "
    "VALUES (%s, %s, %s, %s, %s, %s)"
)
_LOCK = "SELECT pg_advisory_xact_lock(%s)"
_TRY_LOCK = "SELECT pg_try_advisory_xact_lock(%s)"
_REGISTER_KEY = "INSERT INTO signing_keys VALUES (%s, %s, %s, %s) ON CONFLICT (key_id) DO NOTHING"

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


@frozen
class _Written:
    """An append stored by phase 1: its plan and versions, awaiting positions."""

    plan_id: str
    first_version: int
    last_version: int
    duplicate: bool = False


def _queue_pending(
    cursor: psycopg.Cursor[Any],
    key_row: tuple[str, str, str, str] | None,
    rows: Sequence[Sequence[Any]],
    claim: Claim,
) -> None:
    """The write phase's statements, queued in the caller's pipeline: this installation's key
    the first time, the events without positions, their claim."""
    if key_row is not None:
        cursor.execute(_REGISTER_KEY, key_row)
    cursor.executemany(_INSERT_PENDING, [r[1:] for r in rows])
    cursor.execute(_INSERT_CLAIM, _claim_row(claim))


def _claim_row(claim: Claim) -> tuple[str, int, int, str, str, str]:
    return claim.plan_id, claim.first_version, claim.last_version, claim.hash, claim.key_id, claim.signature


def _span(written: _Written) -> tuple[str, int, int]:
    return written.plan_id, written.first_version, written.last_version


class PostgresStore(InlineProjections):
    _bulk = False
    _writing = False  # inside phase 1: reads include this plan's pending events
    _trusted: dict[str, str] | None = None
    _pending_witness: Checkpoint | None = None

    def __init__(
        self, url: str, *, connect_timeout: int = 10, signing: bool = True, create: bool = True
    ) -> None:
        self.url = url
        self._own_claims: dict[tuple[str, int], Claim] = {}  # claims of the append under way
        self._untrusted_held: set[str] = set()  # plans the last seal left behind an untrusted claim
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
        if self._bulk:  # one transaction for the whole import: write and sequence inside it
            try:
                written = self._write_phase(plan_id, events, expected_version, expect_hashes)
                if isinstance(written, AppendResult):
                    return written
                self._conn.execute(_LOCK, (self._positions_key,))
                sealed, _ = self._sequence_locked()
            finally:
                self._own_claims.clear()
            self._pending_witness = sealed or self._pending_witness
            result = self._positioned(written)
            if result is None:
                raise StoreError(
                    f"plan {plan_id}: the append waits behind an earlier event that has no claim this "
                    "installation trusts (`goalplan verify` names it)."
                )
            return result
        try:
            head = self._known_head(plan_id, expected_version)
            if head is not None:
                result = self._append_known_head(plan_id, events, head, expect_hashes)
                if result is not None:
                    return result
            with self._conn.transaction():
                written = self._write_phase(plan_id, events, expected_version, expect_hashes, durable=False)
            if isinstance(written, AppendResult):
                return written
            self._key_registered = self._key_registered or self.signing
            return self._sequence_own(written)
        finally:
            self._own_claims.clear()

    def _known_head(self, plan_id: str, expected_version: int) -> tuple[int, str] | None:
        """(version, hash) the plan's head should be at, when this handle knows it without asking:
        a new plan, or the plan as this handle's last append to it left it."""
        if expected_version == 0:
            return 0, GENESIS_HASH
        cached = self._states.get(plan_id)
        if cached is not None and cached.state.version == expected_version:
            return expected_version, cached.state.head_hash
        return None

    def _append_known_head(
        self,
        plan_id: str,
        events: Sequence[NewEvent],
        head: tuple[int, str],
        expect_hashes: Sequence[str] | None,
    ) -> AppendResult | None:
        """Both phases in two round trips, for a plan whose head this handle knows.

        The first carries the whole write phase (goalplan_begin_append's lock and head check,
        the read-model rows, the events, the claim, an asynchronous commit) and, behind it, the
        start of the sequence phase (try the positions lock, read the claims); the second seals
        and commits durably. None, with nothing written, when the head was not the one expected
        or an event id is already stored: the caller then takes the path that reads the head
        (a retry, ConcurrencyError, another writer's append).
        """
        conn = self._conn
        current, head_hash = head
        links = chain_batch(plan_id, events, current, head_hash, expect_hashes)
        rows = [(0, *r[1:]) for r in event_rows(plan_id, events, links, 0)]
        claim = self._claim(plan_id, current + 1, current + len(events), links[-1][2])
        key_row = self._key_row()
        written = _Written(plan_id, current + 1, current + len(events))
        try:
            with conn.pipeline(), conn.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute(_BEGIN_APPEND, (lock_key("stream", self.schema, plan_id), plan_id, *head))
                self._writing = True
                try:
                    self._project(plan_id, head, rows, events)  # positions 0 until the sequencer sets them
                finally:
                    self._writing = False
                _queue_pending(cursor, key_row, rows, claim)
                cursor.execute("COMMIT")
                cursor.execute("BEGIN")
                claims = conn.execute(_TRY_LOCK_AND_CLAIMS, (self._positions_key,))
                found = claims.fetchall()
        except psycopg.Error as exc:
            self._rollback()
            if exc.sqlstate == _STALE_HEAD or isinstance(exc, psycopg.errors.UniqueViolation):
                self._states.pop(plan_id, None)  # rolled back: the state this handle folded was never stored
                if conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
                    return None
            raise
        except BaseException:
            self._rollback()
            self._states.pop(plan_id, None)
            raise
        self._key_registered = self._key_registered or self.signing
        if not (found and found[0][0]):
            # Another writer is sealing: end the empty transaction and wait for it, as below.
            self._rollback()
            return self._await_sealer(written) or self._sequence_own(written)
        pending = [row[1:] for row in found if row[1] is not None]
        try:
            with conn.pipeline():
                checkpoint, mine = self._seal_claims(pending, written)
                conn.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        if checkpoint is not None:
            self._witness(checkpoint)
        if mine:
            return self._result(written, mine)
        return self._positioned(written) or self._sequence_own(written)

    def _rollback(self) -> None:
        """End whatever transaction a failed pipeline left open (nothing if the connection is gone)."""
        with suppress(psycopg.Error):
            if self._conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                self._conn.execute("ROLLBACK")

    def _claim(self, plan_id: str, first_version: int, last_version: int, head: str) -> Claim:
        """This append's claim, signed, and remembered so that this handle's sealer need not
        verify its own signature a moment later."""
        claim = sign_claim(
            self.signing_key() if self.signing else None,
            self.store_id,
            plan_id,
            first_version,
            last_version,
            head,
        )
        self._own_claims[(plan_id, first_version)] = claim
        return claim

    def _write_phase(
        self,
        plan_id: str,
        events: Sequence[NewEvent],
        expected_version: int,
        expect_hashes: Sequence[str] | None,
        *,
        durable: bool = True,
    ) -> AppendResult | _Written:
        """Store the events without positions, under this plan's lock only, beside a signed claim.

        With ``durable=False`` the transaction commits asynchronously: it does not wait for its
        WAL to reach disk. That is safe only because append() returns after phase 2's
        synchronous commit, and PostgreSQL flushes WAL in order: the sequencer saw this commit,
        so its own commit record lies after this one, and flushing it flushes this one too. A
        crash before that loses at most an append nobody was told of.
        """
        conn = self._conn
        stream_lock = lock_key("stream", self.schema, plan_id)
        if durable:
            conn.execute(_LOCK, (stream_lock,))
        else:
            conn.execute(_LOCK_ASYNC, (stream_lock,))
        ids = [e.event_id for e in events]
        # After the lock, in a statement of its own (READ COMMITTED: its snapshot starts now): the
        # ids already stored (a retry), then the plan's head.
        found: dict[str, tuple[str, int, int | None]] = {}
        row = None
        for event_id, pid, version, position, digest, retry in conn.execute(_RETRY_AND_HEAD, (ids, plan_id)):
            if retry:
                found[str(event_id)] = (str(pid), int(version), position)
            else:
                row = (version, digest, position)
        if found:
            retried = retried_result(plan_id, ids, {k: (p, v, n or 0) for k, (p, v, n) in found.items()})
            if retried is not None and all(position is not None for _, _, position in found.values()):
                return retried
            versions = sorted(v for _, v, _ in found.values())
            return _Written(plan_id, versions[0], versions[-1], duplicate=True)
        current, head = (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)
        if row is not None and row[2] is None:
            self._refuse_unclaimed_head(plan_id, current)
        if current != expected_version:
            raise ConcurrencyError(plan_id, expected_version, current)
        links = chain_batch(plan_id, events, current, head, expect_hashes)
        rows = [(0, *r[1:]) for r in event_rows(plan_id, events, links, 0)]
        self._writing = True
        try:
            self._project(plan_id, (current, head), rows, events)  # positions 0 until the sequencer sets them
        finally:
            self._writing = False
        claim = self._claim(plan_id, current + 1, current + len(events), links[-1][2])
        key_row = self._key_row()  # registered by the writer, whoever seals its appends
        with conn.pipeline(), conn.cursor() as cursor:  # the events and their claim, one round trip
            _queue_pending(cursor, key_row, rows, claim)
        return _Written(plan_id, current + 1, current + len(events))

    def _refuse_unclaimed_head(self, plan_id: str, version: int) -> None:
        """A pending head no claim covers was put there outside goalplan: build nothing on it."""
        # One statement, so one snapshot: a sequencer commits the position and drops the claim
        # together, and this sees either both before or both after.
        row = self._conn.execute(
            "SELECT EXISTS (SELECT 1 FROM append_claims WHERE plan_id = %s AND first_version <= %s "
            "AND last_version >= %s) OR EXISTS (SELECT 1 FROM events WHERE plan_id = %s AND version = %s "
            "AND position IS NOT NULL)",
            (plan_id, version, version, plan_id, version),
        ).fetchone()
        if not (row and row[0]):
            raise IntegrityError(
                f"plan {plan_id} version {version} waits in the store without a signed claim: it "
                "was added outside goalplan; nothing was written (`goalplan verify` names it)."
            )

    def _sequence_own(self, written: _Written) -> AppendResult:
        """Phase 2: seal what is pending (this append among it) and return this append's positions.

        Another writer's sequencer may seal this append first; then there is nothing left to do.
        An append held back behind an event this installation cannot vouch for (another
        installation's, whose key it does not trust) is sealed by that installation's writer.
        """
        deadline = time.monotonic() + _WAIT_FOR_SEQUENCER
        while True:
            outcome = self._sequence(written, wait=False)
            if outcome is None:
                result = self._await_sealer(written)
                if result is not None:
                    return result
                continue
            checkpoint, mine = outcome
            if checkpoint is not None:
                self._key_registered = True
                self._witness(checkpoint)
            if mine:
                return self._result(written, mine)
            result = self._positioned(written)
            if result is not None:
                return result
            if written.plan_id in self._untrusted_held or time.monotonic() > deadline:
                # Held behind a claim this installation does not trust: waiting cannot help
                # unless the installation that made it seals it, so say so at once.
                raise StoreError(
                    f"plan {written.plan_id} versions {written.first_version} to {written.last_version} "
                    "were written but could not be given positions: an earlier event of the plan "
                    "has no claim this installation trusts (`goalplan verify` names it)."
                )
            time.sleep(0.05)

    def _await_sealer(self, written: _Written) -> AppendResult | None:
        """Wait for the writer sealing now; the append's result if it sealed this one too.

        A shared lock, which every waiter gets at once when the sealer commits, instead of
        queueing for the exclusive one just to learn that it sealed this append too.
        """
        conn = self._conn
        try:
            # One round trip; two statements, so that the second's snapshot (READ COMMITTED) is
            # taken after the lock was granted, when the sealer has committed.
            with conn.pipeline():
                if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    conn.execute("ROLLBACK")  # the empty transaction whose try-lock failed
                conn.execute("SELECT pg_advisory_lock_shared(%s)", (self._positions_key,))
                positions = conn.execute(_UNLOCK_AND_POSITIONS, (self._positions_key, *_span(written)))
            row = positions.fetchone()
        except BaseException:  # a session lock left held would stop every sealer
            with suppress(psycopg.Error):
                self._rollback()
                conn.execute("SELECT pg_advisory_unlock_all()")
            raise
        if row is not None and row[1] and None not in row[1]:
            return self._result(written, [int(p) for p in row[1]])
        return None

    @staticmethod
    def _result(written: _Written, positions: Sequence[int]) -> AppendResult:
        versions = tuple(range(written.first_version, written.last_version + 1))
        return AppendResult(written.plan_id, versions, tuple(positions), duplicate=written.duplicate)

    def _positioned(self, written: _Written) -> AppendResult | None:
        rows = self._conn.execute(
            "SELECT version, position FROM events WHERE plan_id = %s AND version BETWEEN %s AND %s "
            "ORDER BY version",
            (written.plan_id, written.first_version, written.last_version),
        ).fetchall()
        if not rows or any(position is None for _, position in rows):
            return None
        return AppendResult(
            written.plan_id,
            tuple(int(v) for v, _ in rows),
            tuple(int(p) for _, p in rows),
            duplicate=written.duplicate,
        )

    @overload
    def _sequence(self, own: _Written | None = None) -> tuple[Checkpoint | None, list[int]]: ...

    @overload
    def _sequence(self, own: _Written, *, wait: bool) -> tuple[Checkpoint | None, list[int]] | None: ...

    def _sequence(
        self, own: _Written | None = None, *, wait: bool = True
    ) -> tuple[Checkpoint | None, list[int]] | None:
        """One short transaction under the store-wide positions lock: (the last checkpoint this
        connection signed, the positions ``own`` received here, if it did). With ``wait=False``,
        None when another connection holds the lock."""
        with self._conn.transaction():
            if wait:
                self._conn.execute(_LOCK, (self._positions_key,))
            else:
                got = self._conn.execute(_TRY_LOCK, (self._positions_key,)).fetchone()
                if not (got and got[0]):
                    return None
            return self._sequence_locked(own)

    def _sequence_locked(self, own: _Written | None = None) -> tuple[Checkpoint | None, list[int]]:
        """Give positions to every validly claimed pending append, oldest claim first, and seal
        each with a checkpoint exactly as an append made in one step would be sealed.

        Returns at once, having written nothing, when ``own`` was already sealed by another
        writer: its commit was durable before this connection could take the lock.
        """
        # One round trip: each claim, whether its events still wait and end at its hash, whether
        # the event before it has a position, and the store's last sealed event.
        return self._seal_claims(self._conn.execute(_CLAIMS_QUERY).fetchall(), own)

    def _seal_claims(
        self, claims: Sequence[tuple[Any, ...]], own: _Written | None
    ) -> tuple[Checkpoint | None, list[int]]:
        """Number and seal ``claims`` (as _CLAIMS_QUERY read them, under the positions lock)."""
        conn = self._conn
        self._untrusted_held = set()
        if not claims or (
            own is not None
            and not own.duplicate
            and not any((c[1], c[2]) == (own.plan_id, own.first_version) for c in claims)
        ):
            return None, []
        top = claims[0][10:]
        last = int(top[0]) if top[0] is not None else 0
        prior = (str(top[1]), int(top[2]), str(top[3])) if top[0] is not None else None
        held: set[str] = set()
        done: list[int] = []
        updates: list[tuple[str, int, int]] = []
        checkpoints: list[Checkpoint] = []
        summaries: dict[str, tuple[int, int, int]] = {}
        mine: list[int] = []
        for seq, plan_id, first_version, last_version, head, key_id, signature, *state in claims:
            waiting, ends_at_head, after_sealed = state[:3]
            claim = Claim(
                store_id=self.store_id,
                plan_id=plan_id,
                first_version=first_version,
                last_version=last_version,
                hash=head,
                key_id=key_id,
                signature=signature,
            )
            if (
                plan_id in held
                or waiting != last_version - first_version + 1
                or not ends_at_head
                or not (after_sealed or summaries.get(plan_id, (0,))[0] == first_version - 1)
            ):
                held.add(plan_id)  # later appends to this plan wait behind it
                continue
            if not self._claim_trusted(claim):
                held.add(plan_id)
                self._untrusted_held.add(plan_id)
                continue
            first_position = last + 1
            for v in range(first_version, last_version + 1):
                last += 1
                updates.append((plan_id, v, last))
            if own is not None and (plan_id, first_version) == (own.plan_id, own.first_version):
                mine = list(range(first_position, last + 1))
            done.append(int(seq))
            if self.signing:
                checkpoints.append(
                    seal_span(
                        self.signing_key(),
                        self.store_id,
                        plan_id,
                        (first_position, last),
                        (last_version, head),
                        prior,
                    )
                )
            prior = (plan_id, last_version, head)
            _, _, known_first = summaries.get(plan_id, (0, 0, 0))
            summaries[plan_id] = (last_version, last, first_position if first_version == 1 else known_first)
        if not done:
            return None, []
        if checkpoints:
            key_row = self._key_row()
            if key_row is not None:
                conn.execute(_REGISTER_KEY, key_row)
        cp_rows = [cp.row() for cp in checkpoints]
        conn.execute(
            _SEAL_STATEMENT,
            (
                [u[0] for u in updates],
                [u[1] for u in updates],
                [u[2] for u in updates],
                list(summaries),
                [t[0] for t in summaries.values()],
                [t[1] for t in summaries.values()],
                [t[2] for t in summaries.values()],
                done,
                *([row[i] for row in cp_rows] for i in range(len(CHECKPOINT_FIELDS) - 1)),
            ),
        )
        return (checkpoints[-1] if checkpoints else None), mine

    def _claim_trusted(self, claim: Claim) -> bool:
        if self._own_claims.get((claim.plan_id, claim.first_version)) == claim:
            return True  # signed by this handle for the append it is making now
        if self._trusted is None or claim.key_id not in self._trusted:
            # A store that does not sign still checks others' claims, with this installation's
            # key if it has one (never creating one) and its trust list.
            local = self.signing_key() if self.signing else self._key or load_key()
            self._trusted = {k: t.public_key for k, t in trusted_keys(local).items()}
        return claim_holds(claim, self._trusted)

    @_connection_errors
    def seal_pending(self) -> int:
        """Seal appends a stopped writer left between its two phases; returns how many events were
        waiting. A connection that may not write leaves them waiting."""
        waiting = self._conn.execute("SELECT count(*) FROM events WHERE position IS NULL").fetchone()
        if not waiting or not waiting[0]:
            return 0
        try:
            checkpoint, _ = self._sequence()
        except psycopg.Error as exc:
            if self._refused_write(exc):
                return int(waiting[0])
            raise
        if checkpoint is not None:
            self._key_registered = True
            self._witness(checkpoint)
        return int(waiting[0])

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

    # reading ---------------------------------------------------------------------------------

    @_connection_errors
    def read_stream(self, plan_id: str, from_version: int = 1) -> list[RecordedEvent]:
        """The plan's sealed events. Inside phase 1 also its pending ones (position 0), which the
        fold must see; elsewhere a pending append is sealed first when this connection may write,
        and what still waits is left out (``pending_events`` and ``verify`` name it)."""
        rows = self._stream_rows(plan_id, from_version)
        if self._writing:
            return [RecordedEvent._make(r if r[3] is not None else (*r[:3], 0, *r[4:])) for r in rows]
        if any(r[3] is None for r in rows):
            if self._conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
                self.seal_pending()
                rows = self._stream_rows(plan_id, from_version)
            sealed = []
            for r in rows:
                if r[3] is None:
                    break  # versions stay contiguous: nothing after a waiting event is shown
                sealed.append(r)
            if len(sealed) < len(rows):
                _log.warning(
                    "plan %s: versions %s to %s are written but not yet sealed and are left out "
                    "(a writer seals them on its next append; `goalplan verify` names them)",
                    plan_id,
                    rows[len(sealed)][2],
                    rows[-1][2],
                )
            rows = sealed
        return [RecordedEvent._make(row) for row in rows]

    def _stream_rows(self, plan_id: str, from_version: int) -> list[tuple[Any, ...]]:
        return self._conn.execute(
            f"SELECT {_COLUMNS} FROM events WHERE plan_id = %s AND version >= %s ORDER BY version",
            (plan_id, from_version),
        ).fetchall()

    @_connection_errors
    def pending_events(self) -> list[tuple[str, int, str]]:
        """(plan, version, event id) of every event still waiting for a position."""
        cursor = self._conn.execute(
            "SELECT plan_id, version, event_id FROM events WHERE position IS NULL ORDER BY plan_id, version"
        )
        return [(str(p), int(v), str(e)) for p, v, e in cursor]

    @_connection_errors
    def pending_claims(self) -> list[Claim]:
        cursor = self._conn.execute(
            "SELECT plan_id, first_version, last_version, hash, key_id, signature FROM append_claims "
            "ORDER BY seq"
        )
        return [
            Claim(
                store_id=self.store_id,
                plan_id=p,
                first_version=f,
                last_version=la,
                hash=h,
                key_id=k,
                signature=sig,
            )
            for p, f, la, h, k, sig in cursor
        ]

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
            "SELECT plan_id FROM events WHERE version = 1 AND position IS NOT NULL "
            "AND plan_id LIKE %s ESCAPE %s ORDER BY position",
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
    def _read_snapshot(self) -> Iterator[None]:
        with self._conn.transaction():
            self._conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
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
