"""One clock: a build reads the time once, as it starts, and judges every case on that day;
the rules, views, portfolio and open data take the date and never read the clock.

A build that runs across midnight UTC must not judge the first cases on one day and the rest
on the next: the clock is patched to say 23:59:59 on its first reading and the next day on
every later one, and each case page, the portfolio, the audit trail and the open data must
say the first day. Two copies of a case whose final report is due that very day make the
difference visible: on the next day both would be overdue.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil

import nbformat
import pytest
from conftest import REPO, copy_project, git
from rich.console import Console

from casebook.domain import clock
from casebook.domain.evaluation import evaluate_case
from casebook.domain.rules import Outcome
from casebook.engine import build
from casebook.engine.audit import recorded_audit
from casebook.engine.paths import ProjectPaths
from casebook.render.case_view import CaseView
from casebook.render.opendata_tables import OrganisationNumbers, decision_rows
from casebook.render.portfolio import Portfolio

CASES = REPO / "tests" / "cases"
REFERENCE_DIR = REPO / "data" / "reference"
BEFORE_MIDNIGHT = dt.datetime(2101, 2, 28, 23, 59, 59, tzinfo=dt.UTC)  # the final report's last day
AFTER_MIDNIGHT = dt.datetime(2101, 3, 1, 0, 0, 1, tzinfo=dt.UTC)
DUE_CASES = ("fiktiv-uppfoljning-forskott", "fiktiv-uppfoljning-forskott-kopia")


def test_rules_views_portfolio_and_open_data_take_the_date_and_never_read_the_clock(monkeypatch):
    def no_clock() -> dt.datetime:
        raise AssertionError("read the clock")

    monkeypatch.setattr(clock, "now", no_clock)
    day = dt.date(2101, 3, 1)  # the day after the final report's last day
    evaluated = evaluate_case(CASES / "fiktiv-uppfoljning-forskott.yaml", REFERENCE_DIR, as_of=day)
    on_time = next(r for r in evaluated.results if r.rule.id == "uppfoljning-slutrapport-i-tid")
    assert on_time.outcome is Outcome.NOT_MET and "Försenad med 1 dag per byggdatum 2101-03-01" in on_time.evidence
    assert (
        "Läge per byggdatum 2101-03-01:</strong> Slutrapporten är försenad."
        in CaseView(evaluated).follow_up_status().data
    )
    assert "per byggdatum 2101-03-01 (1 st.)" in Portfolio((evaluated,), day).overdue_final_reports_table().data
    row = decision_rows([evaluated], OrganisationNumbers([evaluated]), day)[0]
    assert (row["follow_up_status"], row["follow_up_status_date"]) == ("final_report_overdue", "2101-03-01")


def _injected(notebook: nbformat.NotebookNode) -> dict:
    return notebook.metadata["papermill"]["parameters"]


def _text(notebook: nbformat.NotebookNode) -> str:
    """Every text output of the notebook (HTML and plain), as one string."""
    return "\n".join(
        "".join(output.get("data", {}).get(mime, ""))
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        for mime in ("text/html", "text/plain")
    )


@pytest.fixture
def source_built_across_midnight(tmp_path, monkeypatch):
    """The book sources a build assembled while the clock crossed midnight (the Jupyter Book stage,
    which reads no date, is not run)."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    root = copy_project(tmp_path / "repo")
    forskott = (CASES / "fiktiv-uppfoljning-forskott.yaml").read_text(encoding="utf-8")
    for case_id in DUE_CASES:
        text = forskott.replace("id: fiktiv-uppfoljning-forskott\n", f"id: {case_id}\n")
        (root / "data" / "cases" / f"{case_id}.yaml").write_text(text, encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Första versionen")

    readings = []

    def now() -> dt.datetime:
        readings.append(BEFORE_MIDNIGHT if not readings else AFTER_MIDNIGHT)
        return readings[-1]

    monkeypatch.setattr(clock, "now", now)
    source = tmp_path / "source"

    def stop_before_the_book(paths, staged, options=None):
        shutil.copytree(staged, source)
        raise build.BuildFailed("stopped before Jupyter Book")

    monkeypatch.setattr(build, "build_book", stop_before_the_book)
    with pytest.raises(build.BuildFailed, match="stopped before Jupyter Book"):
        build.build_site(ProjectPaths.at(root), console=Console(file=io.StringIO()), options=build.BuildOptions(jobs=2))
    assert readings  # the build read the clock (once: every later reading says the next day)
    return source


@pytest.mark.e2e
def test_a_build_across_midnight_judges_every_case_on_the_day_it_started(source_built_across_midnight):
    source = source_built_across_midnight
    cases = sorted((source / "book" / "cases").glob("*.ipynb"))
    assert {p.stem for p in cases} >= set(DUE_CASES)
    for path in cases:
        notebook = nbformat.read(path, as_version=4)
        assert _injected(notebook)["as_of"] == "2101-02-28", path.name
        record = recorded_audit(path)
        assert (record["as_of"], record["executed_at"]) == ("2101-02-28", "2101-02-28T23:59:59Z"), path.name
        assert "2101-02-28" in _text(notebook) and "2101-03-01" not in _text(notebook), path.name
    for case_id in DUE_CASES:
        page = _text(nbformat.read(source / "book" / "cases" / f"{case_id}.ipynb", as_version=4))
        assert "Läge per byggdatum 2101-02-28:</strong> Projektet slut, slutrapport väntas." in page
        assert "Slutrapporten har inte kommit in och är inte försenad per byggdatum 2101-02-28" in page  # the rule

    portfolio = nbformat.read(source / "book" / "portfolio.ipynb", as_version=4)
    assert _injected(portfolio)["as_of"] == "2101-02-28"
    assert "Ingen slutrapport är försenad" in _text(portfolio) and "2101-03-01" not in _text(portfolio)

    decisions = list(
        csv.DictReader((source / "book" / "_generated" / "extra" / "data" / "beslut.csv").open(encoding="utf-8"))
    )
    followed = [row for row in decisions if row["follow_up_status_date"]]
    assert {row["case_id"] for row in followed} >= set(DUE_CASES)
    assert {row["follow_up_status_date"] for row in followed} == {"2101-02-28"}
    assert {row["follow_up_status"] for row in followed if row["case_id"] in DUE_CASES} == {"final_report_due"}
