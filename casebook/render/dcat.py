"""A DCAT-AP-SE catalogue of the open data (``katalog.rdf``), in RDF/XML as dataportal.se
harvests it.

The catalogue has one dataset for the decision tables and, when there are grants, one for
the 360Giving file; every file is a distribution with its download URL, format (the EU
file-type authority), media type and licence. Titles and descriptions are Swedish
(``@sv``). Every node has an IRI under the site's address (no blank nodes) and triples are
added in sorted order, so the same data give the same bytes.
"""

from __future__ import annotations

import datetime as dt

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF

from casebook.domain.evaluation import EvaluatedCase
from casebook.domain.reference import Publisher
from casebook.render.giving360 import is_publishers_award
from casebook.render.opendata_tables import LICENSE_URL, OpenDataFile, iso_time

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
EU_ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"
IANA_MEDIA_TYPE = "https://www.iana.org/assignments/media-types/"
PUBLISHER_TYPE = URIRef("http://purl.org/adms/publishertype/RegionalAuthority")
STANDARD_360GIVING = URIRef("https://standard.threesixtygiving.org/en/latest/")
CATALOGUE_FILE = "katalog.rdf"
TYPED_JSON = {"beslut.json": "beslut.schema.json", "utbetalningar.json": "utbetalningar.schema.json"}
"""Each typed JSON file and the JSON Schema it conforms to."""


def _sv(text: str) -> Literal:
    return Literal(text, lang="sv")


def catalogue(reports: list[EvaluatedCase], files: list[OpenDataFile], publisher: Publisher, modified: dt.datetime) -> str:
    """The catalogue as RDF/XML text."""
    site = publisher.site_url
    base = f"{site}data/{CATALOGUE_FILE}#"
    page = URIRef(f"{site}book/open_data.html")
    g = Graph()
    catalog, agent, contact = URIRef(base + "katalog"), URIRef(base + "utgivare"), URIRef(base + "kontakt")
    when = Literal(iso_time(modified), datatype=XSD.dateTime)

    g.add((agent, RDF.type, FOAF.Agent))
    g.add((agent, FOAF.name, _sv(publisher.name)))
    g.add((agent, DCTERMS.type, PUBLISHER_TYPE))
    if publisher.organisation_number:
        g.add((agent, DCTERMS.identifier, Literal(publisher.organisation_number)))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, _sv(publisher.name)))
    g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{publisher.contact_email}")))

    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, _sv("Öppna data om regionala medfinansieringsbeslut")))
    g.add((catalog, DCTERMS.description, _sv("Datamängder om ärenden enligt förordning (2003:596) om bidrag för "
                                              "projektverksamhet inom den regionala utvecklingspolitiken.")))
    g.add((catalog, DCTERMS.publisher, agent))
    g.add((catalog, FOAF.homepage, URIRef(site)))
    g.add((catalog, DCTERMS.license, URIRef(LICENSE_URL)))
    g.add((catalog, DCTERMS.language, URIRef(EU_LANGUAGE + "SWE")))
    g.add((catalog, DCTERMS.modified, when))

    by_name = {f.name: f for f in files}
    datasets = [("beslut", "Regionala medfinansieringsbeslut",
                 "Alla ärenden med status (förslag, beviljat, avslaget, läget i uppföljningen), belopp, datum, "
                 "regelutfall och projektens finansieringsplaner, samt förskott och utbetalningar i de ärenden som "
                 "registrerar uppföljning.", [n for n in by_name if n not in {"360giving.json", CATALOGUE_FILE}], reports)]
    if "360giving.json" in by_name:
        decided = [r for r in reports if is_publishers_award(r.case, publisher)]
        datasets.append(("bidrag-360giving", "Beviljade bidrag enligt 360Giving",
                         f"Ett bidrag per ärende som {publisher.name} har beviljat, enligt 360Giving Data Standard. "
                         "Förslag, avslag och andra beslutsfattares bidrag ingår inte.",
                         ["360giving.json"], decided))
    for key, title, description, names, covered in datasets:
        dataset = URIRef(base + key)
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
        g.add((dataset, DCTERMS.modified, when))
        g.add((dataset, DCTERMS.accrualPeriodicity, URIRef(EU_FREQUENCY + "IRREG")))
        g.add((dataset, DCTERMS.accessRights, URIRef(EU_ACCESS_RIGHT + "PUBLIC")))
        if covered:
            period = URIRef(base + key + "-period")
            g.add((dataset, DCTERMS.temporal, period))
            g.add((period, RDF.type, DCTERMS.PeriodOfTime))
            g.add((period, DCAT.startDate, Literal(min(r.case.dates.project_start for r in covered), datatype=XSD.date)))
            g.add((period, DCAT.endDate, Literal(max(r.case.dates.project_end for r in covered), datatype=XSD.date)))
        for name in names:
            _distribution(g, URIRef(base + name), dataset, by_name[name], site, page)
    ordered = Graph(store="SimpleMemory")  # dict-based: serialises in the order triples were added
    for prefix, namespace in (("dcat", DCAT), ("dcterms", DCTERMS), ("foaf", FOAF), ("vcard", VCARD)):
        ordered.bind(prefix, namespace)
    for triple in sorted(g, key=lambda t: tuple(node.n3() for node in t)):  # a total order, unlike node comparison
        ordered.add(triple)
    return ordered.serialize(format="xml")


def _distribution(g: Graph, node: URIRef, dataset: URIRef, file: OpenDataFile, site: str, page: URIRef) -> None:
    g.add((dataset, DCAT.distribution, node))
    g.add((node, RDF.type, DCAT.Distribution))
    g.add((node, DCTERMS.title, _sv(file.title)))
    g.add((node, DCTERMS.description, _sv(file.description)))
    g.add((node, DCAT.accessURL, page))
    g.add((node, DCAT.downloadURL, URIRef(f"{site}data/{file.name}")))
    g.add((node, DCTERMS.format, URIRef(EU_FILE_TYPE + file.format)))
    g.add((node, DCAT.mediaType, URIRef(IANA_MEDIA_TYPE + file.media_type)))
    g.add((node, DCTERMS.license, URIRef(LICENSE_URL)))
    if file.name == "360giving.json":
        g.add((node, DCTERMS.conformsTo, STANDARD_360GIVING))
    if file.name in TYPED_JSON:
        g.add((node, DCTERMS.conformsTo, URIRef(f"{site}data/{TYPED_JSON[file.name]}")))
