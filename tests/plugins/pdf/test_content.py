"""Every section of the treatment plan, read back from the PDF's text."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import goalplan
from goalplan import Measure
from tests.plugins.pdf.conftest import page_texts, render_pdf


def joined(pages: list[str]) -> str:
    return "\n".join(pages)


def test_header_names_client_clinician_dates_cadence_and_status(sample_text: list[str]) -> None:
    first = sample_text[0]
    for expected in (
        "TREATMENT PLAN",
        "Zoë Nguyễn",
        "Łukasz Wiśniewski, PsyD,",
        "Licensed Clinical Psychologist",
        "DATE OPENED\n1 September 2025",
        "REVIEW CADENCE\nEvery 90 days",
        "NEXT REVIEW DUE\n1 June 2026",
        "PLAN STATUS\nActive",
        "LAST REVIEW\n2 March 2026",
        "DISCHARGE CRITERIA",
    ):
        assert expected in first, expected


def test_goals_at_a_glance_lists_every_goal_with_status_and_latest(sample_text: list[str]) -> None:
    text = joined(sample_text)
    assert "No. Goal, in the client's words Status Target date Latest / target" in text
    assert "Active 31 Jan 2026 0 / 1 per week" in text
    assert "Completed — Not measured" in text
    assert "On hold 31 Mar 2026 6.5 / 7 hours per" in text


def test_each_goal_has_statement_and_smart_breakdown(
    sample_text: list[str], sample_log: goalplan.PlanLog
) -> None:
    text = joined(sample_text)
    flat = re.sub(r"\s+", " ", text)
    for goal in sample_log.state.goals.values():
        assert f"“{goal.statement}”" in flat, goal.statement
        assert f"id {goal.goal_id}" in text
    for expected in (
        "MEASURED BY Panic attacks (per week)",
        "BASELINE → TARGET 4 per week → 1 per week (lower is better)",
        "BASELINE → TARGET 5.5 hours per night → 7 hours per night (higher is better)",
        "WHY IT MATTERS Tiredness makes the panic symptoms easier to trigger.",
        "TARGET DATE 31 January 2026",
        "TARGET DATE Not set",
        "STATUS On hold · 67% of the way from baseline to target",
        "STATUS Completed",
        "MEASURED BY Not measured: progress is discussed at review",
    ):
        assert expected in flat, expected


def test_steps_show_whether_done(sample_text: list[str]) -> None:
    flat = re.sub(r"\s+", " ", joined(sample_text))
    assert "✓ Learn paced breathing with the therapist Done 15 Sep 2025" in flat
    assert (
        "○ Present a five-minute update at the Monday meeting Overdue: was due 12 Jan 2026, "
        "not done by 2 Mar 2026" in flat
    )
    assert "STEPS None recorded yet" in flat


def test_interventions_show_modality_and_frequency(sample_text: list[str]) -> None:
    flat = re.sub(r"\s+", " ", joined(sample_text))
    # the sample's interventions predate the structured fields: what is missing is said
    assert (
        "Type not recorded · Cognitive behavioural therapy: Cognitive restructuring and interoceptive "
        "exposure — minutes not recorded, Weekly, 50 minutes. Provider: responsible provider not "
        "recorded." in flat
    )
    assert "Behavioural activation: Activity scheduling around the values she named — minutes not" in flat


def test_every_measured_goal_has_a_chart_with_latest_values(
    sample_text: list[str], sample_log: goalplan.PlanLog
) -> None:
    text = joined(sample_text)
    measured = [g for g in sample_log.state.goals.values() if g.measure]
    for goal in measured:
        assert goal.measure is not None
        caption = f"{goal.measure.name} ({goal.measure.unit})".upper()
        assert caption in text, caption
        assert f"Baseline {goal.measure.baseline:g}\nTarget {goal.measure.target:g}" in text
    assert text.count("RECENT VALUES") == len(measured)
    assert text.count("Target date ") >= len(measured)
    # the latest panic value and its date, and the x axis months
    assert "LATEST\n0 per week\non 16 Feb 2026" in text
    assert "Sep 2025 Oct Nov Dec Jan 2026 Feb" in text


def test_review_history(sample_text: list[str]) -> None:
    flat = re.sub(r"\s+", " ", joined(sample_text))
    assert "Held on Summary Next review Recorded by" in flat
    assert "24 Nov 2025 First review with Zoë" in flat
    assert "2 Mar 2026 Second review: GAD-7 in the mild range" in flat


def test_signatures_come_from_the_log_with_dates_and_credentials(sample_text: list[str]) -> None:
    flat = re.sub(r"\s+", " ", joined(sample_text))
    assert "CLIENT Signature recorded in the plan's log Zoë Nguyễn Signed 8 September 2025" in flat
    assert "Łukasz Wiśniewski PsyD Signed 24 November 2025, approving log version" in flat
    earlier = "Earlier signatures in the log: clinician Łukasz Wiśniewski on 8 Sep 2025 (approved version"
    assert earlier in flat


def test_missing_signatures_get_blank_lines(plan_factory) -> None:  # type: ignore[no-untyped-def]
    _, plan = plan_factory()
    plan.set_goal("I want to walk to work twice a week.", focus="Health")
    flat = re.sub(r"\s+", " ", joined(page_texts(render_pdf(plan.log()))))
    assert "CLIENT Signature Name Ana Díaz Date" in flat
    assert "CLINICIAN Signature Name Sam Lee, LCSW Date" in flat
    assert "Signed " not in flat
    # no signature from the client: the document does not claim the client took part
    assert "The client took part" not in flat
    assert "No client or guardian signature is recorded yet." in flat


def test_revision_appendix_lists_when_who_old_new_why(sample_text: list[str]) -> None:
    flat = re.sub(r"\s+", " ", joined(sample_text))
    assert "Appendix: revision history" in flat
    assert "When By Change From To Why" in flat
    assert (
        "2025-11-24 10:02 UTC l.wisniewski Target date 2025-12-15 2026-01-31 Two weeks of sick leave" in flat
    )
    assert "Statement Go out more. I want to meet friends outside work at least twice a month." in flat
    assert "Target 2 4 A score of 4 is in the minimal range" in flat
    assert "Progress value (correction) 30 on 2025-09-22 — Typed 30 for 3" in flat
    assert "Status active completed Calls have been weekly" in flat


def test_footer_on_every_page_has_page_numbers_and_fingerprint(
    sample_text: list[str], sample_log: goalplan.PlanLog
) -> None:
    fp = sample_log.fingerprint
    total = len(sample_text)
    assert total >= 5
    for number, text in enumerate(sample_text, start=1):
        assert f"Page {number} of {total}" in text
        assert f"plan {fp.plan_id} · version {fp.version} · head {fp.head_hash}" in text


def test_scripts_and_diacritics_survive(plan_factory) -> None:  # type: ignore[no-untyped-def]
    _, plan = plan_factory(client="Αθηνά Παπαδοπούλου", clinician="Ольга Смирнова", credentials="Психолог")
    goal = plan.set_goal(
        "Θέλω να κοιμάμαι καλύτερα — я хочу спать лучше",
        focus="Ύπνος",
        measure=Measure(name="Ώρες ύπνου", unit="ώρες", baseline=5, target=7),
        by=date(2026, 4, 1),
    )
    plan.record_progress(goal, 5.5, on=date(2026, 1, 12))
    plan.sign(role="client", name="Αθηνά Παπαδοπούλου", on=date(2026, 1, 12))
    text = joined(page_texts(render_pdf(plan.log())))
    for expected in (
        "Αθηνά Παπαδοπούλου",
        "Ольга Смирнова, Психолог",
        "я хочу спать лучше",
        "ΏΡΕΣ ΎΠΝΟΥ (ΏΡΕΣ)",
    ):
        assert expected in text, expected


def test_decomposed_input_is_drawn_composed(plan_factory) -> None:  # type: ignore[no-untyped-def]
    decomposed = unicodedata.normalize("NFD", "Nguyễn Zoë")
    assert len(decomposed) > len("Nguyễn Zoë")
    _, plan = plan_factory(client=decomposed)
    assert "Nguyễn Zoë" in page_texts(render_pdf(plan.log()))[0]
