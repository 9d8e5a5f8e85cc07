"""Validation evaluates again only the case files that changed, and never hides a bad one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import hashlib
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, add_fictional_case, copy_project

from casebook.domain.clock import as_of_date
from casebook.domain.errors import CaseFileChanged, UserError
from casebook.domain.model import RuleSetId
from casebook.domain.rules import RULES, rule_by_id
from casebook.engine import validate
from casebook.engine.execute import portfolio_job
from casebook.engine.paths import ProjectPaths


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project with three cases, validated once, and a log of which files are evaluated from now on."""
    root = copy_project(tmp_path / "repo")
    add_fictional_case(root, "fiktiv-a")
    add_fictional_case(root, "fiktiv-b")
    paths = ProjectPaths.at(root)
    cache = validate.EvaluationCache(paths, as_of=as_of_date())
    validate.validate_all(paths, as_of_date(), cache)
    cache.save()  # as a build does, under the project's lock
    evaluated: list[str] = []
    real = validate.evaluate_case

    def counting(path, reference_dir=None, *, as_of):
        evaluated.append(path.stem)
        return real(path, reference_dir, as_of=as_of)

    monkeypatch.setattr(validate, "evaluate_case", counting)
    return paths, evaluated


def _rewrite(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_unchanged_cases_are_not_evaluated_again_and_equal_a_fresh_evaluation(project):
    paths, evaluated = project
    cached = validate.validate_all(paths, as_of=as_of_date())
    assert evaluated == []
    assert [c.case.id for c in cached] == ["fiktiv-a", "fiktiv-b", "rjh-2025-spin"]
    fresh = [validate.evaluate_case(p, paths.reference_dir, as_of=as_of_date()) for p in paths.case_files()]
    assert cached == fresh
    # Rules come back as the registered rules themselves, checks included.
    assert all(any(r.rule is registered for registered in RULES) for c in cached for r in c.results)


def test_a_rule_is_pickled_as_its_id_and_an_unknown_one_is_refused():
    assert pickle.loads(pickle.dumps(RULES[0])) is RULES[0]
    assert len(pickle.dumps(RULES[0])) < 200  # the id, not the rule's texts and check
    with pytest.raises(LookupError, match="okänd-regel"):
        rule_by_id("okänd-regel")
    with pytest.raises(pickle.PicklingError, match=RULES[0].id):  # would come back as the registered one
        pickle.dumps(dataclasses.replace(RULES[0], title="En annan regel"))


def test_a_changed_case_file_alone_is_evaluated_again(project):
    paths, evaluated = project
    _rewrite(paths.case_file("fiktiv-a"), "title: ", "title: Ändrad ")
    cases = validate.validate_all(paths, as_of=as_of_date())
    assert evaluated == ["fiktiv-a"]
    assert cases[0].case.title.startswith("Ändrad ")


def test_a_bad_file_is_reported_even_when_its_good_version_was_cached(project):
    paths, evaluated = project
    _rewrite(paths.case_file("fiktiv-b"), "total_costs:", "total_costs: inte ett tal\nx_total_costs:")
    with pytest.raises(UserError, match="fiktiv-b.yaml"):
        validate.validate_all(paths, as_of=as_of_date())
    assert evaluated == ["fiktiv-b"]


@pytest.mark.parametrize("change", ["reference", "date"])
def test_reference_data_or_a_new_build_date_evaluates_every_case_again(project, monkeypatch, change):
    paths, evaluated = project
    if change == "reference":
        reference = paths.reference_files()[0]
        reference.write_text(reference.read_text(encoding="utf-8") + "\n# ändrad\n", encoding="utf-8")
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "4102444800")  # 2100-01-01: the next build's date
    validate.validate_all(paths, as_of=as_of_date())
    assert sorted(evaluated) == ["fiktiv-a", "fiktiv-b", "rjh-2025-spin"]


