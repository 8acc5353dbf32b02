"""The caseload's outcomes for clinicians and supervisors, from the analytics the PDF uses.

Per plan the account may read: each goal's progress (percent of the way, on-track status,
projected date) with its chart, and each instrument's first and latest totals with severity,
Reliable Change and remission where the instrument defines them. Server-rendered SVG only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import goalplan
from goalplan_web.chart import goal_chart, score_chart, status_chart
from goalplan_web.kit import Kit
from goalplan_web.roles import visible


@dataclass(frozen=True)
class GoalRow:
    goal_id: str
    statement: str
    progress: goalplan.GoalProgress
    chart: Markup


@dataclass(frozen=True)
class InstrumentRow:
    summary: goalplan.InstrumentSummary
    chart: Markup


@dataclass(frozen=True)
class PlanOutcomes:
    summary: Any  # goalplan's caseload row for the plan
    goals: list[GoalRow]
    instruments: list[InstrumentRow]


def plan_outcomes(
    plan: goalplan.Plan, summary: Any, day: date, instruments: dict[str, goalplan.Instrument]
) -> PlanOutcomes:
    state = plan.state
    analytics = plan.analytics(today=day)
    goals = [
        GoalRow(
            g.goal_id,
            state.goals[g.goal_id].statement,
            g.progress,
            goal_chart(state.goals[g.goal_id], g.progress),
        )
        for g in analytics.goals
    ]
    rows = []
    for s in analytics.instruments:
        points = [
            (x.observed_on, x.total)
            for x in state.scores
            if x.instrument == s.instrument and x.observed_on <= day
        ]
        known = instruments.get(s.instrument)
        rows.append(InstrumentRow(s, score_chart(s.name, points, known.remission_below if known else None)))
    return PlanOutcomes(summary, goals, rows)


def routes(kit: Kit) -> list[BaseRoute]:
    def page(request: Request, form: FormData | None) -> Response:
        account = kit.require(request, "analytics")
        with kit.store(account) as gp:
            day = kit.today(gp)
            instruments = gp.instruments()
            summaries = [p for p in gp.plans() if visible(account, p.clinician_name)]
            summaries.sort(key=lambda p: (p.client_name, p.plan_id))
            plans = [plan_outcomes(gp.plan(p.plan_id), p, day, instruments) for p in summaries]
        counts = Counter(g.progress.on_track for p in plans for g in p.goals)
        ordered = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return kit.render(
            request, "analytics.html", plans=plans, today=day, status=status_chart(ordered), counts=ordered
        )

    return [Route("/analytics", kit.endpoint(page))]
