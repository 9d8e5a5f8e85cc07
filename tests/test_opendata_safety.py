"""Spreadsheet formula injection (OWASP "CSV injection"): text from a case file that starts
with =, +, -, @, tab or carriage return must arrive inert in the CSV and xlsx downloads,
while amounts stay numbers. The hostile fictional case carries such text in its reference,
a financier's name, the appropriation and the decision's status. It records no follow-up:
the payments table carries no text from a case file at all (only ids, codes, numbers and
dates), which is checked on its columns, and its sheet holds no formula either.
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
from casebook.render.opendata_tables import FORMULA_TRIGGERS, PAYMENT_COLUMNS, PAYMENT_KIND_LABELS, inert_text

HOSTILE = REPO / "tests" / "hostile" / "fiktiv-injektion.yaml"
FORMULAS = ('=HYPERLINK("https://example.invalid/x","klicka")', "-2+3+cmd|' /C calc'!A0", "=1+1 ", "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    cases = [HOSTILE, REPO / "tests" / "cases" / "fiktiv-uppfoljning-forskott.yaml"]  # and a case with payments
    write_open_data(out, [evaluate_case(p, REFERENCE_DIR) for p in cases], load_regional_actors(REFERENCE_DIR),
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
    assert decisions[0]["case_id"] == "fiktiv-injektion"
    assert decisions[0]["total_financing_sek"] == "2000000" and decisions[0]["proposed_max_amount_sek"] == "400000"
    plans = list(csv.DictReader(io.StringIO((written / "finansieringsplaner.csv").read_text(encoding="utf-8"))))
    assert [p["amount_sek"] for p in plans if p["case_id"] == "fiktiv-injektion"] == ["800000", "400000", "600000", "200000"]


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
    amounts = [row[header.index("Belopp (kr)")].value for row in sheet.iter_rows(min_row=2) if row[0].value == "fiktiv-injektion"]
    assert amounts == [800_000, 400_000, 600_000, 200_000] and all(type(a) is int for a in amounts)


def test_the_payments_table_carries_no_text_from_a_case_file():
    """Every text column of the payments is an id with a pattern, a code with an enum, or a fixed label:
    nothing a case file can fill with a formula."""
    free = [c.name for c in PAYMENT_COLUMNS if c.type == "string" and not (c.enum or c.pattern)]
    assert free == ["kind_label"]
    assert not [label for label in PAYMENT_KIND_LABELS.values() if label.startswith(FORMULA_TRIGGERS)]
    assert PAYMENT_COLUMNS[0].name == "case_id" and PAYMENT_COLUMNS[0].pattern.startswith("^[a-z0-9]")


def test_the_payments_arrive_inert_with_numbers_as_numbers(written):
    text = (written / "utbetalningar.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["payable_sek"] for r in rows] == ["100000", "0", "44000", ""]
    assert not [cell for row in csv.reader(io.StringIO(text)) for cell in row if cell.startswith(FORMULA_TRIGGERS)]
    sheet = load_workbook(written / "medfinansiering.xlsx")["Utbetalningar"]
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    payable = [c.value for c in sheet[1]].index("Att betala (kr)")
    assert [row[payable].value for row in sheet.iter_rows(min_row=2)] == [100_000, 0, 44_000, None]


def test_without_the_guard_the_xlsx_would_hold_a_formula(tmp_path):
    """What the guard protects against: openpyxl stores text starting with = as a formula."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(['=HYPERLINK("https://example.invalid/x","klicka")'])
    workbook.save(tmp_path / "naive.xlsx")
    assert load_workbook(tmp_path / "naive.xlsx").active["A1"].data_type == "f"
