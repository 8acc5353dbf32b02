"""``goalplan projections``: rebuild and check the read models and snapshots."""

from __future__ import annotations

import sys

import click

from goalplan.cli.context import AppContext, pass_app


@click.group("projections")
def projections_group() -> None:
    """The stored read models (caseload, calendar dates, goal index) and plan snapshots."""


@projections_group.command("rebuild")
@pass_app
def projections_rebuild(app: AppContext) -> None:
    """Refold every plan from the log and rewrite its read-model rows and snapshot."""
    count = app.goalplan().rebuild_projections()
    click.echo(f"Rebuilt the read models and snapshots of {count} plan(s) from the log.")


@projections_group.command("check")
@click.argument("plan", required=False)
@pass_app
def projections_check(app: AppContext, plan: str | None) -> None:
    """Compare the read models and snapshots with a fresh fold of the log; exits 1 on a difference."""
    report = app.goalplan().check_projections(plan)
    if report.mismatches or report.stale:
        for found in report.mismatches:
            click.echo(f"goalplan: read model differs from the log: {found}.", err=True)
        if report.stale:
            click.echo(
                "goalplan: the read models were built by other fold code; "
                "run `goalplan projections rebuild`.",
                err=True,
            )
        sys.exit(1)
    click.echo(
        f"OK: the read models of {report.plans} plan(s) and {report.snapshots} snapshot(s) match the log."
    )
