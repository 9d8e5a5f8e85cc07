"""One definition, every format: the JSON Schemas say what the Table Schemas say (bounds,
codes, patterns, dates) and more (the organisation numbers' check digit, the conditions a
row's state sets), and a default validator rejects what the data must never hold. Every
format carries the same values, organisation numbers included, wherever a number is known.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import jsonschema
import pytest
from conftest import FICTIONAL_BASE_PATH, REFERENCE_DIR, REPO, SPIN_PATH
from opendata_support import MODIFIED, PUBLISHER, uniform_history
from openpyxl import load_workbook

from casebook.domain.clock import as_of_date
from casebook.domain.evaluation import evaluate_case
from casebook.domain.reference import load_national_agencies, load_regional_actors
from casebook.render import datapackage
from casebook.render.opendata import write_open_data
from casebook.render.opendata_tables import TABLES, Column, Table, json_schema_for, xlsx_bytes

CASES = [
    SPIN_PATH,
    FICTIONAL_BASE_PATH,
    REPO / "tests" / "opendata_cases" / "fiktiv-lagre-belopp.yaml",
    REPO / "tests" / "opendata_cases" / "fiktiv-avslag.yaml",
    REPO / "tests" / "cases" / "fiktiv-uppfoljning-forskott.yaml",
]


@pytest.fixture(scope="module")
def reports():
    return [evaluate_case(p, REFERENCE_DIR, as_of=as_of_date()) for p in CASES]


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


def rows_and_schema(written, name: str) -> tuple[list[dict], dict]:
    return (
        json.loads((written / f"{name}.json").read_text(encoding="utf-8")),
        json.loads((written / f"{name}.schema.json").read_text(encoding="utf-8")),
    )


def rejects(schema: dict, rows: list[dict]) -> bool:
    """Whether a default validator (the schema's own draft, no format checking) rejects the rows."""
    return not jsonschema.validators.validator_for(schema)(schema).is_valid(rows)


@pytest.mark.parametrize("name", [t.name for t in TABLES])
def test_every_typed_json_file_passes_its_schema_with_formats(written, name):
    rows, schema = rows_and_schema(written, name)
    assert rows
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(rows)] == []


def test_a_default_validator_rejects_what_the_decisions_must_never_hold(written):
    rows, schema = rows_and_schema(written, "beslut")
    by_id = {r["case_id"]: r for r in rows}
    spin, decided, rejected = by_id["rjh-2025-spin"], by_id["fiktiv-bas"], by_id["fiktiv-avslag"]
    assert not rejects(schema, rows)
    assert rejects(schema, [dict(decided, decided_max_amount_sek=-1)])
    assert rejects(schema, [dict(decided, amount_applied_for_sek=-1)])
    assert rejects(schema, [dict(decided, decided_share_percent=150)])
    assert rejects(schema, [dict(decided, rules_met=-1)])
    assert rejects(schema, [dict(decided, decision_date=None)])  # decided without a date
    assert rejects(schema, [dict(decided, decided_max_amount_sek=None)])  # decided without an amount
    assert rejects(schema, [dict(spin, decided_max_amount_sek=750_000)])  # a proposal with a decided amount
    assert rejects(schema, [dict(spin, decision_date="2025-12-01")])  # a proposal with a decision date
    assert rejects(schema, [dict(spin, follow_up_status="decided")])
    assert rejects(schema, [dict(rejected, decided_share_percent=20.0)])  # a rejection grants nothing
    assert rejects(schema, [dict(decided, decision_maker_organisation_number="232100-0181")])  # wrong check digit
    assert rejects(schema, [dict(decided, applicant_organisation_number="811218-9876")])  # a personal identity number
    assert rejects(schema, [dict(decided, status="beviljat")])
    assert not rejects(schema, [dict(decided, applicant_organisation_number="232100-0198")])  # a valid number is fine


def test_format_checking_rejects_an_impossible_date(written):
    rows, schema = rows_and_schema(written, "beslut")
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assert not validator.is_valid([dict(rows[0], project_start="2099-02-30")])


