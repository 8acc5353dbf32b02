"""CalDAV sync against a real Radicale server started by the tests on 127.0.0.1."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner, Result

import goalplan
from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands
from goalplan_ical.caldav_client import CalDAVClient, CalDAVError
from goalplan_ical.options import parse_options
from goalplan_ical.sync import sync_caldav
from tests.plugins.ical.ical_helpers import CLIENT, STATEMENT, goal_id
from tests.plugins.ical.radicale_server import PASSWORD, USER, Radicale, free_port

PASSWORD_ENV = "GOALPLAN_TEST_CALDAV_PASSWORD"


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    install_plugin_commands(cli)
    return CliRunner()


@pytest.fixture
def calendar(radicale: Radicale) -> str:
    return radicale.new_calendar()


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / "sync-state.sqlite"


def sync(
    runner: CliRunner,
    db_path: Path,
    url: str,
    target: str,
    *extra: str,
    password: str = PASSWORD,
    state: Path | None = None,
) -> Result:
    args = ["--db", str(db_path), "sync", "caldav", url]
    args += ["--all"] if target == "--all" else [target]
    args += ["--user", USER, "--password-env", PASSWORD_ENV, *extra]
    if state is not None:
        args += ["--state", str(state)]
    return runner.invoke(cli, args, env={PASSWORD_ENV: password})


def server_events(radicale: Radicale, url: str) -> dict[str, icalendar.Event]:
    """Every event on the server, by UID, each from its own resource (exactly one per resource)."""
    found: dict[str, icalendar.Event] = {}
    for href in radicale.hrefs(url):
        body, _ = radicale.get(href)
        (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
        uid = str(event["UID"])
        assert href.endswith(f"/{uid}.ics")
        assert uid not in found
        found[uid] = event
    return found


def log_snapshot(gp: goalplan.Goalplan) -> tuple[int, list[str]]:
    return gp.store.head_position(), [r.hash for log in gp.logs() for r in log.records]


def test_create_then_move_a_goal_and_resync_updates_in_place(
    runner: CliRunner, radicale: Radicale, calendar: str, plan: goalplan.Plan, db_path: Path, state_file: Path
) -> None:
    first = sync(runner, db_path, calendar, plan.id, state=state_file)
    assert first.exit_code == 0, first.output
    assert "2 changed (2 created, 0 updated)" in first.output
    target_uid = f"goalplan-{plan.id}-goal-{goal_id(plan)}-target"
    before = server_events(radicale, calendar)
    assert set(before) == {target_uid, f"goalplan-{plan.id}-review-1"}
    assert before[target_uid].decoded("DTSTART") == date(2026, 4, 1)
    assert "METHOD" not in radicale.get(radicale.hrefs(calendar)[0])[0].decode()

    plan.revise_goal(goal_id(plan), reason="needs more time", by=date(2026, 5, 20))
    second = sync(runner, db_path, calendar, plan.id, state=state_file)
    assert second.exit_code == 0, second.output
    assert "1 changed (0 created, 1 updated), 1 unchanged" in second.output
    after = server_events(radicale, calendar)
    assert len(after) == 2
    assert after[target_uid].decoded("DTSTART") == date(2026, 5, 20)
    assert after[target_uid]["SEQUENCE"] > before[target_uid]["SEQUENCE"]
    assert after[target_uid]["SEQUENCE"] == 1  # goalplan's own count, not bumped by the client
    for text in (CLIENT, STATEMENT):
        assert text not in radicale.get(radicale.hrefs(calendar)[0])[0].decode()


def test_a_cancelled_goal_reads_back_cancelled(
    runner: CliRunner, radicale: Radicale, calendar: str, plan: goalplan.Plan, db_path: Path, state_file: Path
) -> None:
    assert sync(runner, db_path, calendar, plan.id, state=state_file).exit_code == 0
    plan.change_status(goal_id(plan), "cancelled", reason="client chose another goal")
    result = sync(runner, db_path, calendar, plan.id, state=state_file)
    assert "1 changed (0 created, 1 updated)" in result.output
    target = server_events(radicale, calendar)[f"goalplan-{plan.id}-goal-{goal_id(plan)}-target"]
    assert str(target["STATUS"]) == "CANCELLED"
    assert target["SEQUENCE"] == 1


def test_a_resync_with_nothing_new_sends_nothing(
    runner: CliRunner,
    radicale: Radicale,
    calendar: str,
    gp: goalplan.Goalplan,
    plan: goalplan.Plan,
    db_path: Path,
    state_file: Path,
) -> None:
    gp.open_plan(client="Riley Stone", clinician="Dr. Ana Ruiz", opened=date(2026, 2, 1))
    assert "3 changed" in sync(runner, db_path, calendar, "--all", state=state_file).output
    puts = radicale.put_count()
    again = sync(runner, db_path, calendar, "--all", state=state_file)
    assert again.exit_code == 0
    assert "0 changed (0 created, 0 updated), 3 unchanged" in again.output
    plan.record_progress(goal_id(plan), 1, on=date(2026, 2, 3))  # touches no calendar entry
    third = sync(runner, db_path, calendar, "--all", state=state_file)
    assert "0 changed" in third.output
    assert radicale.put_count() == puts
    with sqlite3.connect(state_file) as db:
        assert db.execute("SELECT log_position FROM calendar").fetchone() == (gp.store.head_position(),)


def test_an_all_sync_cancels_the_entries_of_a_plan_closed_since_the_last_one(
    runner: CliRunner,
    radicale: Radicale,
    calendar: str,
    gp: goalplan.Goalplan,
    plan: goalplan.Plan,
    db_path: Path,
    state_file: Path,
) -> None:
    assert "2 changed" in sync(runner, db_path, calendar, "--all", state=state_file).output
    plan.close(reason="goals met", on=date(2026, 2, 3))  # the plan leaves the dated read model
    result = sync(runner, db_path, calendar, "--all", state=state_file)
    assert "2 changed (0 created, 2 updated)" in result.output
    statuses = {str(event["STATUS"]) for event in server_events(radicale, calendar).values()}
    assert statuses == {"CANCELLED"}
    assert "0 changed" in sync(runner, db_path, calendar, "--all", state=state_file).output


def test_new_options_update_every_entry_and_timed_events_round_trip(
    runner: CliRunner, radicale: Radicale, calendar: str, plan: goalplan.Plan, db_path: Path, state_file: Path
) -> None:
    assert sync(runner, db_path, calendar, plan.id, state=state_file).exit_code == 0
    timed = sync(runner, db_path, calendar, plan.id, "--option", "tz=Europe/Berlin", state=state_file)
    assert "2 changed (0 created, 2 updated)" in timed.output
    review = server_events(radicale, calendar)[f"goalplan-{plan.id}-review-1"]
    assert review["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert review.decoded("DTSTART").hour == 9


def test_the_default_state_file_sits_beside_a_sqlite_store(
    runner: CliRunner, calendar: str, plan: goalplan.Plan, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOALPLAN_SYNC_STATE", raising=False)
    assert sync(runner, db_path, calendar, plan.id).exit_code == 0
    assert Path(f"{db_path}.caldav-sync").is_file()
    assert "0 changed" in sync(runner, db_path, calendar, plan.id).output


def test_a_wrong_password_is_refused_clearly_and_changes_nothing(
    runner: CliRunner,
    radicale: Radicale,
    calendar: str,
    gp: goalplan.Goalplan,
    plan: goalplan.Plan,
    db_path: Path,
    state_file: Path,
) -> None:
    before = log_snapshot(gp)
    result = sync(runner, db_path, calendar, plan.id, password="wrong", state=state_file)
    assert result.exit_code == 1
    message = result.output.strip()
    assert "401" in message and "--password-env" in message
    assert f"goalplan-{plan.id}-" in message  # names the entry
    assert message.count("\n") == 0
    assert "wrong" not in message and PASSWORD not in message
    assert radicale.hrefs(calendar) == []
    assert log_snapshot(gp) == before


def test_an_entry_changed_on_the_server_is_not_overwritten(
    runner: CliRunner,
    radicale: Radicale,
    calendar: str,
    gp: goalplan.Goalplan,
    plan: goalplan.Plan,
    db_path: Path,
    state_file: Path,
) -> None:
    assert sync(runner, db_path, calendar, plan.id, state=state_file).exit_code == 0
    target_uid = f"goalplan-{plan.id}-goal-{goal_id(plan)}-target"
    href = next(h for h in radicale.hrefs(calendar) if target_uid in h)
    body, _ = radicale.get(href)
    edited = body.replace(b"SUMMARY:Goal target date", b"SUMMARY:Edited in a phone app")
    assert radicale.request("PUT", href, edited, {"Content-Type": "text/calendar"})[0] in (201, 204)
    plan.revise_goal(goal_id(plan), reason="needs more time", by=date(2026, 5, 20))
    before = log_snapshot(gp)
    result = sync(runner, db_path, calendar, plan.id, state=state_file)
    assert result.exit_code == 1
    assert "412" in result.output and target_uid in result.output
    assert "changed or removed on the server" in result.output
    assert b"Edited in a phone app" in radicale.get(href)[0]
    assert log_snapshot(gp) == before

    forced = sync(runner, db_path, calendar, plan.id, "--force", state=state_file)
    assert forced.exit_code == 0, forced.output
    taken_back = server_events(radicale, calendar)[target_uid]
    assert str(taken_back["SUMMARY"]).startswith("Goal target date")
    assert (taken_back.decoded("DTSTART"), taken_back["SEQUENCE"]) == (date(2026, 5, 20), 1)
    assert "0 changed" in sync(runner, db_path, calendar, plan.id, state=state_file).output


def test_an_entry_already_on_the_server_without_sync_state_is_not_overwritten(
    runner: CliRunner, radicale: Radicale, calendar: str, plan: goalplan.Plan, db_path: Path, tmp_path: Path
) -> None:
    assert sync(runner, db_path, calendar, plan.id, state=tmp_path / "one").exit_code == 0
    result = sync(runner, db_path, calendar, plan.id, state=tmp_path / "other")
    assert result.exit_code == 1
    assert "412" in result.output and "already exists on the server" in result.output
    assert len(radicale.hrefs(calendar)) == 2
    forced = sync(runner, db_path, calendar, plan.id, "--force", state=tmp_path / "other")
    assert "2 changed" in forced.output
    assert len(server_events(radicale, calendar)) == 2
    assert "0 changed" in sync(runner, db_path, calendar, plan.id, state=tmp_path / "other").output


def test_a_missing_calendar_is_a_conflict(
    runner: CliRunner, radicale: Radicale, plan: goalplan.Plan, db_path: Path, state_file: Path
) -> None:
    result = sync(runner, db_path, f"{radicale.base}/{USER}/no-such-calendar/", plan.id, state=state_file)
    assert result.exit_code == 1
    assert "409" in result.output and "may not exist" in result.output
    assert f"goalplan-{plan.id}" in result.output


def test_an_unreachable_server_is_reported_and_changes_nothing(
    runner: CliRunner, gp: goalplan.Goalplan, plan: goalplan.Plan, db_path: Path, state_file: Path
) -> None:
    before = log_snapshot(gp)
    url = f"http://127.0.0.1:{free_port()}/{USER}/calendar/"
    result = sync(runner, db_path, url, plan.id, state=state_file)
    assert result.exit_code == 1
    assert "connection refused" in result.output and f"goalplan-{plan.id}" in result.output
    assert log_snapshot(gp) == before


@pytest.mark.parametrize(
    ("extra", "env", "expected"),
    [
        (["--user", USER], {}, "--password-env: give the name"),
        (["--user", USER, "--password-env", "GOALPLAN_TEST_UNSET_VARIABLE"], {}, "is not set"),
        (["--password", PASSWORD], {}, "No such option"),
    ],
)
def test_the_password_comes_only_from_the_environment(
    runner: CliRunner,
    calendar: str,
    plan: goalplan.Plan,
    db_path: Path,
    extra: list[str],
    env: dict[str, str],
    expected: str,
) -> None:
    result = runner.invoke(cli, ["--db", str(db_path), "sync", "caldav", calendar, plan.id, *extra], env=env)
    assert result.exit_code != 0
    assert expected in result.output


class FailingAfter(CalDAVClient):
    """A client whose connection drops after a number of PUTs, as when a laptop goes offline."""

    def __init__(self, url: str, puts: int) -> None:
        super().__init__(url, user=USER, password=PASSWORD)
        self.left = puts

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]):  # type: ignore[no-untyped-def]
        if method == "PUT":
            if self.left == 0:
                raise ConnectionRefusedError(111, "Connection refused")
            self.left -= 1
        return super().request(method, path, body, headers)


def test_an_interrupted_sync_resumes_where_it_stopped(
    radicale: Radicale, calendar: str, gp: goalplan.Goalplan, plan: goalplan.Plan, state_file: Path
) -> None:
    gp.open_plan(client="Riley Stone", clinician="Dr. Ana Ruiz", opened=date(2026, 2, 1))
    options = parse_options({})
    with pytest.raises(CalDAVError, match="connection refused"):
        sync_caldav(gp.logs(), FailingAfter(calendar, 2), options, state_file)
    assert len(radicale.hrefs(calendar)) == 2
    puts = radicale.put_count()
    client = CalDAVClient(calendar, user=USER, password=PASSWORD)
    report = sync_caldav(gp.logs(), client, options, state_file)
    assert (report.created, report.updated, report.unchanged) == (1, 0, 2)
    assert radicale.put_count() == puts + 1
    assert len(server_events(radicale, calendar)) == 3


def test_the_exported_file_imports_into_radicale_as_a_person_would(
    radicale: Radicale, gp: goalplan.Goalplan, plan: goalplan.Plan, tmp_path: Path
) -> None:
    """Upload the .ics file as a whole calendar (Radicale's documented import), then read it back
    with an independent CalDAV client."""
    import caldav

    from goalplan_ical import plan_calendar

    plan.revise_goal(goal_id(plan), reason="needs more time", by=date(2026, 5, 20))
    plan.hold_review(held=date(2026, 3, 30))
    data = plan_calendar(plan.log(), {"tz": "Europe/Berlin"})
    path = f"/{USER}/imported-{plan.id.lower()}/"
    status, _, body = radicale.request("PUT", path, data, {"Content-Type": "text/calendar"})
    assert status == 201, body
    with caldav.DAVClient(url=radicale.base + path, username=USER, password=PASSWORD) as client:
        events = client.calendar(url=radicale.base + path).events()
        read = {
            str(e.icalendar_component["UID"]): (
                e.icalendar_component.decoded("DTSTART").date(),
                int(e.icalendar_component["SEQUENCE"]),
                str(e.icalendar_component["STATUS"]),
            )
            for e in events
        }
    assert read == {
        f"goalplan-{plan.id}-review-1": (date(2026, 4, 5), 1, "CANCELLED"),
        f"goalplan-{plan.id}-review-2": (date(2026, 6, 28), 0, "CONFIRMED"),
        f"goalplan-{plan.id}-goal-{goal_id(plan)}-target": (date(2026, 5, 20), 1, "CONFIRMED"),
    }
