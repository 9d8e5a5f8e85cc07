"""The metadata open-data portals read: the Frictionless data package (checked with
``frictionless validate``) and the DCAT-AP-SE catalogue (checked with DIGG's own SHACL shapes
in pySHACL, the way DIGG's validator runs them: tests/dcat_ap_se.py, shapes and vocabularies
vendored in tests/reference). Each check must also fail on a planted error.

The end-to-end tests at the bottom build one site with decided, changed, rejected, proposed
and followed-up cases, published by the decision-maker of the decided ones, and run the
DCAT-AP-SE shapes, the 360Giving 1.4.3 schemas and frictionless on what it publishes.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup
from conftest import (
    FICTIONAL_BASE_PATH,
    REFERENCE_DIR,
    REPO,
    SPIN_PATH,
    copy_project,
    frictionless_validate,
    published_site,
)
from dcat_ap_se import validate_file, validate_graph
from opendata_support import PUBLISHER, codelist_problems, uniform_history, validator_360giving
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from casebook.domain.clock import as_of_date
from casebook.domain.evaluation import evaluate_case
from casebook.domain.reference import load_national_agencies, load_regional_actors
from casebook.render.opendata import write_open_data
from casebook.render.opendata_tables import CaseFileTimes, DataHistory

CASES = [
    SPIN_PATH,
    FICTIONAL_BASE_PATH,
    REPO / "tests" / "opendata_cases" / "fiktiv-avslag.yaml",
    REPO / "tests" / "hostile" / "fiktiv-injektion.yaml",
    REPO / "tests" / "cases" / "fiktiv-uppfoljning-forskott.yaml",
    REPO / "tests" / "cases" / "fiktiv-uppfoljning-tak.yaml",
]
VCARD = "http://www.w3.org/2006/vcard/ns#"
# Plain namespaces: rdflib's closed DCAT namespace warns when pytest inspects the module.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
SITE = PUBLISHER.site_url
TIMES = {  # each case file added and last changed on its own day
    "rjh-2025-spin": (dt.datetime(2098, 11, 1, tzinfo=dt.UTC), dt.datetime(2098, 12, 1, tzinfo=dt.UTC)),
    "fiktiv-bas": (dt.datetime(2099, 1, 5, tzinfo=dt.UTC), dt.datetime(2099, 2, 16, tzinfo=dt.UTC)),
    "fiktiv-avslag": (dt.datetime(2099, 1, 6, tzinfo=dt.UTC), dt.datetime(2099, 2, 22, tzinfo=dt.UTC)),
    "fiktiv-injektion": (dt.datetime(2099, 1, 7, tzinfo=dt.UTC), dt.datetime(2099, 2, 17, tzinfo=dt.UTC)),
    "fiktiv-uppfoljning-forskott": (dt.datetime(2099, 1, 8, tzinfo=dt.UTC), dt.datetime(2099, 3, 10, tzinfo=dt.UTC)),
    "fiktiv-uppfoljning-tak": (dt.datetime(2099, 1, 9, tzinfo=dt.UTC), dt.datetime(2099, 3, 11, tzinfo=dt.UTC)),
}
HISTORY = DataHistory({k: CaseFileTimes(*v) for k, v in TIMES.items()}, revisions=17)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("data")
    write_open_data(
        out,
        [evaluate_case(p, REFERENCE_DIR, as_of=as_of_date()) for p in CASES],
        load_regional_actors(REFERENCE_DIR),
        agencies=load_national_agencies(REFERENCE_DIR),
        publisher=PUBLISHER,
        history=HISTORY,
        as_of=as_of_date(),
    )
    return out


@pytest.fixture
def copy(written, tmp_path):
    target = tmp_path / "data"
    shutil.copytree(written, target)
    return target


@pytest.fixture(scope="module")
def graph(written):
    return Graph().parse(written / "katalog.rdf", format="xml")


# --- Frictionless ------------------------------------------------------------------------------


def error_types(report: dict) -> set[str]:
    return {error["type"] for task in report["tasks"] for error in task["errors"]} | {
        e["type"] for e in report["errors"]
    }


def test_frictionless_validate_passes(written):
    code, report = frictionless_validate(written)
    assert (code, report["valid"], error_types(report)) == (0, True, set())
    tables = [task for task in report["tasks"] if task["type"] == "table"]
    assert [task["name"] for task in tables] == ["beslut", "finansieringsplaner", "utbetalningar"]
    assert [task["stats"]["rows"] for task in tables] == [6, 5 + 4 * 5, 4 + 4]  # SPIN has five financiers
    assert len(report["tasks"]) == len(described_files(written)) - 1  # every file but the package itself: size and hash


def test_frictionless_validate_fails_on_a_changed_case_file(copy):
    case = copy / "arenden" / "fiktiv-bas.yaml"
    case.write_text(case.read_text(encoding="utf-8").replace("400000", "500000", 1), encoding="utf-8")
    code, report = frictionless_validate(copy)
    assert code != 0 and error_types(report) == {"hash-count"}  # same size, other bytes
    failed = [task["name"] for task in report["tasks"] if not task["valid"]]
    assert failed == ["arenden-fiktiv-bas-yaml"]


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
    path.write_text(
        path.read_text(encoding="utf-8").replace("fiktiv-uppfoljning-tak,", "fiktiv-finns-inte,", 1), encoding="utf-8"
    )
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
    assert package["licenses"] == [
        {
            "name": "CC0-1.0",
            "path": "http://creativecommons.org/publicdomain/zero/1.0/",
            "title": "Creative Commons Zero v1.0 Universal (CC0 1.0)",
        }
    ]
    assert package["contributors"] == [
        {
            "title": "Region Dalarna",
            "role": "publisher",
            "email": "oppnadata@example.invalid",
            "path": "https://data.example.invalid/casebook/",
        }
    ]
    assert {
        k: package[k] for k in ("profile", "name", "title", "homepage", "version", "created", "modified", "keywords")
    } == {
        "profile": "data-package",
        "name": "medfinansieringsbeslut",
        "title": "Regionala medfinansieringsbeslut",
        "homepage": "https://data.example.invalid/casebook/book/open_data.html",
        "version": "1.0.17",  # the format's version, then the case files' 17 revisions
        "created": "2098-11-01T00:00:00Z",
        "modified": "2099-03-11T00:00:00Z",
        "keywords": ["regional utveckling", "medfinansiering", "bidrag", "förordning (2003:596)"],
    }
    assert package["description"] == (
        "Ärenden om bidrag enligt förordning (2003:596) om bidrag för projektverksamhet inom den regionala utvecklingspolitiken: "
        "status, belopp, datum, regelutfall, projektens finansieringsplaner och utbetalningarna i de ärenden som registrerar "
        "uppföljning, samt ärendefilerna och regelutfallen fil för fil. Text som börjar med =, +, -, @, tabb, vagnretur eller "
        "nolltecken har ett ' först i CSV-filerna, så att kalkylprogram inte läser den som en formel; JSON- och xlsx-filerna har "
        "texten exakt. Fälten som är markerade som byggdagsvärden bedöms den dag webbplatsen byggs; created och modified avser "
        "ärendefilerna."
    )
    decisions, plans, payments = package["resources"][:3]
    fields = {f["name"]: f for f in decisions["schema"]["fields"]}
    assert fields["total_financing_sek"]["type"] == "integer" and fields["total_financing_sek"]["unit"] == "SEK"
    assert fields["total_financing_sek"]["title"] == "Total finansiering (kr)"
    assert fields["total_financing_sek"]["constraints"] == {"required": True, "minimum": 1, "maximum": 10_000_000_000}
    assert fields["decided_share_percent"]["constraints"] == {"minimum": 0, "maximum": 100}
    assert (fields["proposed_share_percent"]["unit"], fields["proposed_share_percent"]["constraints"]) == (
        "procent",
        {"required": True, "minimum": 0, "maximum": 100},
    )
    counts = [name for name in fields if name.startswith("rules_")]
    assert len(counts) == 6
    for name in counts:  # every count of rule outcomes is stated, whole and at least 0
        assert (fields[name]["type"], fields[name]["unit"], fields[name]["constraints"]) == (
            "integer",
            "antal",
            {"required": True, "minimum": 0},
        )
        assert fields[name]["description"].endswith(" Enhet: antal."), name
    assert fields["decision_date"]["type"] == "date" and fields["status"]["constraints"]["enum"] == [
        "proposal",
        "decided",
        "rejected",
    ]
    assert fields["follow_up_status"]["constraints"]["enum"] == [
        "proposal",
        "rejected",
        "decided",
        "in_progress",
        "final_report_due",
        "final_report_overdue",
        "final_report_received",
        "closed",
    ]
    assert fields["follow_up_status_date"]["type"] == "date"
    assert all(f["title"] and f["description"] for r in (decisions, plans, payments) for f in r["schema"]["fields"])
    assert decisions["schema"]["primaryKey"] == ["case_id"] and plans["schema"]["primaryKey"] == ["case_id", "line"]
    case_key = [{"fields": ["case_id"], "reference": {"resource": "beslut", "fields": ["case_id"]}}]
    assert plans["schema"]["foreignKeys"] == case_key


def test_a_boolean_field_reads_only_the_true_and_false_the_csv_writes(written):
    """Table Schema's default truth values also read 1, True, TRUE and their opposites: each boolean
    field names the two words the CSV files use, and no other field names any."""
    package = json.loads((written / "datapackage.json").read_text(encoding="utf-8"))
    booleans = 0
    for resource in package["resources"][:3]:
        with (written / resource["path"]).open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        for field in resource["schema"]["fields"]:
            if field["type"] == "boolean":
                booleans += 1
                assert (field["trueValues"], field["falseValues"]) == (["true"], ["false"]), field["name"]
                assert {row[field["name"]] for row in rows} <= {"true", "false", ""}, field["name"]
            else:
                assert not {"trueValues", "falseValues"} & set(field), field["name"]
    assert booleans >= 2


def test_the_build_day_fields_say_so(written):
    package = json.loads((written / "datapackage.json").read_text(encoding="utf-8"))
    fields = {f["name"]: f for f in package["resources"][0]["schema"]["fields"]}
    build_day = sorted(name for name, f in fields.items() if "Byggdagsvärde" in f["description"])
    assert build_day == ["follow_up_status", "follow_up_status_date", "follow_up_status_label"]
    assert "bedöms den dag webbplatsen byggs; created och modified avser ärendefilerna" in package["description"]


def test_the_package_describes_the_payments_table(written):
    payments = json.loads((written / "datapackage.json").read_text(encoding="utf-8"))["resources"][2]
    assert (payments["name"], payments["path"], payments["title"]) == (
        "utbetalningar",
        "utbetalningar.csv",
        "Utbetalningar (CSV)",
    )
    assert payments["schema"]["primaryKey"] == ["case_id", "number"]
    fields = {f["name"]: f for f in payments["schema"]["fields"]}
    # A computed amount is at least 0 with no cap: only an amount a case file states has the case file's limit.
    assert (fields["payable_sek"]["unit"], fields["payable_sek"]["constraints"]) == ("SEK", {"minimum": 0})
    assert payments["schema"]["foreignKeys"] == [
        {"fields": ["case_id"], "reference": {"resource": "beslut", "fields": ["case_id"]}}
    ]
    fields = {f["name"]: f for f in payments["schema"]["fields"]}
    assert (fields["payable_sek"]["type"], fields["payable_sek"]["unit"], fields["payable_sek"]["title"]) == (
        "integer",
        "SEK",
        "Att betala (kr)",
    )
    assert "avrundat nedåt till hela kronor" in fields["entitled_sek"]["description"]
    assert fields["share_percent"]["unit"] == "procent" and fields["paid_date"]["type"] == "date"
    assert fields["kind"]["constraints"]["enum"] == ["advance", "payment_request"]


def test_the_package_has_a_semantic_version_and_the_history_dates(written):
    package = json.loads((written / "datapackage.json").read_text(encoding="utf-8"))
    assert package["version"] == "1.0.17"  # the tables' format 1.0, the 17th change of the case files
    assert (package["created"], package["modified"]) == ("2098-11-01T00:00:00Z", "2099-03-11T00:00:00Z")


# --- Everything published is described --------------------------------------------------------


def described_files(out) -> dict[str, dict]:
    """Every file the data package or the catalogue describes, by its path under data/: {"sha256", "licence"}."""
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    default = package["licenses"][0]["name"]
    files = {
        r["path"]: {
            "sha256": r["hash"].removeprefix("sha256:"),
            "bytes": r["bytes"],
            "licence": r.get("licenses", [{"name": default}])[0]["name"],
        }
        for r in package["resources"]
    }
    graph = Graph().parse(out / "katalog.rdf", format="xml")
    for node in graph.subjects(RDF.type, DCAT.Distribution):
        path = str(graph.value(node, DCAT.downloadURL)).removeprefix(f"{SITE}data/")
        checksum = graph.value(node, SPDX.checksum)
        assert str(graph.value(checksum, SPDX.algorithm)) == str(SPDX.checksumAlgorithm_sha256)
        entry = {
            "sha256": str(graph.value(checksum, SPDX.checksumValue)),
            "bytes": int(graph.value(node, DCAT.byteSize)),
            "licence": "CC0-1.0" if str(graph.value(node, DCTERMS.license)).endswith("/zero/1.0/") else "?",
        }
        assert files.setdefault(path, entry) == entry, path
    return files


def assert_every_file_is_described(out) -> int:
    published = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    described = described_files(out)
    assert sorted(published - set(described)) == ["katalog.rdf"]  # the catalogue describes itself as the catalogue
    assert not set(described) - published
    for path, entry in described.items():
        data = (out / path).read_bytes()
        assert (entry["sha256"], entry["bytes"]) == (hashlib.sha256(data).hexdigest(), len(data)), path
        assert entry["licence"] == ("notspecified" if path.startswith("kallor/") else "CC0-1.0"), path
    return len(described)


def test_every_file_under_data_is_described_with_its_checksum_and_licence(written):
    assert (
        assert_every_file_is_described(written) == 11 + 2 * 6 + 1 + 2
    )  # tables and schemas, per-case files, a source, 360Giving, package


# --- DCAT-AP-SE ----------------------------------------------------------------------------------

MANDATORY = {
    # DCAT-AP-SE: the catalogue, dataset and distribution properties a harvester requires,
    # and the ones this catalogue promises (licence, contact point, temporal coverage, ...).
    DCAT.Catalog: (
        DCTERMS["title"],
        DCTERMS["description"],
        DCTERMS.publisher,
        DCAT.dataset,
        FOAF.homepage,
        DCTERMS.license,
        DCTERMS.modified,
        DCTERMS.issued,
        DCAT.themeTaxonomy,
    ),
    DCAT.Dataset: (
        DCTERMS["title"],
        DCTERMS["description"],
        DCTERMS.publisher,
        DCAT.contactPoint,
        DCTERMS.temporal,
        DCTERMS.modified,
        DCTERMS.issued,
        DCTERMS.spatial,
        DCAT.distribution,
    ),
    DCAT.Distribution: (
        DCAT.accessURL,
        DCAT.downloadURL,
        DCTERMS["format"],
        DCTERMS.license,
        DCTERMS["title"],
        DCATAP.availability,
        SPDX.checksum,
        DCAT.byteSize,
    ),
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


def test_diggs_dcat_ap_se_shapes_find_nothing(written):
    results = validate_file(written / "katalog.rdf")
    assert [str(r) for r in results] == []


def test_diggs_shapes_catch_a_media_type_and_a_missing_publisher(graph):
    """The shapes run here are not vacuous: DCAT-AP-SE's own complaints about the earlier catalogue return when planted."""
    broken = Graph()
    for triple in graph:
        broken.add(triple)
    dataset = URIRef(f"{SITE}data/katalog.rdf#beslut")
    broken.add(
        (
            URIRef(f"{SITE}data/katalog.rdf#beslut.csv"),
            DCAT.mediaType,
            URIRef("https://www.iana.org/assignments/media-types/text/csv"),
        )
    )
    broken.remove((dataset, DCTERMS.publisher, None))
    found = {(r.path, r.constraint, r.focus) for r in validate_graph(broken)}
    assert (str(DCAT.mediaType), "ClassConstraintComponent", f"{SITE}data/katalog.rdf#beslut.csv") in found
    assert (str(DCTERMS.publisher), "MinCountConstraintComponent", str(dataset)) in found


