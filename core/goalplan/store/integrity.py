"""Whole-store verification: every chain, every position, every checkpoint, the witness.

One pass over the events in position order, merged with the checkpoints in position order,
so memory stays bounded by the number of plans, not events. Each problem names what it can:
the plan, the version or position, and what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from attrs import field, frozen

from goalplan.codec import GENESIS_HASH, RecordedEvent, chain_hash
from goalplan.errors import GoalplanError
from goalplan.store.base import EventStore
from goalplan.store.checkpoints import Checkpoint, checkpoint_from_json, signature_holds
from goalplan.store.claims import claim_holds
from goalplan.store.keys import load_key, trusted_keys, witness_file
from goalplan.store.witness import BEFORE, PENDING, read_witness

RECENT_LIMIT = 10_000  # positions remembered for the checks of the next checkpoint


@frozen
class Problem:
    """One thing wrong with the store. ``kind`` is stable (docs/json.md lists them)."""

    kind: str
    message: str
    plan_id: str | None = None
    version: int | None = None
    position: int | None = None
    event_id: str | None = None

    def __str__(self) -> str:
        where = []
        if self.plan_id is not None:
            where.append(f"plan {self.plan_id}")
        if self.version is not None:
            where.append(f"version {self.version}")
        if self.event_id is not None:
            where.append(f"(event {self.event_id})")
        if self.position is not None:
            where.append(f"{'at ' if where else ''}position {self.position}")
        return f"{' '.join(where) or 'the store'}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "plan_id": self.plan_id,
            "version": self.version,
            "position": self.position,
            "event_id": self.event_id,
        }


@frozen
class IntegrityReport:
    plans: int
    events: int
    checkpoints: int
    head_position: int
    problems: tuple[Problem, ...]
    witness: str
    """'checked', 'none' (no witness for this store here) or 'not signing here'."""
    trusted_keys: tuple[str, ...] = field(factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "plans": self.plans,
            "events": self.events,
            "checkpoints": self.checkpoints,
            "head_position": self.head_position,
            "witness": self.witness,
            "trusted_keys": list(self.trusted_keys),
            "problems": [p.to_json() for p in self.problems],
        }


class _Plan:
    __slots__ = ("broken", "covered", "events", "head_hash", "last_version")

    def __init__(self) -> None:
        self.last_version = 0
        self.head_hash = GENESIS_HASH
        self.broken = False
        self.covered = 0
        self.events = 0


def _signature_problem(cp: Checkpoint, trusted: Mapping[str, str]) -> Problem | None:
    public_key = trusted.get(cp.key_id)
    if public_key is None:
        return Problem(
            "untrusted-key",
            f"the checkpoint at position {cp.position} is signed by key {cp.key_id}, which this "
            f"installation does not trust (see `goalplan keys`)",
            cp.plan_id,
            cp.version,
            cp.position,
        )
    if not signature_holds(cp, public_key):
        return Problem(
            "bad-signature",
            f"the checkpoint at position {cp.position} does not carry a valid signature of key "
            f"{cp.key_id}: it was forged or altered",
            cp.plan_id,
            cp.version,
            cp.position,
        )
    return None


def check_store(
    store: EventStore,
    trusted: Mapping[str, str],
    *,
    witness: Checkpoint | None = None,
    witness_state: str = "none",
    against: Sequence[tuple[Checkpoint, str]] = (),
    local_key_id: str | None = None,
) -> IntegrityReport:
    """Check the whole store. ``trusted`` maps key ids to public keys; ``witness`` is this
    installation's last signed checkpoint for the store; ``against`` are checkpoints kept
    elsewhere, each with the public key that signed it."""
    problems: list[Problem] = []
    plans: dict[str, _Plan] = {}
    recent: dict[int, tuple[str, int, str]] = {}
    checkpoints = store.iter_checkpoints()
    cp = next(checkpoints, None)
    n_checkpoints = 0
    expected = 1
    run_plan, run_start = "", 0
    events = 0
    signed_here = False

    def look(position: int) -> tuple[str, int, str] | None:
        found = recent.get(position)
        if found is None:
            record = store.event_at(position)
            found = None if record is None else (record.plan_id, record.version, record.hash)
        return found

    for record in store.iter_all():
        events += 1
        position = record.position
        if position != expected:
            problems.append(
                Problem(
                    "position-gap",
                    f"positions {expected} to {position - 1} are missing: events were removed"
                    if position > expected
                    else f"position {position} appears out of order",
                    position=expected,
                )
            )
        expected = position + 1
        if record.plan_id != run_plan:
            run_plan, run_start = record.plan_id, position
        _check_link(record, plans, problems)
        if len(recent) >= RECENT_LIMIT:
            recent.clear()
        recent[position] = (record.plan_id, record.version, record.hash)
        while cp is not None and cp.position <= position:
            n_checkpoints += 1
            signed_here = signed_here or cp.key_id == local_key_id
            if cp.position < position:
                problems.append(_vanished(cp, position))
                problems.extend(_prior_problems(cp, look, trusted))
            else:
                _check_checkpoint(cp, record, run_plan, run_start, look, plans, trusted, problems)
                recent = {position: recent[position]}
            cp = next(checkpoints, None)
    head = expected - 1
    for cp_left in _chain(cp, checkpoints):
        n_checkpoints += 1
        signed_here = signed_here or cp_left.key_id == local_key_id
        problems.append(_vanished(cp_left, head))
        problems.extend(_prior_problems(cp_left, look, trusted))
    for plan_id, scan in plans.items():
        if scan.covered < scan.last_version:
            first = scan.covered + 1
            span = (
                f"version {first} is"
                if first == scan.last_version
                else f"versions {first} to {scan.last_version} are"
            )
            problems.append(
                Problem(
                    "unsigned",
                    f"{span} not covered by a valid signed checkpoint: they were added or rewritten "
                    "without a trusted key",
                    plan_id,
                    first,
                )
            )
    problems.extend(_pending_problems(store, trusted))
    if witness is not None:
        problems.extend(reach(store, witness, trusted.get(witness.key_id, ""), "witness", head))
    elif signed_here and witness_state == "none":
        problems.append(
            Problem(
                "witness",
                "this installation signed checkpoints in this store, but its witness file is gone: "
                "it was deleted, or the key folder was copied without it",
            )
        )
    for kept, public_key in against:
        problems.extend(reach(store, kept, public_key, "against", head))
    return IntegrityReport(
        plans=len(plans),
        events=events,
        checkpoints=n_checkpoints,
        head_position=head,
        problems=tuple(problems),
        witness=witness_state,
        trusted_keys=tuple(sorted(trusted)),
    )


def _pending_problems(store: EventStore, trusted: Mapping[str, str]) -> list[Problem]:
    """Events written without a position yet: an append that stopped between its two phases
    (a valid claim covers them; the next write seals them), or rows added outside goalplan."""
    waiting = store.pending_events()
    if not waiting:
        return []
    claims = [c for c in store.pending_claims() if c.store_id == store.store_id and claim_holds(c, trusted)]
    runs: list[tuple[str, int, int, bool, str]] = []
    for plan_id, version, event_id in waiting:
        claimed = any(c.covers(plan_id, version) for c in claims)
        if runs and runs[-1][0] == plan_id and runs[-1][2] == version - 1 and runs[-1][3] == claimed:
            runs[-1] = (plan_id, runs[-1][1], version, claimed, runs[-1][4])
        else:
            runs.append((plan_id, version, version, claimed, event_id))
    problems = []
    for plan_id, first, last, claimed, event_id in runs:
        span = f"version {first} is" if first == last else f"versions {first} to {last} are"
        if claimed:
            problems.append(
                Problem(
                    "pending",
                    f"{span} written but not yet sealed: an append stopped before its positions were "
                    "given; the next write to the store seals it",
                    plan_id,
                    first,
                    event_id=event_id,
                )
            )
        else:
            problems.append(
                Problem(
                    "unclaimed",
                    f"{span} waiting without a valid signed claim: they were added outside goalplan "
                    "and are never sealed",
                    plan_id,
                    first,
                    event_id=event_id,
                )
            )
    return problems


def _chain(first: Checkpoint | None, rest: Iterator[Checkpoint]) -> Iterator[Checkpoint]:
    if first is not None:
        yield first
        yield from rest


def _check_link(record: RecordedEvent, plans: dict[str, _Plan], problems: list[Problem]) -> None:
    scan = plans.get(record.plan_id)
    if scan is None:
        scan = plans[record.plan_id] = _Plan()
        if record.version != 1:
            scan.broken = True
            problems.append(
                Problem(
                    "stream-start",
                    f"the plan's first event is version {record.version}: versions 1 to "
                    f"{record.version - 1} are missing (its opening was removed)",
                    record.plan_id,
                    1,
                    record.position,
                    record.event_id,
                )
            )
            scan.last_version = record.version - 1
            scan.head_hash = record.prev_hash
    scan.events += 1
    problem = None
    if record.version != scan.last_version + 1:
        problem = (
            "version",
            f"version {scan.last_version + 1} should come next but version {record.version} is at "
            f"position {record.position}: events were removed, reordered or inserted",
        )
    elif record.prev_hash != scan.head_hash:
        problem = (
            "chain",
            "its previous-hash does not match the event before it: an event was inserted, removed "
            "or replaced before this point",
        )
    elif (
        chain_hash(plan_id=record.plan_id, version=record.version, event=record, prev_hash=record.prev_hash)
        != record.hash
    ):
        problem = ("chain", "its content does not match its hash: the event was edited")
    if problem is not None and not scan.broken:
        scan.broken = True
        problems.append(
            Problem(problem[0], problem[1], record.plan_id, record.version, record.position, record.event_id)
        )
    scan.last_version = max(scan.last_version, record.version)
    scan.head_hash = record.hash


def _vanished(cp: Checkpoint, where: int) -> Problem:
    return Problem(
        "missing-event",
        f"the checkpoint at position {cp.position} names version {cp.version}, but the store holds "
        "no event at that position: events were removed",
        cp.plan_id,
        cp.version,
        cp.position,
    )


def _prior_problems(cp: Checkpoint, look: Any, trusted: Mapping[str, str]) -> list[Problem]:
    """A vanished checkpoint still says which event stood before its append: is it there?"""
    if not cp.prior_plan_id or _signature_problem(cp, trusted) is not None:
        return []
    if look(cp.first_position - 1) == (cp.prior_plan_id, cp.prior_version, cp.prior_hash):
        return []
    return [_prior_gone(cp)]


def _prior_gone(cp: Checkpoint) -> Problem:
    return Problem(
        "missing-event",
        f"the checkpoint at position {cp.position} (plan {cp.plan_id}) says version "
        f"{cp.prior_version} of this plan stood at position {cp.first_position - 1}, "
        "but the store no longer holds it there: events were removed or replaced",
        cp.prior_plan_id,
        cp.prior_version,
        cp.first_position - 1,
    )


def _check_checkpoint(
    cp: Checkpoint,
    record: RecordedEvent,
    run_plan: str,
    run_start: int,
    look: Any,
    plans: dict[str, _Plan],
    trusted: Mapping[str, str],
    problems: list[Problem],
) -> None:
    bad = _signature_problem(cp, trusted)
    if bad is not None:
        problems.append(bad)
        return
    if (record.plan_id, record.version, record.hash) != (cp.plan_id, cp.version, cp.hash):
        problems.append(
            Problem(
                "checkpoint-mismatch",
                f"the signed checkpoint says position {cp.position} holds version {cp.version} "
                f"(hash {cp.hash[:16]}), but the store holds plan {record.plan_id} version "
                f"{record.version} there: events were removed, moved or replaced",
                cp.plan_id,
                cp.version,
                cp.position,
            )
        )
        return
    if run_plan != cp.plan_id or run_start > cp.first_position or cp.first_position < 1:
        problems.append(
            Problem(
                "checkpoint-mismatch",
                f"the signed checkpoint says positions {cp.first_position} to {cp.position} are one "
                "append to this plan, but the store holds other events among them: events were moved",
                cp.plan_id,
                cp.version,
                cp.first_position,
            )
        )
        return
    expected_prior = None if cp.prior_plan_id == "" else (cp.prior_plan_id, cp.prior_version, cp.prior_hash)
    actual_prior = look(cp.first_position - 1) if cp.first_position > 1 else None
    if expected_prior != actual_prior:
        if expected_prior is None:
            problems.append(
                Problem(
                    "checkpoint-mismatch",
                    f"the signed checkpoint says position {cp.first_position} was the store's first "
                    "event, but events stand before it: events were inserted",
                    cp.plan_id,
                    cp.version,
                    cp.first_position,
                )
            )
        else:
            problems.append(_prior_gone(cp))
        return
    scan = plans[cp.plan_id]
    if not scan.broken:
        scan.covered = max(scan.covered, cp.version)


def reach(store: EventStore, cp: Checkpoint, public_key: str, kind: str, head: int) -> list[Problem]:
    """A checkpoint kept outside the store (the witness, or one given) must still be in it."""
    label = "the witness" if kind == "witness" else "the checkpoint given"
    if not public_key or not signature_holds(cp, public_key):
        return [
            Problem(
                kind,
                f"{label} does not carry a valid signature (key {cp.key_id}); it was altered",
                cp.plan_id,
                cp.version,
                cp.position,
            )
        ]
    record = store.event_at(cp.position)
    if record is None or (record.plan_id, record.version, record.hash) != (cp.plan_id, cp.version, cp.hash):
        if cp.position > head:
            why = f"the store now ends at position {head}: events were removed"
        else:
            why = "the store holds something else there: events were removed or replaced"
        return [
            Problem(
                kind,
                f"{label} records version {cp.version} at position {cp.position} (hash "
                f"{cp.hash[:16]}), but {why}",
                cp.plan_id,
                cp.version,
                cp.position,
            )
        ]
    return []


Trust = tuple[dict[str, str], "Checkpoint | None", str, list["Problem"]]


def local_trust(store: EventStore) -> Trust:
    """(trusted keys, this installation's verified witness for the store, its state, problems)."""
    key = load_key()
    trusted = {key_id: t.public_key for key_id, t in trusted_keys(key).items()}
    if key is None:
        return trusted, None, "not signing here", []
    path = witness_file(store.store_id, key.folder)
    try:
        record = read_witness(path)
        if record is None:
            return trusted, None, "none", []
        cp, _ = checkpoint_from_json(record)
        before = record.get(BEFORE) if record.get(PENDING) else None
        earlier = checkpoint_from_json(before)[0] if isinstance(before, dict) else None
    except GoalplanError as exc:
        return trusted, None, "damaged", [Problem("witness", f"the witness {path} cannot be read: {exc}")]
    for signed in (cp, earlier):
        if signed is not None and (
            signed.store_id != store.store_id or not signature_holds(signed, key.public_key)
        ):
            problem = Problem(
                "witness",
                f"the witness {path} is not signed by this installation's key for this store: it was altered",
                signed.plan_id,
                signed.version,
                signed.position,
            )
            return trusted, None, "damaged", [problem]
    if record.get(PENDING) and not _holds(store, cp):
        # Written just before a commit that a crash may have stopped: the committed record it
        # carries is what the store must still hold.
        return trusted, earlier, "checked", []
    return trusted, cp, "checked", []


def _holds(store: EventStore, cp: Checkpoint) -> bool:
    record = store.event_at(cp.position)
    return record is not None and (record.plan_id, record.version, record.hash) == (
        cp.plan_id,
        cp.version,
        cp.hash,
    )


def check_plan(
    store: EventStore,
    plan_id: str,
    records: Sequence[RecordedEvent],
    trusted: Mapping[str, str],
    witness: Checkpoint | None = None,
) -> list[Problem]:
    """One plan's chain, its checkpoints and the witness: what a read checks before showing it."""
    from goalplan.store.base import find_chain_break

    problems: list[Problem] = []
    broken = find_chain_break(plan_id, records)
    if broken is not None:
        problems.append(Problem("chain", broken.problem, plan_id, broken.version, None, broken.event_id))
        return problems
    last = records[-1].version if records else 0
    covered = 0

    def holds(cp: Checkpoint) -> bool:
        return cp.key_id in trusted and signature_holds(cp, trusted[cp.key_id])

    # Newest first: one signature check establishes what is covered; a checkpoint that does
    # not match the store is evidence of tampering whoever signed it (a forgery or a removal).
    for cp in reversed(store.plan_checkpoints(plan_id)):
        if cp.plan_id == plan_id:
            at = records[cp.version - 1] if 0 < cp.version <= last else None
            if at is None or (at.hash, at.position) != (cp.hash, cp.position):
                problems.append(
                    Problem(
                        "checkpoint-mismatch" if holds(cp) else "bad-signature",
                        f"the checkpoint at position {cp.position} records version {cp.version} "
                        f"(hash {cp.hash[:16]}), which the store does not hold as recorded: events were "
                        "removed or replaced",
                        plan_id,
                        cp.version,
                        cp.position,
                    )
                )
            elif covered == 0 and holds(cp):
                covered = cp.version
        if cp.prior_plan_id == plan_id:
            at = records[cp.prior_version - 1] if 0 < cp.prior_version <= last else None
            if at is None or (at.hash, at.position) != (cp.prior_hash, cp.first_position - 1):
                problems.append(
                    Problem(
                        "missing-event" if holds(cp) else "bad-signature",
                        f"the checkpoint at position {cp.position} records version {cp.prior_version} "
                        f"of this plan at position {cp.first_position - 1}, which the store no longer "
                        "holds: events were removed or replaced",
                        plan_id,
                        cp.prior_version,
                        cp.first_position - 1,
                    )
                )
    if covered < last:
        first = covered + 1
        span = f"version {first} is" if first == last else f"versions {first} to {last} are"
        problems.append(
            Problem(
                "unsigned",
                f"{span} not covered by a valid signed checkpoint: they were added or rewritten "
                "without a trusted key",
                plan_id,
                first,
            )
        )
    if witness is not None and witness.plan_id == plan_id:
        at = records[witness.version - 1] if 0 < witness.version <= last else None
        if at is None or (at.hash, at.position) != (witness.hash, witness.position):
            problems.append(
                Problem(
                    "witness",
                    f"the witness records version {witness.version} at position {witness.position} "
                    f"(hash {witness.hash[:16]}), which the store no longer holds: events were removed",
                    plan_id,
                    witness.version,
                    witness.position,
                )
            )
    return problems
