"""How dates and numbers are written in the document: locale-independent and unambiguous."""

from __future__ import annotations

from datetime import date

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def long_date(day: date | None) -> str:
    """A date a client reads without thinking about day/month order; locale-independent."""
    if day is None:
        return "—"
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def short_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def number(value: float) -> str:
    """A measured value as people write it: 4, 5.5, 0.25 (at most two decimals), minus as −."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace("-", "−")


def with_unit(value: float, unit: str) -> str:
    """A value with its unit as a person writes it: "1 day per week" (not "1 days"), and a scale
    unit such as "0-10 rating" in parentheses, so two numbers never stand side by side."""
    if not unit:
        return number(value)
    if unit[0].isdigit():
        return f"{number(value)} ({unit})"
    if value == 1:
        unit = _singular(unit)
    return f"{number(value)} {unit}"


def unit_for(value: float, unit: str) -> str:
    """The unit as it reads after ``value``: singular after 1, a scale in parentheses."""
    if unit[:1].isdigit():
        return f"({unit})"
    return _singular(unit) if value == 1 else unit


def _singular(unit: str) -> str:
    """The first word of a plural unit made singular: days per week → day per week."""
    first, space, rest = unit.partition(" ")
    if len(first) > 3 and first.endswith("s") and not first.endswith("ss") and first.isalpha():
        first = first[:-1]
    return first + space + rest


def measure_label(name: str, unit: str) -> str:
    """A measure and its unit: "Distress (SUDS), 0-10 rating" rather than doubled parentheses."""
    if not unit:
        return name
    return f"{name}, {unit}" if name.rstrip().endswith(")") else f"{name} ({unit})"


def timestamp(recorded_at: str) -> str:
    """An envelope's recorded-at as 'YYYY-MM-DD HH:MM UTC' (the log keeps microseconds)."""
    return f"{recorded_at[:10]} {recorded_at[11:16]} UTC"


TABLE_STATEMENT = 140  # characters of a statement a table shows; the goal section prints it all


def shortened(text: str, limit: int = TABLE_STATEMENT) -> str:
    """A table's short form of a long text, cut at a word with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[: limit // 2 * 2] else text[:limit]
    return cut.rstrip(" ,;:.") + "…"