def test_no_media_type_and_formats_from_the_eu_file_types(graph):
    assert list(graph.objects(None, DCAT.mediaType)) == []
    formats = {str(o).rsplit("/", 1)[1] for o in graph.objects(None, DCTERMS["format"])}
    assert formats == {"CSV", "JSON", "XLSX"}
    assert all(
        str(o).startswith("http://publications.europa.eu/resource/authority/file-type/")
        for o in graph.objects(None, DCTERMS["format"])
    )


def test_the_publisher_is_the_organisation_dataportal_knows(graph):
    publishers = set(graph.objects(None, DCTERMS.publisher))
    assert publishers == {URIRef("http://dataportal.se/organisation/SE2321000180")}
    agent = next(iter(publishers))
    assert (str(graph.value(agent, FOAF.name)), str(graph.value(agent, DCTERMS.type))) == (
        "Region Dalarna",
        "http://purl.org/adms/publishertype/RegionalAuthority",
    )


def test_the_catalogue_has_every_mandatory_and_recommended_property(graph):
    assert dcat_problems(graph) == []
    datasets = sorted(str(graph.value(d, DCTERMS["title"])) for d in graph.subjects(RDF.type, DCAT.Dataset))
    assert datasets == ["Beviljade bidrag enligt 360Giving", "Regionala medfinansieringsbeslut"]
    downloads = sorted(str(o) for o in graph.objects(None, DCAT.downloadURL))
    assert (
        len(downloads) == 13
        and f"{SITE}data/360giving.json" in downloads
        and f"{SITE}data/datapackage.json" in downloads
    )
    payments_json = URIRef(f"{SITE}data/katalog.rdf#utbetalningar.json")
    assert str(graph.value(payments_json, DCTERMS.conformsTo)) == f"{SITE}data/utbetalningar.schema.json"
    assert {str(o) for o in graph.objects(None, DCATAP.availability)} == {
        "http://publications.europa.eu/resource/authority/planned-availability/STABLE"
    }
    catalog = next(graph.subjects(RDF.type, DCAT.Catalog))
    assert (
        str(graph.value(catalog, DCAT.themeTaxonomy)) == "http://publications.europa.eu/resource/authority/data-theme"
    )
    email = next(graph.objects(None, URIRef(VCARD + "hasEmail")))
    assert str(email) == "mailto:oppnadata@example.invalid"


