"""Identifiers: short, unambiguous to read aloud (Crockford base32), random so plans never collide."""

from __future__ import annotations

import secrets
import uuid

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id(length: int = 16) -> str:
    """A random id of Crockford base32 characters (80 bits at the default length)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_event_id() -> str:
    return str(uuid.uuid4())


def normalise_prefix(prefix: str) -> str:
    """Crockford base32 reads I and L as 1 and O as 0; accept lower case too."""
    return prefix.strip().upper().replace("I", "1").replace("L", "1").replace("O", "0")
