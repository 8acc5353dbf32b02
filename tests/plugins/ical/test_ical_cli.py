"""The calendar through the command line: export, --all, the caseload calendar, and lazy imports."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import goalplan
from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands
from tests.plugins.ical.ical_helpers import CLIENT, events_by_uid

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    install_plugin_commands(cli)
    return CliRunner()


def test_export_writes_the_same_ics_as_the_python_api(
    runner: CliRunner, plan: goalplan.Plan, db_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "plan.ics"
    args = ["--db", str(db_path), "export", plan.id[:6], "--format", "ics", "-o", str(out)]
    result = runner.invoke(cli, [*args, "--option", "tz=Europe/Berlin"])
    assert result.exit_code == 0, result.output
    from goalplan_ical import plan_calendar

    assert out.read_bytes() == plan_calendar(plan.log(), {"tz": "Europe/Berlin"})


def test_export_all_writes_one_file_per_plan(
    runner: CliRunner, gp: goalplan.Goalplan, plan: goalplan.Plan, db_path: Path, tmp_path: Path
) -> None:
    other = gp.open_plan(client="Riley Stone", clinician="Dr. Ana Ruiz", opened=date(2026, 2, 1))
    out = tmp_path / "calendars"
    args = ["--db", str(db_path), "export", "--all", "--format", "ics", "--out", str(out)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted([f"{plan.id}.ics", f"{other.id}.ics"])
    assert f"goalplan-{other.id}-review-1" in events_by_uid((out / f"{other.id}.ics").read_bytes())


def test_a_bad_option_exits_non_zero_naming_it_and_writes_nothing(
    runner: CliRunner, plan: goalplan.Plan, db_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "plan.ics"
    args = ["--db", str(db_path), "export", plan.id, "--format", "ics", "-o", str(out)]
    args += ["--option", "tz=Nowhere"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert "--option tz" in result.output and "Europe/Berlin" in result.output
    assert not out.exists()


def test_calendar_all_writes_the_caseload_in_one_file(
    runner: CliRunner, gp: goalplan.Goalplan, plan: goalplan.Plan, db_path: Path, tmp_path: Path
) -> None:
    gp.open_plan(client="Riley Stone", clinician="Dr. Ana Ruiz", opened=date(2026, 2, 1))
    out = tmp_path / "caseload.ics"
    result = runner.invoke(cli, ["--db", str(db_path), "calendar", "--all", "-o", str(out)])
    assert result.exit_code == 0, result.output
    events = events_by_uid(out.read_bytes())
    assert len(events) == 3  # two reviews and one goal target
    assert CLIENT.encode() not in out.read_bytes()
    result = runner.invoke(cli, ["--db", str(db_path), "calendar", plan.id, "--all"])
    assert result.exit_code == 2 and "either a PLAN or --all" in result.output


def test_calendar_all_holds_only_the_plans_with_a_date_now(
    runner: CliRunner, gp: goalplan.Goalplan, plan: goalplan.Plan, db_path: Path, tmp_path: Path
) -> None:
    """A closed plan has no live entry, so the caseload calendar no longer reads its log."""
    other = gp.open_plan(client="Riley Stone", clinician="Dr. Ana Ruiz", opened=date(2026, 2, 1))
    other.close(reason="moved away", on=date(2026, 2, 2))
    assert [log.plan_id for log in gp.dated_logs()] == [plan.id]
    assert {log.plan_id for log in gp.dated_logs(changed_after=0)} == {plan.id, other.id}
    out = tmp_path / "caseload.ics"
    result = runner.invoke(cli, ["--db", str(db_path), "calendar", "--all", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert all(other.id not in uid for uid in events_by_uid(out.read_bytes()))
    assert len(events_by_uid(out.read_bytes())) == 2  # the open plan's review and goal target


def test_help_does_not_import_the_calendar_libraries() -> None:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'core'}{os.pathsep}{ROOT / 'plugins'}"}
    code = (
        "import sys\n"
        "from goalplan.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m in ('icalendar', 'http.client', 'goalplan_ical.render', 'goalplan_ical.sync')"
        " if m in sys.modules]\n"
        "print('LOADED', loaded, 'goalplan_ical' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert "LOADED [] True" in done.stdout
    assert "sync" in done.stdout and "calendar" in done.stdout
