"""decode() structures well-formed payloads without cattrs: it must give what cattrs gives.

For odd payloads (coercible values, wrong types, unknown or missing keys) it must fall back to
cattrs and so give the same value or the same CodecError.
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

import attrs
import pytest

from goalplan.codec import _fast_structurer, converter, decode, encode
from goalplan.errors import CodecError
from goalplan.events import (
    EntryCorrected,
    Event,
    FocusAreaAdded,
    GoalRevised,
    GoalSet,
    GoalStatusChanged,
    InterventionPlanned,
    Measure,
    PlanClosed,
    PlanOpened,
    PlanSigned,
    ProgressRecorded,
    ReviewHeld,
    StepAdded,
    StepCompleted,
)

D = date(2025, 3, 1)
SAMPLES: list[Event] = [
    PlanOpened(client_name="A", clinician_name="B", opened_on=D),
    PlanOpened(
        client_name="A",
        clinician_name="B",
        clinician_credentials="PhD",
        opened_on=D,
        review_every_days=30,
        discharge_criteria="Met",
    ),
    FocusAreaAdded(focus_id="F1", title="Panic", description="On trains"),
    GoalSet(
        goal_id="G1",
        statement="s",
        focus_id="F1",
        term="long",
        measure=Measure(name="n", unit="u", baseline=3, target=0.5),
        target_date=D,
        relevance="r",
        status="proposed",
    ),
    GoalSet(goal_id="G2", statement="s"),
    GoalRevised(
        goal_id="G1",
        reason="r",
        statement="t",
        focus_id="F2",
        term="short",
        measure=Measure(name="n", unit="u", baseline=1.5, target=4),
        target_date=D,
        relevance="x",
    ),
    GoalRevised(goal_id="G1", reason="r", cleared=("focus_id", "relevance")),
    StepAdded(step_id="S1", goal_id="G1", text="t", due_on=D),
    StepAdded(step_id="S1", goal_id="G1", text="t"),
    StepCompleted(step_id="S1", completed_on=D),
    InterventionPlanned(
        intervention_id="I1", modality="CBT", description="d", frequency="weekly", goal_ids=("G1", "G2")
    ),
    InterventionPlanned(intervention_id="I1", modality="CBT", description="d", frequency="weekly"),
    ProgressRecorded(goal_id="G1", value=3, observed_on=D, note="n"),
    ProgressRecorded(goal_id="G1", value=-0.25, observed_on=D),
    ReviewHeld(held_on=D, summary="s", next_review_on=D),
    ReviewHeld(held_on=D),
    GoalStatusChanged(goal_id="G1", status="on-hold", reason="r"),
    PlanSigned(role="client", name="A", credentials="", signed_on=D),
    PlanClosed(reason="r", closed_on=D),
    EntryCorrected(corrected_event_id="e1", reason="r"),
]


def _cattrs(event_type: str, payload: dict[str, Any]) -> Any:
    from goalplan.events import EVENT_TYPES

    return converter.structure(payload, EVENT_TYPES[event_type])


def _value_for(tp: Any) -> Any:
    """A well-formed value of a field type, for event types added after these samples."""
    import types
    import typing

    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return _value_for(next(a for a in args if a is not type(None)))
    if typing.get_origin(tp) is tuple:
        return (_value_for(args[0]), _value_for(args[0]))
    if isinstance(tp, type) and attrs.has(tp):
        return _sample_of(tp)
    return {str: "text", bool: True, int: 2, float: 1.5, date: D}[tp]


def _sample_of(cls: Any) -> Any:
    import typing

    hints = typing.get_type_hints(cls)
    return cls(**{f.name: _value_for(hints[f.name]) for f in attrs.fields(cls)})


def _event_types() -> list[str]:
    from goalplan.events import EVENT_TYPES

    return sorted(EVENT_TYPES)


@pytest.mark.parametrize("event_type", _event_types())
def test_every_event_type_decodes_as_cattrs_decodes_it(event_type: str) -> None:
    """Every registered type, every field given: a type added later is covered too."""
    from goalplan.events import EVENT_TYPES

    cls = EVENT_TYPES[event_type]
    try:
        event = _sample_of(cls)
    except Exception as exc:  # a validator wants something the generic sample does not give
        pytest.skip(f"no generic sample for {event_type}: {exc}")
    payload = encode(event)
    decoded = decode(event_type, cls.SCHEMA_VERSION, payload)
    assert decoded == event == _cattrs(event_type, converter.unstructure(event))


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: e.TYPE)
def test_decode_matches_cattrs_on_well_formed_payloads(event: Event) -> None:
    payload = encode(event)
    decoded = decode(event.TYPE, event.SCHEMA_VERSION, payload)
    assert decoded == event == _cattrs(event.TYPE, converter.unstructure(event))
    assert type(decoded) is type(event)
    fast = _fast_structurer(type(event))
    assert fast is not None and fast(json.loads(payload)) == event  # taken by the fast path


ODD_PAYLOADS = [
    ("progress_recorded", {"goal_id": "G1", "value": 2, "observed_on": "2025-01-02"}),  # int for float
    ("progress_recorded", {"goal_id": "G1", "value": True, "observed_on": "2025-01-02"}),
    ("progress_recorded", {"goal_id": "G1", "value": "2", "observed_on": "2025-01-02"}),
    ("progress_recorded", {"goal_id": "G1", "value": math.nan, "observed_on": "2025-01-02"}),
    ("progress_recorded", {"goal_id": "G1", "value": 1.0, "observed_on": "2025-02-30"}),
    ("progress_recorded", {"goal_id": "G1", "value": 1.0, "observed_on": "2025-1-2"}),
    ("progress_recorded", {"goal_id": "G1", "value": 1.0, "observed_on": "2025-01-02", "extra": 1}),
    ("progress_recorded", {"goal_id": "G1", "value": 1.0}),
    ("progress_recorded", {"goal_id": 5, "value": 1.0, "observed_on": "2025-01-02"}),
    ("progress_recorded", {"goal_id": None, "value": 1.0, "observed_on": "2025-01-02"}),
    (
        "plan_opened",
        {"client_name": "a", "clinician_name": "b", "opened_on": "2025-01-02", "review_every_days": True},
    ),
    (
        "plan_opened",
        {"client_name": "a", "clinician_name": "b", "opened_on": "2025-01-02", "review_every_days": 30.0},
    ),
    (
        "intervention_planned",
        {
            "intervention_id": "I",
            "modality": "m",
            "description": "d",
            "frequency": "f",
            "goal_ids": ["G1", 2],
        },
    ),
    (
        "intervention_planned",
        {"intervention_id": "I", "modality": "m", "description": "d", "frequency": "f", "goal_ids": "G1"},
    ),
    (
        "goal_set",
        {
            "goal_id": "G",
            "statement": "s",
            "measure": {"name": "n", "unit": "u", "baseline": 1, "target": 2, "extra": 0},
        },
    ),
    ("goal_set", {"goal_id": "G", "statement": "s", "measure": {"name": "n", "unit": "u", "baseline": 1}}),
    ("goal_set", {"goal_id": "G", "statement": "s", "measure": ["n", "u", 1, 2]}),
    ("goal_revised", {"goal_id": "G", "reason": "r", "term": None, "target_date": None}),
]


@pytest.mark.parametrize(("event_type", "payload"), ODD_PAYLOADS)
def test_decode_of_odd_payloads_is_what_cattrs_makes_of_them(
    event_type: str, payload: dict[str, Any]
) -> None:
    try:
        expected: Any = _cattrs(event_type, dict(payload))
    except Exception:
        with pytest.raises(CodecError):
            decode(event_type, 1, dict(payload))
        return
    got = decode(event_type, 1, dict(payload))
    assert got == expected
    assert all(type(getattr(got, f.name)) is type(getattr(expected, f.name)) for f in attrs.fields(type(got)))


def _outcome(func: Any) -> tuple[str, Any]:
    try:
        return ("value", func())
    except Exception as exc:
        return ("raises", type(exc))


@pytest.mark.parametrize(
    "text",
    [
        '{"corrected_event_id":"e1","reason":"r"}',
        ' {"corrected_event_id":"e1","reason":"r"}',
        '{"corrected_event_id":"e1","reason":"r"} ',
        '{"corrected_event_id":"e1","reason":"r"}x',
        '\ufeff{"corrected_event_id":"e1","reason":"r"}',
        '{"corrected_event_id":"e1","reason":"r"',
        '{"corrected_event_id":"e1","reason":"r\u00e9\ud83d\ude00","reason":"dup"}',
        "[]",
        "",
    ],
)
def test_payload_text_is_read_as_json_loads_reads_it(text: str) -> None:
    import json

    def before() -> Any:  # json.loads, then cattrs; text that is not a JSON object is a CodecError
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CodecError(str(exc)) from exc
        if not isinstance(data, dict):
            raise CodecError("not an object")
        try:
            return _cattrs("entry_corrected", data)
        except Exception as exc:
            raise CodecError(str(exc)) from exc

    assert _outcome(lambda: decode("entry_corrected", 1, text)) == _outcome(before)


@attrs.frozen(kw_only=True)
class _Tuples:
    items: tuple[int, ...]
    names: tuple[str, ...] = ()


@pytest.mark.parametrize(
    "payload",
    [
        {"items": [1, 2, 3], "names": ["a", "b"]},
        {"items": []},
        {"items": [1, True]},
        {"items": [1, "2"]},
        {"items": [1.0]},
        {"items": "12"},
        {"items": [1], "names": [None]},
    ],
)
def test_tuple_fields_structure_as_cattrs_does(payload: dict[str, Any]) -> None:
    from goalplan.codec import _INVALID, _fast_structurer

    fast = _fast_structurer(_Tuples)
    assert fast is not None
    got = fast(dict(payload))
    expected = _outcome(lambda: converter.structure(dict(payload), _Tuples))
    if got is _INVALID:  # left to cattrs, which decides
        return
    assert ("value", got) == expected
    assert type(got.items) is tuple and all(type(i) is int for i in got.items)
