"""The exporter's options, checked before anything is drawn."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from attrs import frozen

import goalplan

PAPER_SIZES = {"a4": "A4", "letter": "Letter"}
FONT_DIR_VARIABLE = "GOALPLAN_FONT_DIR"
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off", ""}


@frozen
class PdfOptions:
    pdfa: bool = False
    paper: str = "A4"
    fonts: Path | None = None
    strict_glyphs: bool = False


def _flag(options: Mapping[str, str], key: str) -> bool:
    value = options.get(key, "false").strip().lower()
    if value not in _TRUE | _FALSE:
        raise goalplan.RejectedError(f"--option {key}", f"must be true or false, got {options[key]!r}.")
    return value in _TRUE


def _font_dir(options: Mapping[str, str]) -> Path | None:
    if "fonts" in options:
        where, value = "--option fonts", options["fonts"]
    elif os.environ.get(FONT_DIR_VARIABLE):
        where, value = FONT_DIR_VARIABLE, os.environ[FONT_DIR_VARIABLE]
    else:
        return None
    folder = Path(value).expanduser()
    if not folder.is_dir():
        raise goalplan.RejectedError(where, f"must name a folder of font files, got {value!r}.")
    return folder


def parse_options(options: Mapping[str, str]) -> PdfOptions:
    pdfa = _flag(options, "pdfa")
    paper = options.get("paper", "a4").strip().lower()
    if paper not in PAPER_SIZES:
        raise goalplan.RejectedError("--option paper", f"must be a4 or letter, got {options['paper']!r}.")
    return PdfOptions(
        pdfa=pdfa,
        paper=PAPER_SIZES[paper],
        fonts=_font_dir(options),
        strict_glyphs=_flag(options, "strict-glyphs"),
    )
