"""Standardised measurement instruments: ranges, severity bands, remission, response, RCI inputs.

Instruments are registered through the ``register_instruments`` plugin hook; PHQ-9 and GAD-7 are
built in (see :mod:`goalplan.analytics.builtin_rules`). Scores are checked against the instrument
when they are recorded, so a total outside the instrument's range never reaches the log.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from attrs import field, frozen

from goalplan.errors import RejectedError


@frozen(kw_only=True)
class Band:
    """A severity band, both ends inclusive (PHQ-9 "mild" is 5 to 9)."""

    minimum: float
    maximum: float
    label: str

    def contains(self, total: float) -> bool:
        return self.minimum <= total <= self.maximum


def _bands(value: Iterable[Band]) -> tuple[Band, ...]:
    return tuple(value)


@frozen(kw_only=True)
class Instrument:
    """What goalplan needs to know about a questionnaire to check, band and compare its scores.

    ``sd`` and ``reliability`` feed the Reliable Change Index (Jacobson & Truax 1991); leave them
    None when there is no defensible published value, and the RCI is then not reported.
    ``remission_below`` and ``response_fraction`` apply to scales where a lower total is better.
    """

    id: str
    name: str
    items: int
    item_min: int = 0
    item_max: int
    minimum: float
    maximum: float
    bands: tuple[Band, ...] = field(converter=_bands)
    lower_is_better: bool = True
    whole_numbers: bool = True
    remission_below: float | None = None
    response_fraction: float | None = None
    sd: float | None = None
    reliability: float | None = None
    sources: tuple[str, ...] = ()
    clinical_from: float | None = None  # the clinical range starts here (lower is better)

    def in_clinical_range(self, total: float) -> bool:
        """Response and remission are reported only from a first score in the clinical range."""
        return self.clinical_from is not None and self.lower_is_better and total >= self.clinical_from

    def band(self, total: float) -> str:
        """The severity label of a total; an empty string if no band covers it."""
        for band in self.bands:
            if band.contains(total):
                return band.label
        return ""

    def in_remission(self, total: float) -> bool | None:
        """Remission: the total is below the instrument's remission threshold (None if it has none)."""
        if self.remission_below is None or not self.lower_is_better:
            return None
        return total < self.remission_below

    def is_response(self, first: float, latest: float) -> bool | None:
        """Response: a reduction of at least ``response_fraction`` of the first score.

        None when the instrument defines no response, or the first score is 0 (nothing to halve).
        """
        if self.response_fraction is None or not self.lower_is_better or first <= 0:
            return None
        return (first - latest) >= self.response_fraction * first

    def check(self, total: float, items: Sequence[int] = ()) -> None:
        """Refuse a total or item scores this instrument cannot produce, naming the field and range."""
        kind = "a whole number" if self.whole_numbers else "a number"
        span = f"from {self.minimum:g} to {self.maximum:g}"
        if (
            isinstance(total, bool)
            or not math.isfinite(total)
            or not self.minimum <= total <= self.maximum
            or (self.whole_numbers and total != int(total))
        ):
            raise RejectedError("total", f"must be {kind} {span} for {self.name} (got {total:g}).")
        if not items:
            return
        if len(items) != self.items:
            raise RejectedError(
                "items", f"{self.name} has {self.items} items; give all {self.items} (got {len(items)})."
            )
        for number, item in enumerate(items, start=1):
            if not self.item_min <= item <= self.item_max:
                raise RejectedError(
                    f"item {number}",
                    f"must be from {self.item_min} to {self.item_max} on {self.name} (got {item}).",
                )
        if sum(items) != total:
            raise RejectedError(
                "items", f"add up to {sum(items)} but the total given is {total:g}; they must agree."
            )


