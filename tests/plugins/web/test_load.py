"""A bounded load test on loopback: 20 signed-in clinicians at once, no acknowledged write lost.

Each user signs in, then for a fixed number of rounds opens the caseload, their plan and their
goal, and records progress on their own plan. It stops by itself (fixed rounds); it prints the
median and p95 page time (measured, never asserted: the machine is shared) and asserts that
every acknowledged write is in the log exactly once, under the signed-in user's name.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from datetime import date
from pathlib import Path

import httpx
import pytest

import goalplan
from goalplan_web.account_store import AccountStore
from goalplan_web.app import Settings, create_app
from tests.plugins.web.conftest import PASSWORD
from tests.plugins.web.test_browser import free_port

pytestmark = pytest.mark.slow
USERS = 20
ROUNDS = 8


def version_and_token(page: str) -> tuple[str, str]:
    version = re.search(r'name="version" value="(\d+)"', page)
    token = re.search(r'name="csrftoken" value="([^"]+)"', page)
    assert version and token, page[:500]
    return version.group(1), token.group(1)


def test_twenty_concurrent_users_lose_no_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import uvicorn

    db = tmp_path / "load.db"
    accounts = AccountStore(tmp_path / "load.accounts.db")
    plans: dict[str, tuple[str, str]] = {}
    with goalplan.open(db, actor="seed") as gp:
        for i in range(USERS):
            plan = gp.open_plan(client=f"Client {i}", clinician=f"Clinician {i}", opened=date(2026, 1, 5))
            goal = plan.set_goal(
                f"I will walk {i + 1} times a week.",
                by=date(2026, 6, 1),
                measure=goalplan.Measure(name="walks", unit="per week", baseline=0, target=5),
            )
            plans[f"c{i}"] = (plan.id, goal)
            accounts.add(f"c{i}", "clinician", PASSWORD, actor="seed", clinician_name=f"Clinician {i}")
    settings = Settings(db=str(db), accounts=accounts)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    page_times: list[float] = []
    acknowledged: dict[str, int] = {}
    failures: list[str] = []
    lock = threading.Lock()

    def user(name: str) -> None:
        plan_id, goal_id = plans[name]
        with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as client:
            token = re.search(r'name="csrftoken" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]
            if (
                client.post("/", data={"name": name, "password": PASSWORD, "csrftoken": token}).status_code
                != 303
            ):
                failures.append(f"{name}: sign-in failed")
                return
            done = 0
            for round_ in range(ROUNDS):
                for path in ("/caseload", f"/plans/{plan_id}", f"/plans/{plan_id}/goals/{goal_id}"):
                    start = time.perf_counter()
                    response = client.get(path)
                    with lock:
                        page_times.append(time.perf_counter() - start)
                    if response.status_code != 200:
                        failures.append(f"{name}: GET {path} -> {response.status_code}")
                version, token = version_and_token(response.text)
                posted = client.post(
                    f"/plans/{plan_id}/goals/{goal_id}/progress",
                    data={
                        "value": str(round_),
                        "note": f"{name} round {round_}",
                        "version": version,
                        "csrftoken": token,
                    },
                )
                if posted.status_code == 303:
                    done += 1
                else:
                    failures.append(f"{name}: POST -> {posted.status_code}")
            with lock:
                acknowledged[name] = done

    threads = [threading.Thread(target=user, args=(f"c{i}",)) for i in range(USERS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    elapsed = time.perf_counter() - started
    server.should_exit = True
    thread.join(timeout=10)
    accounts.close()

    assert not failures, failures[:5]
    with goalplan.open(db) as gp:
        for name, (plan_id, goal_id) in plans.items():
            notes = [p.note for p in gp.plan(plan_id).state.goals[goal_id].progress]
            assert sorted(notes) == sorted(f"{name} round {r}" for r in range(ROUNDS)), name
            actors = {r.actor for r in gp.plan(plan_id).log().records[2:]}
            assert actors == {name}
    assert sum(acknowledged.values()) == USERS * ROUNDS
    ordered = sorted(page_times)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    with capsys.disabled():
        print(
            f"\nweb load: {USERS} users, {len(page_times)} page loads and {USERS * ROUNDS} writes "
            f"in {elapsed:.1f} s; "
            f"page time median {statistics.median(page_times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
        )
