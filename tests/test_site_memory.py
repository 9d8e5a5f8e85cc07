"""The site build keeps memory bounded as the number of pages grows.

Sphinx 7.4 keeps every doctree it reads in memory until it writes (and the pickled bytes
of every doctree it loads): 11 GiB for 10 000 case pages. The extension drops them as it
goes (casebook/engine/site_extension.py). The Pagefind indexer needs most of what remains (about
0,5 MiB a case page): it runs after the Sphinx process has exited, not beside it
(casebook.engine.sphinx_jobs), with its allocator returning freed memory at once, and over
one part of the case pages at a time (casebook.engine.search_index, tests/test_search_index.py).
``bench/site_scale.py`` measures the peak.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from conftest import write_pagefind_part

from casebook.engine import sphinx_jobs


def _extension():
    return importlib.import_module("casebook.engine.site_extension")


class _RecordingApp:
    def __init__(self):
        self.handlers: dict[str, list] = {}
        self.env = SimpleNamespace(
            _write_doc_doctree_cache={"a": object(), "b": object()}, _pickled_doctree_cache={"a": b"...", "b": b"..."}
        )
        self.builder = SimpleNamespace(format="html")
        self.outdir = "/site/html"
        self.config = SimpleNamespace(casebook_search_part_pages=3)

    def connect(self, event, handler, priority=500):
        self.handlers.setdefault(event, []).append(handler)

    def add_config_value(self, *args):
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


def _finish_build(monkeypatch) -> list:
    """Run the extension's build-finished handlers; the sites it indexed itself."""
    app = _RecordingApp()
    extension = _extension()
    started = []
    monkeypatch.setattr(extension, "build_search_index", lambda *arguments: started.append(arguments))
    extension.setup(app)
    for handler in app.handlers["build-finished"]:
        handler(app, None)
    return started


def test_under_the_runner_the_extension_leaves_the_search_index_for_later(tmp_path, monkeypatch):
    """In the Jupyter Book child of casebook.engine.sphinx_jobs the extension only names the
    finished site; Pagefind must not start while this Sphinx process holds its memory."""
    handoff = tmp_path / "parallel.json.site"
    monkeypatch.setenv(sphinx_jobs.SEARCH_INDEX_LATER, str(handoff))
    started = _finish_build(monkeypatch)
    assert started == []
    assert json.loads(handoff.read_text(encoding="utf-8")) == {"site": "/site/html", "pages_per_part": 3}


def test_built_directly_the_extension_indexes_the_site_itself(monkeypatch):
    """``jupyter-book build`` without the runner (bench/case_list_weight.py) still gets its index."""
    monkeypatch.delenv(sphinx_jobs.SEARCH_INDEX_LATER, raising=False)
    started = _finish_build(monkeypatch)
    assert started == [(Path("/site/html"), 3)]


def _completed(command, returncode=0):
    return subprocess.CompletedProcess(command, returncode, "", "")


def _site_with_cases(site: Path, *case_ids: str) -> Path:
    (site / "book" / "cases").mkdir(parents=True)
    for case_id in case_ids:
        (site / "book" / "cases" / f"{case_id}.html").write_text(
            "<article data-pagefind-body>FIKTIVT</article>", encoding="utf-8"
        )
    return site


def _name_site(env, site: Path, pages_per_part: int) -> None:
    """What the site's extension does in the Jupyter Book child (see the tests above)."""
    finished = {"site": str(site), "pages_per_part": pages_per_part}
    Path(env[sphinx_jobs.SEARCH_INDEX_LATER]).write_text(json.dumps(finished), encoding="utf-8")


def test_the_runner_indexes_the_site_only_after_the_jupyter_book_child_has_exited(tmp_path, monkeypatch):
    report = tmp_path / "parallel.json"
    site = _site_with_cases(tmp_path / "html", "fiktiv-bas", "rjh-2025-spin", "fiktiv-norr")
    events = []

    def fake_run(command, env=None, **kwargs):
        if "--in-process" in command:  # the Jupyter Book child: it names the site and exits
            assert command[:4] == [sys.executable, "-m", "casebook.engine.sphinx_jobs", "--in-process"]
            _name_site(env, site, 1)
            events.append("jupyter-book exited")
        else:
            staging = Path(command[command.index("--site") + 1])
            pages = sorted(page.relative_to(staging).as_posix() for page in staging.rglob("*.html"))
            output = Path(command[command.index("--output-path") + 1]).relative_to(site).as_posix()
            events.append(("pagefind", pages, output, env["_RJEM_MALLOC_CONF"]))
            (site / output).mkdir()
            for name in ("pagefind.js", "pagefind-ui.js", "pagefind-ui.css"):  # what Pagefind writes, in short
                (site / output / name).write_text("/* Pagefind */", encoding="utf-8")
            write_pagefind_part(site / output, [])
        return _completed(command)

    monkeypatch.setattr(sphinx_jobs.subprocess, "run", fake_run)
    assert sphinx_jobs.run_then_index(2, report, ["build", "--all", "src"]) == 0
    # One Pagefind run per part of the site's case pages (the part size the extension named), one after the other.
    allocator = "dirty_decay_ms:0,muzzy_decay_ms:0"
    assert events == [
        "jupyter-book exited",
        ("pagefind", ["book/cases/fiktiv-bas.html"], "pagefind/0", allocator),
        ("pagefind", ["book/cases/rjh-2025-spin.html"], "pagefind/2", allocator),
        ("pagefind", ["book/cases/fiktiv-norr.html"], "pagefind/3", allocator),
    ]
    assert not (tmp_path / "parallel.json.site").exists()


def test_a_failed_jupyter_book_build_is_not_indexed_and_keeps_its_exit_status(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(
        sphinx_jobs.subprocess, "run", lambda command, **kw: calls.append(command) or _completed(command, 2)
    )
    assert sphinx_jobs.run_then_index(1, tmp_path / "parallel.json", ["build", "src"]) == 2
    assert len(calls) == 1


def test_a_pagefind_failure_fails_the_build_with_a_swedish_message(tmp_path, monkeypatch, capsys):
    def fake_run(command, env=None, **kwargs):
        if "--in-process" in command:
            _name_site(env, _site_with_cases(tmp_path / "html", "fiktiv-bas"), 2000)
            return _completed(command)
        return subprocess.CompletedProcess(command, 1, "", "Error: no html files")

    monkeypatch.setattr(sphinx_jobs.subprocess, "run", fake_run)
    assert sphinx_jobs.run_then_index(1, tmp_path / "parallel.json", ["build", "src"]) == 1
    assert "Pagefind kunde inte bygga sökindexet: Error: no html files" in capsys.readouterr().err


def test_the_themes_source_maps_are_left_out_of_the_site(tmp_path, monkeypatch):
    app = _RecordingApp()
    app.outdir = str(tmp_path)
    kept = ["_static/scripts/theme.js", "_static/styles/theme.css", "book/index.html", "data/karta.map.json"]
    left_out = ["_static/scripts/theme.js.map", "_static/styles/theme.css.map"]
    for name in kept + left_out:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    extension = _extension()
    monkeypatch.setattr(extension, "build_search_index", lambda *arguments: None)
    extension.setup(app)
    for handler in app.handlers["build-finished"]:
        handler(app, None)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == sorted(kept)
