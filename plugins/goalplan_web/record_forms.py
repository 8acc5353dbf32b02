"""What each of the record's forms writes: its fields, their labels, and the API call it makes.

A write reads the typed fields (collecting every mistake before raising ``Invalid``), then makes
one call on ``goalplan.Plan`` and returns the page to go to next. The HTTP side (roles, versions,
rendering) is ``plan_forms``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from starlette.exceptions import HTTPException

import goalplan
from goalplan_web.form_fields import FORM, Fields, Invalid, field_of

TERMS = ("short", "long")
NEW_GOAL_STATUSES = ("proposed", "planned", "accepted", "active", "on-hold")
OPTIONAL_DAY = ", or leave it empty for today"
ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32, as goalplan's own ids


@dataclass(frozen=True)
class Target:
    """The plan (and goal, step or diagnosis) a form is about, as the page shows them."""

    plan: goalplan.Plan
    state: goalplan.PlanState
    params: Mapping[str, str]
    # The version the form was shown with: every write passes it to the API as expected_version,
    # so a change recorded after the form's check and before its append is a conflict too.
    version: int

    @property
    def plan_url(self) -> str:
        return f"/plans/{self.state.plan_id}"

    @property
    def goal_id(self) -> str:
        return self.params["goal_id"]

    @property
    def goal_url(self) -> str:
        return f"{self.plan_url}/goals/{self.goal_id}"


Write = Callable[[Target, Fields], str]  # does the write; returns where to go next
Prefill = Callable[[goalplan.PlanState, Mapping[str, str]], dict[str, str]]


@dataclass(frozen=True)
class PlanForm:
    """One form on an existing plan: its address, its fields' labels, and the write it makes."""

    path: str  # under /plans/{plan_id}
    title: str
    template: str
    submit: str
    labels: Mapping[str, str]
    write: Write
    prefill: Prefill = lambda state, params: {}
    lists: tuple[str, ...] = ()
    back_to_goal: bool = False
    # More for the template; a 404 (HTTPException) when the address names what the plan lacks.
    extra: Callable[[goalplan.PlanState, Mapping[str, str]], dict[str, Any]] = field(
        default=lambda state, params: {}
    )
    renames: Mapping[str, str] = field(default_factory=dict)  # domain field -> this form's field


# the writes ------------------------------------------------------------------------------------


def _goal_set(t: Target, f: Fields) -> str:
    statement = f.text("statement", "Write the goal in the client's own words.")
    term = f.choice("term", TERMS, "Choose short or long.") or "short"
    status = f.choice("status", NEW_GOAL_STATUSES, "Choose one of the listed statuses.") or "active"
    by = f.day("by")
    measure = _measure(f)
    f.check()
    goal_id = t.plan.set_goal(
        statement,
        focus=f.text("focus") or None,
        term=term,
        measure=measure,
        by=by,
        relevance=f.text("relevance"),
        status=status,
        expected_version=t.version,
    )
    return f"{t.plan_url}/goals/{goal_id}"


def _measure(f: Fields) -> goalplan.Measure | None:
    """A measure needs all four fields, or none (as ``goal set`` asks)."""
    name, unit = f.text("measure"), f.text("unit")
    baseline, target = f.number("baseline"), f.number("target")
    given = {"measure": name, "unit": unit, "baseline": baseline, "target": target}
    if all(v in ("", None) for v in given.values()):
        return None
    for key, value in given.items():
        if value in ("", None) and key not in f.errors:
            f.fail(key, "A measure needs what is measured, its unit, a baseline and a target together.")
    if baseline is None or target is None or not name or not unit:
        return None
    return goalplan.Measure(name=name, unit=unit, baseline=baseline, target=target)


def _step_add(t: Target, f: Fields) -> str:
    text = f.text("text", "Describe the step, such as 'Practise paced breathing every evening'.")
    by = f.day("by")
    f.check()
    t.plan.add_step(t.goal_id, text, by=by, expected_version=t.version)
    return t.goal_url


def _step_done(t: Target, f: Fields) -> str:
    on = f.day("on", empty=OPTIONAL_DAY)
    f.check()
    t.plan.complete_step(t.params["step_id"], on=on, expected_version=t.version)
    return t.goal_url


def _status(t: Target, f: Fields) -> str:
    status = f.choice("status", goalplan.LIFECYCLE_STATUSES, "Choose one of the listed statuses.")
    if not status:
        f.fail("status", "Choose the goal's new status.")
    reason = f.text("reason", "Say why the status changes; the reason is kept in the history.")
    f.check()
    t.plan.change_status(
        t.goal_id, status, reason=reason, target_missed=f.text("target_missed"), expected_version=t.version
    )
    return t.goal_url


