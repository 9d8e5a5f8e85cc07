"""The built site in a real browser (headless Chromium, driven by Playwright).

- Text from case data is inert: a hostile fictional case's markup never runs and is shown
  literally.
- Accessibility: axe-core's WCAG 2.1 A and AA rules report no violation on the main pages;
  pages are in Swedish, figures have alt text, tables have captions and header cells, and
  the navigation is reachable by keyboard.
- Links: every internal link and asset of the built site exists (checked offline).

Chromium comes from Debian (``/usr/bin/chromium``, installed by ``.ci/run``) or from
``CASEBOOK_CHROMIUM``; Playwright never downloads a browser.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import open_laid_out, recorded_problems
from pypdf import PdfReader

from casebook.domain.clock import as_of_date
from casebook.domain.evaluation import evaluate_case

pytestmark = pytest.mark.e2e


def _plain(text: str) -> str:
    """Text as a reader reads it: without the soft hyphens the build puts into long words."""
    return text.replace("\N{SOFT HYPHEN}", "")


MAIN_PAGES = [
    "book/index.html",
    "book/cases/rjh-2025-spin.html",
    "book/rules.html",
    "book/portfolio.html",
    "book/open_data.html",
    "book/case_list.html",
    "book/accessibility.html",
]


@pytest.fixture(scope="module")
def site(reader_site) -> Path:
    return reader_site


# A context and a page an opening cost about 0,7 s more than opening the page again in a tab
# that has the site's files in its cache. The tests that read a page share one tab (``tab``):
# each opens its page anew at its size, the dialogs and errors recorded afresh. The test of
# every request opens a new tab in that context (``_open_recorded``), so that nothing of the
# page before is counted. Tests that intercept requests keep a context of their own (``page``).
@pytest.fixture(scope="module")
def reader_context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    # What a page stores stays with it, as in a context of its own.
    context.add_init_script("try { localStorage.clear(); sessionStorage.clear(); } catch (error) {}")
    yield context
    context.close()


@pytest.fixture(scope="module")
def shared_tab(reader_context):
    page = reader_context.new_page()
    page.dialogs, page.errors = [], []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


@pytest.fixture
def tab(shared_tab):
    """The shared tab at 1280 × 800 px, its dialogs (``tab.dialogs``) and uncaught errors
    (``tab.errors``) recorded afresh, the mouse off the page as in a new context."""
    shared_tab.dialogs.clear()
    shared_tab.errors.clear()
    shared_tab.mouse.move(-1, -1)
    shared_tab.set_viewport_size({"width": 1280, "height": 800})
    return shared_tab


def _open_recorded(context, url):
    """``url`` in a new tab of ``context``, waited for until no request has been made for
    500 ms, with every console error and warning, uncaught error, failed request and HTTP
    error recorded (as conftest's ``open_page`` with ``every_request``)."""
    page = context.new_page()
    problems = recorded_problems(page)
    page.goto(url, wait_until="networkidle")
    return page, problems


# --- Inert case text -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["book/cases/fiktiv-injektion.html", "book/case_list.html", "book/portfolio.html"])
def test_no_injected_script_runs(tab, server, path):
    page = tab
    page.goto(f"{server}/{path}", wait_until="load")
    page.wait_for_timeout(300)
    page.mouse.move(200, 300)
    assert page.evaluate("window.__pwned") is None
    assert page.dialogs == []
    injected = "[...document.querySelectorAll('script')].filter(s => s.textContent.includes('__pwned')).length"
    assert page.evaluate(injected) == 0
    assert page.locator("main iframe").count() == 0


def test_case_text_is_shown_literally(tab, server):
    page = tab
    page.goto(f"{server}/book/cases/fiktiv-injektion.html")
    heading = _plain(page.locator("main h1").first.inner_text())
    assert heading.startswith("FIKTIVT <script>window.__pwned = 1</script> {{ ersattning }} |sub| **fet**")
    text = _plain(page.locator("main").inner_text())
    for literal in (
        "<script>window.__pwned = 'applicant'</script>Region Gävleborg",
        '<img src="x" onerror="window.__pwned = \'summary\'">',
        "```{raw} html",
        "{sub-ref}`today`",
        "$x^2$ <b>fet</b> & &amp; `kod`",
        "[länk](javascript:window.__pwned='reference')",
        "{{ villkor }}",
        "<script>window.__pwned = 'assessment'</script>",
    ):
        assert literal in text, literal
    assert page.locator("main a[href^='javascript']").count() == 0
    assert page.locator("main img[src='x'], main img[src^='https://example.invalid']").count() == 0


def test_case_list_links_each_party_to_its_organisation_page(site):
    soup = BeautifulSoup((site / "book" / "case_list.html").read_text(encoding="utf-8"), "html.parser")
    row = soup.select_one("main a[href='cases/rjh-2025-spin.html']").find_parent("tr")
    links = {_plain(a.get_text()): a["href"] for a in row.select("a")}
    assert links["Region Jämtland Härjedalen"] == "organisationer/region-jamtland-harjedalen.html"
    page = BeautifulSoup((site / "book" / links["Region Västernorrland"]).read_text(encoding="utf-8"), "html.parser")
    assert page.select_one("main a[href='../cases/rjh-2025-spin.html']") is not None
    assert "projektägare" in _plain(page.find("main").get_text(" "))
    # Organisation pages stay out of the sidebar, like case pages.
    assert not soup.select("nav.bd-docs-nav a[href*='organisationer/']")


SEARCH_FIELD = "#arendesok input[type='search']"
RESULT_LINKS = "#arendesok .casebook-search-title a"


def test_case_list_search_finds_and_filters_cases_without_a_server(page, server):
    """Pagefind's index is static files; the search runs in the browser, in Swedish."""
    page.goto(f"{server}/book/case_list.html", wait_until="networkidle")
    search = page.get_by_label("Sök bland ärendena", exact=True)
    assert search.evaluate("e => e.matches(\"input[type='search']\")")
    search.focus()
    page.keyboard.type("samverkansprojektet")  # Swedish stemming: SPIN's summary says "samverkansprojekt"
    results = page.locator(RESULT_LINKS)
    results.first.wait_for()
    assert [results.nth(i).get_attribute("href") for i in range(results.count())] == ["/book/cases/rjh-2025-spin.html"]
    search.fill("planering")  # both cases mention strategic planning
    page.wait_for_function(f"document.querySelectorAll('{RESULT_LINKS}').length == 2")
    page.locator("#arendesok summary", has_text="Beslutsfattare").click()
    page.locator("#arendesok label", has_text="Region Jämtland Härjedalen").click()
    page.wait_for_function(f"document.querySelectorAll('{RESULT_LINKS}').length == 1")
    assert results.first.get_attribute("href") == "/book/cases/rjh-2025-spin.html"


def test_words_typed_while_the_search_loads_are_searched_when_it_has_loaded(page, server):
    held = []  # Pagefind's module, held back until the reader has typed
    page.route("**/pagefind/pagefind.js", lambda route: held.append(route))
    page.goto(f"{server}/book/case_list.html", wait_until="domcontentloaded")
    search = page.locator(SEARCH_FIELD)
    search.fill("samverkansprojektet")
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1 and page.locator(RESULT_LINKS).count() == 0
    assert page.locator("#arendesok").get_attribute("aria-busy") == "true"  # not complete yet
    held[0].continue_()
    page.locator(RESULT_LINKS).first.wait_for()
    page.wait_for_function("!document.querySelector('#arendesok').hasAttribute('aria-busy')")
    assert page.locator("#arendesok details").count() == 5  # the filters
    assert page.locator(RESULT_LINKS).first.get_attribute("href") == "/book/cases/rjh-2025-spin.html"


def test_case_text_stays_inert_in_search_results_and_filters(page, server):
    page.goto(f"{server}/book/case_list.html", wait_until="networkidle")
    search = page.locator(SEARCH_FIELD)
    page.locator("#arendesok summary", has_text="Projektägare").click()  # shows the filter values
    for term in ("onerror", "pwned", "Gävleborg"):
        search.fill(term)
        page.wait_for_function(f"document.querySelectorAll('{RESULT_LINKS}').length > 0")
        page.wait_for_timeout(300)
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#arendesok script, #arendesok img, #arendesok iframe").count() == 0
    owner = page.locator("#arendesok label", has_text="window.__pwned = 'applicant'")
    assert "Region Gävleborg" in owner.inner_text()
    assert page.dialogs == []


def test_case_list_shows_the_title_literally(tab, server):
    page = tab
    page.goto(f"{server}/book/case_list.html")
    link = page.locator("main table a[href='cases/fiktiv-injektion.html']")
    assert _plain(link.inner_text()).startswith("FIKTIVT <script>window.__pwned = 1</script> {{ ersattning }}")


# --- Accessibility ---------------------------------------------------------------------


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_pages_are_swedish_with_alt_text_and_captioned_tables(site, path):
    soup = BeautifulSoup((site / path).read_text(encoding="utf-8"), "html.parser")
    assert soup.html["lang"] == "sv"
    for image in soup.select("main img"):
        assert len(image.get("alt", "").strip()) >= 20, image
    for table in soup.select("main table"):
        assert table.find("caption") and table.find("caption").get_text(strip=True), table.get("id")
        assert table.find("th") is not None


def _pages(site: Path) -> list[Path]:
    """The site's pages (the theme's own template fragments in _static are not pages)."""
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts)


