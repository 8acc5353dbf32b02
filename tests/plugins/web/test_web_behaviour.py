"""Sign-in, sessions, CSRF, headers, forms, conflicts, downloads and first-run setup."""

from __future__ import annotations

import re

import pytest

import goalplan
from tests.plugins.web.conftest import PASSWORD, Web, csrf, write_meanwhile


def plan_version(web: Web, plan_id: str) -> int:
    with goalplan.open(web.db) as gp:
        return gp.plan(plan_id).state.version


def goal_path(web: Web) -> str:
    return f"/plans/{web.own_plan}/goals/{web.own_goal}"


def test_sign_in_page_is_served_at_root_and_a_wrong_password_is_refused(web: Web) -> None:
    client = web.client()
    page = client.get("/")
    assert page.status_code == 200 and 'name="password"' in page.text
    wrong = client.post("/", data={"name": "ruiz", "password": "nope nope nope", "csrftoken": csrf(client)})
    assert wrong.status_code == 401 and "Wrong user name or password." in wrong.text
    assert client.get("/caseload").status_code == 303


def test_session_cookie_is_httponly_and_lax_and_secure_only_over_https(web: Web) -> None:
    client = web.client()
    response = client.post("/", data={"name": "ruiz", "password": PASSWORD, "csrftoken": csrf(client)})
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("goalplan_session="))
    assert (
        "httponly" in cookie.lower() and "samesite=lax" in cookie.lower() and "secure" not in cookie.lower()
    )
    web.settings.https = True
    secure = web.client()
    secure.base_url = "https://127.0.0.1"  # type: ignore[misc]
    response = secure.post("/", data={"name": "ruiz", "password": PASSWORD, "csrftoken": csrf(secure)})
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("goalplan_session="))
    assert "secure" in cookie.lower()
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_a_form_without_its_csrf_token_is_refused_and_nothing_is_written(web: Web) -> None:
    client = web.signed_in("ruiz")
    before = plan_version(web, web.own_plan)
    response = client.post(f"{goal_path(web)}/progress", data={"value": "1", "version": str(before)})
    assert response.status_code == 403
    forged = client.post(
        f"{goal_path(web)}/progress", data={"value": "1", "version": str(before), "csrftoken": "forged"}
    )
    assert forged.status_code == 403
    assert plan_version(web, web.own_plan) == before
    anonymous = web.client()
    assert anonymous.post("/", data={"name": "ruiz", "password": PASSWORD}).status_code == 403


def test_a_cross_site_post_to_a_one_time_link_is_refused_and_the_link_still_works(web: Web) -> None:
    """A page on another site can make a browser with no cookie for this one post to a link."""
    token = web.accounts.reset_password("ruiz", actor="admin", reason="forgot")
    cross_site = web.client()  # no cookie, no token: what another site's form sends
    chosen = {"password": "chosen by someone else", "password2": "chosen by someone else"}
    response = cross_site.post(f"/welcome/{token}", data=chosen)
    assert response.status_code == 403
    assert web.accounts.setup_link_account(token) is not None  # not used up
    assert web.accounts.authenticate("ruiz", chosen["password"]) is None
    owner = web.client()
    sent = owner.post(f"/welcome/{token}", data={**chosen, "csrftoken": csrf(owner, f"/welcome/{token}")})
    assert sent.status_code == 303


def test_every_post_route_refuses_a_request_without_cookie_or_token(web: Web) -> None:
    from starlette.routing import Route

    from goalplan_web.app import create_app

    routes = create_app(web.settings).routes
    posts = [r.path for r in routes if isinstance(r, Route) and "POST" in (r.methods or ())]
    assert "/welcome/{token}" in posts and len(posts) > 20
    for path in posts:
        url = re.sub(r"{(\w+)}", "x", path)
        assert web.client().post(url, data={"name": "ruiz"}).status_code == 403, path


