"""Shards: ``casebook build --shard I/K`` executes one stable slice of the cases into the
cache; ``casebook build --assemble`` builds the site from the merged cache, identical to an
unsharded build."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import FICTIONAL_BASE_PATH, casebook, copy_project, make_git_history

from casebook.domain.errors import UserError
from casebook.engine.shards import Shard

FIXED_TIME = {"SOURCE_DATE_EPOCH": "1764460800"}  # 2025-11-30T00:00:00Z
IDS = ["rjh-2025-spin", "fiktiv-bas", "fiktiv-norr", "fiktiv-syd", "fiktiv-uppfoljning-sen"]
# The sharded site's cases, each kind once (every build below executes each case): a proposal
# and a decided case with payments in one slice of two (Shard(1, 2) takes SPIN and
# fiktiv-uppfoljning-sen), a decided case in the other.
CASES = ["rjh-2025-spin", "fiktiv-norr", "fiktiv-uppfoljning-sen"]


def test_every_case_is_in_exactly_one_slice():
    ids = [f"fiktiv-{i:04d}" for i in range(300)]
    for count in (1, 2, 3, 7):
        slices = [
            {case_id for case_id in ids if Shard(index, count).contains(case_id)} for index in range(1, count + 1)
        ]
        assert sum(len(s) for s in slices) == len(ids) and set().union(*slices) == set(ids)
        assert all(len(s) > len(ids) / count / 2 for s in slices)  # roughly even


def test_slices_are_the_same_in_every_process():
    """CI runners must agree: no per-process hash (Python's ``hash`` of a str is salted)."""
    here = [Shard(1, 3).contains(case_id) for case_id in IDS]
    for seed in ("1", "2"):
        code = f"from casebook.engine.shards import Shard; print([Shard(1, 3).contains(c) for c in {IDS!r}])"
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        assert out.strip() == str(here)
    assert Shard.parse(" 2/3") == Shard(2, 3)


@pytest.mark.parametrize("text", ["0/2", "3/2", "1/0", "2", "a/b", "1/2/3", "-1/2", ""])
def test_a_bad_shard_value_is_a_swedish_user_error(text):
    with pytest.raises(UserError, match="Ogiltigt värde för --shard"):
        Shard.parse(text)


@pytest.mark.parametrize("args", [["--shard", "3/2"], ["--shard", "1/2", "--assemble"]])
def test_the_command_line_rejects_a_bad_shard_with_exit_2(tmp_path, args):
    root = copy_project(tmp_path / "repo")
    completed = casebook(root, "build", *args)
    assert completed.returncode == 2, completed.stderr
    assert "--shard" in completed.stderr and "Traceback" not in completed.stderr
    assert not (root / "_build" / "cache").exists()


def _summary(root, tmp_path, *args) -> dict:
    summary = tmp_path / "summary.json"
    completed = casebook(root, "build", "--summary", str(summary), *args, env=FIXED_TIME)
    assert completed.returncode == 0, completed.stderr
    return json.loads(summary.read_text())


@pytest.mark.e2e
def test_two_shards_merged_give_the_same_site_as_an_unsharded_build(tmp_path):
    root = copy_project(tmp_path / "repo")
    for case_id in CASES[1:]:
        shutil.copy2(FICTIONAL_BASE_PATH.with_name(f"{case_id}.yaml"), root / "data" / "cases")
    make_git_history(root)  # the pages show a change history, part of every cache key
    build = root / "_build"
    slices = {}
    for index in (1, 2):
        summary = _summary(root, tmp_path, "--shard", f"{index}/2")
        expected = sorted(c for c in CASES if Shard(index, 2).contains(c))
        assert expected and summary["executed"] == len(expected) == summary["cases"]
        assert sorted(p.stem for p in (build / "shard" / "cases").glob("*.ipynb")) == expected
        assert not (build / "html").exists()  # a shard builds no site
        slices[index] = tmp_path / f"shard-{index}"
        shutil.copytree(build / "shard", slices[index])
        shutil.rmtree(build)

    # Assembling with one slice missing names the missing cases and publishes nothing.
    shutil.copytree(slices[1], build / "cache")
    completed = casebook(root, "build", "--assemble", env=FIXED_TIME)
    assert completed.returncode == 1 and "fiktiv-norr" in completed.stderr, completed.stderr
    assert not (build / "html").exists()

    shutil.copytree(slices[2], build / "cache", dirs_exist_ok=True)
    summary = _summary(root, tmp_path, "--assemble")
    assert summary["executed"] == 0 and summary["reused"] == len(CASES)
    sharded = tmp_path / "sharded-site"
    shutil.copytree(build / "html", sharded)
    shutil.rmtree(build)

    summary = _summary(root, tmp_path)
    assert summary["executed"] == len(CASES)
    unsharded = build / "html"
    compared = [
        *sorted(p.relative_to(unsharded) for p in (unsharded / "book" / "cases").glob("*.html")),
        *sorted(p.relative_to(unsharded) for p in (unsharded / "_sources" / "book" / "cases").glob("*.ipynb")),
        *sorted(p.relative_to(unsharded) for p in (unsharded / "data").rglob("*") if p.is_file()),
        unsharded.joinpath("book/portfolio.html").relative_to(unsharded),
    ]
    assert len([p for p in compared if p.suffix == ".ipynb"]) == len(CASES)
    for relative in compared:
        assert (sharded / relative).read_bytes() == (unsharded / relative).read_bytes(), relative
