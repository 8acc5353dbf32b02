"""ICD-10-CM codes checked against the code set that ``simple-icd-10-cm`` ships (never a hand-made list).

That package parses the whole tabular list on import (1.5 to 4 seconds), which every first
diagnosis command paid. So the code set is read instead from ``icd10cm-codes.tsv.gz`` beside
this module: built from the package by ``python -m goalplan.domain.icd10cm --write`` and
checked against it by the tests, so it takes exactly the codes the package takes. Reading it
costs some tens of milliseconds, once per process, and only when a code is checked: a recorded
diagnosis carries the description it was given.

The file is UTF-8 text, gzip-compressed: a first line ``# goalplan-icd10cm-1 <release>``, then
one line per code in the tabular list's order (chapters and blocks left out), the code, a tab,
and for a billable (leaf) code its description as a JSON string, else nothing. In that order a
category's codes follow it directly.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import sys
import warnings
from functools import cache
from itertools import islice
from pathlib import Path

from attrs import frozen

from goalplan.errors import RejectedError

_SHAPE = re.compile(r"[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?")
MAX_LISTED = 12
INDEX = Path(__file__).with_name("icd10cm-codes.tsv.gz")
FORMAT = "goalplan-icd10cm-1"


@frozen
class CodeSet:
    """The code set as read from the index: its lines in tabular order, found by code."""

    release: str
    lines: list[str]  # "CODE\t" for a category, "CODE\t<JSON description>" for a billable code
    where: dict[str, int]

    def is_code(self, code: str) -> bool:
        return code in self.where

    def is_billable(self, code: str) -> bool:
        return not self.lines[self.where[code]].endswith("\t")

    def description(self, code: str) -> str:
        text: str = json.loads(self.lines[self.where[code]].partition("\t")[2])
        return text

    def billable_under(self, code: str) -> list[str]:
        """The billable codes under a category, in tabular order: the lines that follow it
        while they start with its code."""
        found = []
        for line in islice(self.lines, self.where[code] + 1, None):
            if not line.startswith(code):
                break
            if not line.endswith("\t"):
                found.append(line.partition("\t")[0])
        return found


@cache
def code_set() -> CodeSet:
    """The shipped index, read once per process."""
    text = gzip.decompress(INDEX.read_bytes()).decode("utf-8")
    header, _, body = text.partition("\n")
    kind, _, release = header.removeprefix("# ").partition(" ")
    if kind != FORMAT:
        raise RuntimeError(f"{INDEX} is not a {FORMAT} file")  # a broken installation
    lines = body.rstrip("\n").split("\n")
    return CodeSet(release, lines, {line.partition("\t")[0]: i for i, line in enumerate(lines)})


def normalise(code: str) -> str:
    """Upper case, no spaces, with the dot after the category (``f411`` -> ``F41.1``)."""
    text = code.strip().upper()
    if "." not in text and len(text) > 3:
        text = f"{text[:3]}.{text[3:]}"
    return text


def code_set_version() -> str:
    """Which release of the code set is in use (the package's data file names it)."""
    return code_set().release


def billable(code: str) -> tuple[str, str]:
    """(code, description) for a billable ICD-10-CM code, or a RejectedError naming what is wrong."""
    text = normalise(code) if isinstance(code, str) else ""
    if not _SHAPE.fullmatch(text):
        raise RejectedError(
            "code", f"{code!r} is not an ICD-10-CM code (a letter, two characters, then a dot and more)."
        )
    cm = code_set()
    if not cm.is_code(text):
        raise RejectedError("code", f"{text} is not in the ICD-10-CM code set.")
    if not cm.is_billable(text):
        under = cm.billable_under(text)
        shown = ", ".join(under[:MAX_LISTED]) + (
            f" and {len(under) - MAX_LISTED} more" if len(under) > MAX_LISTED else ""
        )
        raise RejectedError(
            "code", f"{text} is a category, not a billable code; use one of the codes under it: {shown}."
        )
    return text, cm.description(text)


def build_index() -> str:
    """The index's text, made from the installed ``simple-icd-10-cm`` (slow: it parses the
    whole tabular list). For ``--write`` and for the test that keeps the shipped file equal."""
    with warnings.catch_warnings():  # it reads its data with a deprecated importlib call
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as cm

    release = str(getattr(cm.simple_icd_10_cm, "_all_codes_package_file_name", "unknown"))
    lines = [f"# {FORMAT} {release}"]
    for code in cm.get_all_codes(with_dots=True):
        if cm.is_chapter_or_block(code):
            continue
        described = json.dumps(cm.get_description(code), ensure_ascii=False) if cm.is_leaf(code) else ""
        lines.append(f"{code}\t{described}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """``python -m goalplan.domain.icd10cm --write``: rebuild the shipped index from the package."""
    if argv != ["--write"]:
        print("usage: python -m goalplan.domain.icd10cm --write", file=sys.stderr)
        return 2
    if importlib.util.find_spec("simple_icd_10_cm") is None:
        print("the index is built from simple-icd-10-cm: pip install -e '.[test]' first.", file=sys.stderr)
        return 1
    INDEX.write_bytes(gzip.compress(build_index().encode("utf-8"), compresslevel=9, mtime=0))
    print(f"wrote {INDEX}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
