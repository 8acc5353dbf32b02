"""A real Radicale CalDAV server on 127.0.0.1 for the sync tests, and plain-HTTP helpers to inspect it."""

from __future__ import annotations

import base64
import http.client
import socket
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

from attrs import frozen

USER = "therapist"
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@frozen
class Radicale:
    base: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(self.base)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        try:
            sent = {"Authorization": f"Basic {token}", **(headers or {})}
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
        finally:
            connection.close()

    def new_calendar(self) -> str:
        """MKCALENDAR a fresh collection; returns its URL."""
        path = f"/{USER}/{uuid.uuid4().hex[:12]}/"
        status, _, body = self.request("MKCALENDAR", path)
        assert status == 201, (status, body)
        return self.base + path

    def hrefs(self, calendar_url: str) -> list[str]:
        """The resources in a collection (PROPFIND, Depth: 1)."""
        path = urlsplit(calendar_url).path
        status, _, body = self.request("PROPFIND", path, b"", {"Depth": "1"})
        assert status == 207, (status, body)
        found = [r.findtext("{DAV:}href") or "" for r in ET.fromstring(body).findall("{DAV:}response")]
        return sorted(h for h in found if h.rstrip("/") != path.rstrip("/"))

    def get(self, href: str) -> tuple[bytes, str]:
        status, headers, body = self.request("GET", href)
        assert status == 200, (status, href)
        return body, headers["etag"]

    def put_count(self) -> int:
        return sum(1 for line in self.log_path.read_text().splitlines() if "PUT request for" in line)


def start_radicale(folder: Path) -> Radicale:
    folder.mkdir(parents=True, exist_ok=True)
    users = folder / "users"
    users.write_text(f"{USER}:{PASSWORD}\n")
    port = free_port()
    config = folder / "config"
    config.write_text(
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        "[auth]\n"
        "type = htpasswd\n"
        f"htpasswd_filename = {users}\n"
        "htpasswd_encryption = plain\n"
        "delay = 0\n"
        "[rights]\n"
        "type = owner_only\n"
        "[storage]\n"
        f"filesystem_folder = {folder / 'collections'}\n"
        "[web]\n"
        "type = none\n"
        "[logging]\n"
        "level = info\n"
        "mask_passwords = True\n"
    )
    log_path = folder / "radicale.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"radicale exited with {process.returncode}: {log_path.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"radicale did not start: {log_path.read_text()}") from None
            time.sleep(0.05)
    return Radicale(f"http://127.0.0.1:{port}", process, log_path)


def stop_radicale(server: Radicale) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
