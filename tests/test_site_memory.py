"""The site's Sphinx extension keeps memory bounded as the number of pages grows.

Sphinx 7.4 keeps every doctree it reads in memory until it writes (and the pickled bytes
of every doctree it loads): 11 GiB for 10 000 case pages. The extension drops them as it
goes (book/_ext/casebook_site.py); ``bench/site_scale.py`` measures the peak.
"""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

from conftest import REPO


def _extension():
    spec = importlib.util.spec_from_file_location("casebook_site", REPO / "book" / "_ext" / "casebook_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _RecordingApp:
    def __init__(self):
        self.handlers: dict[str, list] = {}
        self.env = SimpleNamespace(_write_doc_doctree_cache={"a": object(), "b": object()},
                                   _pickled_doctree_cache={"a": b"...", "b": b"..."})

    def connect(self, event, handler):
        self.handlers.setdefault(event, []).append(handler)

    def add_transform(self, *args):
        pass

    def set_translator(self, *args):
        pass


def test_read_doctrees_are_not_kept_for_the_write_phase():
    app = _RecordingApp()
    _extension().setup(app)
    for handler in app.handlers["doctree-read"]:
        handler(app, object())
    assert app.env._write_doc_doctree_cache == {}


def test_a_written_pages_pickled_doctree_is_forgotten():
    app = _RecordingApp()
    _extension().setup(app)
    for handler in app.handlers["doctree-resolved"]:
        handler(app, object(), "a")
    assert app.env._pickled_doctree_cache == {"b": b"..."}
