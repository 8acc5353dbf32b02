"""The few CalDAV requests a one-way sync needs, over the standard library's http.client.

A general CalDAV library was not used: goalplan must own SEQUENCE and the conditional headers
(If-None-Match: * to create, If-Match: <etag> to update), and must see the exact status of each
request. A plain HTTP client sends exactly the bytes rendered and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import socket
import ssl
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit
from urllib.request import parse_http_list, parse_keqv_list

from attrs import frozen

import goalplan

TIMEOUT_SECONDS = 30
USER_AGENT = f"goalplan/{goalplan.__version__} (CalDAV sync)"
AUTH_SCHEMES = ("auto", "basic", "digest")
DIGEST_HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


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


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """The system's trusted certificates, or only those in ``ca_file`` (a private CA's)."""
    if ca_file is None:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except FileNotFoundError:
        raise goalplan.RejectedError("--ca-file", f"{ca_file} does not exist.") from None
    except (ssl.SSLError, OSError, ValueError):
        raise goalplan.RejectedError(
            "--ca-file", f"{ca_file} holds no PEM certificate that could be read."
        ) from None


class DigestAuth:
    """HTTP Digest (RFC 7616, qop=auth, MD5 or SHA-256, optionally -sess) for one server.

    The password itself is never sent, only a hash bound to the server's nonce and the request.
    The nonce is reused with a rising count, so only the first request is challenged.
    """

    def __init__(self, user: str, password: str, challenge: dict[str, str]) -> None:
        self._user, self._password = user, password
        self.accept(challenge)

    def accept(self, challenge: dict[str, str]) -> None:
        self._realm = challenge.get("realm", "")
        self._nonce = challenge.get("nonce", "")
        self._opaque = challenge.get("opaque")
        algorithm = challenge.get("algorithm", "MD5")
        self._sess = algorithm.upper().endswith("-SESS")
        self._algorithm = algorithm
        name = algorithm.upper().removesuffix("-SESS")
        if name not in DIGEST_HASHES:
            raise CalDAVError(
                f"the server asks for Digest authentication with {algorithm}, which is not supported."
            )
        self._hash = DIGEST_HASHES[name]
        qops = [q.strip() for q in challenge.get("qop", "").split(",") if q.strip()]
        if qops and "auth" not in qops:
            raise CalDAVError(
                "the server asks for Digest authentication with integrity protection (auth-int), "
                "which is not supported."
            )
        self._qop = "auth" if qops else None
        self._count = 0

    def _h(self, text: str) -> str:
        return self._hash(text.encode("utf-8")).hexdigest()

    def header(self, method: str, uri: str) -> str:
        self._count += 1
        nc = f"{self._count:08x}"
        cnonce = os.urandom(8).hex()
        ha1 = self._h(f"{self._user}:{self._realm}:{self._password}")
        if self._sess:
            ha1 = self._h(f"{ha1}:{self._nonce}:{cnonce}")
        ha2 = self._h(f"{method}:{uri}")
        if self._qop:
            response = self._h(f"{ha1}:{self._nonce}:{nc}:{cnonce}:{self._qop}:{ha2}")
        else:
            response = self._h(f"{ha1}:{self._nonce}:{ha2}")
        fields = [
            f"username={_quoted(self._user)}",
            f"realm={_quoted(self._realm)}",
            f"nonce={_quoted(self._nonce)}",
            f"uri={_quoted(uri)}",
            f"algorithm={self._algorithm}",
            f'response="{response}"',
        ]
        if self._qop:
            fields += [f"qop={self._qop}", f"nc={nc}", f'cnonce="{cnonce}"']
        if self._opaque is not None:
            fields.append(f"opaque={_quoted(self._opaque)}")
        return "Digest " + ", ".join(fields)


def _quoted(text: str) -> str:
    """An HTTP quoted-string (RFC 9110 5.6.4)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def digest_challenge(headers: list[str]) -> dict[str, str] | None:
    """The parameters of a ``WWW-Authenticate: Digest ...`` challenge, if the server sent one."""
    for value in headers:
        scheme, _, rest = value.strip().partition(" ")
        if scheme.lower() == "digest":
            return {k.lower(): v for k, v in parse_keqv_list(parse_http_list(rest)).items()}
    return None


class CalDAVClient:
    """One connection to one calendar collection; ``put`` sends one calendar object resource.

    ``auth`` is ``auto`` (Basic, switching to Digest when the server challenges for it),
    ``basic`` or ``digest`` (the password never leaves in any form the server could read).
    """

    def __init__(
        self,
        url: str,
        *,
        user: str | None = None,
        password: str | None = None,
        ca_file: Path | None = None,
        auth: str = "auto",
    ) -> None:
        self.url = collection_url(url)
        parts = urlsplit(self.url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._path = parts.path
        self._tls = tls_context(ca_file) if self._https else None
        self._user, self._password, self._scheme = user, password or "", auth
        self._basic = None
        if user is not None and auth in ("auto", "basic"):
            token = base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii")
            self._basic = f"Basic {token}"
        self._digest: DigestAuth | None = None
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

    def delete(self, uid: str, *, etag: str) -> Response:
        """Remove one resource, only if it is still the version goalplan sent (If-Match)."""
        return self.request("DELETE", self.href(uid), None, {"If-Match": etag})

    def head_etag(self, uid: str) -> str | None:
        return self.request("HEAD", self.href(uid), None, {}).etag

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Response:
        """Send one request; a Digest challenge is answered once, with the same request."""
        answer, challenges = self._send(method, path, body, headers)
        if answer.status == 401 and self._user is not None and self._scheme in ("auto", "digest"):
            challenge = digest_challenge(challenges)
            if challenge is not None:
                if self._digest is None:
                    self._digest = DigestAuth(self._user, self._password, challenge)
                else:
                    self._digest.accept(challenge)  # a new (stale) nonce
                answer, _ = self._send(method, path, body, headers)
        return answer

    def _authorization(self, method: str, path: str) -> str | None:
        if self._digest is not None:
            return self._digest.header(method, path)
        return self._basic

    def _send(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[Response, list[str]]:
        for attempt in (1, 2):
            sent = {"User-Agent": USER_AGENT, **headers}
            authorization = self._authorization(method, path)
            if authorization:
                sent["Authorization"] = authorization
            connection = self._connect()
            try:
                connection.request(method, path, body=body, headers=sent)
                answer = connection.getresponse()
                answer.read()
                if answer.getheader("Connection", "").lower() == "close":
                    self.close()
                challenges = answer.headers.get_all("WWW-Authenticate") or []
                return Response(answer.status, answer.reason, answer.getheader("ETag")), challenges
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
                    self._host, self._port, timeout=TIMEOUT_SECONDS, context=self._tls
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
