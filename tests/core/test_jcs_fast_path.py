"""The fast spelling of JCS (the C encoder, whole floats as integers) is exactly the careful
one for every JSON value, floats of every size included."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from goalplan.jcs import _write, jcs

_floats = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [0.0, -0.0, 2.0, 1e-4, 9.99e-5, 1e16, 9999999999999998.0, 2.0**53, 2.0**53 - 1, 123.456, 1e21, 5e-324]
)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | _floats
    | st.text(max_size=8)
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


def careful(value: Any) -> str:
    out: list[str] = []
    _write(value, out)
    return "".join(out)


@given(_values)
def test_the_fast_spelling_is_the_careful_one(value: Any) -> None:
    assert jcs(value) == careful(value)


def test_whole_and_small_floats_are_spelled_as_ecmascript_does() -> None:
    assert jcs({"a": 2.0, "b": -0.0, "c": 0.5, "d": 1e-7, "e": 1e21}) == (
        '{"a":2,"b":0,"c":0.5,"d":1e-7,"e":1e+21}'
    )
