"""goalplan plan ...: open, list, show, sign and close plans; focus areas and interventions."""

from __future__ import annotations

from datetime import date, datetime

import click

from goalplan.analytics import plan_analytics
from goalplan.cli.analytics_commands import with_analytics
from goalplan.cli.context import (
    DATE,
    MOMENT,
    OBSERVED_DATE,
    AppContext,
    actor_option,
    emit_json,
    json_option,
    pass_app,
)
from goalplan.cli.text_view import plan_list_text, plan_text
from goalplan.codec import format_timestamp
from goalplan.projections import plan_to_json
from goalplan.text import printable


@click.group("plan")
def plan_group() -> None:
    """Open, list, show, sign and close plans."""


@plan_group.command("open")
@click.option("--client", required=True, help="The client's name.")
@click.option("--clinician", required=True, help="The treating clinician's name.")
@click.option("--credentials", default="", help="The clinician's credentials, e.g. LCSW.")
@click.option("--opened", type=DATE, default=None, help="Date opened (default: today).")
@click.option("--review-every", type=int, default=90, show_default=True, help="Review cadence in days.")
@click.option("--discharge", default="", help="Discharge criteria: when treatment can end.")
@actor_option
@pass_app
def plan_open(
    app: AppContext,
    client: str,
    clinician: str,
    credentials: str,
    opened: date | None,
    review_every: int,
    discharge: str,
    actor: str | None,
) -> None:
    """Open a plan for a client; prints the new plan id."""
    plan = app.goalplan(actor, create=True).open_plan(
        client=client,
        clinician=clinician,
        credentials=credentials,
        opened=opened,
        review_every=review_every,
        discharge_criteria=discharge,
    )
    click.echo(plan.id)


@plan_group.command("list")
@json_option
@pass_app
def plan_list(app: AppContext, as_json: bool) -> None:
    """One line per plan: id, client, status, goals, next review."""
    plans = app.goalplan().plans()
    if as_json:
        emit_json([p.to_json() for p in plans])
    else:
        click.echo(printable(plan_list_text(plans)), nl=False)


@plan_group.command("show")
@click.argument("plan")
@click.option(
    "--as-of",
    "as_of",
    type=MOMENT,
    default=None,
    help="Show the plan as the log stood then: a date (end of that day, UTC) or a datetime.",
)
@json_option
@pass_app
def plan_show(app: AppContext, plan: str, as_of: datetime | None, as_json: bool) -> None:
    """The current plan, or the plan exactly as it was recorded by a past moment."""
    handle = app.goalplan().plan(plan)
    state = handle.as_of(as_of) if as_of else handle.state
    report = plan_analytics(
        state, as_of.date() if as_of else app.goalplan().today(), app.goalplan().instruments()
    )
    if as_json:
        emit_json(with_analytics(plan_to_json(state), report))
    else:
        shown = format_timestamp(as_of) if as_of else None
        click.echo(printable(plan_text(state, as_of=shown, analytics=report)), nl=False)


@plan_group.command("sign")
@click.argument("plan")
@click.option("--role", type=click.Choice(["client", "clinician"]), required=True)
@click.option("--name", required=True, help="The signer's name.")
@click.option("--credentials", default="", help="The signer's credentials, e.g. PhD, LMFT.")
@click.option("--on", type=OBSERVED_DATE, default=None, help="Date signed (default: today).")
@actor_option
@pass_app
def plan_sign(
    app: AppContext, plan: str, role: str, name: str, credentials: str, on: date | None, actor: str | None
) -> None:
    """Record the client's or the clinician's signature."""
    app.goalplan(actor).plan(plan).sign(role=role, name=name, credentials=credentials, on=on)


@plan_group.command("close")
@click.argument("plan")
@click.option("--reason", required=True, help="Why the plan ends, e.g. discharge criteria met.")
@click.option("--on", type=OBSERVED_DATE, default=None, help="Date closed (default: today).")
@actor_option
@pass_app
def plan_close(app: AppContext, plan: str, reason: str, on: date | None, actor: str | None) -> None:
    """Close the plan; afterwards it accepts only corrections."""
    app.goalplan(actor).plan(plan).close(reason=reason, on=on)


@plan_group.command("focus")
@click.argument("plan")
@click.argument("title")
@click.option("--description", default="", help="What brought the client, in a sentence.")
@actor_option
@pass_app
def plan_focus(app: AppContext, plan: str, title: str, description: str, actor: str | None) -> None:
    """Add a focus area; prints its id."""
    click.echo(app.goalplan(actor).plan(plan).add_focus(title, description))


@click.command("intervention")
@click.argument("plan")
@click.option("--modality", required=True, help="e.g. CBT, DBT, psychodynamic, family therapy.")
@click.option("--description", required=True, help="What the clinician will do.")
@click.option("--frequency", required=True, help="How often, e.g. 'weekly, 50 minutes'.")
@click.option("--goal", "goals", multiple=True, help="A goal this serves (repeatable).")
@actor_option
@pass_app
def intervention(
    app: AppContext,
    plan: str,
    modality: str,
    description: str,
    frequency: str,
    goals: tuple[str, ...],
    actor: str | None,
) -> None:
    """Plan an intervention; prints its id."""
    click.echo(
        app.goalplan(actor).plan(plan).plan_intervention(modality, description, frequency, goals=goals)
    )
