"""The follow-up on the case page: nothing without a follow-up, each computation shown with one."""

from __future__ import annotations

import re

import nbformat
import pytest
from conftest import REFERENCE_DIR, REPO, SPIN_PATH

from casebook.domain.clock import as_of_date
from casebook.render.case_view import prepare

CASES = REPO / "tests" / "cases"
FIXED_DAY = "1764460800"  # SOURCE_DATE_EPOCH for 2025-11-30


def _view(name: str):
    return prepare(CASES / f"fiktiv-uppfoljning-{name}.yaml", REFERENCE_DIR, as_of=as_of_date())


def _cells(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    return [[c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows if "<td" in row]


def test_spin_shows_no_follow_up():
    view = prepare(SPIN_PATH, as_of=as_of_date())
    assert view.follow_up_status() is None
    assert view.payment_requests_table() is None
    assert view.cumulative_payment_chart() is None
    assert view.indicator_outcomes_table() is None


def test_status_line_states_the_build_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", FIXED_DAY)
    assert _view("forskott").follow_up_status().data == (
        '<p class="casebook-status"><strong>Läge per byggdatum 2025-11-30:</strong> Pågår. Utbetalt 144\xa0000\xa0kr av '
        "maxbeloppet 400\xa0000\xa0kr (36,00\xa0%); att betala sammanlagt 144\xa0000\xa0kr, kvar 256\xa0000\xa0kr. "
        "Slutrapporten ska komma in senast 2101-02-28.</p>"
    )


def test_status_line_says_when_the_cap_is_reached():
    assert "Maxbeloppet är nått." in _view("tak").follow_up_status().data
    assert "Maxbeloppet är nått." not in _view("forskott").follow_up_status().data


def test_status_line_of_an_overdue_final_report(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "4139164800")  # 2101-03-02
    text = _view("forskott").follow_up_status().data
    assert "Slutrapporten är försenad." in text
    assert "Slutrapporten skulle ha kommit in senast 2101-02-28 och är 2 dagar försenad." in text


def test_status_line_of_a_closed_case(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", FIXED_DAY)
    text = _view("avslutad").follow_up_status().data
    assert "</strong> Avslutat." in text and "outnyttjat 34\xa0000\xa0kr" in text
    assert text.endswith("Ärendet avslutades 2019-03-15.</p>")


def test_each_payment_shows_its_computation():
    rows = _cells(_view("tak").payment_requests_table().data)
    assert rows[2][:2] == [
        "3: 2018-03-01 – 2018-08-31, inkom 2018-09-15",
        "redovisade 650\xa0000\xa0kr, godkända 640\xa0000\xa0kr",
    ]
    assert rows[2][2] == (
        "20,00\xa0% × 1\xa0940\xa0000\xa0kr = 388\xa0000\xa0kr, högst 360\xa0000\xa0kr före slutrapporten; "
        "− betalt tidigare 260\xa0000\xa0kr = 100\xa0000\xa0kr"
    )
    assert [r[3] for r in rows] == [
        "120\xa0000\xa0kr",
        "140\xa0000\xa0kr",
        "100\xa0000\xa0kr",
        "40\xa0000\xa0kr",
        "400\xa0000\xa0kr",
    ]
    assert rows[-1] == [
        "Summa",
        "redovisade 2\xa0090\xa0000\xa0kr, godkända 2\xa0000\xa0000\xa0kr",
        "kvar av maxbeloppet 0\xa0kr",
        "400\xa0000\xa0kr",
        "utbetalt 400\xa0000\xa0kr",
    ]


def test_the_advance_and_a_request_under_review_are_shown():
    rows = _cells(_view("forskott").payment_requests_table().data)
    assert rows[0][0] == "Förskott" and rows[0][3] == "100\xa0000\xa0kr"
    assert rows[1][2].endswith("betalt tidigare 100\xa0000\xa0kr är mer, så 0\xa0kr")
    assert rows[3][1:] == [
        "redovisade 500\xa0000\xa0kr, godkända under granskning",
        "beräknas när kostnaderna är granskade",
        "–",
        "inte utbetald",
    ]


def test_cumulative_chart_is_deterministic_and_shows_the_cap():
    first, second = _view("tak").cumulative_payment_chart().data, _view("tak").cumulative_payment_chart().data
    assert first == second
    assert "Maxbelopp 400\xa0000\xa0kr" in first and "Högst före slutrapporten 360\xa0000\xa0kr" in first
    assert "2017-10-15" in first or "2018-01-01" in first  # ISO dates on the time axis


def test_indicator_outcomes_against_targets():
    assert _cells(_view("tak").indicator_outcomes_table().data) == [
        ["Fiktiva underlag", "2 stycken", "3 stycken", "150\xa0%", "2019-01-30"]
    ]
    assert _cells(_view("sen").indicator_outcomes_table().data)[0][2] == "inte redovisat"


def test_the_notebook_shows_the_follow_up_in_one_block_after_its_section():
    cells = nbformat.read(REPO / "notebooks" / "case_report.ipynb", 4).cells
    start = next(i for i, c in enumerate(cells) if c.source.startswith("## Uppföljning"))
    block = [c.source.splitlines()[-1] for c in cells[start + 2 : start + 6]]
    assert block == [
        "report.follow_up_status()",
        "report.payment_requests_table()",
        "report.cumulative_payment_chart()",
        "report.indicator_outcomes_table()",
    ]
    assert all(not c.outputs for c in cells[start + 2 : start + 6])  # SPIN, a proposal: nothing shown
    assert cells[start + 4].metadata["mystnb"]["image"]["alt"].startswith("Trappstegsdiagram")


@pytest.mark.parametrize("name", ["tak", "forskott", "sen", "avslutad"])
def test_case_text_is_escaped(name):
    html = _view(name).payment_requests_table().data
    assert "<script" not in html and "Utbetalningsbegäranden" in html
