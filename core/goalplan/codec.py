"""Events to canonical JSON and back, the recorded-event envelope, and the hash chain.

Type tags and schema versions, not class names, identify a payload, so classes can be renamed
freely. An old payload is brought up to date by the upcasters registered for its type, one
schema version at a time, before it is structured into the current class.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
import math
import re
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar, overload

import attrs
from attrs import frozen

from goalplan.errors import CodecError
from goalplan.events import EVENT_TYPES, Event
from goalplan.ids import new_event_id
from goalplan.jcs import MAX_SAFE_INTEGER, POSITIONAL_HIGH, POSITIONAL_LOW, jcs

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_UPCASTERS: dict[tuple[str, int], Upcaster] = {}

GENESIS_HASH = "0" * 64

HASH_SCHEME_LEGACY = 1
"""goalplan 0.1.0: Python's sorted-keys JSON (floats as Python writes them)."""
HASH_SCHEME_JCS = 2
"""RFC 8785 canonical JSON, reproducible in any language; every new event uses it."""
HASH_SCHEMES = (HASH_SCHEME_LEGACY, HASH_SCHEME_JCS)


def parse_iso_date(text: str) -> date:
    """A real calendar date written YYYY-MM-DD, nothing looser."""
    if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
        raise ValueError(f"{text!r} is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a real calendar date") from None


def _structure_date(value: Any, _: type) -> date:
    return parse_iso_date(value)


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number


if TYPE_CHECKING:
    import cattrs

    converter: cattrs.Converter


@cache
def _converter() -> cattrs.Converter:
    """Built on first use: importing cattrs is a large part of start-up, and reading a log
    of well-formed payloads never needs it (see the fast structure path below)."""
    import cattrs

    conv = cattrs.Converter(omit_if_default=True, forbid_extra_keys=True)
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_structure_hook(date, _structure_date)
    conv.register_structure_hook(float, _structure_float)
    return conv


def __getattr__(name: str) -> Any:
    if name == "converter":  # goalplan.codec.converter, built when first asked for
        return _converter()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# json.dumps builds a new encoder on every call with non-default options; this is the same encoder,
# built once (json.dumps(value, **these options) is exactly JSONEncoder(**them).encode(value)).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: Any) -> str:
    """The one JSON spelling of a value: sorted keys, no spaces, UTF-8, no NaN."""
    return _CANONICAL.encode(value)


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register a function turning a ``from_version`` payload of ``event_type`` into the next."""

    def register(func: Upcaster) -> Upcaster:
        _UPCASTERS[(event_type, from_version)] = func
        return func

    return register


def event_class(event_type: str, schema_version: int) -> type[Event]:
    cls = EVENT_TYPES.get(event_type)
    if cls is None:
        known = ", ".join(sorted(EVENT_TYPES))
        raise CodecError(
            f"unknown event type {event_type!r} (schema version {schema_version}); "
            f"this goalplan reads: {known}."
        )
    if schema_version > cls.SCHEMA_VERSION:
        raise CodecError(
            f"event type {event_type!r} has schema version {schema_version}, newer than the "
            f"version {cls.SCHEMA_VERSION} this goalplan reads; upgrade goalplan."
        )
    return cls


def encode(event: Event, scheme: int = HASH_SCHEME_JCS) -> str:
    """The canonical JSON payload of an event at its current schema version."""
    if scheme == HASH_SCHEME_JCS:
        payload = _exact_payload(event)
        if payload is not None:
            return payload
    return canonical_payload(_converter().unstructure(event), scheme)


def canonical_payload(value: Any, scheme: int) -> str:
    """A payload's stored and hashed text under a hash scheme (see docs/architecture.md)."""
    if scheme == HASH_SCHEME_JCS:
        return jcs(value)
    if scheme == HASH_SCHEME_LEGACY:
        return canonical_json(value)
    raise CodecError(f"hash scheme {scheme!r} is not one this goalplan knows (1 or 2).")


_scan_json = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # the scanner json.loads uses


def _loads(text: str) -> Any:
    """json.loads(text), minus its per-call wrapper work (whitespace regexes, type checks).

    Stored payloads are canonical JSON, so the scanner reads the whole string in one go; any
    other text (whitespace, a byte-order mark, trailing or invalid characters) goes to
    json.loads, which returns or raises exactly as before.
    """
    try:
        value, end = _scan_json(text, 0)
    except Exception:
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