def test_every_page_links_the_accessibility_statement(site):
    pages = _pages(site)
    assert len(pages) > 10
    for html_page in pages:
        if html_page.name in {"search.html", "genindex.html"} or html_page == site / "index.html":
            continue
        soup = BeautifulSoup(html_page.read_text(encoding="utf-8"), "html.parser")
        link = soup.select_one("footer .casebook-footer-links a")
        assert link is not None and _plain(link.get_text(strip=True)) == "Tillgänglighetsredogörelse", html_page
        target = html_page if link["href"] == "#" else (html_page.parent / link["href"]).resolve()
        assert target == site / "book" / "accessibility.html", html_page


def test_the_accessibility_statement_has_the_required_sections(site):
    soup = BeautifulSoup((site / "book" / "accessibility.html").read_text(encoding="utf-8"), "html.parser")
    headings = [_plain(h.get_text(" ", strip=True)).rstrip("#").strip() for h in soup.select("main h2, main h3")]
    for required in (
        "Hur tillgänglig är webbplatsen?",
        "Vad kan du göra om du inte kan använda delar av webbplatsen?",
        "Rapportera brister i webbplatsens tillgänglighet",
        "Tillsyn",
        "Teknisk information om webbplatsens tillgänglighet",
        "Innehåll som inte är tillgängligt",
        "Hur vi testat webbplatsen",
    ):
        assert any(h.startswith(required) for h in headings), required
    assert soup.select_one("main a[href='https://www.digg.se/tdosanmalan']") is not None
    text = _plain(soup.find("main").get_text(" ", strip=True))
    assert "delvis förenlig" in text and "Ingen manuell granskning med hjälpmedel" in text
    # The contact comes from data/reference/publisher.yaml, the one place for the publisher.
    assert "Kontakta Region Jämtland Härjedalen: e-post" in text.replace("\N{SOFT HYPHEN}", "")
    assert "Vi känner inte till några brister" not in text


