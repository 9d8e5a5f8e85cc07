"""Sphinx extension for the casebook site (registered in _config.yml, sphinx.extra_extensions).

- Every page loads ``book/_static/casebook-tables.js`` right after its article
  (``book/_templates/layout.html``): it gives each table with a header
  row (the case pages', the generated pages' and those written in MyST) what the stylesheet
  needs to show its rows as "label: value" lines in a narrow column (WCAG 1.4.10): each body
  cell's column header as ``data-label``, and ARIA roles that keep the table's semantics
  when it is stacked. One place for every table, in the browser, instead of the attributes
  in every cell of the published HTML and notebooks.
- Builds the static search index with Pagefind (``pagefind[bin]``) over the finished
  HTML, in parts (``casebook.engine.search_index``): ``pagefind/<part>/`` at the site root,
  one Pagefind bundle per part of at most about ``casebook_search_part_pages`` case pages
  on average (a setting of ``sphinx.config`` in _config.yml; 250 unless set), and at most
  8 parts unless Pagefind's memory needs more (``search_index.part_count``), searched
  together by ``pagefind/pagefind.js``; only parts whose pages changed are indexed again,
  one part after the other. Only case pages are indexed (their article carries
  ``data-pagefind-body``, see book/_templates/layout.html); their verdict block carries
  the filters (decision-maker, owner, year, needs attention). Pagefind reads the pages' ``lang="sv"`` and stems Swedish
  words. Built through ``casebook.engine.sphinx_jobs`` (as the site build does), Pagefind
  runs after this Sphinx process has exited, so that the two processes' memory does not
  add up.
- Leaves the themes' source maps (``_static/**/*.map``, half the bytes of their scripts and
  styles) out of the site: they serve only whoever debugs the themes.
- Gives every page the publisher (``data/reference/publisher.yaml``, written by the build as
  ``book/_generated/publisher.json``) for its footer: name, contact and source-code link.
- Puts soft hyphens into the long Swedish words of every page's text
  (``casebook.render.hyphenation``): Chromium on Linux has no Swedish hyphenation
  dictionary, so without them a narrow column broke words anywhere, without a hyphen.
- Drops sphinx-thebe's scripts and stylesheet. Jupyter Book 1 always loads sphinx-thebe;
  the site has no live code cells, and the extension declares ``const THEBE_JS_URL`` twice
  on every page, which is a JavaScript error in every browser.
- Keeps memory bounded as pages are added: Sphinx 7.4 holds every doctree it reads until
  it writes, and the pickled bytes of every doctree it loads; the extension drops both as
  it goes (the doctrees are on disk and are read back once when written).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from myst_nb.sphinx_ext import add_global_html_resources

from casebook.engine import sphinx_internals
from casebook.engine.search_index import PAGES_PER_PART, build_search_index
from casebook.engine.sphinx_jobs import DEFER_SEARCH_INDEX, SEARCH_INDEX_LATER
from casebook.render.hyphenation import hyphenate_html


def _is_thebe(asset: object) -> bool:
    filename = os.fspath(getattr(asset, "filename", None) or "")
    body = getattr(asset, "attributes", {}).get("body", "")
    return "thebe" in filename or "THEBE_JS_URL" in body


def _drop_thebe(app, pagename, templatename, context, doctree) -> None:
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not _is_thebe(asset)]


def _hyphenate(app, pagename, templatename, context, doctree) -> None:
    if "body" in context:
        context["body"] = hyphenate_html(context["body"])
    for neighbour in ("prev", "next"):
        if context.get(neighbour) and context[neighbour].get("title"):
            context[neighbour] = {**context[neighbour], "title": hyphenate_html(context[neighbour]["title"])}
    # The menu and the page's contents break long words too (the theme adds these functions
    # to the context in this same event, before this handler: see its priority in setup).
    # The site's title above the menu, and the start page's entry in it (the menu is narrow:
    # the theme cut "Medfinansieringsbeslut" off at its edge). Not the page's <title>.
    if isinstance(context.get("theme_logo"), dict) and isinstance(context.get("docstitle"), str):
        context["theme_logo"] = {**context["theme_logo"], "text": hyphenate_html(context["docstitle"])}
    if isinstance(context.get("root_title"), str):
        context["root_title"] = hyphenate_html(context["root_title"])
    for generator in ("generate_toctree_html", "generate_toc_html"):
        if callable(context.get(generator)):
            context[generator] = _hyphenated(context[generator])


def _hyphenated(generate):
    return lambda *args, **kwargs: hyphenate_html(
        str(generate(*args, **kwargs))
    )  # HTML, or markup parsed by BeautifulSoup


def _publisher(app, pagename, templatename, context, doctree) -> None:
    """The publisher for every page's footer, from data/reference/publisher.yaml as the build
    wrote it (``casebook.render.pages.site_context``); read again when the file changes, so a
    kept Sphinx process (casebook serve) shows an edit."""
    path = Path(app.srcdir) / "book" / "_generated" / "publisher.json"
    stamp = path.stat().st_mtime_ns if path.is_file() else None
    cached = getattr(app, "_casebook_publisher", (None, {}))
    if cached[0] != stamp:
        cached = (stamp, json.loads(path.read_text(encoding="utf-8")) if stamp is not None else {})
        app._casebook_publisher = cached
    context["publisher"] = cached[1]


def _search_page_of_our_own(app, config) -> None:
    """The search page (book/_templates/search.html), written as an extra page: Sphinx's own
    is not made (:func:`_no_sphinx_search`). Added when the configuration is read, before
    Sphinx records it, so that every build sees the same configuration."""
    config.html_additional_pages = {**config.html_additional_pages, "search": "search.html"}


def _no_sphinx_search(app) -> None:
    """No search index of Sphinx's own: the site's one search is Pagefind's. Sphinx's index
    holds every page (2,7 MB at 1 000 cases), took about a tenth of the site build, and the
    theme made every page load it with the scripts that search it, for a search no reader sees."""
    if app.builder.format == "html":
        sphinx_internals.without_sphinx_search(app.builder)


def _build_search_index(app, exception) -> None:
    # casebook serve shows a saved page first and indexes the site right after, in its next
    # build (DEFER_SEARCH_INDEX): the index stays as it was meanwhile.
    if exception is not None or app.builder.format != "html" or os.environ.get(DEFER_SEARCH_INDEX):
        return
    later = os.environ.get(SEARCH_INDEX_LATER)
    if later:
        # Run through casebook.engine.sphinx_jobs: it indexes the site once this Sphinx
        # process has exited, so that Pagefind's memory and Sphinx's do not add up.
        finished = {"site": str(app.outdir), "pages_per_part": app.config.casebook_search_part_pages}
        Path(later).write_text(json.dumps(finished), encoding="utf-8")
        return
    build_search_index(Path(app.outdir), app.config.casebook_search_part_pages)


def _no_source_maps(app, exception) -> None:
    """The themes' source maps (``_static/**/*.map``, 3,5 MB of the 7,3 MB of scripts and
    styles) are not published: they map the themes' minified scripts and styles back to their
    sources for whoever debugs the themes, and browsers fetch them only for developer tools.
    The scripts' ``sourceMappingURL`` comments stay, so the themes' files keep their bytes."""
    if exception is None and app.builder.format == "html":
        for source_map in sorted((Path(app.outdir) / "_static").rglob("*.map")):
            source_map.unlink()


def _keep_no_read_doctrees(app, doctree):
    """Let the writer load each page's doctree from disk instead of keeping them all.

    Sphinx 7.4 keeps every doctree it reads in memory until the write phase
    (:mod:`casebook.engine.sphinx_internals`), so memory grows with the number of
    pages. Each doctree is also pickled to disk; dropping the earlier ones as each new page
    is read bounds memory, at the cost of reading each doctree back once when writing.
    """
    sphinx_internals.drop_read_doctrees(app.env)


def _forget_pickled_doctree(app, doctree, docname):
    """A page's doctree is written once: its pickled bytes (kept by ``get_doctree`` for the
    rest of the process) are not needed again in this build."""
    sphinx_internals.forget_pickled_doctree(app.env, docname)


def _mystnb_stylesheet_before_pages(app):
    """Copy MyST-NB's stylesheet into the site before any page is written, as later builds find it.

    MyST-NB copies ``_static/mystnb.<hash>.css`` only when the build finishes, and Sphinx adds
    a file's checksum (``?v=…``) to its link only when the file is already in the output: so a
    page written by a build from scratch linked it without the checksum and the same page
    written by an incremental build with it, and the two builds published different bytes.
    """
    if app.builder.format == "html":
        (Path(app.outdir) / "_static").mkdir(parents=True, exist_ok=True)
        add_global_html_resources(app, None)


def setup(app):
    sphinx_internals.copy_assets_by_stamp()
    # Case pages per part of the search index, on average at most (tests set it low to get
    # several parts); the index alone depends on it, no page is rebuilt when it changes.
    app.add_config_value("casebook_search_part_pages", PAGES_PER_PART, "", [int])
    app.connect("config-inited", _search_page_of_our_own)
    app.connect("builder-inited", _no_sphinx_search)
    app.connect("builder-inited", _mystnb_stylesheet_before_pages)
    app.connect("html-page-context", _drop_thebe)
    app.connect("html-page-context", _hyphenate, priority=900)
    app.connect("html-page-context", _publisher)
    app.connect("doctree-read", _keep_no_read_doctrees)
    app.connect("doctree-resolved", _forget_pickled_doctree)
    app.connect("build-finished", _no_source_maps)
    app.connect("build-finished", _build_search_index)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
