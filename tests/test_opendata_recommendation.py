"""The open data carry the memo's recommendation: one column of the decisions table, in every format."""

from __future__ import annotations

import csv
import json

from conftest import FICTIONAL_BASE_PATH, REFERENCE_DIR, SPIN_PATH
from openpyxl import load_workbook

from casebook.domain.clock import as_of_date
from casebook.domain.evaluation import evaluate_case
from casebook.domain.reference import load_regional_actors
from casebook.render.opendata import write_open_data


def test_the_decisions_table_carries_the_recommendation(tmp_path):
    reports = [evaluate_case(p, REFERENCE_DIR, as_of=as_of_date()) for p in (SPIN_PATH, FICTIONAL_BASE_PATH)]
    write_open_data(tmp_path, reports, load_regional_actors(REFERENCE_DIR), as_of=as_of_date())
    rows = {row["case_id"]: row for row in csv.DictReader((tmp_path / "beslut.csv").open(encoding="utf-8"))}
    assert (rows["rjh-2025-spin"]["recommendation"], rows["fiktiv-bas"]["recommendation"]) == ("bifall", "")
    typed = {row["case_id"]: row for row in json.loads((tmp_path / "beslut.json").read_text(encoding="utf-8"))}
    assert (typed["rjh-2025-spin"]["recommendation"], typed["fiktiv-bas"]["recommendation"]) == ("bifall", None)
    column = json.loads((tmp_path / "beslut.schema.json").read_text(encoding="utf-8"))["items"]["properties"][
        "recommendation"
    ]
    assert column["enum"] == ["bifall", "delvis_bifall", "avslag", None]
    sheet = load_workbook(tmp_path / "medfinansiering.xlsx")["Beslut"]
    values = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert "bifall" in values["rjh-2025-spin"] and "bifall" not in values["fiktiv-bas"]
