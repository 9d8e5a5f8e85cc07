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
from pathlib import Path

import pytest
from conftest import FICTIONAL_BASE_PATH, REFERENCE_DIR, REPO, SPIN_PATH
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from casebook.domain.evaluation import evaluate_case
from casebook.domain.reference import Publisher, load_national_agencies, load_regional_actors
from casebook.render.opendata import write_open_data

PUBLISHER = Publisher(name="Region Dalarna", organisation_number="232100-0000", contact_email="oppnadata@example.invalid",
                      site_url="https://data.example.invalid/casebook/")
MODIFIED = dt.datetime(2099, 3, 1, 12, 0, tzinfo=dt.UTC)
CASES = [SPIN_PATH, FICTIONAL_BASE_PATH, REPO / "tests" / "opendata_cases" / "fiktiv-avslag.yaml",
         REPO / "tests" / "hostile" / "fiktiv-injektion.yaml"]
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

def frictionless_validate(folder) -> tuple[int, dict]:
    """``frictionless validate --json datapackage.json`` in ``folder``: exit code and report."""
    command = [str(Path(sys.executable).parent / "frictionless"), "validate", "--json", "datapackage.json"]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
    return done.returncode, json.loads(done.stdout)


def error_types(report: dict) -> set[str]:
    return {error["type"] for task in report["tasks"] for error in task["errors"]} | {e["type"] for e in report["errors"]}


def test_frictionless_validate_passes(written):
    code, report = frictionless_validate(written)
    assert (code, report["valid"], error_types(report)) == (0, True, set())
    assert [task["name"] for task in report["tasks"]] == ["beslut", "finansieringsplaner"]


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
    decisions, plans = package["resources"]
    fields = {f["name"]: f for f in decisions["schema"]["fields"]}
    assert fields["total_financing_sek"]["type"] == "integer" and fields["total_financing_sek"]["unit"] == "SEK"
    assert fields["total_financing_sek"]["title"] == "Total finansiering (kr)"
    assert fields["decision_date"]["type"] == "date" and fields["status"]["constraints"]["enum"] == ["proposal", "decided", "rejected"]
    assert all(f["title"] and f["description"] for r in (decisions, plans) for f in r["schema"]["fields"])
    assert decisions["schema"]["primaryKey"] == ["case_id"] and plans["schema"]["primaryKey"] == ["case_id", "line"]
    assert plans["schema"]["foreignKeys"] == [{"fields": ["case_id"], "reference": {"resource": "beslut", "fields": ["case_id"]}}]


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
    assert "https://data.example.invalid/casebook/data/360giving.json" in downloads and len(downloads) == 7
    formats = {str(o).rsplit("/", 1)[1] for o in graph.objects(None, DCTERMS["format"])}
    assert formats == {"CSV", "JSON", "XLSX"}
    email = next(graph.objects(None, URIRef(VCARD + "hasEmail")))
    assert str(email) == "mailto:oppnadata@example.invalid"


def test_temporal_coverage_is_the_span_of_the_project_periods(written):
    graph = Graph().parse(written / "katalog.rdf", format="xml")
    decisions = next(d for d in graph.subjects(RDF.type, DCAT.Dataset) if str(graph.value(d, DCTERMS["title"])) == "Regionala medfinansieringsbeslut")
    period = graph.value(decisions, DCTERMS.temporal)
    assert (str(graph.value(period, DCAT.startDate)), str(graph.value(period, DCAT.endDate))) == ("2025-11-03", "2100-12-31")


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
