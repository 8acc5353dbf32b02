"""Finding a font for each script the bundled DejaVu leaves out: first in a folder the user names
(``--option fonts=DIR`` or ``GOALPLAN_FONT_DIR``), then among the system's fonts through
fontconfig (the Noto families of Debian's fonts-noto-core and fonts-noto-cjk), and last DejaVu
itself for the Hebrew and Arabic it has.

Choices are made in a fixed order from the characters the plan uses, so the same log on the
same set of installed fonts gives the same PDF.
"""

from __future__ import annotations

import bisect
import shutil
import subprocess
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from attrs import frozen

from goalplan_pdf import fonts

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
_FC_FORMAT = "%{file}\\t%{index}\\t%{family[0]}\\t%{style[0]}\\t%{charset}\\n"
_SKIP_WORDS = ("Mono", " UI", "Display", "Condensed", "Emoji", "Symbols", "Math", "Music")


@frozen
class FontFace:
    """One face in a font file, with the characters it has."""

    path: str
    index: int
    family: str
    bold: bool
    rank: tuple[int, str, str, int]
    starts: tuple[int, ...] = ()
    ends: tuple[int, ...] = ()
    chars: frozenset[str] | None = None  # read from the file when fontconfig gave no charset

    def has(self, char: str) -> bool:
        if self.chars is not None:
            return char in self.chars
        code = ord(char)
        i = bisect.bisect_right(self.starts, code) - 1
        return i >= 0 and code <= self.ends[i]


@frozen
class Fallbacks:
    """The faces a document adds, regular (and bold, when the family has one) per family."""

    regular: tuple[FontFace, ...]
    bold: tuple[FontFace | None, ...]
    needed: frozenset[str]
    undrawable: frozenset[str]


def _parse_charset(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    starts, ends = [], []
    for part in text.split():
        low, _, high = part.partition("-")
        starts.append(int(low, 16))
        ends.append(int(high or low, 16))
    return tuple(starts), tuple(ends)


def _family_rank(family: str) -> int:
    if family.startswith("Noto Sans") and not any(w in family for w in _SKIP_WORDS):
        return 1
    if family.startswith("Noto") and not any(w in family for w in _SKIP_WORDS):
        return 2
    return 3


@cache
def system_faces() -> tuple[FontFace, ...]:
    """The fonts fontconfig knows, with their character sets; none without fontconfig."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return ()
    try:
        result = subprocess.run(
            [fc_list, "--format", _FC_FORMAT], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    faces = []
    for line in result.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) != 5 or not parts[0].lower().endswith(FONT_SUFFIXES):
            continue
        path, index, family, style, charset = parts
        if style not in ("Regular", "Bold", "Book"):
            continue
        starts, ends = _parse_charset(charset)
        faces.append(
            FontFace(
                path,
                int(index or 0),
                family,
                style == "Bold",
                (_family_rank(family), family, path, int(index or 0)),
                starts,
                ends,
            )
        )
    return tuple(sorted(faces, key=lambda f: f.rank))


def folder_faces(folder: Path) -> tuple[FontFace, ...]:
    """Every font file in a folder (not its subfolders), in name order, before any system font."""
    faces = []
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in FONT_SUFFIXES and p.is_file()):
        bold = "bold" in path.stem.lower()
        faces.append(
            FontFace(
                str(path),
                0,
                path.stem,
                bold,
                (0, path.name, str(path), 0),
                chars=fonts.file_coverage(str(path), 0),
            )
        )
    return tuple(faces)


def _cjk_preference(chars: Iterable[str]) -> str:
    """Han characters take the regional form the text suggests: kana Japanese, hangul Korean."""
    codes = [ord(c) for c in chars]
    if any(0x3040 <= c <= 0x30FF for c in codes):
        return "JP"
    if any(0xAC00 <= c <= 0xD7AF or 0x1100 <= c <= 0x11FF for c in codes):
        return "KR"
    return "SC"


def _ordered(faces: Iterable[FontFace], region: str) -> list[FontFace]:
    def key(face: FontFace) -> tuple[int, int, tuple[int, str, str, int]]:
        cjk = " CJK " in f"{face.family} "
        return (face.rank[0], 0 if not cjk or face.family.endswith(region) else 1, face.rank)

    return sorted(faces, key=key)


def choose(needed: set[str], folder: Path | None) -> Fallbacks:
    """The fewest faces, in preference order, that draw ``needed``; what none draws is left over."""
    if not needed:
        return Fallbacks((), (), frozenset(), frozenset())
    region = _cjk_preference(needed)
    candidates = list(folder_faces(folder)) if folder is not None else []
    candidates += _ordered(system_faces(), region)
    dejavu = fonts.bundled_regular()
    candidates.append(
        FontFace(
            str(dejavu), 0, "DejaVu Sans", False, (9, "", "", 0), chars=fonts.file_coverage(str(dejavu), 0)
        )
    )
    regular = [f for f in candidates if not f.bold]
    chosen: list[FontFace] = []
    left = set(needed)
    for char in sorted(needed):
        if char not in left:
            continue
        having = [f for f in regular if f.has(char)]
        if not having:
            continue
        # among the most preferred kind of font (the folder's, Noto Sans, other Noto, any other,
        # DejaVu last), the face that draws most of what is left; among equals, the first
        best = min(f.rank[0] for f in having)
        having = [f for f in having if f.rank[0] == best]
        face = max(having, key=lambda f: (sum(1 for c in left if f.has(c)), -having.index(f)))
        chosen.append(face)
        left -= {c for c in left if face.has(c)}
    bold = tuple(
        next(
            (b for b in candidates if b.bold and b.family == face.family and b.rank[0] == face.rank[0]), None
        )
        for face in chosen
    )
    return Fallbacks(tuple(chosen), bold, frozenset(needed), frozenset(left))
