"""The command-line faces: ``goalplan serve`` and ``goalplan users``.

Only click and goalplan are imported at module level; the web extra is checked and imported
inside each command.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from goalplan_web.extra import require_web_extra

if TYPE_CHECKING:
    from goalplan_web.account_store import AccountStore

ACCOUNTS_HELP = "Accounts file (default: <store>.accounts.db beside a SQLite store; $GOALPLAN_ACCOUNTS)."


def _cli_actor() -> str:
    env = os.environ.get("GOALPLAN_ACTOR")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers)
        return "unknown"


def _db(ctx: click.Context) -> str:
    return str(ctx.find_root().obj.db)


def _accounts_path(ctx: click.Context, accounts: str | None) -> Path:
    from goalplan_web.account_store import default_accounts_path
    from goalplan_web.accounts import AccountError

    if accounts:
        return Path(accounts)
    try:
        return default_accounts_path(_db(ctx))
    except AccountError as exc:
        raise click.UsageError(exc.message) from None


def _open_accounts(
    ctx: click.Context, accounts: str | None, command: str, *, create: bool = True
) -> AccountStore:
    """The account store; only ``serve`` (first run) and ``users add`` may create its file."""
    require_web_extra(command)
    from goalplan_web.account_store import AccountStore

    path = _accounts_path(ctx, accounts)
    if not create and not path.exists():
        raise click.UsageError(
            f"--accounts: there are no accounts at {path}; `goalplan users add` creates them."
        )
    store = AccountStore(path)
    ctx.call_on_close(store.close)
    return store


def _refused(exc: Exception) -> click.ClickException:
    return click.UsageError(str(exc))


@click.group("users")
@click.option("--accounts", envvar="GOALPLAN_ACCOUNTS", default=None, help=ACCOUNTS_HELP)
@click.pass_context
def users_group(ctx: click.Context, accounts: str | None) -> None:
    """Accounts of the web workspace: add, disable, enable, change role, list, show the log."""
    ctx.obj = {"accounts": accounts, "root": ctx.find_root().obj}


def _store(ctx: click.Context, *, create: bool = False) -> AccountStore:
    return _open_accounts(ctx, ctx.obj["accounts"], "users", create=create)


def _password(password_env: str | None) -> str:
    if password_env:
        value = os.environ.get(password_env)
        if value is None:
            raise click.UsageError(f"--password-env: the environment variable {password_env} is not set.")
        return value
    if not sys.stdin.isatty():
        raise click.UsageError("--password-env: not on a terminal, so name a variable holding the password.")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_group.command("add")
@click.argument("name")
@click.option("--role", required=True, help="clinician, supervisor, auditor or admin.")
@click.option("--clinician-name", default="", help="The clinician name this user's plans are recorded under.")
@click.option("--supervises", multiple=True, help="A clinician name this supervisor reads (repeatable).")
@click.option("--password-env", default=None, help="Read the password from this environment variable.")
@click.option("--reason", default="", help="Why the account is granted (kept in the account log).")
@click.pass_context
def users_add(
    ctx: click.Context,
    name: str,
    role: str,
    clinician_name: str,
    supervises: tuple[str, ...],
    password_env: str | None,
    reason: str,
) -> None:
    """Add an account (the password is asked twice, or read from --password-env)."""
    from goalplan_web.accounts import AccountError, check_name, check_role, decide_create

    require_web_extra("users")
    try:
        check_name(name)
        check_role(role)
    except AccountError as exc:
        raise _refused(exc) from None
    password = _password(password_env)
    path = _accounts_path(ctx, ctx.obj["accounts"])
    new_file = not path.exists()
    store = _store(ctx, create=True)
    try:
        decide_create(store.accounts(), name, role, clinician_name=clinician_name, supervises=supervises)
        account = store.add(
            name,
            role,
            password,
            actor=_cli_actor(),
            clinician_name=clinician_name,
            supervises=supervises,
            reason=reason,
        )
    except AccountError as exc:
        if new_file:  # a refused first account leaves no empty account store behind
            store.close()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise _refused(exc) from None
    click.echo(f"added {account.name} ({account.role})")


@users_group.command("disable")
@click.argument("name")
@click.option("--reason", required=True, help="Why access is revoked (kept in the account log).")
@click.pass_context
def users_disable(ctx: click.Context, name: str, reason: str) -> None:
    """Revoke an account's access (the account and its history stay)."""
    from goalplan_web.accounts import AccountError

    try:
        _store(ctx).disable(name, actor=_cli_actor(), reason=reason)
    except AccountError as exc:
        raise _refused(exc) from None
    click.echo(f"disabled {name}")


