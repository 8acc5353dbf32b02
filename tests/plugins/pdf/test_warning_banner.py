"""The --allow-broken warning at the top of every PDF page never runs into the running title or
the body: a caseload audit with many failing plans keeps it to a fixed sentence with their count
(the summary gives each plan's warning), and a long warning pushes the page down."""

from __future__ import annotations

import io
import re
import sqlite3
from datetime import date
from pathlib import Path

import attrs
import pytest
from pypdf import PdfReader

import goalplan
from tests.plugins.pdf.conftest import page_lines, render_pdf

PLANS = 16
BANNER_PT = 6.6  # the banner's font size
GAP_PT = 2.0  # clear space wanted between the banner's descenders and the next line's capitals


@pytest.fixture(scope="module")
def broken_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Many plans, each with one recorded value edited behind goalplan's back."""
    db = tmp_path_factory.mktemp("banner") / "plans.db"
    with goalplan.open(db, actor="dr.ruiz") as gp:
        for i in range(PLANS):
            plan = gp.open_plan(client=f"Client {i}", clinician="Sam Lee", opened=date(2026, 1, 5))
            measure = goalplan.Measure(name="walks", unit="per week", baseline=0, target=5)
            goal = plan.set_goal("I will walk daily", measure=measure, by=date(2026, 4, 1))
            plan.record_progress(goal, 3, on=date(2026, 1, 20))
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute(
        "UPDATE events SET payload = replace(payload, '\"value\":3', '\"value\":4') "
        "WHERE type = 'progress_recorded'"
    )
    conn.close()
    return db


def audit_pdf(report: goalplan.AuditReport) -> bytes:
    from goalplan_pdf.audit_report import render_audit_pdf

    return render_audit_pdf(report, {})


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def banner_bottom(runs: list[tuple[float, str]], banner: str) -> float:
    """The baseline of the banner's last line: the header draws it first on every page."""
    whole, lines = squash(banner), []
    for y, text in runs:
        if squash(text) not in whole:
            break
        lines.append(y)
    assert lines, "the page does not open with the banner"
    return min(lines)


def assert_banner_clear(data: bytes, banner: str, below: str, below_size: float) -> None:
    """On every page the banner's lowest line sits above the first line starting with ``below``
    (the running title, or on page 1 the body's first line), with room for both fonts."""
    for number, runs in enumerate(page_lines(data), start=1):
        lowest = banner_bottom(runs, banner)
        first = "CASELOAD AUDIT" if number == 1 else below  # page 1 has no running title
        nexts = [y for y, text in runs if text.startswith(first)]
        assert nexts, f"page {number}: nothing starting {below!r}"
        gap = lowest - max(nexts)
        assert gap >= 0.25 * BANNER_PT + 0.75 * below_size + GAP_PT, (number, gap)


def test_many_failing_plans_give_a_short_banner_clear_of_the_title_and_a_full_list(
    broken_store: Path,
) -> None:
    from goalplan_pdf.audit_report import banner

    with goalplan.Goalplan.open(broken_store, allow_broken=True) as gp:
        report = gp.audit()
    assert len(report.unverified) == PLANS
    short = banner(report)
    assert short.startswith("WARNING: this report fails verification: 16 of the plans")
    data = audit_pdf(report)
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) > 2
    assert all(squash(short) in squash(page) for page in pages)
    summary = squash("".join(pages[:2]))  # each failing plan's warning, named by its plan
    assert all(squash(f"(plan {plan_id} version") in summary for plan_id in report.unverified)
    assert squash(sorted(report.unverified.items())[0][1]) in squash(pages[0])
    assert_banner_clear(data, short, "Caseload audit as of", 7.0)


def test_a_long_warning_pushes_the_title_and_the_body_down(broken_store: Path) -> None:
    with goalplan.Goalplan.open(broken_store, allow_broken=True) as gp:
        report = gp.audit()
    plan_id, warning = sorted(report.unverified.items())[0]
    versions = ", ".join(str(v) for v in range(2, 120))
    long = f"{warning} Left out as unreadable: version(s) {versions}."
    data = audit_pdf(attrs.evolve(report, unverified={plan_id: long}))
    assert_banner_clear(data, long, "Caseload audit as of", 7.0)


def test_a_plan_pdf_with_a_long_warning_keeps_it_clear_of_the_running_title(
    sample_log: goalplan.PlanLog,
) -> None:
    versions = ", ".join(str(v) for v in range(2, 120))
    long = (
        "WARNING: this log fails verification (plan X version 2: its content does not match its "
        "hash); it may have been altered. Run `goalplan verify`. "
        f"Left out as unreadable: version(s) {versions}."
    )
    log = goalplan.PlanLog(sample_log.records, long, sample_log.start)
    data = render_pdf(log)
    runs = page_lines(data)
    assert len(runs) > 1
    for number, page in enumerate(runs[1:], start=2):
        lowest = banner_bottom(page, long)
        title = max(y for y, text in page if text == "Treatment plan")
        assert lowest - title >= 0.25 * BANNER_PT + 0.75 * 7.0 + GAP_PT, (number, lowest - title)
