"""Execute a notebook template with papermill (a case report or the portfolio), and clean the result.

The executed notebook is what the site publishes and what readers download, so it must
not carry build-machine paths or run times, and the injected parameters cell is removed
from the page (the ``remove-cell`` tag) while staying in the downloadable notebook.

Every execution is bounded: a case gets ``timeout`` seconds in all (not per cell); a
case that runs out of time, or whose kernel dies, is reported with the cell it was in,
and papermill still writes the partial notebook for inspection.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from casebook.engine.cache import PORTFOLIO
from casebook.engine.paths import CASE_PAGES, CASE_TEMPLATE, PORTFOLIO_PAGE, PORTFOLIO_TEMPLATE, ProjectPaths
from casebook.render.markup import escape_myst

KERNEL_NAME = "casebook"
TEMPLATES = (CASE_TEMPLATE, PORTFOLIO_TEMPLATE)
# A case normally runs in 1–3 s; ten minutes leaves room for a slow machine and still
# stops a runaway case long before a CI job's own limit.
DEFAULT_TIMEOUT = 600.0
KERNEL_START_ATTEMPTS = 3
# The longest path of a Unix socket on macOS (104 bytes with its NUL; Linux allows 107).
UNIX_SOCKET_PATH_MAX = 103
# The kernel's notices (about its sockets; shutdown interrupts it) are not the analyst's
# concern; real errors still surface as execution errors. IPython's input history (an SQLite
# file written by a thread in every kernel) is never read by a report; without it a kernel
# starts sooner.
QUIET_KERNEL = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False"]


if TYPE_CHECKING:
    import nbformat

ENGINE = "casebook-keep-partial"


@functools.cache
def papermill_runner():
    """papermill, with the engine :data:`ENGINE` registered.

    Imported here, on first use, not with this module: with nbformat and jupyter_client it
    takes about 0,4 s, which a build with nothing to execute (a page edited, nothing changed)
    does not need. The build calls it before it forks its workers, so each starts with it.
    """
    import nbformat
    import papermill
    from papermill.engines import NBClientEngine, papermill_engines

    class KeepPartialEngine(NBClientEngine):
        """papermill's engine, but a notebook that stops early is still written to ``partial_output``.

        papermill writes the notebook itself only after a cell raised; a timeout or a dead
        kernel would otherwise leave nothing to inspect (we do not save after every cell).
        """

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, partial_output: str | None = None, **kwargs):
            try:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            except Exception:
                if partial_output:
                    nbformat.write(nb_man.nb, partial_output)
                raise

    papermill_engines.register(ENGINE, KeepPartialEngine)
    return papermill


@dataclass(frozen=True)
class NotebookJob:
    """Everything needed to execute one notebook; plain data, so it can go to a worker process.

    ``name`` is the case id (or :data:`~casebook.engine.cache.PORTFOLIO`), also its cache entry; ``template`` and ``published_as`` are
    repository-relative, ``output`` is where the executed notebook is written.
    """

    root: Path
    name: str
    template: Path
    parameters: dict
    title: str
    published_as: str
    output: Path
    cache_key: str
    label: str = ""
    orphan: bool = True
    kernel_name: str = KERNEL_NAME
    # A folder for the kernel's Unix sockets (a forked kernel's: the zygote's folder), or ""
    # for TCP ports on loopback (:func:`kernel_manager_class`).
    socket_folder: str = ""
    timeout: float = DEFAULT_TIMEOUT
    inputs: tuple[str, ...] = field(default=(), compare=False)

    @property
    def case_id(self) -> str:
        return self.name

    @property
    def shown_as(self) -> str:
        """How messages name this notebook, in Swedish."""
        return self.label or f"Ärendet {self.name}"


def case_job(
    root: Path,
    case_id: str,
    case_sha256: str | None,
    title: str,
    output: Path,
    audit: dict,
    cache_key: str,
    as_of: str,
    **options,
) -> NotebookJob:
    """The job that executes the case report template for one case, judged as of the build date
    ``as_of`` (ISO), from the case file's bytes whose SHA-256 is ``case_sha256`` (those the build
    checked; the notebook stops if it reads others)."""
    return NotebookJob(
        root=root,
        name=case_id,
        template=CASE_TEMPLATE,
        # Relative to notebooks/, the working directory, as in an analyst's Jupyter.
        parameters={
            "case_path": f"../data/cases/{case_id}.yaml",
            "as_of": as_of,
            "audit": audit,
            "case_sha256": case_sha256,
        },
        title=title,
        published_as=(CASE_PAGES / f"{case_id}.ipynb").as_posix(),
        output=output,
        cache_key=cache_key,
        **options,
    )


def portfolio_job(root: Path, output: Path, cache_key: str, as_of: str, **options) -> NotebookJob:
    """The job that executes the portfolio template over the repository's cases, as of the build date ``as_of`` (ISO)."""
    return NotebookJob(
        root=root,
        name=PORTFOLIO,
        template=PORTFOLIO_TEMPLATE,
        # Relative to notebooks/, as the case's parameters; the evaluated cases the build saved just before.
        parameters={
            "cases_dir": "../data/cases",
            "reference_dir": "../data/reference",
            "as_of": as_of,
            "evaluated": os.path.relpath(ProjectPaths(root).evaluation_cache, root / PORTFOLIO_TEMPLATE.parent),
        },
        title="Portfölj",
        published_as=PORTFOLIO_PAGE.as_posix(),
        output=output,
        cache_key=cache_key,
        label="Portföljen",
        orphan=False,
        **options,
    )