def test_a_default_validator_rejects_what_the_plans_and_payments_must_never_hold(written):
    plans, plan_schema = rows_and_schema(written, "finansieringsplaner")
    assert rejects(plan_schema, [dict(plans[0], amount_sek=-1)])
    assert rejects(plan_schema, [dict(plans[0], share_percent=150)])
    assert rejects(plan_schema, [dict(plans[0], line=0)])
    assert rejects(plan_schema, [dict(plans[0], organisation_number="202100-6148")])
    payments, payment_schema = rows_and_schema(written, "utbetalningar")
    advance = next(p for p in payments if p["kind"] == "advance")
    request = next(p for p in payments if p["kind"] == "payment_request")
    assert rejects(payment_schema, [dict(advance, payable_sek=-1)])
    assert rejects(payment_schema, [dict(advance, number=1)])
    assert rejects(payment_schema, [dict(advance, period_start="2099-01-01")])
    assert rejects(payment_schema, [dict(request, received=None)])


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_the_json_schema_and_the_table_schema_say_the_same(table):
    """For every column: the same type, bounds, codes and pattern in the JSON Schema and the Table Schema."""
    properties = json_schema_for(table)["items"]["properties"]
    fields = {f["name"]: f for f in datapackage.table_schema(table)["fields"]}
    assert list(properties) == list(fields) == [c.name for c in table.columns]
    for column in table.columns:
        prop, constraints = properties[column.name], fields[column.name].get("constraints", {})
        assert prop["description"] == fields[column.name]["description"], column.name
        assert constraints.get("required", False) == column.required, column.name
        if column.organisation_number:
            number = {"$ref": "#/$defs/organisation_number"}
            assert prop.get("anyOf", [prop])[0] == number and constraints["pattern"].startswith("^[0-9]{2}[2-9]")
            continue
        types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        expected = {
            "string": "string",
            "date": "string",
            "integer": "integer",
            "number": "number",
            "boolean": "boolean",
        }
        assert types == [expected[column.type]] + ([] if column.required else ["null"]), column.name
        assert prop.get("format") == ("date" if column.type == "date" else None), column.name
        assert prop.get("minimum") == constraints.get("minimum") and prop.get("maximum") == constraints.get(
            "maximum"
        ), column.name
        assert [v for v in prop.get("enum", []) if v is not None] == constraints.get("enum", []), column.name
        assert prop.get("pattern") == constraints.get("pattern"), column.name
    money = [c for c in table.columns if c.unit == "SEK"]
    assert money and all(properties[c.name]["minimum"] >= 0 for c in money)


def test_the_table_schema_states_the_conditions_it_cannot_check(written):
    package = json.loads((written / "datapackage.json").read_text(encoding="utf-8"))
    decisions = next(r for r in package["resources"] if r["name"] == "beslut")
    assert (
        "När status är decided: ifyllda: decision_date, decided_share_percent, decided_max_amount_sek."
        in decisions["description"]
    )
    assert "När status är proposal: tomma: decision_date, decided_by, decision_reference" in decisions["description"]
    assert decisions["description"].endswith(
        "Villkor per rad (kontrolleras av JSON Schema för tabellens JSON-fil): När status är proposal: tomma: decision_date, "
        "decided_by, decision_reference, decided_share_percent, decided_max_amount_sek; follow_up_status = proposal. "
        "När status är decided: ifyllda: decision_date, decided_share_percent, decided_max_amount_sek. När status är rejected: "
        "ifyllda: decision_date, decided_by; tomma: decided_share_percent, decided_max_amount_sek; follow_up_status = rejected."
    )
    plans = next(r for r in package["resources"] if r["name"] == "finansieringsplaner")
    assert (
        plans["description"] == "Alla finansieringsplaner, en rad per finansiär och ärende."
    )  # no conditions to state
    assert (
        decisions["schema"]["missingValues"] == plans["schema"]["missingValues"] == [""]
    )  # an empty field is a missing value


