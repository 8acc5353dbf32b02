"""``goalplan calendar --all --feed``: one calendar to subscribe to, read back as clients would."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import goalplan
from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands
from goalplan_ical import caseload_calendar, caseload_feed
from tests.plugins.ical.calendar_readers import read_with_icaljs
from tests.plugins.ical.ical_helpers import CLIENT, STATEMENT, events_by_uid, goal_id, unfolded
from tests.plugins.ical.radicale_server import PASSWORD, USER, Radicale


@pytest.fixture
def caseload(gp: goalplan.Goalplan, plan: goalplan.Plan) -> tuple[goalplan.Plan, goalplan.Plan]:
    """The plan fixture (goal due 2026-04-01, review 2026-04-05), a second plan with a cancelled
    goal, and a closed third plan that has nothing left to show."""
    second = gp.open_plan(client="Riley Stone", clinician="Dr. Ana Ruiz", opened=date(2026, 2, 1))
    dropped = second.set_goal(
        "I will cook dinner at home four nights a week", focus="Routine", by=date(2026, 5, 1)
    )
    second.change_status(dropped, "cancelled", reason="client chose another goal")
    closed = gp.open_plan(client="Sam Okafor", clinician="Dr. Ana Ruiz", opened=date(2026, 1, 10))
    closed.close(reason="moved away", on=date(2026, 2, 20))
    return plan, second


def test_feed_holds_only_what_still_applies_with_a_refresh_interval(
    gp: goalplan.Goalplan, caseload: tuple[goalplan.Plan, goalplan.Plan]
) -> None:
    first, second = caseload
    feed = caseload_feed(gp.logs(), {})
    text = unfolded(feed)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT12H\r\n" in text
    assert "X-PUBLISHED-TTL:PT12H\r\n" in text
    assert "STATUS:CANCELLED" not in text
    events = events_by_uid(feed)
    assert set(events) == {
        f"goalplan-{first.id}-review-1",
        f"goalplan-{first.id}-goal-{goal_id(first)}-target",
        f"goalplan-{second.id}-review-1",
    }
    # Same UIDs, and the same bytes per event, as in the full caseload calendar.
    everything = events_by_uid(caseload_calendar(gp.logs(), {}))
    for uid, event in events.items():
        assert event.to_ical() == everything[uid].to_ical()
    assert caseload_feed(gp.logs(), {}) == feed  # deterministic
    for private in (CLIENT, STATEMENT, "Riley", "Sam Okafor"):
        assert private not in text


def test_feed_from_the_command_line(
    gp: goalplan.Goalplan, caseload: tuple[goalplan.Plan, goalplan.Plan], db_path: Path, tmp_path: Path
) -> None:
    install_plugin_commands(cli)
    runner = CliRunner()
    out = tmp_path / "feed.ics"
    base = ["--db", str(db_path), "calendar"]
    done = runner.invoke(cli, [*base, "--all", "--feed", "--refresh", "6h", "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in out.read_text()
    for args, message in [
        (["--feed", caseload[0].id], "--feed: needs --all"),
        (["--all", "--feed", "--refresh", "30m"], "--refresh: must be between 1h and 7d"),
        (["--all", "--refresh", "6h"], "--refresh: applies to --feed only."),
    ]:
        refused = runner.invoke(cli, [*base, *args])
        assert refused.exit_code == 1 and message in refused.output, refused.output


def test_feed_imports_into_radicale_and_reads_back_at_the_right_times(
    gp: goalplan.Goalplan, caseload: tuple[goalplan.Plan, goalplan.Plan], radicale: Radicale, tmp_path: Path
) -> None:
    """Subscribe-like import: the whole feed uploaded as one calendar, read back by a CalDAV
    client and, from the server's copy, by ical.js."""
    import caldav

    first, _ = caseload
    feed = caseload_feed(gp.logs(), {"tz": "Europe/Berlin", "time": "08:30"})
    path = f"/{USER}/feed-{first.id.lower()}/"
    status, _, body = radicale.request("PUT", path, feed, {"Content-Type": "text/calendar"})
    assert status == 201, body
    with caldav.DAVClient(url=radicale.base + path, username=USER, password=PASSWORD) as client:
        events = client.calendar(url=radicale.base + path).events()
        stored = [e.data.encode() if isinstance(e.data, str) else e.data for e in events]
    assert len(stored) == 3
    target = f"goalplan-{first.id}-goal-{goal_id(first)}-target"
    (copy,) = [data for data in stored if target.encode() in data]
    assert b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in copy  # the server kept our VTIMEZONE
    read = read_with_icaljs(copy, tmp_path)
    assert read[target] == datetime(2026, 4, 1, 6, 30, tzinfo=UTC)  # 08:30 CEST
