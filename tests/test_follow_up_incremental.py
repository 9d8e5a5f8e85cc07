"""A new payment request re-executes that case and the portfolio, nothing else.

The planning step is tested directly, as in tests/test_incremental.py; one real build
(marked e2e) checks that the request appears on the site with only that case and the
portfolio executed again.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from conftest import (
    REPO,
    build_summary,
    casebook,
    copy_built_project,
    copy_project,
    execute_everything,
    git,
    stale_notebooks,
)

from casebook.engine.paths import ProjectPaths

CASES = REPO / "tests" / "cases"
FIXED_DAY = "1764460800"  # 2025-11-30
NEW_REQUEST = (
    "    - {period_start: 2018-09-01, period_end: 2018-12-31, received: 2019-01-15, reported_costs: 200000,"
    " approved_costs: 180000, paid: 2019-02-01}\n"
)


def _add_payment_request(case: Path) -> None:
    text = case.read_text(encoding="utf-8")
    marker = "reported_costs: 500000}\n"  # the last request of fiktiv-uppfoljning-forskott
    assert text.count(marker) == 1
    case.write_text(
        text.replace(
            marker,
            marker.replace(
                "reported_costs: 500000}", "reported_costs: 500000, approved_costs: 480000, paid: 2018-10-01}"
            )
            + NEW_REQUEST,
        ),
        encoding="utf-8",
    )


@pytest.fixture
def project(tmp_path, monkeypatch) -> ProjectPaths:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", FIXED_DAY)
    root = copy_project(tmp_path / "repo")
    for name in ("fiktiv-bas", "fiktiv-uppfoljning-forskott", "fiktiv-uppfoljning-tak"):
        shutil.copy2(CASES / f"{name}.yaml", root / "data" / "cases" / f"{name}.yaml")
    package = tmp_path / "casebook"
    shutil.copytree(REPO / "casebook", package, ignore=shutil.ignore_patterns("__pycache__"))
    paths = ProjectPaths(root.resolve(), package_dir=package)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Första versionen")
    execute_everything(paths, tmp_path / "work")
    return paths


def test_nothing_changed_nothing_runs(project, tmp_path):
    assert stale_notebooks(project, tmp_path / "work") == []


def test_a_new_payment_request_reexecutes_that_case_and_the_portfolio_only(project, tmp_path):
    _add_payment_request(project.root / "data/cases/fiktiv-uppfoljning-forskott.yaml")
    assert stale_notebooks(project, tmp_path / "work") == ["_portfolio", "fiktiv-uppfoljning-forskott"]


def test_a_new_day_reexecutes_the_cases_judged_on_it_and_the_portfolio(project, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(FIXED_DAY) + 86_400))
    assert stale_notebooks(project, tmp_path / "work") == [
        "_portfolio",
        "fiktiv-uppfoljning-forskott",
        "fiktiv-uppfoljning-tak",
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """SPIN and fiktiv-uppfoljning-forskott built from scratch on FIXED_DAY, for both e2e tests:
    the project (``root``), which the payment test builds on where it was built (in a copy
    Sphinx would start afresh), a copy of it as built (``kept``) and the build's summary."""
    folder = tmp_path_factory.mktemp("follow-up")
    root = copy_project(folder / "repo")
    shutil.copy2(CASES / "fiktiv-uppfoljning-forskott.yaml", root / "data/cases/fiktiv-uppfoljning-forskott.yaml")
    summary = build_summary(root, folder, {"SOURCE_DATE_EPOCH": FIXED_DAY})  # as if built on 2025-11-30
    return SimpleNamespace(root=root, kept=copy_built_project(root, folder / "kept"), summary=summary)


@pytest.mark.e2e
def test_a_payment_request_appears_on_the_site_with_only_its_case_and_the_portfolio_executed(
    built, tmp_path, monkeypatch
):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", FIXED_DAY)
    root = built.root
    case = root / "data/cases/fiktiv-uppfoljning-forskott.yaml"
    assert built.summary["executed"] == 2
    site = root / "_build" / "html"
    spin_page = (site / "book/cases/rjh-2025-spin.html").read_bytes()
    portfolio_before = (site / "book/portfolio.html").read_text(encoding="utf-8")
    assert "144\xa0000\xa0kr" in portfolio_before

    _add_payment_request(case)
    summary = build_summary(root, tmp_path)
    assert (summary["executed"], summary["reused"], summary["site_build"]) == (1, 1, "incremental")
    page = BeautifulSoup(
        (site / "book/cases/fiktiv-uppfoljning-forskott.html").read_text(encoding="utf-8"), "html.parser"
    )
    rows = [r.get_text(" ", strip=True) for r in page.select("table#T_payment-requests tr")]
    # 20 % of 720 000 + 480 000 = 1 200 000 kr is 240 000 kr, less 144 000 kr paid before: 96 000 kr;
    # with the new request's 180 000 kr, 20 % of 1 380 000 kr is 276 000 kr, less 240 000 kr: 36 000 kr.
    assert any(row.startswith("3: ") and "= 240\xa0000\xa0kr" in row and "= 96\xa0000\xa0kr" in row for row in rows), (
        rows
    )
    assert any(row.startswith("4: ") and "= 276\xa0000\xa0kr" in row and "= 36\xa0000\xa0kr" in row for row in rows), (
        rows
    )
    assert (site / "book/cases/rjh-2025-spin.html").read_bytes() == spin_page
    # Paid in all: the advance 100 000 kr + 0 + 44 000 + 96 000 + 36 000 kr.
    assert "276\xa0000\xa0kr" not in portfolio_before
    assert "276\xa0000\xa0kr" in (site / "book/portfolio.html").read_text(encoding="utf-8")


@pytest.mark.e2e
def test_verify_on_a_later_day_reruns_a_follow_up_as_of_its_build_date(built, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    root = built.kept  # built on 2025-11-30
    page = BeautifulSoup(
        (root / "_build/html/book/cases/fiktiv-uppfoljning-forskott.html").read_text(encoding="utf-8"), "html.parser"
    ).get_text()
    assert "Läge per byggdatum 2025-11-30" in page
    verified = casebook(root, "verify")  # today, without SOURCE_DATE_EPOCH
    assert verified.returncode == 0, verified.stderr
    assert "fiktiv-uppfoljning-forskott: reproducerad" in verified.stderr
