"""goalplan audit: the caseload report (docs/audit.md)."""

from __future__ import annotations

import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from goalplan.audit import AuditScope, AuditSettings
from goalplan.cli.context import DATE, MOMENT, AppContext, pass_app, write_stdout_bytes
from goalplan.exporting import parse_option_pairs
from goalplan.files import write_atomically
from goalplan.plugins import get_plugin_manager

_DAYS = re.compile(r"(\d{1,4})([dw]?)")
MAX_DAYS = 3660


class DaysType(click.ParamType[int]):
    """A number of days: ``7``, ``7d`` or ``2w``."""

    name = "DAYS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        match = _DAYS.fullmatch(str(value).strip())
        days = int(match.group(1)) * (7 if match.group(2) == "w" else 1) if match else -1
        if not 0 <= days <= MAX_DAYS:
            self.fail(
                f"{value!r} is not a number of days from 0 to {MAX_DAYS} (for example 7, 7d or 2w).",
                param,
                ctx,
            )
        return days


DAYS = DaysType()


class CountType(click.ParamType[int]):
    name = "N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if not text.isdigit() or int(text) > 1000:
            self.fail(f"{value!r} is not a whole number from 0 to 1000.", param, ctx)
        return int(text)


@click.command("audit")
@click.option(
    "--format", "fmt", default="text", show_default=True, help="text, json, csv or pdf (see --help)."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: standard output).",
)
@click.option("--from", "from_day", type=DATE, help="Only findings filed on or after this day (YYYY-MM-DD).")
@click.option("--to", "to_day", type=DATE, help="Only findings filed on or before this day (YYYY-MM-DD).")
@click.option("--clinician", multiple=True, help="Only plans of this clinician (repeatable).")
@click.option("--plan", "plans", multiple=True, help="Only this plan (id or unique prefix; repeatable).")
@click.option(
    "--as-of", "as_of", type=MOMENT, help="Read the log as it stood then; reproduces an earlier report."
)
@click.option(
    "--late-after",
    type=DAYS,
    default="7d",
    show_default=True,
    help="An entry recorded later than this after its date is late.",
)
@click.option(
    "--moved-after",
    type=CountType(),
    default="2",
    show_default=True,
    help="Flag a goal whose goalposts moved more than N times.",
)
@click.option(
    "--review-window",
    type=DAYS,
    default="14d",
    show_default=True,
    help="A revision this close to a review counts as made at it.",
)
@click.option(
    "--sign-within",
    type=DAYS,
    default="30d",
    show_default=True,
    help="A plan open longer without a client signature is flagged.",
)
@click.option("--option", "option_pairs", multiple=True, help="Format option KEY=VALUE (repeatable).")
@pass_app
def audit(
    app: AppContext,
    fmt: str,
    output: Path | None,
    from_day: date | None,
    to_day: date | None,
    clinician: tuple[str, ...],
    plans: tuple[str, ...],
    as_of: datetime | None,
    late_after: int,
    moved_after: int,
    review_window: int,
    sign_within: int,
    option_pairs: tuple[str, ...],
) -> None:
    """How goals changed across the caseload, and what an auditor would flag.

    Computed from the log only: the report's day is --as-of, else the moment the newest entry
    was recorded, so the same store and options always give the same report.
    """
    if from_day and to_day and from_day > to_day:
        raise click.BadParameter(f"{from_day} is after --to {to_day}.", param_hint="--from")
    renderer = get_plugin_manager().audit_format(fmt)
    if renderer.binary and output is None and sys.stdout.isatty():
        raise click.UsageError(f"--format {fmt} writes a binary file: give -o FILE.")
    options = parse_option_pairs(option_pairs)
    report = app.goalplan().audit(
        as_of=as_of,
        scope=AuditScope(plans=plans, clinicians=clinician, from_day=from_day, to_day=to_day),
        settings=AuditSettings(
            late_after_days=late_after,
            moved_more_than=moved_after,
            review_window_days=review_window,
            sign_within_days=sign_within,
        ),
    )
    try:
        data = renderer.render(report, options)
    finally:
        report.close()
    if output is None:
        write_stdout_bytes(data)
    else:
        write_atomically(output, data)
        click.echo(f"Wrote {report.spool.count} finding(s) to {output}.", err=True)