def test_the_catalogue_states_its_fixed_terms_with_their_language_and_datatype(graph):
    eu, base = "http://publications.europa.eu/resource/authority/", f"{SITE}data/katalog.rdf#"
    skos = Namespace("http://www.w3.org/2004/02/skos/core#")
    xsd = Namespace("http://www.w3.org/2001/XMLSchema#")
    catalog, contact = URIRef(base + "katalog"), URIRef(base + "kontakt")
    assert (catalog, RDF.type, DCAT.Catalog) in graph and (contact, RDF.type, URIRef(VCARD + "Organization")) in graph
    assert graph.value(catalog, DCTERMS["title"]) == Literal(
        "Öppna data om regionala medfinansieringsbeslut", lang="sv"
    )
    assert graph.value(catalog, DCTERMS["description"]) == Literal(
        "Datamängder om ärenden enligt förordning (2003:596) om bidrag för projektverksamhet inom den regionala "
        "utvecklingspolitiken.",
        lang="sv",
    )
    assert graph.value(catalog, DCTERMS.language) == URIRef(eu + "language/SWE")
    assert graph.value(contact, URIRef(VCARD + "fn")) == Literal("Region Dalarna", lang="sv")
    agent = URIRef("http://dataportal.se/organisation/SE2321000180")
    assert (graph.value(agent, FOAF.name), graph.value(agent, DCTERMS.identifier)) == (
        Literal("Region Dalarna", lang="sv"),
        Literal("232100-0180"),
    )
    stable = URIRef(eu + "planned-availability/STABLE")
    assert set(graph.predicate_objects(stable)) == {
        (RDF.type, skos.Concept),
        (skos.inScheme, URIRef(eu + "planned-availability")),
        (skos.prefLabel, Literal("stable", lang="en")),
    }
    decisions, grants = URIRef(base + "beslut"), URIRef(base + "bidrag-360giving")
    assert graph.value(decisions, DCTERMS["description"]) == Literal(
        "Alla ärenden med status (förslag, beviljat, avslaget, läget i uppföljningen), belopp, datum, regelutfall och projektens "
        "finansieringsplaner, samt förskott och utbetalningar i de ärenden som registrerar uppföljning; ärendefilerna och "
        "regelutfallen fil för fil finns i datapaketet. Läget i uppföljningen bedöms den dag webbplatsen byggs; senaste ändring "
        "avser ärendefilerna.",
        lang="sv",
    )
    assert graph.value(grants, DCTERMS["title"]) == Literal("Beviljade bidrag enligt 360Giving", lang="sv")
    assert graph.value(grants, DCTERMS["description"]) == Literal(
        "Ett bidrag per ärende som Region Dalarna har beviljat, enligt 360Giving Data Standard. Förslag, avslag och andra "
        "beslutsfattares bidrag ingår inte.",
        lang="sv",
    )
    assert set(graph.objects(grants, DCAT.distribution)) == {URIRef(base + "360giving.json")}
    assert list(graph.subjects(DCAT.distribution, URIRef(base + "360giving.json"))) == [
        grants
    ]  # not the decisions' too
    for node, key in ((decisions, "beslut"), (grants, "bidrag-360giving")):
        assert set(graph.objects(node, DCAT.theme)) == {URIRef(eu + "data-theme/GOVE"), URIRef(eu + "data-theme/ECON")}
        keywords = ("regional utveckling", "medfinansiering", "bidrag")
        assert set(graph.objects(node, DCAT.keyword)) == {Literal(k, lang="sv") for k in keywords}
        assert graph.value(node, DCTERMS.accrualPeriodicity) == URIRef(eu + "frequency/IRREG")
        assert graph.value(node, DCTERMS.accessRights) == URIRef(eu + "access-right/PUBLIC")
        assert graph.value(node, DCTERMS.temporal) == URIRef(base + key + "-period")
        assert {graph.value(node, p).datatype for p in (DCTERMS.issued, DCTERMS.modified)} == {xsd.dateTime}
    giving = URIRef(base + "360giving.json")
    assert (graph.value(giving, DCTERMS["title"]), graph.value(giving, DCTERMS["description"])) == (
        Literal("Beviljade bidrag enligt 360Giving", lang="sv"),
        Literal("Ett bidrag per ärende som utgivaren har beviljat, enligt 360Giving Data Standard.", lang="sv"),
    )
    for distribution in graph.subjects(RDF.type, DCAT.Distribution):
        assert graph.value(distribution, DCTERMS["title"]).language == "sv", distribution
        assert graph.value(distribution, DCAT.byteSize).datatype == xsd.nonNegativeInteger, distribution
        checksum = graph.value(graph.value(distribution, SPDX.checksum), SPDX.checksumValue)
        assert checksum.datatype == xsd.hexBinary and len(str(checksum)) == 64, distribution


