"""The rest of a clinician's record as forms: open a plan, set goals, steps, interventions,
diagnoses, focus areas and presenting problems, client and plan details, a goal's status,
closing the plan; and scores, goal attainment scaling, safety reviews and copies given.

Each form is a page of its own (GET shows it, POST writes), so every one works without
JavaScript and shows its errors and conflicts the same way. Only the plan's own clinician may
see or send them (``roles.may(..., "write", ...)``); every write goes through the public API with
the signed-in account as the actor. A form carries the plan version it was shown with, and a
plan that moved on since is answered 409 with the changes, as the goal and plan pages do.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

import goalplan
from goalplan_web import care_forms, record_forms
from goalplan_web.form_fields import FORM, Fields, Invalid, field_of
from goalplan_web.kit import Kit
from goalplan_web.record_forms import FORMS, OPEN_LABELS, PlanForm, Target

# the handlers ----------------------------------------------------------------------------------


def routes(kit: Kit) -> list[Route]:
    """The forms' routes (``pages.page_routes`` hands them to ``create_app``)."""

    def page(request: Request, status: int, spec_title: str, template: str, **context: Any) -> Response:
        return kit.render(request, template, status, title=spec_title, **context)

    def open_plan(request: Request, form: FormData | None) -> Response:
        account = kit.require(request, "caseload")
        clinician = account.clinician_name
        if not clinician:
            raise HTTPException(403, "Your role does not allow this.")
        kit.require(request, "write", clinician)
        fields = Fields(form)
        context = {"clinician": clinician, "labels": OPEN_LABELS, "submit": "Open plan"}
        if form is None:
            fields.typed.update(review_every="90", plan_id=record_forms.new_plan_id())
            return page(request, 200, "Open a new plan", "form_open.html", f=fields, **context)
        if not record_forms.is_plan_id(fields.typed.get("plan_id", "")):
            fields.typed["plan_id"] = record_forms.new_plan_id()
        try:
            with kit.store(account) as gp:
                plan_id = record_forms.open_plan(gp, clinician, fields)
        except Invalid as refused:
            fields.errors = refused.errors
            return page(request, 400, "Open a new plan", "form_open.html", f=fields, **context)
        return RedirectResponse(f"/plans/{plan_id}", 303)

    def plan_form(request: Request, form: FormData | None, spec: PlanForm) -> Response:
        account = kit.require(request, "caseload")
        fields = Fields(form, spec.lists)
        params = dict(request.path_params)
        with kit.store(account) as gp:
            try:
                plan = gp.plan(params["plan_id"])
            except goalplan.NotFoundError:
                raise HTTPException(404, "There is no such plan.") from None
            state = plan.state
            kit.require(request, "write", state.clinician_name)
            if "goal_id" in params and params["goal_id"] not in state.goals:
                raise HTTPException(404, "There is no such goal.")
            extra = spec.extra(state, params)  # before any write: a step of another goal is a 404
            target = Target(plan, state, params, state.version)
            status, changes, next_url = 200, [], ""
            if form is None:
                fields.typed = spec.prefill(state, params)
            else:
                seen = _int(fields.typed.get("version", ""))
                stale = seen != state.version
                if not stale:
                    try:
                        next_url = spec.write(target, fields)
                    except goalplan.ConcurrencyError:
                        # Written by someone else after the check above and before this append.
                        stale, state = True, plan.state
                        extra = spec.extra(state, params)
                    except Invalid as refused:
                        fields.errors = refused.errors
                    except goalplan.RejectedError as refused:
                        fields.errors = {field_of(refused.field, spec.labels, spec.renames): refused.message}
                    except goalplan.NotFoundError as missing:
                        fields.errors = {FORM: str(missing)}
                    if fields.errors:
                        status = 400
                if stale:
                    status = 409
                    changes = [h for h in plan.history() if seen is None or h.version > seen]
                    _catch_up(fields, spec.prefill(state, params))
            if next_url:
                return RedirectResponse(next_url, 303)
            goal = state.goals.get(params.get("goal_id", ""))
            goal_record = goalplan.goal_to_json(goal, state) if goal else None
            context = {
                "spec": spec,
                "labels": spec.labels,
                "submit": spec.submit,
                "action": f"{target.plan_url}{spec.path.format(**params)}",
                "back": target.goal_url if spec.back_to_goal else target.plan_url,
                "plan": state,
                "goal": goal_record,
                "version": state.version,
                "shown": spec.prefill(state, params),
                "changes": changes,
                "statuses": goalplan.LIFECYCLE_STATUSES,
                "new_goal_statuses": record_forms.NEW_GOAL_STATUSES,
                "session_types": goalplan.SESSION_TYPES,
                "periods": goalplan.PERIODS,
                "terms": record_forms.TERMS,
                **extra,
            }
        return page(request, status, spec.title, spec.template, f=fields, **context)

    found = [
        Route("/caseload/new-plan", kit.endpoint(open_plan), methods=["GET", "POST"]),
    ]
    for spec in (*FORMS.values(), *care_forms.FORMS.values()):
        found.append(
            Route(
                f"/plans/{{plan_id}}{spec.path}", kit.endpoint(plan_form, spec=spec), methods=["GET", "POST"]
            )
        )
    return found


def _catch_up(fields: Fields, now: dict[str, str]) -> None:
    """On a stale form, show the new value of every field the user left as it was shown.

    A form that starts from the record (client or plan details) sends only what differs; without
    this, submitting again would quietly undo the other writer's change to a field the user never
    touched. Fields the user did change keep what they typed.
    """
    for name, current in now.items():
        was = fields.typed.get(f"was_{name}")
        if was is not None and fields.typed.get(name, "") == was:
            fields.typed[name] = current


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None
