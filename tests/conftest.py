"""Shared fixtures. Paths are relative to the repository root, found from this file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from casebook.domain.finance import financing_figures
from casebook.domain.model import Case, load_case
from casebook.domain.reference import load_national_agencies, load_regional_actors
from casebook.domain.rules import CaseContext, RuleResult, evaluate

REPO = Path(__file__).resolve().parents[1]
SPIN_PATH = REPO / "data" / "cases" / "rjh-2025-spin.yaml"
FICTIONAL_BASE_PATH = REPO / "tests" / "cases" / "fiktiv-bas.yaml"
REFERENCE_DIR = REPO / "data" / "reference"


def evaluate_case(case: Case) -> dict[str, RuleResult]:
    ctx = CaseContext(case, financing_figures(case), load_regional_actors(REFERENCE_DIR), load_national_agencies(REFERENCE_DIR))
    return {r.rule.id: r for r in evaluate(ctx)}


@pytest.fixture(scope="session")
def spin() -> Case:
    return load_case(SPIN_PATH)


@pytest.fixture(scope="session")
def fictional_base() -> Case:
    return load_case(FICTIONAL_BASE_PATH)


PROJECT_FILES = ("_config.yml", "_toc.yml", "book", "notebooks", "data")


def copy_project(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("cases", "_generated", ".ipynb_checkpoints"))
        else:
            shutil.copy2(source, target / name)
    (target / "data" / "cases").mkdir(exist_ok=True)
    for case in (REPO / "data" / "cases").glob("*.yaml"):
        shutil.copy2(case, target / "data" / "cases" / case.name)
    return target


def git(root: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", *args]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, check=True).stdout.strip()


def make_git_history(root: Path) -> None:
    """Two commits that touch the SPIN case file, so the page has a change history."""
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Lägg till SPIN")
    case = root / "data" / "cases" / "rjh-2025-spin.yaml"
    case.write_text(case.read_text(encoding="utf-8") + "# Granskad.\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "Granska SPIN")