def _intervention(t: Target, f: Fields) -> str:
    modality = f.text("modality", "Name the modality, such as CBT or DBT.")
    description = f.text("description", "Say what the clinician will do.")
    kind = f.choice("type", goalplan.SESSION_TYPES, "Choose individual, group, family or couple.")
    per = f.choice("per", goalplan.PERIODS, "Choose day, week or month.")
    minutes, sessions = f.whole("minutes", 50), f.whole("sessions", 1)
    starts, ends = f.day("starts"), f.day("ends")
    frequency = f.text("frequency")
    if not frequency:
        if sessions is None or not per:
            f.fail("frequency", "Say how often, such as 'weekly', or give sessions and a period.")
        else:
            frequency = f"{sessions} per {per}"
    goals = f.picked.get("goals", [])
    unknown = [g for g in goals if g not in t.state.goals]
    if unknown:
        f.fail("goals", "Choose goals of this plan.")
    f.check()
    t.plan.plan_intervention(
        modality,
        description,
        frequency,
        goals=goals,
        type=kind,
        minutes=minutes,
        sessions=sessions,
        per=per,
        provider=f.text("provider"),
        provider_credentials=f.text("provider_credentials"),
        provider_role=f.text("provider_role"),
        starts=starts,
        ends=ends,
        expected_version=t.version,
    )
    return t.plan_url


def _diagnosis_add(t: Target, f: Fields) -> str:
    code = f.text("code", "Give an ICD-10-CM code, such as F41.0.")
    focus = f.picked.get("focus", [])
    if any(x not in t.state.focus_areas for x in focus):
        f.fail("focus", "Choose focus areas of this plan.")
    f.check()
    t.plan.add_diagnosis(
        code, focus=focus, primary=f.text("primary") == "yes", dsm5=f.text("dsm5"), expected_version=t.version
    )
    return f"{t.plan_url}/new-diagnosis"


def _diagnosis_resolve(t: Target, f: Fields) -> str:
    reason = f.text("reason", "Say why the diagnosis no longer applies.")
    f.check()
    t.plan.resolve_diagnosis(t.params["code"], reason=reason, expected_version=t.version)
    return f"{t.plan_url}/new-diagnosis"


def _focus_add(t: Target, f: Fields) -> str:
    title = f.text("title", "Name the focus area, such as 'Panic attacks'.")
    f.check()
    t.plan.add_focus(title, f.text("description"), expected_version=t.version)
    return f"{t.plan_url}/focus-areas"


def _problem(t: Target, f: Fields) -> str:
    text = f.text("problem", "Describe the presenting problem.")
    f.check()
    t.plan.set_presenting_problem(t.params["focus_id"], text, expected_version=t.version)
    return f"{t.plan_url}/focus-areas"


def _focus_context(state: goalplan.PlanState, params: Mapping[str, str]) -> dict[str, Any]:
    area = state.focus_areas.get(params["focus_id"])
    if area is None:
        raise HTTPException(404, "There is no such focus area.")
    return {"area": area}


CLIENT_FIELDS = {
    "name": "client_name",
    "birth_date": "client_birth_date",
    "record_number": "client_record_number",
    "preferred_name": "client_preferred_name",
    "pronouns": "client_pronouns",
    "guardian": "guardian_name",
    "guardian_relationship": "guardian_relationship",
}


def _client_now(state: goalplan.PlanState, params: Mapping[str, str]) -> dict[str, str]:
    return {name: _shown(getattr(state, attr)) for name, attr in CLIENT_FIELDS.items()}


def _client(t: Target, f: Fields) -> str:
    reason = f.text("reason", "Say why the client's details change, such as a legal name change.")
    given, cleared = f.changes(_client_now(t.state, t.params), dates=("birth_date",))
    if "name" in cleared:
        f.fail("name", "The client needs a name; change it rather than empty it.")
    if not given and not cleared:
        f.fail(FORM, "Change at least one of the client's details.")
    f.check()
    t.plan.change_client(
        reason=reason,
        clear=[CLIENT_FIELDS[c] for c in cleared],
        expected_version=t.version,
        **given,  # type: ignore[arg-type]
    )
    return t.plan_url


DETAIL_FIELDS = {
    "strengths": "strengths",
    "needs": "needs",
    "abilities": "abilities",
    "preferences": "preferences",
    "level_of_care": "level_of_care",
    "effective_from": "effective_from",
    "effective_through": "effective_through",
    "aftercare": "aftercare",
    "referrals": "referrals",
    "discharge": "discharge_criteria",
}


