"""Open data of the follow-up: the payments table with its Table Schema, and each case's status."""

from __future__ import annotations

import csv
import io
import json

from conftest import REFERENCE_DIR, REPO, SPIN_PATH

from casebook.domain.evaluation import evaluate_case
from casebook.domain.reference import load_regional_actors
from casebook.render.opendata import PAYMENTS_TABLE_SCHEMA, decision_rows, payment_rows, write_open_data

CASES = REPO / "tests" / "cases"


def _reports(*names: str):
    return [evaluate_case(CASES / f"{n}.yaml", REFERENCE_DIR) for n in names]


def test_payment_rows_of_an_advance_and_its_requests():
    rows = payment_rows(_reports("fiktiv-uppfoljning-forskott"))
    assert [(r["kind"], r["number"], r["payable_sek"], r["paid_before_sek"], r["paid_date"]) for r in rows] == [
        ("advance", 0, 100_000, 0, "2099-03-10"),
        ("payment_request", 1, 0, 100_000, "2099-10-01"),
        ("payment_request", 2, 44_000, 100_000, "2100-04-01"),
        ("payment_request", 3, "", "", ""),  # under review: nothing computed
    ]
    assert rows[2]["cumulative_approved_sek"] == 720_000 and rows[2]["share_percent"] == "20.00"


def test_payments_reach_the_cap_in_the_open_data():
    rows = payment_rows(_reports("fiktiv-uppfoljning-tak"))
    assert sum(r["payable_sek"] for r in rows) == 400_000
    assert [r["ceiling_sek"] for r in rows] == [360_000, 360_000, 360_000, 400_000]


def test_a_proposal_has_no_payment_rows():
    assert payment_rows([evaluate_case(SPIN_PATH, REFERENCE_DIR)]) == []


def test_decision_rows_state_each_cases_status_as_of_the_build_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764460800")
    reports = [evaluate_case(SPIN_PATH, REFERENCE_DIR), *_reports("fiktiv-bas", "fiktiv-uppfoljning-avslutad")]
    assert [(r["case_id"], r["status"], r["status_as_of"]) for r in decision_rows(reports)] == [
        ("rjh-2025-spin", "proposal", "2025-11-30"),
        ("fiktiv-bas", "decided", "2025-11-30"),
        ("fiktiv-uppfoljning-avslutad", "closed", "2025-11-30"),
    ]


def test_the_written_payments_follow_their_table_schema(tmp_path):
    reports = _reports("fiktiv-uppfoljning-forskott", "fiktiv-uppfoljning-tak")
    write_open_data(tmp_path, reports, load_regional_actors(REFERENCE_DIR))
    schema = json.loads((tmp_path / "utbetalningar.schema.json").read_text(encoding="utf-8"))
    assert schema == PAYMENTS_TABLE_SCHEMA
    names = [f["name"] for f in schema["fields"]]
    table = list(csv.DictReader(io.StringIO((tmp_path / "utbetalningar.csv").read_text(encoding="utf-8"))))
    assert list(table[0]) == names and len(table) == 8
    for row in table:
        for field in schema["fields"]:
            value = row[field["name"]]
            if value and field["type"] == "integer":
                int(value)
            if value and field["type"] == "date":
                assert len(value) == 10 and value[4] == value[7] == "-"
    assert json.loads((tmp_path / "utbetalningar.json").read_text(encoding="utf-8")) == payment_rows(reports)


def test_an_empty_payments_table_still_has_its_header(tmp_path):
    write_open_data(tmp_path, [evaluate_case(SPIN_PATH, REFERENCE_DIR)], load_regional_actors(REFERENCE_DIR))
    header = (tmp_path / "utbetalningar.csv").read_text(encoding="utf-8")
    assert header == ",".join(f["name"] for f in PAYMENTS_TABLE_SCHEMA["fields"]) + "\n"