@pytest.mark.parametrize("role", ["ruiz", "audit", "admin"])
def test_every_page_has_the_security_headers_and_no_inline_script_or_style(web: Web, role: str) -> None:
    client = web.signed_in(role)
    paths = ["/", "/caseload", f"/plans/{web.own_plan}", goal_path(web), "/audit", "/accounts", "/nowhere"]
    for path in paths:
        response = client.get(path, follow_redirects=True)
        headers = response.headers
        assert headers["content-security-policy"] == (
            "default-src 'self'; img-src 'self' data:; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        )
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"
        assert (
            "<script" not in response.text and "style=" not in response.text and "<style" not in response.text
        )
    assert "no-store" not in client.get("/static/style.css").headers.get("cache-control", "")


def test_failed_sign_ins_are_rate_limited_per_user_name(web: Web) -> None:
    client = web.client()
    token = csrf(client)
    for _ in range(5):
        assert (
            client.post(
                "/", data={"name": "ruiz", "password": "wrong password!", "csrftoken": token}
            ).status_code
            == 401
        )
    blocked = client.post("/", data={"name": "ruiz", "password": PASSWORD, "csrftoken": token})
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text
    assert (
        client.post("/", data={"name": "jensen", "password": PASSWORD, "csrftoken": token}).status_code == 303
    )


def test_an_idle_session_is_signed_out(web: Web) -> None:
    client = web.signed_in("ruiz")
    web.clock.now += 29 * 60
    assert client.get("/caseload").status_code == 200  # activity renews the session
    web.clock.now += 29 * 60
    assert client.get("/caseload").status_code == 200
    web.clock.now += 31 * 60
    assert client.get("/caseload").status_code == 303
    web.clock.now += 1
    assert client.get("/caseload").status_code == 303  # the session was cleared, not only refused


def test_a_disabled_account_loses_its_session_at_once(web: Web) -> None:
    client = web.signed_in("ruiz")
    web.accounts.disable("ruiz", actor="admin", reason="left")
    assert client.get("/caseload").status_code == 303


def test_sign_out_ends_the_session(web: Web) -> None:
    client = web.signed_in("ruiz")
    assert client.post("/signout", data={"csrftoken": csrf(client)}).status_code == 303
    assert client.get("/caseload").status_code == 303


def test_recorded_progress_names_the_signed_in_user_and_shows_in_the_history(web: Web) -> None:
    client = web.signed_in("ruiz")
    page = client.get(goal_path(web))
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    done = client.post(
        f"{goal_path(web)}/progress",
        data={
            "value": "0.5",
            "on": "2026-03-30",
            "note": "No attacks this week.",
            "version": version,
            "csrftoken": csrf(client),
        },
    )
    assert done.status_code == 303 and done.headers["location"] == goal_path(web)
    revised = client.post(
        f"{goal_path(web)}/revise",
        data={
            "statement": "I will ride the bus and the train with no panic attack.",
            "reason": "Target met early",
            "version": str(int(version) + 1),
            "csrftoken": csrf(client),
        },
    )
    assert revised.status_code == 303
    with goalplan.open(web.db) as gp:
        plan = gp.plan(web.own_plan)
        last = plan.log().records[-2:]
        assert [r.actor for r in last] == ["ruiz", "ruiz"]
        assert plan.state.goals[web.own_goal].progress[-1].value == 0.5
    history = client.get(goal_path(web)).text
    assert (
        "Target met early" in history and "I will ride the bus and the train with no panic attack." in history
    )
    assert "No attacks this week." in history


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"value": "lots"}, "value", "Give a number, such as 2 or 1.5."),
        ({"value": "nan"}, "value", "Give a finite number."),
        ({"value": "1", "on": "2026-02-30"}, "on", "Give a real date as YYYY-MM-DD"),
    ],
)
def test_bad_progress_is_shown_next_to_its_field_and_nothing_is_written(
    web: Web, form: dict[str, str], field: str, message: str
) -> None:
    client = web.signed_in("ruiz")
    before = plan_version(web, web.own_plan)
    response = client.post(
        f"{goal_path(web)}/progress",
        data={"note": "kept note", **form, "version": str(before), "csrftoken": csrf(client)},
    )
    assert response.status_code == 400
    assert re.search(rf'<p class="error" id="{field}-error">{re.escape(message)}', response.text)
    assert "kept note" in response.text  # what was typed is kept
    assert plan_version(web, web.own_plan) == before


def test_a_revision_without_a_reason_is_refused_next_to_the_reason_field(web: Web) -> None:
    client = web.signed_in("ruiz")
    before = plan_version(web, web.own_plan)
    response = client.post(
        f"{goal_path(web)}/revise",
        data={
            "statement": "A new statement typed",
            "reason": " ",
            "version": str(before),
            "csrftoken": csrf(client),
        },
    )
    assert response.status_code == 400 and 'id="reason-error"' in response.text
    assert "A new statement typed" in response.text
    assert plan_version(web, web.own_plan) == before


