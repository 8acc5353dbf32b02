"""The embedded fonts: DejaVu for Latin, Greek and Cyrillic (shipped in the package), and fallback
fonts found for every other script a plan uses.

A character no font can draw is never silently dropped (fpdf2 on its own would only log a
warning): it is drawn as a visible replacement mark and listed. Parsed fonts are kept per
process, so the second document does not read the same TrueType tables again.
"""

from __future__ import annotations

import copy
import unicodedata
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

FAMILY = "dejavusans"  # fpdf2 keys families in lower case
MONO = "dejavusansmono"
FONT_FILES = {
    (FAMILY, ""): "DejaVuSans.ttf",
    (FAMILY, "B"): "DejaVuSans-Bold.ttf",
    (FAMILY, "I"): "DejaVuSans-Oblique.ttf",
    (MONO, ""): "DejaVuSansMono.ttf",
}
REPLACEMENT = "\ufffd"  # drawn where no font has the character
# Characters that layout consumes rather than draws.
_LAYOUT = frozenset("\n\r\t")
# Scripts DejaVu covers only in part or without the shaping they need: the body font leaves them
# to a fallback font, so one word never mixes two fonts (which would break Arabic joining).
COMPLEX_RANGES = (
    (0x0590, 0x08FF),  # Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan, Arabic supplements
    (0x0900, 0x0DFF),  # Indic scripts
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0xFB1D, 0xFDFF),  # Hebrew and Arabic presentation forms
    (0xFE70, 0xFEFF),  # Arabic presentation forms B
)


def font_path(family: str, style: str) -> Path:
    return Path(str(files("goalplan_pdf").joinpath("fonts", FONT_FILES[(family, style)])))


def bundled_regular() -> Path:
    return font_path(FAMILY, "")


def _complex(code: int) -> bool:
    return any(low <= code <= high for low, high in COMPLEX_RANGES)


@cache
def coverage(family: str, style: str) -> frozenset[str]:
    """The characters a bundled style draws itself (the body font leaves complex scripts out)."""
    cmap = parsed(str(font_path(family, style)), 0, family == FAMILY).cmap
    return frozenset(chr(c) for c in cmap)


@cache
def text_coverage() -> frozenset[str]:
    """What every text style (regular, bold, italic) can draw: any text may be set in any of them."""
    return coverage(FAMILY, "") & coverage(FAMILY, "B") & coverage(FAMILY, "I")


@cache
def file_coverage(path: str, index: int) -> frozenset[str]:
    """The characters a font file draws, read from its cmap (for fonts fontconfig does not list)."""
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True, fontNumber=index) as font:
        return frozenset(chr(c) for c in (font.getBestCmap() or {}))


@cache
def parsed(path: str, index: int, body: bool) -> Any:
    """One parsed fpdf2 TTFFont per file and process; documents get light copies (``install``)."""
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

    scratch = FPDF()
    scratch.render_color_fonts = False
    font = TTFFont(scratch, Path(path), "parsed", "", None, None, None, index)
    if body:
        # what fpdf2's unicode_range does, without building a set of every code point kept
        font.cmap = {c: g for c, g in font.cmap.items() if not _complex(c)}
        font.glyph_ids = {c: g for c, g in font.glyph_ids.items() if not _complex(c)}
    # everything kept here is read now; each document reopens the file for itself (install)
    font.ttfont.close()
    return font


def install(pdf: Any, family: str, style: str, path: str, index: int = 0, *, body: bool = False) -> None:
    """Add a font to a document from the per-process cache instead of parsing the file again.

    The copy shares what fpdf2 only reads (character map, widths, glyph ids, HarfBuzz face) and
    gets its own glyph subset, and its own lazily opened file, which fpdf2 subsets in place when
    the document is written.
    """
    from fontTools.ttLib import TTFont
    from fpdf.enums import TextEmphasis
    from fpdf.fonts import SubsetMap

    source = parsed(path, index, body)
    font = copy.copy(source)
    font.i = len(pdf.fonts) + 1
    font.fontkey = f"{family}{style}"
    font.emphasis = TextEmphasis.coerce(style)
    font.ttfont = TTFont(Path(path), recalcTimestamp=False, fontNumber=index, lazy=True)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.color_font = None
    font.subset = SubsetMap(font)
    taken = {other.name for other in pdf.fonts.values()}
    if font.name in taken:
        # two subsets of one file (DejaVu as body font and as fallback) must not share a font
        # name in the PDF: viewers may draw one subset's glyph codes with the other's glyphs
        font.name = f"{font.name}-{family}"
    pdf.fonts[font.fontkey] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")  # what FPDF.add_font does for CID-keyed CFF fonts


def clean(text: str) -> str:
    """NFC, so a name typed with combining marks is drawn with the font's composed glyphs."""
    return unicodedata.normalize("NFC", text).replace("\t", " ")


def drawable_chars(text: str) -> set[str]:
    return {c for c in clean(text) if c not in _LAYOUT}


def replace_missing(text: str, covered: frozenset[str]) -> str:
    """Each character outside ``covered`` becomes the replacement mark."""
    if covered.issuperset(text):
        return text
    return "".join(c if c in covered or c in _LAYOUT else REPLACEMENT for c in text)


def describe(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    return f"U+{ord(char):04X} {char!r} ({name})"


def needs_shaping(chars: set[str]) -> bool:
    """Complex scripts, and marks NFC could not compose, need HarfBuzz to place them."""
    return any(_complex(ord(c)) or unicodedata.category(c) == "Mn" for c in chars)
