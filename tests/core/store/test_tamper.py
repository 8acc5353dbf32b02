"""Each tamper the threat model names, done with plain SQL by someone without the signing key,
is caught by verify and named by plan, on SQLite and on PostgreSQL; the untouched store holds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from goalplan import Goalplan, IntegrityError
from goalplan.codec import NewEvent, chain_hash
from goalplan.store import EventStore
from goalplan.store.checkpoints import CHECKPOINT_FIELDS
from goalplan.store.integrity import IntegrityReport
from tests.core.store.conftest import Backdoor
from tests.core.store.factory import new_events

A, B, C = "plan-a", "plan-b", "plan-c"


@pytest.fixture
def filled(store: EventStore) -> EventStore:
    """Positions: A 1-2, B 3-4, A 5, C 6-7, B 8 (B was written last)."""
    store.append(A, new_events(2), 0)
    store.append(B, new_events(2), 0)
    store.append(A, new_events(1), 2)
    store.append(C, new_events(2), 0)
    store.append(B, new_events(1), 2)
    return store


def verify_all(store: EventStore) -> IntegrityReport:
    return Goalplan(store, actor="auditor").integrity()


def named(report: IntegrityReport) -> set[str | None]:
    return {problem.plan_id for problem in report.problems}


def test_the_untouched_store_verifies(filled: EventStore) -> None:
    report = verify_all(filled)
    assert report.ok, report.problems
    assert (report.plans, report.events, report.checkpoints, report.witness) == (3, 8, 5, "checked")


def test_deleting_a_plans_first_event(filled: EventStore, backdoor: Backdoor) -> None:
    backdoor.tamper(("DELETE FROM events WHERE plan_id = ? AND version = 1", (A,)))
    report = verify_all(filled)
    assert not report.ok and A in named(report)
    assert any(p.kind == "stream-start" and p.plan_id == A for p in report.problems)
    with pytest.raises(IntegrityError, match="plan-a"):
        Goalplan(filled).plan(A).log()


def test_deleting_a_plans_last_events_and_their_checkpoints(filled: EventStore, backdoor: Backdoor) -> None:
    backdoor.tamper(
        ("DELETE FROM events WHERE plan_id = ? AND version = 3", (B,)),
        ("DELETE FROM checkpoints WHERE position = 8", ()),
    )
    report = verify_all(filled)
    assert not report.ok and B in named(report)
    assert any(p.kind == "witness" and p.plan_id == B for p in report.problems)  # only the witness knows
    with pytest.raises(IntegrityError, match="witness"):
        Goalplan(filled).plan(B).log()


def test_deleting_a_whole_plan_with_its_checkpoints(filled: EventStore, backdoor: Backdoor) -> None:
    backdoor.tamper(
        ("DELETE FROM events WHERE plan_id = ?", (C,)),
        ("DELETE FROM checkpoints WHERE plan_id = ?", (C,)),
    )
    report = verify_all(filled)
    assert not report.ok and C in named(report)  # the next append's checkpoint remembers C


def test_deleting_a_whole_plan_and_closing_the_gap(filled: EventStore, backdoor: Backdoor) -> None:
    backdoor.tamper(
        ("DELETE FROM events WHERE plan_id = ?", (C,)),
        ("DELETE FROM checkpoints WHERE plan_id = ?", (C,)),
        ("UPDATE events SET position = 6 WHERE position = 8", ()),
    )
    report = verify_all(filled)
    assert not report.ok and C in named(report)


def test_swapping_two_positions(filled: EventStore, backdoor: Backdoor) -> None:
    backdoor.tamper(
        ("UPDATE events SET position = 100 WHERE position = 3", ()),
        ("UPDATE events SET position = 3 WHERE position = 6", ()),
        ("UPDATE events SET position = 6 WHERE position = 100", ()),
    )
    report = verify_all(filled)
    assert not report.ok and {B, C} <= named(report)


def test_replacing_a_stream_with_a_rehashed_forgery(filled: EventStore, backdoor: Backdoor) -> None:
    records = filled.read_stream(A)
    forged = new_events(len(records), tag="forged")
    statements = [("DELETE FROM checkpoints WHERE plan_id = ? OR prior_plan_id = ?", (A, A))]
    prev = records[0].prev_hash
    for record, fake in zip(records, forged, strict=True):
        digest = chain_hash(plan_id=A, version=record.version, event=fake, prev_hash=prev)
        statements.append(
            (
                "UPDATE events SET event_id = ?, recorded_at = ?, payload = ?, prev_hash = ?, hash = ?, "
                "hash_scheme = ? WHERE plan_id = ? AND version = ?",
                (
                    fake.event_id,
                    fake.recorded_at,
                    fake.payload,
                    prev,
                    digest,
                    fake.hash_scheme,
                    A,
                    record.version,
                ),
            )
        )
        prev = digest
    backdoor.tamper(*statements)
    assert filled.verify() == []  # every chain is consistent: only the signatures tell
    report = verify_all(filled)
    assert not report.ok and A in named(report)
    with pytest.raises(IntegrityError, match="plan-a"):
        Goalplan(filled).plan(A).log()


def test_appending_a_forged_well_chained_event(filled: EventStore, backdoor: Backdoor) -> None:
    head = filled.read_stream(B)[-1]
    (fake,) = new_events(1, tag="forged")
    digest = chain_hash(plan_id=B, version=head.version + 1, event=fake, prev_hash=head.hash)
    backdoor.tamper(_insert(fake, B, head.version + 1, 9, head.hash, digest))
    assert filled.verify() == []
    report = verify_all(filled)
    assert not report.ok and B in named(report)
    assert any(p.kind == "unsigned" and p.plan_id == B and p.version == 4 for p in report.problems)


def test_a_forged_event_signed_with_a_key_the_store_does_not_trust(
    filled: EventStore, backdoor: Backdoor, signing_key_file: object
) -> None:
    """The attacker appends through goalplan itself, with a key of their own (another key file)."""
    from goalplan.store import open_store

    with open_store(filled.url) as theirs:
        theirs.append(B, new_events(1, tag="forged"), 3)
    from tests.conftest import KEY_FOLDER

    os.environ["GOALPLAN_KEY_FILE"] = str(KEY_FOLDER / "signing-key.pem")  # back to the suite's key
    report = verify_all(filled)
    assert not report.ok and B in named(report)
    assert {"untrusted-key", "unsigned"} <= {p.kind for p in report.problems if p.plan_id == B}


def _insert(
    event: NewEvent, plan_id: str, version: int, position: int, prev: str, digest: str
) -> tuple[str, tuple[object, ...]]:
    return (
        "INSERT INTO events (position, event_id, plan_id, version, recorded_at, actor, type, "
        "schema_version, payload, prev_hash, hash, hash_scheme) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            position,
            event.event_id,
            plan_id,
            version,
            event.recorded_at,
            event.actor,
            event.type,
            event.schema_version,
            event.payload,
            prev,
            digest,
            event.hash_scheme,
        ),
    )


# The witness and the checkpoints table ------------------------------------------------------


def _witness(store: EventStore) -> Path:
    from goalplan.store.keys import witness_file

    return witness_file(store.store_id)


def test_deleting_the_witness_alone_is_reported(filled: EventStore) -> None:
    """Without its witness the store cannot show that nothing was cut off its end: verify says so
    rather than passing silently."""
    _witness(filled).unlink()
    report = verify_all(filled)
    assert not report.ok and report.witness != "checked", report


def test_deleting_the_last_events_and_the_witness_is_caught_by_a_kept_checkpoint(
    filled: EventStore, backdoor: Backdoor
) -> None:
    kept = filled.read_checkpoints()[-1].to_json()
    backdoor.tamper(
        ("DELETE FROM events WHERE plan_id = ? AND version = 3", (B,)),
        ("DELETE FROM checkpoints WHERE position = 8", ()),
    )
    _witness(filled).unlink()
    report = Goalplan(filled, actor="auditor").integrity(against=[kept])
    assert not report.ok and B in named(report)


def test_replacing_the_witness_with_an_older_one(filled: EventStore, backdoor: Backdoor) -> None:
    """The attacker keeps an old copy of the witness, cuts the store back to it, and puts it back."""
    older = _witness(filled).read_bytes()  # the witness as it stood at position 8
    filled.append(C, new_events(1), 2)  # position 9
    filled.append(B, new_events(1), 3)  # position 10
    kept = filled.read_checkpoints()[-1].to_json()  # `checkpoint export`, kept elsewhere
    backdoor.tamper(
        ("DELETE FROM events WHERE position >= 9", ()),
        ("DELETE FROM checkpoints WHERE position >= 9", ()),
    )
    _witness(filled).write_bytes(older)
    report = verify_all(filled)
    # An older witness the store still reaches is consistent with the cut: this is the case only
    # a checkpoint kept elsewhere (checkpoint export, a printed fingerprint) can reveal.
    assert report.ok, report.problems
    against = Goalplan(filled, actor="auditor").integrity(against=[kept])
    assert not against.ok and B in named(against)
    against = Goalplan(filled, actor="auditor").integrity(against=[kept])
    assert not against.ok and B in named(against)


def test_editing_the_checkpoints_table(filled: EventStore, backdoor: Backdoor) -> None:
    backdoor.tamper(("UPDATE checkpoints SET version = 1 WHERE plan_id = ? AND version = 2", (C,)))
    report = verify_all(filled)
    assert not report.ok and C in named(report)


def test_a_checkpoint_signed_by_a_key_the_store_does_not_trust(
    filled: EventStore, backdoor: Backdoor
) -> None:
    """A forged, well-chained event with a checkpoint correctly signed by the attacker's own key,
    registered in the store's signing_keys table as if it belonged there."""
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from goalplan.store.checkpoints import Checkpoint
    from goalplan.store.keys import key_id_of

    theirs = Ed25519PrivateKey.generate()
    public = base64.b64encode(theirs.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    head = filled.read_stream(B)[-1]
    (fake,) = new_events(1, tag="forged")
    digest = chain_hash(plan_id=B, version=head.version + 1, event=fake, prev_hash=head.hash)
    unsigned = Checkpoint(
        store_id=filled.store_id,
        position=9,
        first_position=9,
        plan_id=B,
        version=head.version + 1,
        hash=digest,
        prior_plan_id=B,
        prior_version=head.version,
        prior_hash=head.hash,
        key_id=key_id_of(public),
    )
    signature = base64.b64encode(theirs.sign(unsigned.message())).decode()
    row = (*unsigned.row()[:-1], signature)
    backdoor.tamper(
        _insert(fake, B, head.version + 1, 9, head.hash, digest),
        (
            "INSERT INTO signing_keys (key_id, public_key, label, added_at) VALUES (?, ?, ?, ?)",
            (key_id_of(public), public, "attacker", "2026-01-01T00:00:00Z"),
        ),
        (f"INSERT INTO checkpoints ({', '.join(CHECKPOINT_FIELDS[1:])}) VALUES ({', '.join('?' * 10)})", row),
    )
    report = verify_all(filled)
    assert not report.ok and B in named(report)
    assert any(p.kind == "untrusted-key" and p.plan_id == B for p in report.problems), report.problems