def dataset(graph: Graph, title: str) -> URIRef:
    return next(d for d in graph.subjects(RDF.type, DCAT.Dataset) if str(graph.value(d, DCTERMS["title"])) == title)


def test_coverage_in_time_and_place(graph):
    decisions = dataset(graph, "Regionala medfinansieringsbeslut")
    period = graph.value(decisions, DCTERMS.temporal)
    assert (str(graph.value(period, DCAT.startDate)), str(graph.value(period, DCAT.endDate))) == (
        "2017-03-01",
        "2100-12-31",
    )
    # SPIN: Region Jämtland Härjedalen (county 23); the fictional cases: Region Dalarna (county 20).
    assert sorted(str(o) for o in graph.objects(decisions, DCTERMS.spatial)) == [
        "http://data.europa.eu/nuts/code/SE312",
        "http://data.europa.eu/nuts/code/SE322",
    ]
    grants = dataset(graph, "Beviljade bidrag enligt 360Giving")
    assert [str(o) for o in graph.objects(grants, DCTERMS.spatial)] == ["http://data.europa.eu/nuts/code/SE312"]


def test_issued_and_modified_come_from_the_case_files(graph):
    decisions, grants = (
        dataset(graph, "Regionala medfinansieringsbeslut"),
        dataset(graph, "Beviljade bidrag enligt 360Giving"),
    )
    assert (graph.value(decisions, DCTERMS.issued).toPython(), graph.value(decisions, DCTERMS.modified).toPython()) == (
        TIMES["rjh-2025-spin"][0],
        TIMES["fiktiv-uppfoljning-tak"][1],
    )
    # The grants: fiktiv-bas, fiktiv-injektion and the two follow-up cases, decided by Region Dalarna; not the rejection.
    assert (graph.value(grants, DCTERMS.issued).toPython(), graph.value(grants, DCTERMS.modified).toPython()) == (
        TIMES["fiktiv-bas"][0],
        TIMES["fiktiv-uppfoljning-tak"][1],
    )


