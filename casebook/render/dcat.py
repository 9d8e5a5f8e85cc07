"""A DCAT-AP-SE catalogue of the open data (``katalog.rdf``), in RDF/XML as dataportal.se
harvests it.

The catalogue has one dataset for the decision tables and, when there are grants, one for
the 360Giving file; every file at the top of ``data/`` is a distribution with its download
URL, format (the EU file-type authority, the property DCAT-AP-SE uses; no ``dcat:mediaType``),
licence, planned availability, size and SHA-256. The data package among them describes the
per-case files the same way. The publisher is the agent dataportal.se knows the organisation
as (``http://dataportal.se/organisation/SE<organisation number without hyphen>``), so the
portal lists no second copy of it. Datasets state when they were issued and modified (from
the case files' history), their geographic coverage (the decision-makers' counties as NUTS
regions, Sweden for a national agency) and their period. Titles and descriptions are
Swedish (``@sv``). Every other node has an IRI under the site's address (no blank nodes)
and triples are added in sorted order, so the same data give the same bytes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS

from casebook.domain.evaluation import EvaluatedCase
from casebook.domain.reference import NationalAgency, Publisher, RegionalActor
from casebook.render.giving360 import is_publishers_award
from casebook.render.opendata_tables import LICENSE_URL, DataHistory, OpenDataFile, iso_time

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
EU_FILE_TYPE = EU_AUTHORITY + "file-type/"
EU_THEME = EU_AUTHORITY + "data-theme/"
EU_FREQUENCY = EU_AUTHORITY + "frequency/"
EU_LANGUAGE = EU_AUTHORITY + "language/"
EU_ACCESS_RIGHT = EU_AUTHORITY + "access-right/"
EU_COUNTRY = EU_AUTHORITY + "country/"
STABLE = URIRef(EU_AUTHORITY + "planned-availability/STABLE")
THEME_TAXONOMY = URIRef(EU_AUTHORITY + "data-theme")
NUTS = "http://data.europa.eu/nuts/code/"
DATAPORTAL_ORGANISATION = "http://dataportal.se/organisation/SE"
PUBLISHER_TYPES = "http://purl.org/adms/publishertype/"
SHA256 = SPDX.checksumAlgorithm_sha256
CONFORMS_TO = {
    "360giving.json": "https://standard.threesixtygiving.org/en/latest/",
    "datapackage.json": "https://specs.frictionlessdata.io/data-package/",
    "beslut.schema.json": "https://json-schema.org/draft/2020-12/schema",
    "finansieringsplaner.schema.json": "https://json-schema.org/draft/2020-12/schema",
    "utbetalningar.schema.json": "https://json-schema.org/draft/2020-12/schema",
    "arendefil.schema.json": "https://json-schema.org/draft/2020-12/schema",
}
"""The standard a file follows; each typed JSON file follows its own JSON Schema (:data:`TYPED_JSON`)."""
TYPED_JSON = {f"{name}.json": f"{name}.schema.json" for name in ("beslut", "finansieringsplaner", "utbetalningar")}
CATALOGUE_FILE = "katalog.rdf"


def _sv(text: str) -> Literal:
    return Literal(text, lang="sv")


def publisher_uri(publisher: Publisher) -> URIRef:
    """The organisation as dataportal.se identifies it: ``SE`` and the organisation number without its hyphen."""
    return URIRef(DATAPORTAL_ORGANISATION + publisher.organisation_number.replace("-", ""))


def catalogue(
    out: Path,
    reports: list[EvaluatedCase],
    files: list[OpenDataFile],
    publisher: Publisher,
    history: DataHistory,
    actors: tuple[RegionalActor, ...] = (),
    agencies: tuple[NationalAgency, ...] = (),
) -> str:
    """The catalogue of ``files`` (already written in ``out``) as RDF/XML text."""
    site = publisher.site_url
    base = f"{site}data/{CATALOGUE_FILE}#"
    page = URIRef(f"{site}book/open_data.html")
    g = Graph()
    catalog, agent, contact = URIRef(base + "katalog"), publisher_uri(publisher), URIRef(base + "kontakt")

    g.add((agent, RDF.type, FOAF.Agent))
    g.add((agent, FOAF.name, _sv(publisher.name)))
    g.add((agent, DCTERMS.identifier, Literal(publisher.organisation_number)))
    national = any(publisher.name in a.names for a in agencies)
    g.add((agent, DCTERMS.type, URIRef(PUBLISHER_TYPES + ("NationalAuthority" if national else "RegionalAuthority"))))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, _sv(publisher.name)))
    g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{publisher.contact_email}")))
    # Terms of vocabularies a harvester does not load (DIGG's validator loads neither), typed as their schemes define them.
    g.add((SHA256, RDF.type, SPDX.ChecksumAlgorithm))
    g.add((STABLE, RDF.type, SKOS.Concept))
    g.add((STABLE, SKOS.inScheme, URIRef(EU_AUTHORITY + "planned-availability")))
    g.add((STABLE, SKOS.prefLabel, Literal("stable", lang="en")))

    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, _sv("Öppna data om regionala medfinansieringsbeslut")))
    g.add(
        (
            catalog,
            DCTERMS.description,
            _sv(
                "Datamängder om ärenden enligt förordning (2003:596) om bidrag för "
                "projektverksamhet inom den regionala utvecklingspolitiken."
            ),
        )
    )
    g.add((catalog, DCTERMS.publisher, agent))
    g.add((catalog, FOAF.homepage, URIRef(site)))
    g.add((catalog, DCTERMS.license, URIRef(LICENSE_URL)))
    g.add((catalog, DCTERMS.language, URIRef(EU_LANGUAGE + "SWE")))
    g.add((catalog, DCAT.themeTaxonomy, THEME_TAXONOMY))
    g.add((catalog, DCTERMS.issued, _time(history.created())))
    g.add((catalog, DCTERMS.modified, _time(history.modified())))

    by_name = {f.name: f for f in files}
    datasets = [
        (
            "beslut",
            "Regionala medfinansieringsbeslut",
            "Alla ärenden med status (förslag, beviljat, avslaget, läget i uppföljningen), belopp, datum, "
            "regelutfall och projektens finansieringsplaner, samt förskott och utbetalningar i de ärenden som "
            "registrerar uppföljning; ärendefilerna och regelutfallen fil för fil finns i datapaketet. Läget i "
            "uppföljningen bedöms den dag webbplatsen byggs; senaste ändring avser ärendefilerna.",
            [n for n in by_name if n != "360giving.json"],
            reports,
        )
    ]
    if "360giving.json" in by_name:
        decided = [r for r in reports if is_publishers_award(r.case, publisher)]
        datasets.append(
            (
                "bidrag-360giving",
                "Beviljade bidrag enligt 360Giving",
                f"Ett bidrag per ärende som {publisher.name} har beviljat, enligt 360Giving Data Standard. "
                "Förslag, avslag och andra beslutsfattares bidrag ingår inte.",
                ["360giving.json"],
                decided,
            )
        )
    for key, title, description, names, covered in datasets:
        dataset = URIRef(base + key)
        ids = [r.case.id for r in covered]
        g.add((catalog, DCAT.dataset, dataset))
        g.add((dataset, RDF.type, DCAT.Dataset))
        g.add((dataset, DCTERMS.title, _sv(title)))
        g.add((dataset, DCTERMS.description, _sv(description)))
        g.add((dataset, DCTERMS.publisher, agent))
        g.add((dataset, DCAT.contactPoint, contact))
        g.add((dataset, DCAT.landingPage, page))
        g.add((dataset, DCAT.theme, URIRef(EU_THEME + "GOVE")))
        g.add((dataset, DCAT.theme, URIRef(EU_THEME + "ECON")))
        for keyword in ("regional utveckling", "medfinansiering", "bidrag"):
            g.add((dataset, DCAT.keyword, _sv(keyword)))
        g.add((dataset, DCTERMS.issued, _time(history.created(ids))))
        g.add((dataset, DCTERMS.modified, _time(history.modified(ids))))
        g.add((dataset, DCTERMS.accrualPeriodicity, URIRef(EU_FREQUENCY + "IRREG")))
        g.add((dataset, DCTERMS.accessRights, URIRef(EU_ACCESS_RIGHT + "PUBLIC")))
        for area in sorted(coverage(covered, actors, agencies)):
            g.add((dataset, DCTERMS.spatial, URIRef(area)))
        period = URIRef(base + key + "-period")
        g.add((dataset, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, Literal(min(r.case.dates.project_start for r in covered), datatype=XSD.date)))
        g.add((period, DCAT.endDate, Literal(max(r.case.dates.project_end for r in covered), datatype=XSD.date)))
        for name in names:
            _distribution(g, out, URIRef(base + name), dataset, by_name[name], site, page)
    ordered = Graph(store="SimpleMemory")  # dict-based: serialises in the order triples were added
    for prefix, namespace in (
        ("dcat", DCAT),
        ("dcterms", DCTERMS),
        ("foaf", FOAF),
        ("vcard", VCARD),
        ("spdx", SPDX),
        ("dcatap", DCATAP),
        ("skos", SKOS),
    ):
        ordered.bind(prefix, namespace)
    for triple in sorted(g, key=lambda t: tuple(node.n3() for node in t)):  # a total order, unlike node comparison
        ordered.add(triple)
    return ordered.serialize(format="xml")


def coverage(
    reports: list[EvaluatedCase], actors: tuple[RegionalActor, ...], agencies: tuple[NationalAgency, ...]
) -> set[str]:
    """Where the decisions apply: each regional decision-maker's county as a NUTS region, Sweden for a national agency."""
    areas = set()
    for report in reports:
        name = report.case.decision_maker.name
        actor = next((a for a in actors if name in a.names), None)
        if actor is not None and actor.nuts_code:
            areas.add(NUTS + actor.nuts_code)
        elif any(name in a.names for a in agencies):
            areas.add(EU_COUNTRY + "SWE")
    return areas


