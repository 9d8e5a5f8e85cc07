"""The site's search (book/_static/casebook-search.js) over an index in several parts, in Chromium.

The part size is set to one case page (``casebook_search_part_pages`` in _config.yml), so
four case pages make four parts: fiktiv-bas in part 0, rjh-2025-spin in part 2, fiktiv-norr
and fiktiv-syd in part 3 (tests/test_search_index.py). The search finds cases of every
part and filters across parts; results come by relevance, newest first among equal scores,
and newest first when only filters are chosen, across parts (Pagefind's own merging of
bundles would order a sorted search by each result's position within its own part). It has
a real label, says the hit count in a live region, shows each result's date, state,
decision-maker and amount, keeps heading links out of excerpts, is the same search behind
the header's search box, and says in Swedish that it cannot run from disk.
"""

from __future__ import annotations

import functools
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import FICTIONAL_CASES, WCAG_21_AA, _QuietHandler

pytestmark = pytest.mark.e2e

RESULT_LINKS = "#arendesok .casebook-search-title a"
CASES = ("fiktiv-bas", "fiktiv-norr", "fiktiv-syd")
SPIN = "/book/cases/rjh-2025-spin.html"


@pytest.fixture(scope="module")
def site(fictional_project) -> Path:
    """SPIN and the three fictional cases (``CASES``), one case page per part, built once for the session."""
    assert FICTIONAL_CASES == CASES
    assert "\n    casebook_search_part_pages: 1\n" in (fictional_project / "_config.yml").read_text(encoding="utf-8")
    return (fictional_project / "_build" / "html").resolve()


def _results(page, count: int, links: str = RESULT_LINKS) -> list[str]:
    page.wait_for_function(f"document.querySelectorAll('{links}').length == {count}")
    found = page.locator(links)
    return [found.nth(i).get_attribute("href") for i in range(count)]


def _case_list(page, server):
    page.goto(f"{server}/book/case_list.html", wait_until="networkidle")
    return page.get_by_label("Sök bland ärendena", exact=True)


def test_the_index_is_in_parts(site):
    assert sorted(p.name for p in (site / "pagefind").iterdir() if p.is_dir()) == ["0", "2", "3"]


class _PagesHandler(_QuietHandler):
    """Serves the site as GitHub Pages does as far as the browser's cache is concerned (a
    response may be reused for ten minutes), and records each request's path."""

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "max-age=600")
        super().end_headers()

    def log_request(self, code="-", size="-") -> None:
        self.server.served.append(self.path)


