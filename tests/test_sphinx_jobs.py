"""Sphinx runs with -j only when every loaded extension declares parallel reading and writing safe."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import REPO

from casebook.engine import site
from casebook.engine.site import PersistentBook, SiteBuild, SiteBuildFailed, build_html, update_pages
from casebook.engine.sphinx_jobs import parallel_blockers


def _extension(read, write):
    return SimpleNamespace(parallel_read_safe=read, parallel_write_safe=write)


def test_an_undeclared_or_unsafe_extension_blocks_parallel_building():
    assert parallel_blockers({"a": _extension(True, True), "b": _extension(True, True)}) == []
    extensions = {
        "safe": _extension(True, True),
        "undeclared": _extension(None, True),
        "unsafe": _extension(True, False),
    }
    assert parallel_blockers(extensions) == ["undeclared (read)", "unsafe (write)"]


def _small_book(tmp_path: Path) -> Path:
    """The real hand-written pages with stand-ins for the generated ones (no portfolio, no cases)."""
    source = tmp_path / "src"
    shutil.copytree(
        REPO / "book", source / "book", ignore=shutil.ignore_patterns("cases", "_generated", "portfolio.ipynb")
    )
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(REPO / name, source / name)
    toc = (source / "_toc.yml").read_text(encoding="utf-8").replace("      - file: book/portfolio\n", "")
    (source / "_toc.yml").write_text(toc, encoding="utf-8")
    generated = source / "book" / "_generated"
    (generated / "extra").mkdir(parents=True)
    (generated / "extra" / "robots.txt").write_text("", encoding="utf-8")
    # Stand-ins for every generated page the hand-written pages include.
    included = {
        m
        for page in (source / "book").rglob("*.md")
        for m in re.findall(r"_generated/([\w./-]+\.md)", page.read_text(encoding="utf-8"))
    }
    assert included  # the book does include generated pages; otherwise this test checks nothing of them
    for name in included:
        (generated / name).parent.mkdir(parents=True, exist_ok=True)
        (generated / name).write_text("Text.\n", encoding="utf-8")
    return source


def test_the_real_book_build_checks_its_extensions_and_names_the_blockers(tmp_path):
    """Jupyter Book 1 loads sphinx_multitoc_numbering (through sphinx_external_toc), which does
    not declare itself parallel-safe: the build asks for two processes, uses one, and says why."""
    source = _small_book(tmp_path)
    book = build_html(tmp_path / "work", source, jobs=2)
    assert book.kind is SiteBuild.FULL and (book.html / "index.html").is_file()
    report = json.loads((tmp_path / "work" / "parallel.json").read_text())
    assert report["requested"] == 2
    assert report["frozen"] > 50_000  # Sphinx, its extensions and configuration: out of every collection
    assert report["collections_in_setup"] == 0  # the collector paused while Sphinx set up (and loads an environment)
    assert "sphinx_multitoc_numbering (read)" in book.serial_because and book.jobs == report["jobs"] == 1


def _index_files(site: Path) -> dict[str, int]:
    """The Pagefind index's files (relative paths) with their modification times."""
    index = site / "pagefind"
    return {p.relative_to(index).as_posix(): p.stat().st_mtime_ns for p in index.rglob("*") if p.is_file()}


def _case_page(title: str) -> str:
    return f"---\norphan: true\n---\n# {title}\n\nEtt fiktivt ärende.\n"


@pytest.mark.e2e  # three Jupyter Book builds in one kept process
def test_a_kept_jupyter_book_process_rebuilds_changed_pages_without_restarting(tmp_path):
    source, work = _small_book(tmp_path), tmp_path / "work"
    (source / "book" / "cases").mkdir()
    (source / "book" / "cases" / "fiktiv.md").write_text(_case_page("FIKTIVT första"), encoding="utf-8")
    with PersistentBook() as kept:
        first = build_html(work, source, persistent=kept)
        process = kept._process
        assert first.kind is SiteBuild.FULL and process.poll() is None  # still there for the next build
        extra_copied = (first.html / "robots.txt").stat().st_ctime_ns
        page = first.html / "book" / "cases" / "fiktiv.html"
        assert "FIKTIVT första" in page.read_text(encoding="utf-8")

        # A case page's new title: not structural (case pages are outside the navigation), so incremental.
        (source / "book" / "cases" / "fiktiv.md").write_text(_case_page("FIKTIVT andra"), encoding="utf-8")
        second = build_html(work, source, persistent=kept)
        assert second.kind is SiteBuild.INCREMENTAL and kept._process is process
        # An unchanged extra file is not copied again, and its copy has its time to the nanosecond,
        # which only sphinx_internals.copy_assets_by_stamp gives it.
        mirrored = work / "src" / "book" / "_generated" / "extra" / "robots.txt"
        assert (first.html / "robots.txt").stat().st_ctime_ns == extra_copied
        assert (first.html / "robots.txt").stat().st_mtime_ns == mirrored.stat().st_mtime_ns
        assert "FIKTIVT andra" in page.read_text(encoding="utf-8")
        # The page is what a new process writes, byte for byte: not with the scripts the theme
        # registered for the pages the kept process wrote before (``DOCUMENTATION_OPTIONS.pagename``).
        fresh = build_html(tmp_path / "fresh", source)
        assert page.read_bytes() == (fresh.html / "book" / "cases" / "fiktiv.html").read_bytes()

        # A preview of one page (casebook serve), in the same process; the search index
        # (Pagefind's, in parts: pagefind/<part>/) is left alone. Sphinx makes none of its own.
        index_before = _index_files(first.html)
        assert "0/pagefind.js" in index_before
        changed = tmp_path / "fiktiv.md"
        changed.write_text(_case_page("FIKTIVT tredje"), encoding="utf-8")
        third = update_pages(work, {"book/cases/fiktiv.md": changed}, persistent=kept)
        assert third is not None and kept._process is process
        assert "FIKTIVT tredje" in page.read_text(encoding="utf-8")
        assert _index_files(first.html) == index_before
        assert not (first.html / "searchindex.js").exists()
        # The next whole build indexes the previewed page (its part), although its source did not change since.
        shutil.copyfile(changed, source / "book" / "cases" / "fiktiv.md")
        assert build_html(work, source, persistent=kept).kind is SiteBuild.INCREMENTAL
        assert _index_files(first.html) != index_before

        # Then the rest: a changed generated page is written with its new content, not with a
        # doctree the kept process loaded in an earlier build.
        for number in (2, 3):
            (source / "book" / "_generated" / "case_table.md").write_text(
                f"Ärendelistan, version {number}.\n", encoding="utf-8"
            )
            assert build_html(work, source, persistent=kept).kind is SiteBuild.INCREMENTAL
            case_list = (
                (first.html / "book" / "case_list.html").read_text(encoding="utf-8").replace("\N{SOFT HYPHEN}", "")
            )
            assert f"Ärendelistan, version {number}." in case_list
        assert kept._process is process

        # A page in the navigation cannot be previewed alone.
        assert update_pages(work, {"book/method.md": changed}, persistent=kept) is None

        # A warning fails the build, ends the kept process, and the next build starts afresh and in full.
        (source / "book" / "cases" / "fiktiv.md").write_text(
            _case_page("FIKTIVT") + "{doc}`saknas`\n", encoding="utf-8"
        )
        with pytest.raises(SiteBuildFailed, match="saknas"):
            build_html(work, source, persistent=kept)
        assert kept._process is None
        (source / "book" / "cases" / "fiktiv.md").write_text(_case_page("FIKTIVT fjärde"), encoding="utf-8")
        assert build_html(work, source, persistent=kept).kind is SiteBuild.FULL
        assert "FIKTIVT fjärde" in page.read_text(encoding="utf-8")
    assert process.poll() is not None


