"""The private parts of Sphinx the build uses exist in the installed Sphinx, and only one module touches them."""

from __future__ import annotations

import re

import sphinx
from conftest import REPO
from sphinx.application import Sphinx

from casebook.engine import sphinx_internals

PRIVATE_NAMES = ("_warncount", "_pickled_doctree_cache", "_write_doc_doctree_cache", "_js_files", "_css_files")


def test_the_installed_sphinx_is_a_version_the_internals_were_checked_against():
    """Fails when the Sphinx pin moves: read the new source, then add its version to the module."""
    major_minor = ".".join(sphinx.__version__.split(".")[:2])
    assert major_minor in sphinx_internals.CHECKED_SPHINX_VERSIONS, sphinx.__version__


def _application(tmp_path) -> Sphinx:
    source = tmp_path / "src"
    source.mkdir(parents=True)
    (source / "conf.py").write_text("", encoding="utf-8")
    (source / "index.rst").write_text("Rubrik\n======\n\nText.\n", encoding="utf-8")
    return Sphinx(
        str(source),
        str(source),
        str(tmp_path / "out"),
        str(tmp_path / "doctrees"),
        "html",
        status=None,
        warning=None,
        freshenv=True,
    )


def test_each_internal_works_on_a_real_sphinx_application(tmp_path):
    app = _application(tmp_path)
    app.build()
    app.env.get_doctree("index")  # loads the pickled doctree, as a write does
    assert "index" in app.env._pickled_doctree_cache
    sphinx_internals.forget_pickled_doctree(app.env, "index")
    assert "index" not in app.env._pickled_doctree_cache

    app.env._write_doc_doctree_cache["index"] = object()
    sphinx_internals.drop_read_doctrees(app.env)
    assert app.env._write_doc_doctree_cache == {}

    app.env.get_doctree("index")
    app.env._write_doc_doctree_cache["index"] = object()
    sphinx_internals.forget_all_doctrees(app.env)
    assert (app.env._pickled_doctree_cache, app.env._write_doc_doctree_cache) == ({}, {})

    saved = sphinx_internals.page_assets(app)
    app.add_js_file(None, body="var sida = 1;")  # as the theme does while it writes a page
    app.add_css_file("sida.css")
    assert sphinx_internals.page_assets(app) != saved
    sphinx_internals.restore_page_assets(app, saved)
    assert sphinx_internals.page_assets(app) == saved
    assert not any("sida" in str(asset) for assets in saved for asset in assets)

    app._warncount = 3
    sphinx_internals.reset_warning_count(app)
    assert app._warncount == 0
    # and Sphinx itself reads that counter: a warning raises it
    sphinx.util.logging.getLogger(__name__).warning("prov")
    assert app._warncount == 1


def test_no_other_module_touches_sphinx_private_attributes():
    sources = list(REPO.joinpath("casebook").rglob("*.py"))
    touching = sorted(
        str(path.relative_to(REPO))
        for path in sources
        if path.name != "sphinx_internals.py"
        and re.search(rf"\.({'|'.join(PRIVATE_NAMES)})\b", path.read_text(encoding="utf-8"))
    )
    assert touching == []


def test_without_sphinx_search_the_html_builder_makes_no_index_and_no_search_page(tmp_path):
    with_search = _application(tmp_path / "med")
    with_search.build()
    assert (tmp_path / "med" / "out" / "searchindex.js").is_file()  # what the switch turns off
    assert (tmp_path / "med" / "out" / "search.html").is_file()

    app = _application(tmp_path / "utan")
    sphinx_internals.without_sphinx_search(app.builder)
    app.build()
    out = tmp_path / "utan" / "out"
    assert (out / "index.html").is_file()
    assert not (out / "searchindex.js").exists() and not (out / "search.html").exists()


def test_sphinx_copies_its_extra_files_through_the_copy_that_copy_assets_by_stamp_replaces(tmp_path, monkeypatch):
    from sphinx.util import fileutil

    monkeypatch.setattr(fileutil, "copyfile", fileutil.copyfile)  # the replacement is undone after the test
    sphinx_internals.copy_assets_by_stamp()
    app = _application(tmp_path)
    (tmp_path / "src" / "extra").mkdir()
    (tmp_path / "src" / "extra" / "memo.pdf").write_bytes(b"%PDF")
    app.config.html_extra_path = ["extra"]
    app.build()
    copied = tmp_path / "out" / "memo.pdf"
    assert copied.stat().st_mtime_ns == (tmp_path / "src" / "extra" / "memo.pdf").stat().st_mtime_ns
    written = copied.stat().st_ctime_ns
    app.build()  # the file is unchanged: Sphinx does not copy it again
    assert copied.stat().st_ctime_ns == written and copied.read_bytes() == b"%PDF"
