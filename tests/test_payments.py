"""Payment arithmetic after the decision: exact examples and Hypothesis properties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from casebook.domain.case_file import load_case
from casebook.domain.clock import as_of_date
from casebook.domain.model import PaymentRequest
from casebook.domain.payments import Stage, case_schedule, schedule, stage, withheld_amount

CASES = REPO / "tests" / "cases"
START = dt.date(2099, 1, 1)


def _requests(approved: list[int | None], paid: bool = True) -> list[PaymentRequest]:
    """Consecutive monthly requests with the given approved costs (reported = approved)."""
    requests = []
    for month, costs in enumerate(approved):
        begin = START + dt.timedelta(days=31 * month)
        requests.append(
            PaymentRequest(
                period_start=begin,
                period_end=begin + dt.timedelta(days=30),
                received=begin + dt.timedelta(days=30),
                reported_costs=costs if costs is not None else 1,
                approved_costs=costs,
                paid=begin + dt.timedelta(days=30) if paid and costs is not None else None,
            )
        )
    return requests


# --- exact examples: the fictional cases --------------------------------------------------


def test_payments_up_to_the_cap_with_a_withheld_part():
    """20,00 %, max 400 000 kr, 10 % of the max (40 000 kr) withheld until the final report."""
    s = case_schedule(load_case(CASES / "fiktiv-uppfoljning-tak.yaml", as_of=as_of_date()))
    assert s.withheld == 40_000 and s.advance == 0
    rows = [(x.cumulative_approved, x.by_share_exact, x.entitled, x.ceiling, x.paid_before, x.payable) for x in s.lines]
    assert rows == [
        (600_000, Decimal("120000"), 120_000, 360_000, 0, 120_000),
        (1_300_000, Decimal("260000"), 260_000, 360_000, 120_000, 140_000),
        (1_940_000, Decimal("388000"), 388_000, 360_000, 260_000, 100_000),  # the withheld part binds
        (2_000_000, Decimal("400000"), 400_000, 400_000, 360_000, 40_000),  # the cap is reached; report is in
    ]
    assert (s.paid_total, s.payable_total, s.remaining, s.cap_reached) == (400_000, 400_000, 0, True)


def test_an_advance_counted_against_later_payments():
    """25 % of 300 000 + 420 000 kr approved, after an advance of 100 000 kr."""
    s = case_schedule(load_case(CASES / "fiktiv-uppfoljning-forskott.yaml", as_of=as_of_date()))
    assert s.advance == 100_000
    rows = [(x.entitled, x.paid_before, x.advance_counted, x.payable) for x in s.lines]
    assert rows == [(60_000, 100_000, 60_000, 0), (144_000, 100_000, 40_000, 44_000)]
    assert s.pending == (3,)  # still under review: not counted
    assert (s.paid_total, s.remaining, s.advance_unsettled) == (144_000, 256_000, 0)


def test_an_unsettled_advance_is_what_approved_costs_do_not_cover():
    s = schedule(_requests([100_000]), Decimal("20.00"), 400_000, advance=100_000)
    assert (s.lines[0].entitled, s.lines[0].payable, s.advance_unsettled) == (20_000, 0, 80_000)


def test_rounding_is_down_on_the_cumulative_costs_not_per_request():
    """12,10 % of 1 kr twice: 0,121 kr each, rounded down per request would never pay; the
    cumulative rule pays nothing until the cumulative share reaches a whole krona."""
    s = schedule(_requests([5, 4]), Decimal("12.10"), 750_000)
    assert [x.payable for x in s.lines] == [0, 1]  # 0,605 kr → 0; 1,089 kr → 1
    assert [x.by_share_exact for x in s.lines] == [Decimal("0.6050"), Decimal("1.0890")]


def test_spin_figures_reach_the_cap_just_above_the_threshold():
    """SPIN's decided share and cap (the memo): 12,10 % of 6 198 347 kr is 749 999 kr."""
    below = schedule(_requests([6_198_347]), Decimal("12.10"), 750_000)
    above = schedule(_requests([6_198_348]), Decimal("12.10"), 750_000)
    assert below.payable_total == 749_999 and above.payable_total == 750_000


def test_withheld_amount_is_rounded_down():
    assert withheld_amount(750_000, Decimal("10")) == 75_000
    assert withheld_amount(333_333, Decimal("10")) == 33_333  # 33 333,3 kr
    assert withheld_amount(400_000, None) == 0


def test_the_withheld_part_is_paid_with_the_request_that_comes_with_the_final_report():
    requests = _requests([2_000_000, 0])
    held = schedule(requests, Decimal("20"), 400_000, withheld=40_000)
    released = schedule(requests, Decimal("20"), 400_000, withheld=40_000, final_report_received=requests[1].received)
    assert [x.payable for x in held.lines] == [360_000, 0]
    assert [x.payable for x in released.lines] == [360_000, 40_000]


def test_a_schedule_without_reviewed_requests_has_nothing_approved():
    s = schedule([], Decimal("20"), 400_000, advance=100_000)
    assert (s.approved_total, s.payable_total, s.paid_total, s.remaining) == (0, 100_000, 100_000, 300_000)
    assert (s.advance_unsettled, s.cap_reached) == (100_000, False)


