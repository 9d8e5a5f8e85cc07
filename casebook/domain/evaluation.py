"""The evaluated case: a case file, its exact figures and its rule outcomes, as plain data.

This is what the domain hands to everything downstream (case views, pages, open data,
the memo): no pandas, no IPython, nothing about how it will be shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from casebook.domain.finance import FinancingFigures, financing_figures
from casebook.domain.model import Case, load_case
from casebook.domain.reference import load_regional_actors, reference_dir_for
from casebook.domain.rules import CaseContext, RuleResult, evaluate


@dataclass(frozen=True)
class EvaluatedCase:
    """One case with everything computed from it."""

    case: Case
    figures: FinancingFigures
    results: tuple[RuleResult, ...]
    source: Path  # the case file it was computed from

    @property
    def needing_attention(self) -> tuple[RuleResult, ...]:
        """Rule results a reader must look at (see :attr:`Outcome.needs_attention`)."""
        return tuple(r for r in self.results if r.outcome.needs_attention)


def evaluate_case(case_path: str | Path, reference_dir: str | Path | None = None) -> EvaluatedCase:
    """Load, validate and compute one case.

    Reference data is read from ``reference_dir``, by default the ``reference`` folder
    beside the cases folder. Raises :class:`~casebook.domain.errors.CaseFileError` for a bad
    case file.
    """
    case = load_case(case_path)
    figures = financing_figures(case)
    actors = load_regional_actors(Path(reference_dir) if reference_dir else reference_dir_for(case_path))
    results = tuple(evaluate(CaseContext(case, figures, actors)))
    return EvaluatedCase(case, figures, results, Path(case_path))
