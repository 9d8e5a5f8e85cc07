"""Validate a DCAT-AP-SE catalogue with pySHACL against DIGG's shapes, as DIGG's validator does.

Ported from the project's shared tool ``dcat_ap_se_validate.py`` (written for this project
after DIGG's RDF validator in diggsweden/DCAT-AP-SE-Processor), to run on the vendored
shapes and vocabularies in ``tests/reference/dcat-ap-se`` (sources in its README). Like
DIGG's validator it:

- adds the EU vocabularies to the data graph, each concept typed with the class the shapes
  expect of its scheme, and the ADMS publisher types as SKOS concepts;
- types the objects of ``dcterms:conformsTo``, ``dcterms:spatial`` and ``dcterms:license``
  (the shapes check their class, which a catalogue does not state for external IRIs);
- drops the results DIGG's override file lists as not applying in the Swedish profile.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pyshacl import validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

SH = Namespace("http://www.w3.org/ns/shacl#")
REFERENCE = Path(__file__).resolve().parent / "reference" / "dcat-ap-se"
VOCABULARIES = [
    "language.rdf",
    "file-type.rdf",
    "frequency.rdf",
    "data-theme-skos.rdf",
    "access-right-skos.rdf",
    "distribution-status-skos.rdf",
]
SCHEME_CLASSES = {
    "http://publications.europa.eu/resource/authority/language": DCTERMS.LinguisticSystem,
    "http://publications.europa.eu/resource/authority/access-right": DCTERMS.RightsStatement,
    "http://publications.europa.eu/resource/authority/frequency": DCTERMS.Frequency,
    "http://publications.europa.eu/resource/authority/licence": DCTERMS.LicenseDocument,
    "http://publications.europa.eu/resource/authority/file-type": DCTERMS.MediaTypeOrExtent,
    "http://publications.europa.eu/resource/authority/data-theme": SKOS.Concept,
    "http://publications.europa.eu/resource/authority/distribution-status": SKOS.Concept,
}
PUBLISHER_TYPES = [
    "Academia-ScientificOrganisation",
    "Company",
    "IndustryConsortium",
    "LocalAuthority",
    "NationalAuthority",
    "NonGovernmentalOrganisation",
    "NonProfitOrganisation",
    "PrivateIndividual",
    "RegionalAuthority",
    "StandardisationBody",
    "SupraNationalAuthority",
]
TYPED_OBJECTS = [
    (DCTERMS.conformsTo, DCTERMS.Standard),
    (DCTERMS.spatial, DCTERMS.Location),
    (DCTERMS.license, DCTERMS.LicenseDocument),
]


@dataclass(frozen=True)
class Result:
    severity: str
    path: str
    constraint: str
    focus: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.path} ({self.constraint}) on {self.focus}: {self.message[:160]}"


@lru_cache(maxsize=1)
def vocabulary_graph() -> Graph:
    vocabularies = Graph()
    for name in VOCABULARIES:
        vocabularies.parse(REFERENCE / "vocabularies" / name, format="xml")
    for scheme, cls in SCHEME_CLASSES.items():
        node = URIRef(scheme)
        for concept in list(vocabularies.subjects(SKOS.inScheme, node)):
            if isinstance(concept, URIRef):
                vocabularies.add((concept, RDF.type, cls))
        for label in list(vocabularies.objects(node, SKOS.prefLabel)):
            vocabularies.add((node, DCTERMS.title, label))
    for kind in PUBLISHER_TYPES:
        node = URIRef("http://purl.org/adms/publishertype/" + kind)
        vocabularies.add((node, RDF.type, SKOS.Concept))
        vocabularies.add((node, SKOS.prefLabel, Literal(kind, lang="en")))
    return vocabularies


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    shapes = Graph()
    shapes.parse(REFERENCE / "dcat-ap-SHACL.ttl", format="turtle")
    shapes.parse(REFERENCE / "dcat-ap-se-additions.ttl", format="turtle")
    return shapes


def ignored_constraints() -> set[tuple[str, str]]:
    overrides = json.loads((REFERENCE / "dcat-ap-se-overrides.json").read_text(encoding="utf-8"))["overrides"]
    return {(o["path"], str(SH) + c) for o in overrides for c in o["ignoreConstraints"]}


def validate_graph(data: Graph) -> list[Result]:
    """Every result of DIGG's shapes on ``data`` that the Swedish profile does not ignore."""
    graph = data + vocabulary_graph()
    for predicate, cls in TYPED_OBJECTS:
        for node in list(graph.objects(None, predicate)):
            if isinstance(node, URIRef):
                graph.add((node, RDF.type, cls))
    _, report, _ = validate(graph, shacl_graph=shapes_graph(), inference="none", advanced=True, allow_warnings=True)
    ignored = ignored_constraints()
    results = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        path, constraint = str(report.value(node, SH.resultPath)), str(report.value(node, SH.sourceConstraintComponent))
        if (path, constraint) in ignored:
            continue
        results.append(
            Result(
                str(report.value(node, SH.resultSeverity)).split("#")[-1],
                path,
                constraint.split("#")[-1],
                str(report.value(node, SH.focusNode)),
                str(report.value(node, SH.value) or ""),
                str(report.value(node, SH.resultMessage)),
            )
        )
    return sorted(results, key=lambda r: (r.path, r.focus, r.constraint))


def validate_file(path: Path) -> list[Result]:
    """``validate_graph`` on a catalogue in RDF/XML (or Turtle, by its suffix)."""
    return validate_graph(Graph().parse(path, format="turtle" if path.suffix == ".ttl" else "xml"))
