"""One validation for every text field (``casebook.domain.text``): control, bidi, zero-width and
BOM characters, and characters the PDF/A fonts lack, are refused by ``casebook check`` with a
Swedish message naming the field and the character; the published JSON Schema says the same."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import jsonschema
import pytest
import yaml
from conftest import REFERENCE_DIR, REPO, SPIN_PATH
from hypothesis import given, settings
from hypothesis import strategies as st

from casebook.domain.case_file import load_case
from casebook.domain.clock import as_of_date
from casebook.domain.errors import CaseFileError
from casebook.domain.model import CASE_ID_PATTERN, case_json_schema
from casebook.domain.organisation_number import FORM as ORGANISATION_NUMBER_PATTERN
from casebook.domain.reference import NationalAgency, Publisher, RegionalActor, load_publisher, load_regional_actors
from casebook.domain.text import LINE_PATTERN, TEXT_PATTERN, text_problem

# One of each kind the issue names, and the neighbours of each range's ends.
REFUSED = {
    "\x00": "styrtecken",
    "\x07": "styrtecken",
    "\t": "tabbtecken",
    "\x1b": "styrtecken",
    "\x1f": "styrtecken",
    "\x7f": "styrtecken",
    "\x80": "styrtecken",
    "\x85": "styrtecken",
    "\x9f": "styrtecken",
    "\u061c": "riktning",
    "\u200e": "riktning",
    "\u200f": "riktning",
    "\u202a": "riktning",
    "\u202e": "riktning",
    "\u2066": "riktning",
    "\u2069": "riktning",
    "\u200b": "formattecken",
    "\u200c": "formattecken",
    "\u200d": "formattecken",
    "\u2060": "formattecken",
    "\u180e": "formattecken",
    "\u00ad": "formattecken",
    "\ufeff": "byte order mark",
    "\u2028": "avgränsare",
    "\u2029": "avgränsare",
    "\ue000": "privat bruk",
    "\U0010fffd": "privat bruk",
    "\ufffe": "inte är ett tecken",
    "\uffff": "inte är ett tecken",
    "\U0001f680": "typsnitten",
    "\u4e2d": "typsnitten",
}


@pytest.mark.parametrize("character", sorted(REFUSED), ids=lambda c: f"U+{ord(c):04X}")
def test_each_kind_of_character_is_refused_by_name(character):
    problem = text_problem(f"Region{character} Dalarna", line_breaks=True)
    assert problem is not None and f"U+{ord(character):04X} (tecken 7)" in problem and REFUSED[character] in problem
    assert text_problem(f"Region{character} Dalarna", line_breaks=False) == problem


def test_a_line_break_is_running_text_only():
    assert text_problem("Första raden.\nAndra raden.", line_breaks=True) is None
    assert "U+000A (tecken 14)" in text_problem("Första raden.\nAndra raden.", line_breaks=False)


def test_swedish_and_sami_text_is_accepted():
    for text in (
        "Region Jämtland Härjedalen – Åre, Östersund",
        "Sámediggi: Árjepluovve, Čohkkiras, Ŋ ŧ đ š ž",
        "„Citat“ «guillemets» 12,10 % 750 000 kr … ½ € © §",
        "Ελληνικά Кириллица",
    ):
        assert text_problem(text, line_breaks=False) is None, text


@given(st.text())
@settings(max_examples=500)
def test_the_published_pattern_accepts_whatever_the_check_accepts(text):
    for pattern, line_breaks in ((TEXT_PATTERN, True), (LINE_PATTERN, False)):
        if text_problem(text, line_breaks) is None:
            assert re.fullmatch(pattern, text), text


@pytest.mark.parametrize(
    "character",
    [c for c in sorted(REFUSED) if REFUSED[c] not in ("typsnitten", "privat bruk")],
    ids=lambda c: f"U+{ord(c):04X}",
)
def test_the_published_pattern_refuses_each_control_and_format_character(character):
    assert re.fullmatch(TEXT_PATTERN, f"a{character}b") is None
    assert re.fullmatch(LINE_PATTERN, f"a{character}b") is None


def _string_schemas(node, path=""):
    if isinstance(node, dict):
        if node.get("type") == "string" and "enum" not in node and "format" not in node:
            yield path, node
        for key, value in node.items():
            yield from _string_schemas(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _string_schemas(value, f"{path}/{index}")


def _decimal_as_text(path: str, schema: dict) -> bool:
    """pydantic states a Decimal as a number or a string; the string's digits are checked as a number."""
    return schema == {"type": "string"} and path.endswith("/anyOf/1")


