"""Two clean builds of the same sources give identical case pages, notebooks and data.

SOURCE_DATE_EPOCH fixes the execution time shown in the audit trail, as in reproducible
builds generally; everything else must come out the same by construction.
"""

from __future__ import annotations

import shutil

import nbformat
import pytest
from conftest import FICTIONAL_BASE_PATH, casebook, copy_project

# Every test here builds the whole site (or uses a site built for the module).
pytestmark = pytest.mark.e2e

FIXED_TIME = {"SOURCE_DATE_EPOCH": "1764460800"}  # 2025-11-30T00:00:00Z


def _build(tmp_path, name):
    root = copy_project(tmp_path / name)
    shutil.copy2(FICTIONAL_BASE_PATH, root / "data" / "cases" / FICTIONAL_BASE_PATH.name)
    completed = casebook(root, "build", env=FIXED_TIME)
    assert completed.returncode == 0, completed.stderr
    return root / "_build" / "html"


def test_two_clean_builds_are_identical(tmp_path):
    first, second = _build(tmp_path, "a"), _build(tmp_path, "b")
    compared = [
        *sorted(p.relative_to(first) for p in (first / "book" / "cases").glob("*.html")),
        *sorted(p.relative_to(first) for p in (first / "_sources" / "book" / "cases").glob("*.ipynb")),
        *sorted(p.relative_to(first) for p in (first / "data").rglob("*") if p.is_file()),
        *sorted(p.relative_to(first) for p in (first / "_images").glob("*.svg")),
        *sorted(p.relative_to(first) for p in (first / "rapport").glob("*.pdf")),
    ]
    assert len(compared) >= 10
    for relative in compared + [first.joinpath("book/portfolio.html").relative_to(first)]:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
    notebook = nbformat.read(first / "_sources/book/cases/rjh-2025-spin.ipynb", as_version=4)
    assert "2025-11-30T00:00:00Z" in str(notebook.cells)
