"""A cold build renders the memos while its notebooks execute (casebook.engine.build._memos_alongside).

A memo depends on its case file, not on the executed notebook; rendered in the document
workers while the kernels run, it is off the build's critical path, and the assembly finds
it current. The build is stopped before Jupyter Book: what is asserted is when the memos
were made, and that the assembly made none.
"""

from __future__ import annotations

import io
import shutil
import threading
import time

import pytest
from conftest import REPO, copy_project
from rich.console import Console

from casebook.engine import build
from casebook.engine.paths import ProjectPaths

FICTIONAL = ("fiktiv-norr", "fiktiv-syd", "fiktiv-uppfoljning-sen")


def test_a_cold_build_renders_the_memos_in_the_workers_while_the_notebooks_execute(tmp_path, monkeypatch):
    root = copy_project(tmp_path / "project")
    for name in FICTIONAL:
        shutil.copy2(REPO / "tests" / "cases" / f"{name}.yaml", root / "data" / "cases" / f"{name}.yaml")
    monkeypatch.setattr(build, "DOCUMENT_BATCH_FOR_WORKERS", 2)  # four cases are worth the workers here
    events: list[tuple[str, float]] = []
    rendered_ahead: list[tuple[str, int]] = []
    rendered_by_assembly: list[bool] = []

    execute, render_ahead, write_memos = build._execute, build.render_stale_memos, build.write_memos

    def timed_execute(*args, **kwargs):
        events.append(("execution starts", time.monotonic()))
        try:
            return execute(*args, **kwargs)
        finally:
            events.append(("execution ends", time.monotonic()))

    def recorded_render_ahead(*args, **kwargs):
        events.append(("memos start", time.monotonic()))
        rendered_ahead.append((threading.current_thread().name, render_ahead(*args, **kwargs)))
        events.append(("memos end", time.monotonic()))
        return rendered_ahead[-1][1]

    def recorded_write_memos(*args, **kwargs):
        written = write_memos(*args, **kwargs)
        rendered_by_assembly.extend(memo.regenerated for memo in written)
        return written

    def stop_before_the_book(paths, staged, options=None):
        raise build.BuildFailed("stopped before Jupyter Book")

    monkeypatch.setattr(build, "_execute", timed_execute)
    monkeypatch.setattr(build, "render_stale_memos", recorded_render_ahead)
    monkeypatch.setattr(build, "write_memos", recorded_write_memos)
    monkeypatch.setattr(build, "build_book", stop_before_the_book)
    with pytest.raises(build.BuildFailed, match="stopped before Jupyter Book"):
        build.build_site(ProjectPaths.at(root), console=Console(file=io.StringIO()), options=build.BuildOptions(jobs=2))

    assert rendered_ahead == [("casebook-memos", 1 + len(FICTIONAL))]  # SPIN's and the fictional cases'
    assert rendered_by_assembly == [False] * (1 + len(FICTIONAL))
    moments = dict(events)
    assert moments["execution starts"] < moments["memos start"] < moments["execution ends"]
    assert sorted(path.name for path in ProjectPaths.at(root).memo_cache_dir.glob("*.pdf")) == sorted(
        f"{case_id}.pdf" for case_id in ("rjh-2025-spin", *FICTIONAL)
    )
