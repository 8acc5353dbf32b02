"""A plan as an HL7 FHIR R4 Bundle (``--format fhir``), and ``goalplan fhir import`` back.

A built-in plugin that uses only goalplan's public API. The mapping, field by field, and what
has no FHIR home: docs/fhir.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import goalplan
from goalplan_fhir.options import OPTION_HELP

if TYPE_CHECKING:
    import click

__all__ = ["register_commands", "register_exporters", "render"]


def render(log: goalplan.PlanLog, options: Mapping[str, str]) -> bytes:
    from goalplan_fhir.export import render_bundle
    from goalplan_fhir.options import parse_options

    return render_bundle(log, parse_options(options))


@goalplan.hookimpl
def register_exporters() -> list[goalplan.Exporter]:
    return [
        goalplan.Exporter(
            name="fhir",
            suffix=".fhir.json",
            media_type="application/fhir+json",
            description="The plan as one HL7 FHIR R4 Bundle: Patient, Goals, CarePlan, Observations, "
            "Provenance.",
            render=render,
            options=OPTION_HELP,
        )
    ]


@goalplan.hookimpl
def register_commands(cli: click.Group) -> None:
    from goalplan_fhir.commands import fhir_group

    cli.add_command(fhir_group)
