"""Spreadsheet formula injection (OWASP "CSV injection"): text from a case file that starts
with a formula character must arrive inert in the CSV and xlsx downloads, while amounts stay
numbers: in the CSV with a ``'`` first, in the xlsx as a text cell with the quote-prefix
style holding the exact text. The characters are checked from a list written here from
OWASP's own pages, not from the implementation's. The hostile fictional case carries such
text in its reference, a financier's name, the appropriation and the decision's status. It
records no follow-up: the payments table carries no text from a case file at all (only ids,
codes, numbers and dates), which is checked on its columns, and its sheet holds no formula
either.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from conftest import REFERENCE_DIR, REPO
from opendata_support import uniform_history
from openpyxl import load_workbook

from casebook.domain.clock import as_of_date
from casebook.domain.evaluation import evaluate_case
from casebook.domain.reference import load_regional_actors
from casebook.render.opendata import write_open_data
from casebook.render.opendata_tables import (
    DECISIONS,
    PAYMENT_COLUMNS,
    PAYMENT_KIND_LABELS,
    csv_text,
    inert_text,
    xlsx_bytes,
)

HOSTILE = REPO / "tests" / "hostile" / "fiktiv-injektion.yaml"
FORMULAS = (
    '=HYPERLINK("https://example.invalid/x","klicka")',
    "-2+3+cmd|' /C calc'!A0",
    "=1+1 ",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
)
OWASP_CSV_INJECTION = ("=", "+", "-", "@", "\t", "\r")
"""https://owasp.org/www-community/attacks/CSV_Injection: "ensure that no cells begin with any
of the following characters: Equals to (=), Plus (+), Minus (-), At (@), Tab (0x09),
Carriage return (0x0D)"."""
OWASP_ASVS_5_V1_2_10 = ("=", "+", "-", "@", "\t", "\0")
"""OWASP ASVS 5.0, requirement V1.2.10: "special characters (including '=', '+', '-', '@',
'\\t' (tab), and '\\0' (null character)) must be escaped with a single quote if they appear as
the first character in a field value"."""
TRIGGERS = sorted(set(OWASP_CSV_INJECTION) | set(OWASP_ASVS_5_V1_2_10))
XML_TRIGGERS = [t for t in TRIGGERS if t != "\0"]
"""An xlsx is XML, which cannot hold a null character at all: refusing it is the case-file validation's task."""


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    cases = [HOSTILE, REPO / "tests" / "cases" / "fiktiv-uppfoljning-forskott.yaml"]  # and a case with payments
    reports = [evaluate_case(p, REFERENCE_DIR, as_of=as_of_date()) for p in cases]
    write_open_data(
        out, reports, load_regional_actors(REFERENCE_DIR), history=uniform_history(reports), as_of=as_of_date()
    )
    return out


@pytest.mark.parametrize("trigger", TRIGGERS, ids=repr)
def test_every_owasp_trigger_is_neutralised_in_csv(trigger):
    assert inert_text(trigger + "1+1") == "'" + trigger + "1+1"
    row = {c.name: None for c in DECISIONS.columns} | {"title": trigger + "cmd|' /C calc'!A0", "case_id": "x"}
    _, cells = csv.reader(io.StringIO(csv_text([row], DECISIONS.columns)))  # a quoted field may hold a carriage return
    assert cells[1] == "'" + trigger + "cmd|' /C calc'!A0"
    assert not [c for c in cells if c.startswith(tuple(TRIGGERS))]


@pytest.mark.parametrize("trigger", XML_TRIGGERS, ids=repr)
def test_every_owasp_trigger_is_a_quote_prefixed_text_cell_with_the_exact_value_in_xlsx(trigger, tmp_path):
    text = trigger + 'HYPERLINK("https://example.invalid/x","klicka")'
    row = {c.name: None for c in DECISIONS.columns} | {"title": text, "case_id": "x", "reference": "Dnr 1"}
    (tmp_path / "x.xlsx").write_bytes(xlsx_bytes([(DECISIONS, [row])], dt.datetime(2099, 1, 1, tzinfo=dt.UTC)))
    cells = load_workbook(tmp_path / "x.xlsx")["Beslut"][2]
    title, reference = cells[1], cells[2]
    assert (title.value, title.data_type, title.quotePrefix) == (text, "s", True)
    assert (reference.value, reference.quotePrefix) == ("Dnr 1", False)  # ordinary text keeps the ordinary style


def test_ordinary_text_is_unchanged():
    assert inert_text("Region Dalarna") == "Region Dalarna"
    assert inert_text("12,10 % – enligt plan") == "12,10 % – enligt plan"


def _cells(written) -> list[str]:
    text = (written / "beslut.csv").read_text(encoding="utf-8") + (written / "finansieringsplaner.csv").read_text(
        encoding="utf-8"
    )
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
    assert [p["amount_sek"] for p in plans if p["case_id"] == "fiktiv-injektion"] == [
        "800000",
        "400000",
        "600000",
        "200000",
    ]


def test_hostile_text_arrives_inert_and_exact_in_xlsx(written):
    workbook = load_workbook(written / "medfinansiering.xlsx")
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no cell is a formula
    texts = [c for c in cells if isinstance(c.value, str)]
    for formula in FORMULAS:
        matching = [c for c in texts if formula in c.value]
        assert matching and all(c.value.startswith(formula[:1]) and c.quotePrefix for c in matching), formula
    assert not [c.coordinate for c in texts if c.value.startswith("'")]  # nothing visible added to any text
    assert not [c.coordinate for c in texts if c.value.startswith(tuple(TRIGGERS)) and not c.quotePrefix]


def test_amounts_stay_numbers_in_xlsx(written):
    sheet = load_workbook(written / "medfinansiering.xlsx")["Finansieringsplaner"]
    header = [c.value for c in sheet[1]]
    amounts = [
        row[header.index("Belopp (kr)")].value
        for row in sheet.iter_rows(min_row=2)
        if row[0].value == "fiktiv-injektion"
    ]
    assert amounts == [800_000, 400_000, 600_000, 200_000] and all(type(a) is int for a in amounts)


def test_the_payments_table_carries_no_text_from_a_case_file():
    """Every text column of the payments is an id with a pattern, a code with an enum, or a fixed label:
    nothing a case file can fill with a formula."""
    free = [c.name for c in PAYMENT_COLUMNS if c.type == "string" and not (c.enum or c.pattern)]
    assert free == ["kind_label"]
    assert not [label for label in PAYMENT_KIND_LABELS.values() if label.startswith(tuple(TRIGGERS))]
    assert PAYMENT_COLUMNS[0].name == "case_id" and PAYMENT_COLUMNS[0].pattern.startswith("^[a-z0-9]")


def test_the_payments_arrive_inert_with_numbers_as_numbers(written):
    text = (written / "utbetalningar.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["payable_sek"] for r in rows] == ["100000", "0", "44000", ""]
    assert not [cell for row in csv.reader(io.StringIO(text)) for cell in row if cell.startswith(tuple(TRIGGERS))]
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
