"""Account management in the browser, for admins: add, change role, disable or enable, reset a password.

Each change is one entry in the account log naming the signed-in admin, decided by the same
functions as ``goalplan users``. A password is never chosen by the admin: a new account, a reset
and an account enabled again get a one-time link (kept only as a hash, valid for a few days)
with which the owner sets their own. The owner's page for that link lives here too
(``/welcome/TOKEN``).
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from goalplan_web.account_store import SETUP_LINK_HOURS, check_password
from goalplan_web.accounts import ROLES, Account, AccountError
from goalplan_web.kit import Kit

FIELDS = {
    "NAME": "name",
    "ROLE": "role",
    "--reason": "reason",
    "--clinician-name": "clinician_name",
    "--supervises": "supervises",
    "password": "password",
    "token": "password",
}
TEXT_MAX = 500


def field_of(exc: AccountError) -> str:
    return FIELDS.get(exc.field, "name")


def typed_of(form: FormData) -> dict[str, str]:
    return {k: str(v)[:TEXT_MAX] for k, v in form.items() if k != "csrftoken"}


def names(text: str) -> list[str]:
    """Supervised clinician names, one a line."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def role_fields(typed: dict[str, str]) -> dict[str, Any]:
    """The caseload fields that fit the chosen role (others are dropped, not refused)."""
    role = typed.get("role", "")
    return {
        "clinician_name": typed.get("clinician_name", "").strip() if role == "clinician" else "",
        "supervises": names(typed.get("supervises", "")) if role == "supervisor" else [],
    }


def routes(kit: Kit) -> list[BaseRoute]:

    def link(request: Request, token: str) -> str:
        return f"{str(request.base_url).rstrip('/')}/welcome/{token}"

    def list_page(request: Request, form: FormData | None, *, status: int = 200, **extra: Any) -> Response:
        kit.require(request, "accounts")
        context: dict[str, Any] = {
            "accounts": sorted(kit.settings.accounts.accounts().values(), key=lambda a: a.name),
            "entries": kit.settings.accounts.entries(),
            "roles": ROLES,
            "errors": {},
            "typed": {"role": "clinician"},
        }
        context.update(extra)
        return kit.render(request, "accounts.html", status, **context)

    def add(request: Request, form: FormData | None) -> Response:
        assert form is not None
        admin = kit.require(request, "accounts")
        typed = typed_of(form)
        name = typed.get("name", "").strip()
        try:
            token = kit.settings.accounts.create_with_link(
                name,
                typed.get("role", ""),
                actor=admin.name,
                reason=typed.get("reason", "").strip(),
                **role_fields(typed),
            )
        except AccountError as exc:
            return list_page(request, None, status=400, errors={field_of(exc): exc.message}, typed=typed)
        return kit.render(
            request,
            "account_link.html",
            name=name,
            link=link(request, token),
            hours=SETUP_LINK_HOURS,
            new=True,
            enabled=False,
        )

    def existing(request: Request) -> Account:
        found = kit.settings.accounts.account(request.path_params["name"])
        if found is None:
            raise HTTPException(404, "There is no such account.")
        return found

    def account_page(request: Request, form: FormData | None, *, status: int = 200, **extra: Any) -> Response:
        kit.require(request, "accounts")
        shown = existing(request)
        context: dict[str, Any] = {
            "shown": shown,
            "entries": [e for e in kit.settings.accounts.entries() if e.name == shown.name],
            "roles": ROLES,
            "errors": {},
            "typed": {},
        }
        context.update(extra)
        return kit.render(request, "account.html", status, **context)

    def change(request: Request, form: FormData | None, kind: str) -> Response:
        assert form is not None
        admin = kit.require(request, "accounts")
        shown = existing(request)
        typed = typed_of(form)
        reason = typed.get("reason", "").strip()
        try:
            if kind == "role":
                kit.settings.accounts.change_role(
                    shown.name, typed.get("role", ""), actor=admin.name, reason=reason, **role_fields(typed)
                )
            elif kind == "disable":
                kit.settings.accounts.disable(shown.name, actor=admin.name, reason=reason)
            else:
                accounts = kit.settings.accounts
                issue = accounts.enable if kind == "enable" else accounts.reset_password
                token = issue(shown.name, actor=admin.name, reason=reason)
                return kit.render(
                    request,
                    "account_link.html",
                    name=shown.name,
                    link=link(request, token),
                    hours=SETUP_LINK_HOURS,
                    new=False,
                    enabled=kind == "enable",
                )
        except AccountError as exc:
            return account_page(
                request, None, status=400, errors={kind: {field_of(exc): exc.message}}, typed={kind: typed}
            )
        return RedirectResponse(f"/accounts/{shown.name}", 303)

    def welcome(request: Request, form: FormData | None) -> Response:
        """The owner of a one-time link sets their password; the link then stops working."""
        token = request.path_params["token"]
        owner = kit.settings.accounts.setup_link_account(token)
        if owner is None:
            raise HTTPException(
                404, "This link is not valid: it was used, it expired, or a newer one replaced it."
            )
        if form is None:
            return kit.render(request, "welcome.html", owner=owner, errors={})
        password = str(form.get("password", ""))
        errors: dict[str, str] = {}
        if password != str(form.get("password2", "")):
            errors["password2"] = "The two passwords differ."
        else:
            try:
                check_password(password)
                kit.settings.accounts.set_password_with_link(token, password)
            except AccountError as exc:
                errors[field_of(exc)] = exc.message
        if errors:
            return kit.render(request, "welcome.html", 400, owner=owner, errors=errors)
        request.session.clear()
        return RedirectResponse("/", 303)

    return [
        Route("/accounts", kit.endpoint(list_page)),
        Route("/accounts/new", kit.endpoint(add), methods=["POST"]),
        Route("/accounts/{name}", kit.endpoint(account_page)),
        Route("/accounts/{name}/role", kit.endpoint(change, kind="role"), methods=["POST"]),
        Route("/accounts/{name}/disable", kit.endpoint(change, kind="disable"), methods=["POST"]),
        Route("/accounts/{name}/enable", kit.endpoint(change, kind="enable"), methods=["POST"]),
        Route("/accounts/{name}/reset", kit.endpoint(change, kind="reset"), methods=["POST"]),
        Route("/welcome/{token}", kit.endpoint(welcome), methods=["GET", "POST"]),
    ]
