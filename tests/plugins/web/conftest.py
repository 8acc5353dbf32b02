"""A store with two clinicians' plans, one account per role, and a signed-in TestClient helper."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient

import goalplan
from goalplan_web.account_store import AccountStore
from goalplan_web.app import Settings, create_app
from goalplan_web.security import LoginLimiter
from tests.plugins.conftest import build_panic_plan

PASSWORD = "correct horse battery"
RUIZ = "Dr. Tomás Ruiz"
OTHER = "Maria Jensen"
USERS = {
    "ruiz": ("clinician", {"clinician_name": RUIZ}),
    "jensen": ("clinician", {"clinician_name": OTHER}),
    "chen": ("supervisor", {"supervises": [RUIZ]}),
    "audit": ("auditor", {}),
    "admin": ("admin", {}),
}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Web:
    db: Path
    accounts: AccountStore
    settings: Settings
    clock: FakeClock
    own_plan: str
    own_goal: str
    other_plan: str
    other_goal: str

    def client(self) -> TestClient:
        return TestClient(create_app(self.settings), base_url="http://127.0.0.1", follow_redirects=False)

    def signed_in(self, name: str) -> TestClient:
        client = self.client()
        response = client.post("/", data={"name": name, "password": PASSWORD, "csrftoken": csrf(client)})
        assert response.status_code == 303, response.text
        return client


def csrf(client: TestClient, path: str = "/") -> str:
    """The CSRF token a page's form carries (fetching the page sets the cookie too)."""
    page = client.get(path)
    found = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
    if found is None:  # a redirect (signed in already): the cookie holds the same token
        return str(client.cookies["csrftoken"])
    return found.group(1)


@pytest.fixture
def web(tmp_path: Path, db_path: Path, clock: Callable[[], object]) -> Iterator[Web]:
    with goalplan.Goalplan.open(db_path, actor="seed", clock=clock) as gp:  # type: ignore[arg-type]
        own = build_panic_plan(gp)
        other = gp.open_plan(client="Jonas Berg", clinician=OTHER, opened=date(2026, 1, 6))
        other_goal = other.set_goal(
            "I will sleep seven hours on five nights a week.",
            by=date(2026, 4, 1),
            measure=goalplan.Measure(name="good nights", unit="per week", baseline=1, target=5),
        )
        other.record_progress(other_goal, 2, on=date(2026, 1, 20), note="Two good nights.")
        own_goal = next(iter(own.state.goals))
        own_id, other_id = own.id, other.id
    accounts = AccountStore(
        tmp_path / "accounts.db", hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    for name, (role, extra) in USERS.items():
        accounts.add(name, role, PASSWORD, actor="setup", **extra)  # type: ignore[arg-type]
    fake = FakeClock()
    settings = Settings(
        db=str(db_path),
        accounts=accounts,
        clock=fake,
        today=lambda: date(2026, 6, 1),
        secret="test-secret",
        limiter=LoginLimiter("5/minute", "1000/minute"),
    )
    yield Web(db_path, accounts, settings, fake, own_id, own_goal, other_id, other_goal)
    accounts.close()


def write_meanwhile(monkeypatch: pytest.MonkeyPatch, web: Web, plan_id: str) -> None:
    """Make another writer's change land after the next form's version check, before its append."""
    original = goalplan.Plan.execute
    done: list[bool] = []

    def execute(self: goalplan.Plan, build: object, **kwargs: object) -> object:
        if not done:
            done.append(True)
            with goalplan.open(web.db, actor="other.tab") as gp:
                gp.plan(plan_id).set_details(strengths="Written meanwhile", reason="from the other tab")
        return original(self, build, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(goalplan.Plan, "execute", execute)
