"""What text and dates goalplan accepts, and how it shows text on a terminal.

One place for the limits (docs/limits.md lists them), so that every accepted text fits every
built-in export format and nothing a user types can rewrite the terminal of the person who
reads it later:

- no lone surrogates (they cannot be encoded, hashed or stored);
- no control characters, except newline and tab in free-text fields;
- no bidirectional embedding, override or isolate characters (U+202A-U+202E, U+2066-U+2069),
  which can make text read differently from what is stored ("Trojan Source");
- one-line fields (names, ids, titles, units...) also refuse line and paragraph separators.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from goalplan.errors import RejectedError

LINE_MAX = 200
"""Characters in a one-line field: names, credentials, titles, units, modality, ids, actor."""
TEXT_MAX = 4000
"""Characters in a free-text field: statements, steps, descriptions, notes, summaries, reasons."""

NUMBER_LIMIT = 1e9
"""Largest magnitude of a measured value, baseline or target (a count, a minute total, a score)."""

FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2199, 12, 31)

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_FREE_TEXT_CONTROLS = frozenset("\n\t")
_LINE_BREAKS = frozenset("\u2028\u2029\x85")


def _bad_character(value: str, *, line: bool) -> str | None:
    """The first character the field may not hold, or None."""
    for char in value:
        if char in BIDI_CONTROLS:
            return char
        if "\ud800" <= char <= "\udfff":
            return char
        if unicodedata.category(char) == "Cc" and (line or char not in _FREE_TEXT_CONTROLS):
            return char
        if line and char in _LINE_BREAKS:
            return char
    return None


def _name(char: str) -> str:
    if "\ud800" <= char <= "\udfff":
        return f"a lone surrogate U+{ord(char):04X} (not valid Unicode text)"
    label = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {label}" if label else "") + " (a control character)"


def check_text(field: str, value: object, *, line: bool = False, required: bool = False) -> None:
    """Refuse text the field may not hold: one RejectedError sentence naming the field.

    ``line`` fields are one line of at most LINE_MAX characters; the others are free text of at
    most TEXT_MAX characters, where newlines and tabs are allowed.
    """
    if not isinstance(value, str):
        raise RejectedError(field, "must be text.")
    if required and not value.strip():
        raise RejectedError(field, "must not be empty.")
    limit = LINE_MAX if line else TEXT_MAX
    if len(value) > limit:
        raise RejectedError(field, f"must be at most {limit} characters (got {len(value)}).")
    bad = _bad_character(value, line=line)
    if bad is not None:
        raise RejectedError(field, f"must not contain {_name(bad)}.")


def check_number(field: str, value: float) -> None:
    if not -NUMBER_LIMIT <= value <= NUMBER_LIMIT:
        raise RejectedError(
            field, f"must be between {-NUMBER_LIMIT:,.0f} and {NUMBER_LIMIT:,.0f} (got {value:g})."
        )


def check_date(field: str, value: date) -> None:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise RejectedError(
            field,
            f"{value.isoformat()} is outside the dates goalplan keeps "
            f"({FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}).",
        )


def check_not_future(field: str, value: date, today: date) -> None:
    if value > today:
        raise RejectedError(
            field,
            f"{value.isoformat()} is after today ({today.isoformat()}); "
            "an observation cannot be dated in the future.",
        )


_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_UNPRINTABLE_ONE_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, multiline: bool = True) -> str:
    """``text`` safe to show on a terminal: control, bidi and other unprintables escaped (\\x1b).

    Newlines and tabs are kept when ``multiline``; everything else that could move the cursor,
    clear a line, start an escape sequence or reorder what follows is shown as an escape.
    """
    pattern = _UNPRINTABLE if multiline else _UNPRINTABLE_ONE_LINE
    return pattern.sub(_escape, text)


_JSON_UNPRINTABLE = re.compile("[\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def json_printable(dumped: str) -> str:
    """JSON (as json.dumps wrote it) with the same characters escaped as \\uXXXX: the same JSON.

    json.dumps already escapes C0 controls; this adds DEL, C1, bidi controls and lone surrogates.
    """
    return _JSON_UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


# Words, in every script ----------------------------------------------------------------------

_ASCII_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")


def words(text: str) -> list[str]:
    """Lower-case words in any script, apostrophes kept inside them ("i'll").

    A word is a run of letters and digits with the combining marks that belong to them (a
    Vietnamese tone mark, Arabic vowel marks, a Devanagari vowel sign), after NFKC, so a
    statement typed with composed or decomposed accents, or full-width letters, gives the same
    words. Scripts written without spaces (Chinese, Japanese) give one word per run between
    punctuation. ASCII text takes a regular-expression path that gives the same result.
    """
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    if text.isascii():
        return _ASCII_WORD.findall(text)
    found: list[str] = []
    word: list[str] = []
    apostrophe = False
    for char in text:
        if char.isalnum() or (word and not apostrophe and unicodedata.category(char)[0] == "M"):
            if apostrophe:
                word.append("'")
                apostrophe = False
            word.append(char)
        elif char == "'" and word and not apostrophe:
            apostrophe = True
        else:
            if word:
                found.append("".join(word))
            word, apostrophe = [], False
    if word:
        found.append("".join(word))
    return found


def normalise_statement(text: str) -> str:
    """A statement reduced to its words, so a copy with other case, spacing or punctuation still
    matches: the one key both `lint`'s copied-goal rule and the audit's copied-text rule use."""
    return " ".join(words(text))


BROKEN_MARK = "[UNVERIFIED] "


def mark_broken(text: str, warning: str) -> str:
    """Text read with --allow-broken: the warning above and below, every line marked.

    Here, below every layer, so each text a reader of a damaged log writes (plan show, history,
    lint, analytics, gas, the audit) marks it the same way.
    """
    if not warning:
        return text
    lines = "".join(f"{BROKEN_MARK}{line}\n" for line in text.splitlines())
    return f"{warning}\n{lines}{warning}\n"
