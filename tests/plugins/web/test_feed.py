"""The per-user calendar feed: a secret URL, no PHI, only what the user may read, revocable."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import icalendar
import pytest
from starlette.testclient import TestClient

import goalplan
from tests.plugins.web.conftest import Web, csrf

CLIENT_DATA = ("Amara", "Lindqvist", "Jonas", "Berg", "panic", "bus", "sleep")


def new_feed(client: TestClient) -> str:
    page = client.post("/feed/new", data={"csrftoken": csrf(client, "/feed")})
    assert page.status_code == 200, page.text
    found = re.search(
        r'<code class="secret">http://127\.0\.0\.1(/feed/[A-Za-z0-9_-]+\.ics)</code>', page.text
    )
    assert found, page.text
    return found.group(1)


def plans_in(data: bytes, web: Web) -> set[str]:
    """Which of the fixture's plans a calendar has entries for (its entries name the short plan id)."""
    text = data.decode()
    return {which for which, plan in (("own", web.own_plan), ("other", web.other_plan)) if plan[:8] in text}


def test_a_clinicians_feed_holds_their_caseload_dates_without_client_data_and_needs_no_session(
    web: Web,
) -> None:
    path = new_feed(web.signed_in("ruiz"))
    response = web.client().get(path)  # a calendar program: no cookies at all
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert events and all(e.get("UID") for e in events)
    assert plans_in(response.content, web) == {"own"}
    assert not [word for word in CLIENT_DATA if word.lower() in response.text.lower()]
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    ("role", "expected"), [("chen", {"own"}), ("jensen", {"other"}), ("audit", {"own", "other"})]
)
def test_a_feed_covers_exactly_what_the_role_may_read(web: Web, role: str, expected: set[str]) -> None:
    path = new_feed(web.signed_in(role))
    assert plans_in(web.client().get(path).content, web) == expected


def test_the_feed_matches_the_ical_plugins_subscription_calendar(web: Web) -> None:
    from goalplan_ical import caseload_feed

    path = new_feed(web.signed_in("jensen"))
    with goalplan.open(web.db) as gp:
        expected = caseload_feed([gp.plan(web.other_plan).log()], {})
    assert web.client().get(path).content == expected


def test_revoking_or_replacing_a_feed_makes_its_url_404(web: Web) -> None:
    ruiz = web.signed_in("ruiz")
    first = new_feed(ruiz)
    second = new_feed(ruiz)
    assert web.client().get(first).status_code == 404
    assert web.client().get(second).status_code == 200
    page = ruiz.post("/feed/revoke", data={"csrftoken": csrf(ruiz, "/feed")})
    assert page.status_code == 200 and "revoked" in page.text
    assert web.client().get(second).status_code == 404
    kinds = [(e.kind, e.actor) for e in web.accounts.entries() if e.name == "ruiz"][-3:]
    assert kinds == [("feed_issued", "ruiz"), ("feed_replaced", "ruiz"), ("feed_revoked", "ruiz")]


def test_the_token_is_stored_only_as_a_hash(web: Web) -> None:
    path = new_feed(web.signed_in("ruiz"))
    token = path.removeprefix("/feed/").removesuffix(".ics")
    assert len(token) >= 40
    assert token.encode() not in Path(web.accounts.path).read_bytes()
    with sqlite3.connect(web.accounts.path) as db:
        stored = db.execute("SELECT token_hash FROM feed_tokens WHERE name = 'ruiz'").fetchone()[0]
    assert stored != token and len(stored) == 64


def test_a_disabled_account_or_an_unknown_token_gets_404(web: Web) -> None:
    path = new_feed(web.signed_in("ruiz"))
    assert web.client().get("/feed/" + "x" * 43 + ".ics").status_code == 404
    web.accounts.disable("ruiz", actor="admin", reason="left")
    assert web.client().get(path).status_code == 404


def test_an_admin_has_no_feed(web: Web) -> None:
    admin = web.signed_in("admin")
    assert admin.get("/feed").status_code == 403
    assert admin.post("/feed/new", data={"csrftoken": csrf(admin)}).status_code == 403
    with sqlite3.connect(web.accounts.path) as db:
        assert db.execute("SELECT count(*) FROM feed_tokens").fetchone()[0] == 0


def test_the_feed_reads_in_icaljs(web: Web, tmp_path: Path) -> None:
    from tests.plugins.ical.calendar_readers import read_with_icaljs

    data = web.client().get(new_feed(web.signed_in("audit"))).content
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}
    assert set(read_with_icaljs(data, tmp_path)) == uids
