"""The caseload analytics page: goal progress and instrument outcomes, as the PDF's analytics say."""

from __future__ import annotations

import html
import re
from datetime import date

import goalplan
from tests.plugins.web.conftest import Web


def add_phq9(web: Web) -> None:
    with goalplan.open(web.db, actor="seed") as gp:
        plan = gp.plan(web.own_plan)
        plan.record_score("phq9", 18, on=date(2026, 1, 12))
        plan.record_score("phq9", 4, on=date(2026, 3, 2))


def test_a_clinician_sees_their_caseloads_outcomes_with_charts(web: Web) -> None:
    add_phq9(web)
    page = web.signed_in("ruiz").get("/analytics")
    assert page.status_code == 200
    text = page.text
    assert f"/plans/{web.own_plan}" in text and f"/plans/{web.other_plan}" not in text
    with goalplan.open(web.db) as gp:
        analytics = gp.plan(web.own_plan).analytics(today=date(2026, 6, 1))
    for goal in analytics.goals:
        p = goal.progress
        row = text.split(f"/goals/{goal.goal_id}", 1)[1].split("</li>", 1)[0]
        if p.percent is not None:
            assert f"{p.percent:.0f}%" in row
        assert p.on_track.replace("-", " ") in row
    phq9 = analytics.instruments[0]
    assert phq9.change is not None and phq9.remission is True
    assert (
        "PHQ-9" in text
        and html.escape(phq9.change.summary(), quote=False) in text
        and "Remission: yes" in text
    )
    assert text.count('<svg class="chart"') >= len(analytics.goals) + 1  # goals and scores
    assert "remission below 5" in text
    counts = re.search(r'aria-label="Goals by status: ([^"]*)"', text)
    assert counts is not None and '<svg class="bars"' in text
    assert sum(int(n) for n in re.findall(r": (\d+)", counts.group(1))) == len(analytics.goals)


def test_a_supervisor_sees_the_supervised_caseload_and_others_have_no_analytics_page(web: Web) -> None:
    page = web.signed_in("chen").get("/analytics").text
    assert f"/plans/{web.own_plan}" in page and f"/plans/{web.other_plan}" not in page
    jensen = web.signed_in("jensen").get("/analytics").text
    assert f"/plans/{web.other_plan}" in jensen and f"/plans/{web.own_plan}" not in jensen
    assert web.signed_in("audit").get("/analytics").status_code == 403
    assert web.signed_in("admin").get("/analytics").status_code == 403