def test_a_dataset_is_dated_by_its_own_cases_only(tmp_path):
    """The rejection changed last: the decisions dataset shows that change, the grants dataset does not."""
    paths = (FICTIONAL_BASE_PATH, REPO / "tests" / "opendata_cases" / "fiktiv-avslag.yaml")
    reports = [evaluate_case(p, REFERENCE_DIR, as_of=as_of_date()) for p in paths]
    history = DataHistory(
        {
            "fiktiv-bas": CaseFileTimes(*TIMES["fiktiv-bas"]),
            "fiktiv-avslag": CaseFileTimes(TIMES["fiktiv-avslag"][0], dt.datetime(2099, 6, 1, tzinfo=dt.UTC)),
        },
        2,
    )
    write_open_data(
        tmp_path, reports, load_regional_actors(REFERENCE_DIR), publisher=PUBLISHER, history=history, as_of=as_of_date()
    )
    graph = Graph().parse(tmp_path / "katalog.rdf", format="xml")
    modified = {
        str(graph.value(d, DCTERMS["title"])): graph.value(d, DCTERMS.modified).toPython()
        for d in graph.subjects(RDF.type, DCAT.Dataset)
    }
    assert modified == {
        "Regionala medfinansieringsbeslut": dt.datetime(2099, 6, 1, tzinfo=dt.UTC),
        "Beviljade bidrag enligt 360Giving": TIMES["fiktiv-bas"][1],
    }


def test_the_check_fails_on_a_planted_error(graph):
    broken = Graph()
    for triple in graph:
        broken.add(triple)
    node = next(broken.subjects(RDF.type, DCAT.Dataset))
    broken.remove((node, DCAT.contactPoint, None))
    title = broken.value(node, DCTERMS["title"])
    broken.set((node, DCTERMS["title"], Literal(str(title), lang="en")))
    problems = dcat_problems(broken)
    assert f"{node} saknar {DCAT.contactPoint}" in problems
    assert f"{node} {DCTERMS['title']} är inte på svenska" in problems


