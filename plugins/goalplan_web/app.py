"""The Starlette application: sign-in, caseload, plan, goal history and its forms, downloads.

Every route asks ``roles.may`` on the server; every write goes through ``goalplan.open`` with the
signed-in account as the actor. Blocking work (SQLite, argon2, rendering) runs in the thread pool.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from asgi_csrf import asgi_csrf
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

import goalplan
from goalplan_web.account_store import AccountStore, check_password
from goalplan_web.accounts import Account, AccountError
from goalplan_web.chart import goal_chart
from goalplan_web.form_fields import FIELD_MAX
from goalplan_web.kit import Kit
from goalplan_web.pages import page_routes
from goalplan_web.roles import may, visible
from goalplan_web.security import LoginLimiter, SecurityHeaders, session_secret

HERE = Path(__file__).parent
DOWNLOADS = ("pdf", "csv", "fhir")
SESSION_COOKIE = "goalplan_session"
SESSION_MAX_AGE = 12 * 3600  # the signed cookie's own end, whatever the activity
# A form's fields: the intervention form has one per goal of the plan, so room for hundreds;
# anything above is refused by Starlette with a 400 before it is parsed further.
FORM_FIELDS_MAX = 1000
BROKEN_RECORD = (
    "This record fails its integrity check and is not shown. "
    "An administrator should run goalplan verify on the store."
)
STORE_UNAVAILABLE = "The store cannot be read just now. Try again later, or ask an administrator."

log = logging.getLogger(__name__)


class _EveryPath:
    """asgi-csrf's ``always_protect``: every path, so no POST is let through for lacking cookies.

    asgi-csrf skips its check when a request carries no cookie at all, unless the path is listed.
    A browser that has never visited the site sends none, and a one-time link (``/welcome/TOKEN``)
    or sign-in form must not accept a post from another site's page; no POST here is meant to
    work without the token its form carries, so none is exempt.
    """

    def __contains__(self, path: object) -> bool:
        return True


EVERY_PATH = _EveryPath()


@dataclass
class Settings:
    db: str
    accounts: AccountStore
    https: bool = False
    idle_seconds: int = 30 * 60
    setup_token: str | None = None
    clock: Callable[[], float] = time.time
    today: Callable[[], date] | None = None
    secret: str | None = None
    limiter: LoginLimiter = field(default_factory=LoginLimiter)


class SignInNeeded(Exception):
    """No signed-in account (or the session went idle): back to the sign-in page."""


Handler = Callable[[Request, FormData | None], Response]


def create_app(settings: Settings) -> Starlette:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    templates = Jinja2Templates(env=env)
    env.globals["csrf"] = lambda request: request.scope["csrftoken"]()

    def render(request: Request, template: str, status: int = 200, /, **context: Any) -> Response:
        account = request.state.account if hasattr(request.state, "account") else None
        context.setdefault("account", account)
        return templates.TemplateResponse(request, template, context, status_code=status)

    # sessions --------------------------------------------------------------------------------

    def signed_in(request: Request) -> Account | None:
        name = request.session.get("user")
        if not name:
            return None
        now = settings.clock()
        if now - float(request.session.get("seen", 0)) > settings.idle_seconds:
            request.session.clear()
            return None
        account = settings.accounts.account(name)
        if account is None or account.disabled or request.session.get("epoch", 0) != account.epoch:
            request.session.clear()  # disabled, or enabled or its password reset since sign-in
            return None
        request.session["seen"] = now
        request.state.account = account
        return account

    def require(request: Request, action: str, plan_clinician: str | None = None) -> Account:
        account = signed_in(request)
        if account is None:
            raise SignInNeeded()
        if not may(account, action, plan_clinician):
            raise HTTPException(403, "Your role does not allow this.")
        return account

    def home(account: Account) -> str:
        return "/accounts" if account.role == "admin" else "/caseload"

    def store(account: Account) -> goalplan.Goalplan:
        return goalplan.open(settings.db, actor=account.name)

    def today(gp: goalplan.Goalplan) -> date:
        return settings.today() if settings.today else gp.today()

    # pages -----------------------------------------------------------------------------------

    def sign_in_page(request: Request, form: FormData | None) -> Response:
        if form is None:
            account = signed_in(request)
            if account is not None:
                return RedirectResponse(home(account), 303)
            return render(request, "sign_in.html", error="", name="")
        name = str(form.get("name", ""))[:64]
        password = str(form.get("password", ""))
        address = request.client.host if request.client else "unknown"
        if not settings.limiter.allowed(settings.accounts, name, address, settings.clock()):
            return render(
                request, "sign_in.html", 429, error="Too many failed sign-ins; wait a minute.", name=name
            )
        account = settings.accounts.authenticate(name, password)
        if account is None:
            settings.limiter.failed(settings.accounts, name, address, settings.clock())
            return render(request, "sign_in.html", 401, error="Wrong user name or password.", name=name)
        request.session.clear()
        request.session.update({"user": account.name, "seen": settings.clock(), "epoch": account.epoch})
        return RedirectResponse(home(account), 303)

    def sign_out(request: Request, form: FormData | None) -> Response:
        request.session.clear()
        return RedirectResponse("/", 303)

    def setup(request: Request, form: FormData | None) -> Response:
        token = settings.setup_token
        given = str((form or request.query_params).get("token", ""))
        if not token or settings.accounts.has_admin() or not secrets.compare_digest(given, token):
            raise HTTPException(404, "There is no setup to do here.")
        if form is None:
            return render(request, "setup.html", errors={}, name="", token=token)
        name = str(form.get("name", ""))
        password = str(form.get("password", ""))
        errors: dict[str, str] = {}
        if password != str(form.get("password2", "")):
            errors["password2"] = "The two passwords differ."
        else:
            try:
                check_password(password)
                settings.accounts.add(name, "admin", password, actor="setup", reason="first-run setup")
            except AccountError as exc:
                errors["password" if exc.field == "password" else "name"] = exc.message
        if errors:
            return render(request, "setup.html", 400, errors=errors, name=name, token=token)
        settings.setup_token = None
        return RedirectResponse("/", 303)

    def caseload(request: Request, form: FormData | None) -> Response:
        account = require(request, "caseload")
        with store(account) as gp:
            day = today(gp)
            plans = [p for p in gp.plans() if visible(account, p.clinician_name)]
        plans.sort(key=lambda p: (p.next_review_on or date.max, p.plan_id))
        return render(request, "caseload.html", plans=plans, today=day)

    def open_plan(gp: goalplan.Goalplan, plan_id: str) -> goalplan.Plan:
        try:
            return gp.plan(plan_id)
        except goalplan.NotFoundError:
            raise HTTPException(404, "There is no such plan.") from None

    def plan_page(request: Request, form: FormData | None, *, status: int = 200, **extra: Any) -> Response:
        account = require(request, "caseload")
        with store(account) as gp:
            plan = open_plan(gp, request.path_params["plan_id"])
            state = plan.state
            require(request, "read", state.clinician_name)
            record = goalplan.plan_to_json(state)
            signatures = [(s, goalplan.is_current(state, s)) for s in state.signatures]
            day = today(gp)
            lint = plan.lint(today=day)
            analytics = {g.goal_id: goalplan.goal_progress(g, day) for g in state.goals.values()}
            charts = {i: goal_chart(state.goals[i], a) for i, a in analytics.items()}
        context: dict[str, Any] = {
            "plan": record,
            "signatures": signatures,
            "findings": lint.findings,
            "analytics": analytics,
            "charts": charts,
            "can_write": may(account, "write", state.clinician_name),
            "can_cosign": may(account, "cosign", state.clinician_name),
            "downloads": [f for f in DOWNLOADS if f in _exporter_names()],
            "signer_roles": [r for r in goalplan.SIGNER_ROLES if r != "supervisor"],
            "errors": {},
            "typed": {},
            "changes": [],
        }
        context.update(extra)
        return render(request, "plan.html", status, **context)

    def write_plan(request: Request, form: FormData | None, kind: str) -> Response:
        """Hold a review, or sign (a supervisor co-signs): the plan page's forms."""
        assert form is not None
        account = require(request, "caseload")
        typed = {k: str(v)[:FIELD_MAX] for k, v in form.items() if k != "csrftoken"}
        cosign = kind == "sign" and account.role == "supervisor"
        with store(account) as gp:
            plan = open_plan(gp, request.path_params["plan_id"])
            state = plan.state
            require(request, "cosign" if cosign else "write", state.clinician_name)
            seen_version = _int(typed.get("version", ""))
            # A signature binds the version its signer saw (the API refuses it if the content
            # changed materially since); any other write needs the page to be current.
            stale = kind != "sign" and seen_version != state.version
            try:
                errors = {} if stale else _write_plan(plan, kind, typed, seen_version, cosign)
            except goalplan.ConcurrencyError:  # written by someone else after the check above
                stale = True
            if stale:
                changes = [h for h in plan.history() if seen_version is None or h.version > seen_version]
                return plan_page(request, None, status=409, typed={kind: typed}, changes=changes)
        if errors:
            return plan_page(request, None, status=400, errors={kind: errors}, typed={kind: typed})
        return RedirectResponse(f"/plans/{state.plan_id}", 303)

    def goal_page(request: Request, form: FormData | None, *, status: int = 200, **extra: Any) -> Response:
        account = require(request, "caseload")
        with store(account) as gp:
            plan = open_plan(gp, request.path_params["plan_id"])
            state = plan.state
            require(request, "read", state.clinician_name)
            goal = _goal(state, request.path_params["goal_id"])
            history = plan.history(goal.goal_id)
            analytics = goalplan.goal_progress(goal, today(gp))
        record = goalplan.goal_to_json(goal, state)
        context: dict[str, Any] = {
            "plan_id": state.plan_id,
            "version": state.version,
            "goal": record,
            "history": list(reversed(history)),
            "analytics": analytics,
            "chart": goal_chart(goal, analytics),
            "can_write": may(account, "write", state.clinician_name),
            "errors": {},
            "typed": {},
            "changes": [],
        }
        context.update(extra)
        return render(request, "goal.html", status, **context)

    def write_goal(request: Request, form: FormData | None, kind: str) -> Response:
        assert form is not None
        account = require(request, "caseload")
        typed = {k: str(v)[:FIELD_MAX] for k, v in form.items() if k != "csrftoken"}
        with store(account) as gp:
            plan = open_plan(gp, request.path_params["plan_id"])
            state = plan.state
            require(request, "write", state.clinician_name)
            goal = _goal(state, request.path_params["goal_id"])
            seen_version = _int(typed.get("version", ""))
            stale = seen_version != state.version
            try:
                errors = {} if stale else _write(plan, goal.goal_id, kind, typed, state.version)
            except goalplan.ConcurrencyError:  # written by someone else after the check above
                stale = True
            if stale:
                changes = [h for h in plan.history() if seen_version is None or h.version > seen_version]
                return goal_page(
                    request, None, status=409, errors={}, typed={kind: typed}, changes=changes, conflict=kind
                )
        if errors:
            return goal_page(request, None, status=400, errors={kind: errors}, typed={kind: typed})
        return RedirectResponse(f"/plans/{state.plan_id}/goals/{goal.goal_id}", 303)

    def download(request: Request, form: FormData | None) -> Response:
        account = require(request, "caseload")
        fmt = request.path_params["format"]
        if fmt not in DOWNLOADS or fmt not in _exporter_names():
            raise HTTPException(404, "There is no such download.")
        with store(account) as gp:
            plan = open_plan(gp, request.path_params["plan_id"])
            require(request, "read", plan.state.clinician_name)
            rendered = goalplan.render_export(plan.log(), fmt)
        return Response(
            rendered.data,
            media_type=rendered.media_type,
            headers={"content-disposition": f'attachment; filename="{rendered.file_name}"'},
        )

    def audit_page(request: Request, form: FormData | None) -> Response:
        require(request, "audit")
        with store(request.state.account) as gp:
            report = gp.audit()
            try:
                summary = report.to_json()
                findings = list(report.iter_findings())
            finally:
                report.close()
        return render(request, "audit.html", report=summary, findings=findings)

    # plumbing --------------------------------------------------------------------------------

    def endpoint(handler: Callable[..., Response], **kwargs: Any) -> Callable[[Request], Any]:
        async def run(request: Request) -> Response:
            form = None
            if request.method == "POST":
                form = await request.form(max_files=0, max_fields=FORM_FIELDS_MAX)
            return await run_in_threadpool(handler, request, form, **kwargs)

        return run

    async def sign_in_needed(request: Request, exc: Exception) -> Response:
        return RedirectResponse("/", 303)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return render(request, "error.html", exc.status_code, message=exc.detail)

    async def broken_record(request: Request, exc: Exception) -> Response:
        # A plan whose chain or checkpoints fail is never shown, in any page or feed; the
        # details (plan id, version) go to the log for the administrator, not to the page.
        log.error("refused a read of a record that fails verification: %s", exc)
        return render(request, "error.html", 500, message=BROKEN_RECORD)

    async def store_unavailable(request: Request, exc: Exception) -> Response:
        log.error("the store could not be read: %s", exc)
        return render(request, "error.html", 503, message=STORE_UNAVAILABLE)

    routes = [
        Route("/", endpoint(sign_in_page), methods=["GET", "POST"]),
        Route("/signout", endpoint(sign_out), methods=["POST"]),
        Route("/setup", endpoint(setup), methods=["GET", "POST"]),
        Route("/caseload", endpoint(caseload)),
        Route("/plans/{plan_id}", endpoint(plan_page)),
        Route("/plans/{plan_id}/goals/{goal_id}", endpoint(goal_page)),
        Route(
            "/plans/{plan_id}/goals/{goal_id}/progress",
            endpoint(write_goal, kind="progress"),
            methods=["POST"],
        ),
        Route(
            "/plans/{plan_id}/goals/{goal_id}/revise", endpoint(write_goal, kind="revise"), methods=["POST"]
        ),
        Route(
            "/plans/{plan_id}/goals/{goal_id}/correct", endpoint(write_goal, kind="correct"), methods=["POST"]
        ),
        Route("/plans/{plan_id}/review", endpoint(write_plan, kind="review"), methods=["POST"]),
        Route("/plans/{plan_id}/sign", endpoint(write_plan, kind="sign"), methods=["POST"]),
        Route("/plans/{plan_id}/download/{format}", endpoint(download)),
        Route("/audit", endpoint(audit_page)),
        *page_routes(Kit(settings, render, require, endpoint, store, today)),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    secret = settings.secret or session_secret(settings.accounts.path)
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders, https=settings.https),
            Middleware(
                asgi_csrf,
                signing_secret=secret + ":csrf",
                cookie_secure=settings.https,
                always_protect=EVERY_PATH,
            ),
            Middleware(
                SessionMiddleware,
                secret_key=secret,
                session_cookie=SESSION_COOKIE,
                max_age=SESSION_MAX_AGE,
                same_site="lax",
                https_only=settings.https,
            ),
        ],
        exception_handlers={
            SignInNeeded: sign_in_needed,
            HTTPException: http_error,
            goalplan.IntegrityError: broken_record,
            goalplan.StoreError: store_unavailable,
        },
    )
    app.state.settings = settings
    return app


