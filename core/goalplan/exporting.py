"""Exporters: what a plugin registers, and how the core runs one safely and repeatably."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from attrs import field, frozen

from goalplan.errors import GoalplanError, RejectedError
from goalplan.projections import PlanLog

Render = Callable[[PlanLog, Mapping[str, str]], bytes]


@frozen(kw_only=True)
class Exporter:
    """A named output format. ``render`` must be pure: same log and options, same bytes."""

    name: str = field()
    suffix: str
    media_type: str
    description: str
    render: Render
    options: Mapping[str, str] = field(factory=dict)
    plugin: str = ""

    @name.validator
    def _name_is_simple(self, _: object, value: str) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", value):
            raise ValueError(f"exporter name {value!r} must be lower-case letters, digits, - or _")


class ExportFailed(GoalplanError):
    """An exporter raised; the message names the exporter and its plugin."""


def check_options(exporter: Exporter, options: Mapping[str, str]) -> None:
    for key in options:
        if key not in exporter.options:
            allowed = ", ".join(sorted(exporter.options)) or "none"
            raise RejectedError(
                f"--option {key}",
                f"is not an option of the {exporter.name} format; its options are: {allowed}.",
            )


def render(exporter: Exporter, log: PlanLog, options: Mapping[str, str]) -> bytes:
    """Run an exporter; any failure inside it is reported with its name, never half-written."""
    check_options(exporter, options)
    try:
        data = exporter.render(log, options)
    except RejectedError:
        raise
    except Exception as exc:
        raise ExportFailed(
            f"the {exporter.name} exporter (plugin {exporter.plugin or 'unknown'}) failed on plan "
            f"{log.plan_id}: {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(data, bytes):
        raise ExportFailed(
            f"the {exporter.name} exporter (plugin {exporter.plugin or 'unknown'}) returned "
            f"{type(data).__name__}, not bytes."
        )
    return data


def write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def safe_file_name(text: str) -> str:
    """A file name that is safe on every common file system."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip(".-")
    return cleaned[:120] or "plan"
