"""Accounts: an append-only log folded into roles, argon2 credentials, and ``goalplan users``."""

from __future__ import annotations

import json
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from goalplan_web.account_store import AccountStore
from goalplan_web.accounts import AccountError

Invoke = Callable[..., Result]
PASSWORD = "correct horse battery"


@pytest.fixture
def store(tmp_path: Path) -> AccountStore:
    opened = AccountStore(tmp_path / "plans.db.accounts.db")
    yield opened
    opened.close()


def test_the_accounts_file_is_created_0600_whatever_the_umask(tmp_path: Path) -> None:
    import os

    old = os.umask(0)
    try:
        AccountStore(tmp_path / "new" / "a.db").close()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new" / "a.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700


def test_roles_fold_from_the_log_and_every_change_names_actor_and_reason(store: AccountStore) -> None:
    store.add("ruiz", "clinician", PASSWORD, actor="boss", clinician_name="Dr. Tomás Ruiz")
    store.add("chen", "supervisor", PASSWORD, actor="boss", supervises=["Dr. Tomás Ruiz"])
    store.change_role(
        "ruiz", "auditor", actor="boss", reason="moved to quality team", clinician_name="", supervises=()
    )
    store.disable("chen", actor="boss", reason="left the practice")
    accounts = store.accounts()
    assert accounts["ruiz"].role == "auditor" and accounts["ruiz"].clinician_name == ""
    assert accounts["chen"].disabled
    kinds = [(e.kind, e.name, e.actor, e.detail.get("reason")) for e in store.entries()]
    assert kinds == [
        ("created", "ruiz", "boss", None),
        ("created", "chen", "boss", None),
        ("role_changed", "ruiz", "boss", "moved to quality team"),
        ("disabled", "chen", "boss", "left the practice"),
    ]
    assert store.entries()[2].detail["from"] == "clinician"


def test_the_account_log_refuses_update_and_delete(store: AccountStore) -> None:
    store.add("ruiz", "clinician", PASSWORD, actor="boss", clinician_name="Dr. Tomás Ruiz")
    for sql in ("UPDATE account_log SET kind = 'x'", "DELETE FROM account_log"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.db.execute(sql)
    assert len(store.entries()) == 1


def test_passwords_are_argon2_hashed_and_checked(store: AccountStore) -> None:
    store.add("ruiz", "clinician", PASSWORD, actor="boss", clinician_name="Dr. Tomás Ruiz")
    (stored,) = store.db.execute("SELECT hash FROM credentials").fetchone()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert store.authenticate("ruiz", PASSWORD) is not None
    assert store.authenticate("ruiz", PASSWORD + "x") is None
    assert store.authenticate("nobody", PASSWORD) is None
    store.disable("ruiz", actor="boss", reason="left")
    assert store.authenticate("ruiz", PASSWORD) is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "bad name", "role": "clinician", "clinician_name": "X"}, "NAME"),
        ({"name": "a", "role": "wizard"}, "ROLE"),
        ({"name": "a", "role": "clinician"}, "--clinician-name"),
        ({"name": "a", "role": "supervisor"}, "--supervises"),
        ({"name": "a", "role": "admin", "clinician_name": "X"}, "--clinician-name"),
    ],
)
def test_bad_accounts_are_refused_naming_the_field_and_nothing_is_written(
    store: AccountStore, kwargs: dict[str, str], field: str
) -> None:
    with pytest.raises(AccountError) as caught:
        store.add(password=PASSWORD, actor="boss", **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert store.entries() == []


def test_a_short_password_is_refused(store: AccountStore) -> None:
    with pytest.raises(AccountError, match="at least 12"):
        store.add("a", "auditor", "short", actor="boss")
    assert store.entries() == []


def test_users_commands_manage_accounts_from_the_command_line(invoke: Invoke, db_path: Path) -> None:
    env = {"PW": PASSWORD, "GOALPLAN_ACTOR": "admin.ops"}
    added = invoke(
        "users",
        "add",
        "ruiz",
        "--role",
        "clinician",
        "--clinician-name",
        "Dr. Tomás Ruiz",
        "--password-env",
        "PW",
        env=env,
    )
    assert added.exit_code == 0, added.output
    assert (
        invoke(
            "users", "role", "ruiz", "supervisor", "--supervises", "Ana Ruiz", "--reason", "promoted", env=env
        ).exit_code
        == 0
    )
    assert invoke("users", "disable", "ruiz", "--reason", "left", env=env).exit_code == 0
    listed = json.loads(invoke("users", "list", "--json").output)
    assert listed == [
        {
            "name": "ruiz",
            "role": "supervisor",
            "clinician_name": "Dr. Tomás Ruiz",
            "supervises": ["Ana Ruiz"],
            "disabled": True,
        }
    ]
    log = json.loads(invoke("users", "log", "--json").output)
    assert [(e["kind"], e["actor"]) for e in log] == [
        ("created", "admin.ops"),
        ("role_changed", "admin.ops"),
        ("disabled", "admin.ops"),
    ]
    assert stat.S_IMODE(Path(f"{db_path}.accounts.db").stat().st_mode) == 0o600


def test_users_add_errors_are_one_sentence_naming_the_option(invoke: Invoke) -> None:
    result = invoke("users", "add", "ruiz", "--role", "wizard", "--password-env", "PW", env={"PW": PASSWORD})
    assert result.exit_code == 2 and "ROLE: 'wizard' is not a role" in result.output
    unset = invoke("users", "add", "ruiz", "--role", "auditor", "--password-env", "NOPE_UNSET")
    assert (
        unset.exit_code == 2
        and "--password-env: the environment variable NOPE_UNSET is not set." in unset.output
    )
    assert "Traceback" not in result.output + unset.output
    assert json.loads(invoke("users", "list", "--json").output) == []


def test_without_the_web_extra_serve_says_how_to_install_it(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "starlette" else real(name, *a)
    )
    result = invoke("serve")
    assert result.exit_code == 1
    assert (
        "goalplan serve needs the web extra (starlette not installed): pip install 'goalplan[web]'."
        in result.output
    )
