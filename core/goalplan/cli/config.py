"""The user's config file: defaults for the store, the actor and export options.

It lives in the user's config directory (``platformdirs``: ``~/.config/goalplan/config.toml``
on Linux, ``~/Library/Application Support/goalplan/config.toml`` on macOS,
``%LOCALAPPDATA%\\goalplan\\config.toml`` on Windows), or wherever ``$GOALPLAN_CONFIG`` points.
The command line wins over environment variables, which win over this file (docs/cli.md)::

    db = "/srv/practice/goalplan.db"
    actor = "a.ruiz"

    [export.pdf]
    paper = "letter"

    [export.ics]
    tz = "Europe/Berlin"

A missing file is no error; a malformed one, or a key goalplan does not know, is refused with
the file's path and the key, so a typo never silently does nothing.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from attrs import field, frozen

CONFIG_ENV = "GOALPLAN_CONFIG"
KEYS = ("db", "actor", "export")


class ConfigError(ValueError):
    """The config file cannot be used; the message names the file and what is wrong."""


@frozen
class Config:
    path: Path
    db: str | None = None
    actor: str | None = None
    export: Mapping[str, Mapping[str, str]] = field(factory=dict)

    def export_options(self, fmt: str) -> dict[str, str]:
        return dict(self.export.get(fmt, {}))


def config_path() -> Path:
    """``$GOALPLAN_CONFIG``, else config.toml in the user's config directory."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_path  # only when no override: a few ms at start-up

    return user_config_path("goalplan", appauthor=False) / "config.toml"


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path}: cannot be read ({exc}).") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: not valid TOML ({exc}).") from None
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ConfigError(f"config file {path}: unknown key {unknown[0]!r}; the keys are {', '.join(KEYS)}.")
    for key in ("db", "actor"):
        if key in data and (not isinstance(data[key], str) or not data[key].strip()):
            raise ConfigError(f"config file {path}: {key} must be non-empty text.")
    export = data.get("export", {})
    if not isinstance(export, dict):
        raise ConfigError(f"config file {path}: export must be a table of [export.FORMAT] tables.")
    options: dict[str, dict[str, str]] = {}
    for fmt, table in export.items():
        if not isinstance(table, dict):
            raise ConfigError(f"config file {path}: [export.{fmt}] must be a table of KEY = VALUE.")
        options[fmt] = {}
        for key, value in table.items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            if not isinstance(value, str | int | float):
                raise ConfigError(
                    f"config file {path}: export.{fmt}.{key} must be text, a number or true/false."
                )
            options[fmt][str(key)] = str(value)
    return Config(path, db=data.get("db"), actor=data.get("actor"), export=options)