def test_a_concurrent_change_is_shown_and_what_the_user_typed_is_kept(web: Web) -> None:
    client = web.signed_in("ruiz")
    seen = plan_version(web, web.own_plan)
    with goalplan.open(web.db, actor="colleague") as gp:
        gp.plan(web.own_plan).revise_goal(
            web.own_goal, statement="Changed elsewhere first", reason="other tab"
        )
    response = client.post(
        f"{goal_path(web)}/revise",
        data={
            "statement": "My own wording",
            "reason": "my reason",
            "version": str(seen),
            "csrftoken": csrf(client),
        },
    )
    assert response.status_code == 409
    assert "The plan changed while you were editing" in response.text
    assert (
        "Changed elsewhere first" in response.text
        and "colleague" in response.text
        and "other tab" in response.text
    )
    assert "My own wording" in response.text and "my reason" in response.text
    assert plan_version(web, web.own_plan) == seen + 1  # only the colleague's change
    assert f'name="version" value="{seen + 1}"' in response.text  # submitting again is now possible


@pytest.mark.parametrize(
    ("where", "form"),
    [
        ("goal/progress", {"value": "2", "note": "typed note"}),
        ("goal/revise", {"statement": "typed statement", "reason": "typed reason"}),
        ("plan/review", {"held": "2026-05-02", "summary": "typed summary"}),
    ],
)
def test_a_write_landing_after_the_pages_check_is_a_conflict_not_absorbed(
    web: Web, monkeypatch: pytest.MonkeyPatch, where: str, form: dict[str, str]
) -> None:
    client = web.signed_in("ruiz")
    page, kind = where.split("/")
    path = f"{goal_path(web) if page == 'goal' else f'/plans/{web.own_plan}'}/{kind}"
    seen = plan_version(web, web.own_plan)
    write_meanwhile(monkeypatch, web, web.own_plan)
    response = client.post(path, data={**form, "version": str(seen), "csrftoken": csrf(client)})
    assert response.status_code == 409
    assert "The plan changed while you were editing" in response.text and "other.tab" in response.text
    assert all(value in response.text for value in form.values())
    assert plan_version(web, web.own_plan) == seen + 1  # only the other tab's change


