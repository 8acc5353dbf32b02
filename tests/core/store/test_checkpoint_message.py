"""A checkpoint's signed message is written out directly on the append path: it must be the
very bytes the generic JCS writer gives, or old signatures would stop verifying."""

from __future__ import annotations

from attrs import asdict
from hypothesis import given
from hypothesis import strategies as st

from goalplan.jcs import MAX_SAFE_INTEGER, jcs
from goalplan.store.checkpoints import MESSAGE_PREFIX, Checkpoint, _plain_message

texts = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=12)
numbers = st.one_of(
    st.integers(min_value=-MAX_SAFE_INTEGER - 2, max_value=MAX_SAFE_INTEGER + 2),
    st.integers(min_value=0, max_value=10**6),
)


def _generic(checkpoint: Checkpoint) -> bytes:
    fields = asdict(checkpoint)
    del fields["signature"]
    return MESSAGE_PREFIX + jcs(fields).encode("utf-8")


@given(
    st.builds(
        Checkpoint,
        store_id=texts,
        position=numbers,
        first_position=numbers,
        plan_id=texts,
        version=numbers,
        hash=texts,
        prior_plan_id=texts,
        prior_version=numbers,
        prior_hash=texts,
        key_id=texts,
        signature=texts,
    )
)
def test_the_message_is_the_jcs_of_the_fields(checkpoint: Checkpoint) -> None:
    try:
        expected = _generic(checkpoint)
    except ValueError:  # what JCS cannot spell (lone surrogates, integers beyond 2**53)
        assert _plain_message(checkpoint) is None
        return
    assert checkpoint.message() == expected


def test_a_typical_checkpoint_takes_the_direct_path() -> None:
    checkpoint = Checkpoint(
        store_id="0f" * 16,
        position=12,
        first_position=11,
        plan_id="plan-2024-017",
        version=4,
        hash="ab" * 32,
        prior_plan_id="",
        prior_version=0,
        prior_hash="",
        key_id="cd" * 8,
        signature="x",
    )
    assert _plain_message(checkpoint) is not None
    assert checkpoint.message() == _generic(checkpoint)
