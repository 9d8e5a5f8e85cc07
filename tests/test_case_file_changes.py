"""A case file saved while a build works on it: every reader of the file compares what it
reads with the bytes the build checked (the build's own refusal is tests/test_faults.py)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from conftest import copy_project

from casebook.domain.clock import as_of_date
from casebook.domain.errors import CaseFileChanged
from casebook.domain.evaluation import case_file_bytes, changed_case_files, evaluate_case
from casebook.domain.reference import load_national_agencies, load_regional_actors
from casebook.engine import audit
from casebook.engine.cache import ExecutionCache
from casebook.engine.paths import ProjectPaths
from casebook.engine.plan import plan_executions
from casebook.engine.validate import validate_all
from casebook.render.case_view import prepare
from casebook.render.opendata import write_open_data
from casebook.render.opendata_tables import OrganisationNumbers, decision_rows

SPIN = "rjh-2025-spin"


@pytest.fixture
def project(tmp_path):
    return ProjectPaths.at(copy_project(tmp_path / "repo"))


def _save_new_title(path) -> bytes:
    data = path.read_bytes()
    path.write_bytes(data.replace(b"\ntitle: ", b"\ntitle: Sparad ", 1))
    return data


def test_an_evaluated_case_records_the_sha256_of_the_bytes_it_was_computed_from(project):
    path = project.case_file(SPIN)
    evaluated = evaluate_case(path, project.reference_dir, as_of=as_of_date())
    assert evaluated.source_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert case_file_bytes(evaluated) == path.read_bytes()
    assert changed_case_files([evaluated]) == []


def test_reading_a_case_file_saved_or_removed_since_its_evaluation_is_refused(project):
    path = project.case_file(SPIN)
    evaluated = evaluate_case(path, project.reference_dir, as_of=as_of_date())
    checked = _save_new_title(path)
    with pytest.raises(CaseFileChanged) as raised:
        case_file_bytes(evaluated)
    assert raised.value.path == path and "ändrades medan bygget körde" in str(raised.value)
    assert changed_case_files([evaluated]) == [path]
    path.write_bytes(checked)
    assert changed_case_files([evaluated]) == []
    path.unlink()
    assert changed_case_files([evaluated]) == [path]


def test_the_case_notebook_refuses_bytes_other_than_those_the_build_checked(project):
    path = project.case_file(SPIN)
    checked = hashlib.sha256(path.read_bytes()).hexdigest()
    assert prepare(path, as_of=as_of_date(), sha256=checked).case.id == SPIN
    assert prepare(path, as_of=as_of_date()).case.id == SPIN  # run by hand: nothing to compare with
    _save_new_title(path)
    with pytest.raises(CaseFileChanged):
        prepare(path, as_of=as_of_date(), sha256=checked)


def test_the_build_gives_each_case_notebook_and_its_audit_trail_the_bytes_it_checked(project, tmp_path):
    cases = validate_all(project, as_of_date())
    checked = cases[0].source_sha256
    _save_new_title(project.case_file(SPIN))  # after validating, before planning
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    (job,) = plan_executions(
        project, cases, ExecutionCache(project), tmp_path / "executed", moment, portfolio=False
    ).jobs
    assert job.parameters["case_sha256"] == checked
    (case_input,) = [i for i in job.parameters["audit"]["inputs"] if i["path"] == f"data/cases/{SPIN}.yaml"]
    assert case_input["sha256"] == checked  # not the bytes on disk now
    assert audit.sha256_file(project.case_file(SPIN)) != checked


def test_the_open_datas_case_row_names_the_bytes_the_case_was_computed_from(project):
    cases = validate_all(project, as_of_date())
    checked = cases[0].source_sha256
    _save_new_title(project.case_file(SPIN))
    numbers = OrganisationNumbers(
        cases, load_regional_actors(project.reference_dir), load_national_agencies(project.reference_dir)
    )
    (row,) = decision_rows(cases, numbers, as_of_date())
    assert row["case_file_sha256"] == checked


def test_the_open_data_publish_the_case_file_only_with_the_bytes_the_case_was_computed_from(project, tmp_path):
    cases = validate_all(project, as_of_date())
    actors = load_regional_actors(project.reference_dir)
    written = write_open_data(tmp_path / "first", cases, actors, as_of=as_of_date())
    (published,) = [path for path in written if path.name == f"{SPIN}.yaml"]
    assert published.read_bytes() == project.case_file(SPIN).read_bytes()
    _save_new_title(project.case_file(SPIN))
    with pytest.raises(CaseFileChanged):
        write_open_data(tmp_path / "second", cases, actors, as_of=as_of_date())


def test_the_notebooks_cache_keys_name_the_bytes_the_build_checked_not_a_later_save(project, tmp_path):
    """Keyed by the file as saved after the check, a page of the checked bytes (its notebook
    compares them) would be stored under the key of the save, and reused when the file has it."""
    cases = validate_all(project, as_of_date())
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def keys():
        jobs = plan_executions(project, cases, ExecutionCache(project), tmp_path / "executed", moment).jobs
        return {job.name: job.cache_key for job in jobs}

    checked_keys = keys()
    checked = _save_new_title(project.case_file(SPIN))  # after validating, before planning
    assert keys() == checked_keys
    # A build that checked the saved bytes keys them otherwise: the keys do name the case file.
    cases = validate_all(project, as_of_date())
    assert set(keys().values()).isdisjoint(checked_keys.values())
    project.case_file(SPIN).write_bytes(checked)


def test_a_checked_digest_keys_a_file_as_reading_it_does(project):
    """The cache keys of unchanged case files are those they had when read for the key."""
    from casebook.engine.cache import case_inputs, environment
    from casebook.engine.paths import CASE_TEMPLATE

    digest = hashlib.sha256(project.case_file(SPIN).read_bytes()).hexdigest()
    read = case_inputs(project, CASE_TEMPLATE, SPIN, [])
    given = case_inputs(project, CASE_TEMPLATE, SPIN, [], case_sha256=digest)
    assert given.key(environment()) == read.key(environment())


def test_a_reader_that_found_a_file_changed_stops_the_build_even_if_it_was_saved_back(project, tmp_path):
    """The case notebook or a document refused the file, then it got the checked bytes again:
    still refused, naming the file its reader found changed (not an empty list)."""
    from casebook.engine import build

    cases = validate_all(project, as_of_date())
    key = project.cache_dir / "x.key"
    key.parent.mkdir(parents=True, exist_ok=True)
    since = build._now()
    key.write_text("stored during the build\n", encoding="utf-8")
    read = build._DataRead(cases, build._reference_digests(project))
    with pytest.raises(build.DataChanged) as raised, build._data_watched(project, read, since):
        raise CaseFileChanged(project.case_file(SPIN))  # the file has the checked bytes (again)
    assert raised.value.changed == [f"data/cases/{SPIN}.yaml"] and raised.value.added == []
    assert not key.exists()  # forgotten


def test_the_memo_and_the_report_attach_the_case_file_only_with_the_bytes_the_case_was_computed_from(project, tmp_path):
    """Their keys name the bytes the build checked; their writers (a worker, later) read the file and compare: a save in between
    would attach other bytes than the key and the figures name."""
    from casebook.engine import documents

    evaluated = evaluate_case(project.case_file(SPIN), project.reference_dir, as_of=as_of_date())
    _save_new_title(project.case_file(SPIN))
    created = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    memo = documents._MemoJob(evaluated, tmp_path / "memo", project.reference_dir, "nyckel", created, False)
    report = documents._ReportJob(evaluated, tmp_path / "report", None, "nyckel", created)
    for render, job in ((documents._render_memo, memo), (documents._render_report, report)):
        job.out_dir.mkdir()
        with pytest.raises(CaseFileChanged):
            render(job)
        assert list(job.out_dir.iterdir()) == []  # nothing stored


def test_the_message_says_which_files_were_saved_since_the_build_read_them_and_which_were_added():
    from casebook.engine.build import DataChanged

    tail = "; det som bygget sparade i cachen är bortglömt och webbplatsen är oförändrad. Kör bygget igen."
    assert str(DataChanged([], ["data/cases/a.yaml"])) == "Filen data/cases/a.yaml lades till medan bygget körde" + tail
    both = DataChanged(["data/cases/a.yaml", "data/reference/publisher.yaml"], ["data/cases/c.yaml"])
    assert str(both) == (
        "Filerna data/cases/a.yaml, data/reference/publisher.yaml ändrades medan bygget körde, efter att bygget "
        "hade läst dem; filen data/cases/c.yaml lades till medan bygget körde" + tail
    )
    assert both.named == "Filerna data/cases/a.yaml, data/reference/publisher.yaml, data/cases/c.yaml (ny)"
