"""Open data: the tables (CSV, typed JSON with its schema, xlsx) and the 360Giving file.

The payments table and the follow-up status are checked on the fictional follow-up cases
(tests/cases/fiktiv-uppfoljning-*.yaml), their amounts asserted exactly.

The 360Giving file is validated against the 360Giving Data Standard 1.4.3 package and grant
schemas, vendored in tests/reference (its README says where they come from), as JSON Schema
Draft 2020-12 with format checking, and its codes against the standard's codelists; its
meaning is checked on fictional decided, changed, rejected and proposed cases: only decided
awards are grants, with the decided amount and the real decision date.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import io
import json
import time
from pathlib import Path

import jsonschema
import pytest
from conftest import FICTIONAL_BASE_PATH, REFERENCE_DIR, REPO, SPIN_PATH
from html_table import markdown_blocks
from opendata_support import PUBLISHER, codelist_problems, uniform_history, validator_360giving
from openpyxl import load_workbook

from casebook.domain.clock import as_of_date
from casebook.domain.evaluation import evaluate_case
from casebook.domain.reference import load_national_agencies, load_publisher, load_regional_actors
from casebook.render import giving360
from casebook.render.opendata import write_open_data
from casebook.render.opendata_tables import (
    DECISION_COLUMNS,
    PAYMENT_COLUMNS,
    CaseFileTimes,
    DataHistory,
    OrganisationNumbers,
    decision_rows,
    financing_rows,
    payment_rows,
)

CASES = REPO / "tests" / "opendata_cases"
CHANGED_PATH, REJECTED_PATH = CASES / "fiktiv-lagre-belopp.yaml", CASES / "fiktiv-avslag.yaml"
FOLLOW_UP_CASES = REPO / "tests" / "cases"


@pytest.fixture(scope="module")
def reports():
    paths = [SPIN_PATH, FICTIONAL_BASE_PATH, CHANGED_PATH, REJECTED_PATH]
    return [evaluate_case(p, REFERENCE_DIR, as_of=as_of_date()) for p in paths]


@pytest.fixture(scope="module")
def numbers(reports):
    return OrganisationNumbers(reports, load_regional_actors(REFERENCE_DIR), load_national_agencies(REFERENCE_DIR))


@pytest.fixture(scope="module")
def orgs(numbers):
    return giving360.OrganisationIds(numbers, PUBLISHER)


@pytest.fixture(scope="module")
def package(reports, orgs):
    return giving360.package(reports, orgs, PUBLISHER, uniform_history(reports))


@pytest.fixture(scope="module")
def written(tmp_path_factory, reports):
    out = tmp_path_factory.mktemp("data")
    write_open_data(
        out,
        reports,
        load_regional_actors(REFERENCE_DIR),
        agencies=load_national_agencies(REFERENCE_DIR),
        publisher=PUBLISHER,
        history=uniform_history(reports),
        as_of=as_of_date(),
    )
    return out


# --- 360Giving -------------------------------------------------------------------------------


def test_organisation_ids_follow_the_publishers_scheme_with_the_hyphen():
    assert giving360.organisation_id("Region Jämtland Härjedalen", "232100-0214", PUBLISHER) == "SE-ON-232100-0214"
    assert giving360.organisation_id("Fiktiv AB", None, PUBLISHER) == "360G-fiktiv-org-fiktiv-ab"
    other = PUBLISHER.model_copy(update={"grant_id_prefix": "360G-annan", "org_id_scheme": "XI-TEST"})
    assert giving360.organisation_id("Region Jämtland Härjedalen", "232100-0214", other) == "XI-TEST-232100-0214"
    assert giving360.organisation_id("Ærø Łódź AB", None, other) == "360G-annan-org-aero-lodz-ab"


def test_the_package_passes_the_full_360giving_1_4_3_schema(package):
    errors = sorted(validator_360giving().iter_errors(package), key=str)
    assert errors == []
    assert codelist_problems(package) == []


def test_the_full_schema_catches_what_the_required_fields_alone_would_not(package):
    validator = validator_360giving()
    broken = json.loads(json.dumps(package))
    broken["grants"][0]["plannedDates"][0]["startDate"] = "3 mars 2099"
    broken["grants"][0]["dataSource"] = "inte en adress"
    broken["grants"][0]["dateModified"] = "2099-03-01"  # a date, not the full date-time the standard asks for
    messages = " ".join(e.message for e in validator.iter_errors(broken))
    assert (
        "3 mars 2099" in messages and "inte en adress" in messages and "'2099-03-01' is not a 'date-time'" in messages
    )


def test_the_codelists_catch_a_currency_that_is_no_code(package):
    broken = json.loads(json.dumps(package))
    broken["grants"][1]["currency"] = "KRONOR"
    assert codelist_problems(broken) == ["grants[1].currency: 'KRONOR' finns inte i currency.csv"]


def test_only_decided_awards_are_grants(package):
    ids = [g["id"] for g in package["grants"]]
    assert ids == [
        "360G-fiktiv-fiktiv-bas",
        "360G-fiktiv-fiktiv-lagre-belopp",
    ]  # not SPIN (proposal), not the rejection
    assert [g["x_caseId"] for g in package["grants"]] == ["fiktiv-bas", "fiktiv-lagre-belopp"]


def test_a_grant_states_the_decision(package):
    grant = next(g for g in package["grants"] if g["x_caseId"] == "fiktiv-bas")
    assert grant["amountAwarded"] == 400_000 and grant["amountAppliedFor"] == 400_000
    assert grant["awardDate"] == "2017-02-15"
    assert grant["plannedDates"] == [{"startDate": "2017-03-01", "endDate": "2018-12-31"}]
    assert grant["recipientOrganization"] == [{"id": "360G-fiktiv-org-region-gavleborg", "name": "Region Gävleborg"}]
    assert grant["fundingOrganization"] == [
        {"id": "SE-ON-232100-0180", "name": "Region Dalarna"}
    ]  # org.nr from the reference data
    assert grant["grantProgramme"] == [
        {"code": "anslag-1-1-regionala-utvecklingsatgarder", "title": "Anslag 1:1 Regionala utvecklingsåtgärder"}
    ]
    assert grant["url"] == "https://data.example.invalid/casebook/book/cases/fiktiv-bas.html"
    assert grant["dataSource"] == "https://data.example.invalid/casebook/data/beslut.csv"
    assert grant["dateModified"] == "2099-03-01T12:00:00Z"
    assert (grant["x_decidedBy"], grant["x_decisionReference"]) == (
        "Fiktiv regional utvecklingsnämnd",
        "FIKTIV RUN 1/2099 § 1",
    )
    assert (grant["title"], grant["description"], grant["currency"]) == (
        "FIKTIVT TESTÄRENDE – Samverkan i Exempelbygd",
        "Ett påhittat projekt som bara finns i testerna.",
        "SEK",
    )
    assert [c["confirmed"] for c in grant["x_coFinancing"]] == [True, True, True]


def test_an_older_case_file_without_a_status_block_is_decided_with_no_one_named(tmp_path, orgs):
    """A file from before ``status`` existed is decided by its decision date; it names no decider or reference."""
    block = "status:\n  state: decided\n  decided_by: Fiktiv regional utvecklingsnämnd\n  decision_reference: FIKTIV RUN 1/2099 § 1\n"
    text = FICTIONAL_BASE_PATH.read_text(encoding="utf-8")
    assert block in text
    path = tmp_path / "fiktiv-bas.yaml"
    path.write_text(text.replace(block, ""), encoding="utf-8")
    report = evaluate_case(path, REFERENCE_DIR, as_of=as_of_date())
    grant = giving360.grant(report, orgs, PUBLISHER, uniform_history([report]))
    assert (grant["awardDate"], grant["x_decidedBy"], grant["x_decisionReference"]) == ("2017-02-15", None, None)
    [row] = decision_rows([report], OrganisationNumbers([report]), as_of_date())
    assert (row["status"], row["decision_date"], row["decided_by"], row["decision_reference"]) == (
        "decided",
        "2017-02-15",
        None,
        None,
    )


def test_a_case_without_a_final_report_day_leaves_it_empty(tmp_path):
    text = FICTIONAL_BASE_PATH.read_text(encoding="utf-8")
    assert "  final_report_due: 2019-02-28\n" in text
    path = tmp_path / "fiktiv-bas.yaml"
    path.write_text(text.replace("  final_report_due: 2019-02-28\n", ""), encoding="utf-8")
    report = evaluate_case(path, REFERENCE_DIR, as_of=as_of_date())
    [row] = decision_rows([report], OrganisationNumbers([report]), as_of_date())
    assert (row["project_end"], row["final_report_due"]) == ("2018-12-31", None)


def test_a_plan_line_not_yet_confirmed_is_published_as_unconfirmed(tmp_path, orgs):
    text = FICTIONAL_BASE_PATH.read_text(encoding="utf-8")
    line = "{financier: Tillväxtverket, kind: national_grant_2003_596, amount: 800000, confirmed: true}"
    assert line in text
    path = tmp_path / "fiktiv-bas.yaml"
    path.write_text(text.replace(line, line.replace("confirmed: true", "confirmed: false")), encoding="utf-8")
    report = evaluate_case(path, REFERENCE_DIR, as_of=as_of_date())
    grant = giving360.grant(report, orgs, PUBLISHER, uniform_history([report]))
    assert [(c["organization"]["name"], c["confirmed"]) for c in grant["x_coFinancing"]] == [
        ("Tillväxtverket", False),
        ("Region Gävleborg", True),
        ("Fiktiva Exempelbolaget AB", True),
    ]
    rows = financing_rows([report], OrganisationNumbers([report]))
    assert [(r["financier"], r["confirmed"]) for r in rows][:2] == [("Tillväxtverket", False), ("Region Dalarna", True)]


def test_a_recipient_with_a_known_number_is_identified_by_it(reports, numbers):
    """Region Gävleborg has no number in the reference data: one that a case file states for it is used."""
    bas = next(r for r in reports if r.case.id == "fiktiv-bas")
    stated = bas.case.model_copy(
        update={"applicant": bas.case.applicant.model_copy(update={"organisation_number": "232100-0198"})}
    )
    report = dataclasses.replace(bas, case=stated)
    ids = giving360.OrganisationIds(OrganisationNumbers([report], load_regional_actors(REFERENCE_DIR)), PUBLISHER)
    grant = giving360.grant(report, ids, PUBLISHER, uniform_history([report]))
    assert grant["recipientOrganization"] == [{"id": "SE-ON-232100-0198", "name": "Region Gävleborg"}]


def test_each_grant_is_dated_by_its_own_case_file(reports, orgs):
    times = {
        "rjh-2025-spin": dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
        "fiktiv-bas": dt.datetime(2099, 2, 1, tzinfo=dt.UTC),
        "fiktiv-lagre-belopp": dt.datetime(2099, 3, 1, tzinfo=dt.UTC),
        "fiktiv-avslag": dt.datetime(2099, 9, 9, tzinfo=dt.UTC),  # the newest change: a rejection, not in the file
    }
    added = {
        k: dt.datetime(2098, 6 if k == "rjh-2025-spin" else 12, 24, tzinfo=dt.UTC) for k in times
    }  # the proposal added first
    history = DataHistory({k: CaseFileTimes(added[k], v) for k, v in times.items()}, 7)
    package = giving360.package(reports, orgs, PUBLISHER, history)
    assert [(g["x_caseId"], g["dateModified"]) for g in package["grants"]] == [
        ("fiktiv-bas", "2099-02-01T00:00:00Z"),
        ("fiktiv-lagre-belopp", "2099-03-01T00:00:00Z"),
    ]
    assert package["modified"] == "2099-03-01T00:00:00Z" and package["issued"] == "2098-12-24T00:00:00Z"


def test_a_decision_lower_than_the_proposal_is_published_as_decided(package):
    grant = next(g for g in package["grants"] if g["x_caseId"] == "fiktiv-lagre-belopp")
    assert grant["amountAwarded"] == 300_000  # the memo proposed 400 000 kr
    assert grant["x_sharePercentOfApprovedCosts"] == 15.0
    assert grant["awardDate"] == "2017-02-20"


def test_co_financing_is_described_not_granted(package):
    grant = next(g for g in package["grants"] if g["x_caseId"] == "fiktiv-bas")
    assert [(c["organization"]["name"], c["amount"], c["kind"]) for c in grant["x_coFinancing"]] == [
        ("Tillväxtverket", 800_000, "national_grant_2003_596"),
        ("Region Gävleborg", 600_000, "own_funds"),
        ("Fiktiva Exempelbolaget AB", 200_000, "private"),
    ]
    assert grant["x_coFinancing"][0]["organization"]["id"] == "SE-ON-202100-6149"
    assert grant["x_totalFinancing"] == 2_000_000
    funders = {g["fundingOrganization"][0]["name"] for g in package["grants"]}
    assert funders == {"Region Dalarna"}


def test_a_proposal_cannot_be_made_into_a_grant(reports, orgs):
    with pytest.raises(ValueError, match="bara beviljade"):
        giving360.grant(reports[0], orgs, PUBLISHER, uniform_history(reports))


def test_left_out_says_why(reports):
    counts = giving360.left_out(reports, {"fiktiv-bas", "fiktiv-lagre-belopp"})
    assert counts == {"proposal": 1, "rejected": 1}
    # Granted by no one here: the two decisions count as another decision-maker's, each once.
    assert giving360.left_out(reports, set()) == {"proposal": 1, "rejected": 1, "other_decision_maker": 2}


def test_another_decision_makers_award_is_not_the_publishers_grant(orgs):
    norr = evaluate_case(
        REPO / "tests" / "cases" / "fiktiv-norr.yaml", REFERENCE_DIR, as_of=as_of_date()
    )  # decided by Region Norrbotten
    assert norr.case.state.value == "decided"
    assert giving360.package([norr], orgs, PUBLISHER, uniform_history([norr]))["grants"] == []
    assert giving360.left_out([norr], set()) == {"other_decision_maker": 1}


def test_the_open_data_page_says_how_many_are_left_out_and_why(written, reports):
    from casebook.render.pages import giving360_summary

    text = giving360_summary(reports, written)
    assert text.startswith(
        "**360Giving:** 2 av 4 ärenden är bidrag som utgivaren har beviljat och finns i 360giving.json."
    )
    assert "1 är förslag till beslut" in text and "1 är avslagna" in text


def test_package_metadata(package):
    assert package["license"] == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert package["publisher"] == {
        "name": "Region Dalarna",
        "identifier": "SE-ON-232100-0180",
        "website": "https://data.example.invalid/casebook/",
    }
    assert package["identifier"] == "360G-fiktiv-360giving"
    assert package["version"] == "1.4" and package["modified"] == "2099-03-01T12:00:00Z"
    assert package["title"] == "Beviljade bidrag för regional medfinansiering"
    assert package["description"] == (
        "Bidrag enligt förordning (2003:596) som Region Dalarna har beviljat. Förslag till beslut, "
        "avslag och andra beslutsfattares bidrag ingår inte; övrig finansiering i projektens "
        "finansieringsplaner beskrivs i x_coFinancing."
    )
    assert package["accessURL"] == "https://data.example.invalid/casebook/book/open_data.html"
    assert package["downloadURL"] == "https://data.example.invalid/casebook/data/360giving.json"


def test_the_repository_data_hold_no_grant_and_the_page_promises_no_file(tmp_path):
    """SPIN is a proposal: the real data give no 360Giving grant, so no 360Giving file, and the
    open-data page neither lists the file nor says the grants are in it."""
    from casebook.render.pages import open_data_table

    reports = [evaluate_case(SPIN_PATH, REFERENCE_DIR, as_of=as_of_date())]
    publisher = load_publisher(REFERENCE_DIR)
    written = write_open_data(
        tmp_path,
        reports,
        load_regional_actors(REFERENCE_DIR),
        agencies=load_national_agencies(REFERENCE_DIR),
        publisher=publisher,
        history=uniform_history(reports),
        as_of=as_of_date(),
    )
    assert "360giving.json" not in [p.name for p in written] and not (tmp_path / "360giving.json").exists()
    # No follow-up either: the payments table is still published, with its header and no rows.
    assert (tmp_path / "utbetalningar.csv").read_text(encoding="utf-8") == ",".join(
        c.name for c in PAYMENT_COLUMNS
    ) + "\n"
    assert json.loads((tmp_path / "utbetalningar.json").read_text(encoding="utf-8")) == []
    assert "utbetalningar.schema.json" in [p.name for p in written]
    ids = giving360.OrganisationIds(OrganisationNumbers(reports), publisher)
    assert giving360.package(reports, ids, publisher, uniform_history(reports))["grants"] == []
    page = open_data_table(reports, tmp_path)
    assert "360giving.json" not in page
    assert (
        "**360Giving:** inget av 1 ärende är ett bidrag som utgivaren har beviljat, så ingen 360Giving-fil publiceras "
        "(standarden kräver minst ett bidrag). 1 är förslag till beslut"
    ) in page
    assert "data/arenden/" in page and "data/regelutfall/" in page and "data/kallor/" in page
    # The table is one raw HTML block; the 360Giving sentence a paragraph of its own after it.
    blocks = markdown_blocks(page)
    assert [kind for kind, _ in blocks] == ["html_block", "text"]
    assert blocks[1][1].startswith("**360Giving:**")


def test_the_written_360giving_file_passes_the_schema(written):
    data = json.loads((written / "360giving.json").read_text(encoding="utf-8"))
    assert [e.message for e in validator_360giving().iter_errors(data)] == []
    assert codelist_problems(data) == []
    assert len(data["grants"]) == 2


# --- Tables ----------------------------------------------------------------------------------


def test_decision_rows_show_the_status(reports, numbers):
    rows = {r["case_id"]: r for r in decision_rows(reports, numbers, as_of_date())}
    spin = rows["rjh-2025-spin"]
    assert (spin["status"], spin["status_label"], spin["decision_date"]) == ("proposal", "Förslag till beslut", None)
    assert spin["total_financing_sek"] == 6_200_285
    assert str(spin["proposed_share_percent"]) == "12.10" and spin["proposed_max_amount_sek"] == 750_000
    assert spin["decided_share_percent"] is None and spin["decided_max_amount_sek"] is None
    # 6 § records no judgement: "Bedömning saknas", not a breach.
    assert (spin["rules_not_met"], spin["rules_missing_judgement"], spin["rules_to_review"]) == (0, 1, 1)
    changed = rows["fiktiv-lagre-belopp"]
    assert (changed["status"], changed["decision_date"], changed["decided_max_amount_sek"]) == (
        "decided",
        "2017-02-20",
        300_000,
    )
    assert str(changed["decided_share_percent"]) == "15.00" and changed["proposed_max_amount_sek"] == 400_000
    rejected = rows["fiktiv-avslag"]
    assert (rejected["status"], rejected["decided_by"], rejected["decided_max_amount_sek"]) == (
        "rejected",
        "Fiktiv regional utvecklingsnämnd",
        None,
    )


def test_financing_rows_sum_to_the_total(reports, numbers):
    rows = [r for r in financing_rows(reports, numbers) if r["case_id"] == "rjh-2025-spin"]
    assert sum(r["amount_sek"] for r in rows) == 6_200_285
    assert [str(r["share_percent"]) for r in rows] == ["48.3849", "12.0962", "12.0962", "15.3265", "12.0962"]


def test_typed_json_has_numbers_booleans_and_null(written):
    rows = json.loads((written / "beslut.json").read_text(encoding="utf-8"))
    spin = rows[0]
    assert spin["proposed_share_percent"] == 12.1 and type(spin["proposed_share_percent"]) is float
    assert spin["total_financing_sek"] == 6_200_285 and type(spin["total_financing_sek"]) is int
    assert spin["conditional_on_other_financing"] is True
    assert spin["decision_date"] is None and spin["reference"] is None
    schema = json.loads((written / "beslut.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(
        rows
    )


def test_the_json_schema_rejects_csv_strings(written):
    schema = json.loads((written / "beslut.schema.json").read_text(encoding="utf-8"))
    rows = json.loads((written / "beslut.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for column, bad in (
        ("proposed_share_percent", "12.10"),
        ("decision_date", ""),
        ("conditional_on_other_financing", "true"),
        ("status", "beslutad"),
    ):
        broken = [dict(rows[0], **{column: bad})]
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(broken)


def test_csv_files_parse(written):
    decisions = list(csv.DictReader(io.StringIO((written / "beslut.csv").read_text(encoding="utf-8"))))
    assert [d["case_id"] for d in decisions] == ["rjh-2025-spin", "fiktiv-bas", "fiktiv-lagre-belopp", "fiktiv-avslag"]
    assert list(decisions[0]) == [c.name for c in DECISION_COLUMNS]
    assert decisions[0]["conditional_on_other_financing"] == "true" and decisions[0]["decision_date"] == ""
    assert decisions[0]["proposed_share_percent"] == "12.10"
    plans = list(csv.DictReader(io.StringIO((written / "finansieringsplaner.csv").read_text(encoding="utf-8"))))
    assert len(plans) == 5 + 4 + 4 + 4


def test_xlsx_has_amounts_and_dates_as_numbers_with_formats(written):
    workbook = load_workbook(written / "medfinansiering.xlsx")
    assert workbook.sheetnames == ["Beslut", "Finansieringsplaner", "Utbetalningar"]
    sheet = workbook["Beslut"]
    header = [c.value for c in sheet[1]]
    assert header[0] == "Ärende-id" and "Total finansiering (kr)" in header
    spin = {h: c.value for h, c in zip(header, sheet[2], strict=True)}
    assert spin["Total finansiering (kr)"] == 6_200_285 and type(spin["Total finansiering (kr)"]) is int
    assert spin["Föreslagen andel (%)"] == pytest.approx(12.10)
    assert spin["Projektstart"] == dt.datetime(2025, 11, 3) and spin["Beslutsdatum"] is None
    assert spin["Villkorat av övrig finansiering"] is True
    cells = dict(zip(header, sheet[2], strict=True))
    assert (
        cells["Total finansiering (kr)"].number_format == "#,##0"
        and cells["Föreslagen andel (%)"].number_format == "0.00##"
    )
    assert cells["Projektstart"].is_date and cells["Projektstart"].number_format == "yyyy-mm-dd"


def test_every_xlsx_date_is_a_date_cell(written):
    """Every date column of every sheet holds date cells (a number with a date format), never text."""
    from casebook.render.opendata_tables import TABLES

    workbook = load_workbook(written / "medfinansiering.xlsx")
    dates = 0
    for table in TABLES:
        sheet = workbook[table.title]
        for index, column in enumerate(table.columns):
            values = [row[index] for row in sheet.iter_rows(min_row=2) if row[index].value is not None]
            if column.type == "date":
                # openpyxl reads a number with a date format back as a datetime (data type "d").
                assert all(
                    c.is_date and isinstance(c.value, dt.datetime) and c.number_format == "yyyy-mm-dd" for c in values
                ), column.name
                dates += len(values)
            else:
                assert not any(c.is_date for c in values), column.name
    assert dates == 4 * 3 + 3 + 4  # each case's application and project dates, three decisions, four final-report dues


def test_tables_give_the_same_bytes_for_the_same_data(tmp_path, reports):
    for run in ("a", "b"):
        time.sleep(1.1)  # a clock-stamped file would differ between the runs
        write_open_data(
            tmp_path / run,
            reports,
            load_regional_actors(REFERENCE_DIR),
            publisher=PUBLISHER,
            history=uniform_history(reports),
            as_of=as_of_date(),
        )
    for path in (tmp_path / "a").rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes(), path.name


def test_published_without_a_publisher_only_the_tables_and_case_files(tmp_path, reports):
    written = write_open_data(tmp_path, reports, (), as_of=as_of_date())
    assert [p.relative_to(tmp_path).as_posix() for p in written] == [
        "beslut.csv",
        "beslut.json",
        "beslut.schema.json",
        "finansieringsplaner.csv",
        "finansieringsplaner.json",
        "finansieringsplaner.schema.json",
        "utbetalningar.csv",
        "utbetalningar.json",
        "utbetalningar.schema.json",
        "medfinansiering.xlsx",
        "arendefil.schema.json",
        "arenden/fiktiv-avslag.yaml",
        "regelutfall/fiktiv-avslag.json",
        "arenden/fiktiv-bas.yaml",
        "regelutfall/fiktiv-bas.json",
        "arenden/fiktiv-lagre-belopp.yaml",
        "regelutfall/fiktiv-lagre-belopp.json",
        "arenden/rjh-2025-spin.yaml",
        "regelutfall/rjh-2025-spin.json",
        "kallor/000_2bcbd58892294728.txt",
    ]
    assert (tmp_path / "arenden" / "rjh-2025-spin.yaml").read_bytes() == SPIN_PATH.read_bytes()


def test_reference_numbers_name_their_source():
    for organisation in (*load_regional_actors(REFERENCE_DIR), *load_national_agencies(REFERENCE_DIR)):
        if organisation.organisation_number:
            assert organisation.source, organisation.name


def test_a_reference_number_without_source_is_refused(tmp_path):
    from casebook.domain.errors import CaseFileError
    from casebook.domain.reference import load_regional_actors as load

    (tmp_path / "regional_actors.yaml").write_text(
        '- {county_code: "01", name: Region Stockholm, organisation_number: "232100-0016"}\n', encoding="utf-8"
    )
    with pytest.raises(CaseFileError, match="source"):
        load(Path(tmp_path))


def test_without_git_a_case_is_dated_by_its_file_or_source_date_epoch(tmp_path, monkeypatch):
    case = tmp_path / "fiktiv-bas.yaml"
    case.write_bytes(FICTIONAL_BASE_PATH.read_bytes())
    os_time = dt.datetime(2099, 1, 2, 3, 4, 5, tzinfo=dt.UTC).timestamp()
    import os

    os.utime(case, (os_time, os_time))
    reports = [evaluate_case(case, REFERENCE_DIR, as_of=as_of_date())]
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    history = DataHistory.from_files(reports)
    assert history.cases["fiktiv-bas"] == CaseFileTimes(
        dt.datetime(2099, 1, 2, 3, 4, 5, tzinfo=dt.UTC), dt.datetime(2099, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    )
    assert history.revisions == 1
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764460800")
    assert DataHistory.from_files(reports).modified() == dt.datetime(2025, 11, 30, tzinfo=dt.UTC)


def test_a_bad_publisher_file_is_reported_in_swedish_by_field(tmp_path):
    from casebook.domain.errors import CaseFileError

    (tmp_path / "publisher.yaml").write_text(
        'name: X\norganisation_number: "232100-0181"\ncontact_email: nope\nsite_url: http://x/\n'
        "grant_id_prefix: casebook\norg_id_scheme: SE-ON\n",
        encoding="utf-8",
    )
    with pytest.raises(CaseFileError) as caught:
        load_publisher(tmp_path)
    text = caught.value.render()
    # Each field with its line in the file, as in a case file.
    assert "contact_email (rad 3): ska vara en e-postadress (värde: 'nope')" in text
    assert "site_url (rad 4): ska vara en https-adress som slutar med / (värde: 'http://x/')" in text
    assert (
        "grant_id_prefix (rad 5): ska vara ett 360Giving-prefix: 360G- följt av bokstäver, siffror och "
        "bindestreck (värde: 'casebook')"
    ) in text
    assert (
        "organisation_number (rad 2): har fel kontrollsiffra (den sista siffran stämmer inte med de nio första "
        "enligt Luhn-algoritmen): kontrollera numret mot källan (värde: '232100-0181')"
    ) in text


def test_a_problem_in_a_reference_list_names_the_item_and_its_line(tmp_path):
    from casebook.domain.errors import CaseFileError
    from casebook.domain.reference import load_national_agencies as load

    (tmp_path / "national_agencies.yaml").write_text(
        "- name: Fiktiva verket\n"
        "  organisation_number: 202100-5489\n"
        "  source: https://example.org/\n"
        "- name: Andra fiktiva verket\n"
        "  organisationsnummer: 202100-5489\n"
        "- source: https://example.org/\n",
        encoding="utf-8",
    )
    with pytest.raises(CaseFileError) as caught:
        load(Path(tmp_path))
    # The misspelt field on its own line; a missing field on the line of the item it belongs in.
    assert {(problem.field, problem.line) for problem in caught.value.problems} == {
        ("post 2, organisationsnummer", 5),
        ("post 3, name", 6),
    }, caught.value.render()
    assert "  - post 2, organisationsnummer (rad 5): okänt fält (stavfel?)" in caught.value.render()


# --- Payments and the follow-up status -------------------------------------------------------


def _follow_up(*names: str) -> list:
    return [
        evaluate_case(FOLLOW_UP_CASES / f"fiktiv-uppfoljning-{n}.yaml", REFERENCE_DIR, as_of=as_of_date())
        for n in names
    ]


@pytest.fixture(scope="module")
def follow_up_reports():
    return [
        evaluate_case(SPIN_PATH, REFERENCE_DIR, as_of=as_of_date()),
        *_follow_up("forskott", "tak", "sen", "avslutad"),
    ]


@pytest.fixture(scope="module")
def written_follow_up(tmp_path_factory, follow_up_reports):
    out = tmp_path_factory.mktemp("follow_up")
    write_open_data(
        out,
        follow_up_reports,
        load_regional_actors(REFERENCE_DIR),
        publisher=PUBLISHER,
        history=uniform_history(follow_up_reports),
        as_of=as_of_date(),
    )
    return out


def test_payment_rows_of_an_advance_and_its_requests():
    rows = payment_rows(_follow_up("forskott"))
    computed = (
        "number",
        "kind",
        "approved_costs_sek",
        "cumulative_approved_sek",
        "entitled_sek",
        "ceiling_sek",
        "paid_before_sek",
        "payable_sek",
        "paid_date",
    )
    assert [tuple(r[k] for k in computed) for r in rows] == [
        (0, "advance", None, None, None, 400_000, 0, 100_000, "2017-03-10"),
        (1, "payment_request", 300_000, 300_000, 60_000, 400_000, 100_000, 0, "2017-10-01"),  # covered by the advance
        (2, "payment_request", 420_000, 720_000, 144_000, 400_000, 100_000, 44_000, "2018-04-01"),
        (3, "payment_request", None, None, None, None, None, None, None),  # under review: nothing computed
    ]
    assert rows[3]["reported_costs_sek"] == 500_000 and rows[3]["received"] == "2018-09-15"
    assert rows[0]["period_start"] is None and rows[0]["reported_costs_sek"] is None
    assert {str(r["share_percent"]) for r in rows} == {"20.00"}
    assert [r["kind_label"] for r in rows] == [
        "Förskott",
        "Utbetalningsbegäran",
        "Utbetalningsbegäran",
        "Utbetalningsbegäran",
    ]


def test_payments_reach_the_cap_with_a_part_withheld_until_the_final_report():
    rows = payment_rows(_follow_up("tak"))
    assert [r["payable_sek"] for r in rows] == [120_000, 140_000, 100_000, 40_000]
    assert sum(r["payable_sek"] for r in rows) == 400_000  # the decided maximum
    assert [r["entitled_sek"] for r in rows] == [120_000, 260_000, 388_000, 400_000]
    assert [r["ceiling_sek"] for r in rows] == [
        360_000,
        360_000,
        360_000,
        400_000,
    ]  # 10 % withheld until the final report


def test_every_payment_row_states_its_own_computation(follow_up_reports):
    rows = [
        r for r in payment_rows(follow_up_reports) if r["kind"] == "payment_request" and r["payable_sek"] is not None
    ]
    assert len(rows) == 10
    for row in rows:
        assert row["payable_sek"] == max(0, min(row["entitled_sek"], row["ceiling_sek"]) - row["paid_before_sek"]), row
    paid = {}
    for row in payment_rows(follow_up_reports):
        if row["payable_sek"] is not None:
            assert row["paid_before_sek"] == paid.get(row["case_id"], 0), row
            paid[row["case_id"]] = row["paid_before_sek"] + row["payable_sek"]
    assert paid == {
        "fiktiv-uppfoljning-forskott": 144_000,
        "fiktiv-uppfoljning-tak": 400_000,
        "fiktiv-uppfoljning-sen": 310_000,
        "fiktiv-uppfoljning-avslutad": 366_000,
    }


def test_a_case_without_a_follow_up_has_no_payment_rows(reports):
    assert payment_rows(reports) == []  # SPIN (a proposal), decided, changed and rejected cases without a follow-up


def test_decision_rows_state_the_follow_up_status_on_the_day():
    forskott, avslutad = _follow_up("forskott", "avslutad")
    spin = evaluate_case(SPIN_PATH, REFERENCE_DIR, as_of=as_of_date())
    bas = evaluate_case(FICTIONAL_BASE_PATH, REFERENCE_DIR, as_of=as_of_date())

    def status(report, day):
        row = decision_rows([report], OrganisationNumbers([report]), dt.date.fromisoformat(day))[0]
        return row["follow_up_status"], row["follow_up_status_label"], row["follow_up_status_date"]

    assert status(forskott, "2017-06-01") == ("in_progress", "Pågår", "2017-06-01")  # the advance is paid
    assert status(forskott, "2101-01-15") == ("final_report_due", "Projektet slut, slutrapport väntas", "2101-01-15")
    assert status(forskott, "2101-03-01") == ("final_report_overdue", "Slutrapporten är försenad", "2101-03-01")
    assert status(avslutad, "2101-03-01") == ("closed", "Avslutat", "2101-03-01")
    # Without a recorded follow-up the status does not depend on the day, so no day is stated.
    assert status(spin, "2101-03-01") == ("proposal", "Förslag till beslut", None)
    assert status(bas, "2101-03-01") == ("decided", "Beviljat", None)
    assert (
        decision_rows([forskott], OrganisationNumbers([forskott]), dt.date(2101, 3, 1))[0]["status"] == "decided"
    )  # the decision's status is unchanged


def test_the_follow_up_status_is_judged_on_the_build_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2101, 3, 1, tzinfo=dt.UTC).timestamp())))
    reports = _follow_up("forskott")
    row = decision_rows(reports, OrganisationNumbers(reports), as_of_date())[0]
    assert (row["follow_up_status"], row["follow_up_status_date"]) == ("final_report_overdue", "2101-03-01")


def test_payments_csv_parses_with_numbers_and_empty_fields(written_follow_up):
    table = list(csv.DictReader(io.StringIO((written_follow_up / "utbetalningar.csv").read_text(encoding="utf-8"))))
    assert list(table[0]) == [c.name for c in PAYMENT_COLUMNS]
    assert [(r["case_id"], r["number"]) for r in table][:4] == [
        ("fiktiv-uppfoljning-forskott", "0"),
        ("fiktiv-uppfoljning-forskott", "1"),
        ("fiktiv-uppfoljning-forskott", "2"),
        ("fiktiv-uppfoljning-forskott", "3"),
    ]
    assert len(table) == 4 + 4 + 2 + 2
    advance, _, second, pending = table[:4]
    assert (advance["payable_sek"], advance["period_start"], advance["share_percent"]) == ("100000", "", "20.00")
    assert (second["payable_sek"], second["paid_before_sek"], second["paid_date"]) == ("44000", "100000", "2018-04-01")
    assert (pending["approved_costs_sek"], pending["payable_sek"], pending["paid_date"]) == ("", "", "")


def test_payments_typed_json_validates_against_its_schema(written_follow_up):
    rows = json.loads((written_follow_up / "utbetalningar.json").read_text(encoding="utf-8"))
    schema = json.loads((written_follow_up / "utbetalningar.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    validator.validate(rows)
    advance = rows[0]
    assert advance["payable_sek"] == 100_000 and type(advance["payable_sek"]) is int
    assert advance["share_percent"] == 20.0 and advance["period_start"] is None
    assert schema["items"]["properties"]["payable_sek"]["title"] == "Att betala (kr)"
    for column, bad in (
        ("payable_sek", "44000"),
        ("paid_date", ""),
        ("kind", "förskott"),
        ("share_percent", "20.00"),
        ("number", None),
    ):
        with pytest.raises(jsonschema.ValidationError):
            validator.validate([dict(advance, **{column: bad})])
    with pytest.raises(jsonschema.ValidationError):
        validator.validate([dict(advance, paid_date="2099-02-30")])  # not a date
    decisions = json.loads((written_follow_up / "beslut.json").read_text(encoding="utf-8"))
    decision_schema = json.loads((written_follow_up / "beslut.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(
        decision_schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(decisions)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([dict(decisions[0], follow_up_status="sen")], decision_schema)


def test_payments_sheet_has_amounts_as_numbers(written_follow_up):
    sheet = load_workbook(written_follow_up / "medfinansiering.xlsx")["Utbetalningar"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Ärende-id", "Nummer", "Slag"]
    rows = [{h: c.value for h, c in zip(header, row, strict=True)} for row in sheet.iter_rows(min_row=2)]
    assert [r["Att betala (kr)"] for r in rows[:4]] == [100_000, 0, 44_000, None]
    assert all(type(r["Att betala (kr)"]) is int for r in rows if r["Att betala (kr)"] is not None)
    assert rows[0]["Utbetald"] == dt.datetime(2017, 3, 10) and rows[0]["Beviljad andel (%)"] == pytest.approx(20.0)
    assert sheet.cell(row=2, column=header.index("Att betala (kr)") + 1).number_format == "#,##0"


@contextlib.contextmanager
def _time_zone(name: str):
    """The process's local time zone set to ``name`` for the block, restored after it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", name)
        time.tzset()
        try:
            yield
        finally:
            patch.undo()
            time.tzset()