@pytest.mark.e2e  # two Jupyter Book builds
def test_a_removed_page_rebuilds_the_book_in_full(tmp_path):
    source, work = _small_book(tmp_path), tmp_path / "work"
    (source / "book" / "cases").mkdir()
    (source / "book" / "cases" / "fiktiv.md").write_text(_case_page("FIKTIVT"), encoding="utf-8")
    (source / "book" / "cases" / "fiktiv-2.md").write_text(_case_page("FIKTIVT 2"), encoding="utf-8")
    build_html(work, source)
    (source / "book" / "cases" / "fiktiv-2.md").unlink()
    book = build_html(work, source)
    assert book.kind is SiteBuild.FULL
    assert not (book.html / "book" / "cases" / "fiktiv-2.html").exists()


@pytest.mark.e2e  # one Jupyter Book build, then a kept process started on it
def test_a_kept_process_can_be_started_on_the_last_build(tmp_path):
    """casebook serve starts its kept process when its first build found the site up to date."""
    source, work = _small_book(tmp_path), tmp_path / "work"
    build_html(work, source)
    with PersistentBook() as kept:
        assert not kept.running
        assert update_pages(work, {}, persistent=kept) is not None
        assert kept.running
        assert build_html(work, source, persistent=kept).kind is SiteBuild.UNCHANGED
    assert update_pages(tmp_path / "no-build", {}, persistent=PersistentBook()) is None


def test_a_book_tree_lists_its_regular_files_only(tmp_path):
    tree = tmp_path / "src"
    (tree / "book" / "_ext" / "__pycache__").mkdir(parents=True)
    (tree / "book" / "index.md").write_text("# Start\n", encoding="utf-8")
    (tree / "book" / "_ext" / "__pycache__" / "x.pyc").write_bytes(b"")
    (tree / "book" / "linked.md").symlink_to(tree / "book" / "index.md")
    (tree / "book" / "broken.md").symlink_to(tree / "book" / "gone.md")
    (tree / "book" / "folder-link").symlink_to(tree / "book" / "_ext", target_is_directory=True)
    os.mkfifo(tree / "book" / "pipe")
    assert site._files(tree) == {
        "book/index.md": tree / "book" / "index.md",
        "book/linked.md": tree / "book" / "linked.md",
    }
    assert site._files(tmp_path / "missing") == {}


def test_the_structure_covers_every_casebook_file_the_site_extensions_run():
    """Jupyter Book imports the two extensions from the package; whatever casebook code they
    import shapes every page, so site.EXTENSION_CODE must name all of it."""
    imported = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, casebook.engine.site_extension, casebook.engine.incremental_extension\n"
            "print('\\n'.join(m.__file__ for n, m in sys.modules.items() if n.split('.')[0] == 'casebook'))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout.split()
    package = REPO / "casebook"
    modules = {Path(name).resolve().relative_to(package).as_posix() for name in imported}
    assert modules | {"engine/search_parts.js"} == set(site.EXTENSION_CODE)


def test_a_change_to_the_extensions_code_changes_the_structure(tmp_path, monkeypatch):
    """A change to the hyphenation (run on every page by the site's extension) rebuilds the whole book."""
    source = tmp_path / "source"
    (source / "book").mkdir(parents=True)
    (source / "book" / "index.md").write_text("# Start\n", encoding="utf-8")
    package = tmp_path / "casebook"
    shutil.copytree(REPO / "casebook", package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(site, "installed_package_dir", lambda: package)
    before = site.structure(source)
    assert site.structure(source) == before
    with (package / "render" / "hyphenation.py").open("a", encoding="utf-8") as module:
        module.write("\n# a change\n")
    assert site.structure(source) != before