def test_the_financing_plans_are_published_as_json_with_total_costs_in_the_decisions(written):
    plans, _ = rows_and_schema(written, "finansieringsplaner")
    spin = [p for p in plans if p["case_id"] == "rjh-2025-spin"]
    assert sum(p["amount_sek"] for p in spin) == 6_200_285 and spin[0]["share_percent"] == 48.3849
    decisions = {r["case_id"]: r for r in rows_and_schema(written, "beslut")[0]}
    assert decisions["fiktiv-bas"]["total_costs_sek"] == 2_000_000
    assert decisions["rjh-2025-spin"]["total_costs_sek"] is None  # the memo gives the financing plan only
    table = list(csv.DictReader(io.StringIO((written / "beslut.csv").read_text(encoding="utf-8"))))
    assert {r["case_id"]: r["total_costs_sek"] for r in table}["fiktiv-bas"] == "2000000"


# --- Organisation numbers in every table and format ----------------------------------------


def known_numbers() -> dict[str, str]:
    return {
        name: o.organisation_number
        for o in (*load_regional_actors(REFERENCE_DIR), *load_national_agencies(REFERENCE_DIR))
        if o.organisation_number
        for name in o.names
    }


def csv_rows(written, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO((written / f"{name}.csv").read_text(encoding="utf-8"))))


def sheet_rows(written, title: str) -> list[dict]:
    sheet = load_workbook(written / "medfinansiering.xlsx")[title]
    header = [c.value for c in sheet[1]]
    return [{h: c.value for h, c in zip(header, row, strict=True)} for row in sheet.iter_rows(min_row=2)]


def test_every_known_organisation_number_is_in_every_table_and_format(written):
    known = known_numbers()
    pairs = []  # (organisation, number in the file) for every organisation cell of every file
    for rows in (csv_rows(written, "beslut"), rows_and_schema(written, "beslut")[0]):
        for r in rows:
            pairs += [
                (r["decision_maker"], r["decision_maker_organisation_number"] or None),
                (r["applicant"], r["applicant_organisation_number"] or None),
            ]
    for r in sheet_rows(written, "Beslut"):
        pairs += [
            (r["Beslutsfattare"], r["Beslutsfattarens organisationsnummer"]),
            (r["Projektägare"], r["Projektägarens organisationsnummer"]),
        ]
    for rows in (csv_rows(written, "finansieringsplaner"), rows_and_schema(written, "finansieringsplaner")[0]):
        pairs += [(r["financier"], r["organisation_number"] or None) for r in rows]
    pairs += [(r["Finansiär"], r["Organisationsnummer"]) for r in sheet_rows(written, "Finansieringsplaner")]
    giving = json.loads((written / "360giving.json").read_text(encoding="utf-8"))
    for grant in giving["grants"]:
        for org in (
            *grant["recipientOrganization"],
            *grant["fundingOrganization"],
            *(c["organization"] for c in grant["x_coFinancing"]),
        ):
            pairs.append((org["name"], org["id"].removeprefix("SE-ON-") if org["id"].startswith("SE-ON-") else None))
    assert len(pairs) > 100
    missing = sorted({name for name, number in pairs if name in known and number != known[name]})
    assert missing == []
    assert {name for name, number in pairs if number} == {name for name, _ in pairs if name in known}
    decided = next(r for r in rows_and_schema(written, "beslut")[0] if r["case_id"] == "fiktiv-bas")
    assert (
        decided["decision_maker_organisation_number"] == "232100-0180"
    )  # the case file states none: the reference data does
    spin_plan = [r for r in rows_and_schema(written, "finansieringsplaner")[0] if r["case_id"] == "rjh-2025-spin"]
    assert [r["organisation_number"] for r in spin_plan] == ["202100-6149", None, None, None, "232100-0214"]


# --- One slug function ---------------------------------------------------------------------------


