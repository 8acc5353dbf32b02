"""What every store promises. The shared contract tests hold each implementation to it."""

from __future__ import annotations

import abc
import getpass
import os
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from attrs import frozen

from goalplan.codec import GENESIS_HASH, NewEvent, RecordedEvent, chain_hash, format_timestamp
from goalplan.domain import PlanState, fold
from goalplan.errors import IntegrityError, RejectedError
from goalplan.store.checkpoints import Checkpoint, seal
from goalplan.store.claims import Claim
from goalplan.store.keys import SigningKey, load_or_create_key, witness_file
from goalplan.store.witness import PendingWitness, WitnessFile, write_witness

APPEND_ONLY_MESSAGE = "goalplan events are append-only"


@frozen
class AppendResult:
    """Where an append landed: the stream versions and global positions, in order."""

    plan_id: str
    versions: tuple[int, ...]
    positions: tuple[int, ...]
    duplicate: bool = False

    @property
    def last_version(self) -> int:
        return self.versions[-1] if self.versions else 0


@frozen
class ChainBreak:
    plan_id: str
    version: int
    event_id: str | None
    problem: str

    def __str__(self) -> str:
        where = f"plan {self.plan_id} version {self.version}"
        if self.event_id:
            where += f" (event {self.event_id})"
        return f"{where}: {self.problem}"


def find_chain_break(
    plan_id: str, records: Sequence[RecordedEvent] | Iterator[RecordedEvent]
) -> ChainBreak | None:
    """The first link in a stream whose version, previous hash or own hash is not as chained."""
    prev_hash = GENESIS_HASH
    expected_version = 1
    for record in records:
        if record.version != expected_version:
            problem = (
                f"version {expected_version} is missing (the log goes from "
                f"{expected_version - 1} to {record.version}): an event was removed"
                if record.version > expected_version
                else f"version {record.version} appears out of order: events were reordered or inserted"
            )
            return ChainBreak(plan_id, expected_version, record.event_id, problem)
        if record.prev_hash != prev_hash:
            return ChainBreak(
                plan_id,
                record.version,
                record.event_id,
                "its previous-hash does not match the event before it: an event was inserted, "
                "removed or reordered before this point",
            )
        computed = chain_hash(
            plan_id=plan_id, version=record.version, event=record, prev_hash=record.prev_hash
        )
        if computed != record.hash:
            return ChainBreak(
                plan_id,
                record.version,
                record.event_id,
                "its content does not match its hash: the event was edited",
            )
        prev_hash = record.hash
        expected_version += 1
    return None


@frozen
class StoredKey:
    """A public key registered in the store by an installation that signed there."""

    key_id: str
    public_key: str
    label: str
    added_at: str


