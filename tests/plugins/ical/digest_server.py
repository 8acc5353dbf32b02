"""A minimal calendar store on 127.0.0.1 that demands HTTP Digest (RFC 7616), for the sync tests.

Radicale authenticates with Basic only, so this server stands in for the servers that want
Digest (older Apple and SabreDAV-based ones). It does what a one-way sync needs: PUT and DELETE
with If-Match / If-None-Match and ETags, and it records every request's headers. Optionally it
speaks TLS with a given certificate, for the --ca-file tests.
"""

from __future__ import annotations

import hashlib
import os
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import parse_http_list, parse_keqv_list

from attrs import define, field

REALM = "goalplan-test"
USER = "therapist"
PASSWORD = "correct horse battery staple"


@define
class DigestStore:
    url: str
    algorithm: str
    resources: dict[str, tuple[bytes, str]] = field(factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(factory=list)
    nonces: dict[str, int] = field(factory=dict)  # nonce -> requests it authorised
    nonce_uses: int = 0  # after this many, a nonce is stale (0: never)


def _h(algorithm: str, text: str) -> str:
    name = {"MD5": "md5", "SHA-256": "sha256"}[algorithm]
    return hashlib.new(name, text.encode()).hexdigest()


@contextmanager
def digest_server(
    algorithm: str = "MD5", certificate: tuple[Path, Path] | None = None, nonce_uses: int = 0
) -> Iterator[DigestStore]:
    """``nonce_uses``: after that many requests a nonce is answered as stale (0: never)."""
    store = DigestStore(url="", algorithm=algorithm, nonce_uses=nonce_uses)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _answer(self, status: int, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _challenge(self, stale: bool = False) -> None:
            nonce = os.urandom(12).hex()
            store.nonces[nonce] = 0
            self._answer(
                401,
                {
                    "WWW-Authenticate": f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", '
                    f'opaque="o-{REALM}", algorithm={algorithm}' + (", stale=true" if stale else "")
                },
            )

        def _stale(self) -> bool:
            scheme, _, rest = self.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "digest":
                return False
            got = parse_keqv_list(parse_http_list(rest))
            uses = store.nonces.get(got.get("nonce", ""), 0)
            return bool(store.nonce_uses) and uses >= store.nonce_uses

        def _authorised(self) -> bool:
            value = self.headers.get("Authorization", "")
            scheme, _, rest = value.partition(" ")
            if scheme.lower() != "digest":
                return False
            got = parse_keqv_list(parse_http_list(rest))
            if got.get("nonce") not in store.nonces or got.get("uri") != self.path:
                return False
            ha1 = _h(algorithm, f"{USER}:{REALM}:{PASSWORD}")
            ha2 = _h(algorithm, f"{self.command}:{self.path}")
            expected = _h(
                algorithm, f"{ha1}:{got['nonce']}:{got.get('nc')}:{got.get('cnonce')}:{got.get('qop')}:{ha2}"
            )
            if got.get("username") != USER or got.get("response") != expected:
                return False
            store.nonces[got["nonce"]] += 1
            return True

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            store.requests.append((self.command, self.path, dict(self.headers)))
            if self._stale():
                self._challenge(stale=True)
                return
            if not self._authorised():
                self._challenge()
                return
            current = store.resources.get(self.path)
            if self.headers.get("If-None-Match") == "*" and current is not None:
                self._answer(412)
                return
            match = self.headers.get("If-Match")
            if match is not None and (current is None or current[1] != match):
                self._answer(412)
                return
            if self.command == "PUT":
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                store.resources[self.path] = (body, etag)
                self._answer(204 if current else 201, {"ETag": etag})
            elif self.command == "DELETE":
                if current is None:
                    self._answer(404)
                    return
                del store.resources[self.path]
                self._answer(204)
            else:
                self._answer(405)

        do_PUT = do_DELETE = do_HEAD = _any

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    scheme = "http"
    if certificate is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(certificate[0]), str(certificate[1]))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    store.url = f"{scheme}://127.0.0.1:{server.server_address[1]}/{USER}/reviews/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield store
    finally:
        server.shutdown()
        server.server_close()
