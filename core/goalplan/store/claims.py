"""Signed claims: how a PostgreSQL append waits for its positions without opening the queue.

A PostgreSQL append first stores its events without a global position, beside a claim that
names the plan, the versions and the head hash, signed with the writer's key. The sequencer
gives positions only to events a valid claim covers, so rows slipped into the table by someone
without a trusted key wait there forever, never sealed, and ``verify`` names them.
"""

from __future__ import annotations

from collections.abc import Mapping

from attrs import asdict, frozen

from goalplan.jcs import jcs
from goalplan.store.keys import SigningKey, key_id_of, verify_signature

CLAIM_PREFIX = b"goalplan claim 1\n"


@frozen(kw_only=True)
class Claim:
    """Versions ``first_version``..``last_version`` of a plan, ending at ``hash``, await positions."""

    store_id: str
    plan_id: str
    first_version: int
    last_version: int
    hash: str
    key_id: str
    signature: str = ""

    def message(self) -> bytes:
        fields = asdict(self)
        del fields["signature"]
        return CLAIM_PREFIX + jcs(fields).encode("utf-8")

    def covers(self, plan_id: str, version: int) -> bool:
        return plan_id == self.plan_id and self.first_version <= version <= self.last_version


def sign_claim(
    key: SigningKey | None, store_id: str, plan_id: str, first_version: int, last_version: int, head: str
) -> Claim:
    """A claim signed by ``key`` (unsigned, with an empty key id, for a store that does not sign)."""
    unsigned = Claim(
        store_id=store_id,
        plan_id=plan_id,
        first_version=first_version,
        last_version=last_version,
        hash=head,
        key_id=key.key_id if key else "",
    )
    if key is None:
        return unsigned
    return Claim(**{**asdict(unsigned), "signature": key.sign(unsigned.message())})


def claim_holds(claim: Claim, trusted: Mapping[str, str]) -> bool:
    """True when a trusted key signed exactly this claim."""
    public_key = trusted.get(claim.key_id)
    return (
        public_key is not None
        and key_id_of(public_key) == claim.key_id
        and verify_signature(public_key, claim.message(), claim.signature)
    )
