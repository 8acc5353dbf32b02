"""Name a refused field as the user typed it: ``--by``, not ``target_date``.

The domain and the API name fields as the events do. The command line translates, here and
nowhere else: each internal field maps to the option (or argument) of the running command that
sets it, so ``target_date`` reads ``--by`` in ``goal set`` and ``observed_on`` reads ``--on`` in
``progress``. A field no parameter of the command sets keeps its own name.
"""

from __future__ import annotations

import click

from goalplan.errors import RejectedError

# Internal field -> the click parameter names that set it, tried in order.
ALIASES: dict[str, tuple[str, ...]] = {
    "client_name": ("client",),
    "clinician_name": ("clinician",),
    "clinician_credentials": ("credentials",),
    "discharge_criteria": ("discharge",),
    "opened_on": ("opened",),
    "review_every_days": ("review_every",),
    "target_date": ("by",),
    "due_on": ("by",),
    "focus_id": ("focus",),
    "observed_on": ("on",),
    "signed_on": ("on",),
    "closed_on": ("on",),
    "completed_on": ("on",),
    "held_on": ("held",),
    "next_review_on": ("next_on",),
    "event": ("event_id",),
    "corrected_event_id": ("event_id",),
    "goal_id": ("goal", "goals"),
    "goal_ids": ("goals", "goal"),
    "levels": ("level_pairs",),
    "rule_id": ("rule",),
    "client_birth_date": ("birth_date",),
    "client_record_number": ("record_number",),
    "client_preferred_name": ("preferred_name",),
    "client_pronouns": ("pronouns",),
    "guardian_name": ("guardian",),
    "starts_on": ("starts",),
    "ends_on": ("ends",),
    "period": ("per",),
    "provider_name": ("provider",),
    "given_on": ("on",),
    "given_to": ("to",),
    "reviewed_on": ("on",),
}


def display_name(param: click.Parameter) -> str:
    """``--review-every`` for an option (its longest spelling), ``PLAN`` for an argument."""
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.human_readable_name


def option_name(field: str, command: click.Command | None) -> str:
    """The option or argument of ``command`` that sets ``field``, else ``field`` unchanged."""
    if command is None or field.startswith(("-", "item ", "line ")):
        return field
    by_name = {p.name: p for p in command.params if p.name and p.name not in ("help", "actor")}
    internal = field.replace("-", "_")  # some rules name a field the way its option is spelled
    for name in dict.fromkeys((internal, *ALIASES.get(internal, ()))):
        if name in by_name:
            return display_name(by_name[name])
    return field


def as_typed(error: RejectedError, command: click.Command | None) -> RejectedError:
    """The same refusal, naming what the user typed."""
    named = option_name(error.field, command)
    return error if named == error.field else RejectedError(named, error.message)
