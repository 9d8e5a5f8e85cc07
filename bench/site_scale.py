"""Site-only build time as the number of case pages grows (Jupyter Book alone, no execution).

Copies one executed case notebook N times under fictional titles, next to the real book
pages, and times a full ``jupyter-book build --all`` with the project's configuration for
each N, one after the other in one run. Usage: ``python -m bench.site_scale NOTEBOOK N...``
(NOTEBOOK: an executed case notebook, e.g. ``_build/cache/cases/rjh-2025-spin.ipynb``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]


def site_seconds(executed: Path, n: int, work: Path) -> float:
    root = work / f"site-{n}"
    shutil.copytree(REPO / "book", root / "book", ignore=shutil.ignore_patterns("cases", "_generated"))
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(REPO / name, root / name)
    notebook = nbformat.read(executed, as_version=4)
    (root / "book" / "cases").mkdir()
    for i in range(n):
        notebook.cells[0].source = f"# FIKTIVT ärende {i:04d}"
        nbformat.write(notebook, root / "book" / "cases" / f"fiktiv-{i:04d}.ipynb")
    shutil.copy2(executed, root / "book" / "portfolio.ipynb")
    generated = root / "book" / "_generated"
    (generated / "extra" / "data").mkdir(parents=True)
    for name in ("case_table.md", "rule_catalogue.md", "open_data_table.md", "verification.md"):
        (generated / name).write_text("Text.\n", encoding="utf-8")
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", "--all", str(root)],
                   check=True, capture_output=True)
    return time.perf_counter() - started


if __name__ == "__main__":
    executed, sizes = Path(sys.argv[1]), [int(a) for a in sys.argv[2:]]
    with tempfile.TemporaryDirectory() as tmp:
        seconds = {n: site_seconds(executed, n, Path(tmp)) for n in sizes}
    print(json.dumps({"seconds": seconds, "growth": seconds[sizes[-1]] / seconds[sizes[0]]}, indent=2))
