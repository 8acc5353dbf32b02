"""Servers that answer in ways Radicale does not: no ETag on PUT, redirects, broken HTTP."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import goalplan
from goalplan_ical.caldav_client import CalDAVClient, CalDAVError
from goalplan_ical.options import parse_options
from goalplan_ical.sync import sync_caldav

Handler = Callable[[BaseHTTPRequestHandler], None]


@contextmanager
def serve(handle: Handler) -> Iterator[tuple[str, list[tuple[str, dict[str, str]]]]]:
    seen: list[tuple[str, dict[str, str]]] = []

    class Recording(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            seen.append((self.command, dict(self.headers)))
            handle(self)

        do_PUT = do_HEAD = _any

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recording)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/cal/", seen
    finally:
        server.shutdown()
        server.server_close()


def answer(status: int, headers: dict[str, str] | None = None) -> Handler:
    def handle(request: BaseHTTPRequestHandler) -> None:
        request.send_response(status)
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.send_header("Content-Length", "0")
        request.end_headers()

    return handle


def run(plan: goalplan.Plan, url: str, state: Path) -> str:
    report = sync_caldav([plan.log()], CalDAVClient(url), parse_options({}), state)
    return str(report)


def test_an_etag_missing_from_the_put_is_fetched_with_head(plan: goalplan.Plan, tmp_path: Path) -> None:
    def handle(request: BaseHTTPRequestHandler) -> None:
        answer(
            201 if request.command == "PUT" else 200, None if request.command == "PUT" else {"ETag": '"v1"'}
        )(request)

    with serve(handle) as (url, seen):
        assert "2 changed (2 created" in run(plan, url, tmp_path / "state")
    assert [method for method, _ in seen] == ["PUT", "HEAD", "PUT", "HEAD"]
    assert all(headers.get("If-None-Match") == "*" for method, headers in seen if method == "PUT")


def test_a_server_that_gives_no_etag_at_all_is_refused(plan: goalplan.Plan, tmp_path: Path) -> None:
    with serve(answer(201)) as (url, _), pytest.raises(CalDAVError, match="gave no ETag"):
        run(plan, url, tmp_path / "state")


def test_a_redirect_names_the_entry_and_asks_for_the_final_url(plan: goalplan.Plan, tmp_path: Path) -> None:
    with (
        serve(answer(301, {"Location": "https://elsewhere/cal/"})) as (url, _),
        pytest.raises(CalDAVError, match=f"redirected .*goalplan-{plan.id}.* final URL"),
    ):
        run(plan, url, tmp_path / "state")


def test_a_server_speaking_no_http_is_reported(plan: goalplan.Plan, tmp_path: Path) -> None:
    class Garbage(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.recv(65536)
            self.request.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Garbage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/cal/"
        with pytest.raises(CalDAVError, match="not valid HTTP"):
            run(plan, url, tmp_path / "state")
    finally:
        server.shutdown()
        server.server_close()
