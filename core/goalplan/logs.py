"""Logging: every module logs under the ``goalplan`` logger; the command line decides the level.

``-v`` shows info, ``-vv`` (or ``GOALPLAN_LOG=debug``) also shows each SQL round trip and each
plugin hook call. Tracing costs nothing when it is off: the store installs its SQL trace only if
debug is enabled when it opens, and hook monitoring checks the level before formatting anything.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Sequence
from typing import Any, TextIO

LOGGER = logging.getLogger("goalplan")
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
ENV = "GOALPLAN_LOG"

_handler: logging.Handler | None = None


def level_from(verbose: int, env_value: str | None) -> int:
    """``-v`` counts win over $GOALPLAN_LOG, which wins over the default (warnings only)."""
    if verbose:
        return logging.INFO if verbose == 1 else logging.DEBUG
    if env_value:
        level = LEVELS.get(env_value.strip().lower())
        if level is None:
            raise ValueError(f"must be one of {', '.join(LEVELS)} (got {env_value!r}).")
        return level
    return logging.WARNING


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted (a test may swap it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _: TextIO) -> None:
        pass


def configure(level: int) -> None:
    """Send goalplan's log records at ``level`` and above to stderr, one line each."""
    global _handler
    if _handler is None:
        _handler = _StderrHandler()
        _handler.setFormatter(logging.Formatter("goalplan %(levelname)s %(name)s: %(message)s"))
        LOGGER.addHandler(_handler)
    LOGGER.setLevel(level)


_STRING_LITERAL = re.compile(r"'(?:[^']|'')*'")


def shorten(sql: str, limit: int = 200) -> str:
    """One line of SQL for the log, its quoted values shown as ``?``: names, goals and notes are
    health information and stay out of logs."""
    one_line = " ".join(_STRING_LITERAL.sub("?", sql).split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def parameter_count(params: Any) -> int:
    if params is None:
        return 0
    if isinstance(params, Sequence | dict) and not isinstance(params, str | bytes):
        return len(params)
    return 1
