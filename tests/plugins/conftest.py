"""Fixtures for plugin tests: a realistic plan built through the public API, and ways to run
the command line in-process (CliRunner) or as a fresh process (for entry points and startup)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import goalplan
from goalplan import Measure
from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands
from goalplan.plugins import get_plugin_manager
from tests.plugins.plugin_helpers import EXAMPLE_PLUGIN, pip_install_target


@pytest.fixture(autouse=True)
def fresh_plugin_manager() -> Iterator[None]:
    """Each test sees the plugins its own environment allows, not a cached earlier set."""
    get_plugin_manager.cache_clear()
    yield
    get_plugin_manager.cache_clear()


def build_panic_plan(gp: goalplan.Goalplan) -> goalplan.Plan:
    """A course of CBT for panic attacks: three a week to fewer than one within two months."""
    plan = gp.open_plan(
        client="Amara Lindqvist",
        clinician="Dr. Tomás Ruiz",
        credentials="PhD, licensed psychologist",
        opened=date(2026, 1, 5),
        review_every=60,
        discharge_criteria="Fewer than one panic attack a week for four weeks in a row.",
    )
    goal = plan.set_goal(
        "I will have fewer than one panic attack a week within two months, so I can ride the bus to work.",
        focus="Panic attacks",
        measure=Measure(name="panic attacks", unit="per week", baseline=3, target=0.5),
        by=date(2026, 3, 5),
        relevance="Taking the bus again means keeping the job she likes.",
    )
    walks = plan.set_goal(
        "I will take a 20-minute walk on four days a week.",
        focus="Panic attacks",
        term="long",
        measure=Measure(name="walking days", unit="days per week", baseline=0, target=4),
        by=date(2026, 6, 30),
    )
    plan.add_step(goal, "Learn paced breathing and practise it daily", by=date(2026, 1, 19))
    plan.plan_intervention(
        "CBT", "Interoceptive exposure and cognitive restructuring", "weekly", goals=[goal]
    )
    for day, value, note in (
        (date(2026, 1, 12), 3, "Two attacks on the bus, one at home."),
        (date(2026, 1, 26), 2, "Used breathing on the bus; one attack shortened."),
        (date(2026, 2, 9), 1, "Only one attack, at the supermarket."),
    ):
        plan.record_progress(goal, value, on=day, note=note)
    plan.record_progress(walks, 2, on=date(2026, 2, 9), note="Walked Monday and Thursday.")
    plan.revise_goal(
        goal,
        reason="Progress is faster than expected; the target now includes the evening train.",
        statement="I will have fewer than one panic attack a week within two months, on the bus and train.",
    )
    plan.hold_review(held=date(2026, 3, 2), summary="Attacks down to one a week.", next=date(2026, 5, 1))
    plan.sign(role="client", name="Amara Lindqvist", on=date(2026, 1, 5))
    plan.sign(role="clinician", name="Dr. Tomás Ruiz", credentials="PhD", on=date(2026, 1, 5))
    return plan


@pytest.fixture
def panic_plan(gp: goalplan.Goalplan) -> goalplan.Plan:
    return build_panic_plan(gp)


@pytest.fixture
def invoke(db_path: Path) -> Iterator[object]:
    """Run ``goalplan --db <db_path> ...`` in-process; returns click's Result."""
    install_plugin_commands(cli)
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(cli, ["--db", str(db_path), *args], env=env, catch_exceptions=False)

    yield run


@pytest.fixture(scope="session")
def markdown_plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/goalplan-markdown, pip-installed once per session into a folder of its own.

    Put the folder on sys.path (or PYTHONPATH) to make the plugin's entry point visible, exactly
    as it would be after ``pip install`` into an environment.
    """
    target = tmp_path_factory.mktemp("site") / "packages"
    pip_install_target(EXAMPLE_PLUGIN, target, tmp_path_factory.mktemp("build"))
    return target
