"""Characterisation: the open data of a fixed input, file by file, against reviewed files.

The input is that of ``test_opendata_formats.py``'s ``written`` fixture (the same cases,
reference data, publisher and history) with the build date fixed, so the output depends on
nothing but the code and the committed files. Every byte of every published file is compared
with ``tests/expected/opendata/``: any change to what the writers publish fails here, naming
the file, with a diff for text. The other open-data tests say what the files must mean; this
one says they did not change unnoticed.

After a deliberate change, rewrite the expected files, review them with git diff, and commit:

    CASEBOOK_UPDATE_EXPECTED=1 python -m pytest tests/test_opendata_expected.py

(the run that rewrites them fails, so it is never mistaken for a passing one).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import FICTIONAL_BASE_PATH, REFERENCE_DIR, REPO, SPIN_PATH
from opendata_support import PUBLISHER, uniform_history

from casebook.domain.evaluation import evaluate_case
from casebook.domain.reference import load_national_agencies, load_regional_actors
from casebook.render.opendata import write_open_data

CASES = [
    SPIN_PATH,
    FICTIONAL_BASE_PATH,
    REPO / "tests" / "opendata_cases" / "fiktiv-lagre-belopp.yaml",
    REPO / "tests" / "opendata_cases" / "fiktiv-avslag.yaml",
    REPO / "tests" / "cases" / "fiktiv-uppfoljning-forskott.yaml",
]
AS_OF = dt.date(2026, 12, 4)
"""The build date the follow-up status is judged on (and dated by)."""
EXPECTED = REPO / "tests" / "expected" / "opendata"
UPDATE = "CASEBOOK_UPDATE_EXPECTED"
REGENERATE = f"{UPDATE}=1 python -m pytest tests/test_opendata_expected.py"


def write_fixed_open_data(out: Path) -> list[Path]:
    """The open data of the fixed input, written into ``out``."""
    reports = [evaluate_case(p, REFERENCE_DIR, as_of=AS_OF) for p in CASES]
    return write_open_data(
        out,
        reports,
        load_regional_actors(REFERENCE_DIR),
        agencies=load_national_agencies(REFERENCE_DIR),
        publisher=PUBLISHER,
        history=uniform_history(reports),
        as_of=AS_OF,
    )


def relative_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def expected_names() -> list[str]:
    return relative_files(EXPECTED) if EXPECTED.is_dir() else []


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("opendata")
    write_fixed_open_data(out)
    if os.environ.get(UPDATE) == "1":
        shutil.rmtree(EXPECTED, ignore_errors=True)
        shutil.copytree(out, EXPECTED)
        pytest.fail(
            f"{UPDATE}=1: tests/expected/opendata was rewritten from this output; review it with "
            "`git diff tests/expected/opendata`, commit it, and run again without the variable."
        )
    return out


def test_the_same_files_are_written(output):
    written, expected = relative_files(output), expected_names()
    missing, extra = sorted(set(expected) - set(written)), sorted(set(written) - set(expected))
    assert (missing, extra) == ([], []), (
        f"files expected but not written: {missing}; written but not expected: {extra}. "
        f"After a deliberate change: {REGENERATE}"
    )


def _text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _diff(name: str, expected: bytes, actual: bytes) -> str:
    """A readable account of how ``actual`` differs from ``expected``: a unified diff for text, the
    differing members (each diffed) for a zip such as the xlsx, sizes and SHA-256 otherwise."""
    old, new = _text(expected), _text(actual)
    if old is not None and new is not None:
        lines = difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), f"expected/{name}", f"written/{name}"
        )
        return "".join(list(lines)[:80]) or "(the same lines; the line endings differ)"
    if zipfile.is_zipfile(io.BytesIO(expected)) and zipfile.is_zipfile(io.BytesIO(actual)):
        with zipfile.ZipFile(io.BytesIO(expected)) as a, zipfile.ZipFile(io.BytesIO(actual)) as b:
            old_members = {i.filename: (a.read(i), i.date_time, i.compress_type) for i in a.infolist()}
            new_members = {i.filename: (b.read(i), i.date_time, i.compress_type) for i in b.infolist()}
        parts = [f"zip members: expected {list(old_members)}, written {list(new_members)}"]
        for member in sorted(set(old_members) & set(new_members)):
            if old_members[member] != new_members[member]:
                parts.append(
                    f"member {member} differs (date_time, compress_type: "
                    f"{old_members[member][1:]} / {new_members[member][1:]}):\n"
                    + _diff(f"{name}/{member}", old_members[member][0], new_members[member][0])
                )
        return "\n".join(parts)
    return (
        f"binary: expected {len(expected)} bytes sha256 {hashlib.sha256(expected).hexdigest()}, "
        f"written {len(actual)} bytes sha256 {hashlib.sha256(actual).hexdigest()}"
    )


@pytest.mark.parametrize("name", expected_names())
def test_each_file_is_byte_for_byte_as_reviewed(output, name):
    actual = (output / name).read_bytes() if (output / name).is_file() else None
    assert actual is not None, f"{name} was not written. After a deliberate change: {REGENERATE}"
    expected = (EXPECTED / name).read_bytes()
    assert actual == expected, (
        f"{name} differs from tests/expected/opendata/{name}:\n{_diff(name, expected, actual)}\n"
        f"After a deliberate change: {REGENERATE}"
    )
