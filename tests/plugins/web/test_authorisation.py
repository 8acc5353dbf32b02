"""The authorisation matrix: every route × every role (× own / another clinician's plan).

Each cell is the exact status the server must answer; a write that is refused must leave the
plan's version where it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from starlette.routing import Route

import goalplan
from goalplan_web.app import create_app
from tests.plugins.web.conftest import USERS, Web, csrf

ROLES = (*USERS, "anonymous")
OK, MOVED, FORBIDDEN = 200, 303, 403
# Who reads which plan: ruiz owns "own", jensen owns "other", chen supervises ruiz, audit reads all.
READERS = {"own": {"ruiz", "chen", "audit"}, "other": {"jensen", "audit"}}
WRITERS = {"own": {"ruiz"}, "other": {"jensen"}}
SIGNERS = {"own": {"ruiz", "chen"}, "other": {"jensen"}}  # chen co-signs the plans he supervises


def expected_read(role: str, which: str) -> int:
    if role == "anonymous":
        return MOVED
    return OK if role in READERS[which] else FORBIDDEN


def expected_write(role: str, which: str, kind: str) -> int:
    if role == "anonymous":
        return MOVED
    allowed = SIGNERS if kind == "sign" else WRITERS
    return MOVED if role in allowed[which] else FORBIDDEN


def client_for(web: Web, role: str):  # type: ignore[no-untyped-def]
    return web.client() if role == "anonymous" else web.signed_in(role)


def ids(web: Web, which: str) -> tuple[str, str]:
    return (web.own_plan, web.own_goal) if which == "own" else (web.other_plan, web.other_goal)


def version(web: Web, plan_id: str) -> int:
    with goalplan.open(web.db) as gp:
        return gp.plan(plan_id).state.version


@pytest.mark.parametrize("role", ROLES)
def test_pages_without_a_plan(web: Web, role: str) -> None:
    client = client_for(web, role)
    expected = {
        "/caseload": OK if role in ("ruiz", "jensen", "chen", "audit") else FORBIDDEN,
        "/audit": OK if role == "audit" else FORBIDDEN,
        "/accounts": OK if role == "admin" else FORBIDDEN,
        "/accounts/ruiz": OK if role == "admin" else FORBIDDEN,
        "/analytics": OK if role in ("ruiz", "jensen", "chen") else FORBIDDEN,
        "/feed": OK if role in ("ruiz", "jensen", "chen", "audit") else FORBIDDEN,
    }
    for path, status in expected.items():
        if role == "anonymous":
            status = MOVED
        response = client.get(path)
        assert response.status_code == status, (role, path)
        if status == MOVED:
            assert response.headers["location"] == "/"


@pytest.mark.parametrize("which", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_reading_a_plan(web: Web, role: str, which: str) -> None:
    client = client_for(web, role)
    plan_id, goal_id = ids(web, which)
    for path in (f"/plans/{plan_id}", f"/plans/{plan_id}/goals/{goal_id}", f"/plans/{plan_id}/download/csv"):
        assert client.get(path).status_code == expected_read(role, which), (role, which, path)


@pytest.mark.parametrize("which", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_writing_a_plan(web: Web, role: str, which: str) -> None:
    client = client_for(web, role)
    plan_id, goal_id = ids(web, which)
    token = csrf(client)
    with goalplan.open(web.db) as gp:
        entry = gp.plan(plan_id).state.goals[goal_id].progress[-1].event_id
    goal = f"/plans/{plan_id}/goals/{goal_id}"
    forms = {
        "progress": (f"{goal}/progress", {"value": "1", "on": "", "note": "by web"}),
        "revise": (
            f"{goal}/revise",
            {"statement": "I will take the bus every weekday.", "reason": "own words"},
        ),
        "correct": (f"{goal}/correct", {"event_id": entry, "reason": "wrong goal"}),
        "review": (f"/plans/{plan_id}/review", {"held": "2026-05-02", "summary": "ok", "next": "2026-07-01"}),
        "sign": (f"/plans/{plan_id}/sign", {"role": "clinician", "name": "Signer", "on": "2026-05-02"}),
    }
    for kind, (path, form) in forms.items():
        before = version(web, plan_id)
        response = client.post(path, data={**form, "version": str(before), "csrftoken": token})
        assert response.status_code == expected_write(role, which, kind), (
            role,
            which,
            kind,
            response.text[-300:],
        )
        written = version(web, plan_id) - before
        assert written == (1 if expected_write(role, which, kind) == MOVED and role != "anonymous" else 0), (
            role,
            which,
            kind,
        )


def test_an_unknown_plan_goal_or_download_is_404_for_a_reader(web: Web) -> None:
    client = web.signed_in("audit")
    assert client.get("/plans/NOSUCHPLAN0000").status_code == 404
    assert client.get(f"/plans/{web.own_plan}/goals/NOSUCHGOAL").status_code == 404
    assert client.get(f"/plans/{web.own_plan}/download/docx").status_code == 404


def test_the_caseload_lists_exactly_the_plans_a_role_may_read(web: Web) -> None:
    seen = {
        role: {
            p
            for p in (web.own_plan, web.other_plan)
            if f"/plans/{p}" in web.signed_in(role).get("/caseload").text
        }
        for role in ("ruiz", "jensen", "chen", "audit")
    }
    assert seen == {
        "ruiz": {web.own_plan},
        "jensen": {web.other_plan},
        "chen": {web.own_plan},
        "audit": {web.own_plan, web.other_plan},
    }


@pytest.mark.parametrize("role", ROLES)
def test_managing_accounts(web: Web, role: str) -> None:
    """Only the admin changes accounts; a refused change leaves the account log as it was."""
    client = client_for(web, role)
    token = csrf(client)
    forms = {
        "/accounts/new": ({"name": "newbie", "role": "auditor"}, OK),
        "/accounts/jensen/role": ({"role": "auditor", "reason": "moved"}, MOVED),
        "/accounts/jensen/reset": ({"reason": "forgot"}, OK),
        "/accounts/jensen/disable": ({"reason": "left"}, MOVED),
        "/accounts/jensen/enable": ({"reason": "back"}, OK),
    }
    for path, (form, allowed) in forms.items():
        before = len(web.accounts.entries())
        response = client.post(path, data={**form, "csrftoken": token})
        expected = MOVED if role == "anonymous" else allowed if role == "admin" else FORBIDDEN
        assert response.status_code == expected, (role, path)
        assert len(web.accounts.entries()) - before == (1 if role == "admin" else 0), (role, path)


@pytest.mark.parametrize("role", ROLES)
def test_managing_ones_own_calendar_feed(web: Web, role: str) -> None:
    client = client_for(web, role)
    token = csrf(client)
    for path in ("/feed/new", "/feed/revoke"):
        response = client.post(path, data={"csrftoken": token})
        expected = (
            MOVED if role == "anonymous" else OK if role in ("ruiz", "jensen", "chen", "audit") else FORBIDDEN
        )
        assert response.status_code == expected, (role, path)


@pytest.mark.parametrize("role", ROLES)
def test_secret_urls_answer_by_their_token_alone(web: Web, role: str) -> None:
    """A feed or one-time link works with its token whoever asks, and is 404 without a valid one."""
    client = client_for(web, role)
    feed = web.accounts.new_feed_token("jensen")
    link = web.accounts.reset_password("ruiz", actor="admin", reason="forgot")
    assert client.get(f"/feed/{feed}.ics").status_code == OK, role
    assert client.get(f"/welcome/{link}").status_code == OK, role
    assert client.get("/feed/" + "x" * 43 + ".ics").status_code == 404, role
    assert client.get("/welcome/" + "x" * 43).status_code == 404, role


# Every route the app serves, and the test above that checks it for every role. Public routes
# (sign-in, sign-out, setup, static files) are checked in test_web_behaviour.py.
MATRIX = {
    "/": "public",
    "/signout": "public",
    "/setup": "public",
    "/static": "public",
    "/caseload": "test_pages_without_a_plan",
    "/audit": "test_pages_without_a_plan",
    "/accounts": "test_pages_without_a_plan",
    "/accounts/{name}": "test_pages_without_a_plan",
    "/analytics": "test_pages_without_a_plan",
    "/feed": "test_pages_without_a_plan",
    "/plans/{plan_id}": "test_reading_a_plan",
    "/plans/{plan_id}/goals/{goal_id}": "test_reading_a_plan",
    "/plans/{plan_id}/download/{format}": "test_reading_a_plan",
    "/plans/{plan_id}/goals/{goal_id}/progress": "test_writing_a_plan",
    "/plans/{plan_id}/goals/{goal_id}/revise": "test_writing_a_plan",
    "/plans/{plan_id}/goals/{goal_id}/correct": "test_writing_a_plan",
    "/plans/{plan_id}/review": "test_writing_a_plan",
    "/plans/{plan_id}/sign": "test_writing_a_plan",
    "/accounts/new": "test_managing_accounts",
    "/accounts/{name}/role": "test_managing_accounts",
    "/accounts/{name}/reset": "test_managing_accounts",
    "/accounts/{name}/disable": "test_managing_accounts",
    "/accounts/{name}/enable": "test_managing_accounts",
    "/feed/new": "test_managing_ones_own_calendar_feed",
    "/feed/revoke": "test_managing_ones_own_calendar_feed",
    "/feed/{token}.ics": "test_secret_urls_answer_by_their_token_alone",
    "/welcome/{token}": "test_secret_urls_answer_by_their_token_alone",
    "/caseload/new-plan": "test_the_record_forms",
    "/plans/{plan_id}/new-goal": "test_the_record_forms",
    "/plans/{plan_id}/goals/{goal_id}/new-step": "test_the_record_forms",
    "/plans/{plan_id}/goals/{goal_id}/steps/{step_id}/done": "test_the_record_forms",
    "/plans/{plan_id}/goals/{goal_id}/status": "test_the_record_forms",
    "/plans/{plan_id}/new-intervention": "test_the_record_forms",
    "/plans/{plan_id}/new-diagnosis": "test_the_record_forms",
    "/plans/{plan_id}/diagnoses/{code}/resolve": "test_the_record_forms",
    "/plans/{plan_id}/focus-areas": "test_the_record_forms",
    "/plans/{plan_id}/focus-areas/{focus_id}/problem": "test_the_record_forms",
    "/plans/{plan_id}/client": "test_the_record_forms",
    "/plans/{plan_id}/details": "test_the_record_forms",
    "/plans/{plan_id}/close": "test_the_record_forms",
    "/plans/{plan_id}/scores": "test_the_record_forms",
    "/plans/{plan_id}/goals/{goal_id}/gas-scale": "test_the_record_forms",
    "/plans/{plan_id}/goals/{goal_id}/gas-score": "test_the_record_forms",
    "/plans/{plan_id}/safety-review": "test_the_record_forms",
    "/plans/{plan_id}/copies-given": "test_the_record_forms",
}


def test_every_route_is_in_the_matrix(web: Web) -> None:
    """A route added to the app without a row here (and a test for every role) fails this test."""
    from goalplan_web.app import create_app

    served = {route.path for route in create_app(web.settings).routes}  # type: ignore[attr-defined]
    assert served == set(MATRIX), f"routes missing from the matrix: {sorted(served - set(MATRIX))}"
    assert {name for name in MATRIX.values() if name != "public"} <= set(globals())


# The record's forms as data: each route and method, each role, own and another clinician's plan.


@dataclass(frozen=True)
class Row:
    """Who gets through: ``read``/``write``/``sign`` follow the plan's owner; ``roles`` fixes them."""

    rule: str
    form: Callable[[Web, str, str], dict[str, str]] | None = None
    roles: frozenset[str] = frozenset()


