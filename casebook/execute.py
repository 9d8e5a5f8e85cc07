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
    cell: int | None
    error: str

    def __str__(self) -> str:
        where = f"cell {self.cell}" if self.cell is not None else "okänd cell"
        return f"Ärendet {self.case_id} misslyckades i {where}: {self.error}"


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
        )
    except papermill.PapermillExecutionError as exc:
        raise ExecutionFailure(case_id, exc.exec_count, f"{exc.ename}: {exc.evalue}") from None
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