def test_an_advance_above_the_maximum_is_refused():
    with pytest.raises(ValueError):
        schedule([], Decimal("20"), 100, advance=101)


# --- stage ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("fiktiv-uppfoljning-tak", Stage.FINAL_REPORT_RECEIVED),
        ("fiktiv-uppfoljning-forskott", Stage.IN_PROGRESS),
        ("fiktiv-uppfoljning-sen", Stage.FINAL_REPORT_RECEIVED),
        ("fiktiv-uppfoljning-avslutad", Stage.CLOSED),
        ("fiktiv-bas", Stage.DECIDED),
    ],
)
def test_stage_of_the_fictional_cases(name, expected):
    assert stage(load_case(CASES / f"{name}.yaml", as_of=as_of_date()), dt.date(2100, 10, 1)) is expected


def test_stage_of_spin_is_proposal(spin):
    assert stage(spin, dt.date(2030, 1, 1)) is Stage.PROPOSAL


def test_a_final_report_is_due_then_overdue():
    case = load_case(
        CASES / "fiktiv-uppfoljning-forskott.yaml", as_of=as_of_date()
    )  # project ends 2100-12-31, report due 2101-02-28
    assert stage(case, dt.date(2100, 12, 31)) is Stage.IN_PROGRESS
    assert stage(case, dt.date(2101, 1, 1)) is Stage.FINAL_REPORT_DUE
    assert stage(case, dt.date(2101, 2, 28)) is Stage.FINAL_REPORT_DUE
    assert stage(case, dt.date(2101, 3, 1)) is Stage.FINAL_REPORT_OVERDUE


def test_as_of_date_follows_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764460800")  # 2025-11-30T00:00:00Z
    assert as_of_date() == dt.date(2025, 11, 30)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert as_of_date() == dt.datetime.now(dt.UTC).date()


# --- properties ---------------------------------------------------------------------------

costs = st.lists(st.integers(min_value=0, max_value=50_000_000), min_size=1, max_size=8)
shares = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2)
caps = st.integers(min_value=1, max_value=200_000_000)


@settings(max_examples=300)
@given(approved=costs, share=shares, cap=caps, data=st.data())
def test_cumulative_payable_never_exceeds_the_cap_nor_the_share_of_approved_costs(approved, share, cap, data):
    advance = data.draw(st.integers(min_value=0, max_value=cap))
    s = schedule(_requests(approved), share, cap, advance=advance)
    cumulative = advance
    for index, line in enumerate(s.lines):
        cumulative += line.payable
        by_share = Fraction(share) * sum(approved[: index + 1]) / 100
        assert cumulative <= cap
        assert cumulative - advance <= max(0, by_share - advance)  # payments beyond the advance
        if advance == 0:
            assert cumulative <= by_share


@settings(max_examples=300)
@given(approved=costs, share=shares, cap=caps, data=st.data())
def test_the_total_does_not_depend_on_how_costs_are_split_over_requests(approved, share, cap, data):
    total = sum(approved)
    cuts = sorted(data.draw(st.lists(st.integers(min_value=0, max_value=total), max_size=6)))
    resplit = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    advance = data.draw(st.integers(min_value=0, max_value=cap))
    one = schedule(_requests(approved), share, cap, advance=advance)
    other = schedule(_requests(resplit), share, cap, advance=advance)
    whole = schedule(_requests([total]), share, cap, advance=advance)
    assert one.payable_total == other.payable_total == whole.payable_total
    assert one.remaining == other.remaining == whole.remaining


@settings(max_examples=300)
@given(approved=costs, share=shares, cap=caps, data=st.data())
def test_nothing_is_paid_twice(approved, share, cap, data):
    """Each krona is paid once: every payment is non-negative, each request pays exactly what
    it adds to the cumulative limit, and a repeated schedule pays nothing more."""
    advance = data.draw(st.integers(min_value=0, max_value=cap))
    s = schedule(_requests(approved), share, cap, advance=advance)
    assert all(line.payable >= 0 for line in s.lines)
    for before, after in zip(s.lines, s.lines[1:], strict=False):
        assert after.paid_before == before.cumulative_payable
    final_limit = s.lines[-1].limit
    assert s.payable_total == max(advance, final_limit)
    assert s.remaining == cap - max(advance, final_limit) >= 0
    # Requests with nothing new approved (a resubmission) add nothing.
    again = schedule(_requests([*approved, 0, 0]), share, cap, advance=advance)
    assert again.payable_total == s.payable_total and [x.payable for x in again.lines[-2:]] == [0, 0]
    # The advance is counted once: it never adds to what approved costs allow beyond it.
    assert sum(x.advance_counted for x in s.lines) == min(advance, final_limit)


@settings(max_examples=200)
@given(
    approved=costs,
    share=shares,
    cap=caps,
    percent=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2),
)
def test_the_withheld_part_is_never_paid_before_the_final_report(approved, share, cap, percent):
    withheld = withheld_amount(cap, percent)
    s = schedule(_requests(approved), share, cap, withheld=withheld)
    assert s.payable_total <= cap - withheld
