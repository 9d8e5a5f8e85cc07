"""The import direction of the layers (engine → render → domain) is checked by import-linter,
and the check fails when the domain reaches for pandas or for a rendering module."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(project: Path) -> subprocess.CompletedProcess:
    """import-linter over the package in ``project``, with that project's contracts."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(project / "pyproject.toml"), "--no-cache"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(project)},
    )


@pytest.fixture
def package_copy(tmp_path) -> Path:
    shutil.copytree(REPO / "casebook", tmp_path / "casebook", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_package_keeps_its_contracts():
    completed = _lint(REPO)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "4 kept, 0 broken" in completed.stdout


def test_the_copy_is_what_gets_checked(package_copy):
    assert _lint(package_copy).returncode == 0


def _add_import(package: Path, module: str, statement: str) -> None:
    path = package / "casebook" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{statement}  # noqa\n", encoding="utf-8")


def test_a_domain_module_importing_pandas_breaks_the_check(package_copy):
    _add_import(package_copy, "domain/finance.py", "import pandas")
    completed = _lint(package_copy)
    assert completed.returncode != 0
    assert "The domain imports no pandas" in completed.stdout and "BROKEN" in completed.stdout
    assert "casebook.domain.finance -> pandas" in completed.stdout


def test_a_domain_module_importing_a_rendering_module_breaks_the_check(package_copy):
    _add_import(package_copy, "domain/rules/ordinance.py", "from casebook.render import markup")
    completed = _lint(package_copy)
    assert completed.returncode != 0
    assert "Layers: cli, then engine, then render, then domain BROKEN" in " ".join(completed.stdout.split())


@pytest.mark.parametrize(
    "module, statement, cycle",
    [
        ("domain/rules/framework.py", "from casebook.domain.rules import ordinance", ".ordinance -> .framework"),
        ("render/tables.py", "from casebook.render import case_view", ".tables -> .case_view"),
    ],
)
def test_an_import_cycle_within_the_domain_or_render_breaks_the_check(package_copy, module, statement, cycle):
    _add_import(package_copy, module, statement)
    completed = _lint(package_copy)
    assert completed.returncode != 0
    assert "No import cycle among the modules of the domain, nor among those of render BROKEN" in " ".join(
        completed.stdout.split()
    )
    assert cycle in completed.stdout


def test_an_engine_stage_importing_the_build_breaks_the_engine_order(package_copy):
    _add_import(package_copy, "engine/execute.py", "from casebook.engine import build")
    completed = _lint(package_copy)
    assert completed.returncode != 0
    assert (
        "The engine's inner order: commands, build, stages, caches and plumbing, lifetime and paths BROKEN"
        in " ".join(completed.stdout.split())
    )
    assert "casebook.engine.execute -> casebook.engine.build" in completed.stdout


def test_no_module_of_the_package_builds_a_path_from_its_own_file():
    offenders = [
        str(p.relative_to(REPO))
        for p in (REPO / "casebook").rglob("*.py")
        if "__file__" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []
