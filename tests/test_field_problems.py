"""Refused values are explained in Swedish, the same way in case files and reference data
(:mod:`casebook.domain.field_problems`): whatever wrong value an analyst writes in any field,
no message falls back to pydantic's English, and a file that cannot be read (or a port
``casebook serve`` cannot listen on) says why in Swedish."""

from __future__ import annotations

import copy
import errno
import os
import re
import shutil
import socket

import pytest
import yaml
from conftest import REFERENCE_DIR, SPIN_PATH, copy_project

from casebook.cli import main
from casebook.domain.case_file import load_case
from casebook.domain.clock import as_of_date
from casebook.domain.errors import CaseFileError, UserError
from casebook.domain.field_problems import os_reason
from casebook.domain.reference import load_national_agencies, load_publisher, load_regional_actors
from casebook.engine.serve import SiteVersion, site_server

# Values of every YAML type that a field can be given by mistake.
WRONG_VALUES = [["en", "lista"], {"en": "mappning"}, "text", 1.5, 12, True, "2025-13-01"]
ENGLISH = re.compile(r"\b(Input|should|valid|must|Value|error|field)\b")


def _problems(load, path, document) -> list[str]:
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        load(path)
    except CaseFileError as exc:
        return [f"{p.field}: {p.message}" for p in exc.problems]
    return []


def _places(document) -> list[tuple]:
    """Every field of ``document`` down to the second level; in a list of mappings, the first item's."""
    places = []
    for key, value in document.items():
        places.append((key,))
        inner = value[0] if isinstance(value, list) and value and isinstance(value[0], dict) else value
        prefix = (key, 0) if inner is not value else (key,)
        if isinstance(inner, dict):
            places += [(*prefix, field) for field in inner]
    return places


def _with(document, place, value):
    changed = copy.deepcopy(document)
    holder = changed
    for part in place[:-1]:
        holder = holder[part]
    holder[place[-1]] = value
    return changed


def _english_at_every_place(load, path, document) -> dict[str, list[str]]:
    """The English messages, by field and wrong value; ``document`` a mapping, or a list whose
    first item is changed."""
    found = {}
    listed = isinstance(document, list)
    for place in _places(document[0] if listed else document):
        for value in WRONG_VALUES:
            changed = _with(document, (0, *place) if listed else place, value)
            english = [p for p in _problems(load, path, changed) if ENGLISH.search(p)]
            if english:
                found[f"{place} = {value!r}"] = english
    return found


def test_no_wrong_value_in_a_case_file_is_explained_in_english(tmp_path):
    document = yaml.safe_load(SPIN_PATH.read_text(encoding="utf-8"))
    path = tmp_path / "cases" / f"{document['id']}.yaml"
    path.parent.mkdir()
    shutil.copytree(REFERENCE_DIR, tmp_path / "reference")
    assert _english_at_every_place(lambda p: load_case(p, as_of=as_of_date()), path, document) == {}


@pytest.mark.parametrize(
    ("name", "load"),
    [
        ("publisher.yaml", load_publisher),
        ("regional_actors.yaml", load_regional_actors),
        ("national_agencies.yaml", load_national_agencies),
    ],
)
def test_no_wrong_value_in_reference_data_is_explained_in_english(tmp_path, name, load):
    shutil.copytree(REFERENCE_DIR, tmp_path / "reference")
    path = tmp_path / "reference" / name
    document = yaml.safe_load(path.read_text(encoding="utf-8"))

    def fresh(p):  # the loaders keep what they read; each changed file is read anew
        load.cache_clear()
        return load(p.parent)

    assert _english_at_every_place(fresh, path, document if isinstance(document, dict) else document[:1]) == {}


def test_a_list_of_reference_data_that_is_a_mapping_says_so_in_swedish(tmp_path):
    shutil.copytree(REFERENCE_DIR, tmp_path / "reference")
    (tmp_path / "reference" / "national_agencies.yaml").write_text("name: Tillväxtverket\n", encoding="utf-8")
    load_national_agencies.cache_clear()
    with pytest.raises(CaseFileError) as raised:
        load_national_agencies(tmp_path / "reference")
    assert [(p.field, p.message) for p in raised.value.problems] == [("(hela filen)", "ska vara en lista")]