def _exporter_names() -> set[str]:
    return set(goalplan.export_formats())


def _goal(state: goalplan.PlanState, goal_id: str) -> goalplan.Goal:
    goal = state.goals.get(goal_id)
    if goal is None:
        raise HTTPException(404, "There is no such goal.")
    return goal


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _write(plan: goalplan.Plan, goal_id: str, kind: str, typed: dict[str, str], seen: int) -> dict[str, str]:
    """Run one form's write against the version ``seen`` on the page (ConcurrencyError if the plan
    moved on since); the errors by field (nothing written when there are any)."""
    errors: dict[str, str] = {}
    try:
        if kind == "progress":
            value = _number(typed.get("value", ""), errors)
            on = _day(typed.get("on", ""), errors)
            if errors:
                return errors
            assert value is not None
            plan.record_progress(goal_id, value, on=on, note=typed.get("note", ""), expected_version=seen)
        elif kind == "correct":
            reason = typed.get("reason", "").strip()
            if not reason:
                return {"reason": "Say why the entry is in error; the reason is kept in the history."}
            plan.correct(typed.get("event_id", ""), reason=reason, expected_version=seen)
        else:
            statement = typed.get("statement", "").strip()
            reason = typed.get("reason", "").strip()
            if not statement:
                errors["statement"] = "Write the goal's new statement."
            if not reason:
                errors["reason"] = "Say why the goal is revised; the reason is kept in the history."
            if errors:
                return errors
            plan.revise_goal(goal_id, statement=statement, reason=reason, expected_version=seen)
    except goalplan.RejectedError as exc:
        errors[exc.field.removeprefix("--")] = exc.message
    except goalplan.NotFoundError as exc:
        errors["event_id"] = str(exc)
    return errors


