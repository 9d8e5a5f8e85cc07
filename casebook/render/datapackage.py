"""A Frictionless Data Package (``datapackage.json``) describing every file under ``data/``.

Written with plain code from the column specification, so building the site does not need
the frictionless library; the tests validate it with ``frictionless validate``. Each CSV is
a tabular resource with a Table Schema: types, Swedish titles and descriptions, units,
bounds, codes, a primary key, and the foreign key ``case_id`` that links the financing plans
and the payments to the decisions. Every other file (typed JSON and its schemas, the xlsx,
each case file and its rule outcomes, the source documents, the 360Giving file) is a resource
too, so that each has its size, SHA-256 and licence. The data are published under CC0-1.0,
the licence Swedish guidance recommends for open data; a source document is a copy of the
memo a case rests on, and carries no licence of ours.

``version`` is ``MAJOR.MINOR.REVISION``: MAJOR.MINOR the version of the tables' format
(:data:`FORMAT_VERSION`: MAJOR when a column is removed or changes meaning or type, MINOR when
one is added), REVISION the number of changes the case files have had
(:attr:`~casebook.render.opendata_tables.DataHistory.revisions`). ``created`` and
``modified`` are the first addition and the last change of a case file, from the history.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from casebook.domain import organisation_number
from casebook.domain.reference import Publisher
from casebook.render.opendata_tables import (
    DECISIONS,
    LICENSE_ID,
    LICENSE_TITLE,
    LICENSE_URL,
    TABLES,
    Column,
    DataHistory,
    OpenDataFile,
    Table,
    iso_time,
)
from casebook.render.slugs import slug

PACKAGE_NAME = "medfinansieringsbeslut"
FORMAT_VERSION = "1.0"
"""MAJOR.MINOR of the tables' format; raise MINOR when a column is added, MAJOR when one is removed or changes."""
SOURCE_LICENCE = {
    "name": "notspecified",
    "title": "Ingen licens från utgivaren av öppna data: kopia av beslutsunderlaget "
    "som ärendet bygger på; villkoren för dokumentet gäller",
}


def field(column: Column) -> dict:
    """A Table Schema field; ``unit`` is a custom property, repeated in the description."""
    spec: dict = {
        "name": column.name,
        "type": column.type,
        "title": column.title,
        "description": column.full_description,
    }
    if column.unit:
        spec["unit"] = column.unit
    constraints: dict = {}
    if column.required:
        constraints["required"] = True
    if column.enum:
        constraints["enum"] = list(column.enum)
    if column.pattern:
        constraints["pattern"] = column.pattern
    if column.organisation_number:
        # A Table Schema pattern cannot count a check digit: the form here, the check digit in the JSON Schema.
        constraints["pattern"] = organisation_number.json_schema()["allOf"][0]["pattern"]
    if column.minimum is not None:
        constraints["minimum"] = column.minimum
    if column.maximum is not None:
        constraints["maximum"] = column.maximum
    if constraints:
        spec["constraints"] = constraints
    if column.type == "boolean":
        spec["trueValues"] = ["true"]
        spec["falseValues"] = ["false"]
    return spec


def table_schema(table: Table) -> dict:
    schema: dict = {
        "fields": [field(c) for c in table.columns],
        "missingValues": [""],
        "primaryKey": list(table.primary_key),
    }
    if table is not DECISIONS:  # every other table has rows of a case
        schema["foreignKeys"] = [
            {"fields": ["case_id"], "reference": {"resource": DECISIONS.name, "fields": ["case_id"]}}
        ]
    return schema


def _table_description(table: Table) -> str:
    conditions = " ".join(c.describe() for c in table.conditions)
    return table.description + (
        f" Villkor per rad (kontrolleras av JSON Schema för tabellens JSON-fil): {conditions}" if conditions else ""
    )


def resource(out: Path, file: OpenDataFile, name: str) -> dict:
    """A resource for a written file: its path, format, size, SHA-256 and, for a table, its schema."""
    data = (out / file.name).read_bytes()
    spec: dict = {
        "name": name,
        "path": file.name,
        "title": file.title,
        "description": file.description,
        "format": Path(file.name).suffix.lstrip("."),
        "mediatype": file.media_type,
        "bytes": len(data),
        "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
    }
    table = next((t for t in TABLES if f"{t.name}.csv" == file.name), None)
    if table is not None:
        spec |= {
            "name": table.name,
            "type": "table",
            "profile": "tabular-data-resource",
            "description": _table_description(table),
            "encoding": "utf-8",
            "dialect": {"delimiter": ",", "lineTerminator": "\n", "header": True},
            "schema": table_schema(table),
        }
    else:
        spec["type"] = "json" if file.media_type == "application/json" else "file"
    if file.name.startswith("kallor/"):
        spec["licenses"] = [SOURCE_LICENCE]
    return spec


def _names(files: list[OpenDataFile]) -> list[str]:
    """A unique resource name for each file: lower-case letters, digits, ``-``, ``.`` and ``_``."""
    names, used = [], set()
    for file in files:
        base = slug(file.name.replace(".", "-").replace("/", "-"), max_length=0) or "fil"
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        names.append(name)
    return names


def descriptor(out: Path, files: list[OpenDataFile], publisher: Publisher, history: DataHistory) -> dict:
    """The data package for ``files``, already written in ``out``; the tables first, as the site lists them."""
    ordered = sorted(files, key=lambda f: f.media_type != "text/csv")
    return {
        "profile": "data-package",
        "name": PACKAGE_NAME,
        "title": "Regionala medfinansieringsbeslut",
        "description": (
            "Ärenden om bidrag enligt förordning (2003:596) om bidrag för projektverksamhet inom den regionala "
            "utvecklingspolitiken: status, belopp, datum, regelutfall, projektens finansieringsplaner och "
            "utbetalningarna i de ärenden som registrerar uppföljning, samt ärendefilerna och regelutfallen fil för fil. "
            "Text som börjar med =, +, -, @, tabb, vagnretur eller nolltecken har ett ' först i CSV-filerna, så att "
            "kalkylprogram inte läser den som en formel; JSON- och xlsx-filerna har texten exakt. Fälten som är "
            "markerade som byggdagsvärden bedöms den dag webbplatsen byggs; created och modified avser ärendefilerna."
        ),
        "homepage": f"{publisher.site_url}book/open_data.html",
        "version": f"{FORMAT_VERSION}.{history.revisions}",
        "created": iso_time(history.created()),
        "modified": iso_time(history.modified()),
        "keywords": ["regional utveckling", "medfinansiering", "bidrag", "förordning (2003:596)"],
        "licenses": [{"name": LICENSE_ID, "path": LICENSE_URL, "title": LICENSE_TITLE}],
        "contributors": [
            {"title": publisher.name, "role": "publisher", "email": publisher.contact_email, "path": publisher.site_url}
        ],
        "resources": [resource(out, f, name) for f, name in zip(ordered, _names(ordered), strict=True)],
    }
