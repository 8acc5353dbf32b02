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
from goalplan.errors import RejectedError
from goalplan.projections import parse_moment
from goalplan.store import is_postgres, sqlite_path
from goalplan.text import (
    FIRST_DATE,
    LAST_DATE,
    check_date,
    check_not_future,
    check_text,
    json_printable,
    printable,
)

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
        self._new_file: Path | None = None

    def goalplan(self, actor: str | None = None, *, create: bool = False) -> Goalplan:
        """The store named by --db. Only commands that start a record (``plan open``, ``log
        import``) pass ``create``: anything else pointed at a mistyped path says so instead of
        leaving an empty store there."""
        if self._gp is None:
            if create and not is_postgres(self.db):
                path = Path(sqlite_path(self.db))
                self._new_file = None if path.exists() else path
            self._gp = Goalplan.open(self.db, create=create, allow_broken=self.allow_broken)
            _log.info("opened the %s store", type(self._gp.store).__name__.removesuffix("Store"))
            if self.config.actor and not os.environ.get(ACTOR_ENV):  # --actor > env > file
                self._gp.actor = self.config.actor
        if actor:
            self._gp.actor = actor
        return self._gp

    def close(self) -> None:
        if self._gp is None:
            return
        empty = self._new_file is not None and self._gp.store.head_position() == 0
        self._gp.close()
        if empty and self._new_file is not None:
            # The command that was to start this store was refused: leave no empty store behind.
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self._new_file}{suffix}").unlink(missing_ok=True)


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
    """A date written YYYY-MM-DD within the range goalplan keeps (docs/limits.md).

    ``observed`` dates (progress, scores, reviews held, signatures, completions, closings)
    describe something that happened, so they may not lie after today.
    """

    name = "DATE"

    def __init__(self, *, observed: bool = False) -> None:
        self.observed = observed

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            day = parse_iso_date(value)
        except ValueError:
            self.fail(f"{printable(repr(value))} is not a real date written YYYY-MM-DD.", param, ctx)
        try:
            check_date("date", day)
            if self.observed:
                check_not_future("date", day, date.today())
        except RejectedError as exc:
            self.fail(exc.message, param, ctx)
        return day


DATE = DateType()
OBSERVED_DATE = DateType(observed=True)


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
                f"{printable(repr(value))} is not a date (YYYY-MM-DD) or a date and time "
                f"(YYYY-MM-DDTHH:MM[:SS][+HH:MM]) between {FIRST_DATE} and {LAST_DATE}.",
                param,
                ctx,
            )


MOMENT = MomentType()


def _check_actor(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        try:
            check_text("actor", value, line=True, required=True)
        except RejectedError as exc:
            raise click.BadParameter(exc.message, ctx, param) from None
    return value


def actor_option(func: F) -> F:
    return click.option(
        "--actor",
        default=None,
        callback=_check_actor,
        help="Who is making this change (default: $GOALPLAN_ACTOR, else actor in the config file, "
        "else the login name).",
    )(func)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print stable JSON (docs/json.md).")(func)


def emit_json(value: Any) -> None:
    click.echo(json_printable(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)))


def write_stdout_bytes(data: bytes) -> None:
    """Binary output (PDF, CSV, audit reports) to standard output, past the text layer."""
    stdout = sys.stdout.buffer
    stdout.write(data)
    stdout.flush()


def fail(message: str, code: int = 1) -> None:
    click.echo(f"goalplan: {printable(message, multiline=False)}", err=True)
    sys.exit(code)


def resolve_actor(actor: str | None) -> str:
    return actor or default_actor()
