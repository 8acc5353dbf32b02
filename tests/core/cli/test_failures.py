"""When the world fails (no space, no permission, no folder, no server), a command says so in one
sentence, exits 1 and leaves nothing behind; a mistyped --db never creates a store."""

from __future__ import annotations

import errno
import os
import pickle
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import goalplan
from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands
from goalplan.errors import ConcurrencyError, NotFoundError, RejectedError
from goalplan.exporting import ExportFailed
from goalplan.files import WriteError
from goalplan.plugins import PluginLoadError


def run(db: str | Path, *args: str) -> Result:
    install_plugin_commands(cli)
    runner = CliRunner(env={"GOALPLAN_DB": str(db), "GOALPLAN_ACTOR": "dr.ruiz"})
    return runner.invoke(cli, list(args), prog_name="goalplan", catch_exceptions=False)


def one_sentence(result: Result, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == (1 if code == 1 else 2), result.stderr
    return lines[-1]


def files_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


@pytest.fixture
def store(tmp_path: Path) -> tuple[Path, str]:
    db = tmp_path / "plans.db"
    with goalplan.Goalplan.open(db, actor="dr.ruiz") as gp:
        plan = gp.open_plan(client="Ana", clinician="Dr. Ruiz", opened=date(2026, 1, 5))
        goal = plan.set_goal("I will ride the bus", by=date(2026, 4, 5))
        plan.add_step(goal, "Ride one stop")
    return db, plan.id


def _mount_tmpfs(folder: Path, size: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
    )
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB file system of its own (root can mount one; others skip)."""
    folder = tmp_path / "small"
    if not _mount_tmpfs(folder, "1m"):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder goalplan cannot write into: mode 0500, or for root a read-only mount."""
    folder = tmp_path / "ro"
    if os.geteuid() != 0:
        folder.mkdir()
        yield folder
        folder.chmod(0o700)
        return
    if not _mount_tmpfs(folder, "1m"):
        pytest.skip("cannot make a read-only folder as root without mount")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


def make_read_only(folder: Path) -> None:
    if os.geteuid() != 0:
        folder.chmod(0o500)
    else:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)


# -- a full disk ------------------------------------------------------------------------------------


def test_a_full_disk_during_appends_is_one_sentence_and_every_acknowledged_event_stays(
    small_disk: Path,
) -> None:
    db = small_disk / "plans.db"
    plan = run(db, "plan", "open", "--client", "Ana", "--clinician", "Dr. Ruiz").stdout.strip()
    goal = run(db, "goal", "set", plan, "--statement", "I will ride the bus").stdout.strip()
    acknowledged = 2
    assert plan and goal
    for _ in range(1000):
        result = run(db, "goal", "step", plan, goal, "x" * 4000)
        if result.exit_code != 0:
            break
        acknowledged += 1
    else:
        pytest.fail("the disk never filled")
    assert "disk is full" in one_sentence(result)
    verified = run(db, "verify")
    assert verified.stdout.startswith(f"OK: 1 plan(s), {acknowledged} event(s)")


def test_a_full_disk_during_log_export_leaves_no_file(small_disk: Path, store: tuple[Path, str]) -> None:
    db, _ = store
    with open(small_disk / "filler", "wb", buffering=0) as filler, pytest.raises(OSError, match="No space"):
        while True:
            filler.write(b"x" * 4096)
    result = run(db, "log", "export", "-o", str(small_disk / "backup.jsonl"))
    assert "disk is full" in one_sentence(result)
    assert files_in(small_disk) == {"filler"}


