"""Spreadsheet formula injection (OWASP "CSV injection"): text from a case file that starts
with =, +, -, @, tab or carriage return must arrive inert in the CSV and xlsx downloads,
while amounts stay numbers. The hostile fictional case carries such text in its reference,
a financier's name, the appropriation and the decision's status.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from conftest import REFERENCE_DIR, REPO
from openpyxl import load_workbook

from casebook.domain.evaluation import evaluate_case
from casebook.domain.reference import load_regional_actors
from casebook.render.opendata import write_open_data
from casebook.render.opendata_tables import FORMULA_TRIGGERS, inert_text

HOSTILE = REPO / "tests" / "hostile" / "fiktiv-injektion.yaml"
FORMULAS = ('=HYPERLINK("https://example.invalid/x","klicka")', "-2+3+cmd|' /C calc'!A0", "=1+1 ", "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    write_open_data(out, [evaluate_case(HOSTILE, REFERENCE_DIR)], load_regional_actors(REFERENCE_DIR),
                    modified=dt.datetime(2099, 3, 1, tzinfo=dt.UTC))
    return out


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_every_formula_trigger_is_neutralised(trigger):
    assert inert_text(trigger + "1+1") == "'" + trigger + "1+1"


def test_ordinary_text_is_unchanged():
    assert inert_text("Region Dalarna") == "Region Dalarna"
    assert inert_text("12,10 % – enligt plan") == "12,10 % – enligt plan"


def _cells(written) -> list[str]:
    text = (written / "beslut.csv").read_text(encoding="utf-8") + (written / "finansieringsplaner.csv").read_text(encoding="utf-8")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_hostile_text_arrives_inert_in_csv(written):
    cells = _cells(written)
    for formula in FORMULAS:
        matching = [c for c in cells if formula in c]
        assert matching, formula
        assert all(c.startswith("'") for c in matching), matching
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]


def test_amounts_stay_numbers_in_csv(written):
    decisions = list(csv.DictReader(io.StringIO((written / "beslut.csv").read_text(encoding="utf-8"))))
    assert decisions[0]["total_financing_sek"] == "2000000" and decisions[0]["proposed_max_amount_sek"] == "400000"
    plans = list(csv.DictReader(io.StringIO((written / "finansieringsplaner.csv").read_text(encoding="utf-8"))))
    assert [p["amount_sek"] for p in plans] == ["800000", "400000", "600000", "200000"]


def test_hostile_text_arrives_inert_in_xlsx(written):
    workbook = load_workbook(written / "medfinansiering.xlsx")
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no cell is a formula
    texts = [c.value for c in cells if isinstance(c.value, str)]
    for formula in FORMULAS:
        matching = [t for t in texts if formula in t]
        assert matching and all(t.startswith("'") for t in matching), formula


def test_amounts_stay_numbers_in_xlsx(written):
    sheet = load_workbook(written / "medfinansiering.xlsx")["Finansieringsplaner"]
    header = [c.value for c in sheet[1]]
    amounts = [row[header.index("Belopp (kr)")].value for row in sheet.iter_rows(min_row=2)]
    assert amounts == [800_000, 400_000, 600_000, 200_000] and all(type(a) is int for a in amounts)


def test_without_the_guard_the_xlsx_would_hold_a_formula(tmp_path):
    """What the guard protects against: openpyxl stores text starting with = as a formula."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(['=HYPERLINK("https://example.invalid/x","klicka")'])
    workbook.save(tmp_path / "naive.xlsx")
    assert load_workbook(tmp_path / "naive.xlsx").active["A1"].data_type == "f"
