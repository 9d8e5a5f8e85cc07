"""The portfolio's follow-up: decided, paid and remaining; overdue final reports; closing soon."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from conftest import REFERENCE_DIR, REPO

from casebook.domain.clock import as_of_date
from casebook.domain.evaluation import evaluate_case
from casebook.engine.validate import evaluated_cases
from casebook.render.portfolio import Portfolio, portfolio_of

CASES = REPO / "tests" / "cases"


def _evaluated(name: str):
    return evaluate_case(CASES / f"{name}.yaml", REFERENCE_DIR, as_of=as_of_date())


def _rows(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    return [
        [re.sub("<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        for r in rows
        if "<td" in r
    ]


def _copies(evaluated, n: int):
    """``n`` copies of one evaluated case under different ids."""
    return tuple(
        dataclasses.replace(evaluated, case=evaluated.case.model_copy(update={"id": f"{evaluated.case.id}-{i}"}))
        for i in range(n)
    )


def test_the_fictional_portfolio_per_decision_maker():
    portfolio = portfolio_of(evaluated_cases(CASES, REFERENCE_DIR, dt.date(2025, 11, 30)), dt.date(2025, 11, 30))
    assert _rows(portfolio.follow_up_by_decision_maker_table().data) == [
        # 6 cases of 400 000 kr but fiktiv-syd 410 000 kr; paid 400 000 + 144 000 + 170 000 + 366 000;
        # remaining for the three open follow-ups 0 + 256 000 + 230 000; the closed case left 34 000 kr unused.
        [
            "Region Dalarna",
            "6",
            "2",
            "2\xa0410\xa0000\xa0kr",
            "1\xa0080\xa0000\xa0kr",
            "486\xa0000\xa0kr",
            "34\xa0000\xa0kr",
        ],
        ["Region Norrbotten", "1", "1", "400\xa0000\xa0kr", "0\xa0kr", "0\xa0kr", "0\xa0kr"],
    ]


def test_one_case_alone():
    portfolio = Portfolio((_evaluated("fiktiv-uppfoljning-forskott"),), as_of=as_of_date())
    assert _rows(portfolio.follow_up_by_year_table().data) == [
        ["2017", "1", "0", "400\xa0000\xa0kr", "144\xa0000\xa0kr", "256\xa0000\xa0kr", "0\xa0kr"]
    ]


def test_a_thousand_cases_are_summed_exactly():
    portfolio = Portfolio(_copies(_evaluated("fiktiv-uppfoljning-forskott"), 1000), as_of=as_of_date())
    frame = portfolio.follow_up_frame()
    assert len(frame) == 1000 and int(frame["paid"].sum()) == 144_000_000
    assert _rows(portfolio.follow_up_by_decision_maker_table().data) == [
        [
            "Region Dalarna",
            "1\xa0000",
            "0",
            "400\xa0000\xa0000\xa0kr",
            "144\xa0000\xa0000\xa0kr",
            "256\xa0000\xa0000\xa0kr",
            "0\xa0kr",
        ]
    ]


def test_a_portfolio_of_one_proposal_has_empty_follow_up_tables():
    portfolio = Portfolio(
        (evaluate_case(REPO / "data" / "cases" / "rjh-2025-spin.yaml", as_of=as_of_date()),), as_of=as_of_date()
    )
    assert portfolio.follow_up_frame().empty
    assert _rows(portfolio.follow_up_by_decision_maker_table().data) == []
    assert _rows(portfolio.follow_up_by_year_table().data) == []
    assert "Ingen slutrapport är försenad" in portfolio.overdue_final_reports_table().data
    assert "Inget beviljat projekt slutar inom 90 dagar" in portfolio.closing_soon_table().data


def test_proposals_are_not_counted_as_decided(spin):
    spin_evaluated = evaluate_case(REPO / "data" / "cases" / "rjh-2025-spin.yaml", as_of=as_of_date())
    portfolio = Portfolio((spin_evaluated, _evaluated("fiktiv-uppfoljning-tak")), as_of=as_of_date())
    assert list(portfolio.follow_up_frame()["case_id"]) == ["fiktiv-uppfoljning-tak"]


def test_overdue_final_reports_as_of_the_build_date():
    reports = (_evaluated("fiktiv-uppfoljning-forskott"), _evaluated("fiktiv-uppfoljning-tak"))
    html = Portfolio(reports, as_of=dt.date(2101, 3, 10)).overdue_final_reports_table().data
    assert "Försenade slutrapporter per byggdatum 2101-03-10 (1 st.)" in html
    assert _rows(html) == [["FIKTIVT TESTÄRENDE – Förskott som avräknas", "Region Dalarna", "2101-02-28", "10"]]
    assert (
        "Ingen slutrapport är försenad"
        in Portfolio(reports, as_of=dt.date(2101, 2, 28)).overdue_final_reports_table().data
    )


def test_cases_closing_soon():
    reports = (_evaluated("fiktiv-uppfoljning-forskott"), _evaluated("fiktiv-uppfoljning-avslutad"))
    closing = Portfolio(reports, as_of=dt.date(2100, 10, 2)).closing_soon_table().data  # 90 days before 2100-12-31
    assert _rows(closing) == [
        ["FIKTIVT TESTÄRENDE – Förskott som avräknas", "2100-12-31", "2101-02-28", "256\xa0000\xa0kr", "Pågår"]
    ]
    assert (
        "Inget beviljat projekt slutar inom 90 dagar"
        in Portfolio(reports, as_of=dt.date(2100, 10, 1)).closing_soon_table().data
    )
