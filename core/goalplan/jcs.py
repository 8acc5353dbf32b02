"""RFC 8785 JSON Canonicalization Scheme (JCS): the one spelling of a JSON value that any
language can reproduce, so a hash over it can be checked without goalplan.

Objects have their keys sorted by UTF-16 code units, there is no whitespace, strings are
escaped minimally, and numbers are written as ECMAScript writes an IEEE 754 double.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_SAFE_INTEGER = 2**53
_ASCII_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
# The same encoder's C core, made once: JSONEncoder.encode builds it anew on every call. Without
# the circular-reference check, which a plain value (built fresh, a tree) cannot need.
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_c_encode_text = getattr(json.encoder, "c_encode_basestring", None)
_C_ENCODE = (
    None
    if _c_make_encoder is None or _c_encode_text is None
    else _c_make_encoder(None, _ASCII_ENCODER.default, _c_encode_text, None, ":", ",", True, False, False)
)


def jcs(value: Any) -> str:
    """The JCS text of a JSON value (dict, list, str, int, float, bool, None).

    Raises ValueError for what JCS cannot spell: NaN, infinities, integers beyond 2**53, keys
    that are not text, and strings holding lone surrogates.
    """
    try:
        # Only the values the C encoder spells as JCS does: its output is then JCS.
        return _encode_plain(_as_plain(value))
    except _NotPlain:
        pass
    out: list[str] = []
    _write(value, out)
    return "".join(out)


def _encode_plain(value: Any) -> str:
    """The C encoder's text of a value ``_as_plain`` returned (then it is the JCS text)."""
    if _C_ENCODE is None:
        return _ASCII_ENCODER.encode(value)
    return "".join(_C_ENCODE(value, 0))


class _NotPlain(Exception):
    """A value the C encoder would not spell as JCS: the careful writer below takes it."""


# Python's repr and ECMAScript agree on a double's digits and, between these bounds, on
# writing them without an exponent (apart from Python's ".0" on a whole one); a whole double
# below 2**53 is spelled as the integer, a larger whole one by the careful writer.
POSITIONAL_LOW, POSITIONAL_HIGH = 1e-4, 1e16


def _as_plain(value: Any) -> Any:
    """``value`` with whole floats as ints, or _NotPlain if anything else needs the careful
    writer (floats written with an exponent, large integers, non-ASCII keys, lone surrogates)."""
    kind = type(value)
    if kind is str:
        if not _text_ok(value):
            raise _NotPlain
        return value
    if kind is dict:
        plain = {}
        for key, item in value.items():
            if type(key) is not str or not key.isascii():
                raise _NotPlain
            plain[key] = _as_plain(item)
        return plain
    if kind is int:
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise _NotPlain
        return value
    if kind is float:
        size = abs(value)
        if value.is_integer():
            if size < MAX_SAFE_INTEGER:
                return int(value)  # ECMAScript writes 2.0 as 2 (and -0.0 as 0)
            raise _NotPlain  # 2.0**53 is written 9007199254740992, Python would add ".0"
        if POSITIONAL_LOW <= size < POSITIONAL_HIGH:
            return value
        raise _NotPlain
    if kind is list or kind is tuple:
        return [_as_plain(item) for item in value]
    if value is None or kind is bool:
        return value
    raise _NotPlain


def _text_ok(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _write(value: Any, out: list[str]) -> None:
    if value is None or value is True or value is False:
        out.append("null" if value is None else "true" if value else "false")
    elif isinstance(value, str):
        if not _text_ok(value):
            raise ValueError("JCS cannot spell a string holding a lone surrogate")
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise ValueError(f"JCS cannot spell the integer {value} exactly (beyond 2**53)")
        out.append(str(value))
    elif isinstance(value, float):
        out.append(number(value))
    elif isinstance(value, list | tuple):
        out.append("[")
        for n, item in enumerate(value):
            if n:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise ValueError("JCS object keys must be text")
        out.append("{")
        for n, key in enumerate(sorted(value, key=_utf16)):
            if n:
                out.append(",")
            _write(key, out)
            out.append(":")
            _write(value[key], out)
        out.append("}")
    else:
        raise ValueError(f"JCS cannot spell a {type(value).__name__}")


def _utf16(key: str) -> bytes:
    try:
        return key.encode("utf-16-be")
    except UnicodeEncodeError:
        raise ValueError("JCS cannot spell a key holding a lone surrogate") from None


def number(value: float) -> str:
    """A double as ECMAScript's Number.prototype.toString writes it (RFC 8785 section 3.2.2.3)."""
    if not math.isfinite(value):
        raise ValueError(f"JCS cannot spell {value!r}")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    text = repr(abs(value))  # Python's repr is the shortest round-tripping digits, as ECMAScript's
    mantissa, _, exponent = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(whole + fraction) - len((whole + fraction).lstrip("0")))
    digits = digits.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        body = "0." + "0" * -n + digits
    else:
        e = n - 1
        rest = f".{digits[1:]}" if k > 1 else ""
        body = f"{digits[0]}{rest}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + body
