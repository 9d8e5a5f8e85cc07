"""Whatever ``casebook check`` accepts, the build writes: a property over arbitrary Unicode and
numbers in every field of a case file (Hypothesis), run through every writer of the build in
this process (the case page's cells, the generated pages, the open data as CSV, JSON, xlsx,
360Giving, data package and DCAT-AP-SE, the memo as Word and PDF/A, the report PDF), and one
whole build of a hostile-but-valid case."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import REFERENCE_DIR, REPO, casebook, copy_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casebook.domain.clock import as_of_date
from casebook.domain.errors import CaseFileError
from casebook.domain.evaluation import evaluate_case
from casebook.domain.reference import load_national_agencies, load_publisher, load_regional_actors
from casebook.domain.repertoire import SHOWN_RANGES
from casebook.engine.documents import write_memo, write_report
from casebook.render import pages
from casebook.render.opendata import write_open_data

BASE = REPO / "tests" / "cases" / "fiktiv-uppfoljning-tak.yaml"  # a decided case with every part of a follow-up
TEMPLATE = REPO / "notebooks" / "case_report.ipynb"
# Text that is not a field's own: values from fixed lists, and names the reference data must know.
KEPT = {"id", "topic", "state", "rule_sets", "organisation_number", "settlement"}
KEPT_VALUES = {"Tillväxtverket"}
PUBLISHER = "Region Jämtland Härjedalen"  # data/reference/publisher.yaml
SHOWN = [chr(code) for first, last in SHOWN_RANGES for code in range(first, last + 1)]
# Hand-picked: markup of every output format, spreadsheet formulas, right-to-left text,
# combining marks, ligatures, characters outside the Basic Multilingual Plane.
NASTY = [
    "=1+1",
    "@SUM(A1)",
    "-2+3",
    "+46 10",
    "<script>alert(1)</script>",
    "{glue:text}`x`",
    "$$x$$",
    "*fet* _kursiv_",
    "#pagebreak()",
    "\\",
    "`",
    "]]>",
    "&amp;",
    '"citat"',
    "'",
    "שלום עולם",
    "e\u0301",
    "ﬁ",
    "Ω≈ç√∫",
    "\u00a0",
    "Åsa Öberg–Ärlig",
    "% 100",
    "a" * 500,
    "𝐀𝔄",
    "⟨⟩",
    "\ufb01\ufb02",
    "ı̇",
    "ŉ",
    "\u0345",
]
# A third of the drawn cases hold any Unicode in their text (check refuses most of them), a
# third any number (drawn apart, so that any text meets valid numbers); the others only what
# check accepts, so that the writers get many cases to write.
ANY = {
    "text": st.one_of(st.text(min_size=1, max_size=30), st.sampled_from(NASTY)),
    "amount": st.integers(min_value=-5, max_value=10**11),
    "share": st.decimals(min_value=Decimal("-1"), max_value=Decimal("101"), places=4),
    "indicator": st.one_of(
        st.integers(min_value=-1, max_value=10**13), st.decimals(min_value=0, max_value=Decimal(10**13), places=5)
    ),
}
VISIBLE = [character for character in SHOWN if not character.isspace()]
ACCEPTED = {
    "text": st.one_of(
        st.tuples(st.sampled_from(VISIBLE), st.text(st.sampled_from(SHOWN), max_size=40)).map("".join),
        st.sampled_from(NASTY),
    ),
    "amount": st.integers(min_value=1, max_value=10**10),
    "share": st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("100"), places=4),
    "indicator": st.decimals(min_value=0, max_value=Decimal(10**12), places=4),
}


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data) -> bool:  # PyYAML's signature
        return True


_NoAliases.add_representer(
    Decimal, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:float", str(value))
)


def _texts_replaced(node, text, replacements: dict[str, str], parent: str = ""):
    """``node`` with every text value replaced by drawn text (``text()``); equal texts get equal
    replacements, so the decision-maker still names its line of the financing plan and an
    outcome its indicator."""
    if isinstance(node, dict):
        return {
            key: value
            if key in KEPT or (key, parent) == ("kind", "financing_plan")
            else _texts_replaced(value, text, replacements, key)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_texts_replaced(item, text, replacements, parent) for item in node]
    if isinstance(node, str) and node not in KEPT_VALUES:
        if node not in replacements:
            drawn = text()
            # Two financiers, or an indicator and another field, drawn alike would be refused as
            # duplicates: each text stays distinct, so the draws that check accepts reach the writers.
            replacements[node] = drawn if drawn not in replacements.values() else f"{drawn} {len(replacements)}"
        return replacements[node]
    return node


@st.composite
def case_documents(draw):
    text = draw(st.sampled_from([ANY, ACCEPTED, ACCEPTED]))["text"]
    pool = draw(st.sampled_from([ANY, ACCEPTED, ACCEPTED]))
    document = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    # Decided by the publisher, so the 360Giving file records it as a grant.
    document = _texts_replaced(document, lambda: draw(text), {"Region Dalarna": PUBLISHER})
    document["amount_applied_for"] = draw(pool["amount"])
    document["total_costs"] = draw(st.one_of(st.none(), pool["amount"]))
    for line in document["financing_plan"]:
        line["amount"] = draw(pool["amount"])
    document["decision"]["share_percent"] = draw(pool["share"])
    document["decision"]["max_amount"] = draw(pool["amount"])
    for request in document["follow_up"]["payment_requests"]:
        request["reported_costs"] = draw(pool["amount"])
        request["approved_costs"] = draw(st.integers(min_value=0, max_value=max(0, request["reported_costs"])))
    document["indicators"][0]["target"] = draw(pool["indicator"])
    document["follow_up"]["indicator_outcomes"][0]["outcome"] = draw(pool["indicator"])
    return document


def _run_the_cells(case_path: Path) -> list[str]:
    """The case page's notebook, cell by cell in this process, each output as the notebook would store it."""
    cells = nbformat.read(TEMPLATE, as_version=4).cells
    namespace: dict = {}
    exec(cells[1].source, namespace)  # the template's parameters, with their defaults
    namespace.update(case_id=None, case_path=str(case_path))
    shown = []
    for cell in cells[2:]:
        if cell.cell_type != "code":
            continue
        with contextlib.redirect_stdout(io.StringIO()):  # glue_all() displays outside a kernel
            lines = cell.source.strip().splitlines()
            exec("\n".join(lines[:-1]), namespace)  # the repository's own template
            value = (
                eval(lines[-1], namespace)
                if lines and not lines[-1].startswith(("report.glue_all", "import", "from"))
                else None
            )
        for method in ("_repr_html_", "_repr_svg_", "_repr_markdown_"):
            if value is not None and hasattr(value, method):
                shown.append(json.dumps(getattr(value, method)()))
    return shown


