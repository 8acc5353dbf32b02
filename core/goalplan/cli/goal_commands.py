"""goalplan goal ..., progress, review and correct: the clinical record of a plan."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from goalplan.cli.context import DATE, OBSERVED_DATE, AppContext, actor_option, pass_app
from goalplan.domain import MeasureChange
from goalplan.errors import RejectedError
from goalplan.events import LIFECYCLE_STATUSES, Measure


def goal_options(func: Any) -> Any:
    options = [
        click.option("--focus", default=None, help="Focus area title (added if new) or id."),
        click.option(
            "--term", type=click.Choice(["short", "long"]), default=None, help="Short- or long-term goal."
        ),
        click.option("--measure", default=None, help="What is measured, e.g. 'panic attacks'."),
        click.option("--unit", default=None, help="Unit of the measure, e.g. 'per week'."),
        click.option("--baseline", type=float, default=None, help="Value at the start."),
        click.option("--target", type=float, default=None, help="Value that means the goal is met."),
        click.option("--by", type=DATE, default=None, help="Target date."),
        click.option("--relevance", default=None, help="Why this goal matters to the client."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _measure(
    measure: str | None, unit: str | None, baseline: float | None, target: float | None
) -> Measure | None:
    """A whole new measure for ``goal set``: all four options, or none."""
    given = {"measure": measure, "unit": unit, "baseline": baseline, "target": target}
    if all(v is None for v in given.values()):
        return None
    missing = [f"--{k}" for k, v in given.items() if v is None]
    if missing:
        raise RejectedError(
            missing[0], "a measure needs --measure, --unit, --baseline and --target together."
        )
    return Measure(name=measure or "", unit=unit or "", baseline=baseline or 0.0, target=target or 0.0)


@click.group("goal")
def goal_group() -> None:
    """Set, revise and move goals; add their steps."""


@goal_group.command("set")
@click.argument("plan")
@click.option("--statement", required=True, help="The goal in the client's own words.")
@goal_options
@click.option(
    "--status",
    type=click.Choice(["proposed", "planned", "accepted", "active", "on-hold"]),
    default="active",
    metavar="STATUS",
    help="proposed, planned, accepted, active or on-hold.  [default: active]",
)
@actor_option
@pass_app
def goal_set(
    app: AppContext,
    plan: str,
    statement: str,
    focus: str | None,
    term: str | None,
    measure: str | None,
    unit: str | None,
    baseline: float | None,
    target: float | None,
    by: date | None,
    relevance: str | None,
    status: str,
    actor: str | None,
) -> None:
    """Set a SMART goal; prints the new goal id."""
    goal_id = (
        app.goalplan(actor)
        .plan(plan)
        .set_goal(
            statement,
            focus=focus,
            term=term or "short",
            measure=_measure(measure, unit, baseline, target),
            by=by,
            relevance=relevance or "",
            status=status,
        )
    )
    click.echo(goal_id)


_CLEARED_FIELDS = {"focus": "focus_id", "measure": "measure", "by": "target_date", "relevance": "relevance"}


@goal_group.command("revise")
@click.argument("plan")
@click.argument("goal")
@click.option("--reason", required=True, help="Why the goal changes.")
@click.option("--statement", default=None, help="The new statement, in the client's words.")
@goal_options
@click.option(
    "--clear",
    multiple=True,
    type=click.Choice(["focus", "measure", "by", "relevance"]),
    help="Empty a field, named as its option (repeatable).",
)
@actor_option
@pass_app
def goal_revise(
    app: AppContext,
    plan: str,
    goal: str,
    reason: str,
    statement: str | None,
    focus: str | None,
    term: str | None,
    measure: str | None,
    unit: str | None,
    baseline: float | None,
    target: float | None,
    by: date | None,
    relevance: str | None,
    clear: tuple[str, ...],
    actor: str | None,
) -> None:
    """Revise a goal, giving the reason; only the options given change."""
    # Only what the user typed goes into the command; the domain merges it into the measure
    # as it stands when the revision is decided (and again on every retry).
    app.goalplan(actor).plan(plan).revise_goal(
        goal,
        reason=reason,
        statement=statement,
        focus=focus,
        term=term,
        measure=MeasureChange(name=measure, unit=unit, baseline=baseline, target=target),
        by=by,
        relevance=relevance,
        clear=[_CLEARED_FIELDS[name] for name in clear],
    )


@goal_group.command("step")
@click.argument("plan")
@click.argument("goal")
@click.argument("text")
@click.option("--by", type=DATE, default=None, help="When the step is due.")
@actor_option
@pass_app
def goal_step(app: AppContext, plan: str, goal: str, text: str, by: date | None, actor: str | None) -> None:
    """Add a small step toward a goal; prints the step id."""
    click.echo(app.goalplan(actor).plan(plan).add_step(goal, text, by=by))


@goal_group.command("done")
@click.argument("plan")
@click.argument("step")
@click.option("--on", type=OBSERVED_DATE, default=None, help="Date completed (default: today).")
@actor_option
@pass_app
def goal_step_done(app: AppContext, plan: str, step: str, on: date | None, actor: str | None) -> None:
    """Mark a step completed."""
    app.goalplan(actor).plan(plan).complete_step(step, on=on)


@goal_group.command("status")
@click.argument("plan")
@click.argument("goal")
@click.argument("status", type=click.Choice(LIFECYCLE_STATUSES), metavar="STATUS")
@click.option("--reason", required=True, help="Why the status changes.")
@click.option(
    "--target-missed",
    default="",
    help="Completing a measured goal short of its target: why it is complete anyway.",
)
@actor_option
@pass_app
def goal_status(
    app: AppContext, plan: str, goal: str, status: str, reason: str, target_missed: str, actor: str | None
) -> None:
    """Move a goal through its lifecycle (FHIR Goal.lifecycleStatus).

    \b
    STATUS is one of:
      proposed, planned, accepted, active, on-hold,
      completed, cancelled, entered-in-error, rejected
    """
    app.goalplan(actor).plan(plan).change_status(goal, status, reason=reason, target_missed=target_missed)


@click.command("progress", context_settings={"ignore_unknown_options": True})  # VALUE may be negative
@click.argument("plan")
@click.argument("goal")
@click.argument("value", type=float)
@click.option("--on", type=OBSERVED_DATE, default=None, help="Date observed (default: today).")
@click.option("--note", default="", help="A short note on the measurement.")
@actor_option
@pass_app
def progress(
    app: AppContext, plan: str, goal: str, value: float, on: date | None, note: str, actor: str | None
) -> None:
    """Record a measured value for a goal."""
    app.goalplan(actor).plan(plan).record_progress(goal, value, on=on, note=note)


@click.command("review")
@click.argument("plan")
@click.option("--held", type=OBSERVED_DATE, required=True, help="Date the review was held.")
@click.option("--summary", default="", help="What the review found.")
@click.option("--next", "next_on", type=DATE, default=None, help="Next review date (default: by cadence).")
@actor_option
@pass_app
def review(
    app: AppContext, plan: str, held: date, summary: str, next_on: date | None, actor: str | None
) -> None:
    """Record a plan review."""
    app.goalplan(actor).plan(plan).hold_review(held=held, summary=summary, next=next_on)


@click.command("correct")
@click.argument("plan")
@click.argument("event_id")
@click.option("--reason", required=True, help="Why the entry was in error.")
@actor_option
@pass_app
def correct(app: AppContext, plan: str, event_id: str, reason: str, actor: str | None) -> None:
    """Mark an earlier entry (a progress value, review, signature, step...) as entered in error.

    EVENT_ID is the entry's event id, shown by `goalplan history PLAN` and in --json output.
    """
    app.goalplan(actor).plan(plan).correct(event_id, reason=reason)
