"""The change history of every case, read in one git call, equals git's own per-file history.

The oracle is what the build ran per case before: ``git status --porcelain`` and
``git log --follow`` on the one case file. Renames inside the cases folder are followed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import FICTIONAL_BASE_PATH, git

from casebook.engine import audit
from casebook.engine.paths import ProjectPaths


def _per_case_history(root: Path, case_id: str) -> list[dict[str, str]]:
    """The previous implementation: two git calls for one case file."""
    path = f"data/cases/{case_id}.yaml"

    def run(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout

    history = []
    if run("status", "--porcelain", "--", path).strip():
        history.append({"commit": "", "date": "", "message": "Ändringar som inte är incheckade"})
    for line in run("log", "--follow", "--format=%h%x1f%ad%x1f%s", "--date=short", "--", path).splitlines():
        commit, date, message = line.split("\x1f", 2)
        history.append({"commit": commit, "date": date, "message": message})
    return history


def _write(root: Path, case_id: str, extra: str = "") -> None:
    text = FICTIONAL_BASE_PATH.read_text(encoding="utf-8").replace("id: fiktiv-bas", f"id: {case_id}")
    (root / "data" / "cases" / f"{case_id}.yaml").write_text(text + extra, encoding="utf-8")


@pytest.fixture
def project(tmp_path) -> ProjectPaths:
    """A repository whose cases have commits, a rename, uncommitted edits and an untracked file."""
    root = tmp_path / "repo"
    (root / "data" / "cases" / "arkiv").mkdir(parents=True)
    git(root, "init", "-q")
    for case_id in ("fiktiv-a", "fiktiv-b", "fiktiv-gammal"):
        _write(root, case_id)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Första versionen: tre FIKTIVA ärenden")
    _write(root, "fiktiv-a", "# Granskad.\n")
    git(root, "commit", "-q", "-am", 'Granska fiktiv-a; åäö "citat" | tecken')
    git(root, "mv", "data/cases/fiktiv-gammal.yaml", "data/cases/fiktiv-ny.yaml")
    git(root, "commit", "-q", "-m", "Byt namn på fiktiv-gammal")
    _write(root, "fiktiv-ny", "# Efter namnbytet.\n")
    git(root, "commit", "-q", "-am", "Ändra fiktiv-ny")
    # A file in a subfolder with a case's name is not that case.
    (root / "data" / "cases" / "arkiv" / "fiktiv-b.yaml").write_text("# FIKTIV\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Arkivera en kopia")
    (root / "data" / "cases" / "arkiv" / "fiktiv-b.yaml").write_text("# FIKTIV ändrad\n", encoding="utf-8")
    _write(root, "fiktiv-b", "# Inte incheckad.\n")
    _write(root, "fiktiv-otrackad")
    return ProjectPaths(root.resolve())


CASES = ["fiktiv-a", "fiktiv-b", "fiktiv-ny", "fiktiv-otrackad"]


def test_histories_equal_the_per_case_git_history_including_a_rename(project):
    histories = audit.change_histories(project, CASES)
    for case_id in CASES:
        without_fields = [{k: v for k, v in entry.items() if k != "fields"} for entry in histories[case_id]]
        assert without_fields == _per_case_history(project.root, case_id), case_id
    # The rename is followed: the renamed case lists the commit that created it under its old name.
    assert [h["message"] for h in histories["fiktiv-ny"]] == [
        "Ändra fiktiv-ny",
        "Byt namn på fiktiv-gammal",
        "Första versionen: tre FIKTIVA ärenden",
    ]
    assert histories["fiktiv-b"][0]["message"] == "Ändringar som inte är incheckade"
    assert len(histories["fiktiv-b"]) == 2  # not the archived copy's commit
    assert [h["message"] for h in histories["fiktiv-otrackad"]] == ["Ändringar som inte är incheckade"]


def test_histories_take_a_constant_number_of_git_calls(project, monkeypatch):
    calls = []
    real = audit._git

    def counting(root, *args):
        calls.append(args[0])
        return real(root, *args)

    monkeypatch.setattr(audit, "_git", counting)
    audit.change_histories(project, CASES)
    assert sorted(calls) == ["log", "log", "rev-parse", "status"]


def test_outside_a_git_repository_there_is_no_history(tmp_path):
    root = tmp_path / "plain"
    (root / "data" / "cases").mkdir(parents=True)
    _write(root, "fiktiv-a")
    paths = ProjectPaths(root.resolve())
    assert audit.change_histories(paths, ["fiktiv-a"]) == {"fiktiv-a": []}


def test_each_commit_names_the_fields_of_the_case_file_it_changed(project):
    root = project.root
    case = root / "data" / "cases" / "fiktiv-a.yaml"
    text = case.read_text(encoding="utf-8")
    assert "\n  decision: 2017-02-15\n" in text and "\namount_applied_for: " in text
    changed = text.replace("\n  decision: 2017-02-15\n", "\n  decision: 2017-02-16\n")
    changed = re.sub(r"\namount_applied_for: (\d+)", lambda m: f"\namount_applied_for: {int(m.group(1)) + 1}", changed)
    case.write_text(changed, encoding="utf-8")
    git(root, "commit", "-q", "-am", "Rätta datum och belopp")
    fields = [entry.get("fields") for entry in audit.change_histories(project, ["fiktiv-a"])["fiktiv-a"]]
    # Newest first: dates and amount; the comment added by "Granska fiktiv-a"; the file's creation.
    assert fields == [["dates", "amount_applied_for"], ["#"], ["+"]]