@pytest.fixture(scope="module")
def reference():
    return load_regional_actors(REFERENCE_DIR), load_national_agencies(REFERENCE_DIR), load_publisher(REFERENCE_DIR)


def test_whatever_check_accepts_every_writer_writes(tmp_path_factory, reference):
    actors, agencies, publisher = reference
    project = tmp_path_factory.mktemp("projekt")
    shutil.copytree(REFERENCE_DIR, project / "data" / "reference")
    path = project / "data" / "cases" / "fiktiv-uppfoljning-tak.yaml"
    path.parent.mkdir()
    accepted = []

    @given(case_documents())
    @settings(max_examples=50, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    def check(document):
        folder = tmp_path_factory.mktemp("utdata")
        path.write_text(yaml.dump(document, Dumper=_NoAliases, allow_unicode=True, sort_keys=False), encoding="utf-8")
        try:
            evaluated = evaluate_case(path, REFERENCE_DIR, as_of=as_of_date())
        except CaseFileError:
            return  # refused by check, with its Swedish message: the build would not start
        accepted.append(document["title"])
        assert _run_the_cells(path)
        source = folder / "book"
        (source / "_config.yml").parent.mkdir()
        shutil.copy2(REPO / "_config.yml", source / "_config.yml")
        change = {"commit": "abc1234", "date": "2017-03-01", "message": "x", "fields": ["title"]}
        pages.write_generated(
            source,
            [evaluated],
            folder / "verification.json",
            {evaluated.case.id: "0" * 64},
            publisher,
            {evaluated.case.id: [change]},
        )
        assert (source / pages.GENERATED / "extra" / pages.FEED_FILE).read_bytes().startswith(b"<?xml")
        written = write_open_data(
            folder / "data", [evaluated], actors, agencies=agencies, publisher=publisher, as_of=as_of_date()
        )
        assert {p.name for p in written} >= {"beslut.csv", "medfinansiering.xlsx", "360giving.json", "katalog.rdf"}
        memo = write_memo(evaluated, folder / "memo", REFERENCE_DIR)
        assert memo.pdf.read_bytes().startswith(b"%PDF") and memo.docx.stat().st_size
        report = write_report(evaluated, folder / "rapport")
        assert report.pdf.read_bytes().startswith(b"%PDF")

    check()
    assert accepted, "no drawn case passed check: the property was never tried"


NASTY_CASE = REPO / "tests" / "hostile" / "fiktiv-tecken.yaml"


@pytest.mark.e2e  # builds the whole site
def test_a_nasty_but_valid_case_builds_and_its_page_shows_it_literally(tmp_path):
    root = copy_project(tmp_path / "repo")
    shutil.copy2(NASTY_CASE, root / "data" / "cases" / NASTY_CASE.name)
    assert casebook(root, "check").returncode == 0
    built = casebook(root, "build")
    assert built.returncode == 0, built.stderr
    site = (root / "_build" / "html").resolve()
    page = BeautifulSoup((site / "book" / "cases" / "fiktiv-tecken.html").read_text(encoding="utf-8"), "html.parser")
    title = evaluate_case(NASTY_CASE, REFERENCE_DIR, as_of=as_of_date()).case.title
    assert page.find("h1").get_text().startswith(title)
    shown = page.find("main").get_text(" ")
    for literal in (
        "Region Gävleborg ⟨שלום⟩",
        "Ŋiillas Áilu Čáhppes",
        "=1+1 @SUM(A1)",
        "{{ villkor }}",
        "Underlag 𝔄 ש",
    ):
        assert literal in shown, literal
    for download in ("memo/fiktiv-tecken.pdf", "rapport/fiktiv-tecken.pdf"):
        assert (site / download).read_bytes().startswith(b"%PDF"), download
    assert "Čohkkiras" in (site / "data" / "beslut.csv").read_text(encoding="utf-8")
