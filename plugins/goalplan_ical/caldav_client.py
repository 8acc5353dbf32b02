"""The few CalDAV requests a one-way sync needs, over the standard library's http.client.

A general CalDAV library was not used: goalplan must own SEQUENCE and the conditional headers
(If-None-Match: * to create, If-Match: <etag> to update), and must see the exact status of each
request. A plain HTTP client sends exactly the bytes rendered and nothing else.
"""

from __future__ import annotations

import base64
import http.client
import socket
import ssl
from urllib.parse import quote, urlsplit, urlunsplit

from attrs import frozen

import goalplan

TIMEOUT_SECONDS = 30


class CalDAVError(goalplan.GoalplanError):
    """A request the server refused, or a server that could not be reached."""


@frozen
class Response:
    status: int
    reason: str
    etag: str | None


def collection_url(url: str) -> str:
    """The calendar collection URL, normalised: http(s), no credentials, ending in a slash."""
    wrong = goalplan.RejectedError(
        "URL", f"must be an http:// or https:// calendar collection URL (got {url!r})."
    )
    if not url.isprintable() or " " in url.strip():
        raise wrong
    if not url.isascii():
        raise goalplan.RejectedError(
            "URL", "must be ASCII: write a host name in its xn-- form and percent-encode the path."
        )
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise wrong from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise wrong
    if parts.username or parts.password:
        raise goalplan.RejectedError(
            "URL", "must not carry a user name or password; use --user and --password-env."
        )
    if parts.query or parts.fragment:
        raise goalplan.RejectedError("URL", "must be a plain collection URL, without ?query or #fragment.")
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, "", ""))


class CalDAVClient:
    """One connection to one calendar collection; ``put`` sends one calendar object resource."""

    def __init__(self, url: str, *, user: str | None = None, password: str | None = None) -> None:
        self.url = collection_url(url)
        parts = urlsplit(self.url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._path = parts.path
        self._auth = None
        if user is not None:
            token = base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii")
            self._auth = f"Basic {token}"
        self._connection: http.client.HTTPConnection | None = None

    @property
    def where(self) -> str:
        return f"{self._host}:{self._port or (443 if self._https else 80)}"

    @property
    def encrypted(self) -> bool:
        return self._https

    @property
    def loopback(self) -> bool:
        return self._host in ("127.0.0.1", "::1", "localhost")

    def href(self, uid: str) -> str:
        return self._path + quote(uid, safe="") + ".ics"

    def put(self, uid: str, body: bytes, *, etag: str | None, unconditional: bool = False) -> Response:
        """Create (``etag`` None: If-None-Match: *) or update (If-Match: etag) one resource;
        ``unconditional`` replaces whatever the server holds."""
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        if unconditional:
            pass
        elif etag is None:
            headers["If-None-Match"] = "*"
        else:
            headers["If-Match"] = etag
        return self.request("PUT", self.href(uid), body, headers)

    def head_etag(self, uid: str) -> str | None:
        return self.request("HEAD", self.href(uid), None, {}).etag

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Response:
        sent = dict(headers)
        if self._auth:
            sent["Authorization"] = self._auth
        for attempt in (1, 2):
            connection = self._connect()
            try:
                connection.request(method, path, body=body, headers=sent)
                answer = connection.getresponse()
                answer.read()
                if answer.getheader("Connection", "").lower() == "close":
                    self.close()
                return Response(answer.status, answer.reason, answer.getheader("ETag"))
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server had closed: try once more on a fresh one.
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            if self._https:
                self._connection = http.client.HTTPSConnection(
                    self._host, self._port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
                )
            else:
                self._connection = http.client.HTTPConnection(self._host, self._port, timeout=TIMEOUT_SECONDS)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def network_failure(exc: OSError) -> str:
    """Why a connection failed, in a few words."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "the host name could not be resolved"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "the server did not answer in time"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or exc})"
    return exc.strerror or type(exc).__name__
