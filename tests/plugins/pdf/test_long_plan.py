"""A long plan (30 goals, 2,000 progress points, 200 revisions) paginates cleanly: nothing cut
off, no heading left alone at a page bottom, table heading rows repeated on every page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import goalplan
from goalplan.events import GoalRevised, GoalSet, ProgressRecorded, StepAdded
from tests.conftest import StepClock
from tests.plugins.pdf.conftest import page_lines, page_texts, render_pdf

pytestmark = pytest.mark.slow

GOALS, POINTS, REVISIONS = 30, 2000, 200
MM = 72 / 25.4
REVISION_HEADINGS = {"When", "By", "Change", "From", "To", "Why"}
SECTION_TITLES = {
    "Goals at a glance",
    "Focus areas and goals",
    "Review history",
    "Signatures",
    "Checking this document against the log",
    "Appendix: revision history",
}


def build_long_plan(path: Path) -> goalplan.PlanLog:
    clock = StepClock(datetime(2024, 1, 2, 9, 0, tzinfo=UTC))
    with goalplan.Goalplan.open(path, actor="m.kowalczyk", clock=clock) as gp:
        plan = gp.open_plan(
            client="Łukasz Nowak", clinician="Marta Kowalczyk", credentials="LPC", opened=date(2024, 1, 2)
        )
        focus_ids = [plan.add_focus(f"Focus area {n}: everyday life, part {n}") for n in range(1, 7)]
        goal_ids = [f"G{n:02d}XXXXXXXXXXXXX" for n in range(GOALS)]
        plan.execute(
            lambda s: [
                GoalSet(
                    goal_id=goal_id,
                    statement=f"Goal number {n} in the client's words: I want to do one more thing I value "
                    f"each week, and notice how it goes ({n}).",
                    focus_id=focus_ids[n % 6],
                    measure=goalplan.Measure(
                        name=f"Measure {n}", unit="times per week", baseline=1, target=5
                    ),
                    target_date=date(2024, 12, 31),
                    relevance=f"Relevance {n}",
                )
                for n, goal_id in enumerate(goal_ids)
            ]
        )
        plan.execute(
            lambda s: [
                StepAdded(
                    step_id=f"S{n:03d}XXXXXXXXXXXX", goal_id=goal_ids[n % GOALS], text=f"Small step {n}"
                )
                for n in range(60)
            ]
        )
        # goal 0 gets half of all points; the rest share the other half
        owners = [goal_ids[0]] * (POINTS // 2) + [goal_ids[1 + n % (GOALS - 1)] for n in range(POINTS // 2)]
        plan.execute(
            lambda s: [
                ProgressRecorded(
                    goal_id=goal_id,
                    value=1 + (n % 7) * 0.5,
                    observed_on=date(2024, 1, 2) + timedelta(days=(n * 3) % 360),
                )
                for n, goal_id in enumerate(owners)
            ]
        )
        # goal 0 gets most revisions, so its appendix table runs over several pages
        revised = [goal_ids[0]] * 120 + [goal_ids[1 + n % (GOALS - 1)] for n in range(REVISIONS - 120)]
        plan.execute(
            lambda s: [
                GoalRevised(
                    goal_id=goal_id,
                    reason=f"Reason {n:03d}: agreed with the client after looking at the week's diary.",
                    relevance=f"Revised relevance {n:03d}",
                )
                for n, goal_id in enumerate(revised)
            ]
        )
        for n in range(3):
            plan.hold_review(held=date(2024, 4, 1) + timedelta(days=90 * n), summary=f"Review {n + 1} held.")
        return plan.log()


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[goalplan.PlanLog, bytes]:
    log = build_long_plan(tmp_path_factory.mktemp("long") / "plans.db")
    assert len(log.state.goals) == GOALS
    assert sum(len(g.progress) for g in log.state.goals.values()) == POINTS
    assert sum(1 for r in log.records if r.type == "goal_revised") == REVISIONS
    return log, render_pdf(log)


def _is_footer(y: float, text: str) -> bool:
    return y < 17 * MM


def _is_running_header(y: float, page_height: float) -> bool:
    return y > page_height - 17 * MM


def test_every_goal_and_every_revision_is_printed(long_pdf: tuple[goalplan.PlanLog, bytes]) -> None:
    log, data = long_pdf
    flat = re.sub(r"\s+", " ", "\n".join(page_texts(data)))
    for goal in log.state.goals.values():
        assert goal.statement in flat
    for n in range(REVISIONS):
        assert f"Reason {n:03d}: agreed with the client" in flat
    assert flat.count("RECENT VALUES") == GOALS


def test_every_page_has_its_footer(long_pdf: tuple[goalplan.PlanLog, bytes]) -> None:
    log, data = long_pdf
    texts = page_texts(data)
    assert len(texts) > 20
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text
        assert log.fingerprint.head_hash in text


def test_nothing_is_drawn_into_the_bottom_margin(long_pdf: tuple[goalplan.PlanLog, bytes]) -> None:
    _, data = long_pdf
    for number, runs in enumerate(page_lines(data), start=1):
        body = [(y, t) for y, t in runs if not _is_footer(y, t)]
        assert body, f"page {number} is empty"
        lowest = min(y for y, _ in body)
        assert lowest > 21 * MM, f"page {number}: text at {lowest / MM:.1f} mm from the bottom edge"


def test_no_heading_is_stranded_at_a_page_bottom(long_pdf: tuple[goalplan.PlanLog, bytes]) -> None:
    _, data = long_pdf
    checked = 0
    for number, runs in enumerate(page_lines(data), start=1):
        body = [(y, t) for y, t in runs if not _is_footer(y, t)]
        for y, text in body:
            heading = (
                text in SECTION_TITLES or re.fullmatch(r"Goal \d+", text) or text.startswith("Focus area")
            )
            if not heading:
                continue
            checked += 1
            below = [t for y2, t in body if y2 < y - 12 * MM]
            assert below, f"page {number}: heading {text!r} has nothing beneath it on the page"
    assert checked > GOALS * 2


def test_table_heading_rows_repeat_on_every_page(long_pdf: tuple[goalplan.PlanLog, bytes]) -> None:
    _, data = long_pdf
    pages = page_lines(data)
    height = 297 * MM
    stamp = re.compile(r"\d{4}-\d\d-\d\d")
    continued = 0
    for number, runs in enumerate(pages, start=1):
        body = sorted(
            ((y, t) for y, t in runs if not _is_footer(y, t) and not _is_running_header(y, height)),
            reverse=True,
        )
        if not body or number == 1:
            continue
        top_y = body[0][0]
        top = {t for y, t in body if abs(y - top_y) < 1}
        if any(stamp.match(t) or t.startswith("Reason ") for t in top):
            pytest.fail(f"page {number} starts with a table row but no heading row: {sorted(top)}")
        if "When" in top:
            assert top == set(REVISION_HEADINGS), f"page {number}: {sorted(top)}"
            continued += 1
    assert continued >= 3  # goal 1's 120 revisions alone run over several pages
