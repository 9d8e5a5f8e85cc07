"""Stage 3 of a build: the planned notebooks executed in parallel worker processes, each in a
fresh kernel (forked from the preloaded zygote, ``casebook.engine.zygote``, or started from
scratch), with a progress bar; each stored in the cache as it completes.

Interrupted (Ctrl-C, SIGTERM or SIGHUP, a ``KeyboardInterrupt`` here), no queued notebook
starts, running kernels and workers are stopped, and :class:`BuildInterrupted` says how far
execution got.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from casebook.domain import formatting as fmt
from casebook.engine import lifetime
from casebook.engine import zygote as zygote_module
from casebook.engine.cache import ExecutionCache
from casebook.engine.execute import (
    DEFAULT_TIMEOUT,
    KERNEL_NAME,
    ExecutionFailure,
    NotebookJob,
    execute,
    papermill_runner,
)
from casebook.engine.paths import ProjectPaths
from casebook.engine.plan import ExecutionPlan
from casebook.engine.site import default_jobs
from casebook.engine.workers import stop_workers, worker_started


class Kernels(Enum):
    """Where each notebook's fresh kernel comes from."""

    FORKED = "forked"  # forked from the preloaded zygote (casebook.engine.zygote)
    FRESH = "fresh"  # started from scratch


class BuildInterrupted(Exception):
    """The build was interrupted (Ctrl-C, SIGTERM or SIGHUP) while executing notebooks; nothing was published.

    The message says how far execution got; the command line adds whether the site changed.
    """

    def __init__(self, executed: int, pending: int):
        self.executed, self.pending = executed, pending
        super().__init__(
            f"Bygget avbröts: {fmt.plural(executed, 'anteckningsbok', 'anteckningsböcker')} kördes klart och sparades i cachen, "
            f"{pending} kördes inte"
        )


def default_notebook_jobs() -> int:
    """Notebooks executed at once unless ``--jobs`` says otherwise: two per core. A notebook's
    client and its kernel take turns (each waits for the other's reply), so with one per core
    the cores idled through about a third of the execution (docs/performance.md, "Two
    notebooks per core")."""
    return 2 * default_jobs()


@dataclass
class ExecutionResult:
    executed: list[str] = field(default_factory=list)  # names of notebooks executed and cached
    failed: list[ExecutionFailure] = field(default_factory=list)


def execute_plan(
    paths: ProjectPaths,
    plan: ExecutionPlan,
    cache: ExecutionCache,
    console: Console,
    *,
    jobs: int | None = None,
    kernels: Kernels = Kernels.FORKED,
    zygote: zygote_module.Zygote | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> ExecutionResult:
    """Execute the plan's notebooks in parallel; store each in the cache as it completes.

    ``jobs``: notebooks at once (default: two per core); ``kernels``: where each fresh kernel
    comes from; ``zygote``: a running zygote to fork them from (``casebook serve`` keeps one);
    ``timeout``: seconds per notebook.

    A failing notebook is reported and kept in ``_build/failed/``; the others go on.
    """
    shutil.rmtree(paths.failed_dir, ignore_errors=True)
    result = ExecutionResult()
    if not plan.jobs:
        return result

    def done(job: NotebookJob, failure: ExecutionFailure | None) -> None:
        if failure is None:
            cache.store(job.name, job.cache_key, job.output, job.parameters.get("audit"))
            result.executed.append(job.name)
        else:
            result.failed.append(failure)
            _report_failure(failure, job, paths.failed_dir, console)

    with zygote_module.kernel_environment(), kernel_source(kernels, zygote, console) as kernel_name:
        # A forked kernel's sockets are files in the zygote's folder (execute.kernel_manager_class).
        sockets = (
            str(Path(os.environ[zygote_module.ENV_SOCKET]).parent) if kernel_name == zygote_module.KERNEL_NAME else ""
        )
        planned = [replace(job, kernel_name=kernel_name, timeout=timeout, socket_folder=sockets) for job in plan.jobs]
        try:
            run_in_workers(planned, min(jobs or default_notebook_jobs(), len(planned)), console, done)
        except KeyboardInterrupt:
            raise BuildInterrupted(
                len(result.executed), len(planned) - len(result.executed) - len(result.failed)
            ) from None
    return result


@contextmanager
def kernel_source(kernels: Kernels, zygote: zygote_module.Zygote | None, console: Console) -> Iterator[str]:
    """The kernel name to execute with: forked from a zygote (``zygote``, if the caller keeps
    one running or launched one, :meth:`~casebook.engine.zygote.Zygote.launch`), or fresh
    when ``kernels`` asks for it or none can start."""
    if kernels is Kernels.FRESH:
        yield KERNEL_NAME
        return
    kept = zygote is not None and zygote.is_running()
    forked = zygote if kept else zygote_module.Zygote()
    try:
        forked.start()  # at once for a ready zygote; waits for one launched earlier
    except zygote_module.ZygoteUnavailable as exc:
        console.print(
            f"Varning: den förladdade kärnprocessen kunde inte startas ({exc}); varje anteckningsbok körs i en ny kärna.",
            style="yellow",
            markup=False,
            soft_wrap=True,
        )
        yield KERNEL_NAME
        return
    previous = os.environ.get(zygote_module.ENV_SOCKET)
    os.environ[zygote_module.ENV_SOCKET] = str(forked.socket_path)
    try:
        with zygote_module.kernelspec_visible():
            yield zygote_module.KERNEL_NAME
    finally:
        if previous is None:
            os.environ.pop(zygote_module.ENV_SOCKET, None)
        else:
            os.environ[zygote_module.ENV_SOCKET] = previous
        if not kept:
            forked.stop()


def run_in_workers(
    jobs: list[NotebookJob],
    workers: int,
    console: Console,
    done: Callable[[NotebookJob, ExecutionFailure | None], None],
) -> None:
    columns = (
        TextColumn("[bold]Kör anteckningsböcker"),  # the cases' and the portfolio's
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        TextColumn("kvar"),
        TimeRemainingColumn(),
    )
    papermill_runner()  # imported once, here, so that every forked worker starts with it
    pool = ProcessPoolExecutor(max_workers=workers, initializer=worker_started, initargs=(os.getpid(),))
    try:
        # Submitting forks every worker at once, before the progress bar starts its thread; a
        # Ctrl-C in the meantime reaches the build once they exist (lifetime.signals_held).
        with lifetime.signals_held():
            futures = {pool.submit(execute, job): job for job in jobs}
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("", total=len(jobs))
            for future in as_completed(futures):
                job = futures[future]
                done(job, future.result())
                progress.update(task, advance=1, description=job.shown_as)
                lifetime.stop_if_requested()  # a stop whose exception was dropped: no more notebooks
    except BaseException:
        stop_workers(pool)
        raise
    pool.shutdown()


def _report_failure(failure: ExecutionFailure, job: NotebookJob, failed_dir: Path, console: Console) -> None:
    message = str(failure)
    if job.output.exists():
        failed_dir.mkdir(parents=True, exist_ok=True)
        kept = shutil.copy2(job.output, failed_dir / f"{job.name}.ipynb")
        message += f"\nDen körda anteckningsboken finns i {kept}."
    console.print(message, style="red", markup=False, soft_wrap=True)