class EventStore(abc.ABC):
    """An append-only log of plan streams with global, gap-free positions.

    Every append is sealed by a signed checkpoint (see store/checkpoints.py) unless the store
    was opened with ``signing=False``: in its own transaction on SQLite, by the sequencer that
    gives it positions on PostgreSQL.
    """

    url: str
    store_id: str = ""
    signing: bool = True
    _key: SigningKey | None = None
    _key_registered: bool = False
    _witness_path: tuple[tuple[str, str], Path] | None = None
    _witness_handle: WitnessFile | None = None

    @abc.abstractmethod
    def append(
        self,
        plan_id: str,
        events: Sequence[NewEvent],
        expected_version: int,
        *,
        expect_hashes: Sequence[str] | None = None,
    ) -> AppendResult:
        """Append atomically after ``expected_version``.

        Raises ConcurrencyError (writing nothing) if the stream is at another version. Re-sending
        events whose ids are already stored returns the original result. ``expect_hashes``
        (used by import and migrate) makes the append fail with IntegrityError unless each event
        hashes to the given value, so a copied stream keeps its chain.
        """

    @abc.abstractmethod
    def read_stream(self, plan_id: str, from_version: int = 1) -> list[RecordedEvent]: ...

    @abc.abstractmethod
    def read_all(self, from_position: int = 1, limit: int | None = None) -> list[RecordedEvent]:
        """Events with position >= from_position in position order, at most ``limit`` of them."""

    @abc.abstractmethod
    def stream_version(self, plan_id: str) -> int: ...

    @abc.abstractmethod
    def plan_ids(self, prefix: str = "") -> list[str]:
        """Every stream's id (optionally those starting with ``prefix``), oldest plan first."""

    @abc.abstractmethod
    def head_position(self) -> int: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    def load_state(self, plan_id: str) -> PlanState:
        """The plan folded from its log (a store with snapshots folds only the events after one)."""
        return fold(self.read_stream(plan_id), plan_id=plan_id)

    # checkpoints -----------------------------------------------------------------------------

    @abc.abstractmethod
    def read_checkpoints(self, from_position: int = 1, limit: int | None = None) -> list[Checkpoint]:
        """Checkpoints with position >= from_position, in position order."""

    @abc.abstractmethod
    def plan_checkpoints(self, plan_id: str) -> list[Checkpoint]:
        """Checkpoints that name the plan, as head or as the event before an append."""

    @abc.abstractmethod
    def event_at(self, position: int) -> RecordedEvent | None: ...

    @abc.abstractmethod
    def bulk(self) -> AbstractContextManager[None]:
        """Appends made inside this block commit together or not at all (log import)."""

    @abc.abstractmethod
    def stored_keys(self) -> list[StoredKey]:
        """The public keys installations registered when they first signed here."""

    def pending_events(self) -> list[tuple[str, int, str]]:
        """(plan, version, event id) of events written but not yet given a position (PostgreSQL)."""
        return []

    def pending_claims(self) -> list[Claim]:
        """The signed claims of appends still waiting for positions (PostgreSQL)."""
        return []

    def iter_checkpoints(self, batch: int = 5000) -> Iterator[Checkpoint]:
        position = 1
        while True:
            found = self.read_checkpoints(position, batch)
            if not found:
                return
            yield from found
            position = found[-1].position + 1

    def latest_checkpoint(self, key_id: str | None = None) -> Checkpoint | None:
        """The checkpoint with the highest position (signed by ``key_id``, if given)."""
        latest = None
        for checkpoint in self.iter_checkpoints():
            if key_id is None or checkpoint.key_id == key_id:
                latest = checkpoint
        return latest

    def signing_key(self) -> SigningKey:
        """This installation's key, loaded (or created) on first use: the first write."""
        if self._key is None:
            self._key = load_or_create_key()
        return self._key

    def _seal(
        self, plan_id: str, rows: Sequence[Sequence[Any]], prior: tuple[str, int, str] | None
    ) -> Checkpoint | None:
        """Sign an append inside its transaction; the store inserts the returned checkpoint."""
        if not self.signing:
            return None
        return seal(self.signing_key(), self.store_id, plan_id, rows, prior)

    def _key_row(self) -> tuple[str, str, str, str] | None:
        """(key_id, public_key, label, added_at) the first time this store sees this key."""
        if self._key_registered or not self.signing:
            return None
        key = self.signing_key()
        return key.key_id, key.public_key, key_label(), format_timestamp(datetime.now(UTC))

    def _witness(self, checkpoint: Checkpoint | None) -> None:
        """After commit: the witness outside the database moves to the append just made."""
        if checkpoint is None:
            return
        key = self.signing_key()
        write_witness(self._witness_file(key), checkpoint.to_json(key.public_key))

    def _witness_begin(self, checkpoint: Checkpoint | None) -> PendingWitness | None:
        """Just before the commit: the witness names the append as pending and starts its
        flush, which then runs beside the commit's (witness.WitnessFile.begin)."""
        if checkpoint is None:
            return None
        key = self.signing_key()
        path = self._witness_file(key)
        handle = self._witness_handle
        if handle is None or handle.path != path:  # the first append, or another key since
            self._close_witness()
            handle = self._witness_handle = WitnessFile(path)
        return handle.begin(checkpoint.to_json(key.public_key))

    def _close_witness(self) -> None:
        handle, self._witness_handle = self._witness_handle, None
        if handle is not None:
            handle.close()

    def _witness_file(self, key: SigningKey) -> Path:
        path = self._witness_path
        if path is None or path[0] != (self.store_id, key.key_id):
            path = self._witness_path = ((self.store_id, key.key_id), witness_file(self.store_id, key.folder))
        return path[1]

    def latest_recorded_at(self) -> str:
        """The newest recorded-at in the store ("" when empty): a report's day, taken from the log."""
        return max((r.recorded_at for r in self.iter_all()), default="")

    def iter_all(self, from_position: int = 1, batch: int = 5000) -> Iterator[RecordedEvent]:
        """Catch-up reading in batches, so memory stays flat however long the log is."""
        position = from_position
        while True:
            records = self.read_all(position, batch)
            if not records:
                return
            yield from records
            position = records[-1].position + 1

    def verify(self, plan_id: str | None = None) -> list[ChainBreak]:
        """The first broken link of each damaged stream (empty when the log is intact)."""
        breaks = []
        for pid in [plan_id] if plan_id else self.plan_ids():
            found = find_chain_break(pid, self.read_stream(pid))
            if found is not None:
                breaks.append(found)
        return breaks

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_batch(plan_id: str, events: Sequence[NewEvent], expect_hashes: Sequence[str] | None) -> None:
    if not plan_id:
        raise RejectedError("plan", "a plan id is needed to append.")
    ids = [e.event_id for e in events]
    if len(set(ids)) != len(ids):
        raise RejectedError("event_id", "the same event id appears twice in one append.")
    if expect_hashes is not None and len(expect_hashes) != len(events):
        raise RejectedError("hash", "give one expected hash per event.")


