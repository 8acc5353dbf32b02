"""``goalplan migrate SRC DST``: copy every plan from one store to another, hashes and all."""

from __future__ import annotations

import click

from goalplan.migrate import migrate


@click.command("migrate")
@click.argument("source", metavar="SRC")
@click.argument("destination", metavar="DST")
@click.option(
    "--batch", default=1000, show_default=True, type=click.IntRange(min=1), help="Events per transaction."
)
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary.")
def migrate_command(source: str, destination: str, batch: int, quiet: bool) -> None:
    """Copy every plan from SRC to DST (SQLite paths or postgresql:// URLs).

    Every chain is verified and every hash must come out the same in DST. Safe to interrupt and
    run again: only what DST lacks is copied. A plan whose events in DST differ is refused.
    """

    def progress(plan_id: str, events: int) -> None:
        if not quiet:
            click.echo(f"plan {plan_id}: copied {events} event(s)", err=True)

    report = migrate(source, destination, batch=batch, on_batch=progress)
    click.echo(
        f"Copied {report.events_copied} event(s) in {report.plans_copied} of {report.plans} plan(s); "
        f"{report.events_present} already present."
    )
