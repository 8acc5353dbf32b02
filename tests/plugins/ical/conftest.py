"""A small plan with known dates."""

from __future__ import annotations

from datetime import date

import pytest
from ical_helpers import CLIENT, FOCUS, STATEMENT

import goalplan


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