def _details_now(state: goalplan.PlanState, params: Mapping[str, str]) -> dict[str, str]:
    return {name: _shown(getattr(state, attr)) for name, attr in DETAIL_FIELDS.items()}


def _details(t: Target, f: Fields) -> str:
    given, cleared = f.changes(_details_now(t.state, t.params), dates=("effective_from", "effective_through"))
    if not given and not cleared:
        f.fail(FORM, "Change at least one of the plan's details.")
    f.check()
    t.plan.set_details(
        reason=f.text("reason"),
        clear=[DETAIL_FIELDS[c] for c in cleared],
        **{DETAIL_FIELDS[k]: v for k, v in given.items()},  # type: ignore[arg-type]
        expected_version=t.version,
    )
    return t.plan_url


def _close(t: Target, f: Fields) -> str:
    reason = f.text("reason", "Give the reason the plan ends, or the discharge summary.")
    on = f.day("on", empty=OPTIONAL_DAY)
    f.check()
    t.plan.close(reason=reason, on=on, expected_version=t.version)
    return t.plan_url


def _shown(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _goal_choices(state: goalplan.PlanState, params: Mapping[str, str]) -> dict[str, Any]:
    return {
        "goal_choices": [(g.goal_id, g.statement) for g in state.goals.values()],
        "focus_titles": [a.title for a in state.focus_areas.values()],
        "focus_choices": [(a.focus_id, a.title) for a in state.focus_areas.values()],
    }


def _step_context(state: goalplan.PlanState, params: Mapping[str, str]) -> dict[str, Any]:
    step = state.steps.get(params["step_id"])
    if step is None or step.goal_id != params["goal_id"]:
        raise HTTPException(404, "There is no such step.")
    return {"step": step}


def _diagnosis_context(state: goalplan.PlanState, params: Mapping[str, str]) -> dict[str, Any]:
    found = state.diagnoses.get(params["code"])
    if found is None:
        raise HTTPException(404, "There is no such diagnosis.")
    return {"diagnosis": found}


def _with_diagnoses(state: goalplan.PlanState, params: Mapping[str, str]) -> dict[str, Any]:
    return {**_goal_choices(state, params), "diagnoses": list(state.diagnoses.values())}


REASON = "Reason"
FORMS: dict[str, PlanForm] = {
    "goal": PlanForm(
        "/new-goal",
        "Set a new goal",
        "form_goal.html",
        "Set goal",
        {
            "statement": "Goal, in the client's own words",
            "focus": "Focus area",
            "term": "Term",
            "measure": "What is measured",
            "unit": "Unit",
            "baseline": "Baseline",
            "target": "Target",
            "by": "Target date",
            "relevance": "Why it matters to the client",
            "status": "Status",
        },
        _goal_set,
        prefill=lambda state, params: {"term": "short", "status": "active"},
        extra=_goal_choices,
    ),
    "step": PlanForm(
        "/goals/{goal_id}/new-step",
        "Add a step",
        "form_step.html",
        "Add step",
        {"text": "Step", "by": "Due by"},
        _step_add,
        back_to_goal=True,
    ),
    "step_done": PlanForm(
        "/goals/{goal_id}/steps/{step_id}/done",
        "Mark a step done",
        "form_step_done.html",
        "Mark done",
        {"on": "Done on"},
        _step_done,
        back_to_goal=True,
        extra=_step_context,
    ),
    "status": PlanForm(
        "/goals/{goal_id}/status",
        "Change the goal's status",
        "form_status.html",
        "Change status",
        {
            "status": "New status",
            "reason": REASON,
            "target_missed": "If completing it short of its target: why it is complete anyway",
        },
        _status,
        back_to_goal=True,
    ),
    "intervention": PlanForm(
        "/new-intervention",
        "Add an intervention",
        "form_intervention.html",
        "Add intervention",
        {
            "modality": "Modality",
            "description": "What the clinician will do",
            "type": "Session type",
            "minutes": "Minutes per session",
            "sessions": "Sessions",
            "per": "Per",
            "frequency": "Frequency as shown",
            "provider": "Provider",
            "provider_credentials": "Provider's credentials",
            "provider_role": "Provider's role",
            "starts": "Starts on",
            "ends": "Ends on",
            "goals": "Goals it serves",
        },
        _intervention,
        lists=("goals",),
        extra=_goal_choices,
    ),
    "diagnosis": PlanForm(
        "/new-diagnosis",
        "Diagnoses",
        "form_diagnosis.html",
        "Add diagnosis",
        {
            "code": "ICD-10-CM code",
            "primary": "Primary diagnosis",
            "dsm5": "DSM-5 diagnosis text",
            "focus": "Focus areas it addresses",
        },
        _diagnosis_add,
        lists=("focus",),
        extra=_with_diagnoses,
    ),
    "resolve": PlanForm(
        "/diagnoses/{code}/resolve",
        "Resolve a diagnosis",
        "form_resolve.html",
        "Resolve diagnosis",
        {"reason": REASON},
        _diagnosis_resolve,
        extra=_diagnosis_context,
    ),
    "focus": PlanForm(
        "/focus-areas",
        "Focus areas",
        "form_focus.html",
        "Add focus area",
        {"title": "Title", "description": "What brought the client"},
        _focus_add,
        extra=lambda state, params: {"areas": list(state.focus_areas.values())},
        renames={"focus": "title"},
    ),
    "problem": PlanForm(
        "/focus-areas/{focus_id}/problem",
        "Presenting problem",
        "form_problem.html",
        "Save presenting problem",
        {"problem": "Presenting problem"},
        _problem,
        prefill=lambda state, params: {
            "problem": a.presenting_problem if (a := state.focus_areas.get(params["focus_id"])) else ""
        },
        extra=_focus_context,
        renames={"presenting_problem": "problem", "text": "problem"},
    ),
    "client": PlanForm(
        "/client",
        "Change the client's details",
        "form_client.html",
        "Save client details",
        {
            "name": "Client's name",
            "birth_date": "Birth date",
            "record_number": "Record number",
            "preferred_name": "Preferred name",
            "pronouns": "Pronouns",
            "guardian": "Guardian or legal representative",
            "guardian_relationship": "Guardian's relationship to the client",
            "reason": REASON,
        },
        _client,
        prefill=_client_now,
    ),
    "details": PlanForm(
        "/details",
        "Change the plan's details",
        "form_details.html",
        "Save plan details",
        {
            "strengths": "Strengths",
            "needs": "Needs",
            "abilities": "Abilities",
            "preferences": "Preferences for treatment",
            "level_of_care": "Level of care",
            "effective_from": "Effective from",
            "effective_through": "Effective through",
            "aftercare": "Aftercare",
            "referrals": "Referrals",
            "discharge": "Discharge criteria",
            "reason": REASON,
        },
        _details,
        prefill=_details_now,
    ),
    "close": PlanForm(
        "/close",
        "Close the plan",
        "form_close.html",
        "Close plan",
        {"reason": "Reason or discharge summary", "on": "Closed on"},
        _close,
    ),
}

OPEN_LABELS = {
    "client": "Client's name",
    "credentials": "Your credentials",
    "opened": "Opened on",
    "review_every": "Review every (days)",
    "discharge": "Discharge criteria",
    "birth_date": "Birth date",
    "record_number": "Record number",
    "preferred_name": "Preferred name",
    "pronouns": "Pronouns",
    "guardian": "Guardian or legal representative",
    "guardian_relationship": "Guardian's relationship to the client",
}


def new_plan_id() -> str:
    """The id a new plan will have, chosen when the form is shown so sending it twice opens one plan."""
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(16))


