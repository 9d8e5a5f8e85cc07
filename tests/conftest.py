"""Shared fixtures. Paths are relative to the repository root, found from this file."""

from __future__ import annotations

from pathlib import Path

import pytest

from casebook.finance import financing_figures
from casebook.model import Case, load_case
from casebook.reference import load_regional_actors
from casebook.rules import CaseContext, RuleResult, evaluate

REPO = Path(__file__).resolve().parents[1]
SPIN_PATH = REPO / "data" / "cases" / "rjh-2025-spin.yaml"
FICTIONAL_BASE_PATH = REPO / "tests" / "cases" / "fiktiv-bas.yaml"
REFERENCE_DIR = REPO / "data" / "reference"


def evaluate_case(case: Case) -> dict[str, RuleResult]:
    ctx = CaseContext(case, financing_figures(case), load_regional_actors(REFERENCE_DIR))
    return {r.rule.id: r for r in evaluate(ctx)}


@pytest.fixture(scope="session")
def spin() -> Case:
    return load_case(SPIN_PATH)


@pytest.fixture(scope="session")
def fictional_base() -> Case:
    return load_case(FICTIONAL_BASE_PATH)