def test_navigation_is_reachable_by_keyboard(tab, server):
    page = tab
    page.goto(f"{server}/book/cases/rjh-2025-spin.html")
    nav_links = page.eval_on_selector_all("nav.bd-docs-nav a", "links => links.map(a => a.href)")
    assert len(nav_links) >= 8
    reached = set()
    for _ in range(80):
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement && document.activeElement.href")
        if href:
            reached.add(href)
    assert set(nav_links) <= reached


# --- The verdict first ---------------------------------------------------------------

NBSP = "\N{NO-BREAK SPACE}"
SPIN = "book/cases/rjh-2025-spin.html"


@pytest.mark.parametrize("width,height", [(1280, 800), (375, 667)])
def test_spin_verdict_is_on_the_first_screen(tab, server, width, height):
    page = tab
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{server}/{SPIN}", wait_until="load")
    verdict = page.locator("main .casebook-verdict")
    box = verdict.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, box
    text = _plain(verdict.inner_text())
    for expected in (
        f"12,10{NBSP}%",
        f"750{NBSP}000{NBSP}kr",
        "Förslag till beslut",
        f"Avvikelse att granska: Maxbeloppet 750{NBSP}000{NBSP}kr är 1{NBSP}kr högre än sökt belopp",
        "Bedömning saknas: 6 § förordning (2003:596)",
    ):
        assert expected in text, expected
    # Nothing but the page title comes before the verdict in the article.
    before = page.evaluate(
        "() => { const v = document.querySelector('main .casebook-verdict'); const h = document.querySelector('main article.bd-article h1');"
        " const r = document.createRange(); r.setStartAfter(h); r.setEndBefore(v); return r.toString().trim(); }"
    )
    assert before == ""


def test_a_verdict_flag_leads_to_its_rule_row(tab, server):
    page = tab
    page.goto(f"{server}/{SPIN}", wait_until="load")
    page.locator("main .casebook-verdict a[href='#regel-6-paragraf-foretagsstod']").click()
    row = page.locator("tr#regel-6-paragraf-foretagsstod")
    assert "Bedömning saknas" in _plain(row.inner_text())
    assert row.evaluate("r => { const b = r.getBoundingClientRect(); return b.top >= 0 && b.top < innerHeight; }")


# --- Every page type: Swedish, no errors, no sideways scrolling --------------------------

