"""Sphinx extension (registered in _config.yml): an incremental build that changed only case pages
costs what those pages cost, not what the whole site costs.

Sphinx numbers figures and tables (``numfig``; the portfolio's figures read "Figur 1") after
every read phase, by loading the doctree of every page in the table of contents from disk.
Several of those pages grow with the number of cases (the case list, the verification
page, the portfolio), so at 1 000 cases this took about 1,5 s of a 3 s one-page rebuild in
``casebook serve``. Figure numbers come only from pages reachable through a table of
contents; case pages are in none (see ``_toc.yml``). When a build read no page that any
table of contents includes, and removed none, the numbers cannot have changed, and the
numbering is skipped: the numbers from the previous build stay as they are. Any other
build numbers figures exactly as Sphinx does.
"""

from __future__ import annotations

from sphinx.environment.collectors.toctree import TocTreeCollector
from sphinx.util import logging

# Set by the build's own listeners: what this build read and removed.
_READ = "casebook_read_docs"
_REMOVED = "casebook_removed_docs"


def _note_removed(app, env, added, changed, removed):  # Sphinx event signature
    setattr(env, _REMOVED, set(removed))
    return []


def _note_read(app, env, docnames):  # Sphinx event signature
    setattr(env, _READ, set(docnames))


def in_navigation(env) -> set[str]:  # a Sphinx BuildEnvironment
    """Every page that a table of contents includes, and the root page."""
    included = {env.config.root_doc}
    for entries in env.toctree_includes.values():
        included.update(entries)
    return included


def figure_numbers_may_change(env) -> bool:  # a Sphinx BuildEnvironment
    """Whether this build read or removed a page whose figures can be numbered."""
    read, removed = getattr(env, _READ, None), getattr(env, _REMOVED, None)
    if read is None or removed is None:
        return True  # nothing known about this build
    return bool(removed) or bool(read & in_navigation(env))


def _updated_docs(collector: TocTreeCollector):
    """Sphinx's ``env-get-updated`` listener of the table-of-contents collector, numbering
    figures only when :func:`figure_numbers_may_change`."""

    def get_updated_docs(app, env):  # Sphinx event signature
        updated = collector.assign_section_numbers(env)
        if figure_numbers_may_change(env):
            updated += collector.assign_figure_numbers(env)
        for name in (_READ, _REMOVED):  # this build's facts: not pickled into the next one's environment
            vars(env).pop(name, None)
        return updated

    return get_updated_docs


def setup(app):  # Sphinx extension entry point
    listeners = [
        listener
        for listener in app.events.listeners["env-get-updated"]
        if isinstance(getattr(listener.handler, "__self__", None), TocTreeCollector)
    ]
    if not listeners:  # a Sphinx that registers its collector otherwise: say so (the build treats warnings as errors)
        logging.getLogger(__name__).warning("casebook_incremental: Sphinx's TocTreeCollector was not found")
    for listener in listeners:
        app.disconnect(listener.id)
        app.connect("env-get-updated", _updated_docs(listener.handler.__self__), priority=listener.priority)
    # Late, so that the lists are final after other extensions' listeners added to them.
    app.connect("env-get-outdated", _note_removed, priority=900)
    app.connect("env-before-read-docs", _note_read, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
