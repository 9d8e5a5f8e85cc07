"""Both sides of every date rule of the follow-up, and the payment cases that small mutations of
the arithmetic got past (issue 20's mutation run): each test fails when its boundary or its
term is changed by one."""

from __future__ import annotations

import copy
import datetime as dt
import time
from decimal import Decimal

import pytest
from conftest import REPO, evaluate_case

from casebook.domain.case_file import load_case
from casebook.domain.clock import as_of_date
from casebook.domain.model import Case, FinancierKind, PaymentRequest
from casebook.domain.payments import Stage, case_schedule, schedule, stage, withheld_amount
from casebook.domain.rules import Outcome

CASES = REPO / "tests" / "cases"
DAY = dt.timedelta(days=1)


def _case(name: str) -> Case:
    return load_case(CASES / f"fiktiv-uppfoljning-{name}.yaml", as_of=as_of_date())


def _with(case: Case, change) -> Case:
    data = copy.deepcopy(case.model_dump())
    change(data)
    return Case.model_validate(data)


def _result(case: Case, rule_id: str) -> tuple[Outcome, str]:
    result = evaluate_case(case)[rule_id]
    return result.outcome, result.evidence


def _epoch(day: dt.date) -> str:
    return str(int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()))


# --- The final report: received on the last day, or the day after -------------------------


@pytest.mark.parametrize(
    ("days_late", "expected"),
    [
        (-1, (Outcome.MET, None)),
        (0, (Outcome.MET, None)),
        (1, (Outcome.NOT_MET, " Den kom in 1 dag för sent.")),
        (2, (Outcome.NOT_MET, " Den kom in 2 dagar för sent.")),
    ],
)
def test_a_final_report_on_its_last_day_is_in_time_and_a_day_later_is_late(days_late, expected):
    case = _case("avslutad")
    due = case.dates.final_report_due
    received = due + days_late * DAY
    case = _with(case, lambda d: d["follow_up"]["final_report"].update(received=received, approved=received + 10 * DAY))
    outcome, evidence = _result(case, "uppfoljning-slutrapport-i-tid")
    assert outcome is expected[0]
    assert evidence == f"Slutrapporten inkom {received.isoformat()}, sista dag {due.isoformat()}." + (expected[1] or "")


@pytest.mark.parametrize(
    ("days_after", "outcome", "ending"),
    [
        (0, Outcome.NOT_APPLICABLE, "är inte försenad per byggdatum 2101-02-28: sista dag 2101-02-28."),
        (1, Outcome.NOT_MET, "Försenad med 1 dag per byggdatum 2101-03-01."),
        (2, Outcome.NOT_MET, "Försenad med 2 dagar per byggdatum 2101-03-02."),
    ],
)
def test_a_missing_final_report_is_late_from_the_day_after_its_last_day(days_after, outcome, ending, monkeypatch):
    case = _case("forskott")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _epoch(case.dates.final_report_due + days_after * DAY))
    assert _result(case, "uppfoljning-slutrapport-i-tid")[0] is outcome
    assert _result(case, "uppfoljning-slutrapport-i-tid")[1].endswith(ending)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ("project_end", Stage.IN_PROGRESS),
        ("project_end+1", Stage.FINAL_REPORT_DUE),
        ("final_report_due", Stage.FINAL_REPORT_DUE),
        ("final_report_due+1", Stage.FINAL_REPORT_OVERDUE),
    ],
)
def test_the_stage_changes_the_day_after_the_project_ends_and_the_day_after_the_report_is_due(today, expected):
    case = _case("forskott")
    name, _, plus = today.partition("+")
    assert stage(case, getattr(case.dates, name) + int(plus or 0) * DAY) is expected


# --- Payment requests after the project period --------------------------------------------


def _last_request(case: Case, **changes) -> Case:
    return _with(case, lambda d: d["follow_up"]["payment_requests"][-1].update(changes))


@pytest.mark.parametrize(("offset", "outcome"), [(-1, Outcome.MET), (0, Outcome.MET), (1, Outcome.NOT_MET)])
def test_a_request_on_the_terms_last_day_is_accepted_and_a_day_later_is_not(offset, outcome):
    case = _case("tak")
    last = case.follow_up.terms.last_payment_request
    outcome_now, evidence = _result(_last_request(case, received=last + offset * DAY), "uppfoljning-efter-projekttiden")
    assert outcome_now is outcome, evidence


