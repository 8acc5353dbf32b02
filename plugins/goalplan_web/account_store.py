"""The accounts file: a SQLite database of its own, created 0600, beside the plan store.

``account_log`` is append-only (triggers refuse UPDATE and DELETE); ``credentials`` holds one
argon2 hash per account and is the only mutable table. argon2-cffi is imported here, so this
module is only imported once the web extra is known to be installed.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from goalplan_web.accounts import (
    Account,
    AccountError,
    Entry,
    decide_create,
    decide_disable,
    decide_enable,
    decide_reset,
    decide_role,
    fold,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS account_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    recorded_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    os_user TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS account_log_no_update BEFORE UPDATE ON account_log
BEGIN SELECT RAISE(ABORT, 'account_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS account_log_no_delete BEFORE DELETE ON account_log
BEGIN SELECT RAISE(ABORT, 'account_log is append-only'); END;
CREATE TABLE IF NOT EXISTS credentials (
    name TEXT PRIMARY KEY,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS setup_links (
    token_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feed_tokens (
    name TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS sign_in_failures (
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sign_in_failures_key ON sign_in_failures (key, at);
"""
SETUP_LINK_HOURS = 72
MIN_PASSWORD = 12
MAX_PASSWORD = 1024


def default_accounts_path(db: str) -> Path:
    """``<store>.accounts.db`` beside a SQLite store; a PostgreSQL store needs --accounts."""
    if "://" in db:
        raise AccountError(
            "--accounts", "the store is not a SQLite file; give --accounts PATH (or $GOALPLAN_ACCOUNTS)."
        )
    return Path(f"{db}.accounts.db")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers)
        return "unknown"


def _now() -> datetime:
    return datetime.now(UTC)


def create_private_file(path: Path) -> None:
    """Create ``path`` 0600 (its folder 0700 when made here) whatever the umask; keep an existing file."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
        os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def token_hash(token: str) -> str:
    """Tokens are 32 random bytes, so a plain SHA-256 keeps a stolen accounts file from yielding them."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError("password", f"use at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise AccountError("password", f"use at most {MAX_PASSWORD} characters.")
    return password


