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
    rows = ((log.state.opened_on, row, warning) for row in table.rows(log, instruments))
    return _write(chosen, columns, rows, marked=bool(warning))


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
    rows: list[tuple[date, Row, str]] = []
    for log in logs:
        for column in table.columns_for(log, instruments):
            columns.setdefault(column.name, column)
        opened_on, warning = log.state.opened_on, log.integrity_warning
        rows.extend((opened_on, row, warning) for row in table.rows(log, instruments))
    if not columns:  # no plans: the header still says what the file would hold
        columns = {c.name: c for c in table.columns_for(None, instruments)}
    ordered = tuple(columns.values())
    blank = dict.fromkeys(c.name for c in ordered)
    marked = any(warning for _, _, warning in rows)
    return _write(chosen, ordered, ((day, {**blank, **row}, w) for day, row, w in rows), marked=marked)


def _write(
    chosen: CsvOptions, columns: Sequence[Column], rows: Iterator[tuple[date, Row, str]], *, marked: bool
) -> bytes:
    """``marked``: a plan was read with --allow-broken, so every row gains the column
    integrity_warning (the damaged plan's warning, or empty for a plan that verified)."""

    def cells() -> Iterator[list[Cell]]:
        pseudonym = Pseudonyms(chosen.key) if chosen.deidentified else None
        for opened_on, row, warning in rows:
            if pseudonym is not None:
                line = deidentified_cells(columns, row, pseudonym, opened_on)
            else:
                line = full_cells(columns, row)
            yield [*line, warning] if marked else line

    heading = list(header(columns, chosen.deidentified))
    if marked:
        heading.append("integrity_warning")
    return write_csv(heading, cells(), bom=chosen.bom, delimiter=chosen.delimiter)


def file_stem_for(log: PlanLog, options: Mapping[str, str]) -> str:
    chosen = parse_options(options)
    return Pseudonyms(chosen.key)("plan", log.plan_id) if chosen.deidentified else log.plan_id