WRITE_IN_A_NEW_PROCESS = (
    "import sys; from pathlib import Path; sys.path.insert(0, 'tests'); from casebook.domain.clock import as_of_date; "
    "from casebook.domain.evaluation import evaluate_case; "
    "from casebook.domain.reference import load_regional_actors; from casebook.render.opendata import write_open_data; "
    "from opendata_support import PUBLISHER, uniform_history; "
    f"r = [evaluate_case(Path(c), Path('{REFERENCE_DIR}'), as_of=as_of_date()) for c in {[str(c) for c in CASES]!r}]; "
    "write_open_data(Path(sys.argv[1]), r, load_regional_actors(Path('"
    + str(REFERENCE_DIR)
    + "')), publisher=PUBLISHER, "
    "as_of=as_of_date(), "
    "history=uniform_history(r))"
)


def test_the_catalogue_is_the_same_bytes_whatever_the_hash_seed(written, tmp_path):
    outputs = []
    for seed in ("1", "2"):
        subprocess.run(
            [sys.executable, "-c", WRITE_IN_A_NEW_PROCESS, str(tmp_path / seed)],
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin"},
            cwd=REPO,
            check=True,
        )
        outputs.append((tmp_path / seed / "katalog.rdf").read_bytes())
    assert outputs[0] == outputs[1]


def test_the_files_are_utf8_on_a_machine_whose_locale_is_ascii(tmp_path):
    """Python reads and writes text in the locale's encoding unless told otherwise: in a plain C
    locale without UTF-8 mode that is ASCII, which cannot hold the Swedish letters."""
    ascii_locale = dict(os.environ, LC_ALL="C", LANG="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0")
    subprocess.run(
        [sys.executable, "-c", WRITE_IN_A_NEW_PROCESS, str(tmp_path / "ascii")], env=ascii_locale, cwd=REPO, check=True
    )
    reports = [evaluate_case(p, REFERENCE_DIR, as_of=as_of_date()) for p in CASES]
    write_open_data(
        tmp_path / "utf8",
        reports,
        load_regional_actors(REFERENCE_DIR),
        publisher=PUBLISHER,
        history=uniform_history(reports),
        as_of=as_of_date(),
    )
    files = {p.relative_to(tmp_path / "utf8"): p.read_bytes() for p in (tmp_path / "utf8").rglob("*") if p.is_file()}
    assert {
        p.relative_to(tmp_path / "ascii"): p.read_bytes() for p in (tmp_path / "ascii").rglob("*") if p.is_file()
    } == files
    assert "Jämtland" in (tmp_path / "ascii" / "beslut.csv").read_text(encoding="utf-8")


# --- On a built site ------------------------------------------------------------------------------

SITE_CASES = {  # case file → author time of the commit that adds it
    REPO / "tests" / "cases" / "fiktiv-bas.yaml": "2099-02-16T10:00:00+01:00",
    REPO / "tests" / "opendata_cases" / "fiktiv-lagre-belopp.yaml": "2099-02-21T10:00:00+01:00",
    REPO / "tests" / "opendata_cases" / "fiktiv-avslag.yaml": "2099-02-22T10:00:00+01:00",
    REPO / "tests" / "cases" / "fiktiv-uppfoljning-forskott.yaml": "2099-03-10T10:00:00+01:00",
}
DALARNA = """name: Region Dalarna
organisation_number: "232100-0180"
contact_email: oppnadata@example.invalid
site_url: https://data.example.invalid/casebook/
grant_id_prefix: 360G-fiktiv
org_id_scheme: SE-ON
"""