def _write_plan(
    plan: goalplan.Plan, kind: str, typed: dict[str, str], seen_version: int | None, cosign: bool
) -> dict[str, str]:
    errors: dict[str, str] = {}
    try:
        if kind == "review":
            held = _day(typed.get("held", ""), errors, "held")
            following = _day(typed.get("next", ""), errors, "next")
            if not typed.get("held", "").strip():
                errors["held"] = "Give the day the review was held, as YYYY-MM-DD."
            if errors or held is None:
                return errors
            plan.hold_review(
                held=held, summary=typed.get("summary", ""), next=following, expected_version=seen_version
            )
        else:
            role = "supervisor" if cosign else typed.get("role", "")
            if role not in goalplan.SIGNER_ROLES or (role == "supervisor") != cosign:
                errors["role"] = "Choose who signs: client, guardian or clinician."
            name = typed.get("name", "").strip()
            if not name:
                errors["name"] = "Give the signer's name as they sign."
            on = _day(typed.get("on", ""), errors, "on")
            if errors:
                return errors
            credentials = typed.get("credentials", "")
            plan.sign(role=role, name=name, credentials=credentials, on=on, version=seen_version)
    except goalplan.RejectedError as exc:
        errors[exc.field.removeprefix("--")] = exc.message
    except goalplan.NotFoundError as exc:
        errors["event_id"] = str(exc)
    return errors


def _number(text: str, errors: dict[str, str]) -> float | None:
    try:
        value = float(text)
    except ValueError:
        errors["value"] = "Give a number, such as 2 or 1.5."
        return None
    if not math.isfinite(value):
        errors["value"] = "Give a finite number."
        return None
    return value


def _day(text: str, errors: dict[str, str], field: str = "on") -> date | None:
    if not text.strip():
        return None
    try:
        return goalplan.parse_iso_date(text.strip())
    except ValueError:
        today_note = ", or leave it empty for today" if field == "on" else ""
        errors[field] = f"Give a real date as YYYY-MM-DD{today_note}."
        return None
