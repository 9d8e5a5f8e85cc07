"""The analyst's route to one case's notebook, as documented: papermill with ``-p case_id``,
from the project's root and from ``notebooks/``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import add_fictional_case, copy_project

PAPERMILL = str(Path(sys.executable).parent / "papermill")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("analyst") / "repo")
    add_fictional_case(root, "fiktiv-analys")
    return root


def _outputs(notebook: Path) -> str:
    executed = nbformat.read(notebook, as_version=4)
    return "\n".join(
        str(output.get("data", output.get("text", ""))) for cell in executed.cells for output in cell.get("outputs", [])
    )


@pytest.mark.parametrize("folder", [".", "notebooks"], ids=["from-the-root", "from-notebooks"])
def test_papermill_runs_the_case_named_by_its_id(project, tmp_path, folder):
    template = "notebooks/case_report.ipynb" if folder == "." else "case_report.ipynb"
    out = tmp_path / "out.ipynb"
    completed = subprocess.run(
        [PAPERMILL, template, str(out), "-p", "case_id", "fiktiv-analys"],
        cwd=project / folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    shown = _outputs(out)
    assert "FIKTIVT TESTÄRENDE" in shown and "SPIN" not in shown


def test_an_unknown_case_id_says_where_it_looked(project, tmp_path):
    completed = subprocess.run(
        [PAPERMILL, "notebooks/case_report.ipynb", str(tmp_path / "out.ipynb"), "-p", "case_id", "fiktiv-finns-inte"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert completed.returncode != 0
    assert "Ärendet 'fiktiv-finns-inte' finns inte: ingen data/cases/fiktiv-finns-inte.yaml" in completed.stderr