CODE_PATTERNS = ("^SE[0-9]{3}$", "^360G-[A-Za-z0-9]+(-[A-Za-z0-9]+)*$", "^[A-Z]{2}-[A-Z]+$")
"""Codes of the reference data (NUTS code, 360Giving prefix, org-id list): ASCII letters, digits and hyphens only."""


@pytest.mark.parametrize(
    "model", ["case", RegionalActor, NationalAgency, Publisher], ids=lambda m: getattr(m, "__name__", m)
)
def test_every_text_field_carries_the_check(model):
    """A new text field that is a plain ``str`` has no pattern and fails here: give it ``Text`` or ``ShortText``."""
    schema = case_json_schema() if model == "case" else model.model_json_schema()
    fields = [(path, s) for path, s in _string_schemas(schema) if not _decimal_as_text(path, s)]
    assert fields
    unchecked = [
        path
        for path, s in fields
        if s.get("pattern")
        not in (TEXT_PATTERN, LINE_PATTERN, CASE_ID_PATTERN, ORGANISATION_NUMBER_PATTERN, "^[0-9]{2}$", *CODE_PATTERNS)
        and not re.search(r"/(contact_email|site_url|phone|repository_url)(/anyOf/0)?$", path)
    ]
    assert unchecked == []


def test_the_published_schema_refuses_a_bell_in_the_title():
    document = yaml.safe_load(SPIN_PATH.read_text(encoding="utf-8"))
    document = _json_ready(document)
    validator = jsonschema.Draft202012Validator(case_json_schema())
    assert not list(validator.iter_errors(document))
    document["title"] = "SPIN \a Strategisk Planering i Norr"
    assert [e.json_path for e in validator.iter_errors(document)] == ["$.title"]


def _json_ready(value):
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    return value.isoformat() if hasattr(value, "isoformat") else value


def test_a_case_file_may_start_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "rjh-2025-spin.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + SPIN_PATH.read_bytes())  # as Notepad writes UTF-8
    assert load_case(path, as_of=as_of_date()).title == "SPIN – Strategisk Planering i Norr"


def test_a_windows_line_ending_is_not_a_control_character(tmp_path):
    path = tmp_path / "rjh-2025-spin.yaml"
    path.write_bytes(SPIN_PATH.read_bytes().replace(b"\n", b"\r\n"))
    assert load_case(path, as_of=as_of_date()).summary == load_case(SPIN_PATH, as_of=as_of_date()).summary


def _reference_copy(tmp_path):
    target = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, target)
    return target


def test_reference_data_gets_the_same_check(tmp_path):
    reference = _reference_copy(tmp_path)
    publisher = reference / "publisher.yaml"
    publisher.write_text(
        publisher.read_text(encoding="utf-8").replace(
            "name: Region Jämtland Härjedalen", 'name: "Region\\u202eJämtland"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(CaseFileError) as raised:
        load_publisher(reference)
    assert [(p.field, p.message[:35]) for p in raised.value.problems] == [
        ("name", "tecknet U+202E (tecken 7) är inte t")
    ]


def test_reference_data_is_read_strictly(tmp_path):
    reference = _reference_copy(tmp_path)
    actors = reference / "regional_actors.yaml"
    actors.write_text(
        actors.read_text(encoding="utf-8").replace(
            '- {county_code: "03", nuts_code: SE121, name: Region Uppsala}',
            '- {county_code: "03", nuts_code: SE121, name: Region Uppsala, name: Region X}',
        ),
        encoding="utf-8",
    )
    with pytest.raises(CaseFileError) as raised:
        load_regional_actors(reference)
    [problem] = raised.value.problems
    assert problem.field.startswith("rad 12, kolumn ") and "nyckeln 'name' står två gånger" in problem.message


def test_reference_positions_are_counted_from_one(tmp_path):
    reference = _reference_copy(tmp_path)
    actors = reference / "regional_actors.yaml"
    actors.write_text(
        actors.read_text(encoding="utf-8").replace('county_code: "03"', 'county_code: "3"'), encoding="utf-8"
    )
    with pytest.raises(CaseFileError) as raised:
        load_regional_actors(reference)
    assert [p.field for p in raised.value.problems] == ["post 2, county_code"]


def test_the_repertoire_is_what_the_generator_writes_from_the_installed_typst():
    """tools/font_repertoire.py reads the fonts Typst bundles and sets every character it lists in a
    PDF/A with Typst (all four styles), leaving out any that Typst refuses; the committed list is its output."""
    completed = subprocess.run(
        [sys.executable, "tools/font_repertoire.py"], cwd=REPO, capture_output=True, text=True, check=False, timeout=600
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == (REPO / "casebook" / "domain" / "repertoire.py").read_text(encoding="utf-8")
