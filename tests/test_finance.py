"""The SPIN decision's figures, asserted exactly (source: the decision memo and domain.md §4)."""

from decimal import Decimal

import pytest

from casebook.domain.finance import financing_figures, payable, percent, round_share


@pytest.fixture(scope="module")
def figures(spin):
    return financing_figures(spin)


def test_total_financing_is_the_sum_of_the_plan(figures):
    assert figures.total_financing == 6_200_285
    assert figures.project_costs == 6_200_285  # no total costs stated: financing is used


def test_each_financier_amount(figures):
    amounts = {s.financier: s.amount for s in figures.shares}
    assert amounts == {
        "Tillväxtverket": 3_000_000,
        "Region Västerbotten": 750_000,
        "Region Norrbotten": 750_000,
        "Region Västernorrland": 950_286,
        "Region Jämtland Härjedalen": 749_999,
    }


def test_decision_makers_share_computed_and_rounded(figures):
    assert figures.own.amount == 749_999
    assert figures.own.share.quantize(Decimal("0.0001")) == Decimal("12.0962")
    assert figures.computed_share_rounded == Decimal("12.10")


def test_decided_share_times_total_exceeds_the_cap(figures):
    cap = figures.cap
    assert cap.decided_share == Decimal("12.10")
    assert cap.share_of_total == Decimal("750234.485")
    assert round(cap.share_of_total) == 750_234
    assert cap.max_amount == 750_000
    assert cap.cap_binds_within_plan is True


def test_cap_binds_from_approved_costs_above_6_198_347(figures):
    assert figures.cap.threshold_kronor == 6_198_347
    assert payable(6_198_347, Decimal("12.10"), 750_000) == 749_999
    assert payable(6_198_348, Decimal("12.10"), 750_000) == 750_000
    assert payable(6_200_285, Decimal("12.10"), 750_000) == 750_000


def test_tillvaxtverket_share_and_grants_under_the_ordinance(figures):
    shares = {s.financier: round_share(s.share) for s in figures.shares}
    assert shares["Tillväxtverket"] == Decimal("48.38")
    assert shares["Region Jämtland Härjedalen"] == Decimal("12.10")
    assert shares["Region Västernorrland"] == Decimal("15.33")
    ordinance = figures.ordinance
    assert [s.financier for s in ordinance.lines] == ["Tillväxtverket", "Region Jämtland Härjedalen"]
    assert ordinance.total_amount == 3_749_999
    assert round_share(ordinance.share) == Decimal("60.48")
    assert ordinance.other_decision_makers == 1


def test_public_versus_other_financing(figures):
    assert figures.public_amount == 6_200_285
    assert figures.private_amount == 0
    assert figures.public_share == 100  # all of SPIN's financing is public


def test_unconfirmed_financing_excludes_the_decision_itself(figures):
    assert [line.financier for line in figures.unconfirmed] == [
        "Tillväxtverket",
        "Region Västerbotten",
        "Region Norrbotten",
        "Region Västernorrland",
    ]


def test_shares_sum_to_one_hundred_percent(figures):
    assert round_share(sum(s.share for s in figures.shares)) == Decimal("100.00")


def test_payable_rounds_down_and_never_exceeds_share_or_cap():
    assert payable(1_000_001, Decimal("12.10"), 750_000) == 121_000  # 121 000,121 rounded down
    assert payable(0, Decimal("12.10"), 750_000) == 0
    with pytest.raises(ValueError):
        payable(-1, Decimal("12.10"), 750_000)


def test_percent_rejects_an_empty_whole():
    with pytest.raises(ValueError):
        percent(1, 0)


def test_round_share_is_half_up():
    assert round_share(Decimal("12.005")) == Decimal("12.01")
    assert round_share(Decimal("12.0049")) == Decimal("12.00")
