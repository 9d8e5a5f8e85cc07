"""Open data: everything the site publishes under ``data/``, written together by
:func:`write_open_data`:

- every case as tables (CSV, typed JSON with its JSON Schema, xlsx): the decisions, the
  financing plans and the payments of the followed-up cases;
- each case file byte for byte (``arenden/``), its rule outcomes (``regelutfall/``), the
  case files' JSON Schema, and the source documents the repository holds (``kallor/``);
- the publisher's awards in the 360Giving standard;
- a Frictionless data package that describes every one of these files with its checksum and
  licence, and a DCAT-AP-SE catalogue for dataportal.se that describes the datasets, their
  files and the data package.

The tables and their column descriptions are in :mod:`casebook.render.opendata_tables`;
each other format has its own module.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from casebook.domain.evaluation import EvaluatedCase, case_file_bytes
from casebook.domain.model import case_json_schema
from casebook.domain.reference import NationalAgency, Publisher, RegionalActor
from casebook.render import datapackage, dcat, giving360
from casebook.render.opendata_tables import (
    DECISIONS,
    FINANCING,
    PAYMENTS,
    DataHistory,
    OpenDataFile,
    OrganisationNumbers,
    Table,
    csv_text,
    decision_rows,
    financing_rows,
    json_schema_for,
    json_text,
    payment_rows,
    typed_json,
    xlsx_bytes,
)

CASE_FILES = "arenden"
"""Each case's YAML file, published byte for byte, so a reader can check its SHA-256."""
RESULTS = "regelutfall"
"""Each case's rule outcomes as JSON."""
SOURCES = "kallor"
"""Source documents (decision memos) that the repository holds under ``data/sources/``."""
CASE_SCHEMA = "arendefil.schema.json"
GIVING360 = "360giving.json"
PACKAGE = "datapackage.json"
CATALOGUE = dcat.CATALOGUE_FILE

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SOURCE_MEDIA_TYPES = {
    ".txt": "text/plain",
    ".pdf": "application/pdf",
    ".html": "text/html",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
"""The media type of a source document by its suffix; any other is application/octet-stream."""


def _table_files(table: Table, description: str) -> list[OpenDataFile]:
    """A table's CSV, typed JSON and JSON Schema."""
    table_name, title = table.name, table.title
    return [
        OpenDataFile(f"{table_name}.csv", "CSV", "text/csv", f"{title} (CSV)", description),
        OpenDataFile(
            f"{table_name}.json",
            "JSON",
            "application/json",
            f"{title} (typad JSON)",
            f"Samma uppgifter som {table_name}.csv med tal, sanningsvärden och null i stället för text.",
        ),
        OpenDataFile(
            f"{table_name}.schema.json",
            "JSON",
            "application/json",
            f"JSON Schema för {table_name}.json",
            f"Beskriver fälten, typerna, gränserna och villkoren i {table_name}.json (JSON Schema 2020-12).",
        ),
    ]


TABLE_FILES = (
    _table_files(DECISIONS, DECISIONS.description)
    + _table_files(FINANCING, FINANCING.description)
    + _table_files(PAYMENTS, PAYMENTS.description + " Bara rubrikraden när inget ärende registrerar uppföljning.")
)
FILES = (
    *TABLE_FILES,
    OpenDataFile(
        "medfinansiering.xlsx",
        "XLSX",
        XLSX_MEDIA_TYPE,
        "Beslut, finansieringsplaner och utbetalningar (Excel)",
        "Alla tre tabellerna som kalkylblad, med belopp och andelar som tal och datum som datum.",
    ),
    OpenDataFile(
        CASE_SCHEMA,
        "JSON",
        "application/json",
        "JSON Schema för ärendefilerna",
        f"Formatet för ärendefilerna i {CASE_FILES}/ (JSON Schema 2020-12).",
    ),
    OpenDataFile(
        GIVING360,
        "JSON",
        "application/json",
        "Beviljade bidrag enligt 360Giving",
        "Ett bidrag per ärende som utgivaren har beviljat, enligt 360Giving Data Standard.",
    ),
    OpenDataFile(
        PACKAGE,
        "JSON",
        "application/json",
        "Datapaket (Frictionless Data Package)",
        "Beskrivning av alla filer under data/: fält, typer, enheter, nycklar, kontrollsummor och licens.",
    ),
)
"""The files at the top of ``data/`` that the catalogue lists, in the order of the open-data page."""
CATALOGUE_ENTRY = OpenDataFile(
    CATALOGUE,
    "RDF_XML",
    "application/rdf+xml",
    "Datakatalog (DCAT-AP-SE)",
    "Katalogen över datamängderna och filerna, för dataportal.se.",
)
FOLDERS = (
    (CASE_FILES, "YAML", "Ärendefilerna, en fil per ärende, byte för byte som i förrådet (data/cases/<id>.yaml)."),
    (RESULTS, "JSON", "Regelutfallen för varje ärende, en fil per ärende (länkade från ärendelistan)."),
    (SOURCES, "TXT/PDF", "Beslutsunderlagen som ärendena bygger på, där förrådet har dem."),
)
"""The folders of per-case files: described file by file in the data package."""


def write_open_data(
    out: Path,
    reports: list[EvaluatedCase],
    actors: tuple[RegionalActor, ...],
    *,
    as_of: dt.date,
    agencies: tuple[NationalAgency, ...] = (),
    publisher: Publisher | None = None,
    history: DataHistory | None = None,
) -> list[Path]:
    """Write every open-data file into ``out``; return them in a stable order.

    Without a ``publisher`` only the tables and the case files are written: the 360Giving
    file, the data package and the catalogue must name who publishes them and where.
    ``history`` (by default the case files' modification times) dates every record; a
    followed-up case's status is judged on the build date ``as_of``.
    """
    history = history or DataHistory.from_files(reports)
    numbers = OrganisationNumbers(reports, actors, agencies)
    out.mkdir(parents=True, exist_ok=True)
    decisions = decision_rows(reports, numbers, as_of)
    financing = financing_rows(reports, numbers)
    payments = payment_rows(reports)
    texts = {}
    for table, rows in ((DECISIONS, decisions), (FINANCING, financing), (PAYMENTS, payments)):
        # Written even without rows: a header-only table keeps the data package's file set the same.
        texts[f"{table.name}.csv"] = csv_text(rows, table.columns)
        texts[f"{table.name}.json"] = json_text(typed_json(rows))
        texts[f"{table.name}.schema.json"] = json_text(json_schema_for(table))
    written = []
    for name in (f.name for f in TABLE_FILES):
        (out / name).write_text(texts[name], encoding="utf-8")
        written.append(out / name)
    xlsx = out / "medfinansiering.xlsx"
    xlsx.write_bytes(
        xlsx_bytes([(DECISIONS, decisions), (FINANCING, financing), (PAYMENTS, payments)], history.modified())
    )
    written.append(xlsx)
    written += _write_case_files(out, reports)
    if publisher is None:
        return written
    grants = giving360.package(reports, giving360.OrganisationIds(numbers, publisher), publisher, history)
    if grants["grants"]:  # the 360Giving package schema requires at least one grant
        (out / GIVING360).write_text(json_text(grants), encoding="utf-8")
        written.append(out / GIVING360)
    described = [_described(out, path) for path in written]
    (out / PACKAGE).write_text(json_text(datapackage.descriptor(out, described, publisher, history)), encoding="utf-8")
    written.append(out / PACKAGE)
    catalogued = [f for f in FILES if (out / f.name).is_file()]
    (out / CATALOGUE).write_text(
        dcat.catalogue(out, reports, catalogued, publisher, history, actors, agencies), encoding="utf-8"
    )
    written.append(out / CATALOGUE)
    return written


def _write_case_files(out: Path, reports: list[EvaluatedCase]) -> list[Path]:
    """Each case file byte for byte, its rule outcomes, the case files' schema and the source documents."""
    written = [out / CASE_SCHEMA]
    _write_sorted_json(out / CASE_SCHEMA, case_json_schema())
    for folder in (CASE_FILES, RESULTS):
        (out / folder).mkdir(exist_ok=True)
    sources = set()
    for report in sorted(reports, key=lambda r: r.case.id):
        case_id = report.case.id
        (out / CASE_FILES / f"{case_id}.yaml").write_bytes(case_file_bytes(report))
        _write_sorted_json(
            out / RESULTS / f"{case_id}.json", {"case_id": case_id, "results": [r.as_dict() for r in report.results]}
        )
        written += [out / CASE_FILES / f"{case_id}.yaml", out / RESULTS / f"{case_id}.json"]
        document = source_document_file(report)
        if document is not None and document.name not in sources:
            sources.add(document.name)
            (out / SOURCES).mkdir(exist_ok=True)
            shutil.copyfile(document, out / SOURCES / document.name)
            written.append(out / SOURCES / document.name)
    return written


def _write_sorted_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def source_document_file(evaluated: EvaluatedCase) -> Path | None:
    """The case's source document in ``data/sources/`` beside the cases folder, if the repository has it."""
    name = evaluated.case.source_document.file
    if not name or Path(name).name != name:
        return None
    path = evaluated.source.resolve().parent.parent / "sources" / name
    return path if path.is_file() else None


def _described(out: Path, path: Path) -> OpenDataFile:
    """What a written file is, for the data package: its path under ``out``, format and description."""
    name = path.relative_to(out).as_posix()
    known = next((f for f in FILES if f.name == name), None)
    if known is not None:
        return known
    folder, _, file = name.partition("/")
    stem = Path(file).stem
    if folder == CASE_FILES:
        return OpenDataFile(
            name,
            None,
            "application/yaml",
            f"Ärendefil {stem}",
            f"Ärendefilen data/cases/{file} byte för byte; beslut.csv anger dess SHA-256 (case_file_sha256).",
        )
    if folder == RESULTS:
        return OpenDataFile(
            name,
            None,
            "application/json",
            f"Regelutfall för {stem}",
            f"Utfallet av varje regelkontroll i ärendet {stem}.",
        )
    if folder != SOURCES:
        raise ValueError(f"{name}: en fil under data/ som ingen beskrivning finns för")
    media_type = SOURCE_MEDIA_TYPES.get(Path(file).suffix.lower(), "application/octet-stream")
    return OpenDataFile(
        name,
        None,
        media_type,
        f"Beslutsunderlag {file}",
        "Kopia av beslutsunderlaget som ett eller flera ärenden bygger på.",
    )


def published_files(out: Path) -> list[OpenDataFile]:
    """The files at the top of ``out`` that :func:`write_open_data` wrote, for the open-data page."""
    return [f for f in (*FILES, CATALOGUE_ENTRY) if (out / f.name).is_file()]


def published_folders(out: Path) -> list[tuple[str, str, str]]:
    """The per-case folders (name, formats, description) that hold at least one file."""
    return [folder for folder in FOLDERS if (out / folder[0]).is_dir() and any((out / folder[0]).iterdir())]
