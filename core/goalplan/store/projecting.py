"""What both stores do inside an append besides storing events: snapshots and read models.

A store mixes in :class:`InlineProjections` and supplies a few primitives (run a statement,
run a query, a transaction holding one plan's write lock). Under that lock an append folds the
plan from its latest state (kept in memory, else a snapshot, else the log) through the new
events, rewrites the plan's read-model rows and, every SNAPSHOT_EVERY events, its snapshot, all
before the commit that stores the events.
"""

from __future__ import annotations

import abc
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from attrs import frozen

from goalplan.codec import NewEvent, RecordedEvent
from goalplan.domain import PlanState, fold
from goalplan.store.base import EventRow, EventStore
from goalplan.store.keys import load_key
from goalplan.store.read_models import (
    DATE_COLUMNS,
    GOAL_COLUMNS,
    SUMMARY_COLUMNS,
    DateRow,
    GoalRow,
    Mismatch,
    PlanRows,
    SummaryRow,
    compare,
    differs,
    group_rows,
    rows_for,
)
from goalplan.store.snapshots import (
    FOLD_CODE_VERSION,
    SNAPSHOT_EVERY,
    Snapshot,
    check_snapshot,
    decode_state,
    fold_after,
    read_snapshot,
    snapshot_of,
    usable,
)

CACHED_PLANS = 256
MARKER = "read_models"

# The tables, in SQL both SQLite and PostgreSQL accept.
READ_MODEL_TABLES = """
CREATE TABLE IF NOT EXISTS plan_summaries (
    plan_id        TEXT    NOT NULL PRIMARY KEY,
    first_position BIGINT  NOT NULL,
    last_position  BIGINT  NOT NULL,
    version        INTEGER NOT NULL,
    foldable       INTEGER NOT NULL,
    client_name    TEXT    NOT NULL,
    clinician_name TEXT    NOT NULL,
    opened_on      TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    goals          INTEGER NOT NULL,
    active_goals   INTEGER NOT NULL,
    next_review_on TEXT
);
CREATE INDEX IF NOT EXISTS plan_summaries_order ON plan_summaries (first_position);
CREATE TABLE IF NOT EXISTS plan_dates (
    plan_id TEXT NOT NULL,
    kind    TEXT NOT NULL,
    ref     TEXT NOT NULL,
    due_on  TEXT NOT NULL,
    PRIMARY KEY (plan_id, kind, ref)
);
CREATE INDEX IF NOT EXISTS plan_dates_due ON plan_dates (due_on);
CREATE TABLE IF NOT EXISTS goal_index (
    plan_id     TEXT NOT NULL,
    goal_id     TEXT NOT NULL,
    statement   TEXT NOT NULL,
    status      TEXT NOT NULL,
    target_date TEXT,
    focus       TEXT NOT NULL,
    PRIMARY KEY (plan_id, goal_id)
);
CREATE TABLE IF NOT EXISTS plan_snapshots (
    plan_id      TEXT    NOT NULL PRIMARY KEY,
    version      INTEGER NOT NULL,
    head_hash    TEXT    NOT NULL,
    fold_version TEXT    NOT NULL,
    state        TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS read_model_state (
    name         TEXT NOT NULL PRIMARY KEY,
    fold_version TEXT NOT NULL
);
"""


# A position of 0 (PostgreSQL's write phase: not numbered yet) keeps the position the row has;
# the sequencer sets it when it numbers the append.
UPSERT_SUMMARY = (
    "ON CONFLICT (plan_id) DO UPDATE SET "
    "last_position = CASE WHEN excluded.last_position > 0 THEN excluded.last_position "
    "ELSE plan_summaries.last_position END, version = excluded.version, "
    "foldable = excluded.foldable, client_name = excluded.client_name, "
    "clinician_name = excluded.clinician_name, opened_on = excluded.opened_on, "
    "status = excluded.status, goals = excluded.goals, active_goals = excluded.active_goals, "
    "next_review_on = excluded.next_review_on"
)


