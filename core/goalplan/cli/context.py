"""Shared command-line plumbing: the store opened lazily, option types, error reporting."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from goalplan.api import Goalplan, default_actor
from goalplan.cli.config import Config
from goalplan.cli.option_names import as_typed
from goalplan.codec import parse_iso_date
from goalplan.errors import GoalplanError, RejectedError
from goalplan.projections import parse_moment

F = TypeVar("F", bound=Callable[..., Any])
_log = logging.getLogger(__name__)
ACTOR_ENV = "GOALPLAN_ACTOR"


class AppContext:
    def __init__(self, db: str, config: Config | None = None, allow_broken: bool = False) -> None:
        self.db = db
        self.config = config or Config(Path(""))
        self.db_from = "--db"
        self.allow_broken = allow_broken
        self._gp: Goalplan | None = None

    def goalplan(self, actor: str | None = None) -> Goalplan:
        if self._gp is None:
            try:
                self._gp = Goalplan.open(self.db, allow_broken=self.allow_broken)
                _log.info("opened the %s store", type(self._gp.store).__name__.removesuffix("Store"))
                if self.config.actor and not os.environ.get(ACTOR_ENV):  # --actor > env > file
                    self._gp.actor = self.config.actor
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


def pass_app(func: F) -> F:
    """Pass the AppContext first; a refusal names the option the user typed (option_names)."""

    @functools.wraps(func)
    def with_app(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        try:
            return ctx.invoke(func, ctx.find_object(AppContext), *args, **kwargs)
        except RejectedError as exc:
            raise as_typed(exc, ctx.command) from None

    return with_app  # type: ignore[return-value]


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
        help="Who is making this change (default: $GOALPLAN_ACTOR, else actor in the config file, "
        "else the login name).",
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
