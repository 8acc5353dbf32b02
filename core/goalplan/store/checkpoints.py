"""Signed checkpoints: every committed append is vouched for by the writer's Ed25519 key.

A checkpoint names the append's place in the store (its first and last global position), the
plan's new head (plan, version, hash) and the event just before the append (the store's head
when it began). Because the chain hash pins every earlier event of the plan and the prior
event pins the store before it, the checkpoints together cover every event, its position and
every plan, and none of that can be rewritten without the key. See docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring as _quote
from operator import attrgetter
from typing import Any

from attrs import asdict, frozen

from goalplan.errors import GoalplanError
from goalplan.jcs import MAX_SAFE_INTEGER, jcs
from goalplan.store.keys import SigningKey, key_id_of, verify_signature

MESSAGE_PREFIX = b"goalplan checkpoint 1\n"
CHECKPOINT_FIELDS = (
    "store_id",
    "position",
    "first_position",
    "plan_id",
    "version",
    "hash",
    "prior_plan_id",
    "prior_version",
    "prior_hash",
    "key_id",
    "signature",
)

_fields_of = attrgetter(*CHECKPOINT_FIELDS)
_row_of = attrgetter(*CHECKPOINT_FIELDS[1:])


@frozen(kw_only=True)
class Checkpoint:
    """One append, signed. ``prior_*`` is the event at ``first_position - 1`` ('' and 0 at 1)."""

    store_id: str
    position: int
    first_position: int
    plan_id: str
    version: int
    hash: str
    prior_plan_id: str
    prior_version: int
    prior_hash: str
    key_id: str
    signature: str = ""

    def message(self) -> bytes:
        """The bytes signed: a fixed prefix, then the JCS of every field but the signature.

        Spelled directly when every field is plain (ASCII text, whole numbers JCS writes as
        they are): the same bytes as jcs() gives, at a tenth of its cost on every append.
        """
        text = _plain_message(self)
        if text is None:
            fields = asdict(self)
            del fields["signature"]
            text = jcs(fields)
        return MESSAGE_PREFIX + text.encode("utf-8")

    def row(self) -> tuple[Any, ...]:
        return _row_of(self)

    def to_json(self, public_key: str = "") -> dict[str, Any]:
        """The form written to the witness and by ``checkpoint export``."""
        out: dict[str, Any] = dict(zip(CHECKPOINT_FIELDS, _fields_of(self), strict=True))
        out["format"] = "goalplan-checkpoint-1"
        if public_key:
            out["public_key"] = public_key
        return out

    def where(self) -> str:
        return f"plan {self.plan_id} version {self.version} at position {self.position}"


def _plain_message(c: Checkpoint) -> str | None:
    """JCS of the signed fields, written out in their sorted order; None unless every text is
    ASCII and every number a whole number JCS writes as it is (then jcs() decides)."""
    try:
        plain = "".join((c.hash, c.key_id, c.plan_id, c.prior_hash, c.prior_plan_id, c.store_id)).isascii()
    except TypeError:  # not all text
        return None
    numbers = (c.first_position, c.position, c.prior_version, c.version)
    if not plain or any(type(n) is not int for n in numbers):
        return None
    if not -MAX_SAFE_INTEGER <= min(numbers) <= max(numbers) <= MAX_SAFE_INTEGER:
        return None
    text = _quote
    return (
        f'{{"first_position":{c.first_position},"hash":{text(c.hash)},"key_id":{text(c.key_id)},'
        f'"plan_id":{text(c.plan_id)},"position":{c.position},"prior_hash":{text(c.prior_hash)},'
        f'"prior_plan_id":{text(c.prior_plan_id)},"prior_version":{c.prior_version},'
        f'"store_id":{text(c.store_id)},"version":{c.version}}}'
    )


def checkpoint_from_row(store_id: str, row: Sequence[Any]) -> Checkpoint:
    """A stored row (columns in CHECKPOINT_FIELDS order after store_id) as a Checkpoint."""
    values = dict(zip(CHECKPOINT_FIELDS[1:], row, strict=True))
    return Checkpoint(store_id=store_id, **values)


def checkpoint_from_json(record: Mapping[str, Any]) -> tuple[Checkpoint, str]:
    """A checkpoint file or witness read back: (checkpoint, public key), or GoalplanError."""
    if record.get("format") != "goalplan-checkpoint-1":
        raise GoalplanError("not a goalplan checkpoint (its 'format' is not goalplan-checkpoint-1).")
    values: dict[str, Any] = {}
    for name in CHECKPOINT_FIELDS:
        value = record.get(name)
        wants_int = name in ("position", "first_position", "version", "prior_version")
        if wants_int and (isinstance(value, bool) or not isinstance(value, int)):
            raise GoalplanError(f"the checkpoint's {name!r} must be a whole number.")
        if not wants_int and not isinstance(value, str):
            raise GoalplanError(f"the checkpoint's {name!r} must be text.")
        values[name] = value
    public_key = record.get("public_key", "")
    if not isinstance(public_key, str):
        raise GoalplanError("the checkpoint's 'public_key' must be text.")
    return Checkpoint(**values), public_key


def seal(
    key: SigningKey,
    store_id: str,
    plan_id: str,
    rows: Sequence[Sequence[Any]],
    prior: tuple[str, int, str] | None,
) -> Checkpoint:
    """Sign an append: ``rows`` are the inserted event rows (position first, then as
    event_rows builds them), ``prior`` the (plan, version, hash) just before the first."""
    first, last = rows[0], rows[-1]
    return seal_span(
        key, store_id, plan_id, (int(first[0]), int(last[0])), (int(last[3]), str(last[10])), prior
    )


def seal_span(
    key: SigningKey,
    store_id: str,
    plan_id: str,
    positions: tuple[int, int],
    head: tuple[int, str],
    prior: tuple[str, int, str] | None,
) -> Checkpoint:
    """Sign an append that holds ``positions`` (first, last) and ends at ``head`` (version, hash)."""
    prior_plan, prior_version, prior_hash = prior or ("", 0, "")
    fields: dict[str, Any] = {
        "store_id": store_id,
        "position": positions[1],
        "first_position": positions[0],
        "plan_id": plan_id,
        "version": head[0],
        "hash": head[1],
        "prior_plan_id": prior_plan,
        "prior_version": prior_version,
        "prior_hash": prior_hash,
        "key_id": key.key_id,
    }
    return Checkpoint(**fields, signature=key.sign(Checkpoint(**fields).message()))


def signature_holds(checkpoint: Checkpoint, public_key: str) -> bool:
    return key_id_of(public_key) == checkpoint.key_id and verify_signature(
        public_key, checkpoint.message(), checkpoint.signature
    )
