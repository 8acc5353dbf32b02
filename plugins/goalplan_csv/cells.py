"""Spreadsheet-safe CSV cells: RFC 4180 (excel dialect, CRLF) with formula injection neutralised.

Text and numbers are kept apart on purpose. Every text cell is quoted, and one that begins with
a character a spreadsheet reads as the start of a formula (= + - @, tab, CR, LF or NUL) gets a
leading apostrophe, as OWASP's CSV injection guidance and ASVS 5.0 V1.2.10 describe. Numbers
are written bare and never prefixed, so a negative baseline is still a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
BOM = "\ufeff"

Cell = str | int | float | None


def neutralise(text: str) -> str:
    """The text as a spreadsheet will show it literally, never evaluate it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def number(value: float | int) -> int | float:
    """Whole numbers without a trailing .0; others in Python's shortest round-trip form."""
    if isinstance(value, bool):
        raise TypeError("booleans are not numbers in a CSV export")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _cell(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    return number(value)


def write_csv(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], *, bom: bool = False, delimiter: str = ","
) -> bytes:
    """RFC 4180 bytes: UTF-8, CRLF line ends, text quoted (QUOTE_NONNUMERIC), numbers bare;
    ``delimiter`` replaces the comma for spreadsheets that expect another separator."""
    buffer = io.StringIO(newline="")
    if bom:
        buffer.write(BOM)
    writer = csv.writer(buffer, dialect="excel", quoting=csv.QUOTE_NONNUMERIC, delimiter=delimiter)
    writer.writerow([neutralise(name) for name in header])
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"a row has {len(row)} cells but the header has {len(header)}")
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")