def decode(event_type: str, schema_version: int, payload: str | Mapping[str, Any]) -> Event:
    cls = event_class(event_type, schema_version)
    if isinstance(payload, str):
        try:
            data = _loads(payload)
        except ValueError as exc:  # JSONDecodeError, or a number too long to convert
            raise CodecError(f"event type {event_type!r}: its payload is not valid JSON ({exc}).") from None
        except RecursionError:
            raise CodecError(f"event type {event_type!r}: its payload is nested too deeply.") from None
        if not isinstance(data, dict):
            raise CodecError(
                f"event type {event_type!r}: its payload is a JSON {_json_kind(data)}, not an object."
            )
    else:
        data = dict(payload)
    version = schema_version
    while version < cls.SCHEMA_VERSION:
        step = _UPCASTERS.get((event_type, version))
        if step is None:
            raise CodecError(
                f"event type {event_type!r}: no upcaster from schema version {version} to {version + 1}."
            )
        data = step(data)
        version += 1
    fast = _fast_structurer(cls)
    if fast is not None:
        event: Event = fast(data)
        if event is not _INVALID:
            return event
    try:
        return _converter().structure(data, cls)
    except Exception as exc:  # cattrs groups several causes; one sentence is enough here
        raise CodecError(
            f"event type {event_type!r} (schema version {schema_version}) does not decode: "
            f"{_first_cause(exc)}"
        ) from exc


