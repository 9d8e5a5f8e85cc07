"""Execution cache: re-execute a notebook only when something it depends on changed.

Every executed notebook declares its inputs (:class:`NotebookInputs`): the files it reads,
its template included, and for a case page its change history. Its key is a SHA-256 over
those inputs and over the environment that shapes its outputs: the Python version and
the *installed* versions of the packages in :data:`casebook.engine.audit.OUTPUT_PACKAGES`
(what the audit trail shows, not what a requirement file asks for). Jupyter Book's own
cache hashes only code cells and would miss a changed data file, so it is not used.
"""

from __future__ import annotations

import ast
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from casebook.engine import artifacts
from casebook.engine.audit import package_versions
from casebook.engine.paths import ProjectPaths

PORTFOLIO = "_portfolio"  # cache entry of the portfolio; case ids cannot start with "_"


@dataclass(frozen=True)
class NotebookInputs:
    """What one executed notebook depends on: files by their project-relative names, plus data."""

    files: tuple[tuple[str, Path], ...]
    data: str = ""  # e.g. the case file's change history, as JSON
    # Files that many notebooks share (the case template, its code, the reference data):
    # hashed once for all of them, as this one object's digest is kept.
    shared: artifacts.Inputs | None = None
    # Case files as the build checked them: (name, SHA-256), keyed by that digest (artifacts.Inputs.checked).
    checked: tuple[tuple[str, bytes], ...] = ()

    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in (*self.files, *(self.shared.files if self.shared else ())))

    def key(self, environment: dict[str, str]) -> str:
        """The key of the artifact cache (:class:`casebook.engine.artifacts.Inputs`) over the files,
        the shared files, the data and ``environment`` (:func:`environment`)."""
        return artifacts.Inputs(
            files=self.files,
            data=(
                ("environment", json.dumps(environment, sort_keys=True).encode()),
                ("data", self.data.encode()),
            ),
            shared=self.shared,
            checked=self.checked,
        ).key()


def environment() -> dict[str, str]:
    """The Python version and the installed versions of the packages that shape outputs."""
    return package_versions()


def _files(paths: ProjectPaths, files: list[Path]) -> tuple[tuple[str, Path], ...]:
    return tuple((paths.relative(p), p) for p in files)


# The build's own code that shapes every stored notebook outside its cells: its parameters
# (plan, the audit record), its kernel (the zygote imports the report modules before it forks
# one, and sets the kernel's environment) and the cleaning of what papermill wrote (execute).
EXECUTION_CODE = ("casebook.engine.plan", "casebook.engine.audit", "casebook.engine.zygote", "casebook.engine.execute")


def notebook_code(paths: ProjectPaths, template: Path) -> list[Path]:
    """The package's code that makes the notebook ``template``: the modules its code cells import,
    :data:`EXECUTION_CODE`, and what they import (:func:`casebook.engine.artifacts.code_of`). A
    cell that is not plain Python (a magic) could import anything: then the whole package."""
    notebook = json.loads((paths.root / template).read_text(encoding="utf-8"))
    modules: list[str] = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            try:
                tree = ast.parse("".join(cell["source"]))
            except SyntaxError:
                return paths.package_sources()
            modules += artifacts.names_imported_by(tree)
    return [path for _, path in artifacts.code_of(paths.package_dir, [*modules, *EXECUTION_CODE])]


def shared_case_inputs(paths: ProjectPaths, template: Path) -> artifacts.Inputs:
    """The files every case page shares: the case template, the code it runs, the reference data.

    One object for the cases of one plan: its digest is computed once and kept, so keying N
    cases looks up N case files and these once, not N times.
    """
    return artifacts.Inputs(
        files=_files(paths, [paths.root / template, *notebook_code(paths, template), *paths.reference_files()])
    )


