"""Every file goalplan creates holds clinical data: 0600 files, 0700 folders, whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import goalplan
from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands


@pytest.fixture
def careless_umask() -> Iterator[None]:
    old = os.umask(0)
    yield
    os.umask(old)


def run(db: Path, *args: str) -> Result:
    install_plugin_commands(cli)
    runner = CliRunner(env={"GOALPLAN_DB": str(db), "GOALPLAN_ACTOR": "dr.ruiz"})
    result = runner.invoke(cli, list(args), prog_name="goalplan", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def modes(root: Path) -> dict[str, int]:
    found = {}
    for path in sorted(root.rglob("*")):
        found[str(path.relative_to(root)) + ("/" if path.is_dir() else "")] = stat.S_IMODE(
            path.lstat().st_mode
        )
    return found


@pytest.mark.usefixtures("careless_umask")
def test_every_file_goalplan_creates_is_private_under_umask_000(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir(mode=0o700)
    db = work / "plans.db"
    plan = run(
        db, "plan", "open", "--client", "Ana", "--clinician", "Dr. Ruiz", "--opened", "2026-01-05"
    ).stdout.strip()
    run(db, "goal", "set", plan, "--statement", "I will ride the bus", "--by", "2026-04-05")
    run(db, "log", "export", "-o", str(work / "backup.jsonl"))
    run(db, "export", plan, "--format", "pdf", "-o", str(work / "plan.pdf"))
    run(db, "export", plan, "--format", "csv", "-o", str(work / "plan.csv"))
    run(db, "export", "--all", "--format", "ics", "--out", str(work / "exports" / "ics"))
    run(db, "calendar", plan, "-o", str(work / "plan.ics"))
    run(db, "migrate", str(db), str(work / "copy.db"))
    run(work / "restored.db", "log", "import", str(work / "backup.jsonl"))

    from goalplan_ical.sync_state import SyncState, default_state_path

    state = SyncState(default_state_path(str(db)))
    state.record_position("https://cal.example/c/", 2)
    os.environ["XDG_STATE_HOME"] = str(work / "state")
    try:
        pg_state = SyncState(default_state_path("postgresql://u@db.example/practice"))
    finally:
        del os.environ["XDG_STATE_HOME"]
    pg_state.record_position("https://cal.example/c/", 2)

    with goalplan.Goalplan.open(db) as held:  # -wal and -shm exist while the store is open
        held.plan(plan).add_focus("Sleep")
        found = modes(work)
    for name in ("plans.db", "plans.db-wal", "plans.db-shm", "backup.jsonl", "plan.pdf", "plan.csv",
                 "plan.ics", "copy.db", "restored.db", "plans.db.caldav-sync", "exports/ics/"):  # fmt: skip
        assert name in found, sorted(found)
    assert any(name.startswith("state/goalplan/caldav-sync-") for name in found)
    wrong = {
        name: oct(mode) for name, mode in found.items() if mode != (0o700 if name.endswith("/") else 0o600)
    }
    assert wrong == {}
    state.close()
    pg_state.close()
