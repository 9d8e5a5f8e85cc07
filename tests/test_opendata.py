"""Open data: decisions and financing plans as CSV/JSON, and the 360Giving export."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest
from conftest import FICTIONAL_BASE_PATH, REFERENCE_DIR, REPO, SPIN_PATH

from casebook.render.opendata import OrganisationNumbers, decision_rows, financing_rows, giving360, organisation_id, write_open_data
from casebook.domain.reference import load_regional_actors
from casebook.domain.evaluation import evaluate_case as prepare

SCHEMA = json.loads((REPO / "tests" / "schemas" / "360giving-1.4.3-grant-required.schema.json").read_text())


@pytest.fixture(scope="module")
def reports():
    return [prepare(SPIN_PATH, REFERENCE_DIR), prepare(FICTIONAL_BASE_PATH, REFERENCE_DIR)]


@pytest.fixture(scope="module")
def grants(reports):
    return giving360(reports, OrganisationNumbers(reports, load_regional_actors(REFERENCE_DIR)))


def test_organisation_ids_use_the_organisation_number_when_known():
    assert organisation_id("Region Jämtland Härjedalen", "232100-0214") == "SE-ON-2321000214"
    assert organisation_id("Tillväxtverket", None) == "360G-casebook-org-tillvaxtverket"


def test_every_grant_passes_the_360giving_required_fields_and_types(grants):
    jsonschema.validate(grants, SCHEMA)
    for grant in grants["grants"]:
        assert grant["currency"] == "SEK"
        assert type(grant["amountAwarded"]) is int


def test_one_grant_per_financier_linked_by_related_activity(grants):
    spin = [g for g in grants["grants"] if g["id"].startswith("360G-casebook-rjh-2025-spin-")]
    assert len(spin) == 5
    ids = {g["id"] for g in spin}
    for grant in spin:
        assert grant["relatedActivity"][0] == "360G-casebook-rjh-2025-spin"
        assert set(grant["relatedActivity"][1:]) == ids - {grant["id"]}
        assert grant["recipientOrganization"] == [{"id": "360G-casebook-org-region-vasternorrland", "name": "Region Västernorrland"}]


def test_the_decision_makers_grant_is_the_decision(grants):
    own = next(g for g in grants["grants"] if g["fundingOrganization"][0]["name"] == "Region Jämtland Härjedalen")
    assert own["fundingOrganization"][0]["id"] == "SE-ON-2321000214"
    assert own["amountAwarded"] == 750_000 and own["amountAppliedFor"] == 749_999
    assert own["awardDate"] == "2025-09-09" and own["x_awardDateBasis"].startswith("ansökan inkom")
    assert own["plannedDates"] == [{"startDate": "2025-11-03", "endDate": "2027-09-30"}]


def test_award_date_is_the_decision_date_when_known(grants):
    fictional = next(g for g in grants["grants"] if g["id"].startswith("360G-casebook-fiktiv-bas"))
    assert fictional["awardDate"] == "2099-02-15" and fictional["x_awardDateBasis"] == "beslutsdatum"


def test_decision_rows(reports):
    spin = decision_rows(reports)[0]
    assert spin["case_id"] == "rjh-2025-spin"
    assert spin["total_financing_sek"] == 6_200_285
    assert spin["decided_share_percent"] == "12.10"
    assert spin["max_amount_sek"] == 750_000
    assert (spin["rules_not_met"], spin["rules_missing_judgement"], spin["rules_to_review"]) == (0, 1, 1)
    assert len(spin["case_file_sha256"]) == 64


def test_financing_rows_sum_to_the_total(reports):
    rows = [r for r in financing_rows(reports) if r["case_id"] == "rjh-2025-spin"]
    assert len(rows) == 5
    assert sum(r["amount_sek"] for r in rows) == 6_200_285
    assert [r["share_percent"] for r in rows] == ["48.3849", "12.0962", "12.0962", "15.3265", "12.0962"]


def test_written_files_parse(tmp_path, reports):
    files = write_open_data(tmp_path, reports, load_regional_actors(REFERENCE_DIR))
    assert [f.name for f in files] == ["beslut.csv", "beslut.json", "finansieringsplaner.csv", "360giving.json"]
    decisions = list(csv.DictReader(io.StringIO((tmp_path / "beslut.csv").read_text(encoding="utf-8"))))
    assert [d["case_id"] for d in decisions] == ["rjh-2025-spin", "fiktiv-bas"]
    assert decisions[0]["conditional_on_other_financing"] == "true"
    assert json.loads((tmp_path / "beslut.json").read_text(encoding="utf-8"))[0]["max_amount_sek"] == 750_000
    plans = list(csv.DictReader(io.StringIO((tmp_path / "finansieringsplaner.csv").read_text(encoding="utf-8"))))
    assert len(plans) == 9
    jsonschema.validate(json.loads((tmp_path / "360giving.json").read_text(encoding="utf-8")), SCHEMA)


def test_the_schema_itself_rejects_a_grant_without_required_fields():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"grants": [{"id": "360G-x", "title": "t"}]}, SCHEMA)
