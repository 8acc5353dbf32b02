"""Snapshots of a plan's folded state, so a write or a read folds only the events after one.

A snapshot is a cache of the log, never a second truth. It is keyed by the plan's version and
head hash and stamped with :data:`FOLD_CODE_VERSION`, a digest of the code that turns events into
a plan (events, codec and upcasters, the fold and its state classes, and this module's state
codec). A snapshot is used only when its stamp is the running code's and the log still holds
an event with its version and head hash; otherwise the plan is folded from its first event, as
if no snapshot existed. ``goalplan projections check`` compares every stored snapshot with a
full fold of the log.

The state is stored as JSON (never pickle: whoever can write to the database must not be able
to run code in goalplan).
"""

from __future__ import annotations

import collections.abc
import hashlib
import json
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any

import attrs
from attrs import frozen

from goalplan.codec import RecordedEvent
from goalplan.domain import PlanState, fold

# Folding the events after a snapshot costs little; storing one costs a copy of the state. A
# new snapshot is written once a plan has this many events beyond its last one.
SNAPSHOT_EVERY = 100

_FOLD_MODULES = (
    "goalplan.events",
    "goalplan.codec",
    "goalplan.errors",
    "goalplan.domain.state",
    "goalplan.domain.replace",
    "goalplan.domain.material",
    "goalplan.domain.fold",
    "goalplan.store.snapshots",
    "goalplan.store.read_models",
)


def _fold_code_version() -> str:
    """A digest of the source of every module that decides what a fold returns.

    A module the fold starts importing must be added to _FOLD_MODULES (a test checks this).
    """
    digest = hashlib.sha256()
    for name in _FOLD_MODULES:
        module = import_module(name)
        source = Path(module.__file__ or "")
        try:
            digest.update(name.encode() + b"\0" + source.read_bytes() + b"\0")
        except OSError:  # no source beside the bytecode: fall back to the module's bytecode file
            digest.update(name.encode() + b"\0" + repr(getattr(module, "__cached__", "")).encode())
    return digest.hexdigest()[:32]


FOLD_CODE_VERSION = _fold_code_version()


@frozen
class Snapshot:
    plan_id: str
    version: int
    head_hash: str
    fold_version: str
    state: str  # PlanState as JSON


@cache
def _converter() -> Any:
    """cattrs, for any field type the plain codec below does not know."""
    import cattrs

    conv = cattrs.Converter()
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_structure_hook(date, lambda value, _: date.fromisoformat(value))
    conv.register_unstructure_hook_func(
        lambda tp: tp is frozenset or getattr(tp, "__origin__", None) is frozenset, sorted
    )
    return conv


# A plain codec for the state's own shapes: attrs classes of str, int, float, bool, date,
# optionals, tuples, string-keyed mappings and frozensets of strings. A 5,000-event plan holds
# thousands of progress points; structuring them through cattrs' dispatch costs several times
# more than these closures, built once per class from its resolved type hints.

_Structure = Callable[[Any], Any]


def _unstructure(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if attrs.has(type(value)):
        return {f.name: _unstructure(getattr(value, f.name)) for f in attrs.fields(type(value))}
    if isinstance(value, tuple | list):
        return [_unstructure(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(_unstructure(v) for v in value)
    if isinstance(value, Mapping):
        return {str(k): _unstructure(v) for k, v in value.items()}
    return _converter().unstructure(value)


def _same(value: Any) -> Any:
    return value


@cache
def _structurer(tp: Any) -> _Structure:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp in (str, int, bool, Any):
        return _same
    if tp is float:
        return float
    if tp is date:
        return date.fromisoformat
    if origin in (types.UnionType, typing.Union) and len(args) == 2 and type(None) in args:
        inner = _structurer(args[0] if args[1] is type(None) else args[1])
        return lambda value: None if value is None else inner(value)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _structurer(args[0])
        return lambda value: tuple(map(item, value))
    if origin is frozenset:
        item = _structurer(args[0])
        return lambda value: frozenset(map(item, value))
    if origin in (Mapping, dict, collections.abc.Mapping) and args and args[0] is str:
        item = _structurer(args[1])
        return lambda value: {k: item(v) for k, v in value.items()}
    if isinstance(tp, type) and attrs.has(tp):
        hints = typing.get_type_hints(tp)
        fields = [(f.name, f.alias, _structurer(hints[f.name])) for f in attrs.fields(tp) if f.init]

        def make(value: Any) -> Any:
            return tp(**{alias: build(value[name]) for name, alias, build in fields if name in value})

        return make
    return lambda value: _converter().structure(value, tp)


def encode_state(state: PlanState) -> str:
    return json.dumps(_unstructure(state), ensure_ascii=False, separators=(",", ":"))


def decode_state(text: str) -> PlanState:
    state: PlanState = _structurer(PlanState)(json.loads(text))
    return state


def snapshot_of(state: PlanState) -> Snapshot:
    return Snapshot(state.plan_id, state.version, state.head_hash, FOLD_CODE_VERSION, encode_state(state))


def usable(snapshot: Snapshot | None, plan_id: str) -> bool:
    return (
        snapshot is not None
        and snapshot.plan_id == plan_id
        and snapshot.fold_version == FOLD_CODE_VERSION
        and snapshot.version > 0
    )


def fold_after(plan_id: str, start: PlanState | None, tail: Iterable[RecordedEvent]) -> PlanState | None:
    """The plan from ``start`` and the events after it; None if the tail does not follow it.

    ``tail`` begins with the snapshot's own last event (version and hash checked against the
    snapshot), so a snapshot whose event the log no longer holds is never used.
    """
    if start is None:
        return fold(tail, plan_id=plan_id)
    records = iter(tail)
    anchor = next(records, None)
    if anchor is None or anchor.version != start.version or anchor.hash != start.head_hash:
        return None
    return fold(records, plan_id=plan_id, start=start)


def check_snapshot(snapshot: Snapshot, records: list[RecordedEvent]) -> str | None:
    """Why a stored snapshot disagrees with a full fold of the log up to its version (or None)."""
    if snapshot.fold_version != FOLD_CODE_VERSION:
        return None  # made by other fold code: never used, so nothing to check
    upto = [r for r in records if r.version <= snapshot.version]
    if len(upto) != snapshot.version or (upto and upto[-1].hash != snapshot.head_hash):
        return f"its version {snapshot.version} and head hash are not in the log"
    try:
        stored = decode_state(snapshot.state)
    except Exception as exc:  # a damaged row: say so rather than fail the whole check
        return f"its state does not decode ({type(exc).__name__})"
    if stored != fold(upto, plan_id=snapshot.plan_id):
        return f"its state at version {snapshot.version} differs from a full fold of the log"
    return None