@frozen
class Folded:
    """A plan after an append: its state (None if the log does not fold) and read-model rows."""

    state: PlanState | None
    rows: PlanRows
    old_rows: PlanRows | None
    snapshot_version: int


@frozen
class CheckReport:
    """What ``goalplan projections check`` found: rows and snapshots a fresh fold disagrees with."""

    plans: int
    snapshots: int
    mismatches: tuple[Mismatch, ...]
    stale: bool


class _Cached:
    __slots__ = ("rows", "snapshot_version", "state")

    def __init__(self, state: PlanState, snapshot_version: int, rows: PlanRows | None = None) -> None:
        self.state = state
        self.snapshot_version = snapshot_version
        self.rows = rows
        """The read-model rows of ``state`` when an append worked them out (else None): the
        next append's rows "before", without working them out again."""


class InlineProjections(EventStore):
    """Snapshots and read models maintained in the append's transaction (see module docstring)."""

    def _init_projections(self) -> None:
        self._states: OrderedDict[str, _Cached] = OrderedDict()

    # primitives each store supplies ------------------------------------------------------------

    @abc.abstractmethod
    def _execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        """Run one statement written with ``?`` placeholders."""

    @abc.abstractmethod
    def _executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None: ...

    @abc.abstractmethod
    def _query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    @abc.abstractmethod
    def _plan_transaction(self, plan_id: str) -> AbstractContextManager[None]:
        """A transaction holding the lock that orders ``plan_id``'s appends."""

    @abc.abstractmethod
    def _store_transaction(self) -> AbstractContextManager[None]:
        """A transaction no other rebuild runs beside."""

    # state -----------------------------------------------------------------------------------

    def load_state(self, plan_id: str) -> PlanState:
        """The plan folded from its latest state in memory or snapshot plus the events after it."""
        state, _ = self._state_at(plan_id, None)
        return state

    def _state_at(self, plan_id: str, head: tuple[int, str] | None) -> tuple[PlanState, int]:
        """(state, version of the plan's stored snapshot); ``head`` is (version, hash) if known."""
        cached = self._states.get(plan_id)
        if cached is not None and head is not None and (cached.state.version, cached.state.head_hash) == head:
            self._states.move_to_end(plan_id)
            return cached.state, cached.snapshot_version
        if cached is not None:
            state = fold_after(plan_id, cached.state, self.read_stream(plan_id, cached.state.version))
            if state is not None:
                self._remember(state, cached.snapshot_version)
                return state, cached.snapshot_version
        snapshot = self._load_snapshot(plan_id)
        # A signing store uses only snapshots its key sealed; with no key yet there is none (and
        # loading a state creates no key). A store that does not sign has nothing to check with.
        key = self._seal_key(create=False)
        ok = snapshot is not None and (key is not None or not self.signing) and usable(snapshot, plan_id, key)
        snapshot_version = snapshot.version if snapshot is not None and ok else 0
        if snapshot is not None and ok:
            try:
                start: PlanState | None = decode_state(snapshot.state)
            except Exception:  # a damaged snapshot is ignored: the log decides
                start = None
            if start is not None:
                state = fold_after(plan_id, start, self.read_stream(plan_id, snapshot.version))
                if state is not None:
                    self._remember(state, snapshot_version)
                    return state, snapshot_version
        state = fold(self.read_stream(plan_id), plan_id=plan_id)
        self._remember(state, snapshot_version)
        return state, snapshot_version

    def _seal_key(self, *, create: bool) -> bytes | None:
        """The key snapshots are sealed with: None when the store does not sign, or (unless
        ``create``) when this installation has no key yet."""
        if not self.signing:
            return None
        if self._key is None and not create:
            found = load_key()
            if found is None:
                return None
            self._key = found
        return self.signing_key().snapshot_key

    def read_start(self, records: Sequence[RecordedEvent]) -> Snapshot | None:
        """The stored snapshot a verified stream (``records``, from version 1) may be folded
        from instead of its first event: only one this installation's key sealed, whose
        version and head hash are those of an event in ``records``. None when there is none,
        or the store does not sign (then nothing vouches for a snapshot). Never creates a key:
        reads write nothing."""
        key = self._seal_key(create=False)
        if not records or key is None:
            return None
        return read_snapshot(records, self._load_snapshot(records[0].plan_id), key)

    def _remember(self, state: PlanState, snapshot_version: int, rows: PlanRows | None = None) -> None:
        if state.version == 0:
            return
        self._states[state.plan_id] = _Cached(state, snapshot_version, rows)
        self._states.move_to_end(state.plan_id)
        while len(self._states) > CACHED_PLANS:
            self._states.popitem(last=False)

    def _load_snapshot(self, plan_id: str) -> Snapshot | None:
        rows = self._query(
            "SELECT plan_id, version, head_hash, fold_version, state FROM plan_snapshots WHERE plan_id = ?",
            (plan_id,),
        )
        return Snapshot(*rows[0]) if rows else None

    # inside an append ------------------------------------------------------------------------

    def _project(
        self,
        plan_id: str,
        before: tuple[int, str],
        rows: Sequence[EventRow],
        events: Sequence[NewEvent] | None = None,
    ) -> None:
        """Fold the appended events into the plan and rewrite its rows (caller holds the lock).

        ``events`` are the appended events the rows were made from: where one already knows
        what its payload decodes to (``NewEvent.decoded``), the fold takes that instead of
        decoding the payload again.
        """
        folded = self._fold_append(plan_id, before, rows, events)
        self._write_rows(folded.rows, folded.old_rows, first_position=rows[0][0])
        self._finish_append(folded)

    def _fold_append(
        self,
        plan_id: str,
        before: tuple[int, str],
        rows: Sequence[EventRow],
        events: Sequence[NewEvent] | None = None,
    ) -> Folded:
        """The plan after the appended rows, and its read-model rows before and after."""
        version, _ = before
        old_state: PlanState | None
        snapshot_version = 0
        try:
            if version:
                old_state, snapshot_version = self._state_at(plan_id, before)
            else:
                old_state = None
            records = [
                RecordedEvent(r[1], r[2], r[3], r[0], r[4], r[5], r[6], r[7], r[8], r[9], r[10]) for r in rows
            ]
            if events is not None and len(events) == len(records):
                for record, new in zip(records, events, strict=True):
                    if new.decoded is not None and new.payload is record.payload:
                        record.__dict__["event"] = new.decoded  # what RecordedEvent.event would decode
            new_state: PlanState | None = fold(records, plan_id=plan_id, start=old_state)
        except Exception:  # events appended below the API that do not fold: readers use the log
            self._states.pop(plan_id, None)
            old_state = new_state = None
        old_rows = None
        if version and old_state is not None:
            cached = self._states.get(plan_id)
            known = cached.rows if cached is not None and cached.state is old_state else None
            # Only the dates and goals rows are compared (differs), and those follow from the state.
            old_rows = known if known is not None else rows_for(plan_id, old_state, version, 0)
        new_rows = rows_for(plan_id, new_state, rows[-1][3], rows[-1][0])
        return Folded(new_state, new_rows, old_rows, snapshot_version)

    def _finish_append(self, folded: Folded) -> None:
        """Write a snapshot when one is due, and keep the new state in memory."""
        state = folded.state
        if state is None:
            return
        snapshot_version = folded.snapshot_version
        if state.version - snapshot_version >= SNAPSHOT_EVERY:
            self._write_snapshot(snapshot_of(state, self._seal_key(create=True)))
            snapshot_version = state.version
        self._remember(state, snapshot_version, folded.rows)

    def _write_rows(
        self, new: PlanRows, old: PlanRows | None, *, first_position: int, summary: bool = True
    ) -> None:
        plan_id = new.summary[0]
        if summary:
            self._execute(
                f"INSERT INTO plan_summaries (first_position, {SUMMARY_COLUMNS}) "
                f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) {UPSERT_SUMMARY}",
                (first_position, *new.summary),
            )
        dates, goals = differs(old, new)
        if dates:
            if old is not None:
                self._execute("DELETE FROM plan_dates WHERE plan_id = ?", (plan_id,))
            if new.dates:
                self._executemany(f"INSERT INTO plan_dates ({DATE_COLUMNS}) VALUES (?, ?, ?, ?)", new.dates)
        if goals:
            if old is not None:
                self._execute("DELETE FROM goal_index WHERE plan_id = ?", (plan_id,))
            if new.goals:
                self._executemany(
                    f"INSERT INTO goal_index ({GOAL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", new.goals
                )

    def _write_snapshot(self, snapshot: Snapshot) -> None:
        self._execute(
            "INSERT INTO plan_snapshots (plan_id, version, head_hash, fold_version, state) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (plan_id) DO UPDATE SET version = excluded.version, "
            "head_hash = excluded.head_hash, fold_version = excluded.fold_version, state = excluded.state",
            (snapshot.plan_id, snapshot.version, snapshot.head_hash, snapshot.fold_version, snapshot.state),
        )

    # reading the read models -----------------------------------------------------------------

    def _ensure_read_models(self) -> None:
        """Build the read models once for a log that has none, or whose fold code has changed.

        A connection that may not write (a read-only role or file) leaves them as they are;
        readers then answer from the log until a writer rebuilds them.
        """
        if self.read_models_fresh():
            return
        try:
            self.rebuild_read_models()
        except Exception as exc:
            if not self._refused_write(exc):
                raise

    def _refused_write(self, exc: BaseException) -> bool:
        """Whether ``exc`` says this connection may not write."""
        return False

    def read_models_fresh(self) -> bool:
        """Whether the read models were built by this fold code (else readers use the log)."""
        rows = self._query("SELECT fold_version FROM read_model_state WHERE name = ?", (MARKER,))
        return bool(rows) and rows[0][0] == FOLD_CODE_VERSION

    def plan_summaries(self) -> list[SummaryRow]:
        """Every plan's summary row, oldest plan first. A plan whose first append still waits for
        its positions (first position 0, PostgreSQL) is left out, as its events are."""
        return [
            tuple(r)
            for r in self._query(
                f"SELECT {SUMMARY_COLUMNS} FROM plan_summaries WHERE first_position > 0 "
                "ORDER BY first_position"
            )
        ]

    def dated_plan_ids(self, *, changed_after: int | None = None) -> list[str]:
        """Plans whose calendar holds a date now (and, given a position, plans changed after it)."""
        statement = (
            "SELECT plan_id, first_position FROM plan_summaries s WHERE s.first_position > 0 AND ("
            "EXISTS (SELECT 1 FROM plan_dates d WHERE d.plan_id = s.plan_id) OR s.foldable = 0"
        )
        params: tuple[Any, ...] = ()
        if changed_after is not None:
            statement += " OR s.last_position > ?"
            params = (changed_after,)
        return [str(r[0]) for r in self._query(statement + ") ORDER BY first_position", params)]

    def plan_dates(self) -> list[DateRow]:
        return [
            tuple(r) for r in self._query(f"SELECT {DATE_COLUMNS} FROM plan_dates ORDER BY due_on, plan_id")
        ]

    def goal_rows(self, plan_id: str | None = None) -> list[GoalRow]:
        """Every goal's row, or (given ``plan_id``) one plan's, by plan then goal id."""
        where, params = ("", ()) if plan_id is None else (" WHERE plan_id = ?", (plan_id,))
        statement = f"SELECT {GOAL_COLUMNS} FROM goal_index{where} ORDER BY plan_id, goal_id"
        return [tuple(r) for r in self._query(statement, params)]

    def _stored_rows(self) -> dict[str, PlanRows]:
        return group_rows(
            self.plan_summaries(),
            [tuple(r) for r in self._query(f"SELECT {DATE_COLUMNS} FROM plan_dates")],
            self.goal_rows(),
        )

    # rebuilding and checking -----------------------------------------------------------------

    def rebuild_read_models(self, progress: Callable[[int], None] | None = None) -> int:
        """Refold every plan from its log and rewrite its rows and snapshot; returns the plan count."""
        with self._store_transaction():
            self._execute("DELETE FROM read_model_state WHERE name = ?", (MARKER,))
        self._states.clear()
        count = 0
        for plan_id in self.plan_ids():
            with self._plan_transaction(plan_id):
                records = self.read_stream(plan_id)
                if not records:
                    continue
                try:
                    state: PlanState | None = fold(records, plan_id=plan_id)
                except Exception:
                    state = None
                for table in ("plan_summaries", "plan_dates", "goal_index", "plan_snapshots"):
                    self._execute(f"DELETE FROM {table} WHERE plan_id = ?", (plan_id,))
                rows = rows_for(plan_id, state, records[-1].version, records[-1].position)
                self._write_rows(rows, None, first_position=records[0].position)
                if state is not None and state.version >= SNAPSHOT_EVERY:
                    self._write_snapshot(snapshot_of(state, self._seal_key(create=False)))
            count += 1
            if progress is not None:
                progress(count)
        with self._store_transaction():
            self._mark_fresh()
        return count

    def _mark_fresh(self) -> None:
        self._execute("DELETE FROM read_model_state WHERE name = ?", (MARKER,))
        self._execute(
            "INSERT INTO read_model_state (name, fold_version) VALUES (?, ?)", (MARKER, FOLD_CODE_VERSION)
        )

    @abc.abstractmethod
    def _read_snapshot(self) -> AbstractContextManager[None]:
        """A read-only transaction in which every query sees the store as of one moment."""

    def check_read_models(self, plan_id: str | None = None) -> CheckReport:
        """Compare every plan's rows and stored snapshot with a fresh fold of its log.

        Rows and log are read in one read-only snapshot of the store: read apart, a writer
        committing in between would make them disagree when nothing is wrong.
        """
        with self._read_snapshot():
            return self._check_read_models(plan_id)

    def _check_read_models(self, plan_id: str | None) -> CheckReport:
        stored = self._stored_rows()
        snapshots = {
            s[0]: Snapshot(*s)
            for s in self._query(
                "SELECT plan_id, version, head_hash, fold_version, state FROM plan_snapshots"
            )
        }
        found: list[Mismatch] = []
        plans = checked_snapshots = 0
        # A plan with an append written but not yet sealed (PostgreSQL's first phase) has rows
        # that already include it while its sealed log does not: in flight, not a mismatch.
        in_flight = {pid for pid, _, _ in self.pending_events()}
        for pid in [plan_id] if plan_id else self.plan_ids():
            if pid in in_flight:
                continue
            plans += 1
            records = self.read_stream(pid)
            for problem in _problems(pid, records, stored.get(pid)):
                found.append(problem)
            snapshot = snapshots.get(pid)
            if snapshot is not None:
                checked_snapshots += 1
                why = check_snapshot(snapshot, records)
                if why is not None:
                    found.append(Mismatch(pid, "plan_snapshots", why))
        if plan_id is None:
            known = set(self.plan_ids())
            found += [
                Mismatch(pid, "plan_summaries", "a row for a plan the log does not hold")
                for pid in stored
                if pid not in known and pid not in in_flight
            ]
        return CheckReport(plans, checked_snapshots, tuple(found), not self.read_models_fresh())


def _problems(plan_id: str, records: list[RecordedEvent], stored: PlanRows | None) -> Iterator[Mismatch]:
    if not records:
        return
    try:
        state: PlanState | None = fold(records, plan_id=plan_id)
    except Exception:
        state = None
    yield from compare(plan_id, stored, rows_for(plan_id, state, records[-1].version, records[-1].position))
