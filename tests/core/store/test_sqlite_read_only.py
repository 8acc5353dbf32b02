"""A SQLite store this user may not write (a read-only folder or file) is read as it is;
a write is refused in one sentence and nothing beside the store is created.

Permissions bind root only without its capabilities, so as root each command runs under
setpriv with CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped (skipped where that is not
possible); as any other user it runs as that user.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import goalplan
from goalplan import Goalplan

ROOT = Path(__file__).resolve().parents[3]
_NO_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def _prefix(probe_dir: Path) -> list[str]:
    """How to run a command that the folder's permissions bind; skips where none does."""
    prefix = [] if os.geteuid() != 0 else _NO_DAC
    if prefix and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions cannot be enforced")
    probe = probe_dir / "probe"
    result = subprocess.run([*prefix, "touch", str(probe)], capture_output=True)
    if result.returncode == 0 or probe.exists():
        pytest.skip("file permissions are not enforced here")
    return prefix


def goalplan_as_reader(prefix: list[str], db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "core"), str(ROOT / "plugins")])}
    return subprocess.run(
        [*prefix, sys.executable, "-m", "goalplan", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def make_store(path: Path) -> str:
    with Goalplan.open(path, actor="dr.ruiz") as gp:
        plan = gp.open_plan(client="Ana Ruiz", clinician="Sam Lee", opened=date(2026, 1, 5))
        goal = plan.set_goal(
            "I will walk daily",
            measure=goalplan.Measure(name="walks", unit="per week", baseline=0, target=5),
            by=date(2026, 4, 1),
        )
        plan.record_progress(goal, 3, on=date(2026, 1, 20))
    return plan.id


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def locked(tmp_path: Path) -> tuple[Path, str, Path]:
    """A store in a read-only folder, and a writable folder for what is exported."""
    folder = tmp_path / "store"
    folder.mkdir()
    db = folder / "plans.db"
    plan_id = make_store(db)
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o777)
    db.chmod(0o444)
    folder.chmod(0o555)
    yield db, plan_id, out
    folder.chmod(0o755)


def test_every_read_works_in_a_read_only_folder_and_a_write_is_refused(
    locked: tuple[Path, str, Path],
) -> None:
    db, plan_id, out = locked
    prefix = _prefix(db.parent)
    before = digest(db)
    reads = [
        ("plan", "list"),
        ("plan", "show", plan_id),
        ("history", plan_id),
        ("verify",),
        ("log", "export", "-o", str(out / "log.jsonl")),
        ("export", plan_id, "--format", "csv", "-o", str(out / "plan.csv")),
        ("calendar", plan_id, "-o", str(out / "plan.ics")),
    ]
    for args in reads:
        result = goalplan_as_reader(prefix, db, *args)
        assert result.returncode == 0, (args, result.stderr)
    assert "Ana Ruiz" in goalplan_as_reader(prefix, db, "plan", "show", plan_id).stdout
    assert len((out / "log.jsonl").read_text().splitlines()) == 3
    assert (out / "plan.csv").stat().st_size > 0 and (out / "plan.ics").stat().st_size > 0

    refused = goalplan_as_reader(prefix, db, "plan", "open", "--client", "Bo", "--clinician", "Sam Lee")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.strip().splitlines() == [
        f"goalplan: cannot write to the goalplan store at {db}: it is read-only here (the file or its "
        "folder may not be written); nothing was written."
    ]
    rebuild = goalplan_as_reader(prefix, db, "projections", "rebuild")
    assert rebuild.returncode == 1 and rebuild.stderr == refused.stderr
    assert sorted(p.name for p in db.parent.iterdir()) == ["plans.db"] and digest(db) == before


def test_a_read_only_file_in_a_writable_folder_reads(tmp_path: Path) -> None:
    db = tmp_path / "plans.db"
    plan_id = make_store(db)
    db.chmod(0o444)
    probe_dir = tmp_path / "probe"
    probe_dir.mkdir()
    probe_dir.chmod(0o555)
    prefix = _prefix(probe_dir)
    before = digest(db)
    shown = goalplan_as_reader(prefix, db, "plan", "show", plan_id)
    assert shown.returncode == 0 and "Ana Ruiz" in shown.stdout, shown.stderr
    assert goalplan_as_reader(prefix, db, "verify").returncode == 0
    sentence = [
        f"goalplan: cannot write to the goalplan store at {db}: it is read-only here (the file or its "
        "folder may not be written); nothing was written."
    ]  # the project's own words, as for a read-only folder, not SQLite's
    for write in (
        ("plan", "open", "--client", "Bo", "--clinician", "Sam Lee"),
        ("goal", "set", plan_id, "--statement", "I will read nightly"),
        ("projections", "rebuild"),
    ):
        refused = goalplan_as_reader(prefix, db, *write)
        assert refused.returncode == 1 and refused.stderr.strip().splitlines() == sentence, write
    assert digest(db) == before


def test_a_read_only_store_with_changes_left_in_its_wal_is_refused_not_read_stale(tmp_path: Path) -> None:
    """Copied while a writer had changes only in the -wal file, and without its -shm: reading
    the main file alone would silently miss them."""
    source = tmp_path / "source.db"
    plan_id = make_store(source)
    folder = tmp_path / "copy"
    folder.mkdir()
    writer = sqlite3.connect(source)
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE later (x)")  # a change that lives in the -wal for now
    writer.commit()
    shutil.copy(source, folder / "plans.db")
    shutil.copy(f"{source}-wal", folder / "plans.db-wal")
    writer.close()
    db = folder / "plans.db"
    folder.chmod(0o555)
    try:
        prefix = _prefix(folder)
        result = goalplan_as_reader(prefix, db, "plan", "show", plan_id)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "write-ahead log plans.db-wal holds changes" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    finally:
        folder.chmod(0o755)
