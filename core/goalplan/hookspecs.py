"""The hooks a goalplan plugin can implement. Hooks are always called with keyword arguments."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from goalplan.analytics import Instrument, Rule
    from goalplan.exporting import Exporter

hookspec = pluggy.HookspecMarker("goalplan")
hookimpl = pluggy.HookimplMarker("goalplan")


@hookspec
def register_exporters() -> list[Exporter]:  # type: ignore[empty-body]
    """Exporters this plugin adds: each turns one plan's log into the bytes of a file."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands (or groups) to the ``goalplan`` command line."""


@hookspec
def register_smart_rules() -> list[Rule]:  # type: ignore[empty-body]
    """SMART rules (goalplan.analytics.Rule) that ``goalplan lint`` applies to each goal or plan."""


@hookspec
def register_instruments() -> list[Instrument]:  # type: ignore[empty-body]
    """Standardised instruments (goalplan.analytics.Instrument, e.g. PHQ-9) scores are recorded on."""
