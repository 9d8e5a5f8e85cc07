"""A rebuild of pages outside every table of contents (case pages) does not renumber the
figures of every page; any other rebuild numbers them as Sphinx does (casebook/engine/incremental_extension.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sphinx.application import Sphinx
from sphinx.environment.collectors.toctree import TocTreeCollector
from sphinx.util.docutils import docutils_namespace, patch_docutils

CONF = """
extensions = ["casebook.engine.incremental_extension"]
numfig = True
numfig_format = {"figure": "Figur %s"}
"""
FIGURE = "\n.. _bild{n}:\n\n.. figure:: bild.png\n\n   Bildtext {n}.\n"
ORPHAN = ":orphan:\n\nÄrende\n======\n\n{text} Se :numref:`bild1`.\n"


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _html(source: Path, page: str) -> str:
    return (source / "_build" / f"{page}.html").read_text(encoding="utf-8")


def _build(source: Path) -> None:
    """One (incremental) Sphinx build, as ``sphinx-build`` runs it."""
    with patch_docutils(str(source)), docutils_namespace():
        app = Sphinx(
            str(source),
            str(source),
            str(source / "_build"),
            str(source / "_doctrees"),
            "html",
            status=None,
            warning=sys.stderr,
            freshenv=False,
        )
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


@pytest.fixture
def book(tmp_path, numbered):
    """A start page with a figure, a chapter in its table of contents with one, and an orphan page."""
    (tmp_path / "conf.py").write_text(CONF, encoding="utf-8")
    (tmp_path / "bild.png").write_bytes(b"")
    _write(tmp_path / "index.rst", "Start\n=====\n" + FIGURE.format(n=0) + "\n.. toctree::\n\n   kapitel\n")
    _write(tmp_path / "kapitel.rst", "Kapitel\n=======\n" + FIGURE.format(n=1))
    _write(tmp_path / "arende.rst", ORPHAN.format(text="Första."))
    _build(tmp_path)
    return tmp_path


def test_figures_are_renumbered_only_when_a_page_in_a_table_of_contents_was_read(book, numbered):
    assert len(numbered) == 1  # the first build numbers every figure
    assert "Figur 2" in _html(book, "kapitel") and "Figur 2" in _html(book, "arende")

    _write(book / "arende.rst", ORPHAN.format(text="Andra."))
    _build(book)
    assert len(numbered) == 1  # only a page outside the tables of contents was read
    # The rewritten page still finds the number, kept from the build before.
    assert "Andra." in _html(book, "arende") and "Figur 2" in _html(book, "arende")

    _write(book / "kapitel.rst", "Kapitel\n=======\n" + FIGURE.format(n=9) + FIGURE.format(n=1))
    _build(book)
    assert len(numbered) == 2
    assert "Figur 3" in _html(book, "kapitel")


def test_the_start_page_counts_as_in_the_table_of_contents(book, numbered):
    _write(book / "index.rst", "Start\n=====\n\nNy text.\n" + FIGURE.format(n=0) + "\n.. toctree::\n\n   kapitel\n")
    _build(book)
    assert len(numbered) == 2


def test_a_removed_page_renumbers_the_figures(book, numbered):
    (book / "arende.rst").unlink()
    _build(book)
    assert len(numbered) == 2
