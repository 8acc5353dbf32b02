"""PlanLog.replay: each event with the plan as it stood just after it."""

from __future__ import annotations

from datetime import date

import goalplan


def test_replay_yields_the_same_states_as_folding_each_prefix(gp: goalplan.Goalplan) -> None:
    plan = gp.open_plan(client="A. Client", clinician="Dr. B", opened=date(2026, 1, 5))
    goal = plan.set_goal("I will walk twice a week", by=date(2026, 3, 1))
    plan.revise_goal(goal, reason="more time", by=date(2026, 4, 1))
    plan.hold_review(held=date(2026, 2, 1))
    plan.close(reason="done", on=date(2026, 5, 1))
    plan.correct(plan.log().records[-1].event_id, reason="wrong plan")
    log = plan.log()
    replayed = list(log.replay())
    assert [record for record, _ in replayed] == list(log.records)
    for count, (_, state) in enumerate(replayed, start=1):
        assert state == goalplan.PlanLog(log.records[:count]).state
    assert replayed[-1][1] == log.state