@pytest.mark.parametrize("damage", ["truncated", "edited"])
def test_a_damaged_cache_is_named_and_never_unpickled(project, damage, monkeypatch):
    paths, evaluated = project
    stored = paths.build_dir / "cache" / "evaluated.pickle"
    data = stored.read_bytes()
    # Edited: a byte of the pickle changed, its recorded SHA-256 left as it was.
    stored.write_bytes(
        data[: len(data) // 2] if damage == "truncated" else data[:-2] + bytes([data[-2] ^ 1]) + data[-1:]
    )
    monkeypatch.setattr(validate.pickle, "loads", lambda _: pytest.fail("a damaged cache was unpickled"))
    with pytest.warns(validate.DamagedCacheEntry, match="evaluated.pickle\\) var skadad eller ändrad"):
        assert len(validate.validate_all(paths, as_of=as_of_date())) == 3
    assert len(evaluated) == 3


def test_checking_writes_nothing(tmp_path):
    paths = ProjectPaths.at(copy_project(tmp_path / "repo"))
    assert len(validate.validate_all(paths, as_of=as_of_date())) == 1
    assert not paths.build_dir.exists()


def test_a_rule_comes_back_in_a_fresh_process_and_the_catalogue_keeps_its_order():
    """A document worker unpickles results before anything imported the rules."""
    follow_up = next(r for r in RULES if r.rule_set is RuleSetId.FOLLOW_UP)
    program = (
        "import pickle, sys\n"
        "first, second = pickle.loads(sys.stdin.buffer.read())\n"
        "from casebook.domain.rules import RULES\n"
        "print(first.id, second.id, first is next(r for r in RULES if r.id == first.id))\n"
        "print(' '.join(r.id for r in RULES))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", program],
        input=pickle.dumps((follow_up, RULES[0])),
        capture_output=True,
        check=True,
        cwd=REPO,
    )
    came_back, catalogue = completed.stdout.decode().splitlines()
    assert came_back == f"{follow_up.id} {RULES[0].id} True"
    assert catalogue == " ".join(r.id for r in RULES)


def test_the_cache_is_keyed_on_the_code_that_evaluates_not_on_the_renderers(tmp_path):
    package = shutil.copytree(REPO / "casebook", tmp_path / "casebook", ignore=shutil.ignore_patterns("__pycache__"))
    paths = ProjectPaths(copy_project(tmp_path / "repo").resolve(), package_dir=package)

    def key() -> str:
        return validate.EvaluationCache(paths, as_of=as_of_date()).key

    before = key()
    for module in ("render/case_view.py", "render/memo.py", "engine/build.py"):
        (package / module).open("a", encoding="utf-8").write("\n# ändrad\n")
        assert key() == before, module
    for module in ("domain/finance.py", "domain/rules/call.py", "engine/validate.py"):
        (package / module).open("a", encoding="utf-8").write("\n# ändrad\n")
        assert key() != before, module
        before = key()


# --- The portfolio notebook's cases (validate.evaluated_cases) --------------------------------


def _shown(cases) -> list[tuple]:
    """What the portfolio shows of each case: everything but the path it was read from."""
    return [(c.case, c.figures, c.results, c.as_of) for c in cases]


def test_the_portfolio_takes_the_builds_stored_cases_and_they_equal_cases_evaluated_here(project, monkeypatch):
    paths, evaluated = project
    monkeypatch.chdir(paths.root / "notebooks")  # as the build runs the notebook, with its parameters
    stored = validate.evaluated_cases(
        "../data/cases", "../data/reference", as_of_date(), "../_build/cache/evaluated.pickle"
    )
    assert evaluated == []
    fresh = validate.evaluated_cases("../data/cases", "../data/reference", as_of_date().isoformat())
    assert evaluated == ["fiktiv-a", "fiktiv-b", "rjh-2025-spin"]
    assert [c.case.id for c in stored] == ["fiktiv-a", "fiktiv-b", "rjh-2025-spin"]
    assert _shown(stored) == _shown(fresh)


def test_the_portfolio_refuses_a_case_file_saved_or_added_since_the_build_stored_its_cases(project):
    """The portfolio shows exactly the cases the build checked, or stops: never a case whose
    bytes the pages and documents beside it do not show (cached under the checked bytes' key)."""
    paths, evaluated = project
    store = paths.evaluation_cache
    saved = paths.case_file("fiktiv-a")
    checked = saved.read_bytes()
    _rewrite(saved, "title: ", "title: Ändrad ")
    with pytest.raises(CaseFileChanged) as raised:
        validate.evaluated_cases(paths.cases_dir, paths.reference_dir, as_of_date(), store)
    assert raised.value.path == saved.resolve() and evaluated == []
    saved.write_bytes(checked)
    add_fictional_case(paths.root, "fiktiv-c")
    with pytest.raises(CaseFileChanged) as raised:
        validate.evaluated_cases(paths.cases_dir, paths.reference_dir, as_of_date(), store)
    assert raised.value.path == paths.case_file("fiktiv-c").resolve() and evaluated == []
    # Run by hand without the store, every case is evaluated from its file.
    cases = validate.evaluated_cases(paths.cases_dir, paths.reference_dir, as_of_date())
    assert [c.case.id for c in cases] == ["fiktiv-a", "fiktiv-b", "fiktiv-c", "rjh-2025-spin"]


