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

from casebook.markup import escape_myst

KERNEL_NAME = "casebook"
TEMPLATE = Path("notebooks") / "case_report.ipynb"


@dataclass(frozen=True)
class ExecutionFailure(Exception):
    """A case whose notebook raised while executing."""

    case_id: str
    cell: int  # 1-based position in the notebook
    source: str
    error: str

    def __str__(self) -> str:
        first_line = self.source.strip().splitlines()[0] if self.source.strip() else ""
        return f"Ärendet {self.case_id} misslyckades i cell {self.cell} ({first_line!r}): {self.error}"


def execute_case(root: Path, case_id: str, title: str, output: Path) -> None:
    """Run the template for ``data/cases/<case_id>.yaml`` and write the cleaned notebook.

    Runs with the notebooks folder as working directory, as an analyst's Jupyter does, so
    the parameter is the same relative path in both.
    """
    template = root / TEMPLATE
    parameters = {"case_path": f"../data/cases/{case_id}.yaml"}
    try:
        papermill.execute_notebook(
            str(template),
            str(output),
            parameters=parameters,
            kernel_name=KERNEL_NAME,
            cwd=str(template.parent),
            progress_bar=False,
            log_output=False,
            # The kernel's start-up notices (it listens on loopback TCP) are not the
            # analyst's concern; real errors still surface as execution errors.
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
    except papermill.PapermillExecutionError as exc:
        raise ExecutionFailure(case_id, exc.cell_index + 1, exc.source, f"{exc.ename}: {exc.evalue}") from None
    notebook = nbformat.read(output, as_version=4)
    clean_executed_notebook(notebook, case_id, title)
    nbformat.write(notebook, output)


def clean_executed_notebook(notebook: nbformat.NotebookNode, case_id: str, title: str) -> None:
    """Make an executed notebook publishable: title, hidden parameters, no paths or times."""
    notebook.cells[0].source = "# " + escape_myst(title)
    for cell in notebook.cells:
        tags = cell.metadata.setdefault("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
        cell.metadata.pop("execution", None)
        cell.metadata.get("papermill", {}).clear()
    papermill_meta = notebook.metadata.get("papermill", {})
    papermill_meta["input_path"] = TEMPLATE.as_posix()
    papermill_meta["output_path"] = f"book/cases/{case_id}.ipynb"
    for key in ("start_time", "end_time", "duration", "environment_variables"):
        papermill_meta.pop(key, None)


def refresh_template_outputs(root: Path) -> None:
    """Re-execute the template with its default parameters and store its outputs in place.

    nbval compares a fresh run with these stored outputs, so run this after changing what
    the report shows, and commit the notebook.
    """
    template = root / TEMPLATE
    executed = papermill.execute_notebook(
        str(template),
        None,
        kernel_name=KERNEL_NAME,
        cwd=str(template.parent),
        progress_bar=False,
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    executed.metadata.pop("papermill", None)
    for cell in executed.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nbformat.write(executed, template)
