"""Copy every plan's stream from one store to another (SQLite to PostgreSQL and back).

Each stream is verified in the source before any of it is copied, and appended with
``expect_hashes``, so the destination recomputes every hash and refuses an event that does not
chain exactly as it did in the source: a copied plan keeps its event ids, versions and hashes
(global positions are the destination's own; they are not part of the hash).

A copy can be interrupted at any point and run again: each batch is one atomic append, and a
rerun copies only the versions the destination lacks, so a finished copy run again copies 0.
A destination that already holds different events for a plan is refused before anything at
all is copied.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from attrs import frozen

from goalplan.codec import NewEvent, RecordedEvent
from goalplan.domain.admit import StreamRules
from goalplan.errors import CodecError, IntegrityError, RejectedError
from goalplan.store import EventStore, find_chain_break, is_postgres, open_store, postgres_url, sqlite_path

BatchCallback = Callable[[str, int], None]


@frozen
class MigrationReport:
    plans: int
    """Streams in the source."""
    plans_copied: int
    """Streams that got at least one event."""
    events_copied: int
    events_present: int
    """Source events the destination already held (a resumed or repeated copy)."""


def copy_streams(
    source: EventStore,
    destination: EventStore,
    *,
    batch: int = 1000,
    on_batch: BatchCallback | None = None,
) -> MigrationReport:
    """Copy what ``destination`` lacks of every stream in ``source``.

    ``on_batch(plan_id, events)`` is called after each committed batch (for progress).
    """
    if batch < 1:
        raise RejectedError("batch", "must be at least 1.")
    plan_ids = source.plan_ids()
    _check_source(source, plan_ids)
    _refuse_diverged(source, destination, plan_ids)
    plans_copied = events_copied = events_present = 0
    for plan_id in plan_ids:
        have = destination.stream_version(plan_id)
        records = source.read_stream(plan_id)
        events_present += min(have, len(records))
        missing = records[have:]
        if not missing:
            continue
        broken = find_chain_break(plan_id, records)
        if broken is not None:
            raise IntegrityError(f"the source is damaged at {broken}; nothing of this plan was copied.")
        for start in range(0, len(missing), batch):
            chunk = missing[start : start + batch]
            destination.append(
                plan_id,
                [_pending(r) for r in chunk],
                chunk[0].version - 1,
                expect_hashes=[r.hash for r in chunk],
            )
            events_copied += len(chunk)
            if on_batch is not None:
                on_batch(plan_id, len(chunk))
        plans_copied += 1
    return MigrationReport(len(plan_ids), plans_copied, events_copied, events_present)


def migrate(
    source_url: str | os.PathLike[str],
    destination_url: str | os.PathLike[str],
    *,
    batch: int = 1000,
    on_batch: BatchCallback | None = None,
) -> MigrationReport:
    """Open both stores by path or URL and copy (see copy_streams)."""
    src, dst = os.fspath(source_url), os.fspath(destination_url)
    if not is_postgres(src) and not Path(sqlite_path(src)).is_file():
        raise RejectedError("SRC", f"there is no store at {src!r}; give an existing SQLite file or a URL.")
    if _same_store(src, dst):
        raise RejectedError("DST", "is the same store as SRC; give another store to copy into.")
    new_file = None if is_postgres(dst) or Path(sqlite_path(dst)).exists() else Path(sqlite_path(dst))
    with open_store(src, create=False) as source, open_store(dst) as destination:
        try:
            return copy_streams(source, destination, batch=batch, on_batch=on_batch)
        except BaseException:
            if new_file is None or destination.head_position() > 0:
                raise  # what was copied stays: a rerun resumes from it
            destination.close()
            for suffix in ("", "-wal", "-shm"):  # a copy refused before anything: no empty store
                Path(f"{new_file}{suffix}").unlink(missing_ok=True)
            raise


def _check_source(source: EventStore, plan_ids: list[str]) -> None:
    """Before anything is copied: every stream in the source begins at version 1, chains, and
    replays through the domain rules with recorded-at never going back. One bad stream and
    nothing at all is copied."""
    opened = set(plan_ids)
    for record in source.iter_all():
        if record.plan_id not in opened:
            raise IntegrityError(
                f"the source is damaged: plan {record.plan_id} has events (position {record.position}) "
                "but no opening event (version 1); nothing was copied. Run `goalplan verify` on it."
            )
    for plan_id in plan_ids:
        records = source.read_stream(plan_id)
        broken = find_chain_break(plan_id, records)
        if broken is not None:
            raise IntegrityError(f"the source is damaged at {broken}; nothing was copied.")
        rules = StreamRules(plan_id)
        for record in records:
            try:
                rules.admit(
                    record.version,
                    record.event_id,
                    record.event,
                    record.recorded_at,
                    record.actor,
                    record.schema_version,
                )
            except RejectedError as exc:
                raise RejectedError(exc.field, f"{exc.message} Nothing was copied.") from None
            except CodecError as exc:
                raise RejectedError("migrate", f"{exc} Nothing was copied.") from None


def _refuse_diverged(source: EventStore, destination: EventStore, plan_ids: list[str]) -> None:
    """Compare each shared stream at the last version both hold: one hash covers all before it."""
    held = set(destination.plan_ids())
    for plan_id in plan_ids:
        if plan_id not in held:
            continue
        common = min(source.stream_version(plan_id), destination.stream_version(plan_id))
        mine = source.read_stream(plan_id, common)[:1]
        theirs = destination.read_stream(plan_id, common)[:1]
        if [r.hash for r in mine] != [r.hash for r in theirs]:
            raise RejectedError(
                f"plan {plan_id}",
                f"the destination already holds different events for this plan (version {common} "
                "differs from the source); nothing was copied.",
            )


def _pending(record: RecordedEvent) -> NewEvent:
    return NewEvent(
        hash_scheme=record.hash_scheme,
        event_id=record.event_id,
        type=record.type,
        schema_version=record.schema_version,
        payload=record.payload,
        actor=record.actor,
        recorded_at=record.recorded_at,
    )


def _same_store(src: str, dst: str) -> bool:
    if is_postgres(src) or is_postgres(dst):
        return postgres_url(src) == postgres_url(dst)
    return Path(sqlite_path(src)).resolve() == Path(sqlite_path(dst)).resolve()
