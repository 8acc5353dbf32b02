"""The append's fast paths give exactly what the plain ones give.

- ``encode`` spells a payload in one generated pass per event class instead of cattrs and the
  JCS walk: the same text, or the same refusal.
- ``NewEvent.of`` hands the fold the event itself when decoding its payload would give back
  an equal object of identical values (``round_trips``): it must then decode to exactly that.
- ``jcs_header`` writes the chain header directly: the same text as ``jcs`` of the same dict.
- A store appending events that carry their decoded form writes the same rows, read models and
  snapshots as one that decodes every payload.
"""

from __future__ import annotations

import math
import sqlite3
import types
import typing
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from goalplan.codec import (
    HASH_SCHEME_JCS,
    NewEvent,
    RecordedEvent,
    canonical_payload,
    converter,
    decode,
    encode,
    jcs_header,
    round_trips,
)
from goalplan.domain import fold
from goalplan.domain.fold import _same_material_values, _without
from goalplan.domain.material import content_digest
from goalplan.domain.state import ProgressPoint as Point
from goalplan.events import (
    EVENT_TYPES,
    Event,
    FocusAreaAdded,
    GoalRevised,
    GoalSet,
    GoalStatusChanged,
    InterventionPlanned,
    Measure,
    ProgressRecorded,
)
from goalplan.jcs import jcs
from goalplan.store.sqlite import SQLiteStore
from tests.core.streams import opened_plan, plan_histories


class Text(str):
    """A str subclass: spelled as text, but decoded back as plain str."""


_floats = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [0.0, -0.0, 2.0, 1e-4, 9.99e-5, 1e16, 9999999999999998.0, 2.0**53, 2.0**53 - 1, 123.456, 1e21, 5e-324]
)
_texts = (
    st.text(max_size=6)
    | st.sampled_from(["\ud800", "é", "\u2028", "\x00", '"\\'])
    | st.builds(Text, st.text(max_size=3))
)
_ints = st.integers(-(2**54), 2**54) | st.booleans()


def _values(tp: Any) -> st.SearchStrategy[Any]:
    """Values of a field's declared type, and some that only look like it."""
    args = typing.get_args(tp)
    if tp is str:
        return _texts
    if tp is int:
        return _ints
    if tp is float:
        return _floats | st.integers(-3, 3)
    if tp is bool:
        return st.booleans()
    if tp is date:
        return st.dates() | st.just(date(2025, 1, 2))
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in args:
        inner = args[0] if args[1] is type(None) else args[1]
        return st.none() | _values(inner)
    if typing.get_origin(tp) is tuple:
        return st.lists(_values(args[0]), max_size=3).map(tuple) | st.lists(_values(args[0]), max_size=2)
    if isinstance(tp, type) and attrs.has(tp):
        return _instances(tp)
    return st.nothing()


def _instances(cls: type) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        kwargs = {}
        for one in attrs.fields(cls):
            if not one.init:
                continue
            if one.default is not attrs.NOTHING and draw(st.booleans()):
                continue  # leave it at its default
            kwargs[one.alias] = draw(_values(hints[one.name]))
        try:
            return cls(**kwargs)
        except (TypeError, ValueError):
            assume(False)

    return build()


events = st.sampled_from(sorted(EVENT_TYPES.values(), key=lambda c: c.TYPE)).flatmap(_instances)


def _plain_encode(event: Event) -> str:
    return canonical_payload(converter.unstructure(event), HASH_SCHEME_JCS)