@users_group.command("enable")
@click.argument("name")
@click.option("--reason", required=True, help="Why access is given back (kept in the account log).")
@click.option(
    "--address",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="The workspace's address as its users reach it, to print the one-time link with.",
)
@click.pass_context
def users_enable(ctx: click.Context, name: str, reason: str, address: str) -> None:
    """Give a disabled account access again: the old password stops working, and a one-time link
    is printed for its owner to set a new one (an account is disabled because it was compromised
    or its owner left, so what it had does not come back)."""
    from goalplan_web.account_store import SETUP_LINK_HOURS
    from goalplan_web.accounts import AccountError

    if not address.startswith(("http://", "https://")):
        raise click.UsageError(f"--address: give the address with http:// or https:// (got {address!r}).")
    try:
        token = _store(ctx).enable(name, actor=_cli_actor(), reason=reason)
    except AccountError as exc:
        raise _refused(exc) from None
    click.echo(f"enabled {name}; the password it had no longer works.")
    click.echo(
        f"Give {name} this one-time link (in person or by a channel only they read; it works once,"
        f" for {SETUP_LINK_HOURS} hours) to set a new password:"
    )
    click.echo(f"{address.rstrip('/')}/welcome/{token}")


@users_group.command("role")
@click.argument("name")
@click.argument("role")
@click.option("--reason", required=True, help="Why the role changes (kept in the account log).")
@click.option("--clinician-name", default=None, help="New clinician name (default: unchanged).")
@click.option("--supervises", multiple=True, help="New supervised clinician names (default: unchanged).")
@click.pass_context
def users_role(
    ctx: click.Context,
    name: str,
    role: str,
    reason: str,
    clinician_name: str | None,
    supervises: tuple[str, ...],
) -> None:
    """Change an account's role."""
    from goalplan_web.accounts import AccountError

    keep_caseload = role in ("clinician", "supervisor")
    try:
        account = _store(ctx).change_role(
            name,
            role,
            actor=_cli_actor(),
            reason=reason,
            clinician_name=clinician_name if clinician_name is not None else (None if keep_caseload else ""),
            supervises=supervises or (None if keep_caseload else ()),
        )
    except AccountError as exc:
        raise _refused(exc) from None
    click.echo(f"{account.name} is now {account.role}")


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def users_list(ctx: click.Context, as_json: bool) -> None:
    """Every account with its role."""
    exists = _accounts_path(ctx, ctx.obj["accounts"]).exists()  # listing never creates the store
    accounts = sorted(_store(ctx).accounts().values(), key=lambda a: a.name) if exists else []
    if as_json:
        click.echo(json.dumps([a.to_json() for a in accounts], indent=2, ensure_ascii=False))
        return
    for a in accounts:
        extra = a.clinician_name or ", ".join(a.supervises)
        state = " (disabled)" if a.disabled else ""
        click.echo(f"{a.name}\t{a.role}{state}\t{extra}")


@users_group.command("log")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def users_log(ctx: click.Context, as_json: bool) -> None:
    """Every account change: when, by whom, what and why."""
    entries = _store(ctx).entries() if _accounts_path(ctx, ctx.obj["accounts"]).exists() else []
    if as_json:
        click.echo(json.dumps([e.to_json() for e in entries], indent=2, ensure_ascii=False))
        return
    for e in entries:
        reason = e.detail.get("reason", "")
        role = e.detail.get("role", "")
        click.echo(f"{e.seq}\t{e.recorded_at}\t{e.actor} ({e.os_user})\t{e.kind}\t{e.name}\t{role}\t{reason}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--accounts", envvar="GOALPLAN_ACCOUNTS", default=None, help=ACCOUNTS_HELP)
@click.option(
    "--https", is_flag=True, help="Served over HTTPS (e.g. behind a TLS proxy): cookies are Secure."
)
@click.option(
    "--idle-minutes",
    default=30,
    show_default=True,
    type=click.IntRange(1, 24 * 60),
    help="Sign out after this idle time.",
)
@click.pass_context
def serve(
    ctx: click.Context, host: str, port: int, accounts: str | None, https: bool, idle_minutes: int
) -> None:
    """Serve the web workspace (binds to 127.0.0.1 unless --host says otherwise)."""
    require_web_extra("serve")
    import secrets

    import uvicorn

    from goalplan_web.access_log import log_config
    from goalplan_web.app import Settings, create_app

    store = _open_accounts(ctx, accounts, "serve")
    setup_token = None if store.has_admin() else secrets.token_urlsafe(24)
    settings = Settings(
        db=_db(ctx), accounts=store, https=https, idle_seconds=idle_minutes * 60, setup_token=setup_token
    )
    app: Any = create_app(settings)
    shown = f"[{host}]" if ":" in host else host
    if setup_token:
        click.echo(
            f"No admin account yet. Create one (once) at: http://{shown}:{port}/setup?token={setup_token}"
        )
    click.echo(f"goalplan workspace on http://{shown}:{port}/")
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        log_config=log_config(),
        server_header=False,
        proxy_headers=https,
    )
