"""Execution cache: re-execute a case only when something it depends on changed.

A case's key is a SHA-256 over everything its executed notebook depends on: its case
file, its change history, the notebook template, the package's code (rules included), the
reference data and the pinned requirements. Jupyter Book's own cache hashes only code
cells and would miss a changed data file, so it is not used.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from casebook.engine.audit import PACKAGE_DIR, REFERENCE_FILES, TEMPLATE, case_file

REQUIREMENTS = (Path("requirements.txt"), Path("constraints.txt"))
CACHE_DIR = Path("_build") / "cache" / "cases"


def shared_inputs(root: Path) -> list[tuple[str, Path]]:
    """Inputs every case depends on, with a stable name for each."""
    inputs = [(TEMPLATE.as_posix(), root / TEMPLATE)]
    inputs += [(f"casebook/{p.relative_to(PACKAGE_DIR).as_posix()}", p) for p in sorted(PACKAGE_DIR.rglob("*.py"))]
    inputs += [(p.as_posix(), root / p) for p in REFERENCE_FILES]
    inputs += [(p.as_posix(), root / p) for p in REQUIREMENTS if (root / p).exists()]
    return inputs


def shared_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for name, path in shared_inputs(root):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def case_key(root: Path, case_id: str, shared: str, history: list[dict[str, str]], as_of: str = "") -> str:
    """``as_of`` is the build date for a page that is judged on it (a recorded follow-up), else empty."""
    digest = hashlib.sha256(shared.encode())
    digest.update((root / case_file(case_id)).read_bytes())
    digest.update(json.dumps(history, sort_keys=True).encode())
    if as_of:
        digest.update(b"\0as-of\0" + as_of.encode())
    return digest.hexdigest()


class ExecutionCache:
    """Executed notebooks by case id, each with the key it was executed under."""

    def __init__(self, root: Path):
        self.dir = root / CACHE_DIR

    def notebook(self, case_id: str) -> Path:
        return self.dir / f"{case_id}.ipynb"

    def _key_file(self, case_id: str) -> Path:
        return self.dir / f"{case_id}.key"

    def is_fresh(self, case_id: str, key: str) -> bool:
        key_file = self._key_file(case_id)
        return self.notebook(case_id).is_file() and key_file.is_file() and key_file.read_text() == key

    def store(self, case_id: str, key: str, executed: Path) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(executed, self.notebook(case_id))
        self._key_file(case_id).write_text(key)

    def prune(self, keep: set[str]) -> None:
        """Forget cases that no longer exist, so a removed case leaves nothing behind."""
        if not self.dir.is_dir():
            return
        for path in self.dir.iterdir():
            if path.stem not in keep:
                path.unlink()