class AccountStore:
    """Opens (or creates) the accounts file; every change is one transaction."""

    def __init__(
        self, path: Path, *, clock: Callable[[], datetime] = _now, hasher: PasswordHasher | None = None
    ) -> None:
        self.path = Path(path)
        self.clock = clock
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash = self.hasher.hash("not a password of anyone")
        create_private_file(self.path)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA busy_timeout = 5000")
        self.db.executescript(SCHEMA)
        self._lock = threading.Lock()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction at a time on this connection (the server's threads share it)."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    # reading -------------------------------------------------------------------------------

    def entries(self) -> list[Entry]:
        rows = self.db.execute(
            "SELECT seq, recorded_at, actor, os_user, kind, name, detail FROM account_log ORDER BY seq"
        )
        return [Entry.from_row(row) for row in rows]

    def accounts(self) -> dict[str, Account]:
        return fold(self.entries())

    def account(self, name: str) -> Account | None:
        return self.accounts().get(name)

    def feed_account(self, token: str) -> Account | None:
        """The enabled account a calendar-feed token belongs to, if any."""
        row = self.db.execute(
            "SELECT name FROM feed_tokens WHERE token_hash = ?", (token_hash(token),)
        ).fetchone()
        account = self.account(row[0]) if row else None
        return None if account is None or account.disabled else account

    def has_feed(self, name: str) -> bool:
        return self.db.execute("SELECT 1 FROM feed_tokens WHERE name = ?", (name,)).fetchone() is not None

    def setup_link_account(self, token: str) -> Account | None:
        """The enabled account an unexpired one-time setup link belongs to, if any."""
        row = self.db.execute(
            "SELECT name, expires_at FROM setup_links WHERE token_hash = ?", (token_hash(token),)
        ).fetchone()
        if row is None or datetime.fromisoformat(row[1]) <= self.clock():
            return None
        account = self.account(row[0])
        return None if account is None or account.disabled else account

    def has_admin(self) -> bool:
        return any(a.role == "admin" and not a.disabled for a in self.accounts().values())

    # writing -------------------------------------------------------------------------------

    def _append(self, kind: str, name: str, detail: dict[str, Any], actor: str) -> None:
        self.db.execute(
            "INSERT INTO account_log (recorded_at, actor, os_user, kind, name, detail)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                self.clock().isoformat(timespec="microseconds"),
                actor,
                _os_user(),
                kind,
                name,
                json.dumps(detail, sort_keys=True, ensure_ascii=False),
            ),
        )

    def add(
        self,
        name: str,
        role: str,
        password: str,
        *,
        actor: str,
        clinician_name: str = "",
        supervises: Iterable[str] = (),
        reason: str = "",
    ) -> Account:
        check_password(password)
        with self._transaction():
            detail = decide_create(
                self.accounts(), name, role, clinician_name=clinician_name, supervises=supervises
            )
            if reason:
                detail["reason"] = reason
            self._append("created", name, detail, actor)
            self.db.execute(
                "INSERT OR REPLACE INTO credentials (name, hash) VALUES (?, ?)",
                (name, self.hasher.hash(password)),
            )
        return self.accounts()[name]

    def change_role(
        self,
        name: str,
        role: str,
        *,
        actor: str,
        reason: str,
        clinician_name: str | None = None,
        supervises: Iterable[str] | None = None,
    ) -> Account:
        self._decided(
            "role_changed",
            name,
            actor,
            lambda accounts: decide_role(
                accounts, name, role, reason=reason, clinician_name=clinician_name, supervises=supervises
            ),
        )
        return self.accounts()[name]

    def disable(self, name: str, *, actor: str, reason: str) -> Account:
        self._decided("disabled", name, actor, lambda accounts: decide_disable(accounts, name, reason=reason))
        return self.accounts()[name]

    def enable(self, name: str, *, actor: str, reason: str) -> str:
        """Give a disabled account its access back; the one-time link its owner sets a new password with.

        An account is usually disabled because it was compromised or its owner left, so nothing
        it had comes back: the old password is voided, a pending link is replaced and a feed
        address revoked, and sessions from before do not return (``Account.epoch``).
        """
        with self._transaction():
            detail = decide_enable(self.accounts(), name, reason=reason)
            self._append("enabled", name, detail, actor)
            self.db.execute(
                "UPDATE credentials SET hash = ? WHERE name = ?",
                (self.hasher.hash(secrets.token_urlsafe(32)), name),
            )
            if self.db.execute("DELETE FROM feed_tokens WHERE name = ?", (name,)).rowcount:
                self._append("feed_revoked", name, {"reason": reason}, actor)
            return self._issue_link(name)

    def create_with_link(
        self,
        name: str,
        role: str,
        *,
        actor: str,
        clinician_name: str = "",
        supervises: Iterable[str] = (),
        reason: str = "",
    ) -> str:
        """Add an account with no usable password; the one-time link its owner sets one with."""
        self.add(
            name,
            role,
            secrets.token_urlsafe(32),  # never shown: the owner sets the password through the link
            actor=actor,
            clinician_name=clinician_name,
            supervises=supervises,
            reason=reason,
        )
        return self._issue_link(name)

    def reset_password(self, name: str, *, actor: str, reason: str) -> str:
        """Void the current password and return a one-time link to set a new one."""
        with self._transaction():
            detail = decide_reset(self.accounts(), name, reason=reason)
            self._append("password_reset", name, detail, actor)
            self.db.execute(
                "UPDATE credentials SET hash = ? WHERE name = ?",
                (self.hasher.hash(secrets.token_urlsafe(32)), name),
            )
        return self._issue_link(name)

    def _issue_link(self, name: str) -> str:
        token = secrets.token_urlsafe(32)
        expires = self.clock() + timedelta(hours=SETUP_LINK_HOURS)
        self.db.execute(
            "INSERT OR REPLACE INTO setup_links (token_hash, name, expires_at) VALUES (?, ?, ?)",
            (token_hash(token), name, expires.isoformat(timespec="seconds")),
        )
        return token

    def set_password_with_link(self, token: str, password: str) -> Account:
        """Set the password through a one-time link, which is used up; AccountError if it is not valid."""
        check_password(password)
        with self._transaction():
            account = self.setup_link_account(token)
            if account is None:
                raise AccountError("token", "this link is not valid (used, expired or replaced).")
            self.db.execute("DELETE FROM setup_links WHERE name = ?", (account.name,))
            self.db.execute(
                "UPDATE credentials SET hash = ? WHERE name = ?", (self.hasher.hash(password), account.name)
            )
            self._append("password_set", account.name, {"role": account.role}, account.name)
        return account

    def new_feed_token(self, name: str) -> str:
        """Issue (or replace) the account's calendar-feed token; only its hash is kept."""
        token = secrets.token_urlsafe(32)
        with self._transaction():
            replaced = self.has_feed(name)
            self.db.execute(
                "INSERT OR REPLACE INTO feed_tokens (name, token_hash) VALUES (?, ?)",
                (name, token_hash(token)),
            )
            self._append("feed_replaced" if replaced else "feed_issued", name, {}, name)
        return token

    def revoke_feed_token(self, name: str) -> bool:
        """Revoke the account's calendar-feed token; False when it had none."""
        with self._transaction():
            gone = self.db.execute("DELETE FROM feed_tokens WHERE name = ?", (name,)).rowcount > 0
            if gone:
                self._append("feed_revoked", name, {}, name)
        return gone

    # failed sign-ins, shared by every process serving this accounts file -------------------

    def record_failure(self, keys: Iterable[str], at: float, window: float) -> None:
        with self._transaction():
            self.db.execute("DELETE FROM sign_in_failures WHERE at <= ?", (at - window,))
            self.db.executemany(
                "INSERT INTO sign_in_failures (key, at) VALUES (?, ?)", [(k, at) for k in keys]
            )

    def failures_since(self, key: str, since: float) -> int:
        row = self.db.execute(
            "SELECT count(*) FROM sign_in_failures WHERE key = ? AND at > ?", (key, since)
        ).fetchone()
        return int(row[0])

    def _decided(
        self, kind: str, name: str, actor: str, decide: Callable[[dict[str, Account]], dict[str, Any]]
    ) -> None:
        with self._transaction():
            self._append(kind, name, decide(self.accounts()), actor)

    # signing in ----------------------------------------------------------------------------

    def authenticate(self, name: str, password: str) -> Account | None:
        """The account if the password matches and it is enabled; the same work is done otherwise."""
        row = self.db.execute("SELECT hash FROM credentials WHERE name = ?", (name,)).fetchone()
        stored = row[0] if row else self._dummy_hash
        try:
            self.hasher.verify(stored, password[:MAX_PASSWORD])
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        account = self.account(name)
        if account is None or account.disabled:
            return None
        if self.hasher.check_needs_rehash(stored):
            self.db.execute(
                "UPDATE credentials SET hash = ? WHERE name = ?", (self.hasher.hash(password), name)
            )
        return account
