"""Shared fixtures. A fixed hypothesis profile keeps CI runs reproducible."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, settings

import goalplan

settings.register_profile(
    "ci", max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=40, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


class StepClock:
    """A clock that moves one minute per reading, so recorded-at times are distinct and known."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


# The whole run signs with a key (and keeps its witnesses) in a temporary folder, never in the
# real user data directory. Set when this file is imported, before any test module or nested
# conftest copies os.environ for its subprocesses.
KEY_FOLDER = Path(tempfile.mkdtemp(prefix="goalplan-test-keys-"))
os.environ["GOALPLAN_KEY_FILE"] = str(KEY_FOLDER / "signing-key.pem")


@pytest.fixture(autouse=True, scope="session")
def suite_signing_key() -> Path:
    """Fails the run loudly if something took the suite's key file away from the temp folder."""
    path = Path(os.environ["GOALPLAN_KEY_FILE"])
    assert KEY_FOLDER in path.parents
    return path


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(KEY_FOLDER, ignore_errors=True)


@pytest.fixture
def signing_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A test that needs an installation of its own (another key, an empty trust list)."""
    path = tmp_path / "own-key" / "signing-key.pem"
    monkeypatch.setenv("GOALPLAN_KEY_FILE", str(path))
    return path


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "plans.db"


@pytest.fixture
def gp(db_path: Path, clock: StepClock) -> Iterator[goalplan.Goalplan]:
    with goalplan.Goalplan.open(db_path, actor="dr.ruiz", clock=clock) as opened:
        yield opened


# PostgreSQL ---------------------------------------------------------------------------------
# Tests that need the server take the `postgres_url` fixture (a fresh schema each) and are marked
# `postgres`. Without GOALPLAN_TEST_POSTGRES they skip; with GOALPLAN_REQUIRE_POSTGRES=1 any skip
# of a `postgres` test is turned into a failure here, in pytest_runtest_makereport, and nowhere else.

POSTGRES_ENV = "GOALPLAN_TEST_POSTGRES"
REQUIRE_POSTGRES_ENV = "GOALPLAN_REQUIRE_POSTGRES"


def postgres_required() -> bool:
    return os.environ.get(REQUIRE_POSTGRES_ENV, "").strip() not in ("", "0")


def with_search_path(url: str, schema: str) -> str:
    """The same server URL with its search path set to one schema (libpq `options`)."""
    option = "options=" + quote(f"-csearch_path={schema}", safe="")
    return f"{url}{'&' if '?' in url else '?'}{option}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "postgres_server" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.postgres)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    report: pytest.TestReport = yield
    if (
        report.skipped
        and not hasattr(report, "wasxfail")
        and item.get_closest_marker("postgres")
        and postgres_required()
    ):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"{REQUIRE_POSTGRES_ENV}=1 but this PostgreSQL test was skipped: {reason}"
    return report


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The server named by GOALPLAN_TEST_POSTGRES, checked once per run."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not installed (pip install 'goalplan[postgres]')")
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as exc:
        pytest.skip(f"cannot connect to {url}: {str(exc).strip().splitlines()[0]}")
    return url


@pytest.fixture
def new_postgres_url(postgres_server: str) -> Iterator[Callable[[], str]]:
    """Makes store URLs, each in a schema of its own; every one is dropped after the test."""
    import psycopg
    from psycopg import sql

    schemas: list[str] = []

    def make() -> str:
        schema = f"goalplan_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        schemas.append(schema)
        return with_search_path(postgres_server, schema)

    yield make
    if schemas:
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute("SET lock_timeout = '20s'")
            for schema in schemas:
                admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def postgres_url(new_postgres_url: Callable[[], str]) -> str:
    """A store URL in a fresh schema, dropped (with everything in it) after the test."""
    return new_postgres_url()
