"""Incremental execution: a change re-executes exactly the cases it affects.

The planning step is tested directly (it decides what runs); one scenario of real builds, on
a copy of the session's reference project, checks that adding, changing and removing a case
rebuilds every page that shows it, and only as much of the site as the change needs.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import (
    FICTIONAL_BASE_PATH,
    REFERENCE_EPOCH,
    REFERENCE_SUMMARY,
    REPO,
    add_cell,
    build_summary,
    casebook,
    copy_built_project,
    copy_project,
    execute_everything,
    git,
    stale_notebooks,
)

from casebook.domain.clock import as_of_date
from casebook.engine import cache as cache_module
from casebook.engine.cache import ExecutionCache, notebook_code
from casebook.engine.paths import ProjectPaths
from casebook.engine.plan import plan_executions
from casebook.engine.validate import validate_all

CASES = ["fiktiv-bas", "fiktiv-norr", "rjh-2025-spin"]
PORTFOLIO = "_portfolio"


@pytest.fixture
def project(tmp_path) -> ProjectPaths:
    root = copy_project(tmp_path / "repo")
    for name in ("fiktiv-bas", "fiktiv-norr"):
        shutil.copy2(FICTIONAL_BASE_PATH.with_name(f"{name}.yaml"), root / "data" / "cases" / f"{name}.yaml")
    package = tmp_path / "casebook"
    shutil.copytree(REPO / "casebook", package, ignore=shutil.ignore_patterns("__pycache__"))
    paths = ProjectPaths(root.resolve(), package_dir=package)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Första versionen")
    _execute_everything(paths, tmp_path)
    return paths


def _stale(paths: ProjectPaths, tmp_path: Path) -> list[str]:
    return stale_notebooks(paths, tmp_path / "work")


def _execute_everything(paths: ProjectPaths, tmp_path: Path) -> None:
    execute_everything(paths, tmp_path / "work")


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _edit_notebook(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace('"# ', '"# ändrad ', 1), encoding="utf-8")


def test_nothing_changed_nothing_runs(project, tmp_path):
    assert _stale(project, tmp_path) == []


def test_a_changed_case_file_reexecutes_that_case_and_the_portfolio(project, tmp_path):
    _append(project.root / "data/cases/fiktiv-norr.yaml", "# ändrad\n")
    assert _stale(project, tmp_path) == sorted(["fiktiv-norr", PORTFOLIO])


def test_a_commit_to_a_case_file_reexecutes_only_that_case(project, tmp_path):
    _append(project.root / "data/cases/fiktiv-bas.yaml", "# ändrad\n")
    _execute_everything(project, tmp_path)
    git(project.root, "commit", "-q", "-am", "Ändra fiktiv-bas")  # same content, new change history
    assert _stale(project, tmp_path) == ["fiktiv-bas"]


def test_the_case_template_reexecutes_every_case_but_not_the_portfolio(project, tmp_path):
    _edit_notebook(project.root / "notebooks/case_report.ipynb")
    assert _stale(project, tmp_path) == CASES


def test_the_portfolio_template_reexecutes_only_the_portfolio(project, tmp_path):
    _edit_notebook(project.root / "notebooks/portfolio.ipynb")
    assert _stale(project, tmp_path) == [PORTFOLIO]


@pytest.mark.parametrize("changed", ["data/reference/regional_actors.yaml", "data/reference/national_agencies.yaml"])
def test_reference_data_reexecutes_everything(project, tmp_path, changed):
    _append(project.root / changed, "\n# ändrad\n")
    assert _stale(project, tmp_path) == sorted([*CASES, PORTFOLIO])


@pytest.mark.parametrize(
    ("module", "stale"),
    [
        ("domain/rules/ordinance.py", [*CASES, PORTFOLIO]),
        ("domain/finance.py", [*CASES, PORTFOLIO]),
        ("render/case_view.py", [*CASES, PORTFOLIO]),  # the portfolio imports it too
        ("render/charts.py", [*CASES, PORTFOLIO]),
        ("render/portfolio.py", [*CASES, PORTFOLIO]),  # the zygote imports it before it forks a case's kernel
        ("render/memo.py", []),  # no notebook runs the memo's renderer
        ("render/templates/memo.typ", []),  # nor reads its template
        ("engine/search_parts.js", []),
        ("render/report_pdf.py", []),
        ("engine/build.py", []),
    ],
)
def test_changed_package_code_reexecutes_the_notebooks_that_run_it(project, tmp_path, module, stale):
    _append(project.package_dir / module, "\n# ändrad\n")
    assert _stale(project, tmp_path) == sorted(stale)


@pytest.mark.parametrize(
    ("module", "stale"),
    [
        # clean_executed_notebook writes every stored notebook (its title, metadata, tags).
        ("engine/execute.py", [*CASES, PORTFOLIO]),
        # The audit record: a parameter of every case notebook, shown on the page and in the report
        # (the build's parameters, engine/plan.py, are one code for every notebook).
        ("engine/audit.py", [*CASES, PORTFOLIO]),
        # KERNEL_ENVIRONMENT (PYTHONHASHSEED, thread counts) of every kernel, forked or fresh.
        ("engine/zygote.py", [*CASES, PORTFOLIO]),
    ],
)
def test_code_that_shapes_a_stored_notebook_outside_its_cells_reexecutes_it(project, tmp_path, module, stale):
    """Review 43: the notebook's key covers what its cells import, but the stored notebook is
    also written by the build's own code (the parameters, the kernel, the cleaning); a change
    there must not leave the earlier pages published as current."""
    _append(project.package_dir / module, "\n# ändrad\n")
    assert _stale(project, tmp_path) == sorted(stale)


def test_a_notebook_cell_that_is_not_python_makes_the_whole_package_its_code(tmp_path):
    template = Path("notebooks") / "case_report.ipynb"
    (tmp_path / "notebooks").mkdir()
    shutil.copy2(REPO / template, tmp_path / template)
    paths = ProjectPaths(tmp_path, package_dir=REPO / "casebook")
    code = notebook_code(paths, template)
    assert REPO / "casebook" / "render" / "case_view.py" in code
    assert REPO / "casebook" / "engine" / "build.py" not in code
    add_cell(tmp_path / template, "if True: import casebook.render.memo")  # a compound statement on one line
    assert REPO / "casebook" / "render" / "memo.py" in notebook_code(paths, template)
    add_cell(tmp_path / template, "%matplotlib inline")  # a magic: it could import anything
    assert notebook_code(paths, template) == paths.package_sources()


def test_requirement_files_are_not_inputs_but_installed_versions_are(project, tmp_path, monkeypatch):
    (project.root / "requirements.txt").write_text("pandas==0.0.1\n", encoding="utf-8")
    assert _stale(project, tmp_path) == []
    real_version = cache_module.package_versions

    def pandas_upgraded() -> dict[str, str]:
        return {**real_version(), "pandas": "99.0"}

    monkeypatch.setattr(cache_module, "package_versions", pandas_upgraded)
    assert _stale(project, tmp_path) == sorted([*CASES, PORTFOLIO])


def test_another_python_version_reexecutes_everything(project, tmp_path, monkeypatch):
    monkeypatch.setattr("platform.python_version", lambda: "3.11.99")
    assert _stale(project, tmp_path) == sorted([*CASES, PORTFOLIO])


def test_a_new_case_runs_alone_with_the_portfolio(project, tmp_path):
    shutil.copy2(FICTIONAL_BASE_PATH.with_name("fiktiv-syd.yaml"), project.root / "data/cases/fiktiv-syd.yaml")
    assert _stale(project, tmp_path) == sorted(["fiktiv-syd", PORTFOLIO])


def test_every_executed_notebook_declares_its_inputs_with_its_template(project, tmp_path):
    _edit_notebook(project.root / "notebooks/portfolio.ipynb")
    _edit_notebook(project.root / "notebooks/case_report.ipynb")
    jobs = {
        job.name: job
        for job in plan_executions(
            project,
            validate_all(project, as_of=as_of_date()),
            ExecutionCache(project),
            tmp_path / "w",
            dt.datetime.now(dt.UTC),
        ).jobs
    }
    assert "notebooks/case_report.ipynb" in jobs["fiktiv-bas"].inputs
    assert "data/cases/fiktiv-bas.yaml" in jobs["fiktiv-bas"].inputs
    assert "data/cases/fiktiv-norr.yaml" not in jobs["fiktiv-bas"].inputs
    assert "notebooks/portfolio.ipynb" in jobs[PORTFOLIO].inputs
    assert {"data/cases/fiktiv-bas.yaml", "data/cases/fiktiv-norr.yaml", "casebook/domain/rules/ordinance.py"} <= set(
        jobs[PORTFOLIO].inputs
    )


def test_removing_a_case_prunes_it_from_the_cache(project):
    cache = ExecutionCache(project)
    assert cache.notebook("fiktiv-norr").exists()
    cache.prune({"fiktiv-bas", "rjh-2025-spin"})
    assert not cache.notebook("fiktiv-norr").exists() and cache.notebook("fiktiv-bas").exists()


def _links(page: Path) -> set[str]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return {a["href"].split("#")[0] for a in soup.find_all("a", href=True)}


def _summary(root: Path, tmp_path: Path, env: dict[str, str]) -> dict:
    return build_summary(root, tmp_path, env)


def _case_list_row(site: Path, case_id: str) -> str:
    soup = BeautifulSoup((site / "book/case_list.html").read_text(encoding="utf-8"), "html.parser")
    row = soup.select_one(f"main a[href='cases/{case_id}.html']").find_parent("tr")
    return row.get_text(" ", strip=True).replace("\N{SOFT HYPHEN}", "")


@pytest.mark.e2e
def test_a_case_added_changed_and_removed_rebuilds_the_pages_that_show_it_and_a_new_title_in_the_navigation_all(
    reference_project, tmp_path
):
    # The session's reference project, a first build: from scratch.
    assert json.loads((reference_project.parent / REFERENCE_SUMMARY).read_text())["site_build"] == "full"
    root = copy_built_project(reference_project, tmp_path / "repo")  # SPIN, built
    site = root / "_build" / "html"
    dated = {"SOURCE_DATE_EPOCH": REFERENCE_EPOCH}  # the day SPIN was built, so its notebook is reused

    # A new case: executed alone, and every page that lists cases links it. Its organisations
    # are new pages in the navigation, so the whole site is built again.
    case = root / "data/cases/fiktiv-bas.yaml"
    shutil.copy2(FICTIONAL_BASE_PATH, case)
    completed = casebook(root, "build", "--summary", str(tmp_path / "summary.json"), env=dated)
    assert completed.returncode == 0, completed.stderr
    assert "1 körd, 1 återanvänd" in completed.stderr
    assert json.loads((tmp_path / "summary.json").read_text())["site_build"] == "full"
    assert (site / "book/cases/fiktiv-bas.html").is_file()
    assert "cases/fiktiv-bas.html" in _links(site / "book/case_list.html")
    assert "cases/fiktiv-bas.html" in _links(site / "book/portfolio.html")
    assert "fiktiv-bas" in (site / "data/beslut.csv").read_text(encoding="utf-8")
    spin_page = (site / "book/cases/rjh-2025-spin.html").read_bytes()
    assert _case_list_row(site, "fiktiv-bas").endswith("0 av 18 (regelutfall som JSON)")

    assert _summary(root, tmp_path, dated)["site_build"] == "unchanged"

    case.write_text(
        case.read_text(encoding="utf-8").replace("amount_applied_for: 400000", "amount_applied_for: 399000"),
        encoding="utf-8",
    )
    summary = _summary(root, tmp_path, dated)
    assert (summary["executed"], summary["site_build"]) == (1, "incremental")
    assert "399\xa0000\xa0kr" in (site / "book/cases/fiktiv-bas.html").read_text(encoding="utf-8")
    assert _case_list_row(site, "fiktiv-bas").endswith("2 av 18 (regelutfall som JSON)")
    assert (site / "book/cases/rjh-2025-spin.html").read_bytes() == spin_page

    # SPIN's source document withdrawn (the file and the case file's `file:`, which may not name
    # a missing file): its page no longer links to the published copy, and the copy leaves the
    # site, although Sphinx never deletes a file it once copied there.
    source = root / "data" / "sources" / "000_2bcbd58892294728.txt"
    spin = root / "data" / "cases" / "rjh-2025-spin.yaml"
    kept, spin_text = source.read_bytes(), spin.read_text(encoding="utf-8")
    source.unlink()
    spin.write_text(spin_text.replace(f"  file: {source.name}\n", "", 1), encoding="utf-8")
    assert spin.read_text(encoding="utf-8") != spin_text
    summary = _summary(root, tmp_path, dated)
    assert (summary["executed"], summary["site_build"]) == (1, "incremental")
    assert not (site / "data" / "kallor" / source.name).exists()
    assert f"data/kallor/{source.name}" not in (site / "book/cases/rjh-2025-spin.html").read_text(encoding="utf-8")
    source.write_bytes(kept)
    spin.write_text(spin_text, encoding="utf-8")
    summary = _summary(root, tmp_path, dated)
    assert (summary["executed"], summary["site_build"]) == (1, "incremental")
    assert (site / "data" / "kallor" / source.name).read_bytes() == kept
    # Written again by an incremental build, the page links the same files as the reference
    # project's build from scratch wrote (MyST-NB's stylesheet once lacked its checksum there).
    scratch = (reference_project / "_build/html/book/cases/rjh-2025-spin.html").read_bytes()
    head = (site / "book/cases/rjh-2025-spin.html").read_bytes().split(b"<body", 1)[0]
    assert head == scratch.split(b"<body", 1)[0] == spin_page.split(b"<body", 1)[0] and b"mystnb." in head

    # A case page is in no navigation: its new title rebuilds the pages that show it, not all.
    case.write_text(
        case.read_text(encoding="utf-8").replace("Samverkan i Exempelbygd", "Ny titel i Exempelbygd"), encoding="utf-8"
    )
    assert _summary(root, tmp_path, dated)["site_build"] == "incremental"
    assert "Ny titel i Exempelbygd" in _case_list_row(site, "fiktiv-bas")
    page = (site / "book/cases/fiktiv-bas.html").read_text(encoding="utf-8")
    assert "Ny titel i Exempelbygd" in page.split("<title>", 1)[1].split("</title>", 1)[0]

    # A page of the navigation retitled: every page's sidebar shows it, so everything is rebuilt.
    method = root / "book" / "method.md"
    heading = next(line for line in method.read_text(encoding="utf-8").splitlines() if line.startswith("# "))
    method.write_text(
        method.read_text(encoding="utf-8").replace(heading, "# Metod och antaganden, ny rubrik", 1), encoding="utf-8"
    )
    assert _summary(root, tmp_path, dated)["site_build"] == "full"
    assert "Metod och antaganden, ny rubrik" in (site / "book/cases/rjh-2025-spin.html").read_text(
        encoding="utf-8"
    ).replace("\N{SOFT HYPHEN}", "")

    # A removed case: a full build, so that its page is gone, no page links it any more, and
    # its notebook leaves the cache.
    case.unlink()
    assert _summary(root, tmp_path, dated)["site_build"] == "full"
    assert not (site / "book/cases/fiktiv-bas.html").exists()
    for page in site.rglob("*.html"):
        assert not any("fiktiv-bas" in link for link in _links(page)), page
    assert not ExecutionCache(ProjectPaths.at(root)).notebook("fiktiv-bas").exists()
