"""The analytics columns of the goals table, and the day they are computed for.

The exporter never reads the clock: "today" for the analytics is the UTC day of the last entry
in the log, so the same log gives the same file whenever it is exported. Values are the ones
``goalplan analytics`` and ``plan show --json`` report, rounded the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from goalplan import GoalAnalytics, Instrument, InstrumentSummary, PlanLog, PlanState

Instruments = Mapping[str, Instrument]

# (name, kind) as in tables.Column; percent_toward_target keeps its place among the goal columns.
PROGRESS_COLUMNS = (
    ("trend_per_week", "number"),
    ("projected_on", "date"),
    ("on_track", "code"),
    ("achievement_status", "code"),
    ("gas_level", "number"),
    ("gas_weight", "number"),
    ("as_of", "date"),
)

# One group per instrument, each name prefixed with the instrument's id ("phq9_latest").
INSTRUMENT_COLUMNS = (
    ("first", "number"),
    ("latest", "number"),
    ("latest_on", "date"),
    ("severity", "code"),
    ("rci", "number"),
    ("change", "code"),
    ("response", "code"),
    ("remission", "code"),
)


def analysis_day(log: PlanLog) -> date:
    """The UTC day of the log's last entry, or of its latest observation if that is later: the
    analytics describe the plan as recorded, every recorded observation included (analytics for
    a day leave out what was observed after it)."""
    last = log.last_recorded_at
    day = last.date() if last is not None else log.state.opened_on
    state = log.state
    observed = [p.observed_on for g in state.goals.values() for p in (*g.progress, *g.gas_points)]
    observed += [s.observed_on for s in state.scores]
    return max([day, *observed])


def instrument_ids(state: PlanState, instruments: Instruments) -> list[str]:
    """Every registered instrument, plus any that scored a goal but is no longer registered.

    The registered ones give every plan of one installation the same header; the others keep a
    score on the record from vanishing from the table when its plugin is removed.
    """
    scored = {s.instrument for s in state.scores if s.goal_id}
    return sorted(set(instruments) | scored)


def instrument_column_names(ids: Iterable[str]) -> list[tuple[str, str]]:
    return [(f"{key}_{name}", kind) for key in ids for name, kind in INSTRUMENT_COLUMNS]


def _flag(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _instrument_cells(summary: InstrumentSummary | None) -> list[Any]:
    if summary is None:
        return [None] * len(INSTRUMENT_COLUMNS)
    change = summary.change
    return [
        summary.first.total,
        summary.latest.total,
        summary.latest.observed_on,
        summary.severity or None,
        None if change is None else round(change.rc, 4),
        None if change is None else change.outcome,
        _flag(summary.response),
        _flag(summary.remission),
    ]


def analytics_cells(item: GoalAnalytics, ids: Iterable[str], today: date) -> dict[str, Any]:
    """The goal's analytics by column name; None where the analytics cannot say."""
    p = item.progress
    cells: dict[str, Any] = {
        "percent_toward_target": None if p.percent is None else round(p.percent, 1),
        "trend_per_week": None if p.trend is None else round(p.trend.slope_per_week, 4),
        "projected_on": p.projected_on,
        "on_track": p.on_track,
        "achievement_status": p.achievement,
        "gas_level": item.gas_level,
        "gas_weight": item.gas_weight,
        "as_of": today,
    }
    by_instrument = {s.instrument: s for s in item.scores}
    for key in ids:
        values = _instrument_cells(by_instrument.get(key))
        for (name, _), value in zip(INSTRUMENT_COLUMNS, values, strict=True):
            cells[f"{key}_{name}"] = value
    return cells
