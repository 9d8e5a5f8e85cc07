"""The metadata open-data portals read: the Frictionless data package (checked with
``frictionless validate``) and the DCAT-AP-SE catalogue (checked with rdflib queries against
the profile's mandatory properties). Each check must also fail on a planted error.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys

import pytest
from conftest import FICTIONAL_BASE_PATH, REFERENCE_DIR, REPO, SPIN_PATH, frictionless_validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from casebook.domain.evaluation import evaluate_case
from casebook.domain.reference import Publisher, load_national_agencies, load_regional_actors
from casebook.render.opendata import write_open_data

PUBLISHER = Publisher(name="Region Dalarna", organisation_number="232100-0000", contact_email="oppnadata@example.invalid",
                      site_url="https://data.example.invalid/casebook/")
MODIFIED = dt.datetime(2099, 3, 1, 12, 0, tzinfo=dt.UTC)
CASES = [SPIN_PATH, FICTIONAL_BASE_PATH, REPO / "tests" / "opendata_cases" / "fiktiv-avslag.yaml",
         REPO / "tests" / "hostile" / "fiktiv-injektion.yaml",
         REPO / "tests" / "cases" / "fiktiv-uppfoljning-forskott.yaml", REPO / "tests" / "cases" / "fiktiv-uppfoljning-tak.yaml"]
VCARD = "http://www.w3.org/2006/vcard/ns#"
# Plain namespaces: rdflib's closed DCAT namespace warns when pytest inspects the module.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("data")
    write_open_data(out, [evaluate_case(p, REFERENCE_DIR) for p in CASES], load_regional_actors(REFERENCE_DIR),
                    agencies=load_national_agencies(REFERENCE_DIR), publisher=PUBLISHER, modified=MODIFIED)
    return out


@pytest.fixture
def copy(written, tmp_path):
    target = tmp_path / "data"
    shutil.copytree(written, target)
    return target


# --- Frictionless ------------------------------------------------------------------------------

def error_types(report: dict) -> set[str]:
    return {error["type"] for task in report["tasks"] for error in task["errors"]} | {e["type"] for e in report["errors"]}


def test_frictionless_validate_passes(written):
    code, report = frictionless_validate(written)
    assert (code, report["valid"], error_types(report)) == (0, True, set())
    assert [task["name"] for task in report["tasks"]] == ["beslut", "finansieringsplaner", "utbetalningar"]
    assert [task["stats"]["rows"] for task in report["tasks"]] == [6, 5 + 4 * 5, 4 + 4]  # SPIN has five financiers


def _without_hashes(folder) -> None:
    """Drop the files' sizes and hashes from the package, so that only the schema can catch a planted error."""
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        resource.pop("hash"), resource.pop("bytes")
    (folder / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")


def test_frictionless_validate_fails_on_a_text_amount_in_the_payments(copy):
    path = copy / "utbetalningar.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",44000,", ",44 000 kr,", 1), encoding="utf-8")
    _without_hashes(copy)
    code, report = frictionless_validate(copy)
    assert code != 0 and not report["valid"]
    assert error_types(report) == {"type-error"}


def test_frictionless_validate_fails_on_a_payment_of_an_unknown_case(copy):
    path = copy / "utbetalningar.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("fiktiv-uppfoljning-tak,", "fiktiv-finns-inte,", 1), encoding="utf-8")
    _without_hashes(copy)
    code, report = frictionless_validate(copy)
    assert code != 0 and error_types(report) == {"foreign-key"}


def test_frictionless_validate_fails_on_a_payment_listed_twice(copy):
    path = copy / "utbetalningar.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join([*lines, lines[-1]]), encoding="utf-8")
    _without_hashes(copy)
    code, report = frictionless_validate(copy)
    assert code != 0 and error_types(report) == {"primary-key"}


def test_frictionless_validate_fails_on_a_text_amount(copy):
    path = copy / "finansieringsplaner.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",800000,", ",800 000 kr,", 1), encoding="utf-8")
    code, report = frictionless_validate(copy)
    assert code != 0 and not report["valid"]
    assert "type-error" in error_types(report)


def test_frictionless_validate_fails_on_a_plan_line_of_an_unknown_case(copy):
    package = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    path = copy / "finansieringsplaner.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("fiktiv-bas,", "fiktiv-finns-inte,", 1), encoding="utf-8")
    for resource in package["resources"]:  # keep the hash check out of it: the key must catch this alone
        resource.pop("hash"), resource.pop("bytes")
    (copy / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    code, report = frictionless_validate(copy)
    assert code != 0 and error_types(report) == {"foreign-key"}


def test_the_package_describes_every_column_in_swedish_with_licence_and_publisher(written):
    package = json.loads((written / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"] == [{"name": "CC0-1.0", "path": "http://creativecommons.org/publicdomain/zero/1.0/",
                                    "title": "Creative Commons Zero v1.0 Universal (CC0 1.0)"}]
    assert package["contributors"][0]["title"] == "Region Dalarna" and package["contributors"][0]["role"] == "publisher"
    decisions, plans, payments = package["resources"]
    fields = {f["name"]: f for f in decisions["schema"]["fields"]}
    assert fields["total_financing_sek"]["type"] == "integer" and fields["total_financing_sek"]["unit"] == "SEK"
    assert fields["total_financing_sek"]["title"] == "Total finansiering (kr)"
    assert fields["decision_date"]["type"] == "date" and fields["status"]["constraints"]["enum"] == ["proposal", "decided", "rejected"]
    assert fields["follow_up_status"]["constraints"]["enum"] == ["proposal", "rejected", "decided", "in_progress", "final_report_due",
                                                                  "final_report_overdue", "final_report_received", "closed"]
    assert fields["follow_up_status_date"]["type"] == "date"
    assert all(f["title"] and f["description"] for r in (decisions, plans, payments) for f in r["schema"]["fields"])
    assert decisions["schema"]["primaryKey"] == ["case_id"] and plans["schema"]["primaryKey"] == ["case_id", "line"]
    case_key = [{"fields": ["case_id"], "reference": {"resource": "beslut", "fields": ["case_id"]}}]
    assert plans["schema"]["foreignKeys"] == case_key


def test_the_package_describes_the_payments_table(written):
    payments = json.loads((written / "datapackage.json").read_text(encoding="utf-8"))["resources"][2]
    assert (payments["name"], payments["path"], payments["title"]) == ("utbetalningar", "utbetalningar.csv", "Utbetalningar")
    assert payments["schema"]["primaryKey"] == ["case_id", "number"]
    assert payments["schema"]["foreignKeys"] == [{"fields": ["case_id"], "reference": {"resource": "beslut", "fields": ["case_id"]}}]
    fields = {f["name"]: f for f in payments["schema"]["fields"]}
    assert (fields["payable_sek"]["type"], fields["payable_sek"]["unit"], fields["payable_sek"]["title"]) == ("integer", "SEK", "Att betala (kr)")
    assert "avrundat nedåt till hela kronor" in fields["entitled_sek"]["description"]
    assert fields["share_percent"]["unit"] == "procent" and fields["paid_date"]["type"] == "date"
    assert fields["kind"]["constraints"]["enum"] == ["advance", "payment_request"]


# --- DCAT-AP-SE ----------------------------------------------------------------------------------

MANDATORY = {
    # DCAT-AP-SE: the catalogue, dataset and distribution properties a harvester requires,
    # and the ones this catalogue promises (licence, contact point, temporal coverage, ...).
    DCAT.Catalog: (DCTERMS["title"], DCTERMS["description"], DCTERMS.publisher, DCAT.dataset, FOAF.homepage, DCTERMS.license, DCTERMS.modified),
    DCAT.Dataset: (DCTERMS["title"], DCTERMS["description"], DCTERMS.publisher, DCAT.contactPoint, DCTERMS.temporal, DCTERMS.modified, DCAT.distribution),
    DCAT.Distribution: (DCAT.accessURL, DCAT.downloadURL, DCTERMS["format"], DCAT.mediaType, DCTERMS.license, DCTERMS["title"]),
    FOAF.Agent: (FOAF.name, DCTERMS.type),
    URIRef(VCARD + "Organization"): (URIRef(VCARD + "fn"), URIRef(VCARD + "hasEmail")),
    DCTERMS.PeriodOfTime: (DCAT.startDate, DCAT.endDate),
}
SWEDISH = (DCTERMS["title"], DCTERMS["description"], FOAF.name)


def dcat_problems(graph: Graph) -> list[str]:
    """Every missing mandatory property and every title, description or name not in Swedish."""
    problems = []
    for cls, properties in MANDATORY.items():
        nodes = set(graph.subjects(RDF.type, cls))
        if not nodes:
            problems.append(f"ingen {cls}")
        for node in nodes:
            problems += [f"{node} saknar {p}" for p in properties if graph.value(node, p) is None]
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o . FILTER(isLiteral(?o) && lang(?o) != 'sv') }"
    problems += [f"{s} {p} är inte på svenska" for s, p, o in graph.query(query) if p in SWEDISH]
    return problems


def test_the_catalogue_has_every_mandatory_property(written):
    graph = Graph().parse(written / "katalog.rdf", format="xml")
    assert dcat_problems(graph) == []
    datasets = sorted(str(graph.value(d, DCTERMS["title"])) for d in graph.subjects(RDF.type, DCAT.Dataset))
    assert datasets == ["Beviljade bidrag enligt 360Giving", "Regionala medfinansieringsbeslut"]
    downloads = sorted(str(o) for o in graph.objects(None, DCAT.downloadURL))
    assert "https://data.example.invalid/casebook/data/360giving.json" in downloads and len(downloads) == 10
    assert {"https://data.example.invalid/casebook/data/utbetalningar.csv", "https://data.example.invalid/casebook/data/utbetalningar.json",
            "https://data.example.invalid/casebook/data/utbetalningar.schema.json"} <= set(downloads)
    payments_json = URIRef("https://data.example.invalid/casebook/data/katalog.rdf#utbetalningar.json")
    assert str(graph.value(payments_json, DCTERMS.conformsTo)) == "https://data.example.invalid/casebook/data/utbetalningar.schema.json"
    formats = {str(o).rsplit("/", 1)[1] for o in graph.objects(None, DCTERMS["format"])}
    assert formats == {"CSV", "JSON", "XLSX"}
    email = next(graph.objects(None, URIRef(VCARD + "hasEmail")))
    assert str(email) == "mailto:oppnadata@example.invalid"


def test_temporal_coverage_is_the_span_of_the_project_periods(written):
    graph = Graph().parse(written / "katalog.rdf", format="xml")
    decisions = next(d for d in graph.subjects(RDF.type, DCAT.Dataset) if str(graph.value(d, DCTERMS["title"])) == "Regionala medfinansieringsbeslut")
    period = graph.value(decisions, DCTERMS.temporal)
    assert (str(graph.value(period, DCAT.startDate)), str(graph.value(period, DCAT.endDate))) == ("2017-03-01", "2100-12-31")


def test_the_check_fails_on_a_planted_error(written):
    graph = Graph().parse(written / "katalog.rdf", format="xml")
    dataset = next(graph.subjects(RDF.type, DCAT.Dataset))
    graph.remove((dataset, DCAT.contactPoint, None))
    title = graph.value(dataset, DCTERMS["title"])
    graph.set((dataset, DCTERMS["title"], Literal(str(title), lang="en")))
    problems = dcat_problems(graph)
    assert f"{dataset} saknar {DCAT.contactPoint}" in problems
    assert f"{dataset} {DCTERMS['title']} är inte på svenska" in problems


def test_the_catalogue_is_the_same_bytes_whatever_the_hash_seed(written, tmp_path):
    code = ("import datetime as dt, sys; from pathlib import Path; from casebook.domain.evaluation import evaluate_case; "
            "from casebook.domain.reference import Publisher, load_regional_actors; from casebook.render.opendata import write_open_data; "
            f"p = Publisher(name='Region Dalarna', organisation_number='232100-0000', contact_email='oppnadata@example.invalid', site_url='{PUBLISHER.site_url}'); "
            f"r = [evaluate_case(Path(c), Path('{REFERENCE_DIR}')) for c in {[str(c) for c in CASES]!r}]; "
            f"write_open_data(Path(sys.argv[1]), r, load_regional_actors(Path('{REFERENCE_DIR}')), publisher=p, modified=dt.datetime(2099, 3, 1, 12, tzinfo=dt.UTC))")
    outputs = []
    for seed in ("1", "2"):
        subprocess.run([sys.executable, "-c", code, str(tmp_path / seed)], env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin"}, cwd=REPO, check=True)
        outputs.append((tmp_path / seed / "katalog.rdf").read_bytes())
    assert outputs[0] == outputs[1]
