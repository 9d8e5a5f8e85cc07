"""A rebuild imports only what its work needs (issue #26, the fixed costs of a small rebuild).

Importing the notebook runner (papermill, nbformat, jupyter_client) and the document
renderers (python-docx; matplotlib and pandas through the report's charts and tables) took
about 1 s of the 1,8 s of a build with nothing to do. A build where only a hand-written page
changed executes no notebook and renders no document, so it must not import them; a build
that does execute and render still works (the rest of the suite).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import REFERENCE_EPOCH, copy_built_project

pytestmark = pytest.mark.e2e

HEAVY = ("pandas", "matplotlib", "papermill", "nbformat", "jupyter_client", "IPython", "docx")


def test_a_rebuild_after_a_page_edit_imports_no_notebook_runner_and_no_renderer(reference_project, tmp_path):
    root = copy_built_project(reference_project, tmp_path / "repo")
    page = root / "book" / "method.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nEn mening till.\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from casebook.cli import main\n"
        f"code = main(['--root', {str(root)!r}, 'build'])\n"
        f"print(code, sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**os.environ, "SOURCE_DATE_EPOCH": REFERENCE_EPOCH},
    )
    assert completed.returncode == 0, completed.stderr
    assert "0 körda" in completed.stderr, completed.stderr
    assert completed.stdout.splitlines()[-1] == "0 []"
    assert "En mening till." in (root / "_build" / "html" / "book" / "method.html").read_text(encoding="utf-8")