def test_pdf_and_csv_downloads_come_from_the_exporters(web: Web) -> None:
    client = web.signed_in("chen")
    pdf = client.get(f"/plans/{web.own_plan}/download/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]
    with goalplan.open(web.db) as gp:
        expected = goalplan.render_export(gp.plan(web.own_plan).log(), "csv").data
    assert client.get(f"/plans/{web.own_plan}/download/csv").content == expected


def test_no_client_name_appears_in_any_link(web: Web) -> None:
    client = web.signed_in("audit")
    for path in ("/caseload", f"/plans/{web.own_plan}", goal_path(web), "/audit"):
        links = re.findall(r'(?:href|action)="([^"]*)"', client.get(path).text)
        assert links and all(re.fullmatch(r"/[A-Za-z0-9/._-]*", link) for link in links), links


def test_the_audit_page_shows_the_report(web: Web) -> None:
    page = web.signed_in("audit").get("/audit")
    assert page.status_code == 200 and "Audit report" in page.text
    assert "audit.missing-element" in page.text


def test_the_accounts_page_shows_the_account_log_without_clinical_content(web: Web) -> None:
    page = web.signed_in("admin").get("/accounts").text
    assert "ruiz" in page and "created" in page
    assert "Amara" not in page and "panic" not in page


def test_first_run_setup_creates_the_admin_once_with_the_token(web: Web, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from goalplan_web.account_store import AccountStore

    web.settings.accounts = AccountStore(tmp_path / "fresh.db", hasher=web.accounts.hasher)
    web.settings.setup_token = "the-token"
    client = web.client()
    assert client.get("/setup?token=wrong").status_code == 404
    form = client.get("/setup?token=the-token")
    assert form.status_code == 200
    token = re.search(r'name="csrftoken" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    data = {
        "token": "the-token",
        "name": "boss",
        "password": PASSWORD,
        "password2": PASSWORD + "x",
        "csrftoken": token,
    }
    differ = client.post("/setup", data=data)
    assert differ.status_code == 400 and "The two passwords differ." in differ.text
    assert client.post("/setup", data={**data, "password2": PASSWORD}).status_code == 303
    assert [(a.name, a.role) for a in web.settings.accounts.accounts().values()] == [("boss", "admin")]
    assert client.get("/setup?token=the-token").status_code == 404
    assert web.signed_in("boss").get("/accounts").status_code == 200
    web.settings.accounts.close()


def test_a_review_is_recorded_and_a_bad_date_is_shown_next_to_its_field(web: Web) -> None:
    client = web.signed_in("ruiz")
    path = f"/plans/{web.own_plan}/review"
    before = plan_version(web, web.own_plan)
    bad = client.post(
        path,
        data={
            "held": "yesterday",
            "summary": "kept summary",
            "version": str(before),
            "csrftoken": csrf(client),
        },
    )
    assert bad.status_code == 400 and 'id="held-error"' in bad.text and "kept summary" in bad.text
    assert plan_version(web, web.own_plan) == before
    done = client.post(
        path,
        data={
            "held": "2026-05-02",
            "summary": "Fewer attacks",
            "next": "2026-07-01",
            "version": str(before),
            "csrftoken": csrf(client),
        },
    )
    assert done.status_code == 303
    with goalplan.open(web.db) as gp:
        plan = gp.plan(web.own_plan)
        assert str(plan.state.next_review_on) == "2026-07-01"
        assert plan.log().records[-1].actor == "ruiz"


def test_a_supervisor_co_signs_the_version_shown(web: Web) -> None:
    client = web.signed_in("chen")
    page = client.get(f"/plans/{web.own_plan}")
    assert "Co-sign as supervisor" in page.text and 'name="role"' not in page.text
    before = plan_version(web, web.own_plan)
    done = client.post(
        f"/plans/{web.own_plan}/sign",
        data={
            "name": "Dr. Wei Chen",
            "credentials": "PhD",
            "version": str(before),
            "csrftoken": csrf(client),
        },
    )
    assert done.status_code == 303
    with goalplan.open(web.db) as gp:
        plan = gp.plan(web.own_plan)
        signature = plan.state.signatures[-1]
        assert (signature.role, signature.name, signature.signed_version) == (
            "supervisor",
            "Dr. Wei Chen",
            before,
        )
        assert goalplan.is_current(plan.state, signature)
        assert plan.log().records[-1].actor == "chen"


def test_a_clinician_cannot_record_a_supervisor_signature(web: Web) -> None:
    client = web.signed_in("ruiz")
    before = plan_version(web, web.own_plan)
    refused = client.post(
        f"/plans/{web.own_plan}/sign",
        data={"role": "supervisor", "name": "Someone", "version": str(before), "csrftoken": csrf(client)},
    )
    assert refused.status_code == 400 and 'id="role-error"' in refused.text
    assert plan_version(web, web.own_plan) == before


def test_a_signature_on_a_materially_changed_plan_is_refused(web: Web) -> None:
    client = web.signed_in("ruiz")
    seen = plan_version(web, web.own_plan)
    with goalplan.open(web.db, actor="colleague") as gp:
        gp.plan(web.own_plan).revise_goal(
            web.own_goal, statement="Changed after the page was shown", reason="x"
        )
    refused = client.post(
        f"/plans/{web.own_plan}/sign",
        data={"role": "client", "name": "Amara Lindqvist", "version": str(seen), "csrftoken": csrf(client)},
    )
    assert refused.status_code == 400 and 'id="version-error"' in refused.text
    assert plan_version(web, web.own_plan) == seen + 1


def test_an_entry_is_corrected_with_a_reason_and_not_without(web: Web) -> None:
    client = web.signed_in("ruiz")
    with goalplan.open(web.db) as gp:
        entry = gp.plan(web.own_plan).state.goals[web.own_goal].progress[-1].event_id
    before = plan_version(web, web.own_plan)
    path = f"{goal_path(web)}/correct"
    bad = client.post(
        path, data={"event_id": entry, "reason": "", "version": str(before), "csrftoken": csrf(client)}
    )
    assert bad.status_code == 400 and 'id="correct-reason-error"' in bad.text
    assert plan_version(web, web.own_plan) == before
    done = client.post(
        path,
        data={
            "event_id": entry,
            "reason": "Recorded on the wrong goal",
            "version": str(before),
            "csrftoken": csrf(client),
        },
    )
    assert done.status_code == 303
    assert "Recorded on the wrong goal" in client.get(goal_path(web)).text
