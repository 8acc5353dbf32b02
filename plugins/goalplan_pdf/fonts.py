"""The embedded fonts, and the check that every character can be drawn before anything is.

fpdf2 only logs a warning for a character its font lacks and draws nothing in its place; in a
signed treatment plan a vanished letter in a name is an error, so coverage is checked first.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib.resources import files
from pathlib import Path

import goalplan

FAMILY = "dejavusans"  # fpdf2 keys families in lower case
MONO = "dejavusansmono"
FONT_FILES = {
    (FAMILY, ""): "DejaVuSans.ttf",
    (FAMILY, "B"): "DejaVuSans-Bold.ttf",
    (FAMILY, "I"): "DejaVuSans-Oblique.ttf",
    (MONO, ""): "DejaVuSansMono.ttf",
}
# Characters that layout consumes rather than draws.
_LAYOUT = frozenset("\n\r\t")


def font_path(family: str, style: str) -> Path:
    return Path(str(files("goalplan_pdf").joinpath("fonts", FONT_FILES[(family, style)])))


@cache
def coverage(family: str, style: str) -> frozenset[int]:
    """The code points a font has a glyph for, read from its cmap."""
    from fontTools.ttLib import TTFont

    with TTFont(font_path(family, style), lazy=True) as font:
        return frozenset(font.getBestCmap())


@cache
def text_coverage() -> frozenset[int]:
    """What every text style (regular, bold, italic) can draw: any text may be set in any of them."""
    return coverage(FAMILY, "") & coverage(FAMILY, "B") & coverage(FAMILY, "I")


def clean(text: str) -> str:
    """NFC, so a name typed with combining marks is drawn with the font's composed glyphs."""
    return unicodedata.normalize("NFC", text).replace("\t", " ")


def first_missing(text: str, covered: frozenset[int]) -> str | None:
    for char in clean(text):
        if ord(char) not in covered and char not in _LAYOUT:
            return char
    return None


def describe(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    return f"U+{ord(char):04X} {char!r} ({name})"


def check_text(field: str, text: str, covered: frozenset[int] | None = None) -> None:
    """Raise a RejectedError naming the field and the first character no font can draw."""
    missing = first_missing(text, text_coverage() if covered is None else covered)
    if missing is not None:
        raise goalplan.RejectedError(
            field,
            f"contains {describe(missing)}, which the PDF's embedded font (DejaVu Sans) cannot draw; "
            "change the text or export in another format.",
        )
