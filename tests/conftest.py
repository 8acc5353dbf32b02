"""Shared fixtures. A fixed hypothesis profile keeps CI runs reproducible."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