def case_inputs(
    paths: ProjectPaths,
    template: Path,
    case_id: str,
    history: list[dict[str, str]],
    as_of: str = "",
    shared: artifacts.Inputs | None = None,
    source_document: str | None = None,
    case_sha256: str | None = None,
) -> NotebookInputs:
    """A case page: its case file and history, its source document, the case template, the code
    it runs (:func:`notebook_code`), the reference data.

    ``as_of`` is the build date for a page that is judged on it (a recorded follow-up: an
    overdue final report), else empty; such a page is executed again on a new build day.
    ``shared``: :func:`shared_case_inputs`, when the caller plans many cases (listed once, not per case).
    ``source_document``: the name of the file in ``data/sources/`` that the case names, when the
    repository has it (``casebook.render.opendata.source_document_file``): the page links to the
    published copy only then, so adding or removing it executes the page again (its content is
    not on the page: the open data publish it, and ``verify`` compares it there).
    ``case_sha256``: the SHA-256 of the case file's bytes the build checked
    (:attr:`~casebook.domain.evaluation.EvaluatedCase.source_sha256`): the key names those, not
    the file as it is when keyed (saved since, it would key the checked page by other bytes).
    """
    shared = shared if shared is not None else shared_case_inputs(paths, template)
    data = json.dumps(history, sort_keys=True) + (f"\0as-of\0{as_of}" if as_of else "")
    data += f"\0source-document\0{source_document}" if source_document else ""
    files = _files(paths, [paths.case_file(case_id)])
    checked = ((files[0][0], bytes.fromhex(case_sha256)),) if case_sha256 else ()
    return NotebookInputs(files, data, shared, checked)


def portfolio_inputs(
    paths: ProjectPaths, template: Path, as_of: str, case_sha256: dict[Path, str] | None = None
) -> NotebookInputs:
    """The portfolio: every case file, the portfolio template, the code it runs, the reference
    data, and the build date (overdue final reports, projects closing soon). ``case_sha256``:
    the digests of the case files' bytes as the build checked them, by path (see :func:`case_inputs`)."""
    files = [*paths.case_files(), paths.root / template, *notebook_code(paths, template), *paths.reference_files()]
    checked = tuple((paths.relative(p), bytes.fromhex(d)) for p, d in (case_sha256 or {}).items())
    return NotebookInputs(_files(paths, files), f"as-of\0{as_of}", checked=checked)


class ExecutionCache:
    """Executed notebooks by name (case id or :data:`PORTFOLIO`), each with the key it was executed under.

    Each entry's key file also records the notebook's SHA-256 (:mod:`casebook.engine.artifacts`):
    a notebook edited or damaged since it was stored is removed, with a warning, and executed again.
    """

    def __init__(self, paths: ProjectPaths):
        self.dir = paths.cache_dir

    def notebook(self, name: str) -> Path:
        return self.dir / f"{name}.ipynb"

    def audit_file(self, name: str) -> Path:
        """The audit record a case notebook was executed with, beside it (the portfolio has none)."""
        return self.dir / f"{name}.json"

    def _key_file(self, name: str) -> Path:
        return self.dir / f"{name}.key"

    def _files(self, name: str) -> tuple[Path, ...]:
        return (self.notebook(name),) if name == PORTFOLIO else (self.notebook(name), self.audit_file(name))

    def is_fresh(self, name: str, key: str) -> bool:
        """Stored under ``key``, and the notebook (and a case's audit record) are the ones stored."""
        shown_as = "portföljen" if name == PORTFOLIO else f"anteckningsboken för ärendet {name}"
        return artifacts.is_current(self._key_file(name), key, self._files(name), shown_as)

    def store(self, name: str, key: str, executed: Path, audit: dict | None = None) -> None:
        """Store an executed notebook, and for a case the audit record it was executed with; the
        key is written last, so an interrupted store is never fresh."""
        files = {self.notebook(name): Path(executed).read_bytes()}
        if name != PORTFOLIO:
            files[self.audit_file(name)] = json.dumps(audit, ensure_ascii=False, sort_keys=True).encode()
        artifacts.store(self._key_file(name), key, files)

    def audit(self, name: str) -> dict | None:
        """The audit record the case ``name`` was executed with, as stored beside its notebook (the
        report PDF shows it): read from this small file, not out of the whole notebook."""
        return json.loads(self.audit_file(name).read_text(encoding="utf-8"))

    def copy_entries(self, names: list[str], target: Path) -> None:
        """Copy the named entries (their files and key) to ``target``, a cache folder of the same layout."""
        target.mkdir(parents=True, exist_ok=True)
        for name in names:
            for path in (*self._files(name), self._key_file(name)):
                shutil.copyfile(path, target / path.name)

    def prune(self, keep: set[str]) -> None:
        """Forget notebooks that no longer exist, so a removed case leaves nothing behind."""
        artifacts.prune(self.dir, keep)