def _outcome(func: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "ok", func(*args)
    except (ValueError, TypeError) as exc:
        return "error", type(exc)


@given(events)
@settings(max_examples=600, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
def test_the_one_pass_encoding_is_the_plain_one(event: Event) -> None:
    assert _outcome(encode, event) == _outcome(_plain_encode, event)


@given(events)
@settings(max_examples=600, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
def test_an_event_that_round_trips_is_what_its_payload_decodes_to(event: Event) -> None:
    if not round_trips(event):
        return
    decoded = decode(event.TYPE, event.SCHEMA_VERSION, encode(event))
    assert decoded == event
    assert repr(decoded) == repr(event)  # same values of the same types: 1 is not 1.0
    new = NewEvent.of(event, actor="a", recorded_at="2025-01-01T00:00:00.000000Z", event_id="e")
    assert new.decoded is event
    assert new.payload == _plain_encode(event)


@pytest.mark.parametrize(
    "event",
    [
        ProgressRecorded(goal_id="G1", value=-0.0, observed_on=date(2025, 1, 2)),
        ProgressRecorded(goal_id=Text("G1"), value=1.0, observed_on=date(2025, 1, 2)),
        ProgressRecorded(goal_id="G1", value=2.0**53, observed_on=date(2025, 1, 2)),
    ],
    ids=["negative-zero", "str-subclass", "whole-float-beyond-2**53"],
)
def test_an_event_that_would_decode_differently_is_decoded(event: Event) -> None:
    new = NewEvent.of(event, actor="a", recorded_at="2025-01-01T00:00:00.000000Z", event_id="e")
    assert new.decoded is None
    assert new.payload == _plain_encode(event)


def test_negative_zero_really_decodes_differently() -> None:
    """Why -0.0 is excluded: the log holds 0, which decodes to 0.0."""
    event = ProgressRecorded(goal_id="G1", value=-0.0, observed_on=date(2025, 1, 2))
    decoded = decode(event.TYPE, event.SCHEMA_VERSION, encode(event))
    assert math.copysign(1.0, decoded.value) == 1.0  # type: ignore[attr-defined]
    assert repr(decoded) != repr(event)


def test_a_whole_float_beyond_2_53_is_spelled_as_ecmascript_does() -> None:
    measure = Measure(name="n", unit="u", baseline=2.0**53, target=9999999999999998.0)
    assert jcs({"a": 2.0**53}) == '{"a":9007199254740992}'
    assert '"baseline":9007199254740992,' in encode(GoalSet(goal_id="G1", statement="s", measure=measure))


@given(
    st.tuples(_texts, _texts, _texts, _texts, _texts, _ints, _texts, _ints)
    | st.tuples(*[st.text(max_size=20)] * 5, st.integers(1, 3), st.text(max_size=20), st.integers(1, 10**6)),
)
@settings(max_examples=500)
def test_the_chain_header_is_its_jcs(values: tuple[Any, ...]) -> None:
    actor, event_id, plan_id, prev_hash, recorded_at, schema_version, event_type, version = values
    direct = jcs_header(*values)
    fields = {
        "actor": actor,
        "event_id": event_id,
        "plan_id": plan_id,
        "prev_hash": prev_hash,
        "recorded_at": recorded_at,
        "schema_version": schema_version,
        "type": event_type,
        "version": version,
    }
    plain = _outcome(jcs, fields)
    if direct is None:  # the caller then asks jcs, which spells or refuses it
        return
    assert plain == ("ok", direct)


def test_common_headers_take_the_direct_path() -> None:
    values = ("dr.ruiz", "e-1", "P1", "0" * 64, "2025-01-01T00:00:00.000000Z", 1, "plan_opened", 3)
    assert jcs_header(*values) is not None
    assert jcs_header("Zoë", *values[1:]) is not None


def _dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return {
            table: conn.execute(f"SELECT {columns} FROM {table} ORDER BY 1, 2").fetchall()
            for table, columns in {
                "events": "position, event_id, plan_id, version, payload, prev_hash, hash",
                "plan_summaries": "*",
                "plan_dates": "*",
                "goal_index": "*",
                "plan_snapshots": "plan_id, version, head_hash, state",
            }.items()
        }
    finally:
        conn.close()


def test_a_store_given_decoded_events_writes_what_one_decoding_them_writes(tmp_path: Path) -> None:
    """Also checks the rows an append keeps for the next one (the read models equal a fresh fold)."""
    from benchmarks.workload import caseload

    plans = caseload(6, seed=7, mean_events=120)
    with (
        SQLiteStore(tmp_path / "fast.db", signing=False) as fast,
        SQLiteStore(tmp_path / "plain.db", signing=False) as plain,
    ):
        for plan in plans:
            done, sizes = 0, iter([1, 37, 1, 5] * 100)
            while done < len(plan.events):
                batch = [p.new_event() for p in plan.events[done : done + next(sizes)]]
                stripped = [attrs.evolve(e) for e in batch]  # decoded is not copied: decode again
                assert all(e.decoded is None for e in stripped)
                fast.append(plan.plan_id, batch, done)
                plain.append(plan.plan_id, stripped, done)
                done += len(batch)
        assert not fast.check_read_models().mismatches
    fast_rows, plain_rows = _dump(tmp_path / "fast.db"), _dump(tmp_path / "plain.db")
    assert fast_rows["plan_snapshots"]  # plans long enough to be snapshotted
    assert fast_rows == plain_rows


def test_most_workload_events_carry_their_decoded_form() -> None:
    from benchmarks.workload import caseload

    new = [p.new_event() for plan in caseload(3, seed=7) for p in plan.events]
    assert sum(e.decoded is not None for e in new) == len(new)


@given(plan_histories(max_commands=40))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_states_built_from_the_same_material_values_have_the_same_digest(history: Any) -> None:
    """The fold's shortcut for a correction: same material objects, so the same digest."""
    state = fold(history.records[:1])
    for record in history.records[1:]:
        after = fold([record], start=state)  # as an append folds: sharing what did not change
        if _same_material_values(state, after):
            assert content_digest(state) == content_digest(after)
        state = after


def test_a_correction_of_progress_takes_the_shortcut() -> None:
    from benchmarks.workload import caseload

    for plan in caseload(4, seed=7):
        records = [
            RecordedEvent(
                p.event_id, plan.plan_id, n, n, p.recorded_at, p.actor, p.event.TYPE, 1, p.payload, "", ""
            )
            for n, p in enumerate(plan.events, 1)
        ]
        state = fold(records[:1])
        for record in records[1:]:
            after = fold([record], start=state)
            if record.type == "entry_corrected" and state.signatures:
                assert _same_material_values(state, after)
                assert content_digest(state) == content_digest(after)
                return
            state = after
    pytest.fail("no correction in the workload")


def test_a_change_to_any_material_field_is_not_taken_for_no_change() -> None:
    builder = opened_plan()
    builder.add(FocusAreaAdded(focus_id="F1", title="Sleep"))
    builder.add(FocusAreaAdded(focus_id="F2", title="Mood"))
    builder.add(
        GoalSet(
            goal_id="G1",
            statement="s",
            focus_id="F1",
            measure=Measure(name="n", unit="u", baseline=1, target=2),
        )
    )
    changes = [
        GoalRevised(goal_id="G1", reason="r", statement="t"),
        GoalRevised(goal_id="G1", reason="r", focus_id="F2"),
        GoalRevised(goal_id="G1", reason="r", term="long"),
        GoalRevised(goal_id="G1", reason="r", measure=Measure(name="n", unit="u", baseline=1, target=3)),
        GoalRevised(goal_id="G1", reason="r", target_date=date(2026, 6, 1)),
        GoalStatusChanged(goal_id="G1", status="entered-in-error", reason="r"),
        GoalSet(goal_id="G2", statement="s"),
        InterventionPlanned(intervention_id="I1", modality="CBT", description="d", frequency="weekly"),
    ]
    for change in changes:
        before = builder.state
        record = builder._record(change, "dr.ruiz", None)
        after = fold([record], start=before)
        assert content_digest(before) != content_digest(after), change
        assert not _same_material_values(before, after), change


@given(st.lists(st.sampled_from("abcd"), max_size=12), st.sampled_from("abcde"))
def test_taking_back_a_progress_point_keeps_the_others_in_order(ids: list[str], event_id: str) -> None:
    points = tuple(
        Point(event_id=i, value=1.0, observed_on=date(2025, 1, 1), note=str(n), recorded_at="", actor="")
        for n, i in enumerate(ids)
    )
    kept = _without(points, event_id)
    assert kept == tuple(p for p in points if p.event_id != event_id)
    assert type(kept) is tuple