def chain_batch(
    plan_id: str,
    events: Sequence[NewEvent],
    current_version: int,
    head_hash: str,
    expect_hashes: Sequence[str] | None,
) -> list[tuple[int, str, str]]:
    """(version, prev_hash, hash) for each event appended after the given head."""
    links = []
    prev = head_hash
    for offset, event in enumerate(events):
        version = current_version + offset + 1
        digest = chain_hash(plan_id=plan_id, version=version, event=event, prev_hash=prev)
        if expect_hashes is not None and expect_hashes[offset] != digest:
            raise IntegrityError(
                f"plan {plan_id} version {version} (event {event.event_id}): the hash in the "
                "source does not match its content; nothing was imported for this plan."
            )
        links.append((version, prev, digest))
        prev = digest
    return links


EventRow = tuple[int, str, str, int, str, str, str, int, str, str, str, int]


def event_rows(
    plan_id: str, events: Sequence[NewEvent], links: Sequence[tuple[int, str, str]], last_position: int
) -> list[EventRow]:
    """The rows to insert, in the events table's column order, after ``last_position``."""
    return [
        (
            last_position + i + 1,
            e.event_id,
            plan_id,
            version,
            e.recorded_at,
            e.actor,
            e.type,
            e.schema_version,
            e.payload,
            prev,
            digest,
            e.hash_scheme,
        )
        for i, (e, (version, prev, digest)) in enumerate(zip(events, links, strict=True))
    ]


def appended(plan_id: str, rows: Sequence[EventRow]) -> AppendResult:
    return AppendResult(plan_id, tuple(r[3] for r in rows), tuple(r[0] for r in rows))


def retried_result(
    plan_id: str, ids: Sequence[str], found: dict[str, tuple[str, int, int]]
) -> AppendResult | None:
    """The original result when every id of a batch is already stored (plan, version, position).

    None when none is; a partial overlap, or ids stored under another plan, is refused.
    """
    if not found:
        return None
    if len(found) != len(ids) or any(pid != plan_id for pid, _, _ in found.values()):
        raise RejectedError(
            "event_id",
            "some of these event ids are already stored and some are not (or belong to "
            "another plan); a retry must resend exactly the original batch.",
        )
    ordered = [found[i] for i in ids]
    return AppendResult(
        plan_id, tuple(v for _, v, _ in ordered), tuple(p for _, _, p in ordered), duplicate=True
    )


def os_user() -> str:
    """The operating-system account running this process (its effective user id, not $USER)."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError, AttributeError):  # no passwd entry, or not POSIX
        try:
            return getpass.getuser()
        except Exception:
            return "unknown"


def key_label() -> str:
    import socket

    return f"{os_user()}@{socket.gethostname()}"
