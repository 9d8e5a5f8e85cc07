"""The evaluated case: a case file, its exact figures and its rule outcomes, as plain data.

This is what the domain hands to everything downstream (case views, pages, open data,
the memo): no pandas, no IPython, nothing about how it will be shown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from casebook.domain import wording
from casebook.domain.case_file import parse_case, read_case_bytes
from casebook.domain.errors import CaseFileChanged, CaseFileError, FieldProblem, field_path
from casebook.domain.finance import FinancingFigures, financing_figures
from casebook.domain.model import Case, FinancierKind
from casebook.domain.reference import NationalAgency, load_national_agencies, load_regional_actors, reference_dir_for
from casebook.domain.rules import CaseContext, RuleResult, evaluate


@dataclass(frozen=True)
class EvaluatedCase:
    """One case with everything computed from it."""

    case: Case
    figures: FinancingFigures
    results: tuple[RuleResult, ...]
    source: Path  # the case file it was computed from
    as_of: dt.date  # the build date it was judged on (a follow-up's deadlines), fixed once per build
    # The SHA-256 of the bytes it was computed from, read once: what the documents, the open
    # data, the audit trail and the case's notebook must find in the file (case_file_bytes).
    source_sha256: str

    @property
    def needing_attention(self) -> tuple[RuleResult, ...]:
        """Rule results a reader must look at (see :attr:`casebook.domain.rules.Outcome.needs_attention`)."""
        return tuple(r for r in self.results if r.outcome.needs_attention)


def evaluate_case(case_path: str | Path, reference_dir: str | Path | None = None, *, as_of: dt.date) -> EvaluatedCase:
    """Load, validate and compute one case, judged as of the build date ``as_of``.

    Reference data is read from ``reference_dir``, by default the ``reference`` folder
    beside the cases folder. Raises :class:`~casebook.domain.errors.CaseFileError` for a bad
    case file, including one that contradicts the reference data (see
    :func:`check_against_reference`) and one whose hand-written proposal states other figures
    than the case (see :func:`casebook.domain.wording.proposal_problems`).
    """
    data = read_case_bytes(Path(case_path))
    case = parse_case(Path(case_path), data, as_of=as_of)
    reference = Path(reference_dir) if reference_dir else reference_dir_for(case_path)
    agencies = load_national_agencies(reference)
    check_against_reference(case, Path(case_path), agencies)
    if problems := wording.proposal_problems(case):
        raise CaseFileError(Path(case_path), problems)
    figures = financing_figures(case)
    results = tuple(evaluate(CaseContext(case, figures, load_regional_actors(reference), agencies, as_of)))
    return EvaluatedCase(case, figures, results, Path(case_path), as_of, hashlib.sha256(data).hexdigest())


def case_file_bytes(evaluated: EvaluatedCase) -> bytes:
    """The bytes of the case file ``evaluated`` was computed from, read again (a document
    attaches them, the open data publish them); :class:`CaseFileChanged` if they are no longer
    those bytes, so nothing shows one version of a case beside figures from another."""
    try:
        data = evaluated.source.read_bytes()
    except OSError:
        raise CaseFileChanged(evaluated.source) from None
    if hashlib.sha256(data).hexdigest() != evaluated.source_sha256:
        raise CaseFileChanged(evaluated.source)
    return data


def changed_case_files(cases: list[EvaluatedCase]) -> list[Path]:
    """The case files of ``cases`` whose bytes are no longer those their case was computed from (or that are gone)."""
    changed = []
    for evaluated in cases:
        try:
            case_file_bytes(evaluated)
        except CaseFileChanged:
            changed.append(evaluated.source)
    return changed


def check_against_reference(case: Case, path: Path, agencies: tuple[NationalAgency, ...]) -> None:
    """Refuse national 2003:596 money from anyone who is not a granting agency in the reference data.

    5 § lets grants reach 100 % only when Tillväxtverket is one of the grantors, so a line of
    that kind must name the agency itself (by name or alias), never another authority.
    """
    known = {name for agency in agencies for name in agency.names}
    problems = [
        FieldProblem(
            field_path("financing_plan", index, "financier"),
            f"'{line.financier}' har slaget {FinancierKind.NATIONAL_GRANT_2003_596.value} men är inte en myndighet "
            f"som beslutar om nationella medel enligt förordning (2003:596) i referensdata "
            f"(data/reference/national_agencies.yaml: {', '.join(sorted(known)) or 'inga'}). "
            "Ange rätt finansiär eller ett annat slag av medel, till exempel other_public",
        )
        for index, line in enumerate(case.financing_plan)
        if line.kind is FinancierKind.NATIONAL_GRANT_2003_596 and line.financier not in known
    ]
    if problems:
        raise CaseFileError(path, problems)
