"""The analytics in the PDF: each measured goal's outlook strip, the Measures section with
instrument scores and Goal Attainment Scaling. Expected values are worked out by hand in the
comments from the numbers in sample_plan.py, with "today" the day of the log's last event."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import goalplan
from goalplan import Measure
from goalplan_pdf import fonts
from goalplan_pdf.model import build, texts
from tests.conftest import StepClock
from tests.plugins.pdf.conftest import page_texts, render_pdf


def flat(pages: list[str]) -> str:
    return re.sub(r"\s+", " ", "\n".join(pages))


def goal_block(text: str, number: str) -> str:
    """The text from 'Goal N ·' to the next goal heading (or the Measures section)."""
    start = text.index(f"Goal {number} ·")
    ends = [i for i in (text.find(" Goal ", start + 10), text.find(" Measures ", start)) if i > 0]
    return text[start : min(ends)]


def test_today_is_the_day_of_the_last_recorded_event(sample_log: goalplan.PlanLog) -> None:
    assert sample_log.last_recorded_at is not None
    assert sample_log.last_recorded_at.date() == date(2026, 3, 2)
    assert build(sample_log).as_of == date(2026, 3, 2)


def test_met_goal_outlook(sample_text: list[str]) -> None:
    # Panic attacks, baseline 4, target 1 (lower is better); latest 0 on 16 Feb after 1 on 9 Feb.
    # Of the way: 100·(0−4)/(1−4) = 133%. Window: the 9 weekly values from 22 Dec (56 days before
    # 16 Feb): 0,1,1,0,1,0,0,1,0 at x = 0,7,…,56; Sxy = −21−14+0+21 = −14, Sxx = 49·60 = 2940,
    # slope −14/2940 per day = −0.033 a week. The target is met, so no projection; the last two
    # values meet it: sustaining.
    block = goal_block(flat(sample_text), "1")
    assert (
        "PROGRESS TO TARGET 133% target reached TREND −0.03 a week 9 values over 8 weeks "
        "OUTLOOK On track as recorded up to 2 Mar 2026 FHIR ACHIEVEMENT sustaining" in block
    )
    assert "PROJECTED" not in block


def test_goal_past_its_target_date_is_off_track(sample_text: list[str]) -> None:
    # GAD-7 total, baseline 15, target 4 by 28 Feb 2026; fortnightly values, the last five
    # (22 Dec … 16 Feb) are 8,7,6,6,5 at x = 0,14,28,42,56: Sxy = −98, Sxx = 1960, slope −0.05 a
    # day = −0.35 a week. Of the way: 100·(5−15)/(4−15) = 91%. Projected: 16 Feb + ceil(1/0.05)
    # = 20 days = 8 Mar 2026. Today (2 Mar) is past the target date and 5 > 4: off track, and
    # with 91% ≥ 25% the FHIR code is not-achieved.
    block = goal_block(flat(sample_text), "2")
    assert (
        "PROGRESS TO TARGET 91% from baseline TREND −0.35 a week 5 values over 8 weeks PROJECTED 8 Mar 2026 "
        "target date 28 Feb 2026 OUTLOOK Off track as recorded up to 2 Mar 2026 "
        "FHIR ACHIEVEMENT not-achieved" in block
    )


def test_increasing_goals(sample_text: list[str]) -> None:
    text = flat(sample_text)
    # Outings 0 → 2; latest 3 on 28 Feb after 2 on 28 Jan: 150%, both meet the target. Only
    # those two values fall in the window: slope 1/31 a day = +0.23 a week, over 31 days.
    assert (
        "PROGRESS TO TARGET 150% target reached TREND +0.23 a week 2 values over 31 days "
        "OUTLOOK On track as recorded up to 2 Mar 2026 FHIR ACHIEVEMENT sustaining"
    ) in goal_block(text, "3")
    # Sleep 5.5 → 7 by 31 Mar 2026; last five values 6, 5.5, 6, 6.25, 6.5 a fortnight apart:
    # Sxy = 24.5, Sxx = 1960, slope 0.0125 a day = +0.09 a week; 100·(6.5−5.5)/1.5 = 67%;
    # projected 1 Dec 2025 + 0.5/0.0125 = 40 days = 10 Jan 2026, before the target date.
    assert (
        "PROGRESS TO TARGET 67% from baseline TREND +0.09 a week 5 values over 8 weeks PROJECTED 10 Jan 2026 "
        "target date 31 Mar 2026 OUTLOOK On track as recorded up to 2 Mar 2026 "
        "FHIR ACHIEVEMENT improving"
    ) in goal_block(text, "5")


def test_unmeasured_goal_has_no_outlook(sample_text: list[str]) -> None:
    block = goal_block(flat(sample_text), "4")
    assert "Not measured" in block
    for label in ("PROGRESS TO TARGET", "TREND", "OUTLOOK", "FHIR ACHIEVEMENT"):
        assert label not in block


def test_instrument_scores_with_bands_reliable_change_response_and_remission(
    sample_text: list[str],
) -> None:
    text = flat(sample_text)
    assert (
        "Measures Standardised questionnaire scores and goal attainment levels, "
        "as recorded up to 2 March 2026" in text
    )
    # GAD-7 15 → 6: SE = 3.5·√(1−0.83) = 1.4431, S_diff = √2·SE = 2.0409, RC = −9/2.0409 = −4.41;
    # a fall of 9/15 = 60% (response needs 50%); 6 is not below 5 (no remission).
    assert (
        "GAD-7 · 5 scores, 3 Sep 2025 – 7 Jan 2026 minimal 0–4 mild 5–9 moderate 10–14 severe 15–21" in text
    )
    assert (
        "FIRST 15 · severe, 3 Sep 2025 LATEST 6 · mild, 7 Jan 2026 RELIABLE CHANGE RC −4.41 · improved "
        "RESPONSE Yes — down 60% (50% needed) REMISSION No — 6 is not below 5"
    ) in text
    # PHQ-9 14 → 7: SE = 5.4·√(1−0.84) = 2.16, S_diff = 3.0547, RC = −7/3.0547 = −2.29; exactly
    # half (a response); 7 is not below 5.
    assert "PHQ-9 · 5 scores, 3 Sep 2025 – 7 Jan 2026" in text
    assert "moderately severe 15–19 severe 20–27" in text
    assert (
        "FIRST 14 · moderate, 3 Sep 2025 LATEST 7 · mild, 7 Jan 2026 RELIABLE CHANGE RC −2.29 · improved "
        "RESPONSE Yes — down 50% (50% needed) REMISSION No — 7 is not below 5"
    ) in text


def test_gas_table_and_t_scores(sample_text: list[str]) -> None:
    text = flat(sample_text)
    assert "No. Goal, in the client's words Weight First scored Latest" in text
    assert (
        "1 I want to get through the Monday team meeting feeling steady, and present my own updates. "
        "2 −1 · Attends the meeting but does not speak 3 Sep 2025 "
        "+1 · Gives her update and answers questions 25 Feb 2026"
    ) in text
    assert (
        "3 I want to meet friends outside work at least twice a month. 1 "
        "−2 · No outings with friends in the month 3 Sep 2025 0 · Two outings a month 7 Jan 2026"
    ) in text
    # weights 2 and 1: denominator √(0.7·5 + 0.3·9) = √6.2 = 2.48998.
    # First levels −1, −2: T = 50 + 10·(−4)/2.48998 = 33.94; latest +1, 0: 50 + 10·2/2.48998 = 58.03.
    assert "GOALS SCORED 2 of 2 T-SCORE, FIRST LEVELS 33.9 T-SCORE, LATEST LEVELS 58.0" in text


def test_measures_section_sits_between_goals_and_reviews(sample_text: list[str]) -> None:
    text = flat(sample_text)
    assert text.index("Goal 5 ·") < text.index(" Measures Standardised") < text.index("Review history")


# a small plan of its own --------------------------------------------------------------------


def _small_plan(path: Path) -> goalplan.Plan:
    """Events recorded on the day they happened, all in early 2024."""
    clock = StepClock(datetime(2024, 1, 8, 9, 0, tzinfo=UTC))
    gp = goalplan.Goalplan.open(path, actor="r.osei", clock=clock)
    plan = gp.open_plan(
        client="Ama Osei", clinician="Rita Mensah", credentials="LMFT", opened=date(2024, 1, 8)
    )
    goal = plan.set_goal(
        "I want to sleep through the night on most weeknights.",
        focus="Sleep",
        measure=Measure(name="Nights woken", unit="per week", baseline=6, target=1),
        by=date(2024, 3, 1),
    )
    for day, value in ((date(2024, 1, 8), 6), (date(2024, 1, 22), 5), (date(2024, 2, 5), 4)):
        clock.now = max(clock.now, datetime(day.year, day.month, day.day, 10, tzinfo=UTC))
        plan.record_progress(goal, value, on=day)
    return plan


def test_outlook_uses_the_log_date_not_the_clock(tmp_path: Path) -> None:
    # 6, 5, 4 a fortnight apart: −1/14 a day = −0.5 a week; 100·(4−6)/(1−6) = 40%. Projected
    # 5 Feb + 3·14 = 42 days = 18 Mar 2024: within 28 days after the 1 Mar target date, so at
    # risk. Read against today's real date (after 1 Mar 2024) it would say off track instead.
    plan = _small_plan(tmp_path / "small.db")
    data = render_pdf(plan.log())
    text = flat(page_texts(data))
    assert (
        "PROGRESS TO TARGET 40% from baseline TREND −0.5 a week 3 values over 4 weeks PROJECTED 18 Mar 2024 "
        "target date 1 Mar 2024 OUTLOOK At risk as recorded up to 5 Feb 2024 FHIR ACHIEVEMENT improving"
    ) in text
    assert render_pdf(plan.log()) == data
    plan.gp.close()


def test_no_measures_section_without_scores_or_gas(tmp_path: Path) -> None:
    plan = _small_plan(tmp_path / "small.db")
    text = flat(page_texts(render_pdf(plan.log())))
    assert "Measures" not in text
    assert "Goal Attainment Scaling" not in text
    plan.gp.close()


def test_a_single_score_shows_only_what_one_score_can_say(tmp_path: Path) -> None:
    plan = _small_plan(tmp_path / "small.db")
    plan.record_score("PHQ-9", 12, on=date(2024, 2, 5))
    text = flat(page_texts(render_pdf(plan.log())))
    assert "PHQ-9 · 1 score, 5 Feb 2024" in text
    assert "LATEST 12 · moderate, 5 Feb 2024" in text
    # remission and response need two scores from a clinical-range start (docs/analytics.md)
    for absent in ("FIRST 12", "RELIABLE CHANGE", "RESPONSE", "REMISSION", "Goal Attainment Scaling"):
        assert absent not in text
    plan.gp.close()


def test_gas_without_a_scored_level(tmp_path: Path) -> None:
    plan = _small_plan(tmp_path / "small.db")
    goal = next(iter(plan.state.goals))
    plan.set_gas_scale(goal, ["Seven nights", "Five nights", "Three nights", "One night", "None"])
    text = flat(page_texts(render_pdf(plan.log())))
    assert "1 I want to sleep through the night on most weeknights. 1 Not scored yet Not scored yet" in text
    assert "GOALS SCORED 0 of 1" in text
    assert "T-SCORE" not in text
    # scored once: one T-score, 50 + 10·(−1)/√(0.7·1 + 0.3·1) = 40
    plan.score_gas(goal, -1, on=date(2024, 2, 5))
    text = flat(page_texts(render_pdf(plan.log())))
    assert "GOALS SCORED 1 of 1 T-SCORE 40.0" in text
    assert "FIRST LEVELS" not in text
    plan.gp.close()


def test_a_gas_description_no_font_can_draw_is_listed_under_its_field(tmp_path: Path) -> None:
    plan = _small_plan(tmp_path / "small.db")
    goal = next(iter(plan.state.goals))
    plan.set_gas_scale(goal, ["Seven nights", "Five nights", "Three nights 🙂", "One night", "None"])
    plan.score_gas(goal, 0, on=date(2024, 2, 5))
    with pytest.raises(goalplan.RejectedError) as caught:
        render_pdf(plan.log(), {"strict-glyphs": "true"})
    assert "GAS" in caught.value.field and "U+1F642" in str(caught.value)
    text = flat(page_texts(render_pdf(plan.log())))
    assert "Three nights \ufffd" in text and "U+1F642" in text
    plan.gp.close()


def test_every_new_text_is_in_the_font_check(sample_log: goalplan.PlanLog) -> None:
    """What texts() yields covers instrument names and band labels (from plugins) as well."""
    odd = goalplan.Instrument(
        id="phq9",
        name="PHQ-9 患者",
        items=9,
        item_max=3,
        minimum=0,
        maximum=27,
        bands=[goalplan.Band(minimum=0, maximum=27, label="any")],
    )
    fields = dict(texts(build(sample_log, {"phq9": odd, "gad7": goalplan.GAD7})))
    assert fields["instrument phq9 name"] == "PHQ-9 患者"
    assert fields["instrument gad7 band"] == "severe"
    undrawable = [field for field, text in texts(build(sample_log, {"phq9": odd})) if "患" in text]
    assert undrawable == ["instrument phq9 name"]
    assert not set("患者") <= fonts.text_coverage()


def test_registered_instruments_are_public() -> None:
    found = goalplan.registered_instruments()
    assert found["phq9"] is goalplan.PHQ9 and found["gad7"] is goalplan.GAD7
