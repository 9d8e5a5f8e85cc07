"""Property-based tests (Hypothesis) of the financing and payment arithmetic."""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction

from conftest import evaluate_case
from hypothesis import given, settings
from hypothesis import strategies as st

from casebook.domain.finance import financing_figures, payable, round_share
from casebook.domain.model import Case, FinancierKind
from casebook.domain.rules import Outcome

amounts = st.integers(min_value=1, max_value=2_000_000_000)
shares = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2)
kinds = st.sampled_from(list(FinancierKind))


@st.composite
def cases(draw, base: Case):
    """The fictional base case with a random financing plan and decision."""
    data = copy.deepcopy(base.model_dump())
    lines = draw(st.lists(st.tuples(amounts, kinds, st.booleans()), min_size=1, max_size=8))
    plan = []
    for i, (a, k, c) in enumerate(lines):
        name = f"Fiktiv finansiär {i}"
        if k is FinancierKind.NATIONAL_GRANT_2003_596:
            # National 2003:596 money comes only from an agency in the reference data (Tillväxtverket).
            if any(line["financier"] == "Tillväxtverket" for line in plan):
                k = FinancierKind.OTHER_PUBLIC
            else:
                name = "Tillväxtverket"
        plan.append({"financier": name, "kind": k, "amount": a, "confirmed": c})
    own_amount = draw(amounts)
    plan.append(
        {
            "financier": data["decision_maker"]["name"],
            "kind": "regional_grant_2003_596",
            "amount": own_amount,
            "confirmed": True,
        }
    )
    data["financing_plan"] = plan
    data["total_costs"] = None
    data["amount_applied_for"] = own_amount
    data["decision"]["share_percent"] = draw(shares)
    data["decision"]["max_amount"] = draw(amounts)
    data["decision"]["advance"] = None
    return Case.model_validate(data)


def test_shares_sum_to_one_hundred_percent(fictional_base):
    @given(cases(fictional_base))
    @settings(max_examples=200)
    def check(case):
        figures = financing_figures(case)
        assert sum(s.amount for s in figures.shares) == figures.total_financing
        assert round_share(sum(s.share for s in figures.shares)) == Decimal("100.00")
        exact = sum(Fraction(s.amount, figures.total_financing) for s in figures.shares)
        assert exact == 1

    check()


@given(costs=st.integers(min_value=0, max_value=10_000_000_000), share=shares, cap=amounts)
@settings(max_examples=500)
def test_payable_never_exceeds_the_cap_nor_share_times_costs(costs, share, cap):
    paid = payable(costs, share, cap)
    assert type(paid) is int and 0 <= paid <= cap
    assert paid <= Fraction(share) * costs / 100
    # Rounded down by less than one krona, unless the cap binds.
    assert paid == cap or Fraction(share) * costs / 100 - paid < 1


@given(costs=st.integers(min_value=0, max_value=10_000_000_000), share=shares, cap=amounts)
@settings(max_examples=300)
def test_payable_grows_with_costs(costs, share, cap):
    assert payable(costs, share, cap) <= payable(costs + 1, share, cap)


@given(part=amounts, extra=amounts)
@settings(max_examples=300)
def test_decided_share_rounds_consistently(part, extra):
    """Half away from zero, two decimals, and never more than half a hundredth off."""
    whole = part + extra
    exact = Fraction(part * 100, whole)
    rounded = round_share(Decimal(part) * 100 / Decimal(whole))
    assert abs(Fraction(rounded) - exact) <= Fraction(1, 200)
    assert rounded == round_share(rounded)
    assert rounded.as_tuple().exponent == -2


def test_cap_threshold_is_where_the_cap_starts_to_bind(fictional_base):
    @given(cases(fictional_base))
    @settings(max_examples=200)
    def check(case):
        cap = financing_figures(case).cap
        below = cap.threshold_kronor  # share × below ≤ cap < share × (below + 1)
        assert Fraction(cap.decided_share) * below / 100 <= cap.max_amount
        assert payable(below + 1, cap.decided_share, cap.max_amount) == cap.max_amount
        if Fraction(cap.max_amount * 100) / Fraction(cap.decided_share) != below:
            assert payable(below, cap.decided_share, cap.max_amount) < cap.max_amount

    check()


def test_5_paragraph_outcomes_agree_with_a_direct_computation(fictional_base):
    @given(cases(fictional_base))
    @settings(max_examples=300)
    def check(case):
        results = evaluate_case(case)
        plan = case.financing_plan
        costs = sum(line.amount for line in plan)
        under = [
            line
            for line in plan
            if line.kind in (FinancierKind.NATIONAL_GRANT_2003_596, FinancierKind.REGIONAL_GRANT_2003_596)
        ]
        together = sum(line.amount for line in under)
        with_tillvaxtverket = any(line.financier == "Tillväxtverket" for line in under) and any(
            line.financier != "Tillväxtverket" for line in under
        )
        allowed = Fraction(together, costs) <= (1 if with_tillvaxtverket else Fraction(1, 2))
        assert (results["5-paragraf-sammanlagt"].outcome is Outcome.MET) == allowed
        each = (
            all(Fraction(line.amount, costs) <= Fraction(1, 2) for line in under) and case.decision.share_percent <= 50
        )
        assert (results["5-paragraf-per-beslutsfattare"].outcome is Outcome.MET) == each

    check()
