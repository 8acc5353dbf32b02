"""goalplan's free-text measure units and UCUM codes, both ways.

A measure's unit is whatever the clinician typed ("per week", "days per week"). Where the text
names a UCUM unit the exported Quantity carries the UCUM code; where it does not (a rating
scale, "0-10 rating") the Quantity carries the text in ``unit`` and no code, which FHIR allows.
The table is the one docs/fhir.md shows.
"""

from __future__ import annotations

# Normalised unit text -> UCUM code. Counts per period are UCUM's "/wk", "/d", "/mo"; "days
# per week" is days (d) per week. A count of things has no UCUM unit: UCUM writes it as 1 or
# an annotation, and annotations in braces are valid UCUM codes that mean the unit 1.
UCUM_CODES: dict[str, str] = {
    "per day": "/d",
    "a day": "/d",
    "times per day": "/d",
    "times a day": "/d",
    "per week": "/wk",
    "a week": "/wk",
    "times per week": "/wk",
    "times a week": "/wk",
    "per month": "/mo",
    "a month": "/mo",
    "times per month": "/mo",
    "days per week": "d/wk",
    "days a week": "d/wk",
    "days per month": "d/mo",
    "nights per week": "{nights}/wk",
    "evenings per week": "{evenings}/wk",
    "hours per night": "h/{night}",
    "hours per day": "h/d",
    "hours per week": "h/wk",
    "minutes per day": "min/d",
    "minutes per week": "min/wk",
    "minutes": "min",
    "hours": "h",
    "days": "d",
    "weeks": "wk",
    "%": "%",
    "percent": "%",
    "kg": "kg",
    "lb": "[lb_av]",
    "pounds": "[lb_av]",
    "steps": "{steps}",
    "steps per day": "{steps}/d",
    "score": "{score}",
    "points": "{score}",
}

# Units with no UCUM equivalent that goalplan users often type, and what the export does with
# them (docs/fhir.md lists these too). They stay text: a rating is not a physical quantity.
TEXT_ONLY_EXAMPLES = ("0-10 rating", "SUDS", "rating", "out of 10")


def normalise(unit: str) -> str:
    return " ".join(unit.casefold().split())


def ucum_code(unit: str) -> str | None:
    """The UCUM code for a unit typed in goalplan, or None when it has none."""
    return UCUM_CODES.get(normalise(unit))


def quantity(value: float, unit: str) -> dict[str, object]:
    """A FHIR Quantity: UCUM-coded where the unit maps, the text alone where it does not."""
    q: dict[str, object] = {"value": number(value)}
    if unit:
        q["unit"] = unit
    code = ucum_code(unit)
    if code is not None:
        q["system"] = "http://unitsofmeasure.org"
        q["code"] = code
    return q


_BY_CODE: dict[str, str] = {}
for _text, _code in UCUM_CODES.items():
    _BY_CODE.setdefault(_code, _text)


def unit_text(q: dict[str, object]) -> str:
    """The unit text of a Quantity from elsewhere: its ``unit``, else the text for its UCUM code."""
    unit = q.get("unit")
    if isinstance(unit, str) and unit.strip():
        return unit.strip()
    code = q.get("code")
    if isinstance(code, str):
        return str(_BY_CODE.get(code, code))
    return ""


def number(value: float) -> int | float:
    """Whole numbers are written without a fraction (3, not 3.0); FHIR decimals allow both."""
    value = float(value)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value
