"""Every text goalplan accepts exports to every built-in format.

A plan with every text field at its longest allowed length (goalplan.text.LINE_MAX for one-line
fields, TEXT_MAX for free text) goes through CSV (every table), iCalendar (with details), the
JSON of ``plan show --json`` and the log backup, and the PDF. One character more is refused.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

import goalplan
from goalplan.exporting import render
from goalplan.plugins import get_plugin_manager
from goalplan.projections.plan_json import plan_to_json
from goalplan.text import LINE_MAX, NUMBER_LIMIT, TEXT_MAX

WORDS = "Zoë wants to ride the bus to work again without a panic attack, step by step "


def text(length: int, tag: str) -> str:
    """Ordinary words (so a renderer can break lines), exactly ``length`` characters."""
    body = (f"{tag}: " + WORDS * (length // len(WORDS) + 1))[:length]
    return body[:-1] + "." if body.endswith(" ") else body


def line(tag: str) -> str:
    return text(LINE_MAX, tag)


def free(tag: str) -> str:
    return text(TEXT_MAX, tag)


@pytest.fixture
def longest_plan(gp: goalplan.Goalplan) -> goalplan.Plan:
    gp.actor = line("actor")
    plan = gp.open_plan(
        client=line("client"),
        clinician=line("clinician"),
        credentials=line("credentials"),
        opened=date(2026, 1, 5),
        discharge_criteria=free("discharge"),
    )
    plan.add_focus(line("focus"), free("focus description"))
    goal = plan.set_goal(
        free("statement"),
        focus=line("focus"),
        measure=goalplan.Measure(name=line("measure"), unit=line("unit"), baseline=3, target=0),
        by=date(2026, 4, 5),
        relevance=free("relevance"),
    )
    plan.add_step(goal, free("step"), by=date(2026, 2, 1))
    plan.plan_intervention(line("modality"), free("intervention"), line("frequency"), goals=[goal])
    plan.record_progress(goal, 2, on=date(2026, 1, 20), note=free("progress note"))
    plan.record_score("PHQ-9", 12, on=date(2026, 1, 20), goal=goal, note=free("score note"))
    plan.set_gas_scale(goal, [free(f"level {n}") for n in range(5)], reason=free("scale reason"))
    plan.score_gas(goal, 0, on=date(2026, 1, 21), note=free("gas note"))
    plan.revise_goal(goal, reason=free("revision reason"), by=date(2026, 5, 5))
    plan.hold_review(held=date(2026, 2, 2), summary=free("review summary"), next=date(2026, 4, 2))
    plan.silence("smart.specific", goal=goal, reason=free("silence reason"))
    plan.sign(role="client", name=line("signer"), credentials=line("signer credentials"), on=date(2026, 2, 3))
    plan.change_status(goal, "on-hold", reason=free("status reason"))
    return plan


def test_one_character_more_is_refused(gp: goalplan.Goalplan) -> None:
    with pytest.raises(goalplan.RejectedError, match=f"client: must be at most {LINE_MAX} characters"):
        gp.open_plan(client="x" * (LINE_MAX + 1), clinician="Dr. Ruiz")
    plan = gp.open_plan(client="A", clinician="B", opened=date(2026, 1, 5))
    with pytest.raises(goalplan.RejectedError, match=f"statement: must be at most {TEXT_MAX} characters"):
        plan.set_goal("x" * (TEXT_MAX + 1))
    with pytest.raises(goalplan.RejectedError, match="actor: must be at most"):
        plan.add_focus("Sleep", actor="a" * (LINE_MAX + 1))


def _export(plan: goalplan.Plan, fmt: str, **options: str) -> bytes:
    exporter = get_plugin_manager().exporter(fmt)
    return render(exporter, plan.log(), options)


@pytest.mark.parametrize("table", ["goals", "progress", "scores", "history"])
def test_the_longest_texts_export_to_every_csv_table(longest_plan: goalplan.Plan, table: str) -> None:
    data = _export(longest_plan, "csv", table=table).decode("utf-8")
    cells = [cell for row in csv.reader(io.StringIO(data, newline="")) for cell in row]
    assert any(len(cell) >= LINE_MAX for cell in cells)


def test_the_longest_texts_export_to_icalendar(longest_plan: goalplan.Plan) -> None:
    data = _export(longest_plan, "ics", details="true")
    unfolded = data.decode("utf-8").replace("\r\n ", "")
    assert "BEGIN:VCALENDAR" in unfolded
    assert all(len(physical) <= 75 for physical in data.split(b"\r\n"))  # RFC 5545 folding
    assert "statement: " in unfolded


def test_the_longest_texts_export_to_json(longest_plan: goalplan.Plan, gp: goalplan.Goalplan) -> None:
    shown = json.loads(json.dumps(plan_to_json(longest_plan.state), ensure_ascii=False))
    assert shown["client"] == line("client")
    out = io.StringIO()
    assert gp.export_log(out, longest_plan.id) == longest_plan.state.version
    assert all(json.loads(record) for record in out.getvalue().splitlines())


def test_the_longest_texts_export_to_pdf(longest_plan: goalplan.Plan) -> None:
    assert _export(longest_plan, "pdf").startswith(b"%PDF-")


@pytest.mark.parametrize(("fmt", "options"), [("pdf", {}), ("csv", {"table": "progress"}), ("ics", {})])
def test_the_extreme_numbers_export_to_every_format(
    gp: goalplan.Goalplan, fmt: str, options: dict[str, str]
) -> None:
    plan = gp.open_plan(client="A", clinician="B", opened=date(2026, 1, 5))
    goal = plan.set_goal(
        "x",
        measure=goalplan.Measure(name="m", unit="u", baseline=-NUMBER_LIMIT, target=NUMBER_LIMIT),
        by=date(2026, 6, 1),
    )
    for day, value in ((6, NUMBER_LIMIT), (7, -NUMBER_LIMIT), (8, 5e-324), (9, -0.0)):
        plan.record_progress(goal, value, on=date(2026, 1, day))
    with pytest.raises(goalplan.RejectedError, match="value: must be between"):
        plan.record_progress(goal, NUMBER_LIMIT * 10, on=date(2026, 1, 10))
    assert _export(plan, fmt, **options)


def test_every_view_shows_the_longest_texts(longest_plan: goalplan.Plan, db_path: Path) -> None:
    from click.testing import CliRunner

    from goalplan.cli.main import cli

    plan = longest_plan.id
    views = [["plan", "show", plan], ["plan", "show", plan, "--json"], ["plan", "list"], ["history", plan]]
    views += [["lint", plan], ["analytics", plan], ["gas", "show", plan], ["verify"]]
    for args in views:
        result = CliRunner().invoke(cli, ["--db", str(db_path), *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert result.exit_code == 0 or (args[0] == "lint" and result.exit_code == 1), result.output
