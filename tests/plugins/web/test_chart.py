"""The goal chart: inline SVG from the goal's points and the same analytics as the PDF."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import goalplan
from goalplan_web.chart import goal_chart
from tests.plugins.web.conftest import Web

SVG = "{http://www.w3.org/2000/svg}"


def test_the_chart_draws_every_point_with_baseline_target_and_target_date(panic_plan: goalplan.Plan) -> None:
    goal = next(iter(panic_plan.state.goals.values()))
    svg = str(goal_chart(goal, goalplan.goal_progress(goal, date(2026, 3, 1))))
    root = ET.fromstring(svg)
    assert len(root.findall(f"{SVG}circle")) == len(goal.progress) == 3
    assert len(root.findall(f"{SVG}line")) == 3  # baseline, target, target date
    title = root.find(f"{SVG}title")
    assert title is not None and "baseline 3, target 0.5, latest 1 on 2026-02-09" in (title.text or "")
    assert "style" not in svg and "<script" not in svg


def test_no_chart_without_a_measure_or_points(gp: goalplan.Goalplan) -> None:
    plan = gp.open_plan(client="A <b>", clinician="C", opened=date(2026, 1, 5))
    plain = plan.set_goal("I will <b>walk</b> daily.")
    measured = plan.set_goal(
        "I will sleep well.", measure=goalplan.Measure(name="<nights>", unit="a&b", baseline=1, target=5)
    )
    state = plan.state
    for goal_id in (plain, measured):
        goal = state.goals[goal_id]
        assert str(goal_chart(goal, goalplan.goal_progress(goal, date(2026, 2, 1)))) == ""
    plan.record_progress(measured, 2, on=date(2026, 1, 10))
    goal = plan.state.goals[measured]
    svg = str(goal_chart(goal, goalplan.goal_progress(goal, date(2026, 2, 1))))
    assert "&lt;nights&gt; (a&amp;b)" in svg and "<nights>" not in svg
    ET.fromstring(svg)  # well-formed


def test_plan_and_goal_pages_carry_the_chart(web: Web) -> None:
    client = web.signed_in("ruiz")
    assert '<svg class="chart"' in client.get(f"/plans/{web.own_plan}").text
    assert '<svg class="chart"' in client.get(f"/plans/{web.own_plan}/goals/{web.own_goal}").text
