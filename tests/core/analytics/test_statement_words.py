"""One normaliser for copied statements, shared by `lint` (plan.copied-goal) and the audit
(audit.copied-text), that reads every script, not only ASCII."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

import goalplan
from goalplan.text import _ASCII_WORD, normalise_statement, words

# (statement as first written, the same statement copied with other case, spacing, punctuation
# or Unicode form, a different statement in the same script)
SCRIPTS = {
    "vietnamese": (
        "Tôi sẽ đi bộ mỗi ngày.",
        unicodedata.normalize("NFD", "tôi  sẽ đi bộ, mỗi ngày!"),  # accents typed as combining marks
        "Tôi sẽ đi bơi mỗi tuần.",
    ),
    "arabic": ("سأمشي كل يوم.", "سأمشي   كل يوم!", "سأسبح كل أسبوع."),
    "chinese": ("我每天会散步三十分钟。", "我每天会散步三十分钟！", "我每周会游泳两次。"),
    "japanese": ("毎日三十分歩きます。", "毎日三十分歩きます", "毎週二回泳ぎます。"),
    "hindi": ("मैं रोज़ टहलूँगा।", "मैं  रोज़ टहलूँगा", "मैं हर हफ़्ते तैरूँगा।"),
    "russian": ("Я буду гулять каждый день.", "я буду гулять, каждый день", "Я буду плавать по субботам."),
    "full-width": ("ｗａｌｋ　ＤＡＩＬＹ", "walk daily", "swim weekly"),
}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_a_copy_normalises_the_same_and_another_statement_does_not(script: str) -> None:
    first, copy, other = SCRIPTS[script]
    assert normalise_statement(first) and normalise_statement(first) == normalise_statement(copy)
    assert normalise_statement(other) != normalise_statement(first)


def test_words_keep_marks_and_apostrophes_inside_words() -> None:
    assert words("I'll walk to the park, 'daily'!") == ["i'll", "walk", "to", "the", "park", "daily"]
    assert words("Tôi sẽ") == ["tôi", "sẽ"]
    assert words("कुछ नहीं") == ["कुछ", "नहीं"]  # the vowel signs stay in their words
    assert words("snake_case") == ["snake", "case"]


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_the_ascii_path_gives_what_the_general_path_gives(text: str) -> None:
    """ASCII text takes a regular expression; the same text with an ideographic full stop (U+3002) appended
    takes the character loop: both must agree word for word."""
    folded = text.casefold()
    assert words(text) == _ASCII_WORD.findall(folded) == words(text + "\u3002")


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_lint_and_the_audit_both_find_a_copied_statement(gp: goalplan.Goalplan, script: str) -> None:
    first, copy, other = SCRIPTS[script]
    ana = gp.open_plan(client="Ana Ruiz", clinician="Dr Ruiz", opened=date(2026, 1, 5))
    ana.set_goal(first)
    bo = gp.open_plan(client="Bo Chen", clinician="Dr Ruiz", opened=date(2026, 1, 6))
    copied = bo.set_goal(copy)
    own = bo.set_goal(other)

    report = bo.lint(today=date(2026, 1, 7))
    levels = {f.goal_id: f.level for f in report.findings if f.rule_id == "plan.copied-goal"}
    assert levels == {copied: "warn", own: "pass"}
    flagged = [(f.plan_id, f.goal_id) for f in gp.audit().findings if f.rule_id == "audit.copied-text"]
    assert flagged == [(bo.id, copied)]
