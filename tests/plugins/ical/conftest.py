"""A small plan with known dates, and a real CalDAV server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

import goalplan
from tests.plugins.ical.ical_helpers import CLIENT, FOCUS, STATEMENT
from tests.plugins.ical.radicale_server import Radicale, start_radicale, stop_radicale


@pytest.fixture
def plan(gp: goalplan.Goalplan) -> goalplan.Plan:
    """Opened 2026-01-05, reviewed every 90 days (due 2026-04-05), one goal due 2026-04-01."""
    opened = gp.open_plan(
        client=CLIENT, clinician="Dr. Ana Ruiz", credentials="PhD, LCSW", opened=date(2026, 1, 5)
    )
    opened.set_goal(
        STATEMENT,
        focus=FOCUS,
        by=date(2026, 4, 1),
        measure=goalplan.Measure(name="gatherings attended", unit="per month", baseline=0, target=2),
    )
    return opened


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    """One Radicale server for the session; each test makes its own calendar collection on it."""
    server = start_radicale(tmp_path_factory.mktemp("radicale"))
    yield server
    stop_radicale(server)
