"""docs/environment.md: SSL_CERT_FILE makes `sync caldav` trust a server whose certificate comes
from a private CA, and without it such a server is refused."""

from __future__ import annotations

import http.server
import os
import shutil
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


class Calendar(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("ETag", '"v1"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def private_ca_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    where = tmp_path_factory.mktemp("ca")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Practice CA",
            "-keyout", "ca.key", "-out", "ca.pem", cwd=where)  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key",
            "-out", "server.csr", cwd=where)  # fmt: skip
    (where / "ext.cnf").write_text("subjectAltName=DNS:localhost\n", encoding="utf-8")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", "ext.cnf", "-out", "server.pem", cwd=where)  # fmt: skip
    server = http.server.ThreadingHTTPServer(("localhost", 0), Calendar)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(where / "server.pem", where / "server.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], where / "ca.pem"
    server.shutdown()


def head(port: int, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = (
        "from goalplan_ical.caldav_client import CalDAVClient\n"
        f"print(CalDAVClient('https://localhost:{port}/cal/').head_etag('x'))\n"
    )
    env = {**env, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("core", "plugins"))}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


def test_ssl_cert_file_trusts_a_private_ca(private_ca_server: tuple[int, Path]) -> None:
    port, ca = private_ca_server
    base = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    refused = head(port, base)
    assert refused.returncode != 0 and "CERTIFICATE_VERIFY_FAILED" in refused.stderr
    trusted = head(port, {**base, "SSL_CERT_FILE": str(ca)})
    assert trusted.returncode == 0, trusted.stderr
    assert trusted.stdout.strip() == '"v1"'
