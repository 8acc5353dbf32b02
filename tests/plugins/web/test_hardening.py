"""Secrets stay out of the access log; failed sign-ins are counted across processes; FHIR download."""

from __future__ import annotations

import json
import logging
import logging.config
import re
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from goalplan_web.access_log import log_config, redact
from goalplan_web.account_store import AccountStore
from goalplan_web.app import Settings, create_app
from goalplan_web.security import LoginLimiter
from tests.plugins.web.conftest import PASSWORD, Web, csrf
from tests.plugins.web.test_browser import free_port


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def served(web: Web) -> Iterator[tuple[str, Lines]]:
    """The app under uvicorn with `goalplan serve`'s logging configuration, its access lines caught."""
    import uvicorn

    web.settings.setup_token = "SETUPTOKEN-" + "s" * 20
    web.settings.clock = time.time
    port = free_port()
    config = uvicorn.Config(
        create_app(web.settings), host="127.0.0.1", port=port, log_config=log_config(), log_level="info"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    caught = Lines()
    access = logging.getLogger("uvicorn.access")
    access.addHandler(caught)
    yield f"http://127.0.0.1:{port}", caught
    access.removeHandler(caught)
    server.should_exit = True
    thread.join(timeout=10)
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})


def test_served_requests_log_no_setup_link_or_feed_token(web: Web, served: tuple[str, Lines]) -> None:
    base, caught = served
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        page = client.get("/")
        token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        assert (
            client.post("/", data={"name": "ruiz", "password": PASSWORD, "csrftoken": token}).status_code
            == 303
        )
        made = client.post("/feed/new", data={"csrftoken": token})
        feed = re.search(r"(/feed/[A-Za-z0-9_-]+\.ics)", made.text).group(1)  # type: ignore[union-attr]
        assert client.get(feed).status_code == 200
        link = web.accounts.reset_password("jensen", actor="admin", reason="forgot")
        assert client.get(f"/welcome/{link}").status_code == 200
    with httpx.Client(base_url=base) as anonymous:
        # An admin exists, so setup answers 404, but the token was in the requested URL all the same.
        assert anonymous.get(f"/setup?token={web.settings.setup_token}").status_code == 404
    secrets = [feed.removeprefix("/feed/").removesuffix(".ics"), link, str(web.settings.setup_token)]
    assert len(caught.lines) >= 6, caught.lines  # the requests were logged...
    assert any("/feed/[redacted]" in line for line in caught.lines)
    assert not [line for line in caught.lines for secret in secrets if secret in line]  # ...without secrets


def test_redaction_keeps_ordinary_paths() -> None:
    assert redact("/plans/P1/goals/G1") == "/plans/P1/goals/G1"
    assert redact("/setup?token=abc") == "/setup?[redacted]"
    assert redact("/feed/abc.ics") == "/feed/[redacted]"
    assert redact("/feed/new") == "/feed/new"
    assert redact("/welcome/abc") == "/welcome/[redacted]"


def test_failed_sign_ins_are_counted_across_processes_sharing_the_accounts_file(web: Web) -> None:
    """Two workers (two apps, each with its own connection to the accounts file) share one limit."""
    other = AccountStore(web.accounts.path, hasher=web.accounts.hasher)
    second = Settings(
        db=web.settings.db,
        accounts=other,
        clock=web.clock,
        secret="test-secret",
        limiter=LoginLimiter("5/minute", "1000/minute"),
    )
    from starlette.testclient import TestClient

    clients = [
        web.client(),
        TestClient(create_app(second), base_url="http://127.0.0.1", follow_redirects=False),
    ]
    tokens = [csrf(c) for c in clients]
    wrong = {"name": "ruiz", "password": "wrong password!"}
    for n in range(5):
        i = n % 2
        assert clients[i].post("/", data={**wrong, "csrftoken": tokens[i]}).status_code == 401
    for i in (0, 1):
        blocked = clients[i].post("/", data={"name": "ruiz", "password": PASSWORD, "csrftoken": tokens[i]})
        assert blocked.status_code == 429, i
    web.clock.now += 61  # the window moves on
    assert (
        clients[1].post("/", data={"name": "ruiz", "password": PASSWORD, "csrftoken": tokens[1]}).status_code
        == 303
    )
    other.close()


@pytest.mark.parametrize(
    ("role", "status"), [("ruiz", 200), ("chen", 200), ("audit", 200), ("jensen", 403), ("admin", 403)]
)
def test_the_fhir_bundle_of_a_plan_downloads_as_a_bundle(web: Web, role: str, status: int) -> None:
    response = web.signed_in(role).get(f"/plans/{web.own_plan}/download/fhir")
    assert response.status_code == status
    if status != 200:
        return
    assert "attachment" in response.headers["content-disposition"]
    bundle = json.loads(response.content)
    assert bundle["resourceType"] == "Bundle"
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"CarePlan", "Goal"} <= kinds
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)