@pytest.mark.parametrize(
    "args", [["log", "export"], ["export", "{plan}", "--format", "csv"], ["calendar", "{plan}"]]
)
def test_an_injected_full_disk_during_any_export_leaves_no_file(
    store: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    db, plan = store
    out = tmp_path / "out"
    out.mkdir()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("goalplan.files.os.fsync", full)
    result = run(db, *[a.format(plan=plan) for a in args], "-o", str(out / "file"))
    assert "disk is full" in one_sentence(result)
    assert files_in(out) == set()


def test_an_injected_full_disk_during_an_append_writes_nothing(
    store: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, plan = store

    def full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr("goalplan.store.sqlite.SQLiteStore._append", full)
    result = run(db, "plan", "sign", plan, "--role", "client", "--name", "Ana")
    assert "database or disk is full" in one_sentence(result)


# -- permissions and folders -----------------------------------------------------------------------


def test_a_read_only_store_refuses_a_write_in_one_sentence(read_only_folder: Path) -> None:
    db = read_only_folder / "plans.db"
    plan = run(db, "plan", "open", "--client", "Ana", "--clinician", "Dr. Ruiz").stdout.strip()
    make_read_only(read_only_folder)
    result = run(db, "plan", "sign", plan, "--role", "client", "--name", "Ana")
    assert "plans.db" in one_sentence(result)
    result = run(read_only_folder / "new.db", "plan", "open", "--client", "A", "--clinician", "B")
    assert "cannot open the goalplan store" in one_sentence(result)


def test_an_unwritable_output_folder_is_one_sentence(store: tuple[Path, str], read_only_folder: Path) -> None:
    db, plan = store
    make_read_only(read_only_folder)
    for args in (["log", "export"], ["calendar", plan], ["export", plan, "--format", "csv"]):
        result = run(db, *args, "-o", str(read_only_folder / "out"))
        assert str(read_only_folder) in one_sentence(result)
    result = run(db, "export", "--all", "--format", "csv", "--out", str(read_only_folder / "all"))
    assert "cannot create the folder" in one_sentence(result)


@pytest.mark.parametrize(
    "args", [["log", "export"], ["calendar", "{plan}"], ["export", "{plan}", "--format", "ics"]]
)
def test_a_missing_output_folder_is_one_sentence(
    store: tuple[Path, str], tmp_path: Path, args: list[str]
) -> None:
    db, plan = store
    result = run(db, *[a.format(plan=plan) for a in args], "-o", str(tmp_path / "nowhere" / "file"))
    assert "the folder" in one_sentence(result) and "does not exist" in result.stderr
    assert not (tmp_path / "nowhere").exists()


# -- a mistyped store --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["verify"],
        ["plan", "list"],
        ["plan", "show", "ABC"],
        ["history", "ABC"],
        ["log", "export"],
        ["calendar", "--all"],
        ["export", "--all", "--format", "csv", "--out", "{tmp}/out"],
        ["lint", "ABC"],
        ["analytics", "ABC"],
        ["progress", "ABC", "G", "1"],
        ["goal", "set", "ABC", "--statement", "x"],
    ],
)
def test_a_read_or_write_on_a_mistyped_path_creates_nothing(tmp_path: Path, args: list[str]) -> None:
    typo = tmp_path / "typo.db"
    result = run(typo, *[a.format(tmp=tmp_path) for a in args])
    assert one_sentence(result) == (
        f"goalplan: no goalplan store at {typo}; `goalplan plan open` creates one (or give the right --db)."
    )
    assert files_in(tmp_path) == set()


def test_migrate_never_creates_its_source(tmp_path: Path) -> None:
    result = run(tmp_path / "x.db", "migrate", str(tmp_path / "typo.db"), str(tmp_path / "copy.db"))
    one_sentence(result)
    assert files_in(tmp_path) == set()


def test_verify_reports_the_number_of_events(store: tuple[Path, str]) -> None:
    db, _ = store
    assert run(db, "verify").stdout.startswith("OK: 1 plan(s), 3 event(s)")


