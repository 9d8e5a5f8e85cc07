"""The execution cache keeps each case's audit record beside its executed notebook (issue #25):
the report PDF reads that small file, not the record out of the whole notebook; the record
is part of the entry, checked, copied and removed with it."""

from __future__ import annotations

import warnings

import pytest
from conftest import add_fictional_case, copy_project, execute_everything, stale_notebooks

from casebook.engine.artifacts import DamagedCacheEntry
from casebook.engine.audit import recorded_audit
from casebook.engine.cache import PORTFOLIO, ExecutionCache
from casebook.engine.paths import ProjectPaths


@pytest.fixture
def project(tmp_path) -> ProjectPaths:
    root = copy_project(tmp_path / "repo")
    add_fictional_case(root, "fiktiv-a")
    paths = ProjectPaths.at(root)
    execute_everything(paths, tmp_path / "work")
    return paths


def test_each_case_entry_holds_the_audit_record_its_notebook_was_executed_with(reference_project):
    cache = ExecutionCache(ProjectPaths.at(reference_project))
    record = cache.audit("rjh-2025-spin")
    assert record == recorded_audit(cache.notebook("rjh-2025-spin"))  # papermill's copy of the parameter
    assert record["history"]  # the change history that the page and the report show
    assert not cache.audit_file(PORTFOLIO).exists()


def test_an_entry_without_its_audit_record_is_executed_again(project, tmp_path):
    ExecutionCache(project).audit_file("fiktiv-a").unlink()
    assert stale_notebooks(project, tmp_path / "work") == ["fiktiv-a"]


def test_an_edited_audit_record_is_removed_with_a_warning_and_executed_again(project, tmp_path):
    cache = ExecutionCache(project)
    record = cache.audit_file("rjh-2025-spin")
    text = record.read_text(encoding="utf-8")
    record.unlink()
    record.write_text(text.replace("rjh-2025-spin", "rjh-2025-annat", 1), encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert stale_notebooks(project, tmp_path / "work") == ["rjh-2025-spin"]
    assert any(issubclass(w.category, DamagedCacheEntry) for w in caught)
    assert not record.exists()


def test_a_shards_entries_carry_their_audit_records(project, tmp_path):
    cache = ExecutionCache(project)
    cache.copy_entries(["fiktiv-a"], tmp_path / "shard")
    assert sorted(path.name for path in (tmp_path / "shard").iterdir()) == [
        "fiktiv-a.ipynb",
        "fiktiv-a.json",
        "fiktiv-a.key",
    ]


def test_pruning_a_removed_case_removes_its_audit_record(project):
    cache = ExecutionCache(project)
    cache.prune({"rjh-2025-spin", PORTFOLIO})
    assert not cache.audit_file("fiktiv-a").exists() and cache.audit_file("rjh-2025-spin").exists()
