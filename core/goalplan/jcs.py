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


def jcs(value: Any) -> str:
    """The JCS text of a JSON value (dict, list, str, int, float, bool, None).

    Raises ValueError for what JCS cannot spell: NaN, infinities, integers beyond 2**53, keys
    that are not text, and strings holding lone surrogates.
    """
    if _plain(value):
        # No floats, no large integers, no astral-plane keys: the C encoder's output is JCS.
        return _ASCII_ENCODER.encode(value)
    out: list[str] = []
    _write(value, out)
    return "".join(out)


def _plain(value: Any) -> bool:
    kind = type(value)
    if kind is str:
        return _text_ok(value)
    if kind is int:
        return bool(-MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER)
    if kind is dict:
        return all(type(k) is str and k.isascii() and _plain(v) for k, v in value.items())
    if kind is list or kind is tuple:
        return all(_plain(item) for item in value)
    return value is None or kind is bool


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