@dataclass(frozen=True)
class ExecutionFailure:
    """A notebook that raised, ran out of time or lost its kernel while executing."""

    name: str  # the job's name
    shown_as: str  # "Ärendet <id>" or "Portföljen"
    cell: int  # 1-based position in the executed notebook; 0 when no cell had started
    source: str
    error: str
    timed_out: bool = False
    kernel_did_not_start: bool = False  # died before answering; no cell ran

    def __str__(self) -> str:
        if not self.cell:
            return f"{self.shown_as} kunde inte köras: {self.error}"
        first_line = self.source.strip().splitlines()[0] if self.source.strip() else ""
        return f"{self.shown_as} misslyckades i cell {self.cell} ({first_line!r}): {self.error}"


def execute(job: NotebookJob) -> ExecutionFailure | None:
    """Run ``job.template`` and write the cleaned notebook to ``job.output``.

    Runs with the notebooks folder as working directory, as an analyst's Jupyter does, so
    the parameters are the same relative paths in both. Returns the failure, if any,
    rather than raising, so that results travel back from worker processes unchanged.

    A kernel that dies before it answers, before any cell ran, is started again, up to
    :data:`KERNEL_START_ATTEMPTS` times in all: nothing was executed, so nothing can differ.
    (Seen once in a cold build of 1 000 cases. The likely cause, not confirmed: jupyter_client
    chooses a kernel's ports before the kernel binds them, and a port taken in between ends it.)
    """
    for _ in range(KERNEL_START_ATTEMPTS - 1):
        failure = _execute_once(job)
        if failure is None or not failure.kernel_did_not_start:
            return failure
    return _execute_once(job)


def _execute_once(job: NotebookJob) -> ExecutionFailure | None:
    import nbformat

    papermill = papermill_runner()
    template = job.root / job.template
    deadline = time.monotonic() + job.timeout
    # nbclient logs a timeout before raising it; the failure message says it in Swedish.
    logging.getLogger("papermill").setLevel(logging.CRITICAL)
    try:
        papermill.execute_notebook(
            str(template),
            str(job.output),
            parameters=job.parameters,
            engine_name=ENGINE,
            partial_output=str(job.output),
            kernel_name=job.kernel_name,
            cwd=str(template.parent),
            progress_bar=False,
            log_output=False,
            # The notebook is written once at the end, not after every cell.
            request_save_on_cell_execute=False,
            extra_arguments=QUIET_KERNEL,
            kernel_manager_class=kernel_manager_class(job.socket_folder),
            # What is left of the case's time is each cell's limit, so the whole case is bounded.
            timeout_func=lambda _cell: max(1, round(deadline - time.monotonic())),
            # The kernel may take as long to start as the case may take in all, not papermill's
            # fixed 60 s: a verify on a machine busy with other builds once failed a case there.
            start_timeout=math.ceil(job.timeout),  # nbclient takes whole seconds only
        )
    except papermill.PapermillExecutionError as exc:
        return ExecutionFailure(job.name, job.shown_as, exc.cell_index + 1, exc.source, f"{exc.ename}: {exc.evalue}")
    except TimeoutError:
        cell, source = _last_started_cell(job.output)
        return ExecutionFailure(
            job.name,
            job.shown_as,
            cell,
            source,
            f"tidsgränsen på {job.timeout:g} s överskreds (ändra med --timeout)",
            timed_out=True,
        )
    except Exception as exc:  # noqa: BLE001 - a broken template or a dead kernel must not end the whole build
        cell, source = _last_started_cell(job.output)
        if type(exc).__name__ == "DeadKernelError":
            return ExecutionFailure(job.name, job.shown_as, cell, source, "kärnan avslutades oväntat (DeadKernelError)")
        return ExecutionFailure(
            job.name,
            job.shown_as,
            cell,
            source,
            f"{type(exc).__name__}: {str(exc)[:300]}",
            kernel_did_not_start=cell == 0 and "before replying to kernel_info" in str(exc),
        )
    notebook = nbformat.read(job.output, as_version=4)
    clean_executed_notebook(notebook, job)
    write_compact(notebook, job.output)
    return None


