"""A cold build renders the memos while its notebooks execute (casebook.engine.build._memos_alongside).

A memo depends on its case file, not on the executed notebook; rendered in the document
workers while the kernels run, it is off the build's critical path, and the assembly finds
it current. The build is stopped before Jupyter Book: what is asserted is when and where the
memos were made, and that the assembly made none. Then the thread alone, with stand-ins:
when it starts at all, and that a build that stops stops it after the batch being written.
"""

from __future__ import annotations

import functools
import io
import shutil
import threading
import time

import pytest
from conftest import REPO, copy_project
from rich.console import Console

from casebook.engine import build, workers
from casebook.engine.paths import ProjectPaths
from casebook.render import typst_pdf

FICTIONAL = ("fiktiv-norr", "fiktiv-syd", "fiktiv-uppfoljning-sen")


def test_a_cold_build_renders_the_memos_in_the_workers_while_the_notebooks_execute(tmp_path, monkeypatch):
    root = copy_project(tmp_path / "project")
    for name in FICTIONAL:
        shutil.copy2(REPO / "tests" / "cases" / f"{name}.yaml", root / "data" / "cases" / f"{name}.yaml")
    # Four cases are worth the workers here, for the memos ahead and for the reports after.
    monkeypatch.setattr(build, "DOCUMENT_BATCH_FOR_WORKERS", 2)
    monkeypatch.setattr(build, "document_workers", functools.partial(workers.document_workers, smallest_batch=2))
    events: list[tuple[str, float]] = []
    due_ahead: list[tuple[str, int]] = []
    rendered_by_assembly: list[bool] = []

    execute, due_site_memos, write_memos = build._execute, build.due_site_memos, build.write_memos

    def timed_execute(*args, **kwargs):
        events.append(("execution starts", time.monotonic()))
        try:
            return execute(*args, **kwargs)
        finally:
            events.append(("execution ends", time.monotonic()))

    def recorded_due_site_memos(*args, **kwargs):
        events.append(("memos start", time.monotonic()))
        due = due_site_memos(*args, **kwargs)
        due_ahead.append((threading.current_thread().name, len(due)))
        return due

    def recorded_write_memos(*args, **kwargs):
        written = write_memos(*args, **kwargs)
        rendered_by_assembly.extend(memo.regenerated for memo in written)
        return written

    def stop_before_the_book(paths, staged, options=None):
        raise build.BuildFailed("stopped before Jupyter Book")

    monkeypatch.setattr(build, "_execute", timed_execute)
    monkeypatch.setattr(build, "due_site_memos", recorded_due_site_memos)
    monkeypatch.setattr(build, "write_memos", recorded_write_memos)
    monkeypatch.setattr(build, "build_book", stop_before_the_book)
    typst_pdf._compiler.cache_clear()
    with pytest.raises(build.BuildFailed, match="stopped before Jupyter Book"):
        build.build_site(ProjectPaths.at(root), console=Console(file=io.StringIO()), options=build.BuildOptions(jobs=2))

    assert due_ahead == [("casebook-memos", 1 + len(FICTIONAL))]  # SPIN's and the fictional cases'
    assert rendered_by_assembly == [False] * (1 + len(FICTIONAL))
    moments = dict(events)
    assert moments["execution starts"] < moments["memos start"] < moments["execution ends"]
    assert sorted(path.name for path in ProjectPaths.at(root).memo_cache_dir.glob("*.pdf")) == sorted(
        f"{case_id}.pdf" for case_id in ("rjh-2025-spin", *FICTIONAL)
    )
    assert typst_pdf._compiler.cache_info().currsize == 0  # every document was rendered in the workers


class _Documents:
    """A stand-in for the document workers: records each batch, takes ``seconds`` over it."""

    def __init__(self, seconds: float = 0.0):
        self.batches: list[int] = []
        self.seconds = seconds
        self.started = threading.Event()

    def __call__(self, function, batch, environment=None):
        assert environment is not None  # the build's, not the kernels' of the moment
        self.batches.append(len(batch))
        self.started.set()
        time.sleep(self.seconds)
        return [True] * len(batch)


def _alongside(monkeypatch, documents: _Documents, executing: int, due: int = 40):
    monkeypatch.setattr(build, "due_site_memos", lambda cases, cache_dir: list(range(due)))
    return build._memos_alongside(ProjectPaths.at(REPO), [], documents, 2, executing)


def test_the_memos_due_go_to_the_workers_in_small_batches_and_the_block_waits_for_them(monkeypatch):
    documents = _Documents(seconds=0.05)
    with _alongside(monkeypatch, documents, executing=40) as once_forked:
        once_forked()
    assert documents.batches == [8] * 5  # four a worker at a time, all rendered when the block ends
    assert not [thread for thread in threading.enumerate() if thread.name == "casebook-memos"]


def test_no_thread_when_few_notebooks_execute_and_no_batch_when_few_memos_are_due(monkeypatch):
    documents = _Documents()
    with _alongside(monkeypatch, documents, executing=31) as once_forked:
        assert once_forked is None  # the memos due are about the cases executed: too few to pay
    with _alongside(monkeypatch, documents, executing=40, due=31) as once_forked:
        once_forked()
    assert documents.batches == []


def test_a_build_that_stops_stops_the_memos_after_the_batch_being_written(monkeypatch):
    documents = _Documents(seconds=0.3)
    with pytest.raises(KeyboardInterrupt), _alongside(monkeypatch, documents, executing=40) as once_forked:
        once_forked()
        assert documents.started.wait(10)
        raise KeyboardInterrupt
    assert documents.batches == [8]
    assert not [thread for thread in threading.enumerate() if thread.name == "casebook-memos"]
