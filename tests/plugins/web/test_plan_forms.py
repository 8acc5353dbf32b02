"""The record's forms: each writes what was typed as the signed-in clinician, refuses bad input
field by field with nothing written, and answers a stale form with the changes made since."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from starlette.testclient import TestClient

import goalplan
from tests.plugins.web.conftest import RUIZ, Web, csrf, write_meanwhile


def state(web: Web, plan_id: str) -> goalplan.PlanState:
    with goalplan.open(web.db) as gp:
        return gp.plan(plan_id).state


def actors_after(web: Web, plan_id: str, version: int) -> set[str]:
    with goalplan.open(web.db) as gp:
        return {r.actor for r in gp.plan(plan_id).log().records if r.version > version}


def post(
    browser: TestClient, url: str, web: Web, plan_id: str | None, /, **form: str
) -> tuple[int, str, str]:
    """POST a form as the page would (token, and the plan's current version unless given)."""
    data = {**form, "csrftoken": csrf(browser)}
    if plan_id is not None and "version" not in form:
        data["version"] = str(state(web, plan_id).version)
    response = browser.post(url, data=data)
    return response.status_code, response.headers.get("location", ""), html.unescape(response.text)


def field_error(page: str, field: str) -> str:
    """The message shown next to a field (empty when there is none)."""
    marker = f'<p class="error" id="{field}-error">'
    start = page.find(marker)
    return "" if start < 0 else page[start + len(marker) : page.index("</p>", start)]


def test_a_clinician_opens_a_plan_they_then_own(web: Web) -> None:
    client = web.signed_in("ruiz")
    status, location, _ = post(
        client,
        "/caseload/new-plan",
        web,
        None,
        client="Noor Haddad",
        credentials="PhD",
        opened="2026-05-04",
        review_every="60",
        discharge="Sleeps through most nights.",
        birth_date="1990-02-03",
        record_number="R-17",
        preferred_name="Noor",
        pronouns="she/her",
        guardian="",
        guardian_relationship="",
    )
    assert status == 303 and location.startswith("/plans/")
    plan_id = location.removeprefix("/plans/")
    opened = state(web, plan_id)
    assert (opened.client_name, opened.clinician_name, opened.clinician_credentials) == (
        "Noor Haddad",
        RUIZ,
        "PhD",
    )
    assert (opened.opened_on, opened.review_every_days, opened.client_birth_date) == (
        date(2026, 5, 4),
        60,
        date(1990, 2, 3),
    )
    assert (opened.client_record_number, opened.client_preferred_name, opened.client_pronouns) == (
        "R-17",
        "Noor",
        "she/her",
    )
    assert actors_after(web, plan_id, 0) == {"ruiz"}
    assert client.get(location).status_code == 200
    assert location in client.get("/caseload").text
    assert location not in web.signed_in("jensen").get("/caseload").text


def test_the_same_new_plan_form_sent_twice_opens_one_plan(web: Web) -> None:
    client = web.signed_in("ruiz")
    chosen = re.search(r'name="plan_id" value="([0-9A-Z]{16})"', client.get("/caseload/new-plan").text)
    assert chosen is not None
    with goalplan.open(web.db) as gp:
        before = len(gp.plans())
    answers = [
        post(
            client, "/caseload/new-plan", web, None, client="Noor", review_every="90", plan_id=chosen.group(1)
        )
        for _ in range(2)
    ]
    assert [a[:2] for a in answers] == [(303, f"/plans/{chosen.group(1)}")] * 2
    with goalplan.open(web.db) as gp:
        assert len(gp.plans()) == before + 1
    status, location, _ = post(
        client, "/caseload/new-plan", web, None, client="Noor", review_every="90", plan_id="forged"
    )
    assert status == 303 and location != f"/plans/{chosen.group(1)}"  # a malformed id is replaced


def test_opening_a_plan_with_bad_input_names_each_field_and_writes_nothing(web: Web) -> None:
    client = web.signed_in("ruiz")
    with goalplan.open(web.db) as gp:
        before = len(gp.plans())
    status, _, page = post(
        client,
        "/caseload/new-plan",
        web,
        None,
        client="",
        opened="2026-02-30",
        review_every="ninety",
        birth_date="yesterday",
        pronouns="they/them",
    )
    assert status == 400
    assert field_error(page, "client") == "Give the client's name."
    assert "YYYY-MM-DD" in field_error(page, "opened")
    assert "YYYY-MM-DD" in field_error(page, "birth_date")
    assert "whole number" in field_error(page, "review_every")
    assert 'value="ninety"' in page and 'value="they/them"' in page and 'value="yesterday"' in page
    assert 'href="#client"' in page  # the error summary links to the field
    with goalplan.open(web.db) as gp:
        assert len(gp.plans()) == before


def test_a_domain_refusal_is_shown_next_to_its_field(web: Web) -> None:
    client = web.signed_in("ruiz")
    status, _, page = post(client, "/caseload/new-plan", web, None, client="Noor", review_every="0")
    assert status == 400 and field_error(page, "review_every")
    status, _, page = post(
        client,
        "/caseload/new-plan",
        web,
        None,
        client="Noor",
        review_every="90",
        guardian_relationship="aunt",
    )
    assert status == 400 and "guardian" in field_error(page, "guardian_relationship")


def test_setting_a_goal_with_its_measure(web: Web) -> None:
    client = web.signed_in("ruiz")
    before = state(web, web.own_plan).version
    status, location, _ = post(
        client,
        f"/plans/{web.own_plan}/new-goal",
        web,
        web.own_plan,
        statement="I will go to two social gatherings a month.",
        focus="Social anxiety",
        term="long",
        status="proposed",
        measure="gatherings",
        unit="per month",
        baseline="0",
        target="2",
        by="2026-09-01",
        relevance="She misses her friends.",
    )
    assert status == 303
    goal_id = location.rsplit("/", 1)[1]
    goal = state(web, web.own_plan).goals[goal_id]
    assert goal.statement == "I will go to two social gatherings a month."
    assert goal.measure == goalplan.Measure(name="gatherings", unit="per month", baseline=0, target=2)
    assert goal.measure.direction == "increase"
    assert (goal.term, goal.status, goal.target_date) == ("long", "proposed", date(2026, 9, 1))
    assert any(a.title == "Social anxiety" for a in state(web, web.own_plan).focus_areas.values())
    assert actors_after(web, web.own_plan, before) == {"ruiz"}


def test_a_goal_with_half_a_measure_or_no_movement_is_refused(web: Web) -> None:
    client = web.signed_in("ruiz")
    url = f"/plans/{web.own_plan}/new-goal"
    before = state(web, web.own_plan).version
    status, _, page = post(
        client, url, web, web.own_plan, statement="I will read daily.", measure="pages", baseline="x"
    )
    assert status == 400
    assert "together" in field_error(page, "unit") and "together" in field_error(page, "target")
    assert field_error(page, "baseline") == "Give a number, such as 2 or 1.5."
    assert 'value="x"' in page and "I will read daily." in page
    status, _, page = post(
        client,
        url,
        web,
        web.own_plan,
        statement="I will read daily.",
        measure="pages",
        unit="per day",
        baseline="5",
        target="5",
    )
    assert status == 400 and "must differ from the baseline" in field_error(page, "target")
    status, _, page = post(client, url, web, web.own_plan, statement="  ")
    assert status == 400 and field_error(page, "statement")
    assert state(web, web.own_plan).version == before


def test_adding_a_step_and_marking_it_done(web: Web) -> None:
    client = web.signed_in("ruiz")
    goal_url = f"/plans/{web.own_plan}/goals/{web.own_goal}"
    status, location, _ = post(
        client, f"{goal_url}/new-step", web, web.own_plan, text="Ride one stop", by="2026-06-15"
    )
    assert (status, location) == (303, goal_url)
    step = next(s for s in state(web, web.own_plan).steps.values() if s.text == "Ride one stop")
    assert step.due_on == date(2026, 6, 15) and step.goal_id == web.own_goal
    assert f"{goal_url}/steps/{step.step_id}/done" in client.get(goal_url).text
    status, _, _ = post(client, f"{goal_url}/steps/{step.step_id}/done", web, web.own_plan, on="2026-05-20")
    assert status == 303
    assert state(web, web.own_plan).steps[step.step_id].completed_on == date(2026, 5, 20)
    status, _, page = post(client, f"{goal_url}/steps/{step.step_id}/done", web, web.own_plan, on="")
    assert status == 400 and "already completed" in page
    status, _, page = post(client, f"{goal_url}/new-step", web, web.own_plan, text="", by="soon")
    assert status == 400 and field_error(page, "text") and field_error(page, "by")
    assert client.get(f"{goal_url}/steps/NOSUCHSTEP/done").status_code == 404
    other_goal = next(g for g in state(web, web.own_plan).goals if g != web.own_goal)
    later = next(s for s in state(web, web.own_plan).steps.values() if s.completed_on is None)
    before = state(web, web.own_plan).version
    status, _, _ = post(
        client, f"/plans/{web.own_plan}/goals/{other_goal}/steps/{later.step_id}/done", web, web.own_plan
    )
    assert status == 404 and state(web, web.own_plan).version == before  # a step of another goal


def test_adding_an_intervention_linked_to_goals(web: Web) -> None:
    client = web.signed_in("ruiz")
    plan = state(web, web.own_plan)
    goals = list(plan.goals)
    data = {
        "modality": "DBT",
        "description": "Skills group",
        "type": "group",
        "minutes": "90",
        "sessions": "1",
        "per": "week",
        "frequency": "",
        "provider": "Sam Lee",
        "provider_credentials": "LCSW",
        "provider_role": "group lead",
        "starts": "2026-06-01",
        "ends": "",
        "version": str(plan.version),
        "csrftoken": csrf(client),
    }
    response = client.post(f"/plans/{web.own_plan}/new-intervention", data={**data, "goals": goals})
    assert response.status_code == 303
    added = next(i for i in state(web, web.own_plan).interventions.values() if i.modality == "DBT")
    assert (added.frequency, added.type, added.minutes, added.sessions, added.period) == (
        "1 per week",
        "group",
        90,
        1,
        "week",
    )
    assert set(added.goal_ids) == set(goals) and added.starts_on == date(2026, 6, 1)
    assert "Skills group" in client.get(f"/plans/{web.own_plan}").text


def test_an_intervention_needs_a_frequency_and_real_numbers(web: Web) -> None:
    client = web.signed_in("ruiz")
    before = state(web, web.own_plan).version
    url = f"/plans/{web.own_plan}/new-intervention"
    status, _, page = post(
        client, url, web, web.own_plan, modality="CBT", description="x", minutes="-5", type="solo"
    )
    assert status == 400
    assert field_error(page, "frequency") and field_error(page, "minutes") and field_error(page, "type")
    assert 'value="-5"' in page
    response = client.post(
        url,
        data={
            "modality": "CBT",
            "description": "x",
            "frequency": "weekly",
            "goals": ["NOTAGOAL"],
            "version": str(before),
            "csrftoken": csrf(client),
        },
    )
    assert response.status_code == 400 and field_error(response.text, "goals")
    assert state(web, web.own_plan).version == before


def test_diagnoses_are_checked_added_and_resolved(web: Web) -> None:
    client = web.signed_in("ruiz")
    url = f"/plans/{web.own_plan}/new-diagnosis"
    before = state(web, web.own_plan).version
    status, _, page = post(client, url, web, web.own_plan, code="F99.99")
    assert status == 400 and field_error(page, "code") and 'value="F99.99"' in page
    assert state(web, web.own_plan).version == before
    status, location, _ = post(
        client, url, web, web.own_plan, code="f410", primary="yes", dsm5="Panic disorder"
    )
    assert (status, location) == (303, url)
    found = state(web, web.own_plan).diagnoses["F41.0"]
    assert found.primary and found.dsm5_text == "Panic disorder"
    page = client.get(url).text
    assert "F41.0" in page and f"/plans/{web.own_plan}/diagnoses/F41.0/resolve" in page
    status, _, page = post(client, url, web, web.own_plan, code="F41.0")
    assert status == 400 and "already an active diagnosis" in field_error(page, "code")
    status, _, page = post(
        client, f"/plans/{web.own_plan}/diagnoses/F41.0/resolve", web, web.own_plan, reason=""
    )
    assert status == 400 and field_error(page, "reason")
    status, _, _ = post(
        client, f"/plans/{web.own_plan}/diagnoses/F41.0/resolve", web, web.own_plan, reason="remitted"
    )
    assert status == 303
    assert state(web, web.own_plan).diagnoses["F41.0"].status == "resolved"
    assert client.get(f"/plans/{web.own_plan}/diagnoses/Z00.0/resolve").status_code == 404


def test_focus_areas_and_their_presenting_problems(web: Web) -> None:
    client = web.signed_in("ruiz")
    url = f"/plans/{web.own_plan}/focus-areas"
    before = state(web, web.own_plan).version
    status, _, page = post(client, url, web, web.own_plan, title=" ", description="kept")
    assert status == 400 and field_error(page, "title") and "kept" in page
    status, _, page = post(client, url, web, web.own_plan, title="Panic attacks")
    assert status == 400 and "already has a focus area" in field_error(page, "title")
    assert state(web, web.own_plan).version == before
    status, location, _ = post(client, url, web, web.own_plan, title="Sleep", description="Wakes early")
    assert (status, location) == (303, url)
    area = next(a for a in state(web, web.own_plan).focus_areas.values() if a.title == "Sleep")
    assert area.description == "Wakes early"
    problem = f"{url}/{area.focus_id}/problem"
    assert problem in client.get(url).text
    status, _, page = post(client, problem, web, web.own_plan, problem="")
    assert status == 400 and field_error(page, "problem")
    status, _, _ = post(client, problem, web, web.own_plan, problem="Wakes at 4 most nights.")
    assert status == 303
    assert state(web, web.own_plan).focus_areas[area.focus_id].presenting_problem == "Wakes at 4 most nights."
    assert "Wakes at 4 most nights." in client.get(problem).text  # the form starts from what is recorded
    status, _, page = post(client, problem, web, web.own_plan, problem="Wakes at 4 most nights.")
    assert status == 400 and "already that text" in field_error(page, "problem")
    assert client.get(f"{url}/NOSUCHAREA/problem").status_code == 404


def test_changing_client_details_sends_only_what_changed(web: Web) -> None:
    client = web.signed_in("ruiz")
    url = f"/plans/{web.own_plan}/client"
    page = client.get(url).text
    assert 'value="Amara Lindqvist"' in page  # the form starts from the record as it stands
    status, _, _ = post(
        client, url, web, web.own_plan, name="Amara Lind", pronouns="she/her", reason="legal name change"
    )
    assert status == 303
    now = state(web, web.own_plan)
    assert (now.client_name, now.client_pronouns) == ("Amara Lind", "she/her")
    status, _, _ = post(
        client, url, web, web.own_plan, name="Amara Lind", pronouns="", reason="asked to leave it out"
    )
    assert status == 303 and state(web, web.own_plan).client_pronouns == ""
    before = state(web, web.own_plan).version
    status, _, page = post(client, url, web, web.own_plan, name="Amara Lind", reason="nothing")
    assert status == 400 and "at least one" in page
    status, _, page = post(client, url, web, web.own_plan, name="", reason="")
    assert status == 400 and field_error(page, "name") and field_error(page, "reason")
    assert state(web, web.own_plan).version == before


def test_changing_plan_details(web: Web) -> None:
    client = web.signed_in("ruiz")
    url = f"/plans/{web.own_plan}/details"
    discharge = state(web, web.own_plan).discharge_criteria
    status, _, _ = post(
        client,
        url,
        web,
        web.own_plan,
        strengths="Curious",
        level_of_care="outpatient",
        effective_from="2026-01-05",
        discharge=discharge,
        reason="first review",
    )
    assert status == 303
    now = state(web, web.own_plan)
    assert (now.strengths, now.level_of_care, now.effective_from) == (
        "Curious",
        "outpatient",
        date(2026, 1, 5),
    )
    assert now.discharge_criteria == discharge
    before = now.version
    status, _, page = post(
        client,
        url,
        web,
        web.own_plan,
        strengths="Curious",
        level_of_care="outpatient",
        effective_from="5/1/26",
        discharge=discharge,
    )
    assert status == 400 and "YYYY-MM-DD" in field_error(page, "effective_from") and 'value="5/1/26"' in page
    assert state(web, web.own_plan).version == before


def test_changing_a_goals_status_needs_a_reason(web: Web) -> None:
    client = web.signed_in("ruiz")
    url = f"/plans/{web.own_plan}/goals/{web.own_goal}/status"
    status, _, page = post(client, url, web, web.own_plan, status="paused", reason="")
    assert status == 400 and field_error(page, "status") and field_error(page, "reason")
    status, _, _ = post(client, url, web, web.own_plan, status="on-hold", reason="travelling for a month")
    assert status == 303
    assert state(web, web.own_plan).goals[web.own_goal].status == "on-hold"
    with goalplan.open(web.db) as gp:
        entry = next(h for h in reversed(gp.plan(web.own_plan).history(web.own_goal)) if h.field == "status")
    assert (entry.new, entry.reason, entry.actor) == ("on-hold", "travelling for a month", "ruiz")


def test_closing_a_plan_then_a_further_write_is_refused_on_the_form(web: Web) -> None:
    client = web.signed_in("ruiz")
    status, _, page = post(client, f"/plans/{web.own_plan}/close", web, web.own_plan, reason="", on="")
    assert status == 400 and field_error(page, "reason")
    status, _, _ = post(
        client,
        f"/plans/{web.own_plan}/close",
        web,
        web.own_plan,
        reason="Discharge criteria met.",
        on="2026-05-30",
    )
    assert status == 303
    closed = state(web, web.own_plan)
    assert (closed.closed_on, closed.close_reason) == (date(2026, 5, 30), "Discharge criteria met.")
    status, _, page = post(
        client, f"/plans/{web.own_plan}/new-goal", web, web.own_plan, statement="I will rest."
    )
    # No one field caused it, so it is in the error summary.
    assert status == 400 and "was closed on 2026-05-30" in page
    plan_page = client.get(f"/plans/{web.own_plan}").text
    assert "Closed on 2026-05-30" in plan_page and f"/plans/{web.own_plan}/new-goal" not in plan_page
    assert state(web, web.own_plan).version == closed.version


def test_a_stale_form_shows_the_changes_and_keeps_what_was_typed(web: Web) -> None:
    client = web.signed_in("ruiz")
    url = f"/plans/{web.own_plan}/new-goal"
    shown = state(web, web.own_plan).version
    with goalplan.open(web.db, actor="other.tab") as gp:
        gp.plan(web.own_plan).set_details(strengths="Good humour", reason="from the intake notes")
    status, _, page = post(
        client, url, web, web.own_plan, statement="I will swim weekly.", version=str(shown)
    )
    assert status == 409
    assert "The plan changed while you were editing" in page
    assert "other.tab" in page and "Good humour" in page and "from the intake notes" in page
    assert "I will swim weekly." in page
    now = state(web, web.own_plan)
    assert now.version == shown + 1  # nothing written by the stale form
    assert f'name="version" value="{now.version}"' in page  # submitting again is deliberate
    status, _, _ = post(
        client, url, web, web.own_plan, statement="I will swim weekly.", version=str(now.version)
    )
    assert status == 303


@pytest.mark.parametrize(
    ("path", "form", "kept"),
    [
        ("/new-goal", {"statement": "I will swim weekly."}, "I will swim weekly."),
        ("/focus-areas", {"title": "Sleep"}, "Sleep"),
        ("/close", {"reason": "Discharge criteria met."}, "Discharge criteria met."),
    ],
)
def test_a_write_landing_after_the_forms_check_is_a_conflict_not_absorbed(
    web: Web, monkeypatch: pytest.MonkeyPatch, path: str, form: dict[str, str], kept: str
) -> None:
    """The form's version goes to the API, so the API's own retry cannot write over what was seen."""
    client = web.signed_in("ruiz")
    shown = state(web, web.own_plan).version
    write_meanwhile(monkeypatch, web, web.own_plan)
    status, _, page = post(client, f"/plans/{web.own_plan}{path}", web, web.own_plan, **form)
    assert status == 409, page[-500:]
    assert "The plan changed while you were editing" in page
    assert "other.tab" in page and "Written meanwhile" in page and kept in page
    now = state(web, web.own_plan)
    assert now.version == shown + 1 and actors_after(web, web.own_plan, shown) == {"other.tab"}
    assert f'name="version" value="{now.version}"' in page


def test_a_details_form_that_loses_the_race_shows_the_other_writers_value(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = web.signed_in("ruiz")
    url = f"/plans/{web.own_plan}/details"
    shown = state(web, web.own_plan)
    write_meanwhile(monkeypatch, web, web.own_plan)
    status, _, page = post(
        client, url, web, web.own_plan, strengths="", was_strengths="", needs="Sleep routine", was_needs=""
    )
    assert status == 409
    assert ">Written meanwhile</textarea>" in page and ">Sleep routine</textarea>" in page
    assert state(web, web.own_plan).needs == shown.needs


def test_a_form_without_its_csrf_token_writes_nothing(web: Web) -> None:
    client = web.signed_in("ruiz")
    before = state(web, web.own_plan).version
    response = client.post(f"/plans/{web.own_plan}/close", data={"reason": "x", "version": str(before)})
    assert response.status_code == 403
    assert state(web, web.own_plan).version == before


def test_the_forms_are_linked_from_the_pages_for_the_owner_only(web: Web) -> None:
    plan_url = f"/plans/{web.own_plan}"
    goal_url = f"{plan_url}/goals/{web.own_goal}"
    owner = web.signed_in("ruiz")
    plan_page, goal_page = owner.get(plan_url).text, owner.get(goal_url).text
    for form in (
        "new-goal",
        "new-intervention",
        "new-diagnosis",
        "focus-areas",
        "client",
        "details",
        "close",
        "scores",
        "safety-review",
        "copies-given",
    ):
        assert f'href="{plan_url}/{form}"' in plan_page, form
    for form in ("new-step", "status", "gas-scale", "gas-score"):
        assert f'href="{goal_url}/{form}"' in goal_page, form
    assert 'href="/caseload/new-plan"' in owner.get("/caseload").text
    supervisor = web.signed_in("chen")
    assert f"{plan_url}/new-goal" not in supervisor.get(plan_url).text
    assert f"{goal_url}/new-step" not in supervisor.get(goal_url).text
    assert f"{plan_url}/scores" not in supervisor.get(plan_url).text
    assert f"{goal_url}/gas-score" not in supervisor.get(goal_url).text
    assert "/caseload/new-plan" not in supervisor.get("/caseload").text


def test_every_form_page_labels_each_field(web: Web) -> None:
    client = web.signed_in("ruiz")
    with goalplan.open(web.db, actor="seed") as gp:
        plan = gp.plan(web.own_plan)
        step = plan.add_step(web.own_goal, "Name one trigger")
        plan.add_diagnosis("F41.0")
        area = plan.add_focus("Worry")
        plan.set_gas_scale(web.own_goal, ["none", "one", "two", "three", "four"])  # the rating form shows
    base = f"/plans/{web.own_plan}"
    goal = f"{base}/goals/{web.own_goal}"
    pages = [
        "/caseload/new-plan",
        f"{base}/new-goal",
        f"{goal}/new-step",
        f"{goal}/steps/{step}/done",
        f"{goal}/status",
        f"{base}/new-intervention",
        f"{base}/new-diagnosis",
        f"{base}/diagnoses/F41.0/resolve",
        f"{base}/focus-areas",
        f"{base}/focus-areas/{area}/problem",
        f"{base}/client",
        f"{base}/details",
        f"{base}/close",
        f"{base}/scores",
        f"{goal}/gas-scale",
        f"{goal}/gas-score",
        f"{base}/safety-review",
        f"{base}/copies-given",
    ]
    for url in pages:
        page = client.get(url).text
        controls = set(re.findall(r'<(?:input|textarea|select) id="([^"]+)"', page))
        labelled = set(re.findall(r'<label (?:class="check" )?for="([^"]+)"', page))
        assert controls and controls <= labelled, (url, controls - labelled)
        assert 'name="csrftoken"' in page, url


def test_a_stale_details_form_shows_the_other_writers_values_where_nothing_was_typed(web: Web) -> None:
    client = web.signed_in("ruiz")
    url = f"/plans/{web.own_plan}/details"
    page = client.get(url).text
    shown = dict(re.findall(r'<input type="hidden" name="(was_[a-z_]+)" value="([^"]*)"', page))
    assert set(shown) == {
        f"was_{k}"
        for k in (
            "strengths",
            "needs",
            "abilities",
            "preferences",
            "level_of_care",
            "effective_from",
            "effective_through",
            "aftercare",
            "referrals",
            "discharge",
        )
    }
    typed = {k.removeprefix("was_"): html.unescape(v) for k, v in shown.items()}
    seen = state(web, web.own_plan).version
    with goalplan.open(web.db, actor="other.tab") as gp:
        gp.plan(web.own_plan).set_details(strengths="Good humour", needs="Sleep", reason="intake")
    form = {
        **typed,
        **{k: html.unescape(v) for k, v in shown.items()},
        "needs": "Rest",
        "level_of_care": "outpatient",
    }
    status, _, page = post(client, url, web, web.own_plan, **form, version=str(seen))
    assert status == 409
    assert "Good humour" in re.search(r'<textarea id="strengths"[^>]*>([^<]*)<', page).group(
        1
    )  # untouched: new value
    assert (
        re.search(r'<textarea id="needs"[^>]*>([^<]*)<', page).group(1) == "Rest"
    )  # typed over the change: kept
    assert 'id="level_of_care" name="level_of_care" value="outpatient"' in page
    assert state(web, web.own_plan).version == seen + 1


def test_an_intervention_can_be_linked_to_every_goal_of_a_large_plan(web: Web) -> None:
    with goalplan.Goalplan.open(web.db, actor="seed") as gp:
        plan = gp.plan(web.own_plan)
        for n in range(60):  # one form field per goal ticked: more than a small field limit allows
            plan.set_goal(f"I will practise skill {n} each week.", by=date(2026, 9, 1))
    client = web.signed_in("ruiz")
    current = state(web, web.own_plan)
    goals = list(current.goals)
    assert len(goals) > 60
    data = {
        "modality": "ACT",
        "description": "Weekly skills practice",
        "type": "individual",
        "minutes": "50",
        "sessions": "1",
        "per": "week",
        "provider": "Sam Lee",
        "version": str(current.version),
        "csrftoken": csrf(client),
    }
    response = client.post(f"/plans/{web.own_plan}/new-intervention", data={**data, "goals": goals})
    assert response.status_code == 303, response.text
    added = next(i for i in state(web, web.own_plan).interventions.values() if i.modality == "ACT")
    assert set(added.goal_ids) == set(goals)
