"""The dates the open data state come from each case file's own git history: a grant's
``dateModified`` is the author time of the last commit that changed its case file, unchanged
by another case's edit, by a rebuild or by a fresh clone; a file with uncommitted changes is
dated by its modification time. The data package's version counts the changes."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FICTIONAL_BASE_PATH, REFERENCE_DIR, REPO
from opendata_support import PUBLISHER

from casebook.domain.clock import as_of_date
from casebook.domain.evaluation import evaluate_case
from casebook.domain.reference import load_regional_actors
from casebook.engine.data_history import case_file_history
from casebook.engine.paths import ProjectPaths
from casebook.render import giving360
from casebook.render.opendata_tables import OrganisationNumbers

CHANGED = REPO / "tests" / "opendata_cases" / "fiktiv-lagre-belopp.yaml"
REJECTED = REPO / "tests" / "opendata_cases" / "fiktiv-avslag.yaml"
T1, T2, T3 = (dt.datetime(2099, 1, d, 9, 30, tzinfo=dt.UTC) for d in (10, 20, 30))


def commit(root: Path, message: str, when: dt.datetime) -> None:
    """Commit everything with ``when`` as author time (the committer time stays the clock's)."""
    env = {**os.environ, "GIT_AUTHOR_DATE": when.isoformat()}
    for args in (["add", "-A"], ["commit", "-q", "-m", message]):
        subprocess.run(
            [
                "git",
                "-c",
                "user.name=Test",
                "-c",
                "user.email=test@example.invalid",
                "-c",
                "commit.gpgsign=false",
                *args,
            ],
            cwd=root,
            env=env,
            check=True,
            capture_output=True,
        )


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "repo"
    (root / "data" / "cases").mkdir(parents=True)
    shutil.copytree(REFERENCE_DIR, root / "data" / "reference")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    shutil.copy2(FICTIONAL_BASE_PATH, root / "data" / "cases")
    shutil.copy2(CHANGED, root / "data" / "cases")
    commit(root, "Två beslut", T1)
    shutil.copy2(REJECTED, root / "data" / "cases")
    commit(root, "Ett avslag", T2)
    return root


def grants(root: Path) -> dict[str, str]:
    paths = ProjectPaths.at(root)
    reports = [evaluate_case(p, paths.reference_dir, as_of=as_of_date()) for p in paths.case_files()]
    history = case_file_history(paths, [r.case.id for r in reports])
    ids = giving360.OrganisationIds(OrganisationNumbers(reports, load_regional_actors(paths.reference_dir)), PUBLISHER)
    package = giving360.package(reports, ids, PUBLISHER, history)
    return {g["x_caseId"]: g["dateModified"] for g in package["grants"]} | {"(paketet)": package["modified"]}


def edit(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "# Granskad.\n", encoding="utf-8")


def test_each_case_is_dated_by_its_own_last_commit(project):
    history = case_file_history(ProjectPaths.at(project), ["fiktiv-avslag", "fiktiv-bas", "fiktiv-lagre-belopp"])
    assert {k: (v.created, v.modified) for k, v in history.cases.items()} == {
        "fiktiv-bas": (T1, T1),
        "fiktiv-lagre-belopp": (T1, T1),
        "fiktiv-avslag": (T2, T2),
    }
    assert history.revisions == 2
    # The rejection's newer commit is not a grant's: it dates neither a grant nor the 360Giving file.
    assert grants(project) == {
        "fiktiv-bas": "2099-01-10T09:30:00Z",
        "fiktiv-lagre-belopp": "2099-01-10T09:30:00Z",
        "(paketet)": "2099-01-10T09:30:00Z",
    }


def test_a_grant_keeps_its_date_when_another_case_is_edited(project):
    before = grants(project)
    edit(project / "data" / "cases" / "fiktiv-lagre-belopp.yaml")
    commit(project, "Ändra det andra beslutet", T3)
    after = grants(project)
    assert after["fiktiv-bas"] == before["fiktiv-bas"] == "2099-01-10T09:30:00Z"
    assert after["fiktiv-lagre-belopp"] == "2099-01-30T09:30:00Z" == after["(paketet)"]
    history = case_file_history(ProjectPaths.at(project), ["fiktiv-avslag", "fiktiv-bas", "fiktiv-lagre-belopp"])
    assert history.cases["fiktiv-lagre-belopp"].created == T1 and history.revisions == 3


def test_an_uncommitted_change_is_dated_by_the_file(project):
    case = project / "data" / "cases" / "fiktiv-bas.yaml"
    edit(case)
    moment = dt.datetime(2099, 2, 2, 2, 2, 2, tzinfo=dt.UTC)
    os.utime(case, (moment.timestamp(), moment.timestamp()))
    history = case_file_history(ProjectPaths.at(project), ["fiktiv-avslag", "fiktiv-bas", "fiktiv-lagre-belopp"])
    assert history.cases["fiktiv-bas"].modified == moment and history.cases["fiktiv-bas"].created == T1
    assert history.cases["fiktiv-lagre-belopp"].modified == T1
    assert history.revisions == 2 + 1  # the uncommitted change counts as one more


def test_a_fresh_clone_gives_the_same_dates(project, tmp_path):
    clone = tmp_path / "klon"
    subprocess.run(["git", "clone", "-q", str(project), str(clone)], check=True)
    assert grants(clone) == grants(project)


def test_rewriting_the_history_keeps_the_dates(project):
    """Author time, not commit time: an amend or a rebase gives the commit a new committer time and keeps the dates."""
    ids = ["fiktiv-avslag", "fiktiv-bas", "fiktiv-lagre-belopp"]
    before = case_file_history(ProjectPaths.at(project), ids)
    later = dt.datetime(2099, 6, 6, tzinfo=dt.UTC).isoformat()
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=Annan",
            "-c",
            "user.email=annan@example.invalid",
            "commit",
            "-q",
            "--amend",
            "--no-edit",
        ],
        cwd=project,
        env={**os.environ, "GIT_COMMITTER_DATE": later},
        check=True,
    )
    committed = subprocess.run(
        ["git", "log", "-1", "--format=%cI"], cwd=project, capture_output=True, text=True, check=True
    ).stdout
    assert committed.startswith("2099-06-06")
    assert case_file_history(ProjectPaths.at(project), ids) == before


def test_outside_git_every_case_is_dated_by_its_file(tmp_path):
    root = tmp_path / "ingen-git"
    (root / "data" / "cases").mkdir(parents=True)
    shutil.copytree(REFERENCE_DIR, root / "data" / "reference")
    case = root / "data" / "cases" / "fiktiv-bas.yaml"
    shutil.copy2(FICTIONAL_BASE_PATH, case)
    moment = dt.datetime(2099, 4, 4, tzinfo=dt.UTC)
    os.utime(case, (moment.timestamp(), moment.timestamp()))
    history = case_file_history(ProjectPaths.at(root), ["fiktiv-bas"])
    assert (history.cases["fiktiv-bas"].created, history.cases["fiktiv-bas"].modified, history.revisions) == (
        moment,
        moment,
        1,
    )
