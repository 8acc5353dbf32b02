"""Reading what a clinician typed into a form: each bad field gets its own message, none raise.

A form is checked whole, so the clinician sees every mistake at once rather than one per
submission; the domain's own refusals (``RejectedError``) are mapped onto the field that set
the value, or onto the form as a whole when no field did.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date

from starlette.datastructures import FormData

import goalplan

FIELD_MAX = 4000
FORM = "form"  # the error key for a refusal no single field caused

# The domain names fields as its events do; the forms name them as the command line's options.
ALIASES = {
    "client_name": "client",
    "clinician_name": "clinician",
    "clinician_credentials": "credentials",
    "discharge_criteria": "discharge",
    "opened_on": "opened",
    "review_every_days": "review_every",
    "target_date": "by",
    "due_on": "by",
    "focus_id": "focus",
    "focus_ids": "focus",
    "closed_on": "on",
    "completed_on": "on",
    "goal_id": "goals",
    "goal_ids": "goals",
    "client_birth_date": "birth_date",
    "client_record_number": "record_number",
    "client_preferred_name": "preferred_name",
    "client_pronouns": "pronouns",
    "guardian_name": "guardian",
    "starts_on": "starts",
    "ends_on": "ends",
    "period": "per",
    "provider_name": "provider",
    "target_missed_reason": "target_missed",
    "dsm5_text": "dsm5",
    "name": "measure",
    "measure_name": "measure",
}


class Invalid(Exception):
    """Some fields were refused before anything reached the store."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def field_of(refused: str, known: Iterable[str], renames: Mapping[str, str] | None = None) -> str:
    """The form field a refusal is about, or FORM when none of ``known`` set it.

    ``renames`` are a form's own aliases, tried first (a focus area's ``focus`` is its title).
    """
    name = refused.removeprefix("--").replace("-", "_")
    names = set(known)
    for candidate in ((renames or {}).get(name, ""), name, ALIASES.get(name, "")):
        if candidate in names:
            return candidate
    return FORM


class Fields:
    """One submitted form: the text typed (kept to show again) and the errors found so far."""

    def __init__(self, form: FormData | None, lists: Iterable[str] = ()) -> None:
        self.typed: dict[str, str] = {}
        self.picked: dict[str, list[str]] = {}
        self.errors: dict[str, str] = {}
        if form is None:
            return
        multi = set(lists)
        for key, value in form.multi_items():
            if key == "csrftoken" or not isinstance(value, str):
                continue
            if key in multi:
                self.picked.setdefault(key, []).append(value[:FIELD_MAX])
            else:
                self.typed[key] = value[:FIELD_MAX]

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def check(self) -> None:
        if self.errors:
            raise Invalid(dict(self.errors))

    def text(self, name: str, required: str = "") -> str:
        """The field stripped; ``required`` is the message when it is empty."""
        value = self.typed.get(name, "").strip()
        if required and not value:
            self.fail(name, required)
        return value

    def day(self, name: str, required: str = "", empty: str = "") -> date | None:
        value = self.text(name, required)
        if not value:
            return None
        try:
            return goalplan.parse_iso_date(value)
        except ValueError:
            self.fail(name, f"Give a real date as YYYY-MM-DD{empty}.")
            return None

    def number(self, name: str) -> float | None:
        value = self.text(name)
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            self.fail(name, "Give a number, such as 2 or 1.5.")
            return None
        if not math.isfinite(number):
            self.fail(name, "Give a finite number.")
            return None
        return number

    def whole(self, name: str, example: int) -> int | None:
        """A whole number from 1 (``example`` shows one that makes sense for the field)."""
        value = self.text(name)
        if not value:
            return None
        try:
            number = int(value)
        except ValueError:
            number = 0
        if number < 1:
            self.fail(name, f"Give a whole number from 1, such as {example}.")
            return None
        return number

    def choice(self, name: str, allowed: Iterable[str], message: str) -> str:
        value = self.text(name)
        if value and value not in tuple(allowed):
            self.fail(name, message)
        return value

    def changes(
        self, current: Mapping[str, str], dates: Iterable[str] = ()
    ) -> tuple[dict[str, object], list[str]]:
        """Fields whose text differs from ``current``: new values, and the ones emptied to clear."""
        given: dict[str, object] = {}
        cleared: list[str] = []
        as_dates = set(dates)
        for name, was in current.items():
            now = self.text(name)
            if now == was:
                continue
            if not now:
                cleared.append(name)
            elif name in as_dates:
                day = self.day(name)
                if day is not None:
                    given[name] = day
            else:
                given[name] = now
        return given, cleared
