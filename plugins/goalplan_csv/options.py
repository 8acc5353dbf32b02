"""The CSV exporter's options, checked up front with one clear sentence per mistake."""

from __future__ import annotations

import os
from collections.abc import Mapping

from attrs import frozen

from goalplan import RejectedError

KEY_ENV = "GOALPLAN_PSEUDONYM_KEY"
MIN_KEY_LENGTH = 16
TABLES = (
    "goals",
    "progress",
    "scores",
    "history",
    "plans",
    "record",
    "diagnoses",
    "interventions",
    "signatures",
)
PROFILES = ("full", "deidentified")
SCOPES = ("plan", "caseload")
# The field separators spreadsheets read. ";" is what spreadsheets set to most European locales
# expect, since there "," is the decimal mark. Each may be given by its name as well.
DELIMITERS: Mapping[str, str] = {
    ",": ",",
    "comma": ",",
    ";": ";",
    "semicolon": ";",
    "tab": "\t",
    "\t": "\t",  # a tab typed as itself
    "\\t": "\t",  # or as backslash-t
    "|": "|",
    "pipe": "|",
}
DELIMITER_NAMES = ", ".join(["',' (comma, the default)", "';' (semicolon)", "tab", "'|' (pipe)"])

OPTION_HELP: Mapping[str, str] = {
    "table": "goals (default), progress, scores, history, plans (one row per plan: with scope=caseload "
    "the caseload overview), record, diagnoses, interventions or signatures",
    "bom": "true to start the file with a UTF-8 byte order mark (for spreadsheet programs); default false",
    "profile": "full (default) or deidentified (no names or free text, pseudonyms, day offsets)",
    "delimiter": "field separator: , (default), ; (for spreadsheets set to European locales), tab or |",
    "scope": "plan (default: a file per plan) or caseload (export --all -o FILE: every plan in one file)",
    "key": f"pseudonym key for profile=deidentified (at least {MIN_KEY_LENGTH} characters; "
    f"prefer ${KEY_ENV}, which keeps it out of shell history)",
}


@frozen
class CsvOptions:
    table: str = "goals"
    bom: bool = False
    deidentified: bool = False
    key: bytes = b""
    delimiter: str = ","
    caseload: bool = False


def _choice(options: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = options.get(name, allowed[0]).strip().lower()
    if value not in allowed:
        raise RejectedError(
            f"--option {name}", f"must be one of {', '.join(allowed)}; got {options[name]!r}."
        )
    return value


def parse_options(options: Mapping[str, str], environ: Mapping[str, str] | None = None) -> CsvOptions:
    env = os.environ if environ is None else environ
    table = _choice(options, "table", TABLES)
    bom = _choice(options, "bom", ("false", "true")) == "true"
    delimiter = _delimiter(options.get("delimiter", ","))
    caseload = _choice(options, "scope", SCOPES) == "caseload"
    deidentified = _choice(options, "profile", PROFILES) == "deidentified"
    key = options.get("key")
    if not deidentified:
        if key is not None:
            raise RejectedError("--option key", "is only used with --option profile=deidentified.")
        return CsvOptions(table, bom, delimiter=delimiter, caseload=caseload)
    if key is None:
        key = env.get(KEY_ENV, "")
        source = f"${KEY_ENV}"
    else:
        source = "--option key"
    if not key:
        raise RejectedError(
            "--option key",
            f"profile=deidentified needs a pseudonym key: set ${KEY_ENV} (or give --option key=...).",
        )
    if len(key) < MIN_KEY_LENGTH:
        raise RejectedError(source, f"the pseudonym key must be at least {MIN_KEY_LENGTH} characters long.")
    return CsvOptions(table, bom, True, key.encode("utf-8"), delimiter=delimiter, caseload=caseload)


def _delimiter(value: str) -> str:
    found = DELIMITERS.get(value if value.strip() == "" else value.strip().lower())
    if found is None:
        raise RejectedError("--option delimiter", f"must be one of {DELIMITER_NAMES}; got {value!r}.")
    return found