def _json_kind(value: Any) -> str:
    kinds = {list: "array", str: "string", bool: "true or false", int: "number", float: "number"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


# A faster structure path for payloads that are exactly well-formed. ------------------------
#
# cattrs goes through its dispatch for every field of every event, which dominates replay time.
# For each event class a structurer is built once that accepts a payload only if every value
# already has exactly its field's type (str, int, finite float, YYYY-MM-DD date, optional,
# tuple of str or int, nested attrs class) and no key is unknown or missing. It then builds the same
# object cattrs would. Anything else returns _INVALID, and the payload takes the cattrs path, which
# coerces or raises exactly as before. Types without a case here make the class cattrs-only.

_INVALID: Any = object()
_MISSING: Any = object()
_Check = Callable[[Any], Any]
_FAST: dict[type, Callable[[Mapping[str, Any]], Any] | None] = {}


def _check_str(value: Any) -> Any:
    return value if type(value) is str else _INVALID


def _check_int(value: Any) -> Any:
    return value if type(value) is int else _INVALID


def _check_float(value: Any) -> Any:
    if (type(value) is float or type(value) is int) and math.isfinite(value):
        return float(value)
    return _INVALID


def _check_date(value: Any) -> Any:
    if type(value) is str and len(value) == 10:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return _INVALID
        if day.isoformat() == value:  # exactly YYYY-MM-DD in ASCII digits, as parse_iso_date wants
            return day
    return _INVALID


def _tuple_of(kind: type) -> _Check:
    def check(value: Any) -> Any:
        if type(value) is list and all(type(item) is kind for item in value):
            return tuple(value)
        return _INVALID

    return check


_TUPLE_CHECKS = {str: _tuple_of(str), int: _tuple_of(int)}


def _optional(check: _Check) -> _Check:
    return lambda value: None if value is None else check(value)


def _nested(structure: Callable[[Mapping[str, Any]], Any]) -> _Check:
    return lambda value: structure(value) if type(value) is dict else _INVALID


def _fast_check(tp: Any) -> _Check | None:
    simple = {str: _check_str, int: _check_int, float: _check_float, date: _check_date}
    if tp in simple:
        return simple[tp]
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        inner = _fast_check(args[0] if args[1] is type(None) else args[1])
        return None if inner is None else _optional(inner)
    if typing.get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis and args[0] in _TUPLE_CHECKS:
        return _TUPLE_CHECKS[args[0]]
    if isinstance(tp, type) and attrs.has(tp):
        structure = _fast_structurer(tp)
        return None if structure is None else _nested(structure)
    return None


def _fast_structurer(cls: type) -> Callable[[Mapping[str, Any]], Any] | None:
    """Generated once per class: each field read, type-checked inline and passed by name."""
    if cls in _FAST:
        return _FAST[cls]
    _FAST[cls] = None  # also guards against a class that contains itself
    hints = typing.get_type_hints(cls)
    namespace: dict[str, Any] = {"cls": cls, "INVALID": _INVALID, "MISSING": _MISSING}
    body = ["def structure(data):", "    get = data.get", "    seen = 0"]
    arguments = []
    for n, field in enumerate(attrs.fields(cls)):
        check = _fast_check(hints.get(field.name))
        plain_default = field.default is attrs.NOTHING or not isinstance(field.default, attrs.Factory)  # type: ignore[arg-type]
        if check is None or not field.init or field.alias != field.name or not plain_default:
            return None
        v = f"v{n}"
        body.append(f"    {v} = get({field.name!r}, MISSING)")
        if field.default is attrs.NOTHING:
            body += [f"    if {v} is MISSING:", "        return INVALID"]
            indent = "    "
        else:
            namespace[f"default{n}"] = field.default
            body += [f"    if {v} is MISSING:", f"        {v} = default{n}", "    else:"]
            indent = "        "
        body.append(f"{indent}seen += 1")
        if check is _check_str or check is _check_int:
            kind = "str" if check is _check_str else "int"
            body += [f"{indent}if type({v}) is not {kind}:", f"{indent}    return INVALID"]
        else:
            namespace[f"check{n}"] = check
            body += [
                f"{indent}{v} = check{n}({v})",
                f"{indent}if {v} is INVALID:",
                f"{indent}    return INVALID",
            ]
        arguments.append(f"{field.name}={v}")
    body += [
        "    if seen != len(data):",  # a key that is not a field
        "        return INVALID",
        "    try:",
        f"        return cls({', '.join(arguments)})",
        "    except Exception:",
        "        return INVALID",
    ]
    exec(compile("\n".join(body), f"<goalplan structure {cls.__qualname__}>", "exec"), namespace)
    structure: Callable[[Mapping[str, Any]], Any] = namespace["structure"]
    _FAST[cls] = structure
    return structure


# Encoding an event in one pass, and knowing what its payload decodes to. ---------------------
#
# ``encode`` unstructures an event through cattrs, walks the result again to find what the C JSON
# encoder may spell (jcs._as_plain), and has that encoder sort and write it. For each event class
# a function is generated once that writes the JCS text in one pass, its fields already in JCS
# key order, and that also proves that decoding the payload gives back an object equal to the
# event in every value and its type, so the store's fold may take the event itself instead of
# decoding what it just encoded (the fold must see what the log holds, and the two can differ:
# a float field holding -0.0 is stored as 0; a str subclass comes back as str).
#
# It accepts only values of exactly the types the fast structure path above gives back: text
# UTF-8 can carry, integers within 2**53, floats JCS writes without an exponent (whole ones
# below 2**53 as integers, other than -0.0; others from 1e-4 to 1e16, as Python's repr writes
# them), dates, optionals, tuples of text or integers, and nested attrs classes of the same; it
# omits a field equal to its default as cattrs (omit_if_default) does. Anything else returns
# None and takes the plain path. A property test compares both paths' payload text, and the
# decoded payload with the event.

_PayloadText = Callable[[Any], str | None]
_TEXT: dict[type, _PayloadText | None] = {}
_NOT_PLAIN: Any = object()
_Spell = Callable[[Any], Any]  # a value's JCS text, or _NOT_PLAIN


def _text_str(value: Any) -> Any:
    if type(value) is str and (value.isascii() or _valid_text(value)):
        return _spell_text(value)
    return _NOT_PLAIN


def _text_int(value: Any) -> Any:
    if type(value) is int and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return int.__repr__(value)
    return _NOT_PLAIN


def _text_float(value: Any) -> Any:
    if type(value) is not float:
        return _NOT_PLAIN
    size = abs(value)
    if value.is_integer():
        # ECMAScript writes 2.0 as 2; -0.0 would come back as 0.0, so it takes the plain path
        if size < MAX_SAFE_INTEGER and (value or math.copysign(1.0, value) > 0):
            return int.__repr__(int(value))
        return _NOT_PLAIN
    return float.__repr__(value) if POSITIONAL_LOW <= size < POSITIONAL_HIGH else _NOT_PLAIN


def _text_date(value: Any) -> Any:
    return f'"{value.isoformat()}"' if type(value) is date else _NOT_PLAIN


def _text_items(each: _Spell) -> _Spell:
    def items(value: Any) -> Any:
        if type(value) is not tuple:
            return _NOT_PLAIN
        out = [each(item) for item in value]
        return _NOT_PLAIN if any(item is _NOT_PLAIN for item in out) else f"[{','.join(out)}]"

    return items


def _text_optional(each: _Spell) -> _Spell:
    return lambda value: "null" if value is None else each(value)


def _text_nested(tp: type, text: _PayloadText) -> _Spell:
    def nested(value: Any) -> Any:
        if type(value) is not tp:
            return _NOT_PLAIN
        out = text(value)
        return _NOT_PLAIN if out is None else out

    return nested


def _text_spell(tp: Any) -> _Spell | None:
    simple = {str: _text_str, int: _text_int, float: _text_float, date: _text_date}
    if tp in simple:
        return simple[tp]
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        inner = _text_spell(args[0] if args[1] is type(None) else args[1])
        return None if inner is None else _text_optional(inner)
    if typing.get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis and args[0] in (str, int):
        return _text_items(simple[args[0]])
    if isinstance(tp, type) and attrs.has(tp):
        text = _payload_text(tp)
        return None if text is None else _text_nested(tp, text)
    return None


def _payload_text(cls: type) -> _PayloadText | None:
    """Generated once per class: ``encode``'s text for an instance, or None (see above); None
    for a class whose fields it does not know."""
    if cls in _TEXT:
        return _TEXT[cls]
    _TEXT[cls] = None  # also guards against a class that contains itself
    if _fast_structurer(cls) is None:  # decoding would not take the fast structure path
        return None
    hints = typing.get_type_hints(cls)
    namespace: dict[str, Any] = {"NOT_PLAIN": _NOT_PLAIN, "valid_text": _valid_text, "spell": _spell_text}
    body = ["def text(value):", "    out = []"]
    # Field names are ASCII identifiers: JCS's order (UTF-16 code units) is Python's, no escapes.
    for n, one in sorted(enumerate(attrs.fields(cls)), key=lambda item: item[1].name):
        each = _text_spell(hints.get(one.name))
        if each is None or not one.name.isascii() or isinstance(one.default, attrs.Factory):  # type: ignore[arg-type]
            return None
        namespace[f"each{n}"] = each
        body.append(f"    v = value.{one.name}")
        if each is _text_str:  # inline: most fields are text
            body += [
                "    if type(v) is not str or not (v.isascii() or valid_text(v)):",
                "        return None",
                "    p = spell(v)",
            ]
        else:
            body += [f"    p = each{n}(v)", "    if p is NOT_PLAIN:", "        return None"]
        key = f'"{one.name}":'
        if one.default is attrs.NOTHING:
            body.append(f"    out.append({key!r} + p)")
        else:  # omitted when equal to its default, as cattrs does; the default must be plain too
            if one.default is not None and each(one.default) is _NOT_PLAIN:
                return None
            namespace[f"default{n}"] = one.default
            body += [f"    if v != default{n}:", f"        out.append({key!r} + p)"]
    body.append("    return '{' + ','.join(out) + '}'")
    exec(compile("\n".join(body), f"<goalplan payload {cls.__qualname__}>", "exec"), namespace)
    text: _PayloadText = namespace["text"]
    _TEXT[cls] = text
    return text


def _exact_payload(event: Event) -> str | None:
    """``encode(event)``, when decoding it would give back ``event`` exactly (see above)."""
    cls = type(event)
    if EVENT_TYPES.get(cls.TYPE) is not cls:  # decode builds the registered class
        return None
    text = _TEXT[cls] if cls in _TEXT else _payload_text(cls)
    return None if text is None else text(event)


def round_trips(event: Event) -> bool:
    """Whether decoding ``encode(event)`` gives back an object equal to ``event`` in every value
    and its type, so ``event`` may stand for its decoded payload."""
    return _exact_payload(event) is not None


def _first_cause(exc: BaseException) -> str:
    """The innermost cause, with the attribute cattrs noted it at (``@ attribute x``)."""
    where = ""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
        notes = [n for n in getattr(exc, "__notes__", ()) if "@ attribute" in n]
        if notes:
            where = notes[-1].rpartition("@ attribute ")[2].strip()
    cause = str(exc) or type(exc).__name__
    if isinstance(exc, KeyError):
        cause = f"the field {exc.args[0]!r} is missing" if exc.args else cause
    return f"{where}: {cause}" if where and not cause.startswith("the field") else cause


def format_timestamp(moment: datetime) -> str:
    """Recorded-at as stored and hashed: UTC, microseconds, a trailing Z."""
    if moment.tzinfo is None:
        raise ValueError("recorded_at must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@frozen(kw_only=True)
class NewEvent:
    """An event on its way into the log; the store gives it a version, position and hash."""

    event_id: str
    type: str
    schema_version: int
    payload: str
    actor: str
    recorded_at: str
    hash_scheme: int = HASH_SCHEME_JCS
    decoded: Event | None = attrs.field(init=False, default=None, eq=False, repr=False)
    """What decoding ``payload`` gives, when known without decoding it (set by :meth:`of` only
    when :func:`round_trips` holds); the store's fold then takes it instead of decoding."""

    @classmethod
    def of(
        cls, event: Event, *, actor: str, recorded_at: datetime | str, event_id: str | None = None
    ) -> NewEvent:
        payload = _exact_payload(event)
        new = cls(
            event_id=event_id or new_event_id(),
            type=event.TYPE,
            schema_version=event.SCHEMA_VERSION,
            payload=encode(event) if payload is None else payload,
            actor=actor,
            recorded_at=recorded_at if isinstance(recorded_at, str) else format_timestamp(recorded_at),
        )
        if payload is not None:  # decoding it would give back ``event`` exactly
            object.__setattr__(new, "decoded", event)
        return new


class Envelope(NamedTuple):
    """The recorded-event fields, in the events table's column order."""

    event_id: str
    plan_id: str
    version: int
    position: int
    recorded_at: str
    actor: str
    type: str
    schema_version: int
    payload: str
    prev_hash: str
    hash: str
    hash_scheme: int = HASH_SCHEME_LEGACY
    recorded_by: str = ""
    """Who the store saw writing: the PostgreSQL role, or the operating-system user (SQLite)."""


T = TypeVar("T")


class _memo(Generic[T]):
    """functools.cached_property without its lock (Python 3.11 takes one on every first read,
    a tenth of catch-up time); a record is read by one thread, and recomputing is harmless."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _memo[T]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> T | _memo[T]:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.func(obj)
        return value


class RecordedEvent(Envelope):
    """An event as the log holds it: the envelope, the payload as hashed, and the decoded event.

    A tuple, so a store row becomes one in a single step (catch-up readers build millions);
    the decoded event is computed on first use and kept.
    """

    @_memo
    def event(self) -> Event:
        try:
            return decode(self.type, self.schema_version, self.payload)
        except CodecError as exc:  # say where in the log, so the damage can be found
            raise CodecError(f"{self.where}: {exc}") from None

    @property
    def where(self) -> str:
        """Where this event sits, as problems name it: plan, version and event id."""
        return f"plan {self.plan_id} version {self.version} (event {self.event_id})"

    @_memo
    def recorded_at_dt(self) -> datetime:
        return parse_timestamp(self.recorded_at)

    def to_json(self) -> dict[str, Any]:
        """The export form: the envelope plus the payload as an object (JSON Lines)."""
        return {**self.to_json_envelope(), "payload": self.payload_object()}

    def to_json_envelope(self) -> dict[str, Any]:
        """The export form without the payload."""
        return {
            "event_id": self.event_id,
            "plan_id": self.plan_id,
            "version": self.version,
            "position": self.position,
            "recorded_at": self.recorded_at,
            "actor": self.actor,
            "type": self.type,
            "schema_version": self.schema_version,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "hash_scheme": self.hash_scheme,
        }

    def payload_object(self) -> Any:
        """The stored payload parsed (any JSON value); CodecError naming the event if it is not JSON."""
        try:
            return json.loads(self.payload)
        except (ValueError, RecursionError):
            raise CodecError(f"{self.where}: its payload is not valid JSON.") from None


def chain_hash(
    *,
    plan_id: str,
    version: int,
    event: NewEvent | RecordedEvent,
    prev_hash: str,
) -> str:
    """SHA-256 over the canonical envelope (with the previous hash) and the canonical payload.

    The global position is left out on purpose: it belongs to one store, and a stream copied
    to another store must keep its hashes. The event's hash scheme says how the header is
    spelled (its payload is stored already spelled that way).
    """
    header = None
    if event.hash_scheme == HASH_SCHEME_JCS:
        header = jcs_header(
            event.actor,
            event.event_id,
            plan_id,
            prev_hash,
            event.recorded_at,
            event.schema_version,
            event.type,
            version,
        )
    if header is None:
        spell = jcs if event.hash_scheme == HASH_SCHEME_JCS else canonical_json
        header = spell(
            {
                "actor": event.actor,
                "event_id": event.event_id,
                "plan_id": plan_id,
                "prev_hash": prev_hash,
                "recorded_at": event.recorded_at,
                "schema_version": event.schema_version,
                "type": event.type,
                "version": version,
            }
        )
    return hashlib.sha256(f"{header}\n{event.payload}".encode()).hexdigest()


_spell_text: Callable[[str], str] = (
    getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring
)


def jcs_header(
    actor: str,
    event_id: str,
    plan_id: str,
    prev_hash: str,
    recorded_at: str,
    schema_version: int,
    event_type: str,
    version: int,
) -> str | None:
    """The chain header's JCS text, spelled directly: its eight keys are fixed and already in
    JCS order, so only the values need writing. None when a value is not plain text or a safe
    integer (a lone surrogate, a bool, a huge number): then :func:`jcs` spells it, or refuses.

    The same text as ``jcs({...})`` of the eight fields; a property test compares them.
    """
    if type(schema_version) is not int or type(version) is not int:
        return None
    if not (
        -MAX_SAFE_INTEGER <= schema_version <= MAX_SAFE_INTEGER
        and -MAX_SAFE_INTEGER <= version <= MAX_SAFE_INTEGER
    ):
        return None
    spell = _spell_text
    try:  # the C string encoder refuses anything but text
        header = (
            f'{{"actor":{spell(actor)},"event_id":{spell(event_id)},"plan_id":{spell(plan_id)},'
            f'"prev_hash":{spell(prev_hash)},"recorded_at":{spell(recorded_at)},'
            f'"schema_version":{schema_version},"type":{spell(event_type)},"version":{version}}}'
        )
    except TypeError:
        return None
    return header if header.isascii() or _valid_text(header) else None  # no lone surrogates


def _valid_text(text: str) -> bool:
    """Text UTF-8 can carry (no lone surrogates), as JCS requires."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_EXPORT_FIELDS = (
    "event_id",
    "plan_id",
    "version",
    "recorded_at",
    "actor",
    "type",
    "schema_version",
    "payload",
    "prev_hash",
    "hash",
)


def new_event_from_json(record: Mapping[str, Any]) -> tuple[str, int, NewEvent, str, str]:
    """Read one exported line back: (plan_id, version, event, prev_hash, hash).

    Checks the shape only; whether the event belongs where the line says is for the hash
    chain to tell.
    """
    missing = [name for name in _EXPORT_FIELDS if name not in record]
    if missing:
        raise CodecError(f"an exported event is missing the field {missing[0]!r}.")
    for name in ("version", "schema_version"):
        value = record[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise CodecError(f"the field {name!r} must be a whole number from 1 (got {value!r}).")
    for name in ("event_id", "plan_id", "actor", "type", "recorded_at", "prev_hash", "hash"):
        if not isinstance(record[name], str) or not record[name]:
            raise CodecError(f"the field {name!r} must be non-empty text (got {record[name]!r}).")
    if not _TIMESTAMP.fullmatch(record["recorded_at"]):
        raise CodecError(
            f"the field 'recorded_at' must be UTC written YYYY-MM-DDTHH:MM:SS.ffffffZ "
            f"(got {record['recorded_at']!r})."
        )
    if not isinstance(record["payload"], dict):
        raise CodecError("the field 'payload' must be a JSON object.")
    scheme = record.get("hash_scheme", HASH_SCHEME_LEGACY)  # 0.1.0 exports carry none
    if isinstance(scheme, bool) or scheme not in HASH_SCHEMES:
        raise CodecError(f"the field 'hash_scheme' must be 1 or 2 (got {scheme!r}).")
    try:
        payload = canonical_payload(record["payload"], scheme)
    except ValueError as exc:
        raise CodecError(f"the field 'payload' cannot be spelled as canonical JSON: {exc}.") from None
    event = NewEvent(
        event_id=record["event_id"],
        type=record["type"],
        schema_version=record["schema_version"],
        payload=payload,
        actor=record["actor"],
        recorded_at=record["recorded_at"],
        hash_scheme=scheme,
    )
    return record["plan_id"], record["version"], event, record["prev_hash"], record["hash"]


# Upcasters for the schema versions declared in goalplan.events ------------------------------
#
# Each of these version-2 schemas only added fields with defaults, and a version-1 payload
# leaves them out, so it already has the version-2 shape: the step is the identity. Registering
# it keeps the rule that every version step has an upcaster (and a reader of version 1 refuses a
# version-2 payload by name instead of failing on an unknown key).


def _unchanged(payload: dict[str, Any]) -> dict[str, Any]:
    return payload


for _tag in ("plan_opened", "intervention_planned", "plan_signed", "goal_status_changed"):
    upcaster(_tag, 1)(_unchanged)
