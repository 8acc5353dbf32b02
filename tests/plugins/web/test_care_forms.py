"""The forms for scores, goal attainment scaling, safety reviews and copies given: each writes
through the API as the signed-in clinician, shows a bad field next to itself with what was typed
kept and nothing written, and answers a stale form with the changes made since."""

from __future__ import annotations

from datetime import date

import pytest

import goalplan
from tests.plugins.web.conftest import Web, write_meanwhile
from tests.plugins.web.test_plan_forms import actors_after, field_error, post, state

ITEMS = "2,2,1,2,2,1,1,1,1"  # a PHQ-9 of 13 with item 9 (thoughts of self-harm) at 1
SCALE = {
    "minus2": "No social outing in the month",
    "minus1": "One outing in the month",
    "expected": "Two outings a month",
    "plus1": "Three outings a month",
    "plus2": "Four or more outings a month",
}


def test_recording_a_score_with_its_items(web: Web) -> None:
    client = web.signed_in("ruiz")
    url = f"/plans/{web.own_plan}/scores"
    before = state(web, web.own_plan).version
    status, where, _ = post(
        client,
        url,
        web,
        web.own_plan,
        instrument="phq9",
        total="13",
        items=ITEMS,
        on="2026-03-02",
        goal=web.own_goal,
        note="In session",
    )
    assert (status, where) == (303, url)
    score = state(web, web.own_plan).scores[-1]
    assert (score.instrument, score.total, score.items, score.observed_on, score.goal_id, score.note) == (
        "phq9",
        13,
        (2, 2, 1, 2, 2, 1, 1, 1, 1),
        date(2026, 3, 2),
        web.own_goal,
        "In session",
    )
    assert actors_after(web, web.own_plan, before) == {"ruiz"}
    page = client.get(url).text
    assert "2026-03-02" in page and "PHQ-9" in page and "2, 2, 1, 2, 2, 1, 1, 1, 1" in page


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"instrument": "", "total": "9"}, "instrument", "Choose the instrument."),
        ({"instrument": "phq9", "total": ""}, "total", "Give the total score, such as 14."),
        ({"instrument": "phq9", "total": "nine"}, "total", "Give a number, such as 2 or 1.5."),
        ({"instrument": "phq9", "total": "30"}, "total", "must be a whole number from 0 to 27 for PHQ-9"),
        (
            {"instrument": "phq9", "total": "9", "items": "1,x"},
            "items",
            "Give the item scores as whole numbers",
        ),
        ({"instrument": "phq9", "total": "9", "items": "1,2"}, "items", "PHQ-9 has 9 items; give all 9"),
        (
            {"instrument": "phq9", "total": "13", "items": "2,2,9,2,2,1,1,1,1"},
            "items",
            "Item 3 must be from 0",
        ),
        (
            {"instrument": "phq9", "total": "9", "items": ITEMS},
            "items",
            "add up to 13 but the total given is 9",
        ),
        ({"instrument": "phq9", "total": "9", "on": "2026-02-30"}, "on", "Give a real date as YYYY-MM-DD"),
        ({"instrument": "phq9", "total": "9", "goal": "NOSUCHGOAL"}, "goal", "Choose a goal of this plan"),
    ],
)
def test_a_bad_score_is_shown_next_to_its_field_and_nothing_is_written(
    web: Web, form: dict[str, str], field: str, message: str
) -> None:
    client = web.signed_in("ruiz")
    before = state(web, web.own_plan).version
    status, _, page = post(
        client, f"/plans/{web.own_plan}/scores", web, web.own_plan, note="kept note", **form
    )
    assert status == 400
    assert field_error(page, field).startswith(message), field_error(page, field) or page[-800:]
    assert "kept note" in page
    assert state(web, web.own_plan).version == before


def test_a_goal_gets_an_attainment_scale_and_then_ratings(web: Web) -> None:
    client = web.signed_in("ruiz")
    goal = f"/plans/{web.own_plan}/goals/{web.own_goal}"
    before = state(web, web.own_plan).version
    status, _, page = post(client, f"{goal}/gas-score", web, web.own_plan, level="0")
    assert status == 400 and "has no attainment scale yet" in page  # a refusal no field caused
    unscaled = client.get(f"{goal}/gas-score").text
    assert "Set its −2..+2 levels" in unscaled and "Record rating" not in unscaled  # no form to fail
    missing = {**SCALE, "plus1": " "}
    status, _, page = post(client, f"{goal}/gas-scale", web, web.own_plan, **missing, weight="1")
    assert status == 400 and field_error(page, "plus1").startswith("Describe what this level looks like")
    assert "Four or more outings a month" in page
    status, _, page = post(client, f"{goal}/gas-scale", web, web.own_plan, **SCALE, weight="0")
    assert status == 400 and field_error(page, "weight").startswith("must be more than 0")
    assert state(web, web.own_plan).version == before

    status, where, _ = post(client, f"{goal}/gas-scale", web, web.own_plan, **SCALE, weight="2", reason="set")
    assert (status, where) == (303, goal)
    scale = state(web, web.own_plan).goals[web.own_goal].gas_scale
    assert scale is not None and scale.levels == tuple(SCALE.values()) and scale.weight == 2
    assert "Two outings a month</textarea>" in client.get(f"{goal}/gas-scale").text  # as it stands

    status, _, page = post(client, f"{goal}/gas-score", web, web.own_plan, level="3")
    assert status == 400 and field_error(page, "level") == "Choose a level from −2 to +2."
    status, where, _ = post(client, f"{goal}/gas-score", web, web.own_plan, level="+1", on="2026-03-02")
    assert (status, where) == (303, goal)
    point = state(web, web.own_plan).goals[web.own_goal].gas_points[-1]
    assert (point.level, point.observed_on, point.actor) == (1, date(2026, 3, 2), "ruiz")
    assert "+1</strong> — Three outings a month" in client.get(f"{goal}/gas-score").text


