"""ICD-10-CM codes checked against the code set that ``simple-icd-10-cm`` ships (never a hand-made list).

The package parses the whole tabular list on import (about a second and a half), so it is
imported only when a code is checked, never to read a log: a recorded diagnosis carries the
description it was given.
"""

from __future__ import annotations

import re
import warnings
from functools import cache
from types import ModuleType

from goalplan.errors import RejectedError

_SHAPE = re.compile(r"[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?")
MAX_LISTED = 12


@cache
def _codes() -> ModuleType:
    with warnings.catch_warnings():  # it reads its data with a deprecated importlib call
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    module: ModuleType = simple_icd_10_cm
    return module


def normalise(code: str) -> str:
    """Upper case, no spaces, with the dot after the category (``f411`` -> ``F41.1``)."""
    text = code.strip().upper()
    if "." not in text and len(text) > 3:
        text = f"{text[:3]}.{text[3:]}"
    return text


def code_set_version() -> str:
    """Which release of the code set is in use (the package's data file names it)."""
    return str(getattr(_codes().simple_icd_10_cm, "_all_codes_package_file_name", "unknown"))


def billable(code: str) -> tuple[str, str]:
    """(code, description) for a billable ICD-10-CM code, or a RejectedError naming what is wrong."""
    text = normalise(code) if isinstance(code, str) else ""
    if not _SHAPE.fullmatch(text):
        raise RejectedError(
            "code", f"{code!r} is not an ICD-10-CM code (a letter, two characters, then a dot and more)."
        )
    cm = _codes()
    if not cm.is_valid_item(text) or cm.is_chapter_or_block(text):
        raise RejectedError("code", f"{text} is not in the ICD-10-CM code set.")
    if not cm.is_leaf(text):
        under = [c for c in cm.get_descendants(text) if cm.is_leaf(c)]
        shown = ", ".join(under[:MAX_LISTED]) + (
            f" and {len(under) - MAX_LISTED} more" if len(under) > MAX_LISTED else ""
        )
        raise RejectedError(
            "code", f"{text} is a category, not a billable code; use one of the codes under it: {shown}."
        )
    return text, str(cm.get_description(text))