def _time(moment) -> Literal:
    return Literal(iso_time(moment), datatype=XSD.dateTime)


def _distribution(
    g: Graph, out: Path, node: URIRef, dataset: URIRef, file: OpenDataFile, site: str, page: URIRef
) -> None:
    data = (out / file.name).read_bytes()
    checksum = URIRef(f"{node}-sha256")
    g.add((dataset, DCAT.distribution, node))
    g.add((node, RDF.type, DCAT.Distribution))
    g.add((node, DCTERMS.title, _sv(file.title)))
    g.add((node, DCTERMS.description, _sv(file.description)))
    g.add((node, DCAT.accessURL, page))
    g.add((node, DCAT.downloadURL, URIRef(f"{site}data/{file.name}")))
    g.add((node, DCTERMS["format"], URIRef(EU_FILE_TYPE + file.format)))
    g.add((node, DCTERMS.license, URIRef(LICENSE_URL)))
    g.add((node, DCATAP.availability, STABLE))
    g.add((node, DCAT.byteSize, Literal(len(data), datatype=XSD.nonNegativeInteger)))
    g.add((node, SPDX.checksum, checksum))
    g.add((checksum, RDF.type, SPDX.Checksum))
    g.add((checksum, SPDX.algorithm, SHA256))
    g.add((checksum, SPDX.checksumValue, Literal(hashlib.sha256(data).hexdigest(), datatype=XSD.hexBinary)))
    if file.name in TYPED_JSON:
        g.add((node, DCTERMS.conformsTo, URIRef(f"{site}data/{TYPED_JSON[file.name]}")))
    elif file.name in CONFORMS_TO:
        g.add((node, DCTERMS.conformsTo, URIRef(CONFORMS_TO[file.name])))