@pytest.mark.parametrize(("offset", "after"), [(0, False), (1, True)])
def test_a_request_received_on_the_projects_last_day_is_within_the_period(offset, after):
    case = _case("tak")
    end = case.dates.project_end
    case = _last_request(case, received=end + offset * DAY, period_end=end, paid=end + 40 * DAY)
    outcome, evidence = _result(case, "uppfoljning-efter-projekttiden")
    assert outcome is Outcome.MET
    assert ("Efter projekttiden kom begäran 4" in evidence) is after
    assert ("Alla 4 begäranden kom in under projekttiden." in evidence) is not after


@pytest.mark.parametrize(("offset", "outside"), [(0, False), (1, True)])
def test_costs_up_to_the_projects_last_day_belong_to_the_period(offset, outside):
    case = _case("tak")
    case = _last_request(case, period_end=case.dates.project_end + offset * DAY)
    outcome, evidence = _result(case, "uppfoljning-efter-projekttiden")
    assert (outcome is Outcome.NOT_MET) is outside
    assert ("redovisar kostnader efter projekttiden" in evidence) is outside


# --- The withheld part and the advance ----------------------------------------------------


def _request(received: dt.date, approved: int, paid: bool = True) -> PaymentRequest:
    return PaymentRequest(
        period_start=received - 30 * DAY,
        period_end=received - DAY,
        received=received,
        reported_costs=approved,
        approved_costs=approved,
        paid=received + DAY if paid else None,
    )


@pytest.mark.parametrize(("report_offset", "released"), [(0, True), (-1, True), (1, False)])
def test_the_withheld_part_is_released_with_a_request_received_on_or_after_the_report(report_offset, released):
    received = dt.date(2100, 6, 1)
    s = schedule(
        [_request(received, 1_000_000)],
        Decimal("50"),
        400_000,
        withheld=40_000,
        final_report_received=received + report_offset * DAY,
    )
    assert s.lines[0].ceiling == (400_000 if released else 360_000)
    assert s.lines[0].payable == (400_000 if released else 360_000)


def test_an_advance_is_counted_against_what_the_withheld_part_lets_be_paid():
    """The advance covered by a request is what may be paid by then: entitled, less the withheld part."""
    s = schedule([_request(dt.date(2100, 6, 1), 360_000)], Decimal("50"), 400_000, advance=200_000, withheld=250_000)
    line = s.lines[0]
    assert (line.entitled, line.ceiling, line.advance_counted, line.payable) == (180_000, 150_000, 150_000, 0)
    assert s.advance_unsettled == 20_000  # entitled 180 000 kr covers all but 20 000 kr of the advance


def test_an_advance_alone_is_paid_counted_and_the_case_in_progress():
    case = _with(_case("forskott"), lambda d: d["follow_up"].update(payment_requests=[]))
    s = case_schedule(case)
    assert (s.advance, s.payable_total, s.paid_total, s.remaining, s.advance_unsettled) == (
        100_000,
        100_000,
        100_000,
        300_000,
        100_000,
    )
    outcome, evidence = _result(case, "uppfoljning-utbetalning-inom-andel-och-tak")
    assert outcome is Outcome.MET
    assert "Förskott 100\xa0000\xa0kr räknas av." in evidence and "kvar av maxbeloppet 300\xa0000\xa0kr" in evidence
    assert stage(case, case.dates.project_start) is Stage.IN_PROGRESS
    without = _with(case, lambda d: d["follow_up"].update(advance=None))
    assert stage(without, case.dates.project_start) is Stage.DECIDED


def test_what_remains_of_the_maximum_counts_what_is_payable_not_only_what_is_paid():
    case = _case("forskott")  # requests 1 and 2 paid, 3 under review
    unpaid = _with(case, lambda d: d["follow_up"]["payment_requests"][1].update(paid=None))
    paid, payable = case_schedule(case), case_schedule(unpaid)
    assert payable.payable_total == paid.payable_total == 144_000
    assert (payable.paid_total, payable.remaining) == (100_000, 400_000 - 144_000)
    assert (
        "varav utbetalt 100\xa0000\xa0kr; kvar av maxbeloppet 256\xa0000\xa0kr"
        in _result(unpaid, "uppfoljning-utbetalning-inom-andel-och-tak")[1]
    )


