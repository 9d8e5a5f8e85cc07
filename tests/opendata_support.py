"""What the open-data tests share: a fictional publisher, fixed dates, and the 360Giving 1.4.3
schemas and codelists (vendored in tests/reference, sources in its README)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from casebook.domain.reference import Publisher
from casebook.render.opendata_tables import CaseFileTimes, DataHistory

REFERENCE = Path(__file__).resolve().parent / "reference"
GIVING360 = REFERENCE / "360giving-1.4.3"
PACKAGE_SCHEMA = json.loads((GIVING360 / "360-giving-package-schema.json").read_text(encoding="utf-8"))
GRANT_SCHEMA = json.loads((GIVING360 / "360-giving-schema.json").read_text(encoding="utf-8"))

PUBLISHER = Publisher(
    name="Region Dalarna",
    organisation_number="232100-0180",
    contact_email="oppnadata@example.invalid",
    site_url="https://data.example.invalid/casebook/",
    grant_id_prefix="360G-fiktiv",
    org_id_scheme="SE-ON",
)
MODIFIED = dt.datetime(2099, 3, 1, 12, 0, tzinfo=dt.UTC)


def uniform_history(reports, moment: dt.datetime = MODIFIED, revisions: int = 1) -> DataHistory:
    """Every case file added and last changed at ``moment``."""
    return DataHistory({r.case.id: CaseFileTimes(moment, moment) for r in reports}, revisions)


def validator_360giving() -> jsonschema.Validator:
    """The 1.4.3 package schema, its grant ``$ref`` resolved to the vendored grant schema (offline),
    as JSON Schema Draft 2020-12 with format checking: the schemas' own ``$schema`` is not the
    canonical draft URI, so the draft is chosen here rather than read from them."""
    grant_url = PACKAGE_SCHEMA["properties"]["grants"]["items"]["$ref"]
    registry = Registry().with_resource(
        grant_url, Resource.from_contents(GRANT_SCHEMA, default_specification=DRAFT202012)
    )
    return jsonschema.Draft202012Validator(
        PACKAGE_SCHEMA, registry=registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def codelist(name: str) -> set[str]:
    with (GIVING360 / "codelists" / name).open(encoding="utf-8", newline="") as f:
        return {row["Code"] for row in csv.DictReader(f)}


def codelist_problems(package: dict) -> list[str]:
    """Every value in the grants that the codelist its grant-schema property names lacks.

    Walks each grant along the grant schema (following ``$ref`` into ``$defs`` and ``items``
    into arrays), so every field the standard ties to a codelist is checked."""
    problems = []

    def walk(schema: dict, value: object, where: str) -> None:
        if "$ref" in schema:
            schema = GRANT_SCHEMA["$defs"][schema["$ref"].rsplit("/", 1)[1]]
        if "codelist" in schema and not isinstance(value, (dict, list)) and value not in codelist(schema["codelist"]):
            problems.append(f"{where}: {value!r} finns inte i {schema['codelist']}")
        if isinstance(value, list):
            for i, item in enumerate(value):
                walk(schema.get("items", {}), item, f"{where}[{i}]")
        elif isinstance(value, dict):
            for key, item in value.items():
                if key in schema.get("properties", {}):
                    walk(schema["properties"][key], item, f"{where}.{key}")

    for i, grant in enumerate(package["grants"]):
        walk(GRANT_SCHEMA, grant, f"grants[{i}]")
    return problems
