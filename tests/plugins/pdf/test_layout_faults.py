"""Layout faults once seen on the pages of a demanding plan, each guarded: page furniture,
signatures, text, charts, outcome boxes, tables and goal numbering."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

import goalplan
from goalplan_pdf.chart import _date_range, _markers_fit, unit_bounds, value_axis
from goalplan_pdf.wording import measure_label, with_unit
from tests.plugins.pdf.conftest import page_texts, render_pdf
from tests.plugins.pdf.demanding_plan import CLINICIAN, build_demanding

MM = 72 / 25.4


def runs_xy(data: bytes) -> list[list[tuple[float, float, str]]]:
    """Per page, each text run with its start (x, y) in points."""
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        runs: list[tuple[float, float, str]] = []

        def visit(text: str, cm: list[float], tm: list[float], *_: object, runs: list = runs) -> None:
            if text.strip():
                runs.append((tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5], text.strip()))

        page.extract_text(visitor_text=visit)
        pages.append(runs)
    return pages


@pytest.fixture(scope="module")
def demanding(tmp_path_factory: pytest.TempPathFactory) -> tuple[goalplan.PlanLog, bytes]:
    log = build_demanding(tmp_path_factory.mktemp("demanding") / "plans.db")
    return log, render_pdf(log)


@pytest.fixture(scope="module")
def text(demanding: tuple[goalplan.PlanLog, bytes]) -> str:
    return re.sub(r"\s+", " ", " ".join(page_texts(demanding[1])))


# page furniture ----------------------------------------------------------------------------


def test_header_and_footer_keep_to_the_page_margins(demanding: tuple[goalplan.PlanLog, bytes]) -> None:
    """Wherever a page breaks (in an indented goal or not), its furniture starts at the margin."""
    starts = set()
    for number, runs in enumerate(runs_xy(demanding[1]), start=1):
        furniture = [(x, t) for x, y, t in runs if y < 17 * MM or (number > 1 and y > 280 * MM)]
        lefts = [x for x, t in furniture if not t.startswith(("Page", "Treatment plan"))]
        starts.update(round(x, 1) for x in lefts)
    assert starts == {round(20 * MM, 1)}, starts


def test_page_count_ends_at_the_footer_rule(demanding: tuple[goalplan.PlanLog, bytes]) -> None:
    from goalplan_pdf.document import PlanDocument

    pdf = PlanDocument(paper="A4", compliance=None, running_title="", footer_lines=("", ""))
    pdf.style("running")
    for number, runs in enumerate(runs_xy(demanding[1]), start=1):
        (x, _, label) = next(r for r in runs if r[2].startswith("Page "))
        right = x + pdf.get_string_width(label) * MM
        assert abs(right - (210 - 20) * MM) < 0.6 * MM, (number, label, right / MM)


def test_a_long_client_name_is_cut_to_fit_the_header_and_footer(plan_factory) -> None:  # type: ignore[no-untyped-def]
    name = "Anna-Maria Konstantinopoulou-Wiśniewska " * 5
    _, plan = plan_factory(client=name.strip())
    plan.set_goal("I want to walk to work twice a week. " * 40, focus="Health")
    data = render_pdf(plan.log())
    for runs in runs_xy(data)[1:]:
        furniture = [t for x, y, t in runs if y < 17 * MM or y > 280 * MM]
        assert any(t.endswith("…") and "Konstantinopoulou" in t for t in furniture), furniture
        assert any(t.startswith("Page ") for t in furniture)


# signature block and text ------------------------------------------------------------------


def test_a_long_name_breaks_with_a_hyphen(demanding: tuple[goalplan.PlanLog, bytes]) -> None:
    runs = [t for page in runs_xy(demanding[1]) for _, _, t in page]
    surname = CLINICIAN.split()[1]  # Brzęczyszczykiewicz-Jankowska
    for run in runs:
        for word in run.split():
            stem = word.strip(",.()")
            if stem and surname.startswith(stem) and stem != surname:
                assert stem.endswith("-"), (stem, run)


def test_no_garbled_phrases(text: str) -> None:
    assert not re.search(r"(\d+) values over \1 values", text)
    assert not re.search(r"\b1 (days|nights|gatherings)\b", text)
    assert not re.search(r"\d 0-10 rating", text)
    assert ") (" not in text
    assert "OF THE WAY" not in text
    assert "1 day per week → 6 days per week" in text
    assert "8 → 4, 0-10 rating" in text
    assert "Distress (SUDS), 0-10 rating" in text


def test_wording_helpers() -> None:
    assert with_unit(1, "days per week") == "1 day per week"
    assert with_unit(2, "days per week") == "2 days per week"
    assert with_unit(1, "per week") == "1 per week"
    assert with_unit(4, "0-10 rating") == "4 (0-10 rating)"
    assert measure_label("Distress (SUDS)", "0-10 rating") == "Distress (SUDS), 0-10 rating"
    assert measure_label("Panic attacks", "per week") == "Panic attacks (per week)"


def test_focus_headings_are_never_alone_at_a_page_bottom(demanding: tuple[goalplan.PlanLog, bytes]) -> None:
    from tests.plugins.pdf.demanding_plan import FOCI

    for number, runs in enumerate(runs_xy(demanding[1]), start=1):
        for _, y, t in runs:
            if t in FOCI:
                below = [u for _, y2, u in runs if y2 < y and re.fullmatch(r"Goal \d+", u)]
                assert below, f"page {number}: focus heading {t!r} without its first goal"


# charts -------------------------------------------------------------------------------------


def _point(day: date, value: float) -> goalplan.ProgressPoint:
    return goalplan.ProgressPoint(
        event_id=str(day), value=value, observed_on=day, recorded_at="", note="", actor="s.lee"
    )


def test_chart_dates_run_from_the_first_value_not_the_plan_opening() -> None:
    points = [_point(date(2025, 7, 1) + timedelta(days=7 * i), 5) for i in range(5)]
    start, end = _date_range(points, None)
    assert date(2025, 6, 25) < start <= date(2025, 7, 1)
    assert end <= date(2025, 8, 5)


def test_counts_get_whole_number_ticks_and_days_stop_at_seven() -> None:
    _, _, ticks = value_axis([0, 1, 0, 2, 3, 3, 0, 3])
    assert all(float(t).is_integer() for t in ticks)
    _, high, ticks = value_axis([1, 6, 7, 7], unit_bounds("days per week"))
    assert high == 7 and max(ticks) == 7
    assert unit_bounds("0-10 rating") == (0, 10)


def test_dense_markers_are_left_out() -> None:
    assert not _markers_fit([(i * 1.4, 20.0) for i in range(40)])
    assert _markers_fit([(i * 10.0, 20.0) for i in range(5)])


def test_an_earlier_measure_is_charted(text: str) -> None:
    assert "EARLIER MEASURE, UNTIL" in text and "HOME-COOKED DINNERS (PER WEEK)" in text


# outcome boxes ------------------------------------------------------------------------------


def _goal_block(text: str, number: int) -> str:
    start = text.index(f"Goal {number} ·")
    end = text.find(" Goal ", start + 10)
    return text[start : end if end > 0 else None]


def test_completed_and_cancelled_goals_are_not_on_or_off_track(text: str) -> None:
    completed = _goal_block(text, 10)
    assert "STATUS Completed" in completed
    assert "Off track" not in completed and "no-progress" not in completed and "OUTLOOK" not in completed
    cancelled = _goal_block(text, 12)
    assert "On track" not in cancelled and "sustaining" not in cancelled


def test_overdue_steps_say_so(text: str) -> None:
    assert "Overdue: was due 1 Apr 2025" in text


# tables and numbering ----------------------------------------------------------------------


def test_tables_shorten_statements_and_the_goal_section_prints_them_once(
    demanding: tuple[goalplan.PlanLog, bytes], text: str
) -> None:
    log, _ = demanding
    statement = log.state.goals[next(iter(log.state.goals))].statement
    assert text.count(statement) == 1
    glance = text[text.index("Goals at a glance") : text.index("Focus areas and goals")]
    assert "…" in glance and "people close to me notice it too" not in glance


def test_one_revision_is_one_row_with_its_reason_once(plan_factory) -> None:  # type: ignore[no-untyped-def]
    _, plan = plan_factory()
    goal = plan.set_goal("I want to walk to work twice a week.", focus="Health")
    plan.revise_goal(
        goal, statement="I want to walk to work three times a week.", by=date(2026, 6, 1), reason="Asked."
    )
    text = re.sub(r"\s+", " ", " ".join(page_texts(render_pdf(plan.log()))))
    appendix = text[text.index("Appendix: revision history") :]
    assert appendix.count("Asked.") == 1
    assert "Statement, Target date" in appendix


def test_a_goal_moved_to_another_focus_area_keeps_its_number(plan_factory) -> None:  # type: ignore[no-untyped-def]
    _, plan = plan_factory()
    first = plan.set_goal("I want to walk to work twice a week.", focus="Health")
    plan.set_goal("I want to call my sister every Sunday.", focus="Family")
    before = re.sub(r"\s+", " ", " ".join(page_texts(render_pdf(plan.log()))))
    plan.revise_goal(first, focus="Family", reason="It is about seeing family.")
    after = re.sub(r"\s+", " ", " ".join(page_texts(render_pdf(plan.log()))))
    for text in (before, after):
        assert "“I want to walk to work twice a week.”" in _goal_block(text, 1)
        assert "“I want to call my sister every Sunday.”" in _goal_block(text, 2)


def test_the_demanding_plan_renders_the_same_bytes_twice(demanding: tuple[goalplan.PlanLog, bytes]) -> None:
    assert render_pdf(demanding[0]) == demanding[1]