def test_a_safety_finding_is_answered_by_a_review(web: Web) -> None:
    client = web.signed_in("ruiz")
    url = f"/plans/{web.own_plan}/safety-review"
    status, _, page = post(client, url, web, web.own_plan, reason="Checked in")
    assert status == 400 and "no PHQ-9 item 9 finding waiting" in field_error(page, "score")
    with goalplan.open(web.db, actor="seed") as gp:
        gp.plan(web.own_plan).record_score("phq9", 13, items=[2, 2, 1, 2, 2, 1, 1, 1, 1], on=date(2026, 3, 2))
    finding = state(web, web.own_plan).scores[-1].event_id
    page = client.get(url).text
    assert "waiting for a safety review" in page and f'value="{finding}" selected' in page
    before = state(web, web.own_plan).version
    for form, field, message in (
        ({"reason": ""}, "reason", "Describe the safety response"),
        ({"reason": "Seen", "score": "not-a-score"}, "score", "Choose one of the findings listed."),
        ({"reason": "Seen", "on": "2026-03-01"}, "on", "2026-03-01 is before the score it reviews"),
    ):
        status, _, page = post(client, url, web, web.own_plan, **form)
        assert status == 400 and field_error(page, field).startswith(message), (form, page[-600:])
    assert state(web, web.own_plan).version == before
    status, where, _ = post(client, url, web, web.own_plan, reason="Safety plan agreed.", on="2026-03-02")
    assert (status, where) == (303, url)
    review = state(web, web.own_plan).safety_reviews[-1]
    assert (review.score_event_id, review.reason, review.actor) == (finding, "Safety plan agreed.", "ruiz")
    assert "reviewed on 2026-03-02 by ruiz: Safety plan agreed." in client.get(url).text


def test_a_copy_given_records_the_version_shown(web: Web) -> None:
    client = web.signed_in("ruiz")
    url = f"/plans/{web.own_plan}/copies-given"
    status, _, page = post(client, url, web, web.own_plan, to=" ", method="portal")
    assert status == 400 and field_error(page, "to").startswith("Say who received the copy")
    assert 'value="portal"' in page
    shown = state(web, web.own_plan).version
    status, where, _ = post(
        client, url, web, web.own_plan, to="Amara Lindqvist", on="2026-03-02", method="printed"
    )
    assert (status, where) == (303, url)
    copy = state(web, web.own_plan).copies_given[-1]
    assert (copy.given_to, copy.given_on, copy.method, copy.plan_version, copy.actor) == (
        "Amara Lindqvist",
        date(2026, 3, 2),
        "printed",
        shown,
        "ruiz",
    )
    assert "2026-03-02: to Amara Lindqvist, printed" in client.get(url).text


@pytest.mark.parametrize(
    ("path", "form", "kept"),
    [
        ("/scores", {"instrument": "gad7", "total": "11", "note": "typed note"}, "typed note"),
        ("/copies-given", {"to": "Typed Recipient"}, "Typed Recipient"),
        ("/safety-review", {"reason": "Typed response"}, "Typed response"),
        ("/goals/{goal}/gas-scale", {**SCALE, "reason": "typed reason"}, "typed reason"),
        ("/goals/{goal}/gas-score", {"level": "-1", "note": "typed note"}, "typed note"),
    ],
)
@pytest.mark.parametrize("when", ["before the check", "between the check and the append"])
def test_a_stale_form_is_a_conflict_that_keeps_what_was_typed(
    web: Web, monkeypatch: pytest.MonkeyPatch, path: str, form: dict[str, str], kept: str, when: str
) -> None:
    with goalplan.open(web.db, actor="seed") as gp:
        plan = gp.plan(web.own_plan)
        plan.set_gas_scale(web.own_goal, ["a", "b", "c", "d", "e"])
        plan.record_score("phq9", 13, items=[2, 2, 1, 2, 2, 1, 1, 1, 1], on=date(2026, 3, 2))
    client = web.signed_in("ruiz")
    url = f"/plans/{web.own_plan}{path.format(goal=web.own_goal)}"
    shown = state(web, web.own_plan).version
    if when == "before the check":
        with goalplan.open(web.db, actor="other.tab") as gp:
            gp.plan(web.own_plan).set_details(strengths="Written meanwhile", reason="from the other tab")
    else:
        write_meanwhile(monkeypatch, web, web.own_plan)
    status, _, page = post(client, url, web, web.own_plan, version=str(shown), **form)
    assert status == 409, page[-600:]
    assert "The plan changed while you were editing" in page and "Written meanwhile" in page
    assert kept in page
    assert state(web, web.own_plan).version == shown + 1
    assert actors_after(web, web.own_plan, shown) == {"other.tab"}
    assert f'name="version" value="{shown + 1}"' in page
