"""Open data: every case as tables (CSV, typed JSON, xlsx) with the payments of the
followed-up cases, 360Giving grants, a Frictionless
data package and a DCAT-AP-SE catalogue, written together by :func:`write_open_data`.

The tables and their column descriptions are in :mod:`casebook.render.opendata_tables`;
each other format has its own module.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from casebook.domain.evaluation import EvaluatedCase
from casebook.domain.reference import NationalAgency, Publisher, RegionalActor
from casebook.render import datapackage, dcat, giving360
from casebook.render.opendata_tables import (
    DECISION_COLUMNS,
    DECISIONS,
    FINANCING,
    FINANCING_COLUMNS,
    PAYMENT_COLUMNS,
    PAYMENTS,
    OpenDataFile,
    csv_text,
    data_modified,
    decision_rows,
    financing_rows,
    json_schema_for,
    json_text,
    payment_rows,
    typed_json,
    xlsx_bytes,
)


def _files(giving_written: bool) -> list[OpenDataFile]:
    files = [
        OpenDataFile("beslut.csv", "CSV", "text/csv", "Beslut (CSV)", DECISIONS.description),
        OpenDataFile("finansieringsplaner.csv", "CSV", "text/csv", "Finansieringsplaner (CSV)", FINANCING.description),
        OpenDataFile("utbetalningar.csv", "CSV", "text/csv", "Utbetalningar (CSV)",
                     PAYMENTS.description + " Bara rubrikraden när inget ärende registrerar uppföljning."),
        OpenDataFile("beslut.json", "JSON", "application/json", "Beslut (typad JSON)",
                     "Samma uppgifter som beslut.csv med tal, sanningsvärden och null i stället för text."),
        OpenDataFile("beslut.schema.json", "JSON", "application/schema+json", "JSON Schema för beslut.json",
                     "Beskriver fälten och typerna i beslut.json."),
        OpenDataFile("utbetalningar.json", "JSON", "application/json", "Utbetalningar (typad JSON)",
                     "Samma uppgifter som utbetalningar.csv med tal och null i stället för text."),
        OpenDataFile("utbetalningar.schema.json", "JSON", "application/schema+json", "JSON Schema för utbetalningar.json",
                     "Beskriver fälten och typerna i utbetalningar.json."),
        OpenDataFile("medfinansiering.xlsx", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     "Beslut, finansieringsplaner och utbetalningar (Excel)", "Alla tre tabellerna som kalkylblad, med belopp som tal."),
        OpenDataFile("datapackage.json", "JSON", "application/json", "Datapaket (Frictionless Data Package)",
                     "Beskrivning av CSV-filerna: fält, typer, enheter, nycklar och licens."),
    ]
    if giving_written:
        files.append(OpenDataFile("360giving.json", "JSON", "application/json", "Beviljade bidrag enligt 360Giving",
                                  "Ett bidrag per ärende som utgivaren har beviljat, enligt 360Giving Data Standard."))
    files.append(OpenDataFile("katalog.rdf", "RDF_XML", "application/rdf+xml", "Datakatalog (DCAT-AP-SE)",
                              "Katalogen över datamängderna och filerna, för dataportal.se."))
    return files


def write_open_data(
    out: Path,
    reports: list[EvaluatedCase],
    actors: tuple[RegionalActor, ...],
    *,
    agencies: tuple[NationalAgency, ...] = (),
    publisher: Publisher | None = None,
    modified: dt.datetime | None = None,
) -> list[Path]:
    """Write every open-data file into ``out``; return them in a stable order.

    Without a ``publisher`` only the tables are written: the 360Giving file, the data
    package and the catalogue must name who publishes them and where. ``modified`` (by
    default :func:`data_modified`) is the time every file states as its last change.
    """
    modified = modified or data_modified(reports)
    out.mkdir(parents=True, exist_ok=True)
    decisions = decision_rows(reports)
    financing = financing_rows(reports)
    payments = payment_rows(reports)
    texts = {
        "beslut.csv": csv_text(decisions, DECISION_COLUMNS),
        "finansieringsplaner.csv": csv_text(financing, FINANCING_COLUMNS),
        # Written even without rows: a header-only table keeps the data package's file set the same.
        "utbetalningar.csv": csv_text(payments, PAYMENT_COLUMNS),
        "beslut.json": json_text(typed_json(decisions)),
        "beslut.schema.json": json_text(json_schema_for(DECISIONS)),
        "utbetalningar.json": json_text(typed_json(payments)),
        "utbetalningar.schema.json": json_text(json_schema_for(PAYMENTS)),
    }
    written = []
    for name, text in texts.items():
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    (out / "medfinansiering.xlsx").write_bytes(xlsx_bytes([(DECISIONS, decisions), (FINANCING, financing), (PAYMENTS, payments)], modified))
    written.append(out / "medfinansiering.xlsx")
    if publisher is None:
        return written
    package = datapackage.descriptor(out, publisher, modified)
    (out / "datapackage.json").write_text(json_text(package), encoding="utf-8")
    written.append(out / "datapackage.json")
    grants = giving360.package(reports, giving360.OrganisationIds(reports, actors, agencies), publisher, modified)
    giving_written = bool(grants["grants"])
    if giving_written:  # the 360Giving package schema requires at least one grant
        (out / "360giving.json").write_text(json_text(grants), encoding="utf-8")
        written.append(out / "360giving.json")
    catalogue = dcat.catalogue(reports, _files(giving_written), publisher, modified)
    (out / "katalog.rdf").write_text(catalogue, encoding="utf-8")
    written.append(out / "katalog.rdf")
    return written


def published_files(out: Path) -> list[OpenDataFile]:
    """The files of :func:`write_open_data` that exist in ``out``, for the open-data page."""
    return [f for f in _files(giving_written=True) if (out / f.name).is_file()]