def test_a_file_that_cannot_be_read_says_why_in_swedish(tmp_path):
    shutil.copytree(REFERENCE_DIR, tmp_path / "reference")
    (tmp_path / "reference" / "publisher.yaml").unlink()
    load_publisher.cache_clear()
    with pytest.raises(CaseFileError) as raised:
        load_publisher(tmp_path / "reference")
    assert raised.value.problems[0].message == "kan inte läsas: filen finns inte"
    (tmp_path / "reference" / "publisher.yaml").mkdir()
    load_publisher.cache_clear()
    with pytest.raises(CaseFileError) as raised:
        load_publisher(tmp_path / "reference")
    assert raised.value.problems[0].message == "kan inte läsas: det är en mapp, inte en fil"
    case = tmp_path / "rjh-2025-spin.yaml"
    case.mkdir()
    with pytest.raises(CaseFileError) as raised:
        load_case(case, as_of=as_of_date())
    assert raised.value.problems[0].message == "kan inte läsas: det är en mapp, inte en fil"


def test_the_operating_system_s_reasons_are_swedish_and_a_rare_one_is_kept_as_worded():
    # Root reads any file, so a permission error is made here rather than met in a test's folder.
    assert os_reason(PermissionError(errno.EACCES, "Permission denied")) == "behörighet saknas"
    assert (
        os_reason(OSError(errno.EADDRINUSE, "Address already in use")) == "adressen används redan av ett annat program"
    )
    assert os_reason(OSError(errno.EXDEV, "Invalid cross-device link")) == "Invalid cross-device link"


def test_serve_on_a_port_in_use_says_so_in_swedish(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UserError) as raised, site_server(tmp_path, port, SiteVersion()):
            pass
    assert str(raised.value) == (
        f"Kan inte lyssna på 127.0.0.1:{port} (adressen används redan av ett annat program); "
        "välj en annan port med --port."
    )


@pytest.mark.parametrize("text", ["", "# inget ännu\n", "null\n"])
@pytest.mark.parametrize(
    ("name", "load", "expected"),
    [
        ("publisher.yaml", load_publisher, "ska vara en mappning med fält"),
        ("regional_actors.yaml", load_regional_actors, "ska vara en lista"),
        ("national_agencies.yaml", load_national_agencies, "ska vara en lista"),
    ],
)
def test_an_empty_reference_file_is_named_as_the_whole_file(tmp_path, text, name, load, expected):
    """An empty file (or one holding only a comment or null) is a whole file of the wrong kind,
    not a field without a name still "to fill in"."""
    shutil.copytree(REFERENCE_DIR, tmp_path / "reference")
    (tmp_path / "reference" / name).write_text(text, encoding="utf-8")
    load.cache_clear()
    with pytest.raises(CaseFileError) as raised:
        load(tmp_path / "reference")
    load.cache_clear()
    assert [(p.field, p.message) for p in raised.value.problems] == [("(hela filen)", expected)]


def test_a_word_for_a_boolean_in_reference_data_is_explained_in_swedish(tmp_path):
    """``is_region`` is given only by Gotland's line, so the first item (which the test of every
    place changes) does not hold it; reference data is not strict, so a wrong word is
    ``bool_parsing``, not ``bool_type``."""
    shutil.copytree(REFERENCE_DIR, tmp_path / "reference")
    path = tmp_path / "reference" / "regional_actors.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("is_region: false", "is_region: nej"), encoding="utf-8")
    load_regional_actors.cache_clear()
    with pytest.raises(CaseFileError) as raised:
        load_regional_actors(tmp_path / "reference")
    load_regional_actors.cache_clear()
    assert [p.message for p in raised.value.problems] == ["ska vara true eller false (värde: 'nej')"]


def test_a_percentage_with_too_many_whole_digits_is_explained_in_swedish(tmp_path):
    document = yaml.safe_load(SPIN_PATH.read_text(encoding="utf-8"))
    document["decision"]["share_percent"] = 1234567.1
    path = tmp_path / "cases" / f"{document['id']}.yaml"
    path.parent.mkdir()
    shutil.copytree(REFERENCE_DIR, tmp_path / "reference")
    assert _problems(lambda p: load_case(p, as_of=as_of_date()), path, document) == [
        "decision.share_percent: har för många siffror före decimaltecknet (värde: 1234567.1)"
    ]


