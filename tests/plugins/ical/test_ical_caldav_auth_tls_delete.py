"""CalDAV sync: User-Agent, Digest authentication, a private CA (--ca-file), deleting cancelled
entries after a grace period, and progress on a terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import goalplan
from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands
from goalplan_ical.caldav_client import USER_AGENT, CalDAVClient
from goalplan_ical.options import parse_options
from goalplan_ical.sync import SyncReport, sync_caldav
from tests.plugins.ical import digest_server
from tests.plugins.ical.ical_helpers import goal_id
from tests.plugins.ical.radicale_server import PASSWORD, USER, Radicale

PASSWORD_ENV = "GOALPLAN_TEST_CALDAV_PASSWORD"


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    install_plugin_commands(cli)
    return CliRunner()


def sync(
    runner: CliRunner, db_path: Path, url: str, target: str, *extra: str, password: str = PASSWORD
) -> Result:
    args = ["--db", str(db_path), "sync", "caldav", url, *(["--all"] if target == "--all" else [target])]
    args += ["--user", USER, "--password-env", PASSWORD_ENV, "--state", str(db_path) + ".state", *extra]
    return runner.invoke(cli, args, env={PASSWORD_ENV: password})


# -- User-Agent and Digest ----------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_digest_server_gets_every_entry_and_a_user_agent(
    runner: CliRunner, plan: goalplan.Plan, db_path: Path, algorithm: str
) -> None:
    with digest_server.digest_server(algorithm) as server:
        result = sync(runner, db_path, server.url, plan.id)
        assert result.exit_code == 0, result.output
        assert "2 changed (2 created, 0 updated)" in result.output
        assert len(server.resources) == 2
        assert all(headers["User-Agent"] == USER_AGENT for _, _, headers in server.requests)
        assert USER_AGENT.startswith("goalplan/")
        # auto: Basic first, then one challenge, then Digest with a rising count on one nonce
        schemes = [h.get("Authorization", "").split(" ")[0] for _, _, h in server.requests]
        assert schemes == ["Basic", "Digest", "Digest"]


def test_auth_digest_never_sends_the_password(runner: CliRunner, plan: goalplan.Plan, db_path: Path) -> None:
    with digest_server.digest_server() as server:
        result = sync(runner, db_path, server.url, plan.id, "--auth", "digest")
        assert result.exit_code == 0, result.output
        sent = [h.get("Authorization", "") for _, _, h in server.requests]
        assert sent[0] == "" and all(value.startswith("Digest ") for value in sent[1:])
        assert not any(PASSWORD in value for value in sent)


def test_a_stale_nonce_is_renewed_without_failing_the_sync(
    runner: CliRunner, gp: goalplan.Goalplan, plan: goalplan.Plan, db_path: Path
) -> None:
    gp.open_plan(client="Riley Stone", clinician="Dr. Ana Ruiz")
    with digest_server.digest_server(nonce_uses=1) as server:
        result = sync(runner, db_path, server.url, "--all", "--auth", "digest")
        assert result.exit_code == 0, result.output
        assert len(server.resources) == 3
        assert len(server.nonces) == 3  # a first challenge, then one stale renewal per further PUT


def test_wrong_digest_password_is_one_sentence(runner: CliRunner, plan: goalplan.Plan, db_path: Path) -> None:
    with digest_server.digest_server() as server:
        result = sync(runner, db_path, server.url, plan.id, password="wrong")
        assert result.exit_code == 1
        assert "refused the credentials (401" in result.output
        assert "Traceback" not in result.output and not server.resources


# -- --ca-file ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: a private CA of its own."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_ca_file_trusts_a_private_certificate(
    runner: CliRunner, plan: goalplan.Plan, db_path: Path, certificate: tuple[Path, Path]
) -> None:
    with digest_server.digest_server(certificate=certificate) as server:
        assert server.url.startswith("https://")
        refused = sync(runner, db_path, server.url, plan.id)
        assert refused.exit_code == 1
        assert "TLS failed" in refused.output and "CERTIFICATE_VERIFY_FAILED" in refused.output
        trusted = sync(runner, db_path, server.url, plan.id, "--ca-file", str(certificate[0]))
        assert trusted.exit_code == 0, trusted.output
        assert len(server.resources) == 2


def test_bad_ca_file_is_refused_naming_the_option(
    runner: CliRunner, plan: goalplan.Plan, db_path: Path, tmp_path: Path
) -> None:
    url = "https://127.0.0.1:9/dav/"
    missing = sync(runner, db_path, url, plan.id, "--ca-file", str(tmp_path / "nope.pem"))
    assert missing.exit_code == 1 and "--ca-file: " in missing.output and "does not exist" in missing.output
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    unreadable = sync(runner, db_path, url, plan.id, "--ca-file", str(junk))
    assert unreadable.exit_code == 1 and "holds no PEM certificate" in unreadable.output
    plain = sync(runner, db_path, "http://127.0.0.1:9/dav/", plan.id, "--ca-file", str(junk))
    assert plain.exit_code == 1 and "--ca-file: applies to https:// URLs only." in plain.output


# -- deleting cancelled entries -----------------------------------------------------------------


def _sync(plan: goalplan.Plan, url: str, state: Path, now: datetime, days: int = 30) -> SyncReport:
    return sync_caldav(
        [plan.log()],
        CalDAVClient(url, user=USER, password=PASSWORD),
        parse_options({}),
        state,
        delete_cancelled_after=timedelta(days=days),
        now=now,
    )


def test_cancelled_entries_are_deleted_after_the_grace_period_and_come_back_if_revived(
    radicale: Radicale, plan: goalplan.Plan, tmp_path: Path
) -> None:
    url, state = radicale.new_calendar(), tmp_path / "state.sqlite"
    target = f"goalplan-{plan.id}-goal-{goal_id(plan)}-target"
    _sync(plan, url, state, datetime(2026, 1, 6, tzinfo=UTC))
    assert len(radicale.hrefs(url)) == 2
    plan.change_status(goal_id(plan), "cancelled", reason="client chose another goal")
    cancelled_at = plan.log().last_recorded_at
    assert cancelled_at is not None

    within = _sync(plan, url, state, cancelled_at + timedelta(days=29))
    assert within.updated == 1 and within.deleted == 0
    assert any(target in href for href in radicale.hrefs(url))

    puts = radicale.put_count()
    after = _sync(plan, url, state, cancelled_at + timedelta(days=30))  # log unchanged since
    assert after.deleted == 1 and after.changed == 0
    assert not any(target in href for href in radicale.hrefs(url))
    assert len(radicale.hrefs(url)) == 1  # the review reminder stays

    again = _sync(plan, url, state, cancelled_at + timedelta(days=90))
    assert (again.deleted, again.changed) == (0, 0)
    assert radicale.put_count() == puts

    plan.correct(plan.log().records[-1].event_id, reason="entered in the wrong plan")
    revived = _sync(plan, url, state, cancelled_at + timedelta(days=91))
    assert revived.created == 1
    assert any(target in href for href in radicale.hrefs(url))


def test_delete_cancelled_after_from_the_command_line(
    runner: CliRunner, radicale: Radicale, plan: goalplan.Plan, db_path: Path
) -> None:
    url = radicale.new_calendar()
    assert sync(runner, db_path, url, plan.id).exit_code == 0
    plan.change_status(goal_id(plan), "cancelled", reason="client chose another goal")
    result = sync(runner, db_path, url, plan.id, "--delete-cancelled-after", "0")
    assert result.exit_code == 0, result.output
    assert "1 cancelled deleted" in result.output
    assert len(radicale.hrefs(url)) == 1
    bad = sync(runner, db_path, url, plan.id, "--delete-cancelled-after", "-3")
    assert bad.exit_code == 2 and "--delete-cancelled-after" in bad.output


# -- progress -----------------------------------------------------------------------------------


def _run_with_terminal_stderr(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run goalplan with stderr on a pseudo-terminal and stdout on a pipe."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "goalplan", *args], stdout=subprocess.PIPE, stderr=secondary, env=env
    )
    os.close(secondary)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([primary], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(primary, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    out, _ = process.communicate(timeout=60)
    os.close(primary)
    return process.returncode, out.decode(), b"".join(chunks).decode(errors="replace")


def test_progress_shows_on_a_terminal_only(
    runner: CliRunner, radicale: Radicale, gp: goalplan.Goalplan, plan: goalplan.Plan, db_path: Path
) -> None:
    gp.open_plan(client="Riley Stone", clinician="Dr. Ana Ruiz")
    url = radicale.new_calendar()
    root = Path(__file__).resolve().parents[3]  # this checkout's code, not an installed copy
    path = os.pathsep.join([str(root / "core"), str(root / "plugins"), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, PASSWORD_ENV: PASSWORD, "PYTHONPATH": path}
    args = [
        "--db",
        str(db_path),
        "sync",
        "caldav",
        url,
        "--all",
        "--user",
        USER,
        "--password-env",
        PASSWORD_ENV,
    ]
    code, out, terminal = _run_with_terminal_stderr([*args, "--state", str(db_path) + ".state"], env)
    assert code == 0, (out, terminal)
    assert "Syncing plans" in terminal and "100%" in terminal, (out, terminal)
    assert "Synced 2 plan(s)" in out and "Syncing" not in out
    quiet = sync(runner, db_path, url, "--all")  # CliRunner: not a terminal
    assert quiet.exit_code == 0, quiet.output
    assert "Syncing plans" not in quiet.output
