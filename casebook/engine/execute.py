"""Execute the case report notebook for one case with papermill, and clean the result.

The executed notebook is what the site publishes and what readers download, so it must
not carry build-machine paths or run times, and the injected parameters cell is removed
from the page (the ``remove-cell`` tag) while staying in the downloadable notebook.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat
import papermill

from casebook.engine.audit import TEMPLATE
from casebook.render.markup import escape_myst

KERNEL_NAME = "casebook"
PORTFOLIO_TEMPLATE = Path("notebooks") / "portfolio.ipynb"
TEMPLATES = (TEMPLATE, PORTFOLIO_TEMPLATE)
# The kernel's notices (it listens on loopback TCP; shutdown interrupts it) are not the analyst's
# concern; real errors still surface as execution errors.
QUIET_KERNEL = ["--IPKernelApp.log_level=CRITICAL"]


@dataclass(frozen=True)
class CaseJob:
    """Everything needed to execute one case; plain data, so it can go to a worker process."""

    root: Path
    case_id: str
    title: str
    output: Path
    audit: dict
    cache_key: str
    kernel_name: str = "casebook"


@dataclass(frozen=True)
class ExecutionFailure:
    """A case whose notebook raised while executing."""

    case_id: str
    cell: int  # 1-based position in the executed notebook
    source: str
    error: str

    def __str__(self) -> str:
        if not self.cell:
            return f"Ärendet {self.case_id} kunde inte köras: {self.error}"
        first_line = self.source.strip().splitlines()[0] if self.source.strip() else ""
        return f"Ärendet {self.case_id} misslyckades i cell {self.cell} ({first_line!r}): {self.error}"


def execute_case(job: CaseJob) -> ExecutionFailure | None:
    """Run the template for one case and write the cleaned notebook to ``job.output``.

    Runs with the notebooks folder as working directory, as an analyst's Jupyter does, so
    the parameter is the same relative path in both. Returns the failure, if any, rather
    than raising, so that results travel back from worker processes unchanged.
    """
    template = job.root / TEMPLATE
    parameters = {"case_path": f"../data/cases/{job.case_id}.yaml", "audit": job.audit}
    try:
        papermill.execute_notebook(
            str(template),
            str(job.output),
            parameters=parameters,
            kernel_name=job.kernel_name,
            cwd=str(template.parent),
            progress_bar=False,
            log_output=False,
            # The notebook is written once at the end, not after every cell.
            request_save_on_cell_execute=False,
            extra_arguments=QUIET_KERNEL,
        )
    except papermill.PapermillExecutionError as exc:
        return ExecutionFailure(job.case_id, exc.cell_index + 1, exc.source, f"{exc.ename}: {exc.evalue}")
    except Exception as exc:  # noqa: BLE001 - a broken template or kernel must not end the whole build
        return ExecutionFailure(job.case_id, 0, "", f"{type(exc).__name__}: {str(exc)[:300]}")
    notebook = nbformat.read(job.output, as_version=4)
    clean_executed_notebook(notebook, job.case_id, job.title, job.cache_key)
    # Case pages are linked from the case list and not listed in the table of contents.
    notebook.metadata["orphan"] = True
    nbformat.write(notebook, job.output)
    return None


def clean_executed_notebook(notebook: nbformat.NotebookNode, case_id: str, title: str, cache_key: str) -> None:
    """Make an executed notebook publishable: title, hidden parameters, no paths or times.

    The cache key is stored in the notebook's metadata, so the notebook says which inputs
    it was computed from.
    """
    notebook.cells[0].source = "# " + escape_myst(title)
    for cell in notebook.cells:
        tags = cell.metadata.setdefault("tags", [])
        if "injected-parameters" in tags:
            cell.id = "injected-parameters"  # papermill gives it a random id
            if "remove-cell" not in tags:
                tags.append("remove-cell")
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    papermill_meta = notebook.metadata.get("papermill", {})
    papermill_meta["input_path"] = TEMPLATE.as_posix()
    papermill_meta["output_path"] = f"book/cases/{case_id}.ipynb"
    for key in ("start_time", "end_time", "duration", "environment_variables", "exception"):
        papermill_meta.pop(key, None)
    notebook.metadata["casebook"] = {"case_id": case_id, "cache_key": cache_key}


def refresh_template_outputs(root: Path, relative: Path) -> None:
    """Re-execute a template with its default parameters and store its outputs in place.

    nbval compares a fresh run with these stored outputs, so run this after changing what
    a report shows, and commit the notebook.
    """
    template = root / relative
    executed = papermill.execute_notebook(
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


def execute_portfolio(root: Path, output: Path, kernel_name: str = KERNEL_NAME) -> ExecutionFailure | None:
    """Run the portfolio template over the repository's cases into ``output``."""
    template = root / PORTFOLIO_TEMPLATE
    try:
        papermill.execute_notebook(
            str(template),
            str(output),
            parameters={"cases_dir": "../data/cases", "reference_dir": "../data/reference"},
            kernel_name=kernel_name,
            cwd=str(template.parent),
            progress_bar=False,
            request_save_on_cell_execute=False,
            extra_arguments=QUIET_KERNEL,
        )
    except papermill.PapermillExecutionError as exc:
        return ExecutionFailure("portfölj", exc.cell_index + 1, exc.source, f"{exc.ename}: {exc.evalue}")
    except Exception as exc:  # noqa: BLE001 - reported like a failing case
        return ExecutionFailure("portfölj", 0, "", f"{type(exc).__name__}: {str(exc)[:300]}")
    notebook = nbformat.read(output, as_version=4)
    clean_executed_notebook(notebook, "portfolio", "Portfölj", "")
    notebook.metadata["papermill"]["input_path"] = PORTFOLIO_TEMPLATE.as_posix()
    notebook.metadata["papermill"]["output_path"] = "book/portfolio.ipynb"
    nbformat.write(notebook, output)
    return None
