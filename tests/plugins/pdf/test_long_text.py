"""Every length the CLI accepts paginates: 4,000-character statements, steps, summaries and
reasons run on over pages instead of failing with a table row taller than a page."""

from __future__ import annotations

from datetime import date

import pytest

import goalplan
from goalplan.domain.rules import MAX_TEXT
from tests.plugins.pdf.conftest import page_lines, page_texts, render_pdf

WORDS = "I want to be able to sleep through the night without waking up worried about work "


def longest(tag: str) -> str:
    """A text of the longest length accepted, ending in a tag that shows it was printed whole."""
    end = f" {tag}-END"
    return (WORDS * (MAX_TEXT // len(WORDS) + 1))[: MAX_TEXT - len(end)] + end


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[goalplan.PlanLog, bytes]:
    db = tmp_path_factory.mktemp("long") / "plans.db"
    with goalplan.Goalplan.open(db, actor="s.lee") as gp:
        plan = gp.open_plan(
            client="Ana Díaz", clinician="Sam Lee", credentials="LCSW", opened=date(2026, 1, 5)
        )
        goal = plan.set_goal(
            longest("STATEMENT"),
            focus="Sleep",
            measure=goalplan.Measure(name="Nights slept", unit="nights", baseline=1, target=5),
            by=date(2026, 6, 1),
        )
        plan.add_step(goal, longest("STEP"))
        plan.record_progress(goal, 2, on=date(2026, 1, 12))
        plan.revise_goal(goal, statement=longest("REVISED"), reason=longest("REASON"))
        plan.hold_review(held=date(2026, 2, 1), summary=longest("SUMMARY"))
        plan.sign(role="clinician", name="Sam Lee", credentials="LCSW", on=date(2026, 2, 1))
        log = plan.log()
    return log, render_pdf(log)


def test_every_long_text_is_printed_to_its_end(long_pdf: tuple[goalplan.PlanLog, bytes]) -> None:
    text = " ".join(" ".join(page.split()) for page in page_texts(long_pdf[1]))
    for tag in ("REVISED", "STEP", "SUMMARY", "REASON", "STATEMENT"):
        assert f"{tag}-END" in text, tag
    assert len(page_texts(long_pdf[1])) > 6


def test_long_text_stays_out_of_the_bottom_margin(long_pdf: tuple[goalplan.PlanLog, bytes]) -> None:
    # the footer's two lines are the only text below 24 mm (68 pt) from the page bottom
    for number, runs in enumerate(page_lines(long_pdf[1]), start=1):
        low = [text for height, text in runs if height < 68 - 0.5]
        assert len(low) <= 4, (number, low)


def test_every_page_has_its_footer(long_pdf: tuple[goalplan.PlanLog, bytes]) -> None:
    texts = page_texts(long_pdf[1])
    for number, page in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in page


def test_tables_show_a_shortened_statement(long_pdf: tuple[goalplan.PlanLog, bytes]) -> None:
    text = "".join(page_texts(long_pdf[1]))
    glance = text[text.index("Goals at a glance") : text.index("Focus areas and goals")]
    assert "…" in glance and "REVISED-END" not in glance and len(glance) < 600
