"""Small texts a person reads: plural forms, column headings, help that wraps between words."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from click.testing import CliRunner

import goalplan
from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands


def test_plan_list_says_what_its_goal_column_counts_and_progress_counts_agree(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    with goalplan.open(db, actor="dr.ruiz") as gp:
        plan = gp.open_plan(client="A", clinician="B", opened=date(2026, 1, 5))
        goal = plan.set_goal("x", measure=goalplan.Measure(name="m", unit="u", baseline=3, target=1))
        plan.set_goal("y", status="proposed")
        plan.record_progress(goal, 2, on=date(2026, 1, 9))
    runner = CliRunner()
    listed = runner.invoke(cli, ["--db", str(db), "plan", "list"]).output
    assert "ACTIVE GOALS" in listed.splitlines()[0]
    assert "1 of 2" in listed
    shown = runner.invoke(cli, ["--db", str(db), "plan", "show", plan.id]).output
    assert "Progress (1 value)," in shown


def test_help_never_splits_a_hyphenated_choice() -> None:
    install_plugin_commands(cli)
    runner = CliRunner()
    for args in (["goal", "status"], ["goal", "set"], ["goal", "revise"]):
        for width in (50, 60, 70, 80):
            text = runner.invoke(cli, [*args, "--help"], terminal_width=width).output
            ends = [line.rstrip() for line in text.splitlines()]
            assert not any(end.endswith(("on-", "entered-", "entered-in-")) for end in ends)


def test_every_option_of_every_command_has_help() -> None:
    install_plugin_commands(cli)

    def walk(command: click.Command, path: str) -> None:
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden and param.name != "help":
                assert param.help, f"{path} {param.opts[-1]} has no help text"
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}")

    walk(cli, "goalplan")