# PHQ-9 -------------------------------------------------------------------------------------
# Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity
# measure. J Gen Intern Med 2001;16(9):606-613. Nine items scored 0-3, total 0-27; severity
# cut points 5, 10, 15, 20 (minimal, mild, moderate, moderately severe, severe). The 48-hour
# test-retest correlation reported there is 0.84 (used as r_xx below).
# Remission (total < 5) and response (a reduction of 50% or more) are the conventions used in
# the PHQ-9 treatment-monitoring literature (e.g. Kroenke & Spitzer 2002, Psychiatric Annals
# 32:509-515).
# SD 5.4 is a commonly used estimate, not a figure from one published table: with r_xx = 0.84
# it gives a critical difference of 1.96 * 5.4 * sqrt(2 * (1 - 0.84)) = 5.99 points, so under
# the strict Jacobson-Truax criterion goalplan applies a change of 6 points or more is reliable.
# A practice with its own pretreatment sample should register an instrument with that
# sample's SD instead.
PHQ9 = Instrument(
    id="phq9",
    name="PHQ-9",
    items=9,
    item_max=3,
    minimum=0,
    maximum=27,
    bands=(
        Band(minimum=0, maximum=4, label="minimal"),
        Band(minimum=5, maximum=9, label="mild"),
        Band(minimum=10, maximum=14, label="moderate"),
        Band(minimum=15, maximum=19, label="moderately severe"),
        Band(minimum=20, maximum=27, label="severe"),
    ),
    remission_below=5,
    response_fraction=0.5,
    clinical_from=10,
    sd=5.4,
    reliability=0.84,
    sources=(
        "Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16:606-613 (range, bands, r_xx = 0.84)",
        "SD 5.4: commonly used estimate; critical difference 5.99 points (Jacobson-Truax |RC| > 1.96)",
    ),
)

# GAD-7 -------------------------------------------------------------------------------------
# Spitzer RL, Kroenke K, Williams JBW, Lowe B. A brief measure for assessing generalized anxiety
# disorder: the GAD-7. Arch Intern Med 2006;166(10):1092-1097. Seven items scored 0-3, total
# 0-21; cut points 5, 10, 15 (mild, moderate, severe). Test-retest intraclass correlation
# 0.83 (used as r_xx below).
# Remission (< 5) and response (a 50% reduction) mirror the PHQ-9 conventions; they are common
# practice for the GAD-7, not defined in Spitzer et al.
# SD 3.5 is a commonly used estimate: with r_xx = 0.83 it gives a critical difference of
# 1.96 * 3.5 * sqrt(2 * (1 - 0.83)) = 4.00 points; a change must exceed it, so 5 points are
# needed (stricter than the NHS Talking Therapies 4-point rule, which goalplan does not use).
GAD7 = Instrument(
    id="gad7",
    name="GAD-7",
    items=7,
    item_max=3,
    minimum=0,
    maximum=21,
    bands=(
        Band(minimum=0, maximum=4, label="minimal"),
        Band(minimum=5, maximum=9, label="mild"),
        Band(minimum=10, maximum=14, label="moderate"),
        Band(minimum=15, maximum=21, label="severe"),
    ),
    remission_below=5,
    response_fraction=0.5,
    clinical_from=10,
    sd=3.5,
    reliability=0.83,
    sources=(
        "Spitzer, Kroenke, Williams & Lowe 2006, Arch Intern Med 166:1092-1097 (range, bands, r_xx = 0.83)",
        "SD 3.5: commonly used estimate; critical difference 4.00 points (Jacobson-Truax |RC| > 1.96)",
    ),
)

BUILTIN_INSTRUMENTS = (PHQ9, GAD7)


def _key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def find_instrument(instruments: Mapping[str, Instrument], ref: str) -> Instrument:
    """An instrument by id or name, ignoring case and punctuation ("PHQ-9", "phq9")."""
    wanted = _key(ref)
    for instrument in instruments.values():
        if wanted in (_key(instrument.id), _key(instrument.name)):
            return instrument
    known = ", ".join(f"{i.id} ({i.name})" for i in instruments.values()) or "none"
    raise RejectedError("instrument", f"no instrument {ref!r}; registered instruments: {known}.")