def test_a_path_through_a_file_and_a_symbolic_link_loop_say_why_in_swedish(tmp_path):
    (tmp_path / "reference").write_text("", encoding="utf-8")  # a file where the folder should be
    load_publisher.cache_clear()
    with pytest.raises(CaseFileError) as raised:
        load_publisher(tmp_path / "reference")
    assert raised.value.problems[0].message == "kan inte läsas: en del av sökvägen är inte en mapp"
    shutil.copytree(REFERENCE_DIR, tmp_path / "loop")
    (tmp_path / "loop" / "publisher.yaml").unlink()
    (tmp_path / "loop" / "publisher.yaml").symlink_to(tmp_path / "loop" / "publisher.yaml")
    load_publisher.cache_clear()
    with pytest.raises(CaseFileError) as raised:
        load_publisher(tmp_path / "loop")
    load_publisher.cache_clear()
    assert raised.value.problems[0].message == "kan inte läsas: för många symboliska länkar i sökvägen"


def test_a_refusal_by_the_system_and_an_error_without_a_number_are_worded():
    assert os_reason(PermissionError(errno.EPERM, "Operation not permitted")) == "behörighet saknas"
    assert os_reason(OSError("något gick fel")) == "något gick fel"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda path: path.mkdir(), "det är en mapp, inte en fil"),
        (lambda path: path.symlink_to(path), "för många symboliska länkar i sökvägen"),
        (lambda path: os.mkfifo(path), "det är ingen vanlig fil"),
    ],
    ids=["folder", "symlink-loop", "fifo"],
)
def test_check_says_why_a_reference_file_cannot_be_read_rather_than_crash_or_wait(tmp_path, capsys, make, reason):
    """``casebook check`` keys its cache on the reference files before it loads them: a folder
    or a symbolic-link loop named ``publisher.yaml`` ended in a traceback, a FIFO in waiting
    for ever."""
    root = copy_project(tmp_path / "project")
    path = root / "data" / "reference" / "publisher.yaml"
    path.unlink()
    make(path)
    assert main(["--root", str(root), "check"]) == 2
    err = capsys.readouterr().err
    assert "Fel i data/reference/publisher.yaml:" in err
    assert f"(fil): kan inte läsas: {reason}" in err


@pytest.mark.parametrize(
    ("key", "field", "written"),
    [(2025, "decision", "2025"), (True, "decision", "true")],
)
def test_a_field_named_by_a_number_or_a_boolean_is_explained_in_swedish_where_it_is(tmp_path, key, field, written):
    """A key that is not text was named as a list position (``decision, post 2026``) in English
    ("Keys should be strings")."""
    document = yaml.safe_load(SPIN_PATH.read_text(encoding="utf-8"))
    document["decision"][key] = "x"
    path = tmp_path / "cases" / f"{document['id']}.yaml"
    path.parent.mkdir()
    shutil.copytree(REFERENCE_DIR, tmp_path / "reference")
    assert _problems(lambda p: load_case(p, as_of=as_of_date()), path, document) == [
        f"{field}: okänt fält {written} (ett fälts namn är text, inte ett tal eller true/false)"
    ]


def test_a_value_too_long_says_how_long_it_may_be(tmp_path):
    """pydantic's English said "at most 500 characters"; the Swedish said only "för långt"."""
    shutil.copytree(REFERENCE_DIR, tmp_path / "reference")
    path = tmp_path / "reference" / "publisher.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["name"] = "x" * 501

    def fresh(p):
        load_publisher.cache_clear()
        return load_publisher(p.parent)

    [problem] = _problems(fresh, path, document)
    load_publisher.cache_clear()
    assert problem.startswith("name: är för långt (högst 500 tecken) (värde: 'xxx")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda path: path.mkdir(), "det är en mapp, inte en fil"),
        (lambda path: path.symlink_to(path), "för många symboliska länkar i sökvägen"),
        (lambda path: os.mkfifo(path), "det är ingen vanlig fil"),
        (lambda path: path.symlink_to(path.with_name("borta.yaml")), "en symbolisk länk till en fil som inte finns"),
    ],
    ids=["folder", "symlink-loop", "fifo", "dangling-link"],
)
def test_check_names_a_case_file_that_is_no_file_to_read_rather_than_skip_it(tmp_path, capsys, make, reason):
    """Named as a case (``<id>.yaml``) but no file to read: the case used to vanish from check
    and from the site without a word."""
    root = copy_project(tmp_path / "project")
    make(root / "data" / "cases" / "fiktiv-borta.yaml")
    assert main(["--root", str(root), "check"]) == 2
    err = capsys.readouterr().err
    assert f"Fel i data/cases/fiktiv-borta.yaml:\n  - (fil): kan inte läsas: {reason}" in err
    assert "rjh-2025-spin" not in err  # the valid case is not named
