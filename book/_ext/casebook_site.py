"""Sphinx extension for the casebook site (registered in _config.yml, sphinx.local_extensions).

- Drops sphinx-thebe's scripts and stylesheet. Jupyter Book 1 always loads sphinx-thebe;
  the site has no live code cells, and the extension declares ``const THEBE_JS_URL`` twice
  on every page, which is a JavaScript error in every browser.
"""

from __future__ import annotations

import os


def _is_thebe(asset: object) -> bool:
    filename = os.fspath(getattr(asset, "filename", None) or "")
    body = getattr(asset, "attributes", {}).get("body", "")
    return "thebe" in filename or "THEBE_JS_URL" in body


def _drop_thebe(app, pagename, templatename, context, doctree) -> None:  # noqa: ANN001 - Sphinx event signature
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not _is_thebe(asset)]


def setup(app):  # noqa: ANN001, ANN201 - Sphinx extension entry point
    app.connect("html-page-context", _drop_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