def kernel_manager_class(socket_folder: str) -> type:
    """jupyter_client's kernel manager; with a ``socket_folder``, one whose kernel talks over
    Unix sockets in that folder instead of TCP ports on 127.0.0.1.

    For a TCP kernel jupyter_client picks five free ports by binding to port 0 and letting
    go, and the kernel binds them a moment later: a kernel started meanwhile by the build's
    other worker can take one. At 1 000 cases one kernel's heartbeat port was taken so
    ("Address already in use"), with a traceback on the build's console. A socket file named
    for one kernel cannot be taken by another; it is removed when the kernel shuts down, and
    with the zygote's folder if a build is killed.
    """
    from jupyter_client import AsyncKernelManager

    def socket_prefix() -> Path:  # jupyter_client adds "-<n>" for each of the five sockets
        return Path(socket_folder) / f"kernel-{uuid.uuid4().hex[:12]}"

    if not socket_folder or len(os.fsencode(f"{socket_prefix()}-99")) > UNIX_SOCKET_PATH_MAX:
        # A socket's path has at most 107 bytes (103 on macOS): in a deeper temporary folder
        # every forked kernel failed to start ("File name too long"); it takes TCP ports then.
        return AsyncKernelManager
    from traitlets import CaselessStrEnum, default

    class UnixSocketKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

        @default("ip")
        def _socket_path_prefix(self) -> str:
            return str(socket_prefix())

    return UnixSocketKernelManager


def write_compact(notebook: nbformat.NotebookNode, path: Path) -> None:
    """Write ``notebook`` as nbformat does (validated, keys sorted, text split into lines), but
    without its indentation: an executed case notebook is published with every case, and the
    indentation was 11 kB of each (docs/performance.md, "Published bytes per case"). The
    templates under ``notebooks/``, which people diff, keep nbformat's layout."""
    import nbformat

    compact = json.dumps(
        json.loads(nbformat.writes(notebook)), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    path.write_text(compact + "\n", encoding="utf-8")


def _last_started_cell(partial: Path) -> tuple[int, str]:
    """The cell that was running when execution stopped: the last one papermill started.

    papermill writes the partial notebook even when execution stops early.
    """
    import nbformat

    if not partial.is_file():
        return 0, ""
    notebook = nbformat.read(partial, as_version=4)
    started = [
        (index, cell)
        for index, cell in enumerate(notebook.cells)
        if cell.metadata.get("papermill", {}).get("start_time")
    ]
    if not started:
        return 0, ""
    index, cell = started[-1]
    return index + 1, cell.source


def clean_executed_notebook(notebook: nbformat.NotebookNode, job: NotebookJob) -> None:
    """Make an executed notebook publishable: title, hidden parameters, no paths or times.

    The cache key and the declared inputs are stored in the notebook's metadata, so the
    notebook says which inputs it was computed from.
    """
    notebook.cells[0].source = "# " + escape_myst(job.title)
    for cell in notebook.cells:
        tags = cell.metadata.setdefault("tags", [])
        if "injected-parameters" in tags:
            cell.id = "injected-parameters"  # papermill gives it a random id
            if "remove-cell" not in tags:
                tags.append("remove-cell")
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    papermill_meta = notebook.metadata.get("papermill", {})
    papermill_meta["input_path"] = job.template.as_posix()
    papermill_meta["output_path"] = job.published_as
    for key in ("start_time", "end_time", "duration", "environment_variables", "exception"):
        papermill_meta.pop(key, None)
    notebook.metadata["casebook"] = {"name": job.name, "cache_key": job.cache_key, "inputs": list(job.inputs)}
    if job.name != PORTFOLIO:
        notebook.metadata["casebook"]["case_id"] = job.name
    if job.orphan:
        # Case pages are linked from the case list and not listed in the table of contents.
        notebook.metadata["orphan"] = True


def refresh_template_outputs(root: Path, relative: Path) -> None:
    """Re-execute a template with its default parameters and store its outputs in place.

    nbval compares a fresh run with these stored outputs, so run this after changing what
    a report shows, and commit the notebook.
    """
    import nbformat

    template = root / relative
    executed = papermill_runner().execute_notebook(
        str(template),
        None,
        kernel_name=KERNEL_NAME,
        cwd=str(template.parent),
        progress_bar=False,
        extra_arguments=QUIET_KERNEL,
    )
    executed.metadata.pop("papermill", None)
    for cell in executed.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nbformat.write(executed, template)