def test_an_organisation_has_the_same_slug_on_its_page_and_in_the_360giving_ids(reports, written):
    from casebook.render.pages import organisation_slugs

    pages = organisation_slugs(reports)
    giving = json.loads((written / "360giving.json").read_text(encoding="utf-8"))
    own_ids = {
        org["name"]: org["id"]
        for grant in giving["grants"]
        for org in (*grant["recipientOrganization"], *(c["organization"] for c in grant["x_coFinancing"]))
        if not org["id"].startswith("SE-ON-")
    }
    assert own_ids  # Region Gävleborg and Fiktiva Exempelbolaget AB have no known number
    assert {name: i.removeprefix("360G-fiktiv-org-") for name, i in own_ids.items()} == {
        name: pages[name] for name in own_ids
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Region Jämtland Härjedalen", "region-jamtland-harjedalen"),
        ("Ærø Kommune", "aero-kommune"),
        ("Łódź Voivodeship", "lodz-voivodeship"),
        ("Straße & Söhne", "strasse-sohne"),
        ("Société Générale", "societe-generale"),
        ("Region  Gävleborg!", "region-gavleborg"),
        # A long name is cut at 60 characters, so a page name or an id stays short.
        (
            "Stiftelsen för regional utveckling och samverkan i Norra Sverige och Mellersta Norrland",
            "stiftelsen-for-regional-utveckling-och-samverkan-i-norra-sve",
        ),
    ],
)
def test_names_are_transliterated_not_dropped(name, expected):
    from casebook.render.pages import organisation_slugs
    from casebook.render.slugs import slug

    assert slug(name) == expected
    case = evaluate_case(FICTIONAL_BASE_PATH, REFERENCE_DIR, as_of=as_of_date())
    renamed = case.case.model_copy(update={"applicant": case.case.applicant.model_copy(update={"name": name})})
    assert organisation_slugs([dataclasses.replace(case, case=renamed)])[name] == expected


# --- Rows of sparser and older case files -----------------------------------------------------


def _variant(report, **changes):
    """The report of a case changed as ``changes`` say (model fields of the case)."""
    return dataclasses.replace(report, case=report.case.model_copy(update=changes))


def test_rows_of_a_case_without_status_final_report_or_known_numbers(reports):
    """An older case file (no ``status``: decided by its decision date) and one without a final-report date
    give empty cells, not an error; an applicant the reference data knows gets its number."""
    from casebook.render.opendata_tables import OrganisationNumbers, decision_rows

    bas = next(r for r in reports if r.case.id == "fiktiv-bas")
    dates = bas.case.dates.model_copy(update={"final_report_due": None})
    applicant = bas.case.applicant.model_copy(update={"name": "Region Jämtland Härjedalen"})
    older = _variant(bas, status=None, dates=dates, applicant=applicant)
    assert older.case.state.value == "decided"
    numbers = OrganisationNumbers([older], load_regional_actors(REFERENCE_DIR))
    row = decision_rows([older], numbers, as_of_date())[0]
    assert (row["status"], row["decided_by"], row["decision_reference"], row["final_report_due"]) == (
        "decided",
        None,
        None,
        None,
    )
    assert row["decision_date"] == "2017-02-15" and row["decided_max_amount_sek"] == 400_000
    assert row["applicant_organisation_number"] == "232100-0214"
    schema = json_schema_for(TABLES[0])
    assert not rejects(schema, [json.loads(json.dumps(row, default=float))])


def test_financing_lines_are_numbered_from_one_in_plan_order(written):
    plans, _ = rows_and_schema(written, "finansieringsplaner")
    for case_id in {p["case_id"] for p in plans}:
        lines = [p["line"] for p in plans if p["case_id"] == case_id]
        assert lines == list(range(1, len(lines) + 1)), case_id
    spin = [p["financier"] for p in plans if p["case_id"] == "rjh-2025-spin"]
    assert spin == [
        "Tillväxtverket",
        "Region Västerbotten",
        "Region Norrbotten",
        "Region Västernorrland",
        "Region Jämtland Härjedalen",
    ]


