"""Keyed pseudonyms and day offsets for the de-identified profile (see docs/privacy.md)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from goalplan import parse_iso_date


class Pseudonyms:
    """HMAC-SHA256 of an id under a secret key: stable for one key, unlinkable without it.

    The key itself never reaches the output; each kind of id has its own domain, so a plan and
    a goal can never share a pseudonym.
    """

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __call__(self, kind: str, identifier: str | None) -> str:
        if not identifier:
            return ""
        digest = hmac.new(self._key, f"goalplan/{kind}\0{identifier}".encode(), hashlib.sha256)
        return f"{kind[0]}{digest.hexdigest()[:20]}"


def day_offset(day: date | None, opened_on: date) -> int | None:
    """Whole days from the plan's opening (negative for days before it)."""
    return None if day is None else (day - opened_on).days


def timestamp_day_offset(recorded_at: str, opened_on: date) -> int | None:
    """The UTC calendar day of a recorded-at timestamp, as a day offset from the opening."""
    return day_offset(parse_iso_date(recorded_at[:10]), opened_on) if recorded_at else None
