"""The exporter's options, checked before anything is drawn."""

from __future__ import annotations

from collections.abc import Mapping

from attrs import frozen

import goalplan

PAPER_SIZES = {"a4": "A4", "letter": "Letter"}
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off", ""}


@frozen
class PdfOptions:
    pdfa: bool = False
    paper: str = "A4"


def parse_options(options: Mapping[str, str]) -> PdfOptions:
    pdfa = options.get("pdfa", "false").strip().lower()
    if pdfa not in _TRUE | _FALSE:
        raise goalplan.RejectedError("--option pdfa", f"must be true or false, got {options['pdfa']!r}.")
    paper = options.get("paper", "a4").strip().lower()
    if paper not in PAPER_SIZES:
        raise goalplan.RejectedError("--option paper", f"must be a4 or letter, got {options['paper']!r}.")
    return PdfOptions(pdfa=pdfa in _TRUE, paper=PAPER_SIZES[paper])
