"""A strict, streaming ``log import``: a file is taken whole or not at all.

The file is read one line at a time (never whole, so memory stays bounded however large it
is) and every line is checked before its event is appended inside one store transaction:

- limits: a line's length, each text value's length, JSON nesting depth, a number's digits;
- UTF-8 that decodes, no lone surrogates, numbers JSON can spell;
- the event decodes, continues its plan's hash chain exactly, and its recorded-at does not go
  back within the plan;
- the plan refolded through the domain rules admits it (decide would have recorded it).

Any refusal is one sentence naming the line (and the plan and version where known); the
transaction is rolled back, so nothing of the file is written.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable
from typing import IO, Any

from attrs import frozen

from goalplan.codec import GENESIS_HASH, NewEvent, chain_hash, decode, new_event_from_json
from goalplan.domain import fold
from goalplan.domain.admit import StreamRules
from goalplan.errors import CodecError, RejectedError
from goalplan.store import EventStore

MAX_LINE_BYTES = 1_048_576
MAX_TEXT_CHARS = 100_000
MAX_DEPTH = 16
MAX_NUMBER_CHARS = 40
BATCH = 500
OPEN_STREAMS = 64


@frozen
class ImportReport:
    plans: int
    events: int
    skipped: int


class _Refused(Exception):
    pass


def _parse_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"holds a number of {len(text)} digits; at most {MAX_NUMBER_CHARS} are allowed")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"holds a number written with {len(text)} characters; at most {MAX_NUMBER_CHARS}")
    return float(text)


def _parse_constant(text: str) -> Any:
    raise _Refused(f"holds {text}, which is not a JSON number")


_DECODER = json.JSONDecoder(parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)


def _check_value(value: Any, depth: int = 1) -> None:
    if depth > MAX_DEPTH:
        raise _Refused(f"is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, str):
        if len(value) > MAX_TEXT_CHARS:
            raise _Refused(f"holds a text of {len(value)} characters; at most {MAX_TEXT_CHARS} are allowed")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _Refused("holds a lone surrogate (\\ud800-\\udfff), which is not a character") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_value(key, depth + 1)
            _check_value(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_value(item, depth + 1)


def parse_line(raw: bytes, number: int) -> dict[str, Any] | None:
    """One line as a JSON object within the limits, None for a blank line, else RejectedError."""
    where = f"line {number}"
    if len(raw) > MAX_LINE_BYTES:
        raise RejectedError(where, f"is longer than {MAX_LINE_BYTES} bytes; nothing was imported.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RejectedError(
            where, f"is not valid UTF-8 (byte {exc.start + 1}); nothing was imported."
        ) from None
    text = text.removeprefix("\ufeff") if number == 1 else text
    if not text.strip():
        return None
    try:
        record = _DECODER.decode(text)
        if not isinstance(record, dict):
            raise _Refused("must be a JSON object, one event per line")
        _check_value(record)
    except _Refused as exc:
        raise RejectedError(where, f"{exc}; nothing was imported.") from None
    except RecursionError:
        raise RejectedError(
            where, f"is nested more than {MAX_DEPTH} levels deep; nothing was imported."
        ) from None
    except (json.JSONDecodeError, ValueError) as exc:
        message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise RejectedError(where, f"is not JSON ({message}); nothing was imported.") from None
    return record


def read_lines(source: IO[bytes] | Iterable[bytes | str]) -> Iterable[bytes]:
    """Lines as bytes, each read with a bound, so one endless line cannot exhaust memory."""
    readline = getattr(source, "readline", None)
    if readline is not None and hasattr(source, "mode") and "b" in str(getattr(source, "mode", "")):
        while True:
            raw = readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                yield raw  # refused by parse_line
                return
            yield raw
    for item in source:
        yield item.encode("utf-8", "surrogatepass") if isinstance(item, str) else item


class _Stream:
    """A plan's progress through the file: what the store held, and what the file adds.

    Built from the store, inside the import's transaction, so a stream set aside to bound
    memory is rebuilt with the events this import already appended to it.
    """

    def __init__(self, store: EventStore, plan_id: str, held_before: int | None) -> None:
        self.plan_id = plan_id
        stored = store.read_stream(plan_id)
        self.stored = {r.version: r.hash for r in stored}
        self.current = len(stored) if held_before is None else held_before
        self.version = len(stored)
        self.head = stored[-1].hash if stored else GENESIS_HASH
        self.rules = StreamRules(
            plan_id, fold(stored, plan_id=plan_id), stored[-1].recorded_at if stored else ""
        )
        self.pending: list[tuple[NewEvent, str]] = []


def import_log(store: EventStore, source: IO[bytes] | Iterable[bytes | str]) -> ImportReport:
    """Import a JSON Lines export into ``store``, all or nothing (see the module docstring)."""
    streams: OrderedDict[str, _Stream] = OrderedDict()  # the plans refolded in memory, newest last
    held_before: dict[str, int] = {}  # every plan seen: the versions the store held before
    events = skipped = 0
    last: _Stream | None = None

    def flush(stream: _Stream) -> None:
        if stream.pending:
            store.append(
                stream.plan_id,
                [event for event, _ in stream.pending],
                stream.version - len(stream.pending),
                expect_hashes=[digest for _, digest in stream.pending],
            )
            stream.pending = []

    with store.bulk():
        for number, raw in enumerate(read_lines(source), start=1):
            record = parse_line(raw, number)
            if record is None:
                continue
            try:
                plan_id, version, event, prev_hash, digest = new_event_from_json(record)
                decoded = decode(event.type, event.schema_version, event.payload)
            except CodecError as exc:
                raise RejectedError(f"line {number}", f"{exc} Nothing was imported.") from None
            stream = streams.get(plan_id)
            if stream is None:
                stream = streams[plan_id] = _Stream(store, plan_id, held_before.get(plan_id))
                held_before.setdefault(plan_id, stream.current)
                if len(streams) > OPEN_STREAMS:  # set the oldest aside: memory stays bounded
                    _, oldest = streams.popitem(last=False)
                    flush(oldest)
            streams.move_to_end(plan_id)
            if last is not None and last is not stream:
                flush(last)
            last = stream
            where = f"line {number}: plan {plan_id}"
            computed = chain_hash(plan_id=plan_id, version=version, event=event, prev_hash=prev_hash)
            if version <= stream.current:
                if computed != digest or stream.stored.get(version) != digest:
                    raise RejectedError(
                        where,
                        f"version {version} in the file differs from the one already stored; "
                        "nothing was imported.",
                    )
                skipped += 1
                continue
            if version != stream.version + 1:
                raise RejectedError(
                    where,
                    f"the file has version {version} where version {stream.version + 1} should come "
                    "next (a stream is imported from its beginning, without gaps or repeats); nothing "
                    "was imported.",
                )
            if prev_hash != stream.head or computed != digest:
                raise RejectedError(
                    where,
                    f"version {version} (event {event.event_id}) does not match its hash chain: the line "
                    "was altered or does not follow the one before it; nothing was imported.",
                )
            try:
                stream.rules.admit(
                    version, event.event_id, decoded, event.recorded_at, event.actor, event.schema_version
                )
            except RejectedError as exc:
                raise RejectedError(
                    f"line {number}: {exc.field}", f"{exc.message} Nothing was imported."
                ) from None
            stream.version, stream.head = version, digest
            stream.pending.append((event, digest))
            events += 1
            if len(stream.pending) >= BATCH:
                flush(stream)
        for stream in streams.values():
            flush(stream)
    return ImportReport(plans=len(held_before), events=events, skipped=skipped)
