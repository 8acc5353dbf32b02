"""Response headers every page carries, the session's idle timeout, and login rate limits."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from limits import parse

from goalplan_web.account_store import AccountStore, create_private_file

CSP = "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

Scope = dict[str, Any]
ASGIApp = Callable[..., Any]


class SecurityHeaders:
    """Adds the security headers to every response; no-store on everything but static files."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control" or static
                ]
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                if self.https:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class LoginLimiter:
    """Failed sign-ins allowed per user name and per client address in a moving window.

    The failures are kept in the accounts file, so every process serving it counts the same ones.
    """

    def __init__(self, per_user: str = "5/minute", per_address: str = "20/minute") -> None:
        self.per_user = parse(per_user)
        self.per_address = parse(per_address)

    def _checks(self, name: str, address: str) -> list[tuple[str, int, int]]:
        return [
            (f"user:{name.casefold()}", self.per_user.amount, self.per_user.get_expiry()),
            (f"address:{address}", self.per_address.amount, self.per_address.get_expiry()),
        ]

    def allowed(self, store: AccountStore, name: str, address: str, now: float) -> bool:
        return all(
            store.failures_since(key, now - window) < amount
            for key, amount, window in self._checks(name, address)
        )

    def failed(self, store: AccountStore, name: str, address: str, now: float) -> None:
        window = max(w for _, _, w in self._checks(name, address))
        store.record_failure([key for key, _, _ in self._checks(name, address)], now, window)


def session_secret(accounts_path: Path) -> str:
    """The session-signing key, kept 0600 beside the accounts file (made on first use)."""
    path = Path(f"{accounts_path}.secret")
    if not path.exists() or path.stat().st_size == 0:
        create_private_file(path)
        with open(path, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32))
        os.chmod(path, 0o600)
    return path.read_text(encoding="ascii").strip()
