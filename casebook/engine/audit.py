"""The audit trail of a case page: what it was computed from, with what, and when.

The build collects an :class:`AuditRecord` for each case it executes and passes it to the
notebook as a parameter, so the record is part of the executed notebook and of its
outputs. Paths are repository-relative; nothing names the build machine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from casebook.engine.paths import ProjectPaths

# The packages whose installed versions shape a page's outputs: shown in the audit trail and
# part of every execution cache key (casebook.engine.cache).
OUTPUT_PACKAGES = ("casebook", "jupyter-book", "myst-nb", "papermill", "nbformat", "ipykernel", "ipython",
                   "pandas", "numpy", "matplotlib", "babel", "pydantic", "PyYAML")


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def input_files(paths: ProjectPaths, template: Path, case_id: str) -> list[tuple[str, Path]]:
    """(label, file) for every input shown in the audit trail."""
    entries = [
        ("Ärendefil", paths.case_file(case_id)),
        ("Mall för ärenderapporten", paths.root / template),
        ("Regeldefinitioner", paths.package_dir / "domain" / "rules.py"),
    ]
    entries += [("Referensdata", p) for p in paths.reference_files()]
    return entries


def execution_time() -> str:
    """UTC time of execution; ``SOURCE_DATE_EPOCH`` fixes it for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _git(root: Path, *args: str) -> str | None:
    try:
        completed = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return completed.stdout if completed.returncode == 0 else None


def git_commit(root: Path) -> str | None:
    out = _git(root, "rev-parse", "HEAD")
    return out.strip() if out else None


def change_history(paths: ProjectPaths, case_id: str) -> list[dict[str, str]]:
    """Commits that changed the case file, newest first; uncommitted changes first of all."""
    root = paths.root
    path = paths.relative(paths.case_file(case_id))
    history = []
    status = _git(root, "status", "--porcelain", "--", path)
    if status and status.strip():
        history.append({"commit": "", "date": "", "message": "Ändringar som inte är incheckade"})
    log = _git(root, "log", "--follow", "--format=%h%x1f%ad%x1f%s", "--date=short", "--", path) or ""
    for line in log.splitlines():
        commit, date, message = line.split("\x1f", 2)
        history.append({"commit": commit, "date": date, "message": message})
    return history


def package_versions() -> dict[str, str]:
    versions = {"Python": platform.python_version()}
    for name in OUTPUT_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "saknas"
    return versions


def recorded_audit(notebook: Path) -> dict | None:
    """The audit record an executed case notebook was run with (papermill keeps its parameters), if any."""
    metadata_ = json.loads(Path(notebook).read_text(encoding="utf-8")).get("metadata", {})
    return metadata_.get("papermill", {}).get("parameters", {}).get("audit")


def audit_record(
    paths: ProjectPaths, template: Path, case_id: str, commit: str | None, history: list[dict[str, str]]
) -> dict:
    """Everything the case page's audit section shows, as plain JSON-able data."""
    return {
        "inputs": [
            {"label": label, "path": paths.relative(file), "sha256": sha256_file(file)}
            for label, file in input_files(paths, template, case_id)
        ],
        "commit": commit,
        "versions": package_versions(),
        "executed_at": execution_time(),
        "history": history,
    }
