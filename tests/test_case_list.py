"""The case list a reader can sort: by date, title, decision-maker, owner or amount.

- The generated table carries the sort keys (ISO dates, whole kronor) and marks its sortable
  columns; without JavaScript it stays newest first.
- In Chromium (book/_static/casebook-sort.js): a button in each sortable header, sorting by
  click and by Enter, ``aria-sort`` on the sorted header only, a Swedish announcement in a
  live region, amounts in numeric order, ties kept newest first, no axe violation, no
  console error, and no sideways scrolling at 320 px with the buttons visible.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import FICTIONAL_CASES, REPO, WCAG_21_AA
from conftest import open_page as _open
from html_table import read_table

from casebook.domain.clock import as_of_date
from casebook.domain.evaluation import evaluate_case
from casebook.render.pages import SORTABLE_COLUMNS, case_table

FICTIONAL = ["fiktiv-bas", "fiktiv-norr", "fiktiv-syd"]
CASE_LIST = "book/case_list.html"
ROW_IDS = """() => [...document.querySelectorAll('main table.casebook-sortable tbody tr')]
  .map(row => row.cells[2].querySelector('a').getAttribute('href').replace('cases/', '').replace('.html', ''))"""


def _reports():
    paths = [REPO / "tests" / "cases" / f"{name}.yaml" for name in FICTIONAL] + [
        REPO / "data" / "cases" / "rjh-2025-spin.yaml"
    ]
    return [evaluate_case(path, REPO / "data" / "reference", as_of=as_of_date()) for path in paths]


def test_the_case_table_carries_sort_keys_and_marks_its_sortable_columns():
    markup = case_table(_reports())
    assert f'class="table casebook-sortable casebook-sortable-{SORTABLE_COLUMNS}"' in markup
    assert read_table(markup).header[:SORTABLE_COLUMNS] == [
        "Datum",
        "Läge",
        "Projekt",
        "Beslutsfattare",
        "Projektägare",
        "Belopp",
    ]
    spin_row = markup[markup.index('<time datetime="2025-09-09">') :]
    assert '<data value="750000">' in spin_row and "</data>" in spin_row
    assert '<time datetime="2017-02-15">' in markup and '<data value="410000">' in markup


@pytest.fixture(scope="module")
def site(fictional_project):
    """SPIN and the three fictional cases (``FICTIONAL``), built once for the session."""
    assert tuple(FICTIONAL) == FICTIONAL_CASES
    return (fictional_project / "_build" / "html").resolve()


def _sorted_headers(page):
    return page.evaluate("""() => [...document.querySelectorAll('main table.casebook-sortable thead th[aria-sort]')]
      .map(th => [th.textContent.trim().replaceAll('\\u00ad', ''), th.getAttribute('aria-sort')])""")


def _plain(text: str) -> str:
    """Text as a reader reads it: without the soft hyphens the build puts into long words."""
    return text.replace("\N{SOFT HYPHEN}", "")


# SPIN's application (2025-09-09), then bas and syd (both decided 2017-02-15, by id), then norr (2016-02-15).
NEWEST_FIRST = ["rjh-2025-spin", "fiktiv-bas", "fiktiv-syd", "fiktiv-norr"]


@pytest.mark.e2e
def test_without_javascript_the_list_is_newest_first_without_buttons(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/{CASE_LIST}")
    order = [
        href.removeprefix("cases/").removesuffix(".html")
        for href in page.locator("main table.casebook-sortable tbody tr td:nth-child(3) a").evaluate_all(
            "as => as.map(a => a.getAttribute('href'))"
        )
    ]
    assert order == NEWEST_FIRST
    assert page.locator("main table.casebook-sortable button").count() == 0
    context.close()


@pytest.mark.e2e
def test_clicking_a_header_sorts_amounts_numerically_and_announces_it(browser, server):
    context, page, problems = _open(browser, server, CASE_LIST, every_request=True)
    assert page.evaluate(ROW_IDS) == NEWEST_FIRST
    assert _sorted_headers(page) == [["Datum", "descending"]]  # the order the page was written in
    buttons = page.locator("main table.casebook-sortable thead button")
    assert [_plain(text) for text in buttons.all_inner_texts()] == [
        "Datum",
        "Läge",
        "Projekt",
        "Beslutsfattare",
        "Projektägare",
        "Belopp",
    ]

    page.get_by_role("button", name="Belopp", exact=True).click()
    # 400 000 kr (bas, norr: tie kept newest first), 410 000 kr, 750 000 kr. As text, SPIN's
    # "12,10 %, högst 750 000 kr" would come first.
    assert page.evaluate(ROW_IDS) == ["fiktiv-bas", "fiktiv-norr", "fiktiv-syd", "rjh-2025-spin"]
    assert _sorted_headers(page) == [["Belopp", "ascending"]]
    status = page.locator("main .casebook-sort-status[aria-live='polite']")
    assert status.inner_text() == "Ärendena är sorterade efter Belopp, stigande."

    page.get_by_role("button", name="Belopp", exact=True).click()
    assert page.evaluate(ROW_IDS) == ["rjh-2025-spin", "fiktiv-syd", "fiktiv-bas", "fiktiv-norr"]
    assert _sorted_headers(page) == [["Belopp", "descending"]]
    assert status.inner_text() == "Ärendena är sorterade efter Belopp, fallande."
    assert problems == []
    context.close()


@pytest.mark.e2e
def test_enter_on_a_focused_header_button_sorts(browser, server):
    context, page, problems = _open(browser, server, CASE_LIST, every_request=True)
    page.get_by_role("button", name="Datum", exact=True).focus()
    page.keyboard.press("Enter")
    # Oldest first: norr (2016), then bas and syd (both 2017-02-15, tie kept), then SPIN's application (2025).
    assert page.evaluate(ROW_IDS) == ["fiktiv-norr", "fiktiv-bas", "fiktiv-syd", "rjh-2025-spin"]
    assert _sorted_headers(page) == [["Datum", "ascending"]]
    page.keyboard.press("Tab")  # the next header's button: the state
    page.keyboard.press("Enter")
    assert _sorted_headers(page) == [["Läge", "ascending"]]
    assert page.evaluate(ROW_IDS)[-1] == "rjh-2025-spin"  # "Beviljat" before "Förslag till beslut"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert _sorted_headers(page) == [["Projekt", "ascending"]]
    titles = page.locator("main table.casebook-sortable tbody tr td:nth-child(3)").all_inner_texts()
    assert _plain(titles[0]).startswith("FIKTIVT TESTÄRENDE – Kunskapsnav") and titles[-1].startswith("SPIN")
    assert problems == []
    context.close()


@pytest.mark.e2e
def test_the_sorted_case_list_has_no_axe_violation(browser, server):
    context, page, problems = _open(browser, server, CASE_LIST, every_request=True)
    page.get_by_role("button", name="Projektägare", exact=True).click()
    assert problems == []  # checked before axe runs: axe re-fetches stylesheets itself, some by a wrong path
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]})
    assert results.response["violations"] == [], results.generate_report()
    context.close()


@pytest.mark.e2e
def test_at_320_px_the_sort_buttons_are_visible_and_nothing_scrolls_sideways(browser, server):
    context, page, problems = _open(browser, server, CASE_LIST, width=320, height=640, every_request=True)
    button = page.get_by_role("button", name="Beslutsfattare", exact=True)
    box = button.bounding_box()
    assert box is not None and box["width"] > 20 and box["x"] >= 0 and box["x"] + box["width"] <= 320
    button.click()
    assert _sorted_headers(page) == [["Beslutsfattare", "ascending"]]
    makers = [
        re.sub(r"^Beslutsfattare:\s*", "", text)
        for text in page.locator("main table.casebook-sortable tbody tr td:nth-child(4)").all_inner_texts()
    ]
    assert makers == sorted(makers)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert problems == []  # checked before axe runs: axe re-fetches stylesheets itself, some by a wrong path
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]})
    assert results.response["violations"] == [], results.generate_report()
    context.close()


@pytest.mark.e2e
def test_the_weight_benchmark_measures_a_case_list_of_n_rows():
    # In its own process, as `python -m bench.case_list_weight N` runs: Playwright's sync API
    # refuses to start while this module's browser (another sync session) is open.
    done = subprocess.run(
        [sys.executable, "-m", "bench.case_list_weight", "3"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["n"] == 3 and report["rows_in_case_list"] == 3
    assert 0 < report["case_list_html_kB"] < report["case_list_loaded_kB"]
    assert len(report["load_ms_all"]) == 5 and report["load_ms_median_of_5"] > 0
    assert report["loaded_kB_by_type"]["document"] == report["case_list_html_kB"]
