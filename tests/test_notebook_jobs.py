"""How many notebooks run at once: two per core unless ``--jobs`` says otherwise (a notebook's
client and its kernel take turns, so one per core left the cores idle; docs/performance.md)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from casebook.engine import execution
from casebook.engine.cache import ExecutionCache
from casebook.engine.execute import case_job
from casebook.engine.execution import Kernels, default_notebook_jobs, execute_plan
from casebook.engine.paths import ProjectPaths
from casebook.engine.plan import ExecutionPlan


def _workers_used(monkeypatch, tmp_path: Path, cases: int, jobs: int | None) -> int:
    """The number of workers ``execute_plan`` starts for ``cases`` notebooks (nothing is executed)."""
    used = []
    monkeypatch.setattr(execution, "run_in_workers", lambda planned, workers, console, done: used.append(workers))
    paths = ProjectPaths.at(tmp_path)
    plan = ExecutionPlan(
        tuple(
            case_job(tmp_path, f"fall-{i}", "0" * 64, "Titel", tmp_path / f"fall-{i}.ipynb", {}, "nyckel", "2026-01-01")
            for i in range(cases)
        ),
        0,
    )
    execute_plan(paths, plan, ExecutionCache(paths), Console(stderr=True), jobs=jobs, kernels=Kernels.FRESH)
    return used[0]


def test_two_notebooks_per_core_by_default_and_never_more_than_there_are(monkeypatch, tmp_path):
    monkeypatch.setattr(execution, "default_jobs", lambda: 3)
    assert default_notebook_jobs() == 6
    assert _workers_used(monkeypatch, tmp_path, 10, None) == 6
    assert _workers_used(monkeypatch, tmp_path, 4, None) == 4  # no idle worker forked


def test_jobs_given_are_the_notebooks_at_once(monkeypatch, tmp_path):
    monkeypatch.setattr(execution, "default_jobs", lambda: 3)
    assert _workers_used(monkeypatch, tmp_path, 10, 2) == 2
