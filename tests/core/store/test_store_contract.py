"""The contract every store keeps, run on SQLite and on PostgreSQL alike (see conftest.py)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from goalplan.codec import GENESIS_HASH, NewEvent, RecordedEvent, chain_hash
from goalplan.errors import ConcurrencyError, IntegrityError, RejectedError
from goalplan.store import EventStore, open_store
from goalplan.store.base import APPEND_ONLY_MESSAGE

from .conftest import Backdoor
from .factory import new_events


def _snapshot(store: EventStore) -> list[RecordedEvent]:
    return store.read_all()


# appending ----------------------------------------------------------------------------------


def test_append_assigns_versions_positions_and_a_hash_chain(store: EventStore) -> None:
    first = new_events(3)
    result = store.append("plan-a", first, 0)
    assert result.versions == (1, 2, 3)
    assert result.positions == (1, 2, 3)
    assert result.duplicate is False
    assert result.last_version == 3
    second = store.append("plan-b", new_events(2), 0)
    assert second.versions == (1, 2)
    assert second.positions == (4, 5)

    records = store.read_stream("plan-a")
    assert [r.event_id for r in records] == [e.event_id for e in first]
    prev = GENESIS_HASH
    for record, pending in zip(records, first, strict=True):
        assert (record.payload, record.type, record.actor, record.recorded_at) == (
            pending.payload,
            pending.type,
            pending.actor,
            pending.recorded_at,
        )
        assert record.prev_hash == prev
        assert record.hash == chain_hash(
            plan_id="plan-a", version=record.version, event=pending, prev_hash=prev
        )
        prev = record.hash
    assert store.stream_version("plan-a") == 3
    assert store.stream_version("nobody") == 0
    assert store.head_position() == 5
    assert store.verify() == []


def test_an_empty_append_writes_nothing(store: EventStore) -> None:
    result = store.append("plan-a", [], 0)
    assert (result.versions, result.positions) == ((), ())
    assert store.head_position() == 0


def test_a_batch_with_the_same_event_id_twice_is_refused(store: EventStore) -> None:
    event = new_events(1)[0]
    with pytest.raises(RejectedError) as caught:
        store.append("plan-a", [event, event], 0)
    assert caught.value.field == "event_id"
    assert store.head_position() == 0


def test_an_append_that_fails_midway_leaves_nothing_and_no_gap(store: EventStore, backdoor: Backdoor) -> None:
    store.append("plan-x", new_events(1), 0)
    batch = new_events(4)
    backdoor.fail_insert_of(batch[2].event_id)  # the database itself refuses the third row
    with pytest.raises(Exception, match="injected fault"):
        store.append("plan-a", batch, 0)
    assert store.stream_version("plan-a") == 0
    assert [r.plan_id for r in store.read_all()] == ["plan-x"]
    result = store.append("plan-a", batch[:2], 0)
    assert result.positions == (2, 3)  # the failed attempt used up no position


def test_a_stale_expected_version_raises_and_writes_nothing(store: EventStore) -> None:
    store.append("plan-a", new_events(2), 0)
    before = _snapshot(store)
    for wrong in (0, 1, 3, 7):
        with pytest.raises(ConcurrencyError) as caught:
            store.append("plan-a", new_events(2), wrong)
        assert (caught.value.plan_id, caught.value.expected, caught.value.actual) == ("plan-a", wrong, 2)
    with pytest.raises(ConcurrencyError):
        store.append("fresh-plan", new_events(1), 1)
    assert _snapshot(store) == before


def test_resending_a_stored_batch_returns_the_original_result(store: EventStore) -> None:
    batch = new_events(3)
    original = store.append("plan-a", batch, 0)
    store.append("plan-b", new_events(1), 0)
    before = _snapshot(store)
    # A retry after an unknown outcome resends the same ids with the version it first read.
    retry = store.append("plan-a", batch, 0)
    assert retry.duplicate is True
    assert (retry.versions, retry.positions) == (original.versions, original.positions)
    assert _snapshot(store) == before


def test_a_partial_overlap_with_stored_ids_is_refused(store: EventStore) -> None:
    batch = new_events(2)
    store.append("plan-a", batch, 0)
    before = _snapshot(store)
    with pytest.raises(RejectedError) as caught:
        store.append("plan-a", [batch[1], *new_events(1)], 2)
    assert caught.value.field == "event_id"
    with pytest.raises(RejectedError):
        store.append("plan-b", batch, 0)  # ids that belong to another plan
    assert _snapshot(store) == before


# reading ------------------------------------------------------------------------------------


def test_read_stream_from_a_version(store: EventStore) -> None:
    batch = new_events(5)
    store.append("plan-a", batch, 0)
    assert [r.version for r in store.read_stream("plan-a", 3)] == [3, 4, 5]
    assert [r.event_id for r in store.read_stream("plan-a", 3)] == [e.event_id for e in batch[2:]]
    assert store.read_stream("plan-a", 6) == []
    assert store.read_stream("unknown") == []


def test_read_all_catches_up_in_gap_free_position_order(store: EventStore) -> None:
    versions = {"plan-a": 0, "plan-b": 0, "plan-c": 0}
    appended: list[str] = []
    for round_ in range(4):
        for plan_id in versions:
            batch = new_events(1 + (round_ % 2))
            versions[plan_id] = store.append(plan_id, batch, versions[plan_id]).last_version
            appended += [e.event_id for e in batch]
    everything = store.read_all()
    assert [r.position for r in everything] == list(range(1, len(appended) + 1))
    assert [r.event_id for r in everything] == appended
    assert store.head_position() == len(appended)

    seen: list[RecordedEvent] = []
    position = 1
    while page := store.read_all(position, limit=4):
        assert len(page) <= 4
        seen += page
        position = page[-1].position + 1
    assert seen == everything
    assert [r.event_id for r in store.read_all(7, limit=3)] == appended[6:9]
    assert store.read_all(len(appended) + 1) == []
    assert list(store.iter_all(batch=5)) == everything
    assert list(store.iter_all(from_position=10, batch=2)) == everything[9:]


def test_plan_ids_oldest_first_and_by_literal_prefix(store: EventStore) -> None:
    for plan_id in ("B_1", "A%2", "B_2", "BX3"):
        store.append(plan_id, new_events(1), 0)
    store.append("B_1", new_events(1), 1)
    assert store.plan_ids() == ["B_1", "A%2", "B_2", "BX3"]
    assert store.plan_ids("B_") == ["B_1", "B_2"]  # '_' is not a wildcard
    assert store.plan_ids("A%") == ["A%2"]
    assert store.plan_ids("Z") == []


def test_the_log_survives_closing_and_reopening(store: EventStore, store_url: str) -> None:
    batch = new_events(3)
    store.append("plan-a", batch, 0)
    store.close()
    with open_store(store_url) as again:
        assert [r.event_id for r in again.read_stream("plan-a")] == [e.event_id for e in batch]
        assert again.append("plan-a", new_events(1), 3).positions == (4,)
        assert again.verify() == []


def test_concurrent_writers_and_a_catch_up_reader(store_url: str, store: EventStore) -> None:
    """Threads with their own connections: batches stay whole, nothing is lost or skipped."""
    acknowledged: list[tuple[int, str]] = []
    lock = threading.Lock()
    done = threading.Event()
    errors: list[BaseException] = []

    def writer(index: int) -> None:
        try:
            with open_store(store_url) as own:
                for n in range(12):
                    plan_id = "shared" if n % 2 else f"own-{index}"
                    batch = new_events(2, tag=f"w{index}")
                    while True:
                        try:
                            result = own.append(plan_id, batch, own.stream_version(plan_id))
                            break
                        except ConcurrencyError:
                            continue
                    assert result.positions[1] == result.positions[0] + 1
                    with lock:
                        acknowledged.extend(zip(result.positions, [e.event_id for e in batch], strict=True))
        except BaseException as exc:
            errors.append(exc)

    seen: list[RecordedEvent] = []

    def reader() -> None:
        try:
            with open_store(store_url) as own:
                position = 1
                while True:
                    finished = done.is_set()
                    page = own.read_all(position, limit=7)
                    for record in page:
                        assert record.position == position, "the reader skipped or repeated a position"
                        position += 1
                    seen.extend(page)
                    if finished and not page:
                        return
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    follower = threading.Thread(target=reader)
    follower.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    follower.join()
    assert errors == []
    assert sorted(acknowledged) == [(r.position, r.event_id) for r in seen]
    assert len(seen) == 4 * 12 * 2
    assert [r.version for r in store.read_stream("shared")] == list(range(1, 4 * 6 * 2 + 1))
    assert store.verify() == []


# append-only, enforced by the database --------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    ["UPDATE events SET actor = 'mallory' WHERE version = 1", "DELETE FROM events WHERE version = 2"],
    ids=["update", "delete"],
)
def test_a_plain_connection_cannot_rewrite_the_log(
    store: EventStore, backdoor: Backdoor, statement: str
) -> None:
    store.append("plan-a", new_events(3), 0)
    before = _snapshot(store)
    with pytest.raises(Exception, match=APPEND_ONLY_MESSAGE):
        backdoor.execute(statement)
    assert _snapshot(store) == before


# hash chain and verify ------------------------------------------------------------------------


@pytest.fixture
def chained(store: EventStore) -> list[RecordedEvent]:
    store.append("plan-a", new_events(2), 0)
    store.append("plan-b", new_events(2), 0)
    store.append("plan-a", new_events(3), 2)
    assert store.verify() == []
    return store.read_stream("plan-a")


def _row(record: RecordedEvent, **changes: Any) -> tuple[str, tuple[Any, ...]]:
    values = record._replace(**changes)._asdict()
    names = list(values)
    return (
        f"INSERT INTO events ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        tuple(values.values()),
    )


def _only_break(store: EventStore) -> Any:
    breaks = store.verify()
    assert len(breaks) == 1, breaks
    assert store.verify("plan-b") == []
    assert store.verify("plan-a") == breaks
    return breaks[0]


def test_verify_names_an_edited_event(
    store: EventStore, backdoor: Backdoor, chained: list[RecordedEvent]
) -> None:
    edited = json.dumps({**json.loads(chained[2].payload), "title": "something else"}, separators=(",", ":"))
    backdoor.tamper(("UPDATE events SET payload = ? WHERE plan_id = 'plan-a' AND version = 3", (edited,)))
    found = _only_break(store)
    assert (found.plan_id, found.version, found.event_id) == ("plan-a", 3, chained[2].event_id)
    assert "edited" in found.problem
    assert f"plan plan-a version 3 (event {chained[2].event_id})" in str(found)


def test_verify_names_the_link_after_an_edit_that_rehashed_itself(
    store: EventStore, backdoor: Backdoor, chained: list[RecordedEvent]
) -> None:
    forged = chained[1]._replace(actor="mallory")
    digest = chain_hash(plan_id="plan-a", version=2, event=forged, prev_hash=forged.prev_hash)
    backdoor.tamper(
        ("UPDATE events SET actor = 'mallory', hash = ? WHERE plan_id = 'plan-a' AND version = 2", (digest,))
    )
    found = _only_break(store)
    assert (found.version, found.event_id) == (3, chained[2].event_id)
    assert "previous-hash" in found.problem


def test_verify_names_a_deleted_event(
    store: EventStore, backdoor: Backdoor, chained: list[RecordedEvent]
) -> None:
    backdoor.tamper(("DELETE FROM events WHERE plan_id = 'plan-a' AND version = 2", ()))
    found = _only_break(store)
    assert (found.version, found.event_id) == (2, chained[2].event_id)
    assert "missing" in found.problem


def test_verify_names_the_link_after_an_inserted_event(
    store: EventStore, backdoor: Backdoor, chained: list[RecordedEvent]
) -> None:
    # Make room after version 2 (highest first, so no version is ever held twice) and slip in a
    # well-formed event whose own hash is right: only the link after it can give it away.
    shifts = [
        ("UPDATE events SET version = version + 1 WHERE plan_id = 'plan-a' AND version = ?", (v,))
        for v in range(len(chained), 2, -1)
    ]
    intruder = chained[0]._replace(event_id="intruder", version=3, prev_hash=chained[1].hash)
    intruder = intruder._replace(
        position=store.head_position() + 1,
        hash=chain_hash(plan_id="plan-a", version=3, event=intruder, prev_hash=chained[1].hash),
    )
    backdoor.tamper(*shifts, _row(intruder))
    assert [r.event_id for r in store.read_stream("plan-a")][2] == "intruder"
    found = _only_break(store)
    assert (found.version, found.event_id) == (4, chained[2].event_id)
    assert "inserted" in found.problem


def test_verify_names_reordered_events(
    store: EventStore, backdoor: Backdoor, chained: list[RecordedEvent]
) -> None:
    swap = "UPDATE events SET version = ? WHERE plan_id = 'plan-a' AND version = ?"
    backdoor.tamper((swap, (1000, 2)), (swap, (2, 3)), (swap, (3, 1000)))
    found = _only_break(store)
    assert (found.version, found.event_id) == (2, chained[2].event_id)
    assert "reordered" in found.problem


# copying a stream with its hashes ---------------------------------------------------------------


def test_expect_hashes_copies_a_stream_with_identical_hashes(
    store: EventStore, other_store: EventStore
) -> None:
    store.append("plan-a", new_events(4), 0)
    source = store.read_stream("plan-a")
    other_store.append("elsewhere", new_events(2), 0)  # positions differ; hashes must not
    pending = [
        NewEvent(
            event_id=r.event_id,
            type=r.type,
            schema_version=r.schema_version,
            payload=r.payload,
            actor=r.actor,
            recorded_at=r.recorded_at,
        )
        for r in source
    ]
    other_store.append("plan-a", pending[:2], 0, expect_hashes=[r.hash for r in source[:2]])
    other_store.append("plan-a", pending[2:], 2, expect_hashes=[r.hash for r in source[2:]])
    copied = other_store.read_stream("plan-a")
    assert [(r.event_id, r.prev_hash, r.hash) for r in copied] == [
        (r.event_id, r.prev_hash, r.hash) for r in source
    ]
    assert [r.position for r in copied] == [3, 4, 5, 6]
    assert other_store.verify() == []


def test_expect_hashes_refuses_a_mismatching_hash(store: EventStore) -> None:
    batch = new_events(3)
    good = []
    prev = GENESIS_HASH
    for version, event in enumerate(batch, start=1):
        prev = chain_hash(plan_id="plan-a", version=version, event=event, prev_hash=prev)
        good.append(prev)
    wrong = [good[0], good[1], "f" * 64]
    with pytest.raises(IntegrityError, match="plan plan-a version 3"):
        store.append("plan-a", batch, 0, expect_hashes=wrong)
    assert store.head_position() == 0
    with pytest.raises(RejectedError) as caught:
        store.append("plan-a", batch, 0, expect_hashes=good[:2])
    assert caught.value.field == "hash"
    assert store.append("plan-a", batch, 0, expect_hashes=good).versions == (1, 2, 3)
