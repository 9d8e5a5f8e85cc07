"""Two clean builds of the same sources give an identical site, every file of it.

SOURCE_DATE_EPOCH fixes the execution time shown in the audit trail, as in reproducible
builds generally; everything else must come out the same by construction.
"""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import nbformat
import pytest
from conftest import FICTIONAL_BASE_PATH, casebook, copy_project

# Every test here builds the whole site (or uses a site built for the module).
pytestmark = pytest.mark.e2e

FIXED_TIME = {"SOURCE_DATE_EPOCH": "1764460800"}  # 2025-11-30T00:00:00Z


def _build(folder):
    root = copy_project(folder)
    shutil.copy2(FICTIONAL_BASE_PATH, root / "data" / "cases" / FICTIONAL_BASE_PATH.name)
    completed = casebook(root, "build", env=FIXED_TIME)
    assert completed.returncode == 0, completed.stderr
    return root / "_build" / "html"


def _published(site):
    return {p.relative_to(site).as_posix(): p for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """One clean build for both tests: a copy of the site it published (``site``) and the
    project it was built in (``root``). The incremental test builds on that project where it
    was built: Sphinx reloads its environment only in the same folder (in a copy of the
    project it would start afresh, and the build would not be incremental inside Sphinx)."""
    site = _build(tmp_path_factory.mktemp("first") / "a")
    kept = shutil.copytree(site, tmp_path_factory.mktemp("first-site") / "html")
    return SimpleNamespace(root=site.parents[1], site=kept)


def test_two_clean_builds_are_identical(first, tmp_path):
    """Every published file, byte for byte: the two builds run in different folders, so no
    machine path may show, and nothing may depend on the order of a hash map or a directory."""
    one, other = _published(first.site), _published(_build(tmp_path / "b"))
    assert one.keys() == other.keys()
    kinds = {name.rsplit(".", 1)[-1] for name in one}
    assert {"html", "ipynb", "svg", "pdf", "csv", "json", "xlsx", "pf_meta", "pf_fragment", "pf_index"} <= kinds
    assert [name for name in one if one[name].read_bytes() != other[name].read_bytes()] == []
    notebook = nbformat.read(one["_sources/book/cases/rjh-2025-spin.ipynb"], as_version=4)
    assert "2025-11-30T00:00:00Z" in str(notebook.cells)


def test_an_incremental_build_publishes_what_a_clean_build_of_the_same_sources_does(first, tmp_path):
    """Built on top of an earlier build, a changed case and a removed source document give every
    file a build from scratch gives: nothing left over, nothing linked or dated differently."""
    root = first.root
    site = root / "_build" / "html"
    case = root / "data" / "cases" / FICTIONAL_BASE_PATH.name
    case.write_text(
        case.read_text(encoding="utf-8").replace("amount_applied_for: 400000", "amount_applied_for: 399000"),
        encoding="utf-8",
    )
    (root / "data" / "sources" / "000_2bcbd58892294728.txt").unlink()  # withdrawn, with the case file's `file:`
    spin = root / "data" / "cases" / "rjh-2025-spin.yaml"
    spin.write_text(
        spin.read_text(encoding="utf-8").replace("  file: 000_2bcbd58892294728.txt\n", "", 1), encoding="utf-8"
    )
    completed = casebook(root, "build", env=FIXED_TIME)
    assert completed.returncode == 0, completed.stderr
    assert "ändrade sidor ombyggda" in completed.stderr  # incremental, not from scratch
    clean = tmp_path / "clean"
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns("_build"))  # copy2: the same modification times
    completed = casebook(clean, "build", env=FIXED_TIME)
    assert completed.returncode == 0, completed.stderr
    incremental, scratch = _published(site), _published(clean / "_build" / "html")
    assert incremental.keys() == scratch.keys()
    assert [name for name in scratch if incremental[name].read_bytes() != scratch[name].read_bytes()] == []
