"""Snapshots of a plan's folded state, so a write or a read folds only the events after one.

A snapshot is a cache of the log, never a second truth. It is keyed by the plan's version and
head hash and stamped with :data:`FOLD_CODE_VERSION`, a digest of the code that turns events into
a plan (events, codec and upcasters, the fold and its state classes, and this module's state
codec). A snapshot is used only when its stamp is the running code's and the log still holds
an event with its version and head hash; otherwise the plan is folded from its first event, as
if no snapshot existed. ``goalplan projections check`` compares every stored snapshot with a
full fold of the log.

The state is stored as JSON (never pickle: whoever can write to the database must not be able
to run code in goalplan). A store that signs also seals each snapshot it writes with an HMAC
under a key derived from the installation's signing key (kept after the code version in the
``fold_version`` column), so whoever can write the database but holds no key cannot make a
read show a state the log does not hold: an unsealed or wrongly sealed snapshot is not used.
"""

from __future__ import annotations

import collections.abc
import hashlib
import hmac
import json
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
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


_Unstructure = Callable[[Any], Any]


@cache
def _unstructurer(tp: Any) -> _Unstructure:
    """``_unstructure`` specialised to a declared type, built once: the same output without
    asking each value what it is (a large state holds tens of thousands of values)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp in (str, int, bool, float):
        return _plain_value
    if tp is date:
        return _date_value
    if origin in (types.UnionType, typing.Union) and len(args) == 2 and type(None) in args:
        inner = _unstructurer(args[0] if args[1] is type(None) else args[1])
        return lambda value: None if value is None else inner(value)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _unstructurer(args[0])
        return lambda value: [item(v) for v in value] if type(value) is tuple else _unstructure(value)
    if origin in (Mapping, dict, collections.abc.Mapping) and args and args[0] is str:
        item = _unstructurer(args[1])
        return lambda value: (
            {str(k): item(v) for k, v in value.items()} if isinstance(value, Mapping) else _unstructure(value)
        )
    if isinstance(tp, type) and attrs.has(tp):
        return _attrs_unstructurer(tp)
    return _unstructure


_PLAIN_TYPES = frozenset({str, int, bool, float, type(None)})


def _attrs_unstructurer(tp: type) -> _Unstructure:
    """Generated once per attrs class: one dict display, each field read once and written
    inline when it is plain or a date (what ``_plain_value`` and ``_date_value`` return), so a
    state's thousands of small objects cost no call per field."""
    hints = typing.get_type_hints(tp)
    namespace: dict[str, Any] = {"tp": tp, "generic": _unstructure, "plain": _PLAIN_TYPES, "date": date}
    reads, items = [], []
    for n, one in enumerate(attrs.fields(tp)):
        if not one.name.isidentifier():
            return lambda value: _unstructure(value)
        field_type = hints[one.name]
        reads.append(f"    v{n} = value.{one.name}")
        if field_type in (str, int, bool, float):
            items.append(f"{one.name!r}: v{n} if type(v{n}) in plain else generic(v{n})")
        elif field_type is date:
            items.append(f"{one.name!r}: v{n}.isoformat() if type(v{n}) is date else generic(v{n})")
        else:
            namespace[f"each{n}"] = _unstructurer(field_type)
            items.append(f"{one.name!r}: each{n}(v{n})")
    source = "\n".join(
        [
            "def unmake(value):",
            "    if type(value) is not tp:",
            "        return generic(value)",
            *reads,
            "    return {" + ", ".join(items) + "}",
        ]
    )
    exec(compile(source, f"<goalplan unstructure {tp.__qualname__}>", "exec"), namespace)
    unmake: _Unstructure = namespace["unmake"]
    return unmake


def _plain_value(value: Any) -> Any:
    return value if type(value) in (str, int, bool, float) or value is None else _unstructure(value)


def _date_value(value: Any) -> Any:
    return value.isoformat() if type(value) is date else _unstructure(value)


def encode_state(state: PlanState) -> str:
    return json.dumps(_unstructurer(PlanState)(state), ensure_ascii=False, separators=(",", ":"))


def decode_state(text: str) -> PlanState:
    state: PlanState = _structurer(PlanState)(json.loads(text))
    return state


def snapshot_of(state: PlanState, seal_key: bytes | None = None) -> Snapshot:
    """The state as a snapshot, sealed when a key is given."""
    text = encode_state(state)
    stamp = FOLD_CODE_VERSION
    if seal_key is not None:
        stamp += "." + _seal(seal_key, state.plan_id, state.version, state.head_hash, text)
    return Snapshot(state.plan_id, state.version, state.head_hash, stamp, text)


def _seal(key: bytes, plan_id: str, version: int, head_hash: str, state: str) -> str:
    message = f"goalplan snapshot 1\n{plan_id}\n{version}\n{head_hash}\n{FOLD_CODE_VERSION}\n{state}"
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def sealed(snapshot: Snapshot, seal_key: bytes) -> bool:
    """Whether the snapshot carries this key's seal over its plan, version, head and state."""
    _, _, mac = snapshot.fold_version.partition(".")
    expected = _seal(seal_key, snapshot.plan_id, snapshot.version, snapshot.head_hash, snapshot.state)
    return bool(mac) and hmac.compare_digest(mac, expected)


def code_version(snapshot: Snapshot) -> str:
    return snapshot.fold_version.partition(".")[0]


def usable(snapshot: Snapshot | None, plan_id: str, seal_key: bytes | None = None) -> bool:
    """Made by this fold code for this plan, and (given a key) sealed with it."""
    return (
        snapshot is not None
        and snapshot.plan_id == plan_id
        and code_version(snapshot) == FOLD_CODE_VERSION
        and snapshot.version > 0
        and (seal_key is None or sealed(snapshot, seal_key))
    )


def read_snapshot(
    records: Sequence[RecordedEvent], snapshot: Snapshot | None, seal_key: bytes
) -> Snapshot | None:
    """The snapshot if it is sealed with ``seal_key`` and its version and head hash are those of
    an event in ``records`` (a stream read from version 1); else None. Its state is left as
    text: each reader decodes its own copy, so no reader can change another's."""
    if snapshot is None or not records or not usable(snapshot, records[0].plan_id, seal_key):
        return None
    if snapshot.version > len(records):
        return None
    anchor = records[snapshot.version - 1]
    if anchor.version != snapshot.version or anchor.hash != snapshot.head_hash:
        return None
    return snapshot


def start_from(snapshot: Snapshot, records: Sequence[RecordedEvent]) -> PlanState | None:
    """The plan folded from the snapshot's state through the records after it, or None when
    the snapshot does not decode or no longer matches ``records``."""
    if not 0 < snapshot.version <= len(records):
        return None
    anchor = records[snapshot.version - 1]
    try:
        state = decode_state(snapshot.state)
    except Exception:  # a damaged row: the log decides
        return None
    if (state.plan_id, state.version, state.head_hash) != (anchor.plan_id, anchor.version, anchor.hash):
        return None
    return fold(records[snapshot.version :], plan_id=anchor.plan_id, start=state)


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
    if code_version(snapshot) != FOLD_CODE_VERSION:
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