PAGE_TYPES = [
    "index.html",
    "book/index.html",
    SPIN,
    "book/cases/fiktiv-injektion.html",
    "book/case_list.html",
    "book/portfolio.html",
    "book/rules.html",
    "book/method.html",
    "book/case_format.html",
    "book/open_data.html",
    "book/verification.html",
    "book/accessibility.html",
    "search.html",
    "genindex.html",
    "book/organisationer/region-jamtland-harjedalen.html",
]
# Interface text of Sphinx and its themes when it is not translated: phrases found anywhere,
# and short words that are English only as a whole label.
ENGLISH_PHRASES = [
    "Skip to main content",
    "Search this book",
    "Search the docs",
    "Back to top",
    "Link to this",
    "Color mode",
    "Site navigation",
    "Toggle",
    "Copyright",
    "next page",
    "previous page",
    "System Settings",
    "Version warning",
    "On this page",
    "Section Navigation",
    "Please activate",
    "Print to PDF",
    "Download this page",
    "Fullscreen",
    "Copy to clipboard",
    "Search Results",
]
ENGLISH_LABELS = {
    "Main",
    "Page",
    "Light",
    "Dark",
    "Search",
    "Contents",
    "Copy",
    "Copied!",
    "Download",
    "Home",
    "next",
    "previous",
    "Breadcrumb",
    "Announcement",
}
INTERFACE_TEXT = """() => {
  const found = [document.body.innerText, document.title];
  for (const element of document.querySelectorAll('*')) {
    for (const name of ['aria-label', 'title', 'placeholder', 'alt', 'data-bs-title', 'aria-description', 'value']) {
      const value = element.getAttribute(name);
      if (value && !(name === 'value' && element.tagName !== 'INPUT')) found.push(value);
    }
  }
  return found;
}"""


@pytest.mark.parametrize("path", PAGE_TYPES)
def test_no_english_interface_text(tab, server, path):
    open_laid_out(tab, f"{server}/{path}")
    texts = tab.evaluate(INTERFACE_TEXT)
    english = sorted(
        {phrase for phrase in ENGLISH_PHRASES for text in texts if phrase in text}
        | {text for text in texts if text.strip() in ENGLISH_LABELS}
    )
    assert english == []


@pytest.mark.parametrize("path", PAGE_TYPES)
def test_no_console_error_or_failed_request(reader_context, server, path):
    page, problems = _open_recorded(reader_context, f"{server}/{path}")
    page.mouse.move(300, 300)
    page.wait_for_timeout(200)
    page.close()
    assert problems == []


@pytest.mark.parametrize("path", PAGE_TYPES)
def test_no_sideways_scrolling_at_320_px(tab, server, path):
    tab.set_viewport_size({"width": 320, "height": 640})
    open_laid_out(tab, f"{server}/{path}")
    widths = tab.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert widths[0] <= widths[1], widths


# A figure followed by an ordinary (breakable) space and more digits, "kr" or "%".
BREAKABLE_AMOUNT = re.compile(r"\d[ \t\n]+(\d{3}\b|kr\b|%)")


def test_no_amount_can_break_across_lines(site):
    offenders = []
    for html_page in _pages(site):
        soup = BeautifulSoup(html_page.read_text(encoding="utf-8"), "html.parser")
        for text in (soup.find("main") or soup).find_all(string=True):
            if text.parent.name not in ("script", "style") and (match := BREAKABLE_AMOUNT.search(text)):
                offenders.append(f"{html_page.relative_to(site)}: {match.group(0)!r}")
    assert offenders == []


# --- Paper ---------------------------------------------------------------------------


