"""Reading a case file: its text (size, UTF-8), the strict YAML, the model's validation, and
every problem as a :class:`FieldProblem` in Swedish naming the field
(:mod:`casebook.domain.field_problems`). The format itself is :mod:`casebook.domain.model`.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pydantic import ValidationError

from casebook.domain.errors import CaseFileError, FieldProblem, UserError, printable
from casebook.domain.field_problems import field_problems, unreadable
from casebook.domain.model import AS_OF, CASE_ID_PATTERN, Case
from casebook.domain.yaml_reader import YamlProblem, decode_utf8, read_yaml

MAX_CASE_FILE_BYTES = 1_000_000
CASE_SUFFIX = ".yaml"


def is_case_file_name(name: str) -> bool:
    """Whether a file named ``name`` in the cases folder is a case file: ``<id>.yaml``, its name not
    starting with a dot (``._x.yaml``, macOS's metadata on other file systems, or a draft
    ``.utkast.yaml`` the analyst has hidden, is no case)."""
    return name.endswith(CASE_SUFFIX) and not name.startswith(".")


def list_case_files(cases_dir: str | Path) -> list[Path]:
    """The case files in ``cases_dir`` in a stable order (by file name): the one listing that
    check, build, serve, verify and the portfolio notebook all use."""
    folder = Path(cases_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if is_case_file_name(p.name) and p.is_file())


def load_case(path: str | Path, *, as_of: dt.date) -> Case:
    """Read and validate one case file; raise :class:`CaseFileError` naming file and fields.

    ``as_of``: the build date (the caller's, fixed once: :func:`casebook.domain.clock.as_of_date`);
    nothing that has happened may be dated after it.
    """
    path = Path(path)
    return parse_case(path, read_case_bytes(path), as_of=as_of)


def parse_case(path: Path, data: bytes, *, as_of: dt.date) -> Case:
    """The case that ``data``, the bytes read from the case file ``path``, holds (see :func:`load_case`)."""
    try:
        raw = decode_utf8(data)
    except YamlProblem as exc:
        raise CaseFileError(path, [FieldProblem(exc.place, exc.message)]) from None
    try:
        document = read_yaml(raw)
    except YamlProblem as exc:
        raise CaseFileError(path, [FieldProblem(exc.place, exc.message)]) from None
    if not isinstance(document, dict):
        raise CaseFileError(
            path, [FieldProblem("(hela filen)", "filen ska innehålla en YAML-mappning med ärendets fält")]
        )
    try:
        case = Case.model_validate(document, context={AS_OF: as_of})
    except ValidationError as exc:
        raise CaseFileError(path, field_problems(exc, raw, TO_FILL)) from None
    if case.id != path.stem:
        raise CaseFileError(
            path, [FieldProblem("id", f"'{case.id}' ska vara samma som filnamnet '{printable(path.stem, 80)}'")]
        )
    return case


def case_file_of(case: str | Path, start: Path | None = None) -> Path:
    """The case file that ``case`` names: a path as it is, or a case id (``rjh-2025-spin``)
    looked up as ``data/cases/<id>.yaml`` in ``start`` (by default the working directory) or
    the nearest folder above it that has one.

    So a notebook run by papermill or in JupyterLab finds its case from the project's root as
    well as from ``notebooks/``.
    """
    text = str(case)
    if not re.fullmatch(CASE_ID_PATTERN, text):
        return Path(case)
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        candidate = folder / "data" / "cases" / f"{text}.yaml"
        if candidate.is_file():
            return candidate
    raise UserError(f"Ärendet '{text}' finns inte: ingen data/cases/{text}.yaml i {start} eller någon mapp ovanför.")


def read_case_bytes(path: Path) -> bytes:
    """The bytes of the case file ``path``, once its size is known to be that of a case file."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CaseFileError(path, [unreadable(exc)]) from None
    if size == 0:
        raise CaseFileError(path, [FieldProblem("(hela filen)", "filen är tom")])
    if size > MAX_CASE_FILE_BYTES:
        raise CaseFileError(
            path, [FieldProblem("(hela filen)", f"filen är {size} byte, största tillåtna är {MAX_CASE_FILE_BYTES}")]
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CaseFileError(path, [unreadable(exc)]) from None


TO_FILL = {
    "title": "projektets namn, som i ansökan",
    "summary": "en eller två meningar om projektet, för ärendelistan",
    "decision_maker.name": "den region eller myndighet som beslutar om bidraget",
    "applicant.name": "den som sökte, projektägaren",
    "dates.application_received": "dagen ansökan kom in, ÅÅÅÅ-MM-DD",
    "dates.project_start": "projektperiodens första dag, ÅÅÅÅ-MM-DD",
    "dates.project_end": "projektperiodens sista dag, ÅÅÅÅ-MM-DD",
    "amount_applied_for": "sökt belopp i hela kronor",
    "financing_plan[].financier": "finansiärens namn; beslutsfattaren ska ha en rad",
    "financing_plan[].kind": "slag av medel, t.ex. regional_grant_2003_596",
    "financing_plan[].amount": "finansiärens belopp i hela kronor",
    "decision.share_percent": "andel av redovisade och godkända kostnader i procent med två decimaler, t.ex. 20.00",
    "decision.max_amount": 'högsta belopp i hela kronor, "dock max"',
    "decision.appropriation": "anslaget som bidraget betalas från",
    "decision.general_terms": "de allmänna villkor som gäller, med diarienummer",
    "decision.conditional_on_other_financing": "true om beslutet gäller under förutsättning att övrig finansiering ordnas",
    "source_document.title": "beslutsunderlagets titel",
}
"""What a required field that is still ``null`` asks for (``casebook new`` writes such blanks);
list positions are written ``[]``."""
