"""Account management in the browser: add, change role, disable, reset, one-time links."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from goalplan_web.accounts import AccountError
from tests.plugins.web.conftest import PASSWORD, RUIZ, Web, csrf

NEW_PASSWORD = "a brand new passphrase"


def one_time_link(page: str) -> str:
    found = re.search(r'<code class="secret">http://127\.0\.0\.1(/welcome/[A-Za-z0-9_-]+)</code>', page)
    assert found, page
    return found.group(1)


def set_password(client: TestClient, path: str, password: str = NEW_PASSWORD) -> int:
    token = csrf(client, path)
    return client.post(
        path, data={"password": password, "password2": password, "csrftoken": token}
    ).status_code


def sign_in(web: Web, name: str, password: str) -> int:
    client = web.client()
    return client.post("/", data={"name": name, "password": password, "csrftoken": csrf(client)}).status_code


def test_an_admin_adds_a_supervisor_who_sets_their_own_password_through_a_one_time_link(web: Web) -> None:
    admin = web.signed_in("admin")
    form = {
        "name": "k.osei",
        "role": "supervisor",
        "clinician_name": "ignored for a supervisor",
        "supervises": f"{RUIZ}\nMaria Jensen\n",
        "reason": "new team lead",
        "csrftoken": csrf(admin, "/accounts"),
    }
    page = admin.post("/accounts/new", data=form)
    assert page.status_code == 200 and "shown only now" in page.text
    link = one_time_link(page.text)
    account = web.accounts.account("k.osei")
    assert account is not None and account.role == "supervisor"
    assert account.supervises == (RUIZ, "Maria Jensen") and account.clinician_name == ""
    created = web.accounts.entries()[-1]
    assert (created.actor, created.kind, created.name, created.detail["reason"]) == (
        "admin",
        "created",
        "k.osei",
        "new team lead",
    )
    assert sign_in(web, "k.osei", NEW_PASSWORD) == 401  # no password until the owner sets one
    newcomer = web.client()
    assert newcomer.get(link).status_code == 200
    assert set_password(newcomer, link, "too short") == 400
    assert set_password(newcomer, link) == 303
    assert web.accounts.entries()[-1].kind == "password_set"
    assert web.accounts.entries()[-1].actor == "k.osei"
    assert sign_in(web, "k.osei", NEW_PASSWORD) == 303
    assert web.client().get(link).status_code == 404  # used once
    assert token_not_stored(web, link.rsplit("/", 1)[1])


def token_not_stored(web: Web, token: str) -> bool:
    return token.encode() not in web.accounts.path.read_bytes()


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"name": "bad name!", "role": "auditor"}, "name", "is not a user name"),
        ({"name": "ruiz", "role": "auditor"}, "name", "there is already an account"),
        ({"name": "newbie", "role": "owner"}, "role", "is not a role"),
        ({"name": "newbie", "role": "clinician"}, "clinician_name", "a clinician needs"),
        ({"name": "newbie", "role": "supervisor", "supervises": " \n"}, "supervises", "a supervisor needs"),
    ],
)
def test_a_bad_new_account_is_shown_next_to_its_field_and_nothing_is_written(
    web: Web, form: dict[str, str], field: str, message: str
) -> None:
    admin = web.signed_in("admin")
    before = web.accounts.entries()
    page = admin.post("/accounts/new", data={**form, "csrftoken": csrf(admin, "/accounts")})
    assert page.status_code == 400
    shown = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page.text)
    assert shown and message in shown.group(1), page.text
    assert f'value="{form["name"]}"' in page.text.replace("&#39;", "'").replace("&amp;", "&")  # kept
    assert web.accounts.entries() == before


def test_an_admin_changes_a_role_and_the_change_applies_to_open_sessions(web: Web) -> None:
    chen = web.signed_in("chen")
    assert chen.get(f"/plans/{web.other_plan}").status_code == 403
    admin = web.signed_in("admin")
    token = csrf(admin, "/accounts/chen")
    missing = admin.post(
        "/accounts/chen/role", data={"role": "supervisor", "supervises": RUIZ, "csrftoken": token}
    )
    assert missing.status_code == 400 and 'id="reason-error"' in missing.text
    done = admin.post(
        "/accounts/chen/role",
        data={
            "role": "supervisor",
            "supervises": f"{RUIZ}\nMaria Jensen",
            "reason": "covers",
            "csrftoken": token,
        },
    )
    assert done.status_code == 303 and done.headers["location"] == "/accounts/chen"
    entry = web.accounts.entries()[-1]
    assert (entry.actor, entry.kind, entry.detail["from"], entry.detail["reason"]) == (
        "admin",
        "role_changed",
        "supervisor",
        "covers",
    )
    assert chen.get(f"/plans/{web.other_plan}").status_code == 200


def test_an_admin_disables_an_account_with_a_reason(web: Web) -> None:
    ruiz = web.signed_in("ruiz")
    admin = web.signed_in("admin")
    token = csrf(admin, "/accounts/ruiz")
    before = len(web.accounts.entries())
    refused = admin.post("/accounts/ruiz/disable", data={"reason": "  ", "csrftoken": token})
    assert refused.status_code == 400 and "give a reason" in refused.text
    assert len(web.accounts.entries()) == before
    assert (
        admin.post("/accounts/ruiz/disable", data={"reason": "left", "csrftoken": token}).status_code == 303
    )
    assert web.accounts.entries()[-1].actor == "admin"
    assert ruiz.get("/caseload").status_code == 303
    assert sign_in(web, "ruiz", PASSWORD) == 401


def test_an_admin_enables_a_disabled_account_again(web: Web) -> None:
    admin = web.signed_in("admin")
    token = csrf(admin, "/accounts/ruiz")
    active = admin.post("/accounts/ruiz/enable", data={"reason": "back", "csrftoken": token})
    assert active.status_code == 400 and "is not disabled" in active.text
    assert 'id="enable-form"' not in admin.get("/accounts/ruiz").text
    assert (
        admin.post("/accounts/ruiz/disable", data={"reason": "leave", "csrftoken": token}).status_code == 303
    )
    assert 'id="enable-form"' in admin.get("/accounts/ruiz").text
    assert sign_in(web, "ruiz", PASSWORD) == 401
    no_reason = admin.post("/accounts/ruiz/enable", data={"reason": "", "csrftoken": token})
    assert no_reason.status_code == 400 and 'id="reason-error"' in no_reason.text
    enabled = admin.post("/accounts/ruiz/enable", data={"reason": "back", "csrftoken": token})
    assert enabled.status_code == 200 and "Account ruiz enabled" in enabled.text
    entry = next(e for e in reversed(web.accounts.entries()) if e.kind == "enabled")
    assert (entry.actor, entry.kind, entry.name, entry.detail["reason"]) == (
        "admin",
        "enabled",
        "ruiz",
        "back",
    )
    assert sign_in(web, "ruiz", PASSWORD) == 401  # the password it had does not come back
    owner = web.client()
    assert set_password(owner, one_time_link(enabled.text)) == 303
    assert sign_in(web, "ruiz", PASSWORD) == 401
    assert sign_in(web, "ruiz", NEW_PASSWORD) == 303


def test_enabling_brings_back_no_session_feed_address_or_link_from_before(web: Web) -> None:
    """Whoever held the account before it was disabled gets nothing back when it is enabled."""
    before = web.signed_in("jensen")
    assert before.get("/caseload").status_code == 200
    feed = web.accounts.new_feed_token("jensen")
    old_link = web.accounts.reset_password("jensen", actor="admin", reason="forgot")
    web.accounts.disable("jensen", actor="admin", reason="laptop stolen")
    web.accounts.enable("jensen", actor="admin", reason="new laptop")
    assert before.get("/caseload").status_code == 303  # the session from before stays ended
    assert web.client().get(f"/feed/{feed}.ics").status_code == 404
    assert web.client().get(f"/welcome/{old_link}").status_code == 404
    assert [e.kind for e in web.accounts.entries()[-2:]] == ["enabled", "feed_revoked"]


def test_a_reset_ends_the_sessions_opened_with_the_old_password(web: Web) -> None:
    before = web.signed_in("jensen")
    web.accounts.reset_password("jensen", actor="admin", reason="password seen by someone")
    assert before.get("/caseload").status_code == 303


def test_a_reset_voids_the_password_and_gives_a_one_time_link(web: Web) -> None:
    admin = web.signed_in("admin")
    token = csrf(admin, "/accounts/jensen")
    first = one_time_link(
        admin.post("/accounts/jensen/reset", data={"reason": "forgot", "csrftoken": token}).text
    )
    entry = web.accounts.entries()[-1]
    assert (entry.actor, entry.kind, entry.name, entry.detail["reason"]) == (
        "admin",
        "password_reset",
        "jensen",
        "forgot",
    )
    assert sign_in(web, "jensen", PASSWORD) == 401
    second = one_time_link(
        admin.post("/accounts/jensen/reset", data={"reason": "again", "csrftoken": token}).text
    )
    assert web.client().get(first).status_code == 404  # replaced by the newer link
    assert set_password(web.client(), second) == 303
    assert sign_in(web, "jensen", NEW_PASSWORD) == 303


def test_a_link_expires(web: Web) -> None:
    from datetime import timedelta

    admin = web.signed_in("admin")
    link = one_time_link(
        admin.post(
            "/accounts/jensen/reset", data={"reason": "forgot", "csrftoken": csrf(admin, "/accounts")}
        ).text
    )
    real = web.accounts.clock
    web.accounts.clock = lambda: real() + timedelta(hours=73)
    assert web.client().get(link).status_code == 404


def test_the_last_admin_cannot_be_disabled_or_demoted(web: Web) -> None:
    admin = web.signed_in("admin")
    token = csrf(admin, "/accounts/admin")
    before = web.accounts.entries()
    demote = admin.post(
        "/accounts/admin/role", data={"role": "auditor", "reason": "oops", "csrftoken": token}
    )
    assert demote.status_code == 400 and "is the last admin" in demote.text
    disable = admin.post("/accounts/admin/disable", data={"reason": "oops", "csrftoken": token})
    assert disable.status_code == 400 and "is the last admin" in disable.text
    assert web.accounts.entries() == before
    with pytest.raises(AccountError, match="last admin"):
        web.accounts.disable("admin", actor="cli", reason="oops")
    web.accounts.add("admin2", "admin", PASSWORD, actor="admin")
    assert (
        admin.post(
            "/accounts/admin/role", data={"role": "auditor", "reason": "moved", "csrftoken": token}
        ).status_code
        == 303
    )


def test_admin_pages_show_no_clinical_content_and_unknown_accounts_are_404(web: Web) -> None:
    admin = web.signed_in("admin")
    for path in ("/accounts", "/accounts/ruiz"):
        page = admin.get(path).text
        assert "Amara" not in page and "Jonas" not in page and "panic" not in page
    assert admin.get("/accounts/nobody").status_code == 404
    assert (
        admin.post("/accounts/nobody/disable", data={"reason": "x", "csrftoken": csrf(admin)}).status_code
        == 404
    )
    assert web.client().get("/welcome/not-a-token").status_code == 404


def test_the_command_line_cannot_disable_or_demote_the_last_admin_either(invoke) -> None:  # type: ignore[no-untyped-def]
    env = {"PW": PASSWORD, "GOALPLAN_ACTOR": "ops"}
    assert invoke("users", "add", "boss", "--role", "admin", "--password-env", "PW", env=env).exit_code == 0
    for args in (("disable", "boss"), ("role", "boss", "auditor")):
        refused = invoke("users", *args, "--reason", "oops", env=env)
        assert refused.exit_code == 2
        assert "'boss' is the last admin; add another admin before you" in refused.stderr
        assert "Traceback" not in refused.output
    log = invoke("users", "log", "--json", env=env)
    assert [e["kind"] for e in json.loads(log.stdout)] == ["created"]


def test_users_enable_gives_access_back_from_the_command_line(invoke, db_path) -> None:  # type: ignore[no-untyped-def]
    from goalplan_web.account_store import AccountStore

    env = {"PW": PASSWORD, "GOALPLAN_ACTOR": "ops"}
    assert invoke("users", "add", "boss", "--role", "admin", "--password-env", "PW", env=env).exit_code == 0
    assert invoke("users", "add", "q", "--role", "auditor", "--password-env", "PW", env=env).exit_code == 0
    refused = invoke("users", "enable", "q", "--reason", "x", env=env)
    assert refused.exit_code == 2 and "account 'q' is not disabled." in refused.stderr
    assert invoke("users", "disable", "q", "--reason", "away", env=env).exit_code == 0
    bad = invoke("users", "enable", "q", "--reason", "back", "--address", "plans.example.org", env=env)
    assert bad.exit_code == 2 and "--address: give the address with http:// or https://" in bad.stderr
    assert "Traceback" not in bad.output
    enabled = invoke(
        "users", "enable", "q", "--reason", "back", "--address", "https://plans.example.org/", env=env
    )
    assert enabled.exit_code == 0
    lines = enabled.output.splitlines()
    assert lines[0] == "enabled q; the password it had no longer works."
    found = re.fullmatch(r"https://plans\.example\.org/welcome/([A-Za-z0-9_-]{43})", lines[-1])
    assert found, enabled.output
    log = json.loads(invoke("users", "log", "--json", env=env).stdout)
    assert [(e["kind"], e["actor"], e["reason"]) for e in log[-2:]] == [
        ("disabled", "ops", "away"),
        ("enabled", "ops", "back"),
    ]
    assert json.loads(invoke("users", "list", "--json").stdout)[1]["disabled"] is False
    store = AccountStore(Path(f"{db_path}.accounts.db"))
    try:
        assert store.authenticate("q", PASSWORD) is None  # the old password is void
        store.set_password_with_link(found.group(1), NEW_PASSWORD)
        assert store.authenticate("q", NEW_PASSWORD) is not None
    finally:
        store.close()
