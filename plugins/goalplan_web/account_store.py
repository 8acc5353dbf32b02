"""The accounts file: a SQLite database of its own, created 0600, beside the plan store.

``account_log`` is append-only (triggers refuse UPDATE and DELETE); ``credentials`` holds one
argon2 hash per account and is the only mutable table. argon2-cffi is imported here, so this
module is only imported once the web extra is known to be installed.
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
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
"""
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
        self.db.execute("BEGIN IMMEDIATE")
        try:
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
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
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

    def _decided(
        self, kind: str, name: str, actor: str, decide: Callable[[dict[str, Account]], dict[str, Any]]
    ) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self._append(kind, name, decide(self.accounts()), actor)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

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
