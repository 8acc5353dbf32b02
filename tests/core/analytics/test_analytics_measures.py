"""Instruments (bands at every cut point, range checks), the RCI and the GAS T-score, by hand."""

from __future__ import annotations

import math

import pytest

from goalplan import RejectedError
from goalplan.analytics import GAD7, PHQ9, gas_t_score, reliable_change


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_bands_at_every_cut_point(total: int, band: str) -> None:
    assert PHQ9.band(total) == band


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
     (15, "severe"), (21, "severe")],
)  # fmt: skip
def test_gad7_bands_at_every_cut_point(total: int, band: str) -> None:
    assert GAD7.band(total) == band


def test_remission_is_below_five() -> None:
    assert PHQ9.in_remission(4) is True
    assert PHQ9.in_remission(5) is False
    assert GAD7.in_remission(4) is True and GAD7.in_remission(5) is False


def test_response_is_a_halving_or_more() -> None:
    assert PHQ9.is_response(18, 9) is True  # exactly 50%
    assert PHQ9.is_response(18, 10) is False  # 44%
    assert PHQ9.is_response(0, 0) is None  # nothing to halve


@pytest.mark.parametrize("total", [-1, 28, 27.5, math.nan])
def test_phq9_total_outside_range_is_refused_naming_the_range(total: float) -> None:
    with pytest.raises(RejectedError) as caught:
        PHQ9.check(total)
    assert caught.value.field == "total"
    assert "from 0 to 27 for PHQ-9" in caught.value.message


def test_gad7_total_outside_range() -> None:
    with pytest.raises(RejectedError, match="from 0 to 21 for GAD-7"):
        GAD7.check(22)
    GAD7.check(21)
    GAD7.check(0)


def test_item_checks() -> None:
    PHQ9.check(9, [1] * 9)
    with pytest.raises(RejectedError, match="PHQ-9 has 9 items"):
        PHQ9.check(8, [1] * 8)
    with pytest.raises(RejectedError) as caught:
        PHQ9.check(12, [4, 1, 1, 1, 1, 1, 1, 1, 1])
    assert caught.value.field == "item 1" and "from 0 to 3" in caught.value.message
    with pytest.raises(RejectedError, match="add up to 9 but the total given is 10"):
        PHQ9.check(10, [1] * 9)


def test_rci_parameters_reproduce_the_stated_critical_differences() -> None:
    # PHQ-9: 1.96 * 5.4 * sqrt(2 * 0.16) = 1.96 * 5.4 * 0.565685 = 5.987; GAD-7:
    # 1.96 * 3.5 * sqrt(2 * 0.17) = 1.96 * 3.5 * 0.583095 = 4.000.
    assert PHQ9.sd is not None and PHQ9.reliability is not None
    assert GAD7.sd is not None and GAD7.reliability is not None
    assert 1.96 * PHQ9.sd * math.sqrt(2 * (1 - PHQ9.reliability)) == pytest.approx(5.987, abs=1e-3)
    assert 1.96 * GAD7.sd * math.sqrt(2 * (1 - GAD7.reliability)) == pytest.approx(4.000, abs=1e-3)


def test_rci_reliable_improvement_by_hand() -> None:
    # PHQ-9 18 -> 9: SE = 5.4 * sqrt(0.16) = 2.16; S_diff = sqrt(2 * 2.16^2) = 3.05470;
    # RC = -9 / 3.05470 = -2.9463 -> |RC| > 1.96, lower is better: improved.
    rc = reliable_change(18, 9, sd=5.4, reliability=0.84)
    assert rc.se == pytest.approx(2.16)
    assert rc.s_diff == pytest.approx(3.05470, abs=1e-5)
    assert rc.rc == pytest.approx(-2.9463, abs=1e-4)
    assert rc.reliable and rc.outcome == "improved"


def test_rci_no_reliable_change_and_deterioration() -> None:
    # 14 -> 10: RC = -4 / 3.05470 = -1.3095: not reliable.
    small = reliable_change(14, 10, sd=5.4, reliability=0.84)
    assert small.rc == pytest.approx(-1.3095, abs=1e-4)
    assert not small.reliable and small.outcome == "no reliable change"
    # GAD-7 6 -> 11: SE = 3.5 * sqrt(0.17) = 1.44309; S_diff = 2.04083; RC = 5 / 2.04083 = 2.45.
    worse = reliable_change(6, 11, sd=3.5, reliability=0.83)
    assert worse.rc == pytest.approx(2.45, abs=1e-3)
    assert worse.outcome == "deteriorated"
    # on a scale where higher is better, the same rise is an improvement
    assert reliable_change(6, 11, sd=3.5, reliability=0.83, lower_is_better=False).outcome == "improved"


def test_rci_refuses_impossible_parameters() -> None:
    with pytest.raises(RejectedError, match="reliability"):
        reliable_change(1, 2, sd=5, reliability=1.0)
    with pytest.raises(RejectedError, match="sd"):
        reliable_change(1, 2, sd=0, reliability=0.8)


def test_gas_unweighted_by_hand() -> None:
    # levels +1, 0, -1, weights 1: sum(wx) = 0 -> T = 50.
    assert gas_t_score([(1, 1), (0, 1), (-1, 1)]) == pytest.approx(50.0)
    # levels +2, +1, 0: sum(wx) = 3; denominator sqrt(0.7*3 + 0.3*9) = sqrt(4.8) = 2.190890;
    # T = 50 + 30 / 2.190890 = 63.6931.
    assert gas_t_score([(2, 1), (1, 1), (0, 1)]) == pytest.approx(63.6931, abs=1e-4)
    # all at -2: sum(wx) = -6 -> T = 50 - 60 / 2.190890 = 22.6139.
    assert gas_t_score([(-2, 1)] * 3) == pytest.approx(22.6139, abs=1e-4)
    # one goal at +1: 50 + 10 / sqrt(0.7 + 0.3) = 60.
    assert gas_t_score([(1, 1)]) == pytest.approx(60.0)


def test_gas_weighted_by_hand() -> None:
    # weights 3, 2, 1 at levels +1, 0, -1: sum(wx) = 3 - 1 = 2; sum(w^2) = 14; (sum w)^2 = 36;
    # denominator sqrt(0.7*14 + 0.3*36) = sqrt(9.8 + 10.8) = sqrt(20.6) = 4.538722;
    # T = 50 + 20 / 4.538722 = 54.4065.
    assert gas_t_score([(1, 3), (0, 2), (-1, 1)]) == pytest.approx(54.4065, abs=1e-4)
    # scaling every weight by the same factor leaves T unchanged.
    assert gas_t_score([(1, 6), (0, 4), (-1, 2)]) == pytest.approx(54.4065, abs=1e-4)


def test_gas_refuses_empty_and_bad_input() -> None:
    with pytest.raises(RejectedError, match="at least one goal"):
        gas_t_score([])
    with pytest.raises(RejectedError, match="from -2 to \\+2"):
        gas_t_score([(3, 1)])
    with pytest.raises(RejectedError, match="weight"):
        gas_t_score([(1, 0)])