def _flat(text: str) -> str:
    """Text without whitespace (line and page breaks, no-break spaces) and with typographic
    ligatures (the PDF's "ﬁ") spelt out, for comparing print with data."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", _plain(text)))


def test_printed_spin_page_holds_every_evidence_and_every_hash(browser, server, site):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/{SPIN}", wait_until="networkidle")
    pdf = page.pdf(format="A4")
    context.close()
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    printed = _flat("".join(pages))
    # On paper too the verdict opens the document, flags included.
    first_page = _flat(pages[0])
    assert (
        _flat(f"Förslag till beslut (inte beslutat ännu): Region Jämtland Härjedalen föreslås bevilja 12,10{NBSP}%")
        in first_page
    )
    assert _flat("Bedömning saknas: 6 §") in first_page
    evaluated = evaluate_case(site.parents[1] / "data" / "cases" / "rjh-2025-spin.yaml", as_of=as_of_date())
    missing = [r.rule.id for r in evaluated.results if _flat(r.evidence) not in printed]
    assert missing == []
    soup = BeautifulSoup((site / SPIN).read_text(encoding="utf-8"), "html.parser")
    hashes = [td.get_text() for td in soup.select("#T_audit td") if re.fullmatch(r"[0-9a-f]{64}", td.get_text())]
    assert len(hashes) >= 5
    assert [h for h in hashes if h not in printed] == []


# --- Sources a reader can follow ---------------------------------------------------------


def _spin_soup(site: Path) -> BeautifulSoup:
    return BeautifulSoup((site / SPIN).read_text(encoding="utf-8"), "html.parser")


def test_the_downloadable_case_file_has_the_hash_of_the_audit_trail(site):
    soup = _spin_soup(site)
    link = soup.select_one("main a[href$='rjh-2025-spin.yaml']")
    downloaded = (site / "book" / "cases" / link["href"]).resolve()
    assert downloaded.is_relative_to(site) and downloaded.is_file()
    audit_row = next(tr for tr in soup.select("#T_audit tbody tr") if "ärendefil" in _plain(tr.td.get_text()))
    assert hashlib.sha256(downloaded.read_bytes()).hexdigest() == audit_row.find_all("td")[1].get_text()


def test_the_case_page_links_its_source_document(site):
    link = next(
        a for a in _spin_soup(site).select("main a[href]") if _plain(a.get_text()).startswith("Tjänsteskrivelse")
    )
    memo = (site / "book" / "cases" / link["href"]).resolve()
    assert memo.is_relative_to(site) and "Medfinansiering till projekt SPIN" in memo.read_text(encoding="utf-8")


def test_legal_sources_link_to_the_law_text_at_the_paragraph(site):
    row = _spin_soup(site).select_one("tr#regel-5-paragraf-sammanlagt")
    assert row.select_one("a")["href"] == "https://lagen.nu/2003:596#P5"
    catalogue = BeautifulSoup((site / "book" / "rules.html").read_text(encoding="utf-8"), "html.parser")
    hrefs = {a["href"] for a in catalogue.select("main table a[href^='https://lagen.nu/2003:596#P']")}
    assert {"https://lagen.nu/2003:596#P5", "https://lagen.nu/2003:596#P6", "https://lagen.nu/2003:596#P11"} <= hrefs


# --- Links ---------------------------------------------------------------------------


def test_no_broken_internal_link_or_missing_asset(site):
    broken = []
    for html_page in _pages(site):
        soup = BeautifulSoup(html_page.read_text(encoding="utf-8"), "html.parser")
        for element in soup.find_all(["a", "link", "img", "script"]):
            target = element.get("href") or element.get("src")
            if not target:
                continue
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or target.startswith(("#", "mailto:")):
                continue
            resolved = (html_page.parent / unquote(parts.path)).resolve()
            if parts.path and not resolved.exists():
                broken.append(f"{html_page.relative_to(site)} -> {target}")
    assert broken == []


def test_every_page_with_a_table_labels_it_right_after_its_article(site):
    """casebook-tables.js runs as soon as the article is parsed, before the page is first
    drawn: loaded once, not deferred, by the script element that follows the article."""
    checked, misplaced = 0, []
    for html_page in _pages(site):
        soup = BeautifulSoup(html_page.read_text(encoding="utf-8"), "html.parser")
        article = soup.find("article", class_="bd-article")
        if article is None or article.find("table") is None:
            continue
        checked += 1
        scripts = [s for s in soup.find_all("script", src=True) if s["src"].endswith("_static/casebook-tables.js")]
        if len(scripts) != 1 or article.find_next_sibling() is not scripts[0] or scripts[0].has_attr("defer"):
            misplaced.append(html_page.relative_to(site).as_posix())
    assert checked > 10 and misplaced == []


def test_the_site_publishes_no_source_map(site):
    """The themes' source maps (3,5 MB) are for whoever debugs the themes: not published."""
    assert sorted(path.relative_to(site).as_posix() for path in site.rglob("*.map")) == []


def test_no_page_has_an_id_twice(site):
    """A link to ``#id`` (a rule, a table, a heading) leads to one place: the generated tables'
    ids are written by hand now (``markup.page_table``), beside the ids Sphinx gives."""
    repeated = {}
    for html_page in _pages(site):
        soup = BeautifulSoup(html_page.read_text(encoding="utf-8"), "html.parser")
        counted = Counter(element["id"] for element in soup.find_all(id=True))
        if twice := sorted(name for name, count in counted.items() if count > 1):
            repeated[str(html_page.relative_to(site))] = twice
    assert repeated == {}
