"""Two ``goal revise`` runs at once on different parts of one measure both keep their change.

Two forked processes drive the real command line. Before each trial they meet at a barrier,
then one revises the goal's unit and the other its baseline. Each attempt must be decided
against the goal as it then stands, so the retry after the lost race keeps the winner's change
instead of writing back the value it read before.
"""

from __future__ import annotations

import multiprocessing
from datetime import date
from multiprocessing.synchronize import Barrier
from typing import Any

import pytest
from click.testing import CliRunner

from goalplan import Goalplan, Measure
from goalplan.cli.main import cli

TRIALS = 50


def _reviser(db: str, plan_id: str, goals: list[str], option: list[str], barrier: Barrier, out: Any) -> None:
    runner = CliRunner()
    failures = []
    for goal in goals:
        barrier.wait(timeout=60)
        result = runner.invoke(
            cli, ["--db", db, "--", "goal", "revise", plan_id, goal, "--reason", "review", *option]
        )
        if result.exit_code != 0:
            failures.append(f"{goal}: exit {result.exit_code}: {result.output.strip()}")
    out.put(failures)


def _setup(db: str) -> tuple[str, list[str]]:
    with Goalplan.open(db, actor="dr.ruiz") as gp:
        plan = gp.open_plan(client="Ana Souza", clinician="Dr. Ruiz", opened=date(2026, 1, 5))
        goals = [
            plan.set_goal(
                f"I will go to {n} social gatherings a month",
                measure=Measure(name="gatherings", unit="per month", baseline=0, target=2),
            )
            for n in range(TRIALS)
        ]
        return plan.id, goals


def _race(db: str) -> None:
    plan_id, goals = _setup(db)
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    out = ctx.Queue()
    options = (["--unit", "per week"], ["--baseline", "1"])
    procs = [ctx.Process(target=_reviser, args=(db, plan_id, goals, o, barrier, out)) for o in options]
    for proc in procs:
        proc.start()
    failures = [out.get(timeout=300) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    assert failures == [[], []]
    with Goalplan.open(db) as gp:
        state = gp.plan(plan_id).state
        kept = [
            g
            for g in goals
            if state.goals[g].measure == Measure(name="gatherings", unit="per week", baseline=1, target=2)
        ]
        assert len(kept) == TRIALS, f"only {len(kept)} of {TRIALS} trials kept both changes"
        for goal in goals:
            revisions = [h for h in gp.plan(plan_id).history(goal) if h.event_type == "goal_revised"]
            # Each revision changed only its own part: neither wrote the other's back.
            assert sorted(h.field for h in revisions) == ["baseline", "unit"]
        assert gp.verify() == []


@pytest.mark.slow
def test_concurrent_revisions_of_a_measure_keep_both_changes_on_sqlite(tmp_path: Any) -> None:
    _race(str(tmp_path / "plans.db"))


@pytest.mark.slow
@pytest.mark.postgres
def test_concurrent_revisions_of_a_measure_keep_both_changes_on_postgres(postgres_url: str) -> None:
    _race(postgres_url)
