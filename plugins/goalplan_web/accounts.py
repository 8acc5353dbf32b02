"""Accounts as an append-only log: who may sign in, with which role, decided by a pure fold.

Every grant, role change and revocation is an entry naming the actor and the reason, so the
account history is as auditable as a plan's. Only password hashes live outside the log (they
change on rehash and must never be copied into an audit trail).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from attrs import evolve, frozen

ROLES = ("clinician", "supervisor", "auditor", "admin")
# Entries past "enabled" change no role: they record who reset a password or handled a feed token.
KINDS = (
    "created",
    "role_changed",
    "disabled",
    "enabled",
    "password_reset",
    "password_set",
    "feed_issued",
    "feed_replaced",
    "feed_revoked",
)
NAME_MAX = 64


class AccountError(ValueError):
    """A refused account change; ``field`` names the option or form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@frozen
class Account:
    name: str
    role: str
    clinician_name: str = ""
    supervises: tuple[str, ...] = ()
    disabled: bool = False
    # The log entry that last ended every session (disabled, enabled, a password reset or set):
    # a session started before it is not accepted, so enabling an account or resetting its
    # password never brings an old session back.
    epoch: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "clinician_name": self.clinician_name,
            "supervises": list(self.supervises),
            "disabled": self.disabled,
        }


@frozen
class Entry:
    """One row of the account log."""

    seq: int
    recorded_at: str
    actor: str
    os_user: str
    kind: str
    name: str
    detail: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The same keys for every kind (null where the kind sets none), as the JSON Schema lists."""
        detail = self.detail
        supervises = detail.get("supervises")
        return {
            "seq": self.seq,
            "recorded_at": self.recorded_at,
            "actor": self.actor,
            "os_user": self.os_user,
            "kind": self.kind,
            "name": self.name,
            "role": detail.get("role"),
            "from_role": detail.get("from"),
            "clinician_name": detail.get("clinician_name"),
            "supervises": None if supervises is None else list(supervises),
            "reason": detail.get("reason"),
        }

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Entry:
        seq, recorded_at, actor, os_user, kind, name, detail = row
        return cls(seq, recorded_at, actor, os_user, kind, name, json.loads(detail))


def check_name(name: str) -> str:
    if not name or len(name) > NAME_MAX or not all(c.isalnum() or c in "._-@" for c in name):
        raise AccountError(
            "NAME", f"{name!r} is not a user name: use 1-{NAME_MAX} letters, digits, . _ - or @."
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError("ROLE", f"{role!r} is not a role; roles are {', '.join(ROLES)}.")
    return role


def check_reason(reason: str) -> str:
    if not reason.strip():
        raise AccountError("--reason", "give a reason; it is kept in the account log.")
    return reason


def apply(accounts: dict[str, Account], entry: Entry) -> None:
    """Fold one entry into ``accounts`` (in place)."""
    detail = entry.detail
    if entry.kind == "created":
        accounts[entry.name] = Account(
            entry.name,
            detail["role"],
            detail.get("clinician_name", ""),
            tuple(detail.get("supervises", ())),
        )
    elif entry.kind == "role_changed":
        # A role change records the whole new role (clinician name and supervised names included).
        accounts[entry.name] = evolve(
            accounts[entry.name],
            role=detail["role"],
            clinician_name=detail.get("clinician_name", ""),
            supervises=tuple(detail.get("supervises", ())),
        )
    elif entry.kind == "disabled":
        accounts[entry.name] = evolve(accounts[entry.name], disabled=True, epoch=entry.seq)
    elif entry.kind == "enabled":
        accounts[entry.name] = evolve(accounts[entry.name], disabled=False, epoch=entry.seq)
    elif entry.kind in ("password_reset", "password_set"):
        accounts[entry.name] = evolve(accounts[entry.name], epoch=entry.seq)


def fold(entries: Iterable[Entry]) -> dict[str, Account]:
    accounts: dict[str, Account] = {}
    for entry in entries:
        apply(accounts, entry)
    return accounts


def decide_create(
    accounts: Mapping[str, Account],
    name: str,
    role: str,
    *,
    clinician_name: str = "",
    supervises: Iterable[str] = (),
) -> dict[str, Any]:
    """The detail of a ``created`` entry, or AccountError naming the field at fault."""
    check_name(name)
    check_role(role)
    if name in accounts:
        raise AccountError("NAME", f"there is already an account {name!r}.")
    return _role_detail(role, clinician_name, supervises)


def decide_role(
    accounts: Mapping[str, Account],
    name: str,
    role: str,
    *,
    reason: str,
    clinician_name: str | None = None,
    supervises: Iterable[str] | None = None,
) -> dict[str, Any]:
    account = _existing(accounts, name)
    check_role(role)
    check_reason(reason)
    detail = _role_detail(
        role,
        account.clinician_name if clinician_name is None else clinician_name,
        account.supervises if supervises is None else supervises,
    )
    if role != "admin":
        _keep_an_admin(accounts, account, "ROLE", "change the role of")
    return {**detail, "from": account.role, "reason": reason}


def decide_disable(accounts: Mapping[str, Account], name: str, *, reason: str) -> dict[str, Any]:
    account = _existing(accounts, name)
    check_reason(reason)
    if account.disabled:
        raise AccountError("NAME", f"account {name!r} is already disabled.")
    _keep_an_admin(accounts, account, "NAME", "disable")
    return {"reason": reason, "role": account.role}


def decide_enable(accounts: Mapping[str, Account], name: str, *, reason: str) -> dict[str, Any]:
    account = _existing(accounts, name)
    check_reason(reason)
    if not account.disabled:
        raise AccountError("NAME", f"account {name!r} is not disabled.")
    return {"reason": reason, "role": account.role}


def decide_reset(accounts: Mapping[str, Account], name: str, *, reason: str) -> dict[str, Any]:
    account = _existing(accounts, name)
    check_reason(reason)
    if account.disabled:
        raise AccountError("NAME", f"account {name!r} is disabled; its password cannot be reset.")
    return {"reason": reason, "role": account.role}


def _keep_an_admin(accounts: Mapping[str, Account], account: Account, field: str, doing: str) -> None:
    """Nobody could manage accounts in the browser again without an enabled admin."""
    admins = [a for a in accounts.values() if a.role == "admin" and not a.disabled]
    if admins == [account]:
        raise AccountError(
            field, f"{account.name!r} is the last admin; add another admin before you {doing} it."
        )


def _existing(accounts: Mapping[str, Account], name: str) -> Account:
    if name not in accounts:
        raise AccountError("NAME", f"there is no account {name!r}.")
    return accounts[name]


def _role_detail(role: str, clinician_name: str, supervises: Iterable[str]) -> dict[str, Any]:
    supervised = sorted(set(supervises))
    clinician_name = clinician_name.strip()
    if role == "clinician" and not clinician_name:
        raise AccountError(
            "--clinician-name", "a clinician needs the clinician name their plans are recorded under."
        )
    if role == "supervisor" and not supervised:
        raise AccountError("--supervises", "a supervisor needs the clinician name(s) they supervise.")
    if role not in ("clinician", "supervisor") and (clinician_name or supervised):
        raise AccountError("--clinician-name", f"an {role} account has no caseload; leave it out.")
    detail: dict[str, Any] = {"role": role}
    if clinician_name:
        detail["clinician_name"] = clinician_name
    if supervised:
        detail["supervises"] = supervised
    return detail