def test_the_portfolio_evaluates_every_case_when_the_store_is_not_for_its_date_or_project(project):
    paths, evaluated = project
    store = paths.evaluation_cache
    validate.evaluated_cases(paths.cases_dir, paths.reference_dir, dt.date(2030, 1, 1), store)  # another build date
    assert evaluated == ["fiktiv-a", "fiktiv-b", "rjh-2025-spin"]
    evaluated.clear()
    other_reference = shutil.copytree(paths.reference_dir, paths.root / "annan" / "referens")
    validate.evaluated_cases(paths.cases_dir, other_reference, as_of_date(), store)  # not the store's project
    assert evaluated == ["fiktiv-a", "fiktiv-b", "rjh-2025-spin"]


def test_the_portfolio_takes_the_stored_cases_when_the_cases_folder_is_a_link_inside_the_project(project):
    """The build names a case file under data/cases as it is (ProjectPaths.case_files), a link
    to a folder of the project included: the portfolio looks it up by that name, not resolved."""
    paths, evaluated = project
    real = paths.root / "data" / "arenden"
    paths.cases_dir.rename(real)
    paths.cases_dir.symlink_to("arenden", target_is_directory=True)
    cache = validate.EvaluationCache(paths, as_of=as_of_date())
    validate.validate_all(paths, as_of_date(), cache)
    cache.save()
    evaluated.clear()
    notebooks = paths.root / "notebooks"
    cases = validate.evaluated_cases(
        notebooks / "../data/cases", notebooks / "../data/reference", as_of_date(), paths.evaluation_cache
    )
    assert [c.case.id for c in cases] == ["fiktiv-a", "fiktiv-b", "rjh-2025-spin"] and evaluated == []


def test_the_portfolio_of_another_cases_folder_evaluates_its_cases_rather_than_refuse_them(project):
    paths, evaluated = project
    other = shutil.copytree(paths.cases_dir, paths.root / "tests" / "cases")
    cases = validate.evaluated_cases(other, paths.reference_dir, as_of_date(), paths.evaluation_cache)
    assert [c.case.id for c in cases] == ["fiktiv-a", "fiktiv-b", "rjh-2025-spin"]
    assert evaluated == ["fiktiv-a", "fiktiv-b", "rjh-2025-spin"]


def test_a_damaged_store_makes_the_portfolio_evaluate_every_case_and_say_nothing(project, recwarn):
    paths, evaluated = project
    data = bytearray(paths.evaluation_cache.read_bytes())
    data[-10] ^= 0xFF
    paths.evaluation_cache.write_bytes(bytes(data))
    validate.evaluated_cases(paths.cases_dir, paths.reference_dir, as_of_date(), paths.evaluation_cache)
    assert evaluated == ["fiktiv-a", "fiktiv-b", "rjh-2025-spin"]
    assert not recwarn.list  # a warning would be an output of the published portfolio


def test_the_build_passes_the_portfolio_its_store_as_a_path_from_the_notebooks_folder(tmp_path):
    job = portfolio_job(tmp_path, tmp_path / "portfolio.ipynb", "nyckel", "2026-01-01")
    evaluated = job.parameters["evaluated"]
    assert not Path(evaluated).is_absolute()  # the parameters are published with the notebook
    assert (tmp_path / "notebooks" / evaluated).resolve() == ProjectPaths.at(tmp_path).evaluation_cache


def test_the_stored_cases_are_unpickled_with_the_collector_paused(project, monkeypatch):
    paths, _ = project
    unpickled = []
    real = pickle.loads

    def watched(data, *arguments, **keywords):
        unpickled.append(gc.isenabled())
        return real(data, *arguments, **keywords)

    monkeypatch.setattr(validate.pickle, "loads", watched)
    assert validate.EvaluationCache(paths, as_of=as_of_date()).entries  # the three cases, from the store
    assert unpickled == [False] and gc.isenabled()


def test_a_case_saved_between_its_lookup_and_its_evaluation_is_kept_under_the_bytes_it_was_computed_from(
    project, monkeypatch
):
    """The lookup hashes the file, the evaluation reads it again: an entry under the first
    read's digest holding the second read's case would be reused for the first version."""
    paths, _ = project
    path = paths.case_file("fiktiv-a")
    _rewrite(path, "title: ", "title: Först ")
    looked_up = path.read_bytes()
    real = validate.evaluate_case

    def saved_meanwhile(path, reference_dir=None, *, as_of):
        _rewrite(path, "title: Först ", "title: Sedan ")
        return real(path, reference_dir, as_of=as_of)

    monkeypatch.setattr(validate, "evaluate_case", saved_meanwhile)
    cache = validate.EvaluationCache(paths, as_of=as_of_date())
    evaluated = cache.evaluate(path)
    assert evaluated.case.title.startswith("Sedan ")
    digest, kept = cache.used[str(path)]
    assert kept is evaluated
    assert digest == evaluated.source_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest != hashlib.sha256(looked_up).hexdigest()