def _entry(web: Web, plan_id: str, goal_id: str) -> str:
    with goalplan.open(web.db) as gp:
        progress = gp.plan(plan_id).state.goals[goal_id].progress
    return progress[-1].event_id if progress else "no-entry-left"  # refused before it is looked up


CLINICIANS = frozenset({"ruiz", "jensen"})
GOAL = "/plans/{plan_id}/goals/{goal_id}"
FORM_ROWS: dict[tuple[str, str], Row] = {
    ("GET", "/caseload/new-plan"): Row("roles", roles=CLINICIANS),
    ("POST", "/caseload/new-plan"): Row(
        "roles", lambda w, p, g: {"client": "Noor Haddad", "review_every": "90"}, CLINICIANS
    ),
    ("GET", "/plans/{plan_id}/new-goal"): Row("write"),
    ("POST", "/plans/{plan_id}/new-goal"): Row(
        "write", lambda w, p, g: {"statement": "I will call a friend every Sunday.", "term": "short"}
    ),
    ("GET", f"{GOAL}/new-step"): Row("write"),
    ("POST", f"{GOAL}/new-step"): Row("write", lambda w, p, g: {"text": "Write down three names", "by": ""}),
    ("GET", f"{GOAL}/steps/{{step_id}}/done"): Row("write"),
    ("POST", f"{GOAL}/steps/{{step_id}}/done"): Row("write", lambda w, p, g: {"on": "2026-05-02"}),
    ("GET", f"{GOAL}/status"): Row("write"),
    ("POST", f"{GOAL}/status"): Row("write", lambda w, p, g: {"status": "on-hold", "reason": "travelling"}),
    ("GET", "/plans/{plan_id}/new-intervention"): Row("write"),
    ("POST", "/plans/{plan_id}/new-intervention"): Row(
        "write", lambda w, p, g: {"modality": "CBT", "description": "Exposure", "frequency": "weekly"}
    ),
    ("GET", "/plans/{plan_id}/new-diagnosis"): Row("write"),
    ("POST", "/plans/{plan_id}/new-diagnosis"): Row("write", lambda w, p, g: {"code": "F41.1"}),
    ("GET", "/plans/{plan_id}/diagnoses/{code}/resolve"): Row("write"),
    ("POST", "/plans/{plan_id}/diagnoses/{code}/resolve"): Row(
        "write", lambda w, p, g: {"reason": "remitted"}
    ),
    ("GET", "/plans/{plan_id}/focus-areas"): Row("write"),
    ("POST", "/plans/{plan_id}/focus-areas"): Row("write", lambda w, p, g: {"title": "Sleep"}),
    ("GET", "/plans/{plan_id}/focus-areas/{focus_id}/problem"): Row("write"),
    ("POST", "/plans/{plan_id}/focus-areas/{focus_id}/problem"): Row(
        "write", lambda w, p, g: {"problem": "Wakes at 4 and cannot sleep again."}
    ),
    ("GET", "/plans/{plan_id}/client"): Row("write"),
    ("POST", "/plans/{plan_id}/client"): Row(
        "write", lambda w, p, g: _client_form(w, p, pronouns="they/them")
    ),
    ("GET", "/plans/{plan_id}/details"): Row("write"),
    ("POST", "/plans/{plan_id}/details"): Row("write", lambda w, p, g: {"strengths": "Curious, persistent"}),
    ("GET", "/plans/{plan_id}/close"): Row("write"),
    ("POST", "/plans/{plan_id}/close"): Row("write", lambda w, p, g: {"reason": "Discharge criteria met."}),
    ("GET", "/plans/{plan_id}/scores"): Row("write"),
    ("POST", "/plans/{plan_id}/scores"): Row("write", lambda w, p, g: {"instrument": "gad7", "total": "9"}),
    ("GET", f"{GOAL}/gas-scale"): Row("write"),
    ("POST", f"{GOAL}/gas-scale"): Row(
        "write",
        lambda w, p, g: {
            "minus2": "No outings",
            "minus1": "One outing",
            "expected": "Two outings a month",
            "plus1": "Three outings",
            "plus2": "Four or more outings",
        },
    ),
    ("GET", f"{GOAL}/gas-score"): Row("write"),
    ("POST", f"{GOAL}/gas-score"): Row("write", lambda w, p, g: {"level": "+1"}),
    ("GET", "/plans/{plan_id}/safety-review"): Row("write"),
    ("POST", "/plans/{plan_id}/safety-review"): Row(
        "write", lambda w, p, g: {"reason": "Safety plan agreed; crisis numbers given."}
    ),
    ("GET", "/plans/{plan_id}/copies-given"): Row("write"),
    ("POST", "/plans/{plan_id}/copies-given"): Row("write", lambda w, p, g: {"to": "The client"}),
}


