"""A payload replaced with plain SQL by JSON of the wrong shape: every read says where, in one
sentence, and a forensic read (--allow-broken) shows what can still be read, marked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands
from tests.core.cli.test_integrity_cli import db, plans, run, tamper  # noqa: F401  (fixtures)

install_plugin_commands(cli)  # calendar comes from the ical plugin, as on the command line

# (version, payload): the first plan holds plan_opened (1), goal_set (2), progress_recorded (3).
DAMAGE = [
    (2, "{}"),
    (2, "[]"),
    (2, '"text"'),
    (2, "null"),
    (2, "5"),
    (2, "not json"),
    (2, '{"goal_id": 5, "measure": [], "statement": 7, "target_date": "x"}'),
    (3, '{"goal_id": "NO-SUCH-GOAL", "observed_on": "2026-01-20", "value": 3}'),
    (3, '{"goal_id": "G", "observed_on": "2026-01-20", "value": "three"}'),
]
READS = [
    ("plan", "show", "{plan}"),
    ("plan", "show", "{plan}", "--json"),
    ("history", "{plan}"),
    ("history", "{plan}", "--json"),
    ("calendar", "{plan}", "-o", "{out}/plan.ics"),
    ("export", "{plan}", "--format", "pdf", "-o", "{out}/plan.pdf"),
    ("export", "{plan}", "--format", "csv", "-o", "{out}/plan.csv"),
    ("export", "{plan}", "--format", "fhir", "-o", "{out}/plan.json"),
    ("export", "{plan}", "--format", "ics", "-o", "{out}/plan2.ics"),
    ("export", "--all", "--format", "csv", "--out", "{out}/all"),
    ("log", "export", "-o", "{out}/log.jsonl"),
]


def damage(db: Path, plan: str, version: int, payload: str) -> None:  # noqa: F811
    tamper(db, f"UPDATE events SET payload = '{payload}' WHERE plan_id = '{plan}' AND version = {version}")


@pytest.mark.parametrize(("version", "payload"), DAMAGE)
def test_every_read_names_plan_and_version_and_writes_nothing(
    db: Path,  # noqa: F811
    plans: tuple[str, str],  # noqa: F811
    tmp_path: Path,
    version: int,
    payload: str,
) -> None:
    first, _ = plans
    damage(db, first, version, payload)
    out = tmp_path / "out"
    out.mkdir()
    for read in READS:
        args = [a.format(plan=first, out=out) for a in read]
        result = run(db, *args)  # an exception here (a traceback for the user) fails the test
        assert result.exit_code == 1, (args, result.output)
        assert f"plan {first} version {version}" in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
    assert not any(out.rglob("*.*")), "a refused read wrote a file"


@pytest.mark.parametrize(("version", "payload"), DAMAGE)
def test_a_forensic_read_shows_what_can_be_read_and_marks_it(
    db: Path,  # noqa: F811
    plans: tuple[str, str],  # noqa: F811
    tmp_path: Path,
    version: int,
    payload: str,
) -> None:
    first, _ = plans
    damage(db, first, version, payload)
    out = tmp_path / "out"
    out.mkdir()
    for read in READS:
        args = ["--allow-broken", *(a.format(plan=first, out=out) for a in read)]
        result = run(db, *args)
        assert result.exit_code == 0, (args, result.output)
    shown = run(db, "--allow-broken", "plan", "show", first).stdout
    assert shown.startswith("WARNING: this log fails verification") and "Left out as unreadable" in shown
    assert f"version(s) {version}" in shown  # the damaged entry is named, not silently skipped
    state = json.loads(run(db, "--allow-broken", "plan", "show", first, "--json").stdout)
    assert "Ana Ruiz" in json.dumps(state) and state["integrity_warning"].startswith("WARNING")
    lines = (out / "log.jsonl").read_text().splitlines()
    assert len(lines) == 5 and all("integrity_warning" in json.loads(line) for line in lines)
    stored = [json.loads(line) for line in lines if json.loads(line)["version"] == version]
    assert any(s["plan_id"] == first for s in stored)  # the damaged event is exported as found
    assert (out / "plan.csv").read_text().splitlines()[0].endswith('"integrity_warning"')


@pytest.mark.parametrize("payload", ["{}", "[]", "not json"])
def test_a_plan_without_a_readable_opening_is_refused_even_for_forensics(
    db: Path,  # noqa: F811
    plans: tuple[str, str],  # noqa: F811
    tmp_path: Path,
    payload: str,
) -> None:
    first, second = plans
    damage(db, first, 1, payload)
    shown = run(db, "--allow-broken", "plan", "show", first)
    assert shown.exit_code == 1 and f"plan {first} version 1" in shown.stderr
    assert "opening entry" in shown.stderr and shown.stdout == ""
    pdf = tmp_path / "plan.pdf"
    assert run(db, "--allow-broken", "export", first, "--format", "pdf", "-o", str(pdf)).exit_code == 1
    assert not pdf.exists()
    assert run(db, "--allow-broken", "plan", "show", second).exit_code == 0  # the other plan reads
    backup = tmp_path / "log.jsonl"
    assert run(db, "--allow-broken", "log", "export", "-o", str(backup)).exit_code == 0
    assert len(backup.read_text().splitlines()) == 5