def test_the_workbook_keeps_its_header_in_view_names_its_maker_and_dates_itself_in_utc(tmp_path, reports):
    """The header row stays in view, each column is wide enough for its title, and the workbook's own
    dates are the data's last change in UTC, whatever the build machine's time zone."""
    with _time_zone("America/Los_Angeles"):
        write_open_data(
            tmp_path, reports, load_regional_actors(REFERENCE_DIR), history=uniform_history(reports), as_of=as_of_date()
        )
    workbook = load_workbook(tmp_path / "medfinansiering.xlsx")
    assert workbook.properties.creator == "casebook"
    assert (
        workbook.properties.created == workbook.properties.modified == dt.datetime(2099, 3, 1, 12, 0)
    )  # MODIFIED, in UTC
    sheet = workbook["Beslut"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    widths = {title: sheet.column_dimensions[chr(ord("A") + i)].width for i, title in enumerate(header[:26])}
    assert widths["Ärende-id"] == 12  # short titles get a usable minimum
    assert widths["Beslutsfattarens organisationsnummer"] == len("Beslutsfattarens organisationsnummer") + 2


def test_the_decision_makers_own_line_is_marked(reports, numbers):
    rows = [r for r in financing_rows(reports, numbers) if r["case_id"] == "fiktiv-bas"]
    assert [(r["financier"], r["is_decision_maker"]) for r in rows] == [
        ("Tillväxtverket", False),
        ("Region Dalarna", True),
        ("Region Gävleborg", False),
        ("Fiktiva Exempelbolaget AB", False),
    ]


def test_open_data_is_written_into_a_folder_not_there_yet_with_indented_utc_json(tmp_path, reports):
    from casebook.render.opendata_tables import iso_time

    out = tmp_path / "book" / "_generated" / "extra" / "data"  # as the build stages it: no parent exists yet
    write_open_data(
        out,
        reports,
        load_regional_actors(REFERENCE_DIR),
        publisher=PUBLISHER,
        history=uniform_history(reports),
        as_of=as_of_date(),
    )
    assert (out / "beslut.json").read_text(encoding="utf-8").startswith('[\n  {\n    "case_id": "rjh-2025-spin",\n')
    assert (out / "360giving.json").read_text(encoding="utf-8").startswith('{\n  "version": "1.4",\n')
    assert "Jämtland" in (out / "beslut.json").read_text(encoding="utf-8")  # UTF-8 text, not \\u escapes
    with _time_zone("Europe/Stockholm"):
        assert iso_time(dt.datetime(2099, 7, 1, 22, 30, tzinfo=dt.UTC)) == "2099-07-01T22:30:00Z"


def test_the_case_files_rule_outcomes_and_schema_are_published(written, reports):
    from casebook.domain.rules import RULES

    spin = json.loads((written / "regelutfall" / "rjh-2025-spin.json").read_text(encoding="utf-8"))
    assert list(spin) == ["case_id", "results"] and spin["case_id"] == "rjh-2025-spin"
    assert [r["rule_id"] for r in spin["results"]] == [r.rule.id for r in reports[0].results]
    assert {r["rule_id"] for r in spin["results"]} <= {rule.id for rule in RULES}
    schema = json.loads((written / "arendefil.schema.json").read_text(encoding="utf-8"))
    assert schema["title"].startswith("Ärendefil") and "financing_plan" in schema["properties"]
    for report in reports:
        assert (written / "arenden" / f"{report.case.id}.yaml").read_bytes() == report.source.read_bytes()


def test_writing_again_into_the_same_folder_gives_the_same_files(tmp_path, reports):
    write_open_data(tmp_path / "data", reports, (), history=uniform_history(reports), as_of=as_of_date())
    first = {p.relative_to(tmp_path / "data"): p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file()}
    write_open_data(tmp_path / "data", reports, (), history=uniform_history(reports), as_of=as_of_date())
    assert {
        p.relative_to(tmp_path / "data"): p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file()
    } == first


def test_the_open_data_page_lists_only_the_folders_that_hold_files(tmp_path):
    from casebook.render.opendata import published_folders

    reports = [
        evaluate_case(FICTIONAL_BASE_PATH, REFERENCE_DIR, as_of=as_of_date())
    ]  # names no source document: no kallor/
    write_open_data(tmp_path, reports, (), history=uniform_history(reports), as_of=as_of_date())
    assert [folder for folder, _, _ in published_folders(tmp_path)] == ["arenden", "regelutfall"]
    (tmp_path / "kallor").mkdir()
    assert [folder for folder, _, _ in published_folders(tmp_path)] == ["arenden", "regelutfall"]  # empty: not listed