def _client_form(web: Web, plan_id: str, **changed: str) -> dict[str, str]:
    with goalplan.open(web.db) as gp:
        state = gp.plan(plan_id).state
    return {"name": state.client_name, "reason": "asked by the client", **changed}


def test_every_record_form_route_has_a_row_for_each_method(web: Web) -> None:
    served = {
        (method, route.path)
        for route in create_app(web.settings).routes
        if isinstance(route, Route) and MATRIX.get(route.path) == "test_the_record_forms"
        for method in route.methods or ()
        if method != "HEAD"
    }
    assert served == set(FORM_ROWS)


def expected(row: Row, role: str, which: str, method: str) -> int:
    if role == "anonymous":
        return MOVED
    if row.rule == "roles":
        allowed = role in row.roles
    elif row.rule == "read":
        allowed = role in READERS[which]
    else:
        allowed = role in (SIGNERS if row.rule == "sign" else WRITERS)[which]
    if not allowed:
        return FORBIDDEN
    return MOVED if method == "POST" else OK


def prepare(web: Web) -> dict[str, dict[str, str]]:
    """Each plan's ids for the path, with a step to mark done and a diagnosis to resolve."""
    params = {}
    with goalplan.open(web.db, actor="seed") as gp:
        for which, (plan_id, goal_id) in (("own", ids(web, "own")), ("other", ids(web, "other"))):
            plan = gp.plan(plan_id)
            step_id = plan.add_step(goal_id, "Name one trigger")
            plan.add_diagnosis("F41.0")
            focus_id = plan.add_focus("Worry")
            plan.set_gas_scale(goal_id, ["none", "one", "two", "three", "four"])
            plan.record_score("phq9", 9, items=[1, 1, 1, 1, 1, 1, 1, 1, 1], on=date(2026, 2, 2))
            params[which] = {
                "plan_id": plan_id,
                "goal_id": goal_id,
                "step_id": step_id,
                "code": "F41.0",
                "focus_id": focus_id,
                "format": "csv",
            }
    return params


def plan_count(web: Web) -> int:
    with goalplan.open(web.db) as gp:
        return len(gp.plans())


@pytest.mark.parametrize(("method", "path"), sorted(FORM_ROWS))
def test_the_record_forms(web: Web, method: str, path: str) -> None:
    row = FORM_ROWS[(method, path)]
    params = prepare(web)
    for role in ROLES:
        client = client_for(web, role)
        token = csrf(client)
        for which in ("own", "other"):
            url = path.format(**params[which])
            status = expected(row, role, which, method)
            if method == "GET":
                response = client.get(url)
                assert response.status_code == status, (role, which, url)
                continue
            plan_id, goal_id = params[which]["plan_id"], params[which]["goal_id"]
            before = (version(web, plan_id), plan_count(web))
            form = row.form(web, plan_id, goal_id) if row.form else {}
            response = client.post(url, data={**form, "version": str(before[0]), "csrftoken": token})
            assert response.status_code == status, (role, which, url, response.text[-400:])
            after = (version(web, plan_id), plan_count(web))
            wrote = after != before
            assert wrote == (status == MOVED and role != "anonymous"), (role, which, url)
            if row.rule == "roles" and wrote:
                break  # opening a plan does not depend on whose plan is shown: once per role
