"""Signatures on paper: what version each approves, who recorded it, whether it is still current,
and a banner when the plan changed after it was signed."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.plugins.pdf.conftest import page_lines, page_texts, render_pdf


def flat(data: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(page_texts(data)))


@pytest.fixture
def signed(plan_factory):  # type: ignore[no-untyped-def]
    _, plan = plan_factory()
    goal = plan.set_goal("I want to walk to work twice a week.", focus="Health")
    plan.sign(role="client", name="Ana Díaz", on=date(2026, 1, 6))
    plan.sign(role="clinician", name="Sam Lee", credentials="LCSW", on=date(2026, 1, 6))
    return plan, goal


def test_signed_and_unchanged_is_current(signed) -> None:  # type: ignore[no-untyped-def]
    plan, _ = signed
    client_version = plan.log().fingerprint.version - 1
    # a review does not change what was approved
    plan.hold_review(held=date(2026, 2, 1), summary="Going well.")
    text = flat(render_pdf(plan.log()))
    assert f"Signed 6 January 2026, approving log version {client_version}" in text
    assert "Recorded in the log by s.lee" in text
    assert text.count("Current: the plan has not changed since") == 2
    assert "The plan has changed since it was signed" not in text
    assert "The client took part in setting these goals" in text


def test_a_change_after_signing_prints_a_banner_and_not_current(signed) -> None:  # type: ignore[no-untyped-def]
    plan, goal = signed
    plan.revise_goal(goal, statement="I want to walk to work three times a week.", reason="Client asked.")
    version = plan.log().fingerprint.version
    text = flat(render_pdf(plan.log()))
    assert f"The plan has changed since it was signed. This copy shows log version {version}" in text
    assert "signatures approve earlier versions" in text
    assert text.count("Not current: 1 change(s) to the plan since") == 2
    # signing again makes the new version current; the old signatures are listed as earlier
    plan.sign(role="client", name="Ana Díaz", on=date(2026, 2, 2))
    plan.sign(role="clinician", name="Sam Lee", credentials="LCSW", on=date(2026, 2, 2))
    text = flat(render_pdf(plan.log()))
    assert "The plan has changed since it was signed" not in text
    assert f"approving log version {version + 1}" in text
    assert "Earlier signatures in the log: client Ana Díaz on 6 Jan 2026 (approved version" in text


def test_a_typed_name_is_not_drawn_as_handwriting(signed) -> None:  # type: ignore[no-untyped-def]
    """The signed name is set once, upright, never a second time in italics as a mock signature."""
    plan, _ = signed
    data = render_pdf(plan.log())
    text = flat(data)
    client_box = text[text.index("CLIENT Signature recorded") : text.index("CLINICIAN Signature recorded")]
    assert client_box.count("Ana Díaz") == 1


def test_a_long_signer_name_wraps_inside_its_column(plan_factory) -> None:  # type: ignore[no-untyped-def]
    _, plan = plan_factory(credentials="LCSW, LICSW, CADC-II, Certified Clinical Trauma Professional")
    long_name = "Maria Fernanda de los Ángeles Gutiérrez-Villanueva y Montenegro"
    plan.sign(role="client", name=long_name, on=date(2026, 1, 6))
    plan.sign(
        role="clinician",
        name="Sam Lee",
        credentials="LCSW, LICSW, CADC-II, Certified Clinical Trauma Professional",
        on=date(2026, 1, 6),
    )
    data = render_pdf(plan.log())
    assert "Certified Clinical Trauma Professional" in flat(data)
    runs = [run for page in page_lines(data) for _, run in page]
    # both wrap within their column instead of running on as one line into the next column or
    # off the page
    assert not any("Maria" in run and "Montenegro" in run for run in runs)
    assert not any("LCSW" in run and "Professional" in run for run in runs if "Sam Lee" not in run)
