"""End to end in headless Chromium (Debian's ``chromium``, driven by Playwright).

A clinician signs in, opens a plan, records progress, revises a goal, downloads the PDF and
sees the change in the history; an auditor finds no form to write with and a forged write is
refused; a second browser's conflicting edit is shown with what it typed kept. Screenshots of
each page at desktop and phone widths go to $GOALPLAN_SCREENSHOTS (default: the test's tmp dir).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import goalplan
from tests.plugins.web.conftest import PASSWORD, Web

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.slow
sync_api = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("Debian's chromium package is not installed (.ci/run installs it)", allow_module_level=True)

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(web: Web) -> Iterator[str]:
    import uvicorn

    from goalplan_web.app import create_app

    web.clock.now = time.time()
    web.settings.clock = time.time
    port = free_port()
    config = uvicorn.Config(create_app(web.settings), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(200):
        if running.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("GOALPLAN_SCREENSHOTS", tmp_path / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sideways_overflow(page) -> int:  # type: ignore[no-untyped-def]
    """How far the page, or a table or its scrolling box, is wider than it shows (CSS pixels)."""
    return int(
        page.evaluate(
            "Math.max(0, document.documentElement.scrollWidth - innerWidth,"
            " ...[...document.querySelectorAll('table, .scroll')].map(e => e.scrollWidth - e.clientWidth))"
        )
    )


def sign_in(page, base: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def test_a_clinician_records_progress_revises_downloads_and_sees_the_history(
    web: Web, server: str, browser, shots: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    for size, viewport in SIZES.items():
        page = browser.new_context(viewport=viewport, accept_downloads=True).new_page()
        page.goto(server + "/")
        page.screenshot(path=shots / f"sign-in-{size}.png", full_page=True)
        sign_in(page, server, "ruiz")
        assert page.url == server + "/caseload"
        page.screenshot(path=shots / f"caseload-{size}.png", full_page=True)
        page.click("text=Amara Lindqvist")
        assert page.url == f"{server}/plans/{web.own_plan}"
        page.screenshot(path=shots / f"plan-{size}.png", full_page=True)
        page.click(f"a[href='/plans/{web.own_plan}/goals/{web.own_goal}'] >> nth=0")
        assert sideways_overflow(page) == 0, size  # the progress table stacks on a phone
        page.screenshot(path=shots / f"goal-{size}.png", full_page=True)
        if size == "phone":
            page.fill("#value", "lots")
            page.click("form[action$='/progress'] button")
            assert page.locator("#value-error").inner_text() == "Give a number, such as 2 or 1.5."
            page.screenshot(path=shots / f"goal-field-error-{size}.png", full_page=True)
            continue
        page.fill("#value", "0.5")
        page.fill("#on", "2026-03-30")
        page.fill("#note", "A week with no attacks, browser entry.")
        page.click("form[action$='/progress'] button")
        page.fill("#statement", "I will ride the bus and the train with no panic attack.")
        page.fill("#reason", "Met early; raise the bar")
        page.click("form[action$='/revise'] button")
        timeline = page.locator("ol.timeline").inner_text()
        assert "Met early; raise the bar" in timeline and "ruiz" in timeline
        assert "A week with no attacks, browser entry." in page.content()
        page.goto(f"{server}/plans/{web.own_plan}")
        with page.expect_download() as download_info:
            page.click("text=PDF")
        saved = tmp_path / "plan.pdf"
        download_info.value.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF")
        page.context.close()
    with goalplan.open(web.db) as gp:
        records = gp.plan(web.own_plan).log().records
        assert [r.actor for r in records[-2:]] == ["ruiz", "ruiz"]


def test_an_auditor_reads_but_cannot_write(web: Web, server: str, browser, shots: Path) -> None:  # type: ignore[no-untyped-def]
    for size, viewport in SIZES.items():
        page = browser.new_context(viewport=viewport).new_page()
        sign_in(page, server, "audit")
        page.goto(f"{server}/plans/{web.own_plan}/goals/{web.own_goal}")
        assert page.locator("form[action$='/progress']").count() == 0
        page.goto(server + "/audit")
        assert page.locator("table tbody tr").count() > 0  # findings to lay out
        assert sideways_overflow(page) == 0, size  # the findings stack on a phone
        page.screenshot(path=shots / f"audit-{size}.png", full_page=True)
        if size == "phone":
            page.set_viewport_size({"width": 375, "height": 812})
            assert sideways_overflow(page) == 0, "375 px"
        page.context.close()
    page = browser.new_context().new_page()
    sign_in(page, server, "audit")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    before = len(goalplan.open(web.db).plan(web.own_plan).log().records)
    response = page.request.post(
        f"{server}/plans/{web.own_plan}/goals/{web.own_goal}/progress",
        form={"value": "1", "version": "999", "csrftoken": token},
        max_redirects=0,
    )
    assert response.status == 403
    assert len(goalplan.open(web.db).plan(web.own_plan).log().records) == before


def test_a_second_browsers_conflicting_edit_is_shown_with_its_text_kept(
    web: Web, server: str, browser, shots: Path
) -> None:  # type: ignore[no-untyped-def]
    goal = f"{server}/plans/{web.own_plan}/goals/{web.own_goal}"
    first, second = (browser.new_context(viewport=SIZES["desktop"]).new_page() for _ in range(2))
    for page in (first, second):
        sign_in(page, server, "ruiz")
        page.goto(goal)
    first.fill("#statement", "First browser's wording")
    first.fill("#reason", "first")
    first.click("form[action$='/revise'] button")
    second.fill("#statement", "Second browser's wording")
    second.fill("#reason", "second")
    second.click("form[action$='/revise'] button")
    assert "The plan changed while you were editing" in second.content()
    assert second.locator("#statement").input_value() == "Second browser's wording"
    assert "First browser's wording" in second.locator("section.conflict").inner_text()
    second.screenshot(path=shots / "conflict-desktop.png", full_page=True)
    with goalplan.open(web.db) as gp:
        assert gp.plan(web.own_plan).state.goals[web.own_goal].statement == "First browser's wording"


def test_a_clinician_opens_a_plan_sets_a_goal_adds_a_step_and_an_intervention(
    web: Web, server: str, browser, shots: Path
) -> None:  # type: ignore[no-untyped-def]
    opened: list[str] = []
    for size, viewport in SIZES.items():
        page = browser.new_context(viewport=viewport).new_page()
        sign_in(page, server, "ruiz")
        page.click("text=Open a new plan")
        page.fill("#client", f"Noor Haddad {size}")
        page.fill("#opened", "2026-05-04")
        page.fill("#review_every", "ninety")
        page.click("form[action='/caseload/new-plan'] button")
        assert "whole number" in page.locator("#review_every-error").inner_text()
        assert page.locator("#client").input_value() == f"Noor Haddad {size}"
        page.screenshot(path=shots / f"new-plan-error-{size}.png", full_page=True)
        page.fill("#review_every", "90")
        page.fill("#credentials", "PhD")
        page.fill("#pronouns", "she/her")
        page.screenshot(path=shots / f"new-plan-{size}.png", full_page=True)
        page.click("form[action='/caseload/new-plan'] button")
        plan_url = page.url
        opened.append(plan_url.rsplit("/", 1)[1])
        assert page.locator("h1").inner_text() == f"Noor Haddad {size}"

        page.click("text=Set a new goal")
        page.fill("#statement", "I will go to two social gatherings a month.")
        page.fill("#focus", "Social anxiety")
        page.fill("#measure", "gatherings")
        page.fill("#unit", "per month")
        page.fill("#baseline", "0")
        page.fill("#target", "2")
        page.fill("#by", "2026-09-01")
        page.screenshot(path=shots / f"new-goal-{size}.png", full_page=True)
        page.click("form[action$='/new-goal'] button")
        goal_url = page.url
        assert "/goals/" in goal_url and "two social gatherings" in page.locator("h1").inner_text()

        page.click("text=Add a step")
        page.fill("#text", "Say yes to one invitation")
        page.fill("#by", "2026-06-15")
        page.screenshot(path=shots / f"new-step-{size}.png", full_page=True)
        page.click("form[action$='/new-step'] button")
        assert page.url == goal_url and "Say yes to one invitation" in page.locator("ul.steps").inner_text()
        page.screenshot(path=shots / f"goal-with-step-{size}.png", full_page=True)
        page.click("text=another day…")
        page.screenshot(path=shots / f"step-done-{size}.png", full_page=True)
        page.click("form[action$='/done'] button")
        assert page.url == goal_url and "done" in page.locator("ul.steps").inner_text()
        page.click("text=Change status")
        page.screenshot(path=shots / f"goal-status-{size}.png", full_page=True)

        page.goto(plan_url)
        page.click("text=Add an intervention")
        page.fill("#modality", "CBT")
        page.fill("#description", "Graded exposure to social situations")
        page.fill("#sessions", "1")
        page.select_option("#per", "week")
        page.select_option("#type", "individual")
        page.check("input[name=goals]")
        page.screenshot(path=shots / f"new-intervention-{size}.png", full_page=True)
        page.click("form[action$='/new-intervention'] button")
        assert page.url == plan_url and "Graded exposure to social situations" in page.content()
        page.screenshot(path=shots / f"plan-with-forms-{size}.png", full_page=True)

        page.click("text=Diagnoses")
        page.fill("#code", "F40.10")
        page.check("#primary")
        page.click("form[action$='/new-diagnosis'] button")
        assert "F40.10" in page.locator("ul.diagnoses").inner_text()
        page.screenshot(path=shots / f"diagnoses-{size}.png", full_page=True)
        page.click("text=Resolve F40.10")
        page.screenshot(path=shots / f"resolve-diagnosis-{size}.png", full_page=True)
        for form in ("focus-areas", "client", "details", "close"):
            page.goto(f"{plan_url}/{form}")
            page.screenshot(path=shots / f"plan-{form}-{size}.png", full_page=True)

        # Measurement-based care and the paper trail: a PHQ-9 whose item 9 asks for a safety
        # review, the goal's attainment scale and a rating, and a copy given to the client.
        page.goto(plan_url)
        page.click("text=Scores")
        page.select_option("#instrument", "phq9")
        page.fill("#total", "14")
        page.fill("#items", "2,2,2,2,2,1,1,1,2")
        page.fill("#on", "2026-05-20")
        page.click("form[action$='/scores'] button")
        assert "add up to 15" in page.locator("#items-error").inner_text()
        assert page.locator("#items").input_value() == "2,2,2,2,2,1,1,1,2"
        page.screenshot(path=shots / f"scores-error-{size}.png", full_page=True)
        page.fill("#items", "2,2,2,2,2,1,1,1,1")
        page.click("form[action$='/scores'] button")
        assert "2, 2, 2, 2, 2, 1, 1, 1, 1" in page.locator("table").inner_text()
        assert sideways_overflow(page) == 0, size
        page.screenshot(path=shots / f"scores-{size}.png", full_page=True)
        page.goto(plan_url)
        page.click("text=Safety reviews")
        assert "waiting for a safety review" in page.content()
        page.fill("#reason", "Risk assessed as low; safety plan agreed, crisis numbers given.")
        page.fill("#on", "2026-05-20")
        page.click("form[action$='/safety-review'] button")
        assert "reviewed on 2026-05-20 by ruiz" in page.content()
        page.screenshot(path=shots / f"safety-review-{size}.png", full_page=True)
        page.goto(goal_url)
        page.click("text=Rate attainment (GAS)")
        page.click("text=Set its −2..+2 levels")
        for field, text in zip(
            ("minus2", "minus1", "expected", "plus1", "plus2"),
            ("No gathering", "One gathering", "Two gatherings a month", "Three", "Four or more"),
            strict=True,
        ):
            page.fill(f"#{field}", text)
        page.screenshot(path=shots / f"gas-scale-{size}.png", full_page=True)
        page.click("form[action$='/gas-scale'] button")
        assert page.url == goal_url
        page.click("text=Rate attainment (GAS)")
        page.check("input[name=level][value='+1']")
        page.fill("#on", "2026-05-20")
        page.screenshot(path=shots / f"gas-score-{size}.png", full_page=True)
        page.click("form[action$='/gas-score'] button")
        assert page.url == goal_url
        page.goto(plan_url)
        page.click("text=Copies given")
        page.fill("#to", f"Noor Haddad {size}")
        page.fill("#method", "printed copy in session")
        page.click("form[action$='/copies-given'] button")
        assert "printed copy in session" in page.content()
        page.screenshot(path=shots / f"copies-given-{size}.png", full_page=True)
        page.context.close()
    with goalplan.open(web.db) as gp:
        for plan_id in opened:
            plan = gp.plan(plan_id)
            assert plan.state.clinician_name == "Dr. Tomás Ruiz"
            assert {r.actor for r in plan.log().records} == {"ruiz"}
            assert len(plan.state.interventions) == 1 and len(plan.state.steps) == 1
            state = plan.state
            assert [s.total for s in state.scores] == [14] and len(state.safety_reviews) == 1
            goal = next(iter(state.goals.values()))
            assert [p.level for p in goal.gas_points] == [1] and len(state.copies_given) == 1


def test_a_concurrent_change_to_the_client_details_is_shown_on_the_form(
    web: Web, server: str, browser, shots: Path
) -> None:  # type: ignore[no-untyped-def]
    form = f"{server}/plans/{web.own_plan}/client"
    first, second = (browser.new_context(viewport=SIZES["phone"]).new_page() for _ in range(2))
    for page in (first, second):
        sign_in(page, server, "ruiz")
        page.goto(form)
    first.fill("#preferred_name", "Mara")
    first.fill("#reason", "asked in session")
    first.click("form[action$='/client'] button")
    assert first.url == f"{server}/plans/{web.own_plan}"
    second.fill("#pronouns", "she/her")
    second.fill("#reason", "intake form")
    second.click("form[action$='/client'] button")
    notice = second.locator("section.conflict").inner_text()
    assert "The plan changed while you were editing" in notice and "Mara" in notice and "ruiz" in notice
    assert second.locator("#pronouns").input_value() == "she/her"
    assert second.locator("#reason").input_value() == "intake form"
    assert second.locator("#preferred_name").input_value() == "Mara"  # untouched: shows the new value
    second.screenshot(path=shots / "client-conflict-phone.png", full_page=True)
    with goalplan.open(web.db) as gp:
        state = gp.plan(web.own_plan).state
        assert (state.client_preferred_name, state.client_pronouns) == ("Mara", "")
    second.click("form[action$='/client'] button")  # submitting again keeps the other change
    with goalplan.open(web.db) as gp:
        state = gp.plan(web.own_plan).state
        assert (state.client_preferred_name, state.client_pronouns) == ("Mara", "she/her")


def test_setup_accounts_analytics_and_feed_pages_at_both_widths(
    web: Web, server: str, browser, shots: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from goalplan_web.account_store import AccountStore

    with goalplan.open(web.db, actor="seed") as gp:
        gp.plan(web.own_plan).record_score("phq9", 17, on=date(2026, 1, 12))
        gp.plan(web.own_plan).record_score("phq9", 9, on=date(2026, 2, 23))
    for n, (size, viewport) in enumerate(SIZES.items()):
        page = browser.new_context(viewport=viewport).new_page()
        # First-run setup, on an accounts file with no admin yet.
        kept, web.settings.accounts = (
            web.settings.accounts,
            AccountStore(tmp_path / f"fresh-{size}.db", hasher=web.accounts.hasher),
        )
        web.settings.setup_token = "first-run-token"
        page.goto(server + "/setup?token=first-run-token")
        page.fill("#name", "boss")
        page.fill("#password", "short")
        page.fill("#password2", "short")
        page.click("button[type=submit]")
        assert page.locator("#password-error").is_visible()
        page.screenshot(path=shots / f"setup-{size}.png", full_page=True)
        web.settings.accounts.close()
        web.settings.accounts = kept
        # Account management.
        sign_in(page, server, "admin")
        assert page.url == server + "/accounts"
        assert sideways_overflow(page) == 0, size  # the accounts and the log stack on a phone
        page.screenshot(path=shots / f"accounts-{size}.png", full_page=True)
        page.fill("#name", f"new.clinician{n}")
        page.select_option("#role", "clinician")
        page.click("form[action='/accounts/new'] button")
        assert "a clinician needs" in page.locator("#clinician_name-error").inner_text()
        page.screenshot(path=shots / f"accounts-add-error-{size}.png", full_page=True)
        page.fill("#clinician_name", "Dr. New Clinician")
        page.fill("#reason", "joined the practice")
        page.click("form[action='/accounts/new'] button")
        link = page.locator("code.secret").inner_text()
        assert "/welcome/" in link
        page.screenshot(path=shots / f"account-link-{size}.png", full_page=True)
        page.goto(server + "/accounts/jensen")
        page.click("#disable-form button")
        assert "give a reason" in page.locator("#disable-form .error").inner_text()
        page.screenshot(path=shots / f"account-{size}.png", full_page=True)
        page.fill("#disable-reason", "on leave")
        page.click("#disable-form button")
        page.fill("#enable-reason", "back from leave")
        page.click("#enable-form button")
        assert "/welcome/" in page.locator("code.secret").inner_text()  # a new password is needed
        page.screenshot(path=shots / f"account-enabled-{size}.png", full_page=True)
        page.goto(server + "/accounts/jensen")
        assert sideways_overflow(page) == 0, size
        newcomer = browser.new_context(viewport=viewport).new_page()
        newcomer.goto(link)
        newcomer.screenshot(path=shots / f"welcome-{size}.png", full_page=True)
        newcomer.fill("#password", "a fine new password")
        newcomer.fill("#password2", "a fine new password")
        newcomer.click("button[type=submit]")
        assert newcomer.url == server + "/"
        newcomer.context.close()
        page.context.close()
        # Analytics and the calendar feed, as the clinician.
        page = browser.new_context(viewport=viewport).new_page()
        sign_in(page, server, "ruiz")
        page.goto(server + "/analytics")
        assert page.locator("svg.chart").count() >= 2
        page.screenshot(path=shots / f"analytics-{size}.png", full_page=True)
        page.goto(server + "/feed")
        page.screenshot(path=shots / f"feed-{size}.png", full_page=True)
        page.click("form[action='/feed/new'] button")
        feed = page.locator("code.secret").inner_text()
        page.screenshot(path=shots / f"feed-made-{size}.png", full_page=True)
        assert page.request.get(feed).status == 200
        page.context.close()
