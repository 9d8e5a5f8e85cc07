"""Sphinx runs with -j only when every loaded extension declares parallel reading and writing safe."""

from __future__ import annotations

import json
import re
import shutil
from types import SimpleNamespace

from conftest import REPO

from casebook.engine.site import SiteBuild, build_html
from casebook.engine.sphinx_jobs import parallel_blockers


def _extension(read, write):
    return SimpleNamespace(parallel_read_safe=read, parallel_write_safe=write)


def test_an_undeclared_or_unsafe_extension_blocks_parallel_building():
    assert parallel_blockers({"a": _extension(True, True), "b": _extension(True, True)}) == []
    extensions = {"safe": _extension(True, True), "undeclared": _extension(None, True), "unsafe": _extension(True, False)}
    assert parallel_blockers(extensions) == ["undeclared (read)", "unsafe (write)"]


def test_the_real_book_build_checks_its_extensions_and_names_the_blockers(tmp_path):
    """Jupyter Book 1 loads sphinx_multitoc_numbering (through sphinx_external_toc), which does
    not declare itself parallel-safe: the build asks for two processes, uses one, and says why."""
    source = tmp_path / "src"
    shutil.copytree(REPO / "book", source / "book", ignore=shutil.ignore_patterns("cases", "_generated", "portfolio.ipynb"))
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(REPO / name, source / name)
    toc = (source / "_toc.yml").read_text(encoding="utf-8").replace("      - file: book/portfolio\n", "")
    (source / "_toc.yml").write_text(toc, encoding="utf-8")
    generated = source / "book" / "_generated"
    (generated / "extra").mkdir(parents=True)
    (generated / "extra" / "robots.txt").write_text("", encoding="utf-8")
    # Stand-ins for every generated page the hand-written pages include.
    included = {m for page in (source / "book").rglob("*.md") for m in re.findall(r"_generated/([\w./-]+\.md)", page.read_text(encoding="utf-8"))}
    assert included  # the book does include generated pages; otherwise this test checks nothing of them
    for name in included:
        (generated / name).parent.mkdir(parents=True, exist_ok=True)
        (generated / name).write_text("Text.\n", encoding="utf-8")
    book = build_html(tmp_path / "work", source, jobs=2)
    assert book.kind is SiteBuild.FULL and (book.html / "index.html").is_file()
    report = json.loads((tmp_path / "work" / "parallel.json").read_text())
    assert report["requested"] == 2
    assert "sphinx_multitoc_numbering (read)" in book.serial_because and book.jobs == report["jobs"] == 1
