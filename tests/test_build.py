"""End to end: the command line builds the site from a copy of the repository.

The build runs in a temporary copy so the tests never touch the working tree's site; most
tests read the session's reference site (``reference_project`` in tests/conftest.py).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import platform
import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from conftest import (
    REFERENCE_EPOCH,
    REFERENCE_OUTPUT,
    REFERENCE_SUMMARY,
    REPO,
    SPIN_PATH,
    casebook,
    copy_built_project,
    copy_project,
    frictionless_validate,
    git,
)

from casebook.domain.case_file import load_case
from casebook.domain.clock import as_of_date
from casebook.domain.rules import RULES, applicable_rule_sets, rules_for

# Every test here builds the whole site (or uses the session's reference site).
pytestmark = pytest.mark.e2e

NBSP = "\N{NO-BREAK SPACE}"


def page_text(path: Path) -> str:
    """The main text of a page as a reader reads it: without the soft hyphens of long words."""
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    return (soup.find("main") or soup).get_text(" ", strip=True).replace("\N{SOFT HYPHEN}", "")


@pytest.fixture(scope="module")
def site(reference_project) -> Path:
    return reference_project / "_build" / "html"


@pytest.fixture(scope="module")
def spin_page(site) -> Path:
    return site / "book" / "cases" / "rjh-2025-spin.html"


def test_a_build_says_what_it_did_in_the_analysts_terms_and_keeps_sphinx_details_in_its_summary(reference_project):
    output = (reference_project.parent / REFERENCE_OUTPUT).read_text(encoding="utf-8").splitlines()
    summary = json.loads((reference_project.parent / REFERENCE_SUMMARY).read_text(encoding="utf-8"))
    assert output[-1].startswith("Klart: 1 ärende, 1 körd, 0 återanvända, 0 misslyckade, ")
    assert not [line for line in output if "parallell" in line or "Sphinx" in line or "tillägg" in line], output
    # The progress counts notebooks (the case's and the portfolio's), named as messages name them.
    progress = next(line for line in output if line.startswith("Kör anteckningsböcker"))
    assert " 2/2 " in progress and ("Ärendet rjh-2025-spin" in progress or "Portföljen" in progress), progress
    assert "_portfolio" not in "\n".join(output)
    # Which extensions kept Sphinx serial is the summary's (`casebook build --summary`).
    assert "sphinx_multitoc_numbering (read)" in summary["site_serial_because"]


def test_site_has_start_page_case_list_method_and_rules(site):
    for page in (
        "index.html",
        "book/index.html",
        "book/case_list.html",
        "book/method.html",
        "book/rules.html",
        "book/case_format.html",
        "book/cases/rjh-2025-spin.html",
    ):
        assert (site / page).is_file(), page
    html = (site / "book" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="sv"' in html


def test_the_one_search_is_pagefinds_and_no_page_loads_an_index_of_sphinx(site):
    """Sphinx's own search index held every page and the theme loaded it on every page; the
    search page is the site's own (book/_templates/search.html), over Pagefind's index."""
    assert not (site / "searchindex.js").exists()
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        scripts = {
            s.get("src", "") for s in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select("script")
        }
        loaded = {
            name for name in ("searchindex.js", "searchtools.js", "language_data.js") if any(name in s for s in scripts)
        }
        assert not loaded, (page.relative_to(site).as_posix(), loaded)
    search = BeautifulSoup((site / "search.html").read_text(encoding="utf-8"), "html.parser")
    assert search.select_one("#webbplatssok[data-casebook-search]") is not None
    assert search.title.get_text().startswith("Sök – ")
    assert (site / "pagefind").is_dir()


def test_spin_page_shows_the_decision_figures(spin_page):
    text = page_text(spin_page)
    for figure in (
        f"6{NBSP}200{NBSP}285{NBSP}kr",
        f"12,10{NBSP}%",
        f"750{NBSP}000{NBSP}kr",
        f"6{NBSP}198{NBSP}347{NBSP}kr",
        f"12,0962{NBSP}%",
        f"750{NBSP}234{NBSP}kr",
        f"3{NBSP}000{NBSP}000{NBSP}kr",
        f"48,38{NBSP}%",
        f"950{NBSP}286{NBSP}kr",
        "2025-11-03",
        "2027-09-30",
    ):
        assert figure in text, figure


def test_spin_page_has_captioned_tables_and_charts_with_alt_text(spin_page):
    soup = BeautifulSoup(spin_page.read_text(encoding="utf-8"), "html.parser")
    captions = [c.get_text(strip=True).replace("\N{SOFT HYPHEN}", "") for c in soup.find_all("caption")]
    assert any(c.startswith("Projektets finansieringsplan") for c in captions)
    assert any(c.startswith("Regelkontroller") for c in captions)
    for table in soup.select("main table"):
        assert table.find("caption") is not None and table.find("th") is not None
    images = soup.select("main img")
    assert len(images) == 2
    for image in images:
        assert image["src"].endswith(".svg") and len(image.get("alt", "")) > 40
    assert (spin_page.parent / images[0]["src"]).resolve().is_file()


def test_spin_page_hides_code_and_the_parameters_cell(spin_page):
    html = spin_page.read_text(encoding="utf-8")
    for code in (
        "case_path =",
        "case_id =",
        "as_of =",
        "audit = ",
        "prepare(case_path or case_id",
        "report.facts_table()",
        "glue_all()",
    ):
        assert code not in html, code


def spin_rules():
    """The rules that apply to SPIN: it records no follow-up."""
    return rules_for(applicable_rule_sets(load_case(SPIN_PATH, as_of=as_of_date())))


def test_spin_page_shows_every_rule_and_the_review_items(spin_page):
    text = page_text(spin_page)
    for rule in spin_rules():  # SPIN records no follow-up, so the follow-up rules do not apply
        assert rule.title in text, rule.id
    assert "tillåtet upp till 100 procent eftersom Tillväxtverket" in text
    assert f"750{NBSP}000{NBSP}kr är 1{NBSP}kr högre än sökt belopp 749{NBSP}999{NBSP}kr" in text


def test_rule_catalogue_names_every_rule_and_its_source(site):
    text = page_text(site / "book" / "rules.html")
    for rule in RULES:
        assert rule.id in text and rule.title in text, rule.id
    assert "5 § första och andra meningen förordning (2003:596)" in text
    assert "SFS 2009:674" in text


def test_case_list_links_the_case_and_its_results(site):
    soup = BeautifulSoup((site / "book" / "case_list.html").read_text(encoding="utf-8"), "html.parser")
    links = [a["href"] for a in soup.select("main a[href]")]
    assert "cases/rjh-2025-spin.html" in links
    results_link = next(h for h in links if h.endswith("rjh-2025-spin.json"))
    results = json.loads((site / "book" / results_link).read_text(encoding="utf-8"))
    assert results["case_id"] == "rjh-2025-spin" and len(results["results"]) == len(spin_rules())


def test_schema_is_downloadable(site):
    soup = BeautifulSoup((site / "book" / "case_format.html").read_text(encoding="utf-8"), "html.parser")
    href = next(a["href"] for a in soup.select("main a[href]") if a["href"].endswith("arendefil.schema.json"))
    assert json.loads((site / "book" / href).read_text(encoding="utf-8"))["title"].startswith("Ärendefil")


def test_downloadable_notebook_keeps_code_and_no_machine_paths(site):
    notebook_path = site / "_sources" / "book" / "cases" / "rjh-2025-spin.ipynb"
    notebook = nbformat.read(notebook_path, as_version=4)
    sources = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert 'case_path = "../data/cases/rjh-2025-spin.yaml"' in sources
    assert "prepare(case_path or case_id, as_of=as_of or as_of_date(), sha256=case_sha256)" in sources
    assert f'as_of = "{notebook.metadata["papermill"]["parameters"]["audit"]["as_of"]}"' in sources  # the build's date
    assert notebook.metadata["papermill"]["input_path"] == "notebooks/case_report.ipynb"
    # Published without nbformat's indentation (a lighter site), and read back whole.
    text = notebook_path.read_text(encoding="utf-8")
    assert text.count("\n") == 1 and text.endswith("}\n")
    nbformat.validate(notebook)
    assert len(text.encode()) < 0.9 * len(nbformat.writes(notebook).encode())
    build_root = str(site.parents[1])
    for path in site.rglob("*"):
        if path.suffix in {".html", ".ipynb", ".json", ".js", ".txt"}:
            assert build_root not in path.read_text(encoding="utf-8", errors="replace"), path


def test_a_bad_case_file_stops_the_build_before_anything_runs(tmp_path):
    root = copy_project(tmp_path / "repo")
    bad = root / "data" / "cases" / "fiktiv-fel.yaml"
    bad.write_text(
        SPIN_PATH.read_text(encoding="utf-8")
        .replace("id: rjh-2025-spin", "id: fiktiv-fel")
        .replace("amount: 950286", "amount: nio"),
        encoding="utf-8",
    )
    completed = casebook(root, "build")
    assert completed.returncode == 2
    assert "fiktiv-fel.yaml" in completed.stderr and "financing_plan, post 4, amount" in completed.stderr
    assert "Traceback" not in completed.stderr + completed.stdout
    assert len(completed.stderr.splitlines()) < 25
    assert not (root / "_build").exists()


def test_a_failing_case_is_named_the_others_run_and_nothing_is_published(tmp_path):
    root = copy_project(tmp_path / "repo")
    failing = root / "data" / "cases" / "fiktiv-kraschar.yaml"
    failing.write_text(
        SPIN_PATH.read_text(encoding="utf-8").replace("id: rjh-2025-spin", "id: fiktiv-kraschar"), encoding="utf-8"
    )
    template = root / "notebooks" / "case_report.ipynb"
    notebook = nbformat.read(template, as_version=4)
    notebook.cells.append(
        nbformat.v4.new_code_cell('if "kraschar" in case_path:\n    raise RuntimeError("avsiktligt fel")')
    )
    nbformat.write(notebook, template)
    previous = root / "_build" / "html"
    previous.mkdir(parents=True)
    (previous / "index.html").write_text("föregående webbplats", encoding="utf-8")
    (previous / ".casebook-site").write_text("", encoding="utf-8")  # a copy of a site we published

    completed = casebook(root, "build")

    assert completed.returncode == 1
    last_cell_of_executed_notebook = len(notebook.cells) + 1  # papermill injects the parameters cell
    assert f"Ärendet fiktiv-kraschar misslyckades i cell {last_cell_of_executed_notebook}" in completed.stderr
    assert "RuntimeError: avsiktligt fel" in completed.stderr
    assert (root / "_build" / "failed" / "fiktiv-kraschar.ipynb").is_file()
    assert "1 av 2 ärenden misslyckades (fiktiv-kraschar); 1 kördes utan fel" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert (previous / "index.html").read_text(encoding="utf-8") == "föregående webbplats"
    assert sorted(p.name for p in previous.iterdir()) == [".casebook-site", "index.html"]


def test_check_validates_the_repository_cases():
    completed = casebook(REPO, "check")
    assert completed.returncode == 0, completed.stderr
    assert "1 ärendefil är giltig." in completed.stderr


def test_spin_page_shows_its_audit_trail(site):
    root = site.parents[1]
    text = page_text(site / "book" / "cases" / "rjh-2025-spin.html")
    for relative in (
        "data/cases/rjh-2025-spin.yaml",
        "notebooks/case_report.ipynb",
        "casebook/domain/rules/ordinance.py",
        "data/reference/regional_actors.yaml",
    ):
        assert relative in text, relative
    assert hashlib.sha256((root / "data/cases/rjh-2025-spin.yaml").read_bytes()).hexdigest() in text
    assert hashlib.sha256((root / "notebooks/case_report.ipynb").read_bytes()).hexdigest() in text
    assert git(root, "rev-parse", "HEAD") in text
    assert f"Python {platform.python_version()}" in text.replace("Version av Python ", "Python ")
    assert "Version av pandas 3.1.1" in text and "Version av jupyter-book 1.0.4.post1" in text
    assert re.search(r"Körd \(UTC\) \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text)


def test_spin_page_lists_the_case_file_changes_newest_first_in_swedish_with_links_to_them(site):
    root = site.parents[1]
    text = page_text(site / "book" / "cases" / "rjh-2025-spin.html")
    # What changed, not the commit messages ("Granska SPIN" added a comment, "Lägg till SPIN" the file).
    assert text.index("Bara kommentarer i filen ändrades; inga uppgifter.") < text.index("Ärendet lades till.")
    assert "Granska SPIN" not in text and "Lägg till SPIN" not in text
    soup = BeautifulSoup((site / "book" / "cases" / "rjh-2025-spin.html").read_text(encoding="utf-8"), "html.parser")
    links = [a["href"] for a in soup.select("#T_history a")]
    commits = git(root, "log", "--format=%h", "--", "data/cases/rjh-2025-spin.yaml").split()
    assert links == [f"https://example.invalid/casebook/commit/{commit}" for commit in commits]


def test_portfolio_page_summarises_the_cases(site):
    text = page_text(site / "book" / "portfolio.html")
    assert "Region Jämtland Härjedalen" in text and f"750{NBSP}000{NBSP}kr" in text
    assert f"6{NBSP}200{NBSP}285{NBSP}kr" in text
    soup = BeautifulSoup((site / "book" / "portfolio.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.select_one('main a[href="cases/rjh-2025-spin.html"]') is not None
    assert len(soup.select("main img")) == 2


def test_open_data_files_download_and_parse(site):
    soup = BeautifulSoup((site / "book" / "open_data.html").read_text(encoding="utf-8"), "html.parser")
    hrefs = {a["href"] for a in soup.select("main a[href]") if "data/" in a["href"]}
    # SPIN is a proposal: no grant, so no 360Giving file (its schema needs at least one grant).
    assert hrefs == {
        "../data/beslut.csv",
        "../data/beslut.json",
        "../data/beslut.schema.json",
        "../data/finansieringsplaner.csv",
        "../data/finansieringsplaner.json",
        "../data/finansieringsplaner.schema.json",
        "../data/medfinansiering.xlsx",
        "../data/datapackage.json",
        "../data/katalog.rdf",
        "../data/arendefil.schema.json",
        # SPIN records no follow-up: the payments are published with their header and no rows.
        "../data/utbetalningar.csv",
        "../data/utbetalningar.json",
        "../data/utbetalningar.schema.json",
    }
    assert not (site / "data" / "360giving.json").exists()
    text = page_text(site / "book" / "open_data.html")
    assert "inget av 1 ärende är ett bidrag som utgivaren har beviljat, så ingen 360Giving-fil publiceras" in text
    assert "1 är förslag till beslut" in text and "finns i 360giving.json" not in text
    book = site / "book"
    decisions = list(csv.DictReader(io.StringIO((book / "../data/beslut.csv").read_text(encoding="utf-8"))))
    assert decisions[0]["total_financing_sek"] == "6200285" and decisions[0]["status"] == "proposal"
    assert (
        len(list(csv.DictReader(io.StringIO((book / "../data/finansieringsplaner.csv").read_text(encoding="utf-8")))))
        == 5
    )
    assert json.loads((book / "../data/beslut.json").read_text(encoding="utf-8"))[0]["case_id"] == "rjh-2025-spin"
    assert (decisions[0]["follow_up_status"], decisions[0]["follow_up_status_date"]) == ("proposal", "")
    payments = (site / "data" / "utbetalningar.csv").read_text(encoding="utf-8")
    assert payments.startswith("case_id,number,kind,") and payments.count("\n") == 1
    assert frictionless_validate(site / "data")[0] == 0  # the published data package, as a portal would check it


def test_no_build_machine_path_anywhere_in_the_site(site):
    build_root = str(site.parents[1])
    offenders = [
        str(path.relative_to(site))
        for path in site.rglob("*")
        if path.is_file() and build_root.encode() in path.read_bytes()
    ]
    assert offenders == []


def test_verify_passes_on_a_fresh_build_and_fails_when_an_output_is_altered(reference_project, tmp_path):
    root = copy_built_project(reference_project, tmp_path / "repo")
    verified = casebook(root, "verify")
    assert verified.returncode == 0, verified.stderr
    assert "rjh-2025-spin: reproducerad" in verified.stderr
    page = page_text(root / "_build/html/book/verification.html")
    assert "SPIN – Strategisk Planering i Norr Reproducerad" in page

    published = root / "_build/html/_sources/book/cases/rjh-2025-spin.ipynb"
    notebook = nbformat.read(published, as_version=4)
    output = next(
        o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if "text/html" in o.get("data", {})
    )
    output["data"]["text/html"] = output["data"]["text/html"].replace("Region", "Regionen", 1)
    nbformat.write(notebook, published)

    tampered = casebook(root, "verify")
    assert tampered.returncode == 1
    assert "rjh-2025-spin: INTE reproducerad" in tampered.stderr
    assert "Traceback" not in tampered.stderr


def test_a_failing_book_build_leaves_the_previous_site_unchanged(reference_project, tmp_path):
    root = copy_built_project(reference_project, tmp_path / "repo")
    site = root / "_build" / "html"
    before = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    method = root / "book" / "method.md"
    method.write_text(method.read_text(encoding="utf-8") + "\n[trasig länk](finns-inte.md)\n", encoding="utf-8")

    completed = casebook(root, "build", env={"SOURCE_DATE_EPOCH": REFERENCE_EPOCH})

    assert completed.returncode == 1
    assert "Jupyter Book misslyckades" in completed.stderr and "book/method.md" in completed.stderr
    assert "Traceback" not in completed.stderr and str(root) not in completed.stderr
    after = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in site.parent.iterdir() if p.name.startswith(".staging")] == []


def test_the_exported_site_is_real_files_that_any_web_server_serves(site, tmp_path):
    """`cp -r _build/html` copies a symbolic link; `casebook export` copies the site itself."""
    import functools
    import threading
    import urllib.request
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    root = site.parent.parent
    target = tmp_path / "webbserver" / "casebook"
    done = casebook(root, "export", str(target))
    assert done.returncode == 0, done.stderr
    files = [path for path in target.rglob("*") if path.is_file()]
    assert f"{len(files)} filer" in done.stderr
    assert not [path for path in target.rglob("*") if path.is_symlink()]
    assert sorted(p.relative_to(target) for p in files) == sorted(
        p.relative_to(site.resolve()) for p in site.resolve().rglob("*") if p.is_file()
    )

    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(target))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        for page in ("index.html", "book/case_list.html", "book/cases/rjh-2025-spin.html", "data/beslut.csv"):
            with urllib.request.urlopen(f"{base}/{page}", timeout=30) as response:
                assert response.status == 200 and response.read() == (site / page).read_bytes(), page
    finally:
        server.shutdown()
    assert casebook(root, "export", str(target)).returncode == 2  # never into a folder that holds something
