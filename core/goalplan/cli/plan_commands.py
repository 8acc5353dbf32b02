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
from goalplan.events import PERIODS, SESSION_TYPES, SIGNER_ROLES
from goalplan.projections import plan_to_json
from goalplan.text import mark_broken, printable


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
@click.option("--birth-date", type=DATE, default=None, help="The client's date of birth (YYYY-MM-DD).")
@click.option("--record-number", default="", help="The practice's record number for the client.")
@click.option("--preferred-name", default="", help="The name the client goes by, if not the legal one.")
@click.option("--pronouns", default="", help="The client's pronouns, e.g. she/her.")
@click.option("--guardian", default="", help="Guardian or legal representative's name.")
@click.option("--guardian-relationship", default="", help="e.g. mother, court-appointed guardian.")
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
    birth_date: date | None,
    record_number: str,
    preferred_name: str,
    pronouns: str,
    guardian: str,
    guardian_relationship: str,
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
        birth_date=birth_date,
        record_number=record_number,
        preferred_name=preferred_name,
        pronouns=pronouns,
        guardian=guardian,
        guardian_relationship=guardian_relationship,
    )
    click.echo(plan.id)


_CLIENT_OPTIONS = {
    "name": "client_name",
    "birth-date": "client_birth_date",
    "record-number": "client_record_number",
    "preferred-name": "client_preferred_name",
    "pronouns": "client_pronouns",
    "guardian": "guardian_name",
    "guardian-relationship": "guardian_relationship",
}


@plan_group.command("client")
@click.argument("plan")
@click.option("--reason", required=True, help="Why the identifiers change, e.g. legal name change.")
@click.option("--name", default=None, help="The client's name.")
@click.option("--birth-date", type=DATE, default=None, help="Date of birth (YYYY-MM-DD).")
@click.option("--record-number", default=None, help="The practice's record number.")
@click.option("--preferred-name", default=None, help="The name the client goes by.")
@click.option("--pronouns", default=None, help="The client's pronouns.")
@click.option("--guardian", default=None, help="Guardian or legal representative's name.")
@click.option("--guardian-relationship", default=None, help="The guardian's relationship to the client.")
@click.option(
    "--clear",
    multiple=True,
    type=click.Choice(list(_CLIENT_OPTIONS)[1:]),
    help="Empty a field, named as its option (repeatable).",
)
@actor_option
@pass_app
def plan_client(
    app: AppContext,
    plan: str,
    reason: str,
    name: str | None,
    birth_date: date | None,
    record_number: str | None,
    preferred_name: str | None,
    pronouns: str | None,
    guardian: str | None,
    guardian_relationship: str | None,
    clear: tuple[str, ...],
    actor: str | None,
) -> None:
    """Change the client's identifiers (name, birth date, record number...), giving the reason."""
    app.goalplan(actor).plan(plan).change_client(
        reason=reason,
        name=name,
        birth_date=birth_date,
        record_number=record_number,
        preferred_name=preferred_name,
        pronouns=pronouns,
        guardian=guardian,
        guardian_relationship=guardian_relationship,
        clear=[_CLIENT_OPTIONS[c] for c in clear],
    )


_DETAIL_OPTIONS = {
    "strengths": "strengths",
    "needs": "needs",
    "abilities": "abilities",
    "preferences": "preferences",
    "level-of-care": "level_of_care",
    "effective-from": "effective_from",
    "effective-through": "effective_through",
    "aftercare": "aftercare",
    "referrals": "referrals",
    "discharge": "discharge_criteria",
}


