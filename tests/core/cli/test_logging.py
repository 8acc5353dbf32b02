"""-v / -vv / GOALPLAN_LOG: what goalplan does, on stderr; SQL and hook calls at debug, no health data."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import goalplan
from goalplan import logs
from goalplan.cli.main import cli


@pytest.fixture(autouse=True)
def restore_level() -> Iterator[None]:
    before = logs.LOGGER.level
    yield
    logs.LOGGER.setLevel(before)


def invoke(db: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args], env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("verbose", "env", "level"),
    [
        (0, None, logging.WARNING),
        (0, "debug", logging.DEBUG),
        (0, "INFO", logging.INFO),
        (1, "debug", logging.INFO),  # the command line wins over the environment
        (2, "error", logging.DEBUG),
        (3, None, logging.DEBUG),
    ],
)
def test_the_level_comes_from_v_then_goalplan_log(verbose: int, env: str | None, level: int) -> None:
    assert logs.level_from(verbose, env) == level


def test_quiet_by_default(tmp_path: Path) -> None:
    status, out, err = invoke(tmp_path / "p.db", "plan", "open", "--client", "A", "--clinician", "B")
    assert status == 0 and out.strip() and err == ""


def test_vv_logs_each_sql_statement_without_the_values(tmp_path: Path) -> None:
    status, _, err = invoke(
        tmp_path / "p.db", "-vv", "plan", "open", "--client", "Zoë Okafor", "--clinician", "Dr. Łukasz"
    )
    assert status == 0
    sql = [line for line in err.splitlines() if line.startswith("goalplan DEBUG goalplan.store.sqlite: sql ")]
    assert any("BEGIN IMMEDIATE" in line for line in sql) and any(
        "INSERT INTO events" in line for line in sql
    )
    assert "Zoë" not in err and "Łukasz" not in err, "client and clinician names reached the log"


def test_goalplan_log_debug_logs_each_plugin_hook_call(tmp_path: Path) -> None:
    status, _, err = invoke(tmp_path / "p.db", "lint", "rules", env={"GOALPLAN_LOG": "debug"})
    assert status == 0
    assert "hook register_smart_rules() on plugin goalplan.analytics.builtin_rules" in err


def test_v_logs_steps_but_not_sql(tmp_path: Path) -> None:
    goalplan.Goalplan.open(tmp_path / "p.db").close()  # read commands never create a store
    status, _, err = invoke(tmp_path / "p.db", "-v", "plan", "list")
    assert status == 0
    assert "INFO goalplan.cli.context: opened the SQLite store" in err
    assert " sql " not in err


def test_an_unknown_goalplan_log_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    status, _, err = invoke(tmp_path / "p.db", "plan", "list", env={"GOALPLAN_LOG": "loud"})
    assert status == 2
    assert "$GOALPLAN_LOG: must be one of debug, info, warning, error (got 'loud')." in err


def test_sql_is_not_traced_when_debug_is_off_at_open(tmp_path: Path) -> None:
    from goalplan.store.sqlite import SQLiteStore

    logs.LOGGER.setLevel(logging.INFO)
    store = SQLiteStore(tmp_path / "q.db")
    try:
        # No trace callback was installed: sqlite3 offers no getter, so check by behaviour.
        records: list[logging.LogRecord] = []
        handler = logging.Handler()
        handler.emit = records.append  # type: ignore[method-assign]
        logs.LOGGER.addHandler(handler)
        logs.LOGGER.setLevel(logging.DEBUG)
        store.head_position()
        logs.LOGGER.removeHandler(handler)
        assert records == []
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_round_trips_are_logged_at_debug(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from goalplan.store.postgres import PostgresStore

    with caplog.at_level(logging.DEBUG, logger="goalplan"):
        store = PostgresStore(postgres_url)
        try:
            store.head_position()
        finally:
            store.close()
    sql = [r.getMessage() for r in caplog.records if r.name == "goalplan.store.postgres"]
    assert any("max(position)" in line for line in sql), sql
