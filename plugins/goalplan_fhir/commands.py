"""``goalplan fhir import FILE``: the plugin's command-line face."""

from __future__ import annotations

from pathlib import Path

import click

import goalplan


@click.group("fhir")
def fhir_group() -> None:
    """Exchange plans with other systems as HL7 FHIR R4 (export: goalplan export --format fhir)."""


@fhir_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--clinician",
    default=None,
    help="The plan's clinician, when the Bundle names no Practitioner.",
)
@click.option(
    "--copy",
    is_flag=True,
    help="Import a Bundle exported from a plan of this same store, as a second plan.",
)
@click.pass_context
def import_command(ctx: click.Context, file: Path, clinician: str | None, copy: bool) -> None:
    """Create a plan from the FHIR Bundle in FILE, with one line per resource saying how it was used.

    The whole Bundle is checked first; if the plan it describes is refused anywhere, nothing is
    written.
    """
    from goalplan_fhir.importing import import_bundle

    try:
        data = file.read_bytes()
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise goalplan.RejectedError(str(file), f"cannot be read ({reason}); nothing was imported.") from None
    except ValueError:  # a NUL byte in the path
        raise goalplan.RejectedError("FILE", "is not a usable file name; nothing was imported.") from None
    if clinician is not None and not clinician.strip():
        raise goalplan.RejectedError("--clinician", "must not be empty.")
    gp = ctx.find_root().obj.goalplan(create=True)  # an import may start a new store
    result = import_bundle(gp, data, where=str(file), clinician=clinician, copy=copy)
    for line in result.lines:
        click.echo(str(line))
    click.echo(
        f"Created plan {result.plan_id} from {file.name}: {result.imported} of {len(result.lines)} "
        "resource(s) used."
    )
