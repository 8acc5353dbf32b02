"""Render a plan's log, or a whole caseload, as CSV bytes: pure, so the same logs and options
give the same bytes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date

import goalplan
from goalplan import PlanLog, RejectedError
from goalplan_csv.cells import Cell, write_csv
from goalplan_csv.deidentify import Pseudonyms
from goalplan_csv.options import CsvOptions, parse_options
from goalplan_csv.tables import TABLES, Column, Row, deidentified_cells, full_cells, header


def render_csv(log: PlanLog, options: Mapping[str, str]) -> bytes:
    chosen = parse_options(options)
    if chosen.caseload:
        raise RejectedError(
            "--option scope",
            "caseload puts every plan in one file: use it with export --all -o FILE, not with one PLAN.",
        )
    table = TABLES[chosen.table]
    instruments = goalplan.registered_instruments()
    columns = table.columns_for(log, instruments)
    warning = log.integrity_warning
    rows = _or_warning_row(
        ((log.state.opened_on, row, warning) for row in table.rows(log, instruments)),
        log.state.opened_on,
        warning,
    )
    return _write(chosen, columns, rows, marked=bool(warning))


def _or_warning_row(
    rows: Iterable[tuple[date, Row | None, str]], opened_on: date, warning: str
) -> Iterator[tuple[date, Row | None, str]]:
    """A damaged plan's rows; when it has none in this table, one row with only its warning, so
    the file still says the plan it comes from failed verification."""
    empty = True
    for row in rows:
        empty = False
        yield row
    if empty and warning:
        yield opened_on, None, warning


def caseload_renderer(
    options: Mapping[str, str],
) -> Callable[[Iterable[PlanLog], Mapping[str, str]], bytes] | None:
    """For ``scope=caseload``: one table holding the chosen table's rows of every plan."""
    return render_caseload if parse_options(options).caseload else None


def render_caseload(logs: Iterable[PlanLog], options: Mapping[str, str]) -> bytes:
    """Every plan's rows under one header, plans in the order they were opened. The columns are
    the union of the plans' columns in the order first met: every plan has the same ones except
    the goals table's groups for instruments no longer registered, which come last."""
    chosen = parse_options(options)
    table = TABLES[chosen.table]
    instruments = goalplan.registered_instruments()
    columns: dict[str, Column] = {}
    rows: list[tuple[date, Row | None, str]] = []
    for log in logs:
        for column in table.columns_for(log, instruments):
            columns.setdefault(column.name, column)
        opened_on, warning = log.state.opened_on, log.integrity_warning
        plan_rows = ((opened_on, row, warning) for row in table.rows(log, instruments))
        rows.extend(_or_warning_row(plan_rows, opened_on, warning))
    if not columns:  # no plans: the header still says what the file would hold
        columns = {c.name: c for c in table.columns_for(None, instruments)}
    ordered = tuple(columns.values())
    blank = dict.fromkeys(c.name for c in ordered)
    marked = any(warning for _, _, warning in rows)
    filled = ((day, None if row is None else {**blank, **row}, w) for day, row, w in rows)
    return _write(chosen, ordered, filled, marked=marked)


DEIDENTIFIED_WARNING = (
    "WARNING: this log fails verification; it may have been altered. Run `goalplan verify` on the "
    "store it was exported from."
)
"""The warning a de-identified file carries instead of the plan's, which names the plan and
event ids (pseudonymised in every other cell) and what the store holds."""


def _write(
    chosen: CsvOptions,
    columns: Sequence[Column],
    rows: Iterator[tuple[date, Row | None, str]],
    *,
    marked: bool,
) -> bytes:
    """``marked``: a plan was read with --allow-broken, so every row gains the column
    integrity_warning (the damaged plan's warning, or empty for a plan that verified). A row
    given as None is a damaged plan's warning row: every other cell empty."""
    heading = list(header(columns, chosen.deidentified))

    def cells() -> Iterator[list[Cell]]:
        pseudonym = Pseudonyms(chosen.key) if chosen.deidentified else None
        for opened_on, row, warning in rows:
            if row is None:
                line: list[Cell] = [None] * len(heading)
            elif pseudonym is not None:
                line = deidentified_cells(columns, row, pseudonym, opened_on)
            else:
                line = full_cells(columns, row)
            if pseudonym is not None and warning:
                warning = DEIDENTIFIED_WARNING  # the plan's own names its ids, dates and hashes
            yield [*line, warning] if marked else line

    if marked:
        return write_csv([*heading, "integrity_warning"], cells(), bom=chosen.bom, delimiter=chosen.delimiter)
    return write_csv(heading, cells(), bom=chosen.bom, delimiter=chosen.delimiter)


def file_stem_for(log: PlanLog, options: Mapping[str, str]) -> str:
    chosen = parse_options(options)
    return Pseudonyms(chosen.key)("plan", log.plan_id) if chosen.deidentified else log.plan_id
