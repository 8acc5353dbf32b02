"""Shared command-line plumbing: the store opened lazily, option types, error reporting."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import click

from goalplan.api import Goalplan, default_actor
from goalplan.codec import parse_iso_date
from goalplan.errors import GoalplanError, RejectedError
from goalplan.projections import parse_moment

F = TypeVar("F", bound=Callable[..., Any])


class AppContext:
    def __init__(self, db: str, allow_broken: bool = False) -> None:
        self.db = db
        self.allow_broken = allow_broken
        self._gp: Goalplan | None = None

    def goalplan(self, actor: str | None = None) -> Goalplan:
        if self._gp is None:
            try:
                self._gp = Goalplan.open(self.db, allow_broken=self.allow_broken)
            except GoalplanError:
                raise
            except Exception as exc:
                raise click.UsageError(f"--db: cannot open the store at {self.db!r}: {exc}") from None
        if actor:
            self._gp.actor = actor
        return self._gp

    def close(self) -> None:
        if self._gp is not None:
            self._gp.close()


pass_app = click.make_pass_decorator(AppContext)


class DateType(click.ParamType[date]):
    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_iso_date(value)
        except ValueError:
            self.fail(f"{value!r} is not a real date written YYYY-MM-DD.", param, ctx)


DATE = DateType()


class MomentType(click.ParamType[datetime]):
    """A date (the end of that day, UTC) or a date and time; without a zone it is UTC."""

    name = "DATETIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_moment(value)
        except RejectedError:
            self.fail(
                f"{value!r} is not a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM[:SS][+HH:MM]).",
                param,
                ctx,
            )


MOMENT = MomentType()


def actor_option(func: F) -> F:
    return click.option(
        "--actor",
        default=None,
        help="Who is making this change (default: $GOALPLAN_ACTOR, else the login name).",
    )(func)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print stable JSON (docs/json.md).")(func)


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True))


def fail(message: str, code: int = 1) -> None:
    click.echo(f"goalplan: {message}", err=True)
    sys.exit(code)


def resolve_actor(actor: str | None) -> str:
    return actor or default_actor()
