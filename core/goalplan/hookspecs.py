"""The hooks a goalplan plugin can implement (docs/plugins.md describes each one).

goalplan always calls hooks with keyword arguments, so an implementation may accept any subset
of a hook's arguments, by name. A function marked ``@goalplan.hookimpl`` whose name is not one
of these hooks is refused when the plugin loads (``check_pending``), so a misspelling is loud.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from goalplan.analytics import Instrument, Rule
    from goalplan.audit import AuditFormat, AuditRule
    from goalplan.exporting import Exporter

PROJECT = "goalplan"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_exporters() -> list[Exporter]:  # type: ignore[empty-body]
    """Exporters this plugin adds: each turns one plan's log into the bytes of a file.

    Called once per process, the first time exporters are listed or one is looked up by name
    (``goalplan export``, ``goalplan plugins``). Return a list of :class:`goalplan.Exporter`.
    Keep it cheap: import heavy libraries inside the render function, not here.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands (or groups) to the ``goalplan`` command line.

    Called once when the command line starts, before arguments are parsed, with the top-level
    click group; call ``cli.add_command(...)``. A command that writes to the log should go
    through the Python API (``goalplan.open``), never around it.
    """


@hookspec
def register_smart_rules() -> list[Rule]:  # type: ignore[empty-body]
    """SMART rules that ``goalplan lint`` applies to each goal or plan.

    Called whenever rules are needed (lint, silence). Return goalplan.Rule objects;
    docs/analytics.md shows how to write one.
    """


@hookspec
def register_instruments() -> list[Instrument]:  # type: ignore[empty-body]
    """Standardised measurement instruments (for example PHQ-9) that scores can be recorded on.

    Called whenever instruments are needed (score, analytics). Return goalplan.Instrument
    objects; a later plugin's instrument with the same id replaces an earlier one.
    """


@hookspec
def register_audit_rules() -> list[AuditRule]:  # type: ignore[empty-body]
    """Rules ``goalplan audit`` runs over every plan in the report's scope.

    Return goalplan.AuditRule objects (``goalplan.audit_rule`` makes one from a function);
    a later registration of an id replaces an earlier one. docs/audit.md shows how to write one.
    """


@hookspec
def register_audit_formats() -> list[AuditFormat]:  # type: ignore[empty-body]
    """Formats ``goalplan audit --format`` can write (text and json are built in).

    Return goalplan.AuditFormat objects; the first plugin to claim a name keeps it.
    """
