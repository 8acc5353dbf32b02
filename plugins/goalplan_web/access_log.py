"""Secrets out of the access log: setup links, password links and feed tokens ride in URLs.

uvicorn logs each request's full path with its query; this filter, set on the ``uvicorn.access``
logger, blanks every query string and the secret part of the paths that carry one, before any
handler sees the record.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

SECRET_PATHS = re.compile(r"^/(feed/[^/?]+\.ics|welcome/[^/?]+)")
REDACTED = "[redacted]"


def redact(path: str) -> str:
    """The path with its query and any secret segment replaced."""
    path, query, _ = path.partition("?")
    path = SECRET_PATHS.sub(lambda m: f"/{m.group(1).split('/')[0]}/{REDACTED}", path)
    return f"{path}?{REDACTED}" if query else path


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) and a.startswith("/") else a for a in args)
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration with the filter on its access logger."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_secrets"] = {"()": RedactSecrets}
    config["loggers"]["uvicorn.access"]["filters"] = ["redact_secrets"]
    return config
