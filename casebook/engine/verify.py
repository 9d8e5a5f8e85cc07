"""Re-execute every published case notebook and compare its outputs with the published ones.

nbval runs each notebook in a fresh kernel of this environment and compares every output
cell. The result is written to ``_build/verification.json``, which the site shows.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat

from casebook.engine.audit import sha256_file
from casebook.domain.errors import UserError
from casebook.engine.zygote import KERNEL_ENVIRONMENT

PUBLISHED_CASES = Path("_sources") / "book" / "cases"


@dataclass(frozen=True)
class Verification:
    case_id: str
    notebook_sha256: str
    reproduced: bool
    cells: int
    failed_cells: list[str]


def verify_site(root: Path, site: Path) -> list[Verification]:
    """Verify the published notebooks of ``site`` against the data under ``root``."""
    notebooks = sorted((site / PUBLISHED_CASES).glob("*.ipynb"))
    if not notebooks:
        raise UserError(f"Inga publicerade ärendesidor i {site}. Bygg webbplatsen först (make site).")
    with tempfile.TemporaryDirectory(prefix="casebook-verify-") as tmp:
        work = Path(tmp)
        # Case notebooks read ../data/cases/<id>.yaml relative to their folder, as in notebooks/.
        (work / "notebooks").mkdir()
        (work / "data").symlink_to(root.resolve() / "data", target_is_directory=True)
        for notebook in notebooks:
            shutil.copyfile(notebook, work / "notebooks" / notebook.name)
        report = work / "nbval.xml"
        subprocess.run(
            [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
             "-o", "addopts=", "-o", "testpaths=", "-o", "junit_family=xunit1", "--rootdir", str(work), "-q", f"--junitxml={report}", "notebooks"],
            # The same kernel environment as the build's kernels (hash seed, BLAS threads), as of the build date.
            cwd=work, capture_output=True, text=True, check=False, env={**_as_of_build(notebooks), **KERNEL_ENVIRONMENT},
        )
        if not report.is_file():
            raise UserError("nbval kunde inte köras; ingen rapport skrevs.")
        cells = _cell_results(report)
    return [
        Verification(
            case_id=n.stem,
            notebook_sha256=sha256_file(n),
            reproduced=bool(cells[n.name]) and not [c for c, ok in cells[n.name] if not ok],
            cells=len(cells[n.name]),
            failed_cells=[c for c, ok in cells[n.name] if not ok],
        )
        for n in notebooks
    ]


def _as_of_build(notebooks: list[Path]) -> dict[str, str]:
    """The environment to re-run in, as of the day the site was built.

    A page with a recorded follow-up is judged as of the build date (``SOURCE_DATE_EPOCH``
    or today, see ``casebook.domain.payments.as_of_date``) and is executed again on every new
    build day, so every such page carries the latest execution time the notebooks record.
    """
    env = dict(os.environ)
    if "SOURCE_DATE_EPOCH" in env:
        return env
    times = []
    for notebook in notebooks:
        audit = nbformat.read(notebook, as_version=4).metadata.get("papermill", {}).get("parameters", {}).get("audit")
        if audit and audit.get("executed_at"):
            times.append(dt.datetime.fromisoformat(audit["executed_at"].replace("Z", "+00:00")))
    if times:
        env["SOURCE_DATE_EPOCH"] = str(int(max(times).timestamp()))
    return env


def _cell_results(junit: Path) -> dict[str, list[tuple[str, bool]]]:
    """Per notebook file name, (cell name, passed) for every compared cell."""
    results: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for case in ET.parse(junit).getroot().iter("testcase"):
        notebook = Path(case.get("file") or case.get("classname", "").replace(".", "/")).name
        if not notebook.endswith(".ipynb"):
            notebook = Path(case.get("classname", "")).name + ".ipynb"
        passed = not any(child.tag in {"failure", "error"} for child in case)
        results[notebook].append((case.get("name", "?"), passed))
    return results


def write_verification(path: Path, results: list[Verification]) -> None:
    verified_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    data = {"verified_at": verified_at, "results": [asdict(r) for r in results]}
    # In GitHub Actions, the run that verified: the Verifiering page links it.
    if all(os.environ.get(name) for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")):
        data["run_url"] = f"{os.environ['GITHUB_SERVER_URL']}/{os.environ['GITHUB_REPOSITORY']}/actions/runs/{os.environ['GITHUB_RUN_ID']}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
