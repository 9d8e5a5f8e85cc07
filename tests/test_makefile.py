"""The Makefile's targets as a new region uses them: `make lab` passes options on, `make verify`
works right after `make site` on a fresh clone (it installs what it needs)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO


def _make(root: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("MAKE", "VIRTUAL_ENV"))}
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        env=environment,
    )


def test_make_lab_passes_options_on_to_jupyterlab():
    done = _make(REPO, "-n", "lab", "ARGS=--port 8899 --no-browser")
    assert done.returncode == 0, done.stderr
    assert ".venv/bin/jupyter lab --port 8899 --no-browser notebooks/case_report.ipynb" in done.stdout.splitlines()


def test_every_requirement_set_is_installed_by_its_target():
    verify = (REPO / "requirements-verify.txt").read_text(encoding="utf-8").splitlines()
    assert "-r requirements.txt" in verify and any(line.startswith("nbval==") for line in verify)
    assert "-r requirements-verify.txt" in (REPO / "requirements-test.txt").read_text(encoding="utf-8").splitlines()
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "verify: $(VENV)/.verify\n" in makefile
    # uv installs every set and this package, with .pyc written at install and hashes checked against
    # constraints.txt; pip is run only once, by the venv's own pip, for the two installers.
    done = _make(REPO, "-n", "-B", ".venv/.test", ".venv/.lab")  # every command, as on a fresh clone
    assert done.returncode == 0, done.stderr
    install = ".venv/bin/uv pip install --quiet --python .venv/bin/python --compile-bytecode "
    commands = [line for line in done.stdout.splitlines() if line.startswith(".venv/bin/")]
    assert commands == [
        ".venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps"
        " -r requirements-install.txt",
        install + "-r requirements.txt -c constraints.txt",
        install + "--no-deps --no-build-isolation -e .",
        '.venv/bin/python -m ipykernel install --sys-prefix --name casebook --display-name "Python (casebook)"',
        install + "-r requirements-verify.txt -c constraints.txt",
        install + "-r requirements-test.txt -c constraints.txt",
        install + "-r requirements-lab.txt -c constraints.txt",
    ]


@pytest.mark.e2e  # creates a virtual environment, builds the site and verifies it: several minutes
def test_make_verify_works_right_after_make_site_on_a_fresh_clone(tmp_path):
    clone = tmp_path / "klon"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True, timeout=300)
    # The working tree's changes too, when the tests run before a commit (CI runs on a clean clone).
    for name in (
        "Makefile",
        "requirements-install.txt",
        "requirements.txt",
        "requirements-verify.txt",
        "constraints.txt",
        "casebook",
        "notebooks",
        "data",
        "book",
        "_config.yml",
        "_toc.yml",
        "pyproject.toml",
    ):
        source, target = REPO / name, clone / name
        if source.is_dir():
            shutil.rmtree(target)
            generated = ("cases", "_generated") if name == "book" else ()
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", *generated))
        else:
            shutil.copy2(source, target)
    site = _make(clone, "site", timeout=2400)
    assert site.returncode == 0, site.stdout[-3000:] + site.stderr[-3000:]
    verify = _make(clone, "verify", timeout=2400)
    assert verify.returncode == 0, verify.stdout[-3000:] + verify.stderr[-3000:]
    assert "Det publicerade ärendet reproducerades." in verify.stderr
    assert (clone / ".venv" / "bin" / "pytest").is_file()  # installed by make verify, not by make site


def test_make_test_and_test_fast_run_the_static_checks_first():
    for target in ("test", "test-fast"):
        done = _make(
            REPO, "-n", "-o", ".venv/.test", "-o", "chromium", "-o", "libreoffice", target
        )  # the commands of the target itself
        assert done.returncode == 0, done.stderr
        commands = [line for line in done.stdout.splitlines() if line.startswith(".venv/bin/")]
        assert commands[:5] == [
            ".venv/bin/ruff check .",
            ".venv/bin/ruff format --check .",
            ".venv/bin/mypy",
            ".venv/bin/lint-imports",
            ".venv/bin/python -m pytest" + (' -m "not e2e"' if target == "test-fast" else f" -n {os.cpu_count() + 1}"),
        ]
        # Both install Chromium when it is missing: test-fast has the search's browser tests too.
        done = _make(REPO, "-n", "-o", ".venv/.test", "-o", "libreoffice", "CASEBOOK_CHROMIUM=/nonexistent", target)
        assert done.returncode == 0, done.stderr
        assert 'test -x "/nonexistent"' in done.stdout


def _pins(text: str) -> dict[str, str]:
    """Name → version of every `name==version` line (names normalised as pip compares them)."""
    pins = {}
    for line in text.splitlines():
        match = re.match(r"([A-Za-z0-9._-]+)(?:\[[^]]*\])?==([^\s;\\]+)", line)
        if match:
            pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return pins


def test_constraints_pin_every_requirement_at_its_version_with_hashes():
    constraints = (REPO / "constraints.txt").read_text(encoding="utf-8")
    pinned = _pins(constraints)
    # Every entry carries the hashes that pip checks (a hand-edited line would have none).
    entries = re.split(r"\n(?=[A-Za-z])", constraints.split("\n", 2)[2])
    assert len(entries) == len(pinned) and all("--hash=sha256:" in entry for entry in entries)
    for name in (
        "requirements.txt",
        "requirements-verify.txt",
        "requirements-test.txt",
        "requirements-lab.txt",
        "requirements-install.txt",
    ):
        for package, version in _pins((REPO / name).read_text(encoding="utf-8")).items():
            assert pinned.get(package) == version, (name, package, version, pinned.get(package))
    # The installers that the venv's own pip installs first, each with every hash constraints.txt has for it.
    installers = (REPO / "requirements-install.txt").read_text(encoding="utf-8")
    assert _pins(installers) == {"pip": pinned["pip"], "uv": pinned["uv"]}
    for entry in re.split(r"\n(?=[A-Za-z])", installers.split("\n", 2)[2]):
        name = entry.split("==")[0]
        [same] = [other for other in entries if other.startswith(name + "==")]
        assert set(re.findall(r"sha256:\w+", entry)) == set(re.findall(r"sha256:\w+", same)) != set(), name