@plan_group.command("details")
@click.argument("plan")
@click.option("--strengths", default=None, help="The client's strengths (CARF 2.C.1.c).")
@click.option("--needs", default=None, help="The client's needs.")
@click.option("--abilities", default=None, help="The client's abilities.")
@click.option("--preferences", default=None, help="The client's preferences for treatment.")
@click.option("--level-of-care", default=None, help="Level of care or service type, e.g. outpatient.")
@click.option("--effective-from", type=DATE, default=None, help="The day the plan takes effect.")
@click.option("--effective-through", type=DATE, default=None, help="The last day the plan is valid.")
@click.option("--aftercare", default=None, help="Aftercare planned for after discharge.")
@click.option("--referrals", default=None, help="Referrals made to other services.")
@click.option("--discharge", default=None, help="Discharge criteria: when treatment can end.")
@click.option(
    "--clear",
    multiple=True,
    type=click.Choice(list(_DETAIL_OPTIONS)),
    help="Empty a field, named as its option (repeatable).",
)
@click.option("--reason", default="", help="Why these details change (optional).")
@actor_option
@pass_app
def plan_details(
    app: AppContext, /, plan: str, clear: tuple[str, ...], reason: str, actor: str | None, **given: object
) -> None:
    """Set plan-level content: strengths, needs, level of care, effective dates, aftercare..."""
    app.goalplan(actor).plan(plan).set_details(
        reason=reason,
        clear=[_DETAIL_OPTIONS[c] for c in clear],
        **{_DETAIL_OPTIONS[k.replace("_", "-")]: v for k, v in given.items()},  # type: ignore[arg-type]
    )


@plan_group.command("problem")
@click.argument("plan")
@click.argument("focus")
@click.argument("text")
@actor_option
@pass_app
def plan_problem(app: AppContext, plan: str, focus: str, text: str, actor: str | None) -> None:
    """Set the presenting problem of a focus area (given by title or id)."""
    app.goalplan(actor).plan(plan).set_presenting_problem(focus, text)


@plan_group.command("given")
@click.argument("plan")
@click.option("--to", "to", required=True, help="Who received the plan, e.g. the client's name.")
@click.option("--on", type=OBSERVED_DATE, default=None, help="Date given (default: today).")
@click.option("--method", default="", help="How, e.g. 'printed copy in session', 'portal'.")
@actor_option
@pass_app
def plan_given(app: AppContext, plan: str, to: str, on: date | None, method: str, actor: str | None) -> None:
    """Record that a copy of the plan was given to the client or guardian."""
    app.goalplan(actor).plan(plan).give_copy(to=to, on=on, method=method)


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
    log = app.goalplan().plan(plan).log()
    state = log.as_of(as_of) if as_of else log.state
    report = plan_analytics(
        state, as_of.date() if as_of else app.goalplan().today(), app.goalplan().instruments()
    )
    if as_json:
        shown_json = with_analytics(plan_to_json(state), report)
        if log.integrity_warning:
            shown_json["integrity_warning"] = log.integrity_warning
        emit_json(shown_json)
    else:
        shown = format_timestamp(as_of) if as_of else None
        text = plan_text(state, as_of=shown, analytics=report)
        click.echo(printable(mark_broken(text, log.integrity_warning)), nl=False)


@plan_group.command("sign")
@click.argument("plan")
@click.option("--role", type=click.Choice(list(SIGNER_ROLES)), required=True, help="Who signs.")
@click.option("--name", required=True, help="The signer's name (who signed, not who records it).")
@click.option("--credentials", default="", help="The signer's credentials, e.g. PhD, LMFT.")
@click.option("--on", type=OBSERVED_DATE, default=None, help="Date signed (default: today).")
@click.option(
    "--version",
    "version",
    type=click.IntRange(min=1),
    default=None,
    help="The plan version the signer read (refused if the content changed since; default: now).",
)
@actor_option
@pass_app
def plan_sign(
    app: AppContext,
    plan: str,
    role: str,
    name: str,
    credentials: str,
    on: date | None,
    version: int | None,
    actor: str | None,
) -> None:
    """Record a signature (client, guardian, clinician or supervisor co-signature).

    The signature approves the plan's current version and material content; a later change to
    goals, measures, dates, diagnoses or interventions marks it as no longer current.
    """
    app.goalplan(actor).plan(plan).sign(role=role, name=name, credentials=credentials, on=on, version=version)


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
@click.option("--presenting-problem", default=None, help="The presenting problem (behavioural definition).")
@actor_option
@pass_app
def plan_focus(
    app: AppContext,
    plan: str,
    title: str,
    description: str,
    presenting_problem: str | None,
    actor: str | None,
) -> None:
    """Add a focus area; prints its id."""
    handle = app.goalplan(actor).plan(plan)
    focus_id = handle.add_focus(title, description)
    if presenting_problem is not None:
        handle.set_presenting_problem(focus_id, presenting_problem)
    click.echo(focus_id)


@click.command("intervention")
@click.argument("plan")
@click.option("--modality", required=True, help="e.g. CBT, DBT, psychodynamic, family therapy.")
@click.option("--description", required=True, help="What the clinician will do.")
@click.option(
    "--frequency", default="", help="How often, as shown, e.g. 'weekly'; default: from --sessions and --per."
)
@click.option("--goal", "goals", multiple=True, help="A goal this serves (repeatable).")
@click.option("--type", "type_", type=click.Choice(list(SESSION_TYPES)), default=None, help="Session type.")
@click.option("--minutes", type=int, default=None, help="Session length in minutes.")
@click.option("--sessions", type=int, default=None, help="Sessions per period (with --per).")
@click.option(
    "--per", type=click.Choice(list(PERIODS)), default=None, help="The period --sessions counts in."
)
@click.option("--provider", default="", help="The responsible provider's name.")
@click.option("--provider-credentials", default="", help="The provider's credentials, e.g. LCSW.")
@click.option("--provider-role", default="", help="The provider's role, e.g. primary therapist.")
@click.option("--starts", type=DATE, default=None, help="Start date.")
@click.option("--ends", type=DATE, default=None, help="End date.")
@actor_option
@pass_app
def intervention(
    app: AppContext,
    plan: str,
    modality: str,
    description: str,
    frequency: str,
    goals: tuple[str, ...],
    type_: str | None,
    minutes: int | None,
    sessions: int | None,
    per: str | None,
    provider: str,
    provider_credentials: str,
    provider_role: str,
    starts: date | None,
    ends: date | None,
    actor: str | None,
) -> None:
    """Plan an intervention; prints its id."""
    if not frequency.strip():
        if sessions is None or not per:
            raise click.UsageError("--frequency: give it, or give --sessions N and --per PERIOD.")
        frequency = f"{sessions} per {per}"
    click.echo(
        app.goalplan(actor)
        .plan(plan)
        .plan_intervention(
            modality,
            description,
            frequency,
            goals=goals,
            type=type_ or "",
            minutes=minutes,
            sessions=sessions,
            per=per or "",
            provider=provider,
            provider_credentials=provider_credentials,
            provider_role=provider_role,
            starts=starts,
            ends=ends,
        )
    )


@click.group("diagnosis")
def diagnosis_group() -> None:
    """Add and resolve ICD-10-CM diagnoses."""


@diagnosis_group.command("add")
@click.argument("plan")
@click.argument("code")
@click.option("--focus", "focus", multiple=True, help="A focus area it addresses, title or id (repeatable).")
@click.option("--primary", is_flag=True, help="The primary diagnosis (an earlier primary becomes secondary).")
@click.option("--dsm5", default="", help="The DSM-5 diagnosis text, if wanted.")
@actor_option
@pass_app
def diagnosis_add(
    app: AppContext, plan: str, code: str, focus: tuple[str, ...], primary: bool, dsm5: str, actor: str | None
) -> None:
    """Add a billable ICD-10-CM code (checked against the code set); prints code and description."""
    handle = app.goalplan(actor).plan(plan)
    found = handle.add_diagnosis(code, focus=focus, primary=primary, dsm5=dsm5)
    click.echo(f"{found} {handle.state.diagnoses[found].description}")


@diagnosis_group.command("resolve")
@click.argument("plan")
@click.argument("code")
@click.option("--reason", required=True, help="Why the diagnosis no longer applies.")
@actor_option
@pass_app
def diagnosis_resolve(app: AppContext, plan: str, code: str, reason: str, actor: str | None) -> None:
    """Mark a diagnosis resolved, giving the reason."""
    app.goalplan(actor).plan(plan).resolve_diagnosis(code, reason=reason)


@click.group("safety")
def safety_group() -> None:
    """Safety findings (PHQ-9 item 9 above 0) and the reviews that answer them."""


@safety_group.command("review")
@click.argument("plan")
@click.option("--reason", required=True, help="The safety response: assessment done, plan made...")
@click.option("--score", default=None, help="The score's event id (default: the latest unreviewed finding).")
@click.option("--on", type=OBSERVED_DATE, default=None, help="Date of the review (default: today).")
@actor_option
@pass_app
def safety_review(
    app: AppContext, plan: str, reason: str, score: str | None, on: date | None, actor: str | None
) -> None:
    """Record the safety review of a PHQ-9 item 9 finding, which answers its lint failure."""
    app.goalplan(actor).plan(plan).review_safety(reason=reason, score=score, on=on)