def test_the_parts_share_one_worker_and_one_webassembly_that_the_browser_fetches_once(page, site):
    """Each part of three has its own Pagefind script; the worker and the WebAssembly
    (about 82 kB compressed) are fetched once for all of them. A server that lets the browser
    keep nothing (Python's http.server) has them fetched again by parts loading at once."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_PagesHandler, directory=str(site)))
    httpd.served = []
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        search = _case_list(page, f"http://127.0.0.1:{httpd.server_address[1]}")
        search.fill("exempelbygd")
        _results(page, 3)
        served = [path for path in httpd.served if path.startswith("/pagefind/")]
    finally:
        httpd.shutdown()
    assert sorted(p for p in served if p.endswith("pagefind.js")) == [
        "/pagefind/0/pagefind.js",
        "/pagefind/2/pagefind.js",
        "/pagefind/3/pagefind.js",
        "/pagefind/pagefind.js",
    ]
    assert [p for p in served if "worker" in p or "wasm" in p] == [
        "/pagefind/pagefind-worker.js",
        "/pagefind/wasm.sv.pagefind",
    ]


def test_the_search_finds_and_filters_cases_across_parts(page, server):
    search = _case_list(page, server)
    # In fiktiv-bas's title, in part 0. Far less relevant: "Exempel", the start of what was typed,
    # in the text of fiktiv-norr and fiktiv-syd (part 3).
    search.fill("exempelbygd")
    assert _results(page, 3)[0] == "/book/cases/fiktiv-bas.html"
    # A filter's counts add up over the parts: Region Dalarna decides fiktiv-bas (part 0) and fiktiv-syd (part 3).
    search.fill("region")
    _results(page, 4)
    page.locator("#arendesok summary", has_text="Beslutsfattare").click()
    dalarna = page.locator("#arendesok label", has_text="Region Dalarna")
    assert dalarna.inner_text() == "Region Dalarna (2)"
    dalarna.click()
    assert sorted(_results(page, 2)) == ["/book/cases/fiktiv-bas.html", "/book/cases/fiktiv-syd.html"]
    page.locator("#arendesok label", has_text="Region Norrbotten").click()  # either decision-maker
    assert sorted(_results(page, 3)) == [
        "/book/cases/fiktiv-bas.html",
        "/book/cases/fiktiv-norr.html",
        "/book/cases/fiktiv-syd.html",
    ]
    assert page.errors == []


def test_filters_work_without_a_word_newest_first_across_parts(page, server):
    _case_list(page, server)
    page.locator("#arendesok summary", has_text="Läge").click()
    page.locator("#arendesok label", has_text="Beviljat").click()
    # fiktiv-bas and fiktiv-syd (both 2017-02-15, parts 0 and 3), then fiktiv-norr (2016-02-15, part 3).
    found = _results(page, 3)
    assert sorted(found[:2]) == ["/book/cases/fiktiv-bas.html", "/book/cases/fiktiv-syd.html"]
    assert found[2] == "/book/cases/fiktiv-norr.html"
    status = page.locator("#arendesok [role='status']")
    assert status.get_attribute("aria-live") == "polite"
    assert status.inner_text() == "3 ärenden hittades med de valda filtren. Nyaste först."
    page.locator("#arendesok label", has_text="Förslag till beslut").click()  # every state: all four
    assert _results(page, 4)[0] == SPIN  # applied for 2025-09-09, the newest
    assert page.errors == []


# Each hit of the merged search: Pagefind's score and its date (read through the module the
# interface uses), in the order the search returns them.
SCORED = """async (term) => { const pagefind = await import('/pagefind/pagefind.js');
  const found = await pagefind.search(term);
  return found.results.map(hit => [hit.score, hit[pagefind.SORT_VALUE]]); }"""


def test_results_come_by_relevance_then_newest_first(page, server):
    search = _case_list(page, server)
    # Every case mentions strategic planning (its rule set); SPIN has it in its title and summary.
    search.fill("strategisk")
    assert _results(page, 4)[0] == SPIN
    for term in ("strategisk", "region", "planering", "projekt"):
        scored = page.evaluate(SCORED, term)
        assert len(scored) >= 2, term
        assert scored == sorted(scored, key=lambda hit: (-hit[0], tuple(-ord(c) for c in hit[1]))), term
    assert page.locator("#arendesok [role='status']").inner_text() == (
        "4 ärenden hittades för ”strategisk”. De mest relevanta först."
    )
    # In fiktiv-norr's title (2016, the oldest); Pagefind's Swedish stemming also finds "kunskap"
    # in SPIN's description (2025). By date alone SPIN came first.
    search.fill("kunskapsnav")
    assert _results(page, 2) == ["/book/cases/fiktiv-norr.html", SPIN]


def test_a_result_shows_date_state_decision_maker_and_amount_and_no_heading_links(page, server):
    search = _case_list(page, server)
    search.fill("finansieringsplan")  # a heading of every case page, with its "#" link
    _results(page, 4)
    spin = page.locator("#arendesok .casebook-search-result", has=page.locator(f"a[href='{SPIN}']"))
    assert spin.locator(".casebook-search-facts").inner_text() == (
        "2025-09-09 (ansökan) · Förslag till beslut · Region Jämtland Härjedalen · 12,10\N{NO-BREAK SPACE}%, "
        "högst 750\N{NO-BREAK SPACE}000\N{NO-BREAK SPACE}kr"
    )
    excerpts = page.locator("#arendesok .casebook-search-excerpt").all_inner_texts()
    assert len(excerpts) == 4 and all("#" not in text and "\N{SOFT HYPHEN}" not in text for text in excerpts)
    assert page.locator("#arendesok .casebook-search-excerpt mark").count() >= 4


def test_the_search_with_results_and_filters_shown_has_no_axe_violation(page, server):
    search = _case_list(page, server)
    search.fill("region")
    _results(page, 4)
    for summary in page.locator("#arendesok summary").all():
        summary.click()
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]})
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]] == []


def test_what_the_search_does_with_inflections_prefixes_and_typos(page, server):
    """Measured: Pagefind stems Swedish and matches the start of the last word typed; a
    misspelt word finds only what an intact start of it finds, far less relevant, and a slip
    early in the word finds nothing. book/case_list.md and the search page say so."""
    search = _case_list(page, server)
    search.fill("planeringen")  # another form of "planering"
    assert SPIN in _results(page, 4)
    search.fill("exempelby")  # the start of a word
    assert _results(page, 3)[0] == "/book/cases/fiktiv-bas.html"
    # A slip late in the word: fiktiv-norr, whose title says "Kunskapsnav", is not found; SPIN
    # is, through "kunskap" in its description.
    search.fill("kunskapnav")
    assert _results(page, 1) == [SPIN]
    best = {term: max(score for score, _ in page.evaluate(SCORED, term)) for term in ("strategisk", "stratgisk")}
    assert best["stratgisk"] < best["strategisk"] / 4
    for typo in ("exmpelbygd", "planerng"):
        search.fill(typo)
        page.wait_for_function(
            "document.querySelector('#arendesok [role=status]').textContent.startsWith('Inga ärenden')"
        )
        assert page.locator(RESULT_LINKS).count() == 0, typo


def test_the_header_search_is_the_same_search(page, server):
    page.goto(f"{server}/book/cases/rjh-2025-spin.html", wait_until="networkidle")
    page.keyboard.press("Control+k")  # the theme's shortcut opens its search dialog
    field = page.locator(
        ".search-button__search-container input[name='q']:visible, dialog input[name='q']:visible"
    ).first
    assert field.get_attribute("placeholder") == "Sök bland ärendena …"
    field.fill("exempelbygd")
    field.press("Enter")
    page.wait_for_url("**/search.html?q=exempelbygd*")
    assert _results(page, 3, "#webbplatssok .casebook-search-title a")[0] == "/book/cases/fiktiv-bas.html"
    assert "Sökningen gäller ärendena" in page.locator("article").inner_text().replace("\N{SOFT HYPHEN}", "")


def test_from_disk_the_search_says_at_once_that_it_needs_a_web_server(page, site):
    page.goto((site / "book" / "case_list.html").as_uri(), wait_until="load")
    status = page.locator("#arendesok [role='status']")
    status.wait_for(timeout=5000)
    assert "webbserver" in status.inner_text()
    assert page.locator("#arendesok input[type='search']").is_disabled()