def is_plan_id(text: str) -> bool:
    return len(text) == 16 and all(c in ID_ALPHABET for c in text)


def open_plan(gp: goalplan.Goalplan, clinician: str, f: Fields) -> str:
    plan_id = f.typed["plan_id"]
    try:
        sent_before = gp.plan(plan_id).state
    except goalplan.NotFoundError:
        sent_before = None
    if sent_before is not None:
        if sent_before.clinician_name == clinician:
            return plan_id  # the same form sent again (a double click, the back button)
        plan_id = f.typed["plan_id"] = new_plan_id()
    client = f.text("client", "Give the client's name.")
    opened = f.day("opened", empty=OPTIONAL_DAY)
    birth_date = f.day("birth_date")
    every = f.whole("review_every", 90)
    if not f.text("review_every"):
        f.fail("review_every", "Give the review interval in days, such as 90.")
    f.check()
    try:
        plan = gp.open_plan(
            client=client,
            clinician=clinician,
            credentials=f.text("credentials"),
            opened=opened,
            review_every=every or 90,
            discharge_criteria=f.text("discharge"),
            birth_date=birth_date,
            record_number=f.text("record_number"),
            preferred_name=f.text("preferred_name"),
            pronouns=f.text("pronouns"),
            guardian=f.text("guardian"),
            guardian_relationship=f.text("guardian_relationship"),
            plan_id=plan_id,
        )
    except goalplan.RejectedError as refused:
        raise Invalid({field_of(refused.field, OPEN_LABELS): refused.message}) from None
    return plan.id