# -- store URLs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["mysql://db.example/plans", "sqlite://relative.db", "http://x/"])
def test_an_unknown_url_is_refused_and_no_file_of_that_name_appears(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(url, "plan", "open", "--client", "A", "--clinician", "B")
    assert "is not a store goalplan knows" in one_sentence(result)
    assert files_in(tmp_path) == set()


def test_a_refused_connection_is_one_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("psycopg")
    monkeypatch.chdir(tmp_path)
    for url in (
        "postgresql://nobody@127.0.0.1:1/none",
        "host=127.0.0.1 port=1 dbname=none connect_timeout=3",
    ):
        result = run(url, "plan", "list")
        assert "cannot connect to the PostgreSQL store" in one_sentence(result)
    assert files_in(tmp_path) == set()


@pytest.mark.postgres
def test_libpq_strings_and_driver_urls_open_postgresql(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    monkeypatch.chdir(tmp_path)
    info = psycopg.conninfo.conninfo_to_dict(postgres_url)
    libpq = " ".join(f"{k}='{v}'" for k, v in info.items())
    plan = run(libpq, "plan", "open", "--client", "A", "--clinician", "B").stdout.strip()
    driver = postgres_url.replace("postgresql://", "postgresql+psycopg://", 1)
    assert plan in run(driver, "plan", "list").stdout
    assert files_in(tmp_path) == set()


@pytest.mark.postgres
def test_a_missing_privilege_is_one_sentence(postgres_url: str, postgres_server: str) -> None:
    import psycopg
    from psycopg import sql

    plan = run(postgres_url, "plan", "open", "--client", "A", "--clinician", "B").stdout.strip()
    role = f"goalplan_reader_{uuid.uuid4().hex[:8]}"
    schema = psycopg.conninfo.conninfo_to_dict(postgres_url)["options"].split("=")[-1]
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        admin.execute(
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), sql.Identifier(role))
        )
        admin.execute(
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(
                sql.Identifier(schema), sql.Identifier(role)
            )
        )
    try:
        reader = psycopg.conninfo.make_conninfo(postgres_url, user=role)
        assert plan in run(reader, "plan", "list").stdout
        result = run(reader, "plan", "sign", plan, "--role", "client", "--name", "A")
        assert "permission denied" in one_sentence(result)
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


# -- errors as values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        RejectedError("--on", "must be a date"),
        ConcurrencyError("P1", 3, 4),
        NotFoundError("plan: no plan id starts with 'X'."),
        goalplan.StoreError("cannot open"),
        goalplan.StoreNotFoundError("no goalplan store at x"),
        WriteError("cannot write x"),
        ExportFailed("the pdf exporter failed"),
        PluginLoadError("plugin x: boom"),
        goalplan.IntegrityError("broken"),
        goalplan.CodecError("unknown type"),
    ],
)
def test_errors_survive_pickling(error: goalplan.GoalplanError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error) and vars(copy) == vars(error)


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "show"],
        ["plan", "open", "--client"],
        ["--nope"],
        ["nosuchcommand"],
        ["progress", "P", "G", "notanumber"],
        ["review", "P", "--held", "2026-02-30"],
    ],
)
def test_usage_errors_fit_in_two_lines(tmp_path: Path, args: list[str]) -> None:
    result = run(tmp_path / "x.db", *args)
    assert result.exit_code == 2
    first, second = result.stderr.strip().splitlines()
    assert first.startswith("Try 'goalplan") and second.startswith("Error: ")


def test_a_sync_that_cannot_reach_the_server_leaves_no_state_file(store: tuple[Path, str]) -> None:
    db, plan = store
    before = files_in(db.parent)
    result = run(db, "sync", "caldav", "http://127.0.0.1:1/cal/", plan)
    assert "cannot reach the calendar server" in one_sentence(result)
    assert files_in(db.parent) == before


def test_a_refused_first_command_leaves_no_empty_store(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text('{"not": "an event"}\n', encoding="utf-8")
    new = tmp_path / "new.db"
    one_sentence(run(new, "plan", "open", "--client", "Eve\x1b[2K", "--clinician", "B"))
    one_sentence(run(new, "log", "import", str(tmp_path / "bad.jsonl")))
    assert files_in(tmp_path) == {"bad.jsonl"}


def test_a_migration_refused_before_copying_leaves_no_destination(
    store: tuple[Path, str], tmp_path: Path
) -> None:
    db, _ = store
    with sqlite3.connect(db) as conn:  # damage the source the way only direct file access can
        conn.execute("DROP TRIGGER events_no_update")
        conn.execute("UPDATE events SET payload = replace(payload, 'Ana', 'Eve') WHERE version = 1")
    result = run(db, "migrate", str(db), str(tmp_path / "copy.db"))
    assert "damaged" in one_sentence(result)
    assert not (tmp_path / "copy.db").exists()
