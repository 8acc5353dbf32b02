"""canonical_json keeps its spelling: exactly json.dumps with the canonical options."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from goalplan.codec import canonical_json


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@pytest.mark.parametrize(
    "value",
    [
        {"b": 1, "a": [1.5, -0.0, 10**20, True, None], "é": 'ü "q" \\ \n \u2028 😀', "": {}},
        {"nested": {"z": {"y": [{"x": 1e-7}]}}, "1.5": 2},
        ["list", "top", 3],
        "just a string",
        7,
    ],
)
def test_spelling_is_json_dumps_with_canonical_options(value: Any) -> None:
    assert canonical_json(value) == _dumps(value)


@pytest.mark.parametrize("bad", [math.nan, {"x": math.inf}, {"s": {1, 2}}])
def test_what_json_dumps_refuses_is_refused(bad: Any) -> None:
    with pytest.raises((ValueError, TypeError)) as expected:
        _dumps(bad)
    with pytest.raises(expected.type):
        canonical_json(bad)