def test_an_advance_above_a_lowered_decided_maximum_counts_as_the_maximum():
    case = _with(_case("forskott"), lambda d: d["status"].update(decided_max_amount=80_000))
    s = case_schedule(case)
    assert (s.max_amount, s.advance) == (80_000, 80_000)


def test_a_closed_case_is_judged_on_what_an_open_one_is_not():
    # An advance that approved costs do not cover: to review once the case is closed, not while it is open.
    def first_request_only(d):
        d["follow_up"]["payment_requests"] = d["follow_up"]["payment_requests"][:1]

    open_case = _with(_case("forskott"), first_request_only)
    assert case_schedule(open_case).advance_unsettled == 40_000
    assert _result(open_case, "uppfoljning-utbetalning-inom-andel-och-tak")[0] is Outcome.MET
    closed = _with(open_case, lambda d: d["follow_up"].update(closed=dt.date(2101, 3, 1)))
    assert _result(closed, "uppfoljning-utbetalning-inom-andel-och-tak")[0] is Outcome.REVIEW
    # Indicator outcomes are due when the case is closed, even without a received final report.
    no_report = _with(_case("avslutad"), lambda d: d["follow_up"].update(final_report=None, indicator_outcomes=[]))
    assert _result(no_report, "uppfoljning-indikatorutfall")[0] is Outcome.NOT_MET
    still_open = _with(no_report, lambda d: d["follow_up"].update(closed=None))
    assert _result(still_open, "uppfoljning-indikatorutfall")[0] is Outcome.NOT_APPLICABLE


@pytest.mark.parametrize(("target", "outcome"), [(0, Outcome.NOT_APPLICABLE), (1, Outcome.NOT_MET)])
def test_an_indicator_without_a_target_needs_no_outcome(target, outcome):
    case = _with(_case("sen"), lambda d: d["indicators"][0].update(target=target))
    assert _result(case, "uppfoljning-indikatorutfall")[0] is outcome


# --- The build date is a UTC date, whatever the machine's time zone ------------------------


