"""A rebuild of pages outside every table of contents (case pages) does not renumber the
figures of every page; any other rebuild numbers them as Sphinx does (book/_ext/casebook_incremental.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import REPO

import pytest
from sphinx.application import Sphinx
from sphinx.environment.collectors.toctree import TocTreeCollector
from sphinx.util.docutils import docutils_namespace, patch_docutils

CONF = f"""
import sys
sys.path.insert(0, {str(REPO / "book" / "_ext")!r})
extensions = ["casebook_incremental"]
numfig = True
numfig_format = {{"figure": "Figur %s"}}
"""
FIGURE = "\n.. figure:: bild.png\n\n   Bildtext {n}.\n"


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _build(source: Path) -> None:
    """One (incremental) Sphinx build, as ``sphinx-build`` runs it."""
    with patch_docutils(str(source)), docutils_namespace():
        app = Sphinx(str(source), str(source), str(source / "_build"), str(source / "_doctrees"), "html",
                     status=None, warning=sys.stderr, freshenv=False)
        app.build()
    assert app.statuscode == 0


@pytest.fixture
def numbered(monkeypatch):
    calls = []
    original = TocTreeCollector.assign_figure_numbers

    def counted(self, env):
        calls.append(env)
        return original(self, env)

    monkeypatch.setattr(TocTreeCollector, "assign_figure_numbers", counted)
    return calls


def test_figures_are_renumbered_only_when_a_page_in_a_table_of_contents_was_read(tmp_path, numbered):
    (tmp_path / "conf.py").write_text(CONF, encoding="utf-8")
    (tmp_path / "bild.png").write_bytes(b"")
    _write(tmp_path / "index.rst", "Start\n=====\n\n.. toctree::\n\n   kapitel\n")
    _write(tmp_path / "kapitel.rst", "Kapitel\n=======\n" + FIGURE.format(n=1))
    _write(tmp_path / "arende.rst", ":orphan:\n\nÄrende\n======\n\nFörsta.\n")
    _build(tmp_path)
    assert len(numbered) == 1  # the first build numbers every figure
    assert "Figur 1" in (tmp_path / "_build" / "kapitel.html").read_text(encoding="utf-8")

    _write(tmp_path / "arende.rst", ":orphan:\n\nÄrende\n======\n\nAndra.\n")
    _build(tmp_path)
    assert len(numbered) == 1  # only a page outside the tables of contents was read
    assert "Andra." in (tmp_path / "_build" / "arende.html").read_text(encoding="utf-8")
    assert "Figur 1" in (tmp_path / "_build" / "kapitel.html").read_text(encoding="utf-8")  # kept

    _write(tmp_path / "kapitel.rst", "Kapitel\n=======\n" + FIGURE.format(n=1) + FIGURE.format(n=2))
    _build(tmp_path)
    assert len(numbered) == 2
    assert "Figur 2" in (tmp_path / "_build" / "kapitel.html").read_text(encoding="utf-8")


def test_a_removed_page_renumbers_the_figures(tmp_path, numbered):
    (tmp_path / "conf.py").write_text(CONF, encoding="utf-8")
    (tmp_path / "bild.png").write_bytes(b"")
    _write(tmp_path / "index.rst", "Start\n=====\n\n.. toctree::\n\n   kapitel\n")
    _write(tmp_path / "kapitel.rst", "Kapitel\n=======\n" + FIGURE.format(n=1))
    _write(tmp_path / "arende.rst", ":orphan:\n\nÄrende\n======\n")
    _build(tmp_path)
    (tmp_path / "arende.rst").unlink()
    _build(tmp_path)
    assert len(numbered) == 2
