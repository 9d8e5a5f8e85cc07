"""Files of Sphinx's html_extra_path: those the sources dropped leave the site (casebook.engine.site),
and those unchanged are not copied again (casebook.engine.sphinx_internals.copy_assets_by_stamp)."""

from __future__ import annotations

import os
import time

from sphinx.util import osutil

from casebook.engine import sphinx_internals
from casebook.engine.site import _remove_dropped_extra_files


def test_a_dropped_extra_file_is_removed_from_the_last_site_and_nothing_else(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text(
        "sphinx:\n  config:\n    html_extra_path: [book/_generated/extra, ./book/_extra/]\n", encoding="utf-8"
    )
    html = tmp_path / "html"
    for name in ("memo/a.docx", "memo/a.pdf", "index.html", "data/kallor/k.txt", "book/cases/a.html"):
        (html / name).parent.mkdir(parents=True, exist_ok=True)
        (html / name).write_text(name, encoding="utf-8")
    _remove_dropped_extra_files(
        config,
        html,
        {
            "book/_generated/extra/memo/a.docx",  # dropped from the first extra folder
            "book/_extra/index.html",  # from the second, written as ./book/_extra/
            "book/cases/a.ipynb",  # a page, not an extra file: Sphinx's own output stays
        },
    )
    left = sorted(p.relative_to(html).as_posix() for p in html.rglob("*") if p.is_file())
    assert left == ["book/cases/a.html", "data/kallor/k.txt", "memo/a.pdf"]


def test_a_config_without_extra_paths_removes_nothing(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text("sphinx:\n", encoding="utf-8")
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "a.txt").write_text("a", encoding="utf-8")
    _remove_dropped_extra_files(config, tmp_path / "html", {"book/_extra/a.txt"})
    assert (tmp_path / "html" / "a.txt").is_file()


def test_sphinx_copies_a_static_or_extra_file_again_only_when_its_size_or_time_changed(tmp_path, monkeypatch):
    from sphinx.util import fileutil

    monkeypatch.setattr(fileutil, "copyfile", fileutil.copyfile)  # the replacement is undone after the test
    sphinx_internals.copy_assets_by_stamp()
    replaced = fileutil.copyfile
    assert replaced is not osutil.copyfile
    sphinx_internals.copy_assets_by_stamp()  # once only: not a copy that wraps itself
    assert fileutil.copyfile is replaced

    source, copy = tmp_path / "memo.pdf", tmp_path / "site" / "memo.pdf"
    copy.parent.mkdir()
    source.write_bytes(b"first")
    fileutil.copy_asset_file(source, copy.parent)
    assert copy.read_bytes() == b"first"
    assert copy.stat().st_mtime_ns == source.stat().st_mtime_ns  # to the nanosecond, not Sphinx's microsecond

    written = copy.stat().st_ctime_ns
    time.sleep(0.01)
    fileutil.copy_asset_file(source, copy.parent)  # unchanged: the copy is not even touched
    assert copy.stat().st_ctime_ns == written

    source.write_bytes(b"other")  # the same size, rewritten as site.sync_tree rewrites: a new time
    fileutil.copy_asset_file(source, copy.parent)
    assert copy.read_bytes() == b"other" and copy.stat().st_mtime_ns == source.stat().st_mtime_ns


def test_a_file_whose_size_changed_is_copied_again_even_with_its_old_modification_time(tmp_path, monkeypatch):
    """A time set back (``touch -r``, a restored backup, a clock coarser than the rewrite):
    the size still tells the copy apart."""
    from sphinx.util import fileutil

    monkeypatch.setattr(fileutil, "copyfile", fileutil.copyfile)  # the replacement is undone after the test
    sphinx_internals.copy_assets_by_stamp()
    source, copy = tmp_path / "beslut.csv", tmp_path / "site" / "beslut.csv"
    copy.parent.mkdir()
    source.write_bytes(b"id;belopp\n1;100\n")
    fileutil.copy_asset_file(source, copy.parent)
    stamp = source.stat().st_mtime_ns

    source.write_bytes(b"id;belopp\n1;1000\n")
    os.utime(source, ns=(stamp, stamp))  # the old time, another size
    fileutil.copy_asset_file(source, copy.parent)
    assert copy.read_bytes() == b"id;belopp\n1;1000\n"


def test_a_copy_whose_times_cannot_be_set_is_still_made(tmp_path, monkeypatch):
    """As with Sphinx's own copy (``copytimes`` ignores OSError): a destination of another owner
    (EPERM) or a file system without settable times does not fail the build."""
    from sphinx.util import fileutil

    monkeypatch.setattr(fileutil, "copyfile", fileutil.copyfile)  # the replacement is undone after the test
    sphinx_internals.copy_assets_by_stamp()
    source, copy = tmp_path / "memo.pdf", tmp_path / "site" / "memo.pdf"
    copy.parent.mkdir()
    source.write_bytes(b"%PDF")

    def refused(*_arguments, **_keywords):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "utime", refused)
    fileutil.copy_asset_file(source, copy.parent)
    assert copy.read_bytes() == b"%PDF"


def test_of_two_sources_copied_to_one_destination_the_later_wins_even_with_the_same_size_and_time(
    tmp_path, monkeypatch
):
    """Two static folders with a file of the same name: Sphinx copies both, the later wins. Files
    installed together can have the same size and time, so the stamp cannot tell them apart."""
    from sphinx.util import fileutil

    monkeypatch.setattr(fileutil, "copyfile", fileutil.copyfile)  # the replacement is undone after the test
    sphinx_internals.copy_assets_by_stamp()
    theme, ours, site = tmp_path / "theme" / "x.css", tmp_path / "ours" / "x.css", tmp_path / "site"
    for path, text in ((theme, b"a {}"), (ours, b"b {}")):
        path.parent.mkdir()
        path.write_bytes(text)
    stamp = theme.stat().st_mtime_ns
    os.utime(ours, ns=(stamp, stamp))
    site.mkdir()
    for build in range(2):  # a build into an empty output, then one over it (a kept process)
        fileutil.copy_asset_file(theme, site)
        fileutil.copy_asset_file(ours, site)
        assert (site / "x.css").read_bytes() == b"b {}", build
