"""What every store promises. The shared contract tests hold each implementation to it."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence

from attrs import frozen

from goalplan.codec import GENESIS_HASH, NewEvent, RecordedEvent, chain_hash
from goalplan.errors import IntegrityError, RejectedError

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


class EventStore(abc.ABC):
    """An append-only log of plan streams with global, gap-free positions."""

    url: str

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


EventRow = tuple[int, str, str, int, str, str, str, int, str, str, str]


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
