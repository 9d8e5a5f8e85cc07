"""Stage 1 of a build, and all of ``casebook check``: validate every case file.

Kept apart from the rest of the engine so that checking imports only the domain (no
pandas, matplotlib, papermill or IPython) and stays fast.
"""

from __future__ import annotations

from pathlib import Path

from casebook.domain.errors import CaseFileError, FieldProblem, UserError
from casebook.domain.evaluation import EvaluatedCase, evaluate_case
from casebook.engine.paths import CASE_SUFFIX, ProjectPaths


def validate_all(paths: ProjectPaths) -> list[EvaluatedCase]:
    """Load, validate and compute every case; report every bad file at once."""
    files = paths.case_files()
    errors: list[CaseFileError] = [
        CaseFileError(p, [FieldProblem("(filnamn)", f"ärendefiler ska sluta på {CASE_SUFFIX}; byt namn till {p.stem}{CASE_SUFFIX}")])
        for p in paths.misnamed_case_files()
    ]
    if not files and not errors:
        raise UserError(f"Inga ärendefiler (*{CASE_SUFFIX}) i {paths.relative(paths.cases_dir)}.")
    evaluated = []
    for path in files:
        try:
            evaluated.append(evaluate_case(path, paths.reference_dir))
        except CaseFileError as exc:
            errors.append(exc)
    errors += _duplicate_ids(files)
    if errors:
        raise UserError("\n\n".join(e.render() for e in errors) + "\n\nInget har körts och webbplatsen är oförändrad.")
    return evaluated


def _declared_id(path: Path) -> str | None:
    """The top-level ``id:`` of a case file as written, read without parsing the whole file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():
        if line.startswith("id:"):
            return line[3:].split("#")[0].strip().strip("'\"") or None
    return None


def _duplicate_ids(files: list[Path]) -> list[CaseFileError]:
    """One error per file that declares an id another file already has, naming both files.

    The file named after the id keeps it; the others are the duplicates.
    """
    by_id: dict[str, list[Path]] = {}
    for path in files:
        case_id = _declared_id(path)
        if case_id is not None:
            by_id.setdefault(case_id, []).append(path)
    errors = []
    for case_id, paths in by_id.items():
        if len(paths) < 2:
            continue
        owner = next((p for p in paths if p.stem == case_id), paths[0])
        errors += [
            CaseFileError(path, [FieldProblem("id", f"'{case_id}' finns redan i {owner.name}: två ärendefiler har samma id")])
            for path in paths if path != owner
        ]
    return errors
