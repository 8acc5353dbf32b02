"""Every page after the cover names the client twice in its running header: the name and the
second identifier (date of birth, record number), as payers ask for on each page."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import goalplan
from goalplan import Goalplan

from .conftest import page_lines, render_pdf


def long_plan(db: Path, **identifiers: object) -> goalplan.PlanLog:
    with Goalplan.open(db, actor="dr.ruiz") as gp:
        plan = gp.open_plan(client="Ana Ruiz", clinician="Sam Lee", opened=date(2026, 1, 5), **identifiers)  # type: ignore[arg-type]
        for minutes in range(20, 26):
            goal = plan.set_goal(
                f"I will walk for {minutes} minutes on four days a week.",
                measure=goalplan.Measure(name="walks", unit="per week", baseline=0, target=4),
                by=date(2026, 4, 1),
            )
            plan.record_progress(goal, 2, on=date(2026, 1, 20))
        return plan.log()


def headers(data: bytes) -> list[str]:
    """The topmost line of each page after the cover: its running header."""
    return [" ".join(text for _, text in sorted(runs, reverse=True)[:2]) for runs in page_lines(data)[1:]]


def test_each_page_after_the_cover_carries_both_identifiers(tmp_path: Path) -> None:
    log = long_plan(tmp_path / "plans.db", birth_date=date(1990, 3, 14), record_number="MRN-20417")
    tops = headers(render_pdf(log))
    assert len(tops) >= 3
    for top in tops:
        assert "Ana Ruiz · Date of birth 14 March 1990 · Record number MRN-20417" in top, top


def test_a_plan_without_a_second_identifier_says_so_on_every_page(tmp_path: Path) -> None:
    log = long_plan(tmp_path / "plans.db")
    tops = headers(render_pdf(log))
    assert tops and all("Ana Ruiz · Second identifier not recorded" in top for top in tops)
