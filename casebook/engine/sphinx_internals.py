"""The private parts of Sphinx the site build relies on, in one place.

Sphinx documents none of these; they were read from Sphinx 7.4's source and may change in any
release. Every use goes through this module, and ``tests/test_sphinx_internals.py`` fails on a
Sphinx version outside :data:`CHECKED_SPHINX_VERSIONS` and when an attribute is gone, so that
an upgrade of the pin is a decision made here, not a silent change in memory or warnings.

The private attributes (Sphinx 7.4.7 source lines in brackets):

- ``Sphinx._warncount`` (application.py:138, 205): warnings counted for ``-W``; a kept
  process (``casebook serve``) resets it before each build, or one warning would fail every
  later build.
- ``BuildEnvironment._write_doc_doctree_cache`` (environment/__init__.py:195): every doctree
  read, kept until the write phase; memory grows with the number of pages.
- ``BuildEnvironment._pickled_doctree_cache`` (environment/__init__.py:187): the pickled bytes
  of every doctree loaded, kept for the rest of the process.
- ``StandaloneHTMLBuilder._js_files`` and ``_css_files`` (builders/html/__init__.py:200-201,
  1095-1097): the scripts and styles of the page being written. Sphinx restores them before
  each page, not after, so the additions of a build's last page stay in them; and
  ``SphinxComponentRegistry.js_files`` and ``css_files`` (registry.py:71, 110), what
  ``add_js_file`` and ``add_css_file`` registered, which the builder adds to every page of the
  next build (builders/html/__init__.py:513-517). The theme registers a script on every page
  it writes, so a kept process saves both before its first build and restores them before
  each later one (:func:`page_assets`).

One module global:

- ``sphinx.util.fileutil.copyfile`` (util/fileutil.py:12, 87): the copy of every static and
  extra file (``html_static_path``, ``html_extra_path``) on every build, which compares the
  two files' bytes first (util/osutil.py:109-114) and keeps only their times to the microsecond
  (``copytimes``, util/osutil.py:84-88). Replaced by :func:`copy_assets_by_stamp`.

One undocumented switch of the HTML builder:

- ``StandaloneHTMLBuilder.search`` (builders/html/__init__.py:187, 444, 708, 1034): a class
  attribute that its subclasses for HTML Help and Apple Help set to False; then no search
  index (``searchindex.js``) is made and no search page is written.

Undocumented but public-looking internals are used elsewhere and named in
``docs/decisions/0001-jupyter-book-2.md`` (appendix): ``jupyter_book.sphinx.Sphinx`` replaced
in :mod:`casebook.engine.sphinx_jobs`, the ``TocTreeCollector`` steps in
``casebook/engine/incremental_extension.py``.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

CHECKED_SPHINX_VERSIONS = ("7.4",)
"""Sphinx major.minor versions whose source this module was checked against."""


def without_sphinx_search(builder: Any) -> None:
    """Make no search index of Sphinx's own and no search page of its own (the site's search
    is Pagefind's, and its page is ``book/_templates/search.html``, written as an extra page)."""
    builder.search = False


def reset_warning_count(app: Any) -> None:
    """Start a build in a kept Sphinx application with no warning counted."""
    app._warncount = 0


def drop_read_doctrees(env: Any) -> None:
    """Forget the doctrees read so far; the writer loads each from its pickle on disk instead."""
    env._write_doc_doctree_cache.clear()


def forget_pickled_doctree(env: Any, docname: str) -> None:
    """Forget the pickled bytes of a page whose doctree has been written."""
    env._pickled_doctree_cache.pop(docname, None)


def forget_all_doctrees(env: Any) -> None:
    """Forget every doctree a kept process holds, so its next build reads them from disk."""
    env._pickled_doctree_cache.clear()
    env._write_doc_doctree_cache.clear()


def page_assets(app: Any) -> tuple[list, list, list, list]:
    """The scripts and styles registered with ``app`` and its HTML builder, before a build writes a page."""
    return (
        list(app.registry.js_files),
        list(app.registry.css_files),
        list(app.builder._js_files),
        list(app.builder._css_files),
    )


def restore_page_assets(app: Any, assets: tuple[list, list, list, list]) -> None:
    """Give ``app`` the scripts and styles :func:`page_assets` returned, for a build in a kept process."""
    for current, saved in zip(
        (app.registry.js_files, app.registry.css_files, app.builder._js_files, app.builder._css_files),
        assets,
        strict=True,
    ):
        current[:] = saved


def copy_assets_by_stamp() -> None:
    """Make Sphinx copy a static or extra file only when the copy it made before does not have
    the file's size and modification time, to the nanosecond, which only this copy gives it.

    Sphinx compared every extra file with its copy byte for byte on every build: the memos,
    reports and open data, 4 000 files and 0,26 s of a one-case rebuild at 1 000 cases. A
    file whose bytes changed was written anew by ``casebook.engine.site.sync_tree``, so it has
    another modification time than the copy; the site build starts from an empty output
    whenever a build did not complete (``casebook.engine.site.build_html``). Publishing trusts
    the same two values (``casebook.engine.publish.stage_version``).

    A destination that another source was last copied to in this process (two static folders
    with a file of the same name: the later one wins) is compared byte for byte, as Sphinx
    does: the two sources may have the same size and time (files installed together do).
    """
    from sphinx.util import fileutil

    if getattr(fileutil.copyfile, "by_stamp", False):
        return
    copy = fileutil.copyfile
    copied_from: dict[str, str] = {}  # destination -> the source last copied to it

    def copyfile(source: str | os.PathLike[str], destination: str | os.PathLike[str], **options: Any) -> None:
        status = os.stat(source)
        source, destination = os.fspath(source), os.fspath(destination)
        try:
            copied = os.stat(destination)
        except FileNotFoundError:
            copied = None
        only_source = copied_from.setdefault(destination, source) == source
        copied_from[destination] = source
        if (
            only_source
            and copied is not None
            and (copied.st_size, copied.st_mtime_ns) == (status.st_size, status.st_mtime_ns)
        ):
            return
        copy(source, destination, **options)
        # As Sphinx's own copy does: a copy whose times cannot be set (a file of another owner,
        # a file system without them) is still a copy; it is only compared by bytes next time.
        with contextlib.suppress(OSError):
            os.utime(destination, ns=(status.st_atime_ns, status.st_mtime_ns))

    copyfile.by_stamp = True  # type: ignore[attr-defined]
    fileutil.copyfile = copyfile
