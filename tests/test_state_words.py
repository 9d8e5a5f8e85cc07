"""Words that match the state: a proposal is never counted or named as decided, on any page.

The portfolio, the organisation pages, the case list and the case page, for SPIN (a
proposal), a decided fictional case and a rejected one.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from conftest import REPO, SPIN_PATH

from casebook.domain.clock import as_of_date
from casebook.domain.evaluation import evaluate_case
from casebook.render.case_view import CaseView
from casebook.render.pages import case_table, organisation_page
from casebook.render.portfolio import Portfolio

NBSP = "\N{NO-BREAK SPACE}"
REFERENCE = REPO / "data" / "reference"


def _reports():
    return [
        evaluate_case(SPIN_PATH, as_of=as_of_date()),
        evaluate_case(REPO / "tests" / "cases" / "fiktiv-bas.yaml", REFERENCE, as_of=as_of_date()),
        evaluate_case(REPO / "tests" / "opendata_cases" / "fiktiv-avslag.yaml", REFERENCE, as_of=as_of_date()),
    ]


def _rows(html: str) -> list[list[str]]:
    return [[td.get_text() for td in tr.find_all("td")] for tr in BeautifulSoup(html, "html.parser").select("tbody tr")]


def test_the_portfolio_counts_granted_and_proposed_money_apart():
    portfolio = Portfolio(tuple(_reports()), as_of=as_of_date())
    values = {name: value.text for name, value in portfolio.glue_values().items()}
    assert values["portfolio_cases"] == "3 ärenden"
    assert values["portfolio_granted_cases"] == "1 beviljat ärende"
    assert values["portfolio_decided"] == f"400{NBSP}000{NBSP}kr"  # fiktiv-bas only: not SPIN, not the rejection
    assert values["portfolio_proposal_cases"] == "1 förslag till beslut"
    assert values["portfolio_proposed"] == f"750{NBSP}000{NBSP}kr"
    assert values["portfolio_rejected_cases"] == "1 avslaget ärende"
    by_maker = {row[0]: row for row in _rows(portfolio.by_decision_maker_table().data)}
    assert by_maker["Region Jämtland Härjedalen"][1:4] == ["1", f"0{NBSP}kr", f"750{NBSP}000{NBSP}kr"]
    assert by_maker["Region Dalarna"][1:4] == ["2", f"400{NBSP}000{NBSP}kr", f"0{NBSP}kr"]
    header = [th.get_text() for th in BeautifulSoup(portfolio.by_year_table().data, "html.parser").select("th")]
    assert header == ["År", "Ärenden", "Beviljat, högst", "Föreslaget, inte beslutat", "Projektens finansiering"]
    states = {row[0]: row[4] for row in _rows(portfolio.cases_table().data)}
    assert states["SPIN – Strategisk Planering i Norr"] == "Förslag till beslut"


def test_the_portfolio_text_never_calls_proposals_decided():
    notebook = (REPO / "notebooks" / "portfolio.ipynb").read_text(encoding="utf-8")
    assert "beslutade belopp" not in notebook and "räknas inte som beviljade" in notebook


def test_an_organisation_page_names_a_proposal_as_a_proposal():
    page = organisation_page("Region Jämtland Härjedalen", _reports()).replace("\\", "")  # MyST's escapes
    assert (
        f"Som beslutsfattare: inget beviljat; föreslaget men inte beslutat ännu högst 750{NBSP}000{NBSP}kr i "
        "1 förslag till beslut."
    ) in page
    assert f"beslutsfattare, föreslaget: 12,10{NBSP}%, högst 750{NBSP}000{NBSP}kr" in page
    assert not re.search(r"beviljat högst 750", page)
    dalarna = organisation_page("Region Dalarna", _reports()).replace("\\", "")
    assert (
        f"Som beslutsfattare: beviljat högst 400{NBSP}000{NBSP}kr sammanlagt i 1 beviljat ärende; 1 avslaget ärende."
        in dalarna
    )
    assert "beslutsfattare, avslaget: inget beviljat" in dalarna


def test_the_case_list_names_the_state_of_each_amount():
    table = case_table(_reports())
    assert f'<data value="750000">föreslaget: 12,10{NBSP}%, högst 750{NBSP}000{NBSP}kr</data>' in table
    assert f'<data value="400000">beviljat: 20,00{NBSP}%, högst 400{NBSP}000{NBSP}kr</data>' in table
    assert '<data value="0">avslaget: inget beviljat</data>' in table


def test_the_case_page_of_a_proposal_says_inte_beslutat_and_never_som_mest_betalas():
    spin = CaseView(_reports()[0])
    shown = " ".join(
        BeautifulSoup(html.data, "html.parser").get_text(" ")
        for html in (spin.verdict(), spin.facts_table(), spin.decision_table())
    )
    assert "Inte beslutat ännu" in shown and "uppgift saknas" not in shown
    assert "Som mest betalas" not in shown
