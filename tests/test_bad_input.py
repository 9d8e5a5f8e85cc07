"""A corpus of bad case files: each gives a one-screen error naming the file and the field,
exit code 2, no traceback, and nothing executed (tests/bad_cases/expectations.yaml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, SPIN_PATH

from casebook.cli import main

BAD = REPO / "tests" / "bad_cases"
EXPECTATIONS = yaml.safe_load((BAD / "expectations.yaml").read_text(encoding="utf-8"))


def test_the_corpus_has_at_least_25_bad_files():
    assert len(EXPECTATIONS) >= 25
    assert sorted(p.stem for p in BAD.glob("*.yaml") if p.name != "expectations.yaml") == sorted(EXPECTATIONS)


def _project_with(tmp_path: Path, *case_files: Path) -> Path:
    root = tmp_path / "repo"
    (root / "data" / "cases").mkdir(parents=True)
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    for case in case_files:
        shutil.copy2(case, root / "data" / "cases" / case.name)
    return root


def _assert_clear_error(capsys, root: Path, field: str, message: str, file_name: str) -> None:
    code = main(["--root", str(root), "build"])
    out, err = capsys.readouterr()
    assert code == 2
    assert file_name in err and field in err and message in err, err
    assert "Traceback" not in out + err
    assert len(err.splitlines()) <= 25  # one screen
    assert not (root / "_build").exists()  # nothing executed, nothing published


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_bad_case_file(tmp_path, capsys, name):
    expected = EXPECTATIONS[name]
    root = _project_with(tmp_path, BAD / f"{name}.yaml", SPIN_PATH)
    _assert_clear_error(capsys, root, expected["field"], expected["message"], f"{name}.yaml")


def test_a_very_large_file(tmp_path, capsys):
    huge = tmp_path / "bad-huge-file.yaml"
    huge.write_text(SPIN_PATH.read_text(encoding="utf-8").replace("id: rjh-2025-spin", "id: bad-huge-file")
                    + "# " + "x" * 1_100_000 + "\n", encoding="utf-8")
    root = _project_with(tmp_path, huge)
    _assert_clear_error(capsys, root, "(hela filen)", "största tillåtna", "bad-huge-file.yaml")


def test_two_files_with_the_same_case_id(tmp_path, capsys):
    copy = tmp_path / "rjh-2025-spin-kopia.yaml"
    copy.write_text(SPIN_PATH.read_text(encoding="utf-8"), encoding="utf-8")  # still says id: rjh-2025-spin
    root = _project_with(tmp_path, SPIN_PATH, copy)
    _assert_clear_error(capsys, root, "id", "'rjh-2025-spin' finns redan i rjh-2025-spin.yaml", "rjh-2025-spin-kopia.yaml")


@pytest.mark.parametrize("suffix", [".yml", ".YAML"])
def test_a_case_file_with_another_yaml_suffix_is_named_not_ignored(tmp_path, capsys, suffix):
    other = tmp_path / f"fiktiv-annan{suffix}"
    other.write_text(SPIN_PATH.read_text(encoding="utf-8").replace("id: rjh-2025-spin", "id: fiktiv-annan"), encoding="utf-8")
    root = _project_with(tmp_path, SPIN_PATH, other)
    _assert_clear_error(capsys, root, "(filnamn)", "byt namn till fiktiv-annan.yaml", f"fiktiv-annan{suffix}")
    assert main(["--root", str(root), "check"]) == 2


def test_check_imports_no_pandas_matplotlib_papermill_or_ipython():
    code = (
        "import sys\n"
        "from casebook.cli import main\n"
        f"assert main(['--root', {str(REPO)!r}, 'check']) == 0\n"
        "print(sorted(m for m in ('pandas', 'matplotlib', 'papermill', 'IPython', 'nbformat') if m in sys.modules))\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"


def test_every_bad_file_is_reported_at_once(tmp_path, capsys):
    names = ["bad-unknown-kind", "bad-missing-title", "bad-negative-amount"]
    root = _project_with(tmp_path, *(BAD / f"{n}.yaml" for n in names))
    assert main(["--root", str(root), "check"]) == 2
    err = capsys.readouterr().err
    assert all(f"{n}.yaml" in err for n in names)


def test_no_case_files_at_all(tmp_path, capsys):
    root = _project_with(tmp_path)
    assert main(["--root", str(root), "check"]) == 2
    assert "Inga ärendefiler" in capsys.readouterr().err