# --- The JSON Schemas' own structure ------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_a_row_is_an_object_with_exactly_the_tables_columns(written, table):
    rows, schema = rows_and_schema(written, table.name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert (schema["title"], schema["description"]) == (f"{table.title} (typad JSON)", table.description)
    row = rows[0]
    assert rejects(schema, [[row[c.name] for c in table.columns]])  # a row must be an object, not a list
    assert rejects(schema, [{k: v for k, v in row.items() if k != table.columns[-1].name}])  # every column present
    assert rejects(schema, [dict(row, extra="x")])  # and no other
    assert rejects(schema, {"rows": rows})  # the file is an array of rows


def test_each_condition_describes_itself_in_the_schema():
    from casebook.render.opendata_tables import DECISIONS, PAYMENTS

    for table in (DECISIONS, PAYMENTS):
        conditions = json_schema_for(table)["items"]["allOf"]
        assert [c["description"] for c in conditions] == [c.describe() for c in table.conditions]
    rejected = DECISIONS.conditions[2]
    assert rejected.describe() == (
        "När status är rejected: ifyllda: decision_date, decided_by; tomma: decided_share_percent, "
        "decided_max_amount_sek; follow_up_status = rejected."
    )


def test_required_and_optional_columns_of_every_kind_take_null_as_they_should():
    """Every branch of the schema generator, on a table made for it: a required and an optional
    organisation number, code, date and amount."""
    from casebook.render.opendata_tables import Column, Table

    columns = (
        Column("number", "string", "Nr", "Nr.", required=True, organisation_number=True),
        Column("other_number", "string", "Nr", "Nr.", organisation_number=True),
        Column("code", "string", "Kod", "Kod.", required=True, enum=("a", "b")),
        Column("other_code", "string", "Kod", "Kod.", enum=("a", "b")),
        Column("day", "date", "Dag", "Dag."),
        Column("amount", "integer", "Belopp", "Belopp.", unit="SEK", minimum=0),
    )
    schema = json_schema_for(Table("prov", "Prov", "Prov.", columns, ("number",)))
    row = {"number": "232100-0214", "other_number": None, "code": "a", "other_code": None, "day": None, "amount": 0}
    assert not rejects(schema, [row])
    assert not rejects(schema, [dict(row, other_number="202100-6149", other_code="b", day="2099-01-01")])
    for column, value in (
        ("number", None),
        ("code", None),
        ("other_code", "c"),
        ("other_number", "202100-6148"),
        ("amount", -1),
        ("day", 20990101),
    ):
        assert rejects(schema, [dict(row, **{column: value})]), column


# --- What each schema file says about itself --------------------------------------------------


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_each_schema_file_is_a_closed_json_schema_2020_12_for_a_list_of_rows(written, table):
    rows, schema = rows_and_schema(written, table.name)
    assert {k: schema[k] for k in ("$schema", "title", "description", "type")} == {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{table.title} (typad JSON)",
        "description": table.description,
        "type": "array",
    }
    row = rows[0]
    assert not rejects(schema, [row])
    assert rejects(schema, row)  # one row, not a list of rows
    assert rejects(schema, ["text"])  # a row is an object
    assert rejects(schema, [dict(row, extra_column=1)])
    for column in table.columns:  # every column is in every row, null or not
        assert rejects(schema, [{k: v for k, v in row.items() if k != column.name}]), column.name


def test_the_decision_schema_states_each_condition_and_which_codes_may_be_null(written):
    rows, schema = rows_and_schema(written, "beslut")
    proposal = schema["items"]["allOf"][0]
    assert proposal["description"] == (
        "När status är proposal: tomma: decision_date, decided_by, decision_reference, "
        "decided_share_percent, decided_max_amount_sek; follow_up_status = proposal."
    )
    assert proposal["if"] == {"properties": {"status": {"const": "proposal"}}, "required": ["status"]}
    properties = schema["items"]["properties"]
    assert properties["status"]["enum"] == ["proposal", "decided", "rejected"]  # required: never null
    assert properties["recommendation"]["enum"] == ["bifall", "delvis_bifall", "avslag", None]
    decided = next(r for r in rows if r["case_id"] == "fiktiv-bas")
    assert not rejects(schema, [dict(decided, recommendation=None)])


def test_a_required_organisation_number_is_never_null_in_the_json_schema():
    table = Table(
        "nummer",
        "Nummer",
        "En tabell.",
        (Column("number", "string", "Nummer", "Ett nummer.", required=True, organisation_number=True),),
        ("number",),
    )
    schema = json_schema_for(table)
    assert not rejects(schema, [{"number": "232100-0180"}])
    assert rejects(schema, [{"number": None}]) and rejects(schema, [{"number": "232100-0181"}])


def test_a_long_column_title_makes_the_column_at_most_50_wide():
    table = Table("lang", "Lång", "En tabell.", (Column("lang", "string", "L" * 70, "Lång rubrik."),), ("lang",))
    sheet = load_workbook(io.BytesIO(xlsx_bytes([(table, [{"lang": "x"}])], MODIFIED)))["Lång"]
    assert sheet.column_dimensions["A"].width == 50