def _commit(root, message: str, when: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": when}
    for args in (["add", "-A"], ["commit", "-q", "-m", message]):
        subprocess.run(
            [
                "git",
                "-c",
                "user.name=Test",
                "-c",
                "user.email=test@example.invalid",
                "-c",
                "commit.gpgsign=false",
                *args,
            ],
            cwd=root,
            env=env,
            check=True,
            capture_output=True,
        )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A site with a proposal (SPIN), two decisions (one lower than proposed), a rejection and a
    followed-up case, published by Region Dalarna, each case file committed on its own day."""
    root = copy_project(tmp_path_factory.mktemp("repo"))
    (root / "data" / "reference" / "publisher.yaml").write_text(DALARNA, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    _commit(root, "Projektet och SPIN", "2098-12-01T10:00:00+01:00")
    for case, when in SITE_CASES.items():
        shutil.copy2(case, root / "data" / "cases" / case.name)
        _commit(root, f"Lägg till {case.stem}", when)
    return published_site(root)


@pytest.mark.e2e
def test_the_built_sites_catalogue_passes_diggs_shapes(site):
    assert [str(r) for r in validate_file(site / "data" / "katalog.rdf")] == []


@pytest.mark.e2e
def test_the_built_sites_360giving_file_passes_the_1_4_3_schemas_and_codelists(site):
    package = json.loads((site / "data" / "360giving.json").read_text(encoding="utf-8"))
    assert [e.message for e in validator_360giving().iter_errors(package)] == []
    assert codelist_problems(package) == []
    grants = {g["x_caseId"]: g for g in package["grants"]}
    assert sorted(grants) == [
        "fiktiv-bas",
        "fiktiv-lagre-belopp",
        "fiktiv-uppfoljning-forskott",
    ]  # no proposal, no rejection
    # Each grant is dated by the commit of its own case file (author times above, in UTC).
    assert {k: g["dateModified"] for k, g in grants.items()} == {
        "fiktiv-bas": "2099-02-16T09:00:00Z",
        "fiktiv-lagre-belopp": "2099-02-21T09:00:00Z",
        "fiktiv-uppfoljning-forskott": "2099-03-10T09:00:00Z",
    }
    assert grants["fiktiv-bas"]["fundingOrganization"] == [{"id": "SE-ON-232100-0180", "name": "Region Dalarna"}]


@pytest.mark.e2e
def test_the_built_sites_data_package_is_valid_and_describes_every_file(site):
    code, report = frictionless_validate(site / "data")
    assert (code, report["valid"], error_types(report)) == (0, True, set())
    assert assert_every_file_is_described(site / "data") == 11 + 2 * 5 + 1 + 2
    package = json.loads((site / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["version"] == "1.0.5"  # five commits changed case files
    assert (package["created"], package["modified"]) == ("2098-12-01T09:00:00Z", "2099-03-10T09:00:00Z")


@pytest.mark.e2e
def test_the_built_sites_open_data_page_lists_exactly_the_files_written(site):
    soup = BeautifulSoup((site / "book" / "open_data.html").read_text(encoding="utf-8"), "html.parser")
    linked = {
        a["href"].removeprefix("../data/") for a in soup.select("main a[href]") if a["href"].startswith("../data/")
    }
    top = {p.name for p in (site / "data").iterdir() if p.is_file()}
    assert linked == top and "360giving.json" in top
    text = soup.get_text(" ", strip=True)
    assert "3 av 5 ärenden är bidrag som utgivaren har beviljat och finns i 360giving.json" in text
    for folder in ("data/arenden/", "data/regelutfall/", "data/kallor/"):
        assert folder in text


def test_a_national_agency_publishes_as_a_national_authority_covering_sweden(tmp_path):
    """Tillväxtverket deciding and publishing: the publisher type and the coverage follow the reference data."""
    from casebook.domain.model import Organisation

    bas = evaluate_case(FICTIONAL_BASE_PATH, REFERENCE_DIR, as_of=as_of_date())
    national = dataclasses.replace(
        bas, case=bas.case.model_copy(update={"decision_maker": Organisation(name="Tillväxtverket")})
    )
    agency = PUBLISHER.model_copy(update={"name": "Tillväxtverket", "organisation_number": "202100-6149"})
    write_open_data(
        tmp_path,
        [national],
        load_regional_actors(REFERENCE_DIR),
        agencies=load_national_agencies(REFERENCE_DIR),
        publisher=agency,
        history=HISTORY,
        as_of=as_of_date(),
    )
    graph = Graph().parse(tmp_path / "katalog.rdf", format="xml")
    agent = URIRef("http://dataportal.se/organisation/SE2021006149")
    assert str(graph.value(agent, DCTERMS.type)) == "http://purl.org/adms/publishertype/NationalAuthority"
    assert {str(o) for o in graph.objects(None, DCTERMS.spatial)} == {
        "http://publications.europa.eu/resource/authority/country/SWE"
    }


def test_the_per_case_files_are_described_one_by_one(written):
    resources = {
        r["path"]: r for r in json.loads((written / "datapackage.json").read_text(encoding="utf-8"))["resources"]
    }
    case = resources["arenden/fiktiv-bas.yaml"]
    assert {k: case[k] for k in ("name", "type", "format", "mediatype", "title")} == {
        "name": "arenden-fiktiv-bas-yaml",
        "type": "file",
        "format": "yaml",
        "mediatype": "application/yaml",
        "title": "Ärendefil fiktiv-bas",
    }
    assert (
        case["description"]
        == "Ärendefilen data/cases/fiktiv-bas.yaml byte för byte; beslut.csv anger dess SHA-256 (case_file_sha256)."
    )
    results = resources["regelutfall/fiktiv-bas.json"]
    assert {k: results[k] for k in ("name", "type", "format", "mediatype", "title")} == {
        "name": "regelutfall-fiktiv-bas-json",
        "type": "json",
        "format": "json",
        "mediatype": "application/json",
        "title": "Regelutfall för fiktiv-bas",
    }
    source = resources["kallor/000_2bcbd58892294728.txt"]
    assert {k: source[k] for k in ("name", "type", "format", "mediatype", "title")} == {
        "name": "kallor-000-2bcbd58892294728-txt",
        "type": "file",
        "format": "txt",
        "mediatype": "text/plain",
        "title": "Beslutsunderlag 000_2bcbd58892294728.txt",
    }
    assert source["description"] == "Kopia av beslutsunderlaget som ett eller flera ärenden bygger på."
    assert source["licenses"][0]["name"] == "notspecified" and "licenses" not in case
    table = resources["beslut.csv"]
    assert {k: table[k] for k in ("name", "type", "profile", "format", "mediatype", "encoding")} == {
        "name": "beslut",
        "type": "table",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
    }
    assert table["dialect"] == {"delimiter": ",", "lineTerminator": "\n", "header": True}
    assert resources["beslut.schema.json"]["type"] == "json" and resources["medfinansiering.xlsx"]["type"] == "file"
    assert [r["path"] for r in resources.values()][:3] == ["beslut.csv", "finansieringsplaner.csv", "utbetalningar.csv"]


def test_a_shared_source_document_is_published_once_and_a_missing_one_not_at_all(tmp_path):
    spin = evaluate_case(SPIN_PATH, REFERENCE_DIR, as_of=as_of_date())
    twin = dataclasses.replace(spin, case=spin.case.model_copy(update={"id": "rjh-2025-spin-kopia"}))
    document = spin.case.source_document.model_copy(update={"file": "finns-inte.pdf"})
    missing = dataclasses.replace(
        spin, case=spin.case.model_copy(update={"id": "rjh-2025-utan-kalla", "source_document": document})
    )
    written = write_open_data(
        tmp_path,
        [spin, twin, missing],
        load_regional_actors(REFERENCE_DIR),
        publisher=PUBLISHER,
        history=DataHistory(
            {
                i: CaseFileTimes(*TIMES["rjh-2025-spin"])
                for i in ("rjh-2025-spin", "rjh-2025-spin-kopia", "rjh-2025-utan-kalla")
            },
            3,
        ),
        as_of=as_of_date(),
    )
    assert [p.name for p in (tmp_path / "kallor").iterdir()] == ["000_2bcbd58892294728.txt"]
    assert [p.relative_to(tmp_path).as_posix() for p in written].count("kallor/000_2bcbd58892294728.txt") == 1
    assert frictionless_validate(tmp_path)[0] == 0


def test_each_table_is_published_as_csv_typed_json_and_its_schema_each_described(written, graph):
    resources = {
        r["path"]: r for r in json.loads((written / "datapackage.json").read_text(encoding="utf-8"))["resources"]
    }
    described = {
        path: (resources[path]["title"], resources[path]["description"])
        for path in ("beslut.csv", "beslut.json", "beslut.schema.json", "utbetalningar.csv")
    }
    assert described == {
        "beslut.csv": ("Beslut (CSV)", described["beslut.csv"][1]),
        "beslut.json": (
            "Beslut (typad JSON)",
            "Samma uppgifter som beslut.csv med tal, sanningsvärden och null i stället för text.",
        ),
        "beslut.schema.json": (
            "JSON Schema för beslut.json",
            "Beskriver fälten, typerna, gränserna och villkoren i beslut.json (JSON Schema 2020-12).",
        ),
        "utbetalningar.csv": ("Utbetalningar (CSV)", described["utbetalningar.csv"][1]),
    }
    assert described["beslut.csv"][1].startswith(
        "Alla ärenden, en rad per ärende: status, belopp, datum och regelutfall."
    )
    payments_csv = graph.value(URIRef(f"{SITE}data/katalog.rdf#utbetalningar.csv"), DCTERMS["description"])
    assert str(payments_csv).endswith(
        " en rad per förskott eller begäran, med beräkningen av varje utbetalning. "
        "Bara rubrikraden när inget ärende registrerar uppföljning."
    )
    assert (resources["beslut.json"]["format"], resources["beslut.schema.json"]["mediatype"]) == (
        "json",
        "application/json",
    )
    for table in ("beslut", "finansieringsplaner", "utbetalningar"):
        assert [resources[table + suffix]["mediatype"] for suffix in (".csv", ".json", ".schema.json")] == [
            "text/csv",
            "application/json",
            "application/json",
        ], table


def test_source_documents_are_described_by_their_suffix_and_named_uniquely_in_full(tmp_path):
    """An upper-case suffix is the same type; a suffix without a known type is plain bytes. Two
    file names with the same slug get distinct resource names, and a long name is not cut."""
    long_name = "beslutsunderlag-" + "mycket-lang-" * 6 + "bilaga.txt"
    documents = {
        "fiktiv-pdf": "BESLUT.PDF",
        "fiktiv-xml": "underlag.XML",
        "fiktiv-punkt": "beslut.v2.txt",
        "fiktiv-streck": "beslut-v2.txt",
        "fiktiv-lang": long_name,
    }
    spin = evaluate_case(SPIN_PATH, REFERENCE_DIR, as_of=as_of_date())
    (tmp_path / "cases").mkdir()
    (tmp_path / "sources").mkdir()
    reports = []
    for case_id, document in documents.items():
        (tmp_path / "sources" / document).write_bytes(b"underlag")
        source = shutil.copyfile(SPIN_PATH, tmp_path / "cases" / f"{case_id}.yaml")
        named = spin.case.source_document.model_copy(update={"file": document})
        case = spin.case.model_copy(update={"id": case_id, "source_document": named})
        reports.append(dataclasses.replace(spin, case=case, source=source))
    out = tmp_path / "data"
    write_open_data(
        out,
        reports,
        load_regional_actors(REFERENCE_DIR),
        publisher=PUBLISHER,
        history=DataHistory({r.case.id: CaseFileTimes(*TIMES["rjh-2025-spin"]) for r in reports}, 1),
        as_of=as_of_date(),
    )
    resources = {r["path"]: r for r in json.loads((out / "datapackage.json").read_text(encoding="utf-8"))["resources"]}
    assert {k: resources["kallor/BESLUT.PDF"][k] for k in ("name", "format", "mediatype")} == {
        "name": "kallor-beslut-pdf",
        "format": "PDF",
        "mediatype": "application/pdf",
    }
    assert {k: resources["kallor/underlag.XML"][k] for k in ("name", "format", "mediatype")} == {
        "name": "kallor-underlag-xml",
        "format": "XML",
        "mediatype": "application/octet-stream",
    }
    assert [resources[f"kallor/{name}"]["name"] for name in ("beslut.v2.txt", "beslut-v2.txt")] == [
        "kallor-beslut-v2-txt",
        "kallor-beslut-v2-txt-2",
    ]  # sorted by case id: fiktiv-punkt before fiktiv-streck
    assert resources[f"kallor/{long_name}"]["name"] == "kallor-" + long_name.replace(".", "-")
    assert frictionless_validate(out)[0] == 0


def test_a_file_the_writer_does_not_know_is_refused_by_name(tmp_path):
    from casebook.render.opendata import _described

    with pytest.raises(ValueError, match="^annat/fil.txt: en fil under data/ som ingen beskrivning finns för$"):
        _described(tmp_path, tmp_path / "annat" / "fil.txt")


def test_the_per_case_json_is_indented_sorted_utf8_text(written):
    text = (written / "regelutfall" / "rjh-2025-spin.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert text.startswith('{\n  "case_id": "rjh-2025-spin",\n  "results": [\n    {\n') and "\\u" not in text
    assert list(data["results"][0]) == sorted(data["results"][0])
    schema = (written / "arendefil.schema.json").read_text(encoding="utf-8")
    assert schema.startswith('{\n  "$defs": {') and "Ärendefil" in schema