@pytest.fixture
def time_zone(monkeypatch):
    """Set the process's time zone (``TZ``) for the test; restored afterwards."""

    def use(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("zone", ["Etc/GMT+12", "Etc/GMT-14"])  # UTC−12 and UTC+14
def test_source_date_epoch_is_read_as_a_utc_date_in_any_time_zone(zone, time_zone, monkeypatch):
    time_zone(zone)
    monkeypatch.setenv(
        "SOURCE_DATE_EPOCH",
        _epoch(dt.date(2101, 3, 1)) if zone == "Etc/GMT+12" else str(int(_epoch(dt.date(2101, 3, 1))) - 1),
    )  # 2101-02-28T23:59:59Z
    assert as_of_date() == (dt.date(2101, 3, 1) if zone == "Etc/GMT+12" else dt.date(2101, 2, 28))


def test_today_is_the_utc_date_in_any_time_zone(time_zone, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    now = dt.datetime.now(dt.UTC)
    # A zone whose local date is not the UTC date at this hour: behind before noon UTC, ahead after.
    time_zone("Etc/GMT+12" if now.hour < 12 else "Etc/GMT-14")
    assert dt.datetime.now().date() != now.date()  # the zone's date does differ
    assert as_of_date() == dt.datetime.now(dt.UTC).date()


# --- A decided advance that was not paid, terms not recorded, requests not paid -------------


def test_a_decided_advance_counts_only_once_it_is_paid():
    case = _with(_case("forskott"), lambda d: d["follow_up"].update(advance=None))
    assert case.decision.advance is not None
    assert case_schedule(case).advance == 0


def test_a_follow_up_without_recorded_terms_withholds_nothing():
    case = _with(_case("tak"), lambda d: d["follow_up"].update(terms=None))
    assert case_schedule(case).withheld == 0


def test_a_case_whose_requests_are_reviewed_but_not_paid_is_not_yet_in_progress():
    unpaid = _with(
        _case("forskott"),
        lambda d: (
            d["follow_up"].update(advance=None),
            [r.update(paid=None) for r in d["follow_up"]["payment_requests"]],
        ),
    )
    assert stage(unpaid, unpaid.dates.project_start) is Stage.DECIDED
    one_paid = _with(unpaid, lambda d: d["follow_up"]["payment_requests"][0].update(paid=dt.date(2017, 10, 1)))
    assert stage(one_paid, unpaid.dates.project_start) is Stage.IN_PROGRESS


# --- The arithmetic's own edges (survivors of the mutation run in payments.py and finance.py) ---


def test_withheld_and_payable_amounts_are_rounded_down_even_above_a_half():
    from casebook.domain.finance import payable

    assert withheld_amount(99_999, Decimal("10.5")) == 10_499  # 10 499,895 kr
    assert payable(99_999, Decimal("10.5"), 1_000_000) == 10_499


def test_the_whole_maximum_may_be_withheld_and_nothing_more():
    s = schedule([_request(dt.date(2100, 6, 1), 1_000_000)], Decimal("50"), 400_000, withheld=400_000)
    assert s.lines[0].payable == 0
    with pytest.raises(ValueError, match="^the withheld amount must be between 0 and the maximum amount$"):
        schedule([], Decimal("50"), 400_000, withheld=400_001)
    with pytest.raises(ValueError, match="^the advance must be between 0 and the maximum amount$"):
        schedule([], Decimal("50"), 400_000, advance=-1)


def test_a_request_under_review_is_skipped_and_the_later_ones_counted_by_their_numbers():
    requests = [
        _request(dt.date(2100, 2, 1), 100_000),
        _request(dt.date(2100, 3, 1), 0),
        _request(dt.date(2100, 4, 1), 300_000),
    ]
    requests[1] = requests[1].model_copy(update={"approved_costs": None, "paid": None})
    s = schedule(requests, Decimal("20"), 400_000)
    assert s.pending == (2,)
    assert [(line.number, line.cumulative_approved, line.payable) for line in s.lines] == [
        (1, 100_000, 20_000),
        (3, 400_000, 60_000),
    ]


def test_a_share_of_one_krona_and_the_errors_of_the_arithmetic():
    from casebook.domain.finance import payable, percent

    assert percent(1, 1) == 100
    with pytest.raises(ValueError, match="^the whole must be positive$"):
        percent(1, 0)
    with pytest.raises(ValueError, match="^approved costs cannot be negative$"):
        payable(-1, Decimal("10"), 100)


def test_the_figures_of_the_fictional_base_case(fictional_base):
    """20 % of 2 000 000 kr is exactly the maximum 400 000 kr: the cap does not bind within the plan."""
    from casebook.domain.finance import financing_figures

    f = financing_figures(fictional_base)
    assert (f.cap.total, f.cap.share_of_total, f.cap.cap_binds_within_plan) == (2_000_000, Decimal("400000"), False)
    assert (f.public_amount, f.private_amount) == (1_800_000, 200_000)
    assert f.ordinance.other_decision_makers == 1


def test_the_ordinance_grants_of_spin_count_each_kind_once(spin):
    """SPIN: Tillväxtverket's national grant and one regional grant under the ordinance (the
    other regions' money is regional_public: the memo does not say it is 1:1 money)."""
    from casebook.domain.finance import financing_figures

    f = financing_figures(spin)
    assert f.ordinance.other_decision_makers == 1
    assert [s.financier for s in f.ordinance.lines] == ["Tillväxtverket", "Region Jämtland Härjedalen"]
    no_national = spin.model_copy(
        update={
            "financing_plan": [
                line.model_copy(update={"kind": FinancierKind.OTHER_PUBLIC})
                if line.kind is FinancierKind.NATIONAL_GRANT_2003_596
                else line
                for line in spin.financing_plan
            ]
        }
    )
    assert [s.financier for s in financing_figures(no_national).ordinance.lines] == ["Region Jämtland Härjedalen"]
    two_regional = spin.model_copy(
        update={
            "financing_plan": [
                line.model_copy(update={"kind": FinancierKind.REGIONAL_GRANT_2003_596})
                if line.kind is FinancierKind.REGIONAL_PUBLIC
                else line
                for line in spin.financing_plan
            ]
        }
    )
    assert financing_figures(two_regional).ordinance.other_decision_makers == 3


def test_the_advance_rule_says_nothing_of_a_settlement_without_a_paid_advance():
    case = _with(_case("forskott"), lambda d: d["follow_up"].update(advance=None))
    assert evaluate_case(case)["11-paragraf-forskott"].evidence == (
        'Förskott 100\xa0000\xa0kr av beviljat stöd högst 400\xa0000\xa0kr. Särskilda skäl: "Fiktivt skäl – '
        'projektägaren saknar likviditet för projektets första kvartal.".'
    )
