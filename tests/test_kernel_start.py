"""A kernel that dies before answering, before any cell ran, is started again; other failures are not retried."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from casebook.engine import execute as execute_module
from casebook.engine.execute import KERNEL_START_ATTEMPTS, ExecutionFailure, NotebookJob

JOB = NotebookJob(
    root=Path("."),
    name="fiktiv",
    template=Path("notebooks/case_report.ipynb"),
    parameters={},
    title="FIKTIVT",
    published_as="book/cases/fiktiv.ipynb",
    output=Path("ut.ipynb"),
    cache_key="k",
)


def _not_started() -> ExecutionFailure:
    return ExecutionFailure(
        "fiktiv",
        "Ärendet fiktiv",
        0,
        "",
        "RuntimeError: Kernel died before replying to kernel_info",
        kernel_did_not_start=True,
    )


def _attempts(monkeypatch, outcomes: list[ExecutionFailure | None]) -> list[int]:
    calls = []

    def once(job):
        calls.append(1)
        return outcomes[len(calls) - 1]

    monkeypatch.setattr(execute_module, "_execute_once", once)
    return calls


def test_a_kernel_that_died_before_answering_is_started_again(monkeypatch):
    calls = _attempts(monkeypatch, [_not_started(), _not_started(), None])
    assert execute_module.execute(JOB) is None
    assert len(calls) == KERNEL_START_ATTEMPTS == 3


def test_after_the_last_attempt_the_failure_is_reported(monkeypatch):
    calls = _attempts(monkeypatch, [_not_started()] * KERNEL_START_ATTEMPTS)
    failure = execute_module.execute(JOB)
    assert failure is not None and failure.kernel_did_not_start and "kernel_info" in str(failure)
    assert len(calls) == KERNEL_START_ATTEMPTS


@pytest.mark.parametrize(
    "failure",
    [
        ExecutionFailure("fiktiv", "Ärendet fiktiv", 3, "x = 1", "ValueError: fel"),
        ExecutionFailure("fiktiv", "Ärendet fiktiv", 2, "x = 1", "kärnan avslutades oväntat (DeadKernelError)"),
    ],
    ids=["failing-cell", "kernel-died-while-running"],
)
def test_a_notebook_that_started_is_not_run_again(monkeypatch, failure):
    calls = _attempts(monkeypatch, [failure, None, None])
    assert execute_module.execute(JOB) is failure
    assert len(calls) == 1


def test_only_a_kernel_that_never_answered_counts_as_not_started(monkeypatch, tmp_path):
    def dies(*args, **kwargs):
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(execute_module.papermill_runner(), "execute_notebook", dies)
    failure = execute_module._execute_once(
        replace(JOB, root=tmp_path, template=Path("mall.ipynb"), output=tmp_path / "ut.ipynb")
    )
    assert failure is not None and failure.kernel_did_not_start and failure.cell == 0


def test_a_kernel_may_take_as_long_to_start_as_the_case_may_take(monkeypatch, tmp_path):
    """Not papermill's fixed 60 s: on a machine busy with other builds a forked kernel once took longer."""
    seen = {}

    def records(*args, **kwargs):
        seen.update(kwargs)
        raise RuntimeError("Kernel didn't respond in 60 seconds")

    monkeypatch.setattr(execute_module.papermill_runner(), "execute_notebook", records)
    execute_module._execute_once(
        replace(JOB, root=tmp_path, template=Path("mall.ipynb"), output=tmp_path / "ut.ipynb", timeout=899.5)
    )
    assert seen["start_timeout"] == 900 and isinstance(seen["start_timeout"], int)
