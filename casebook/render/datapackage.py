"""A Frictionless Data Package (``datapackage.json``) describing the open-data CSV files.

Written with plain code from the column specification, so building the site does not need
the frictionless library; the tests validate it with ``frictionless validate``. Each CSV has
a Table Schema with types, Swedish titles and descriptions, units, a primary key, and the
foreign key ``case_id`` that links the financing plans and the payments to the decisions. The data are
published under CC0-1.0, the licence Swedish guidance recommends for open data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from casebook.domain.reference import Publisher
from casebook.render.opendata_tables import DECISIONS, LICENSE_ID, LICENSE_TITLE, LICENSE_URL, TABLES, Column, Table, iso_time

PACKAGE_NAME = "medfinansieringsbeslut"


def field(column: Column) -> dict:
    """A Table Schema field; ``unit`` is a custom property, repeated in the description."""
    description = column.description + (f" Enhet: {column.unit}." if column.unit else "")
    spec: dict = {"name": column.name, "type": column.type, "title": column.title, "description": description}
    if column.unit:
        spec["unit"] = column.unit
    constraints: dict = {}
    if column.required:
        constraints["required"] = True
    if column.enum:
        constraints["enum"] = list(column.enum)
    if column.pattern:
        constraints["pattern"] = column.pattern
    if column.type == "integer" and column.unit in {"SEK", "antal"}:
        constraints["minimum"] = 0
    if column.type == "number" and column.unit == "procent":
        constraints["minimum"] = 0
        constraints["maximum"] = 100
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
        schema["foreignKeys"] = [{"fields": ["case_id"], "reference": {"resource": DECISIONS.name, "fields": ["case_id"]}}]
    return schema


def resource(out: Path, table: Table) -> dict:
    path = out / f"{table.name}.csv"
    data = path.read_bytes()
    return {
        "name": table.name,
        "path": path.name,
        "profile": "tabular-data-resource",
        "title": table.title,
        "description": table.description,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": len(data),
        "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
        "dialect": {"delimiter": ",", "lineTerminator": "\n", "header": True},
        "schema": table_schema(table),
    }


def descriptor(out: Path, publisher: Publisher, modified: dt.datetime) -> dict:
    """The data package for the CSV files already written in ``out``."""
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": "Regionala medfinansieringsbeslut",
        "description": ("Ärenden om bidrag enligt förordning (2003:596) om bidrag för projektverksamhet inom den regionala "
                        "utvecklingspolitiken: status, belopp, datum, regelutfall, projektens finansieringsplaner och "
                        "utbetalningarna i de ärenden som registrerar uppföljning. "
                        "Text som börjar med =, +, -, @, tabb eller vagnretur har ett ' först, så att kalkylprogram inte "
                        "läser den som en formel."),
        "homepage": f"{publisher.site_url}book/open_data.html",
        "version": iso_time(modified)[:10],
        "created": iso_time(modified),
        "keywords": ["regional utveckling", "medfinansiering", "bidrag", "förordning (2003:596)"],
        "licenses": [{"name": LICENSE_ID, "path": LICENSE_URL, "title": LICENSE_TITLE}],
        "contributors": [{"title": publisher.name, "role": "publisher", "email": publisher.contact_email, "path": publisher.site_url}],
        "resources": [resource(out, table) for table in TABLES],
    }
