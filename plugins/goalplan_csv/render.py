"""Render one plan's log as CSV bytes: pure, so the same log and options give the same bytes."""

from __future__ import annotations

from collections.abc import Mapping

import goalplan
from goalplan import PlanLog
from goalplan_csv.cells import write_csv
from goalplan_csv.deidentify import Pseudonyms
from goalplan_csv.options import parse_options
from goalplan_csv.tables import TABLES, deidentified_cells, full_cells, header


def render_csv(log: PlanLog, options: Mapping[str, str]) -> bytes:
    chosen = parse_options(options)
    table = TABLES[chosen.table]
    instruments = goalplan.registered_instruments()
    columns = table.columns_for(log, instruments)
    rows = table.rows(log, instruments)
    if chosen.deidentified:
        pseudonym = Pseudonyms(chosen.key)
        opened_on = log.state.opened_on
        cells = (deidentified_cells(columns, row, pseudonym, opened_on) for row in rows)
    else:
        cells = (full_cells(columns, row) for row in rows)
    heading = header(columns, chosen.deidentified)
    warning = log.integrity_warning
    if warning:  # read with --allow-broken: every row says the log failed verification
        heading = [*heading, "integrity_warning"]
        cells = ([*row, warning] for row in cells)
    return write_csv(heading, cells, bom=chosen.bom)


def file_stem_for(log: PlanLog, options: Mapping[str, str]) -> str:
    chosen = parse_options(options)
    return Pseudonyms(chosen.key)("plan", log.plan_id) if chosen.deidentified else log.plan_id
