"""The site as readers use it, in Chromium over HTTP: on phones and desktops, with a dark
operating system, by keyboard, and following the decisions (issue: phones, dark mode, the
evidence in view, a feed, what a journalist needs).

- Navigation: the menu and page-contents buttons work by mouse, Enter and Space at 320, 768,
  1024 and 1280 px and at 200 % zoom; every toolbar button shows keyboard focus.
- One colour scheme, light: axe-core finds no WCAG 2.1 AA violation on any page type with
  the system in light or in dark mode.
- The evidence in view: every table fits its column at 1024 and 1280 px, the rule table's
  rows are as tall as their content, the case list and the portfolio fit from 320 to 1920
  px; words break only at a soft hyphen (or a hyphen), dates never.
- The feed is announced in every page head and linked from the start page and case list.
- Källkod on every page; case pages link their organisations.

Uses the site of tests/test_browser.py (``reader_site`` in conftest: SPIN and a hostile
fictional case), built once per session.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import pytest
from axe_playwright_python.sync_playwright import Axe
from bs4 import BeautifulSoup
from conftest import WCAG_21_AA, open_laid_out
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SPIN = "book/cases/rjh-2025-spin.html"
HOSTILE = "book/cases/fiktiv-injektion.html"
PAGE_TYPES = [
    "book/index.html",
    SPIN,
    HOSTILE,
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
WIDE_PAGES = [
    SPIN,
    HOSTILE,
    "book/case_list.html",
    "book/portfolio.html",
    "book/rules.html",
    "book/verification.html",
    "book/open_data.html",
    "book/organisationer/region-jamtland-harjedalen.html",
]


@pytest.fixture(scope="module")
def site(reader_site) -> Path:
    return reader_site


def _open(browser, server, path, width=1280, height=800, scheme="light", scale=1):
    context = browser.new_context(
        viewport={"width": width, "height": height}, color_scheme=scheme, device_scale_factor=scale
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    open_laid_out(page, f"{server}/{path}")
    return context, page


# A context and a page an opening cost about 0,7 s more than opening the page again in a tab
# that has the site's files in its cache, and several times more than a new width for a page
# already open. So the tests share a tab per device scale (a context option; the colour scheme
# is set on the page): each opens its page anew at its size and scheme, and a test of one page
# at several widths opens it once and resizes it (``_resize``), naming the width that fails.
def _tab(browser, scale):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, device_scale_factor=scale)
    # What a page stores stays with it, as in a context of its own.
    context.add_init_script("try { localStorage.clear(); sessionStorage.clear(); } catch (error) {}")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return context, page


@pytest.fixture(scope="module")
def tabs(browser):
    """A shared tab for each device scale: ``tabs[1]``, and ``tabs[2]`` for 200 % zoom."""
    opened = {scale: _tab(browser, scale) for scale in (1, 2)}
    yield {scale: page for scale, (_, page) in opened.items()}
    for context, _ in opened.values():
        context.close()


def _visit(tab, server, path, width=1280, height=800, scheme="light"):
    """``path`` opened anew in the shared ``tab`` at this size and colour scheme, laid out,
    its errors recorded afresh; the mouse off the page, as in a new context."""
    tab.mouse.move(-1, -1)
    tab.set_viewport_size({"width": width, "height": height})
    tab.emulate_media(color_scheme=scheme)
    tab.errors.clear()
    open_laid_out(tab, f"{server}/{path}")
    return tab


# After a new viewport size: until the page has it, its resize handlers have run (two frames)
# and no CSS transition runs, then two frames more. Crossing 992 px the theme slides the menu
# in beside the page (a 0,2 s transition): measured without this wait, a page opened at
# 320 px and resized to 992 or 1024 px still had its menu off the page and its article
# wider than a page opened at that width has.
SETTLED = """async () => {
  const frame = () => new Promise(done => requestAnimationFrame(done));
  await frame(); await frame();
  for (let round = 0; round < 20; round++) {
    const running = document.getAnimations().filter(a => a instanceof CSSTransition && a.playState === 'running');
    if (!running.length) break;
    await Promise.all(running.map(a => a.finished.catch(() => null)));
  }
  await frame(); await frame();
}"""


def _resize(page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_function("([width, height]) => innerWidth === width && innerHeight === height", arg=[width, height])
    page.evaluate(SETTLED)


def _assert_at_widths(page, where, widths, height, check, what):
    """``check(page, width)`` at each width in turn, the page resized in between (the first
    width is the one it was opened at): whatever it returns that is not falsy fails the test,
    which names ``where`` and each width that failed, with what was found there."""
    found = {}
    for width in widths:
        _resize(page, width, height)
        if problem := check(page, width):
            found[width] = problem
    assert found == {}, f"{where}: {what} at {', '.join(f'{width} px' for width in found)}: {found}"


# --- Navigation on every width -----------------------------------------------------------

# (viewport width, device scale): 200 % zoom on a 1280 px screen is a 640 px viewport.
WIDTHS = [(320, 1), (768, 1), (1024, 1), (1280, 1), (640, 2)]
OPENED = """() => ({
  menu: document.querySelector('#pst-primary-sidebar-modal').open,
  contents: document.querySelector('#pst-secondary-sidebar-modal').open,
  menuHidden: document.querySelector('#pst-primary-sidebar').classList.contains('pst-sidebar-hidden'),
})"""


def _press(page, button, how: str, done: str) -> None:
    """Press ``button`` and wait (at most 2 s) until ``done``, a condition on ``OPENED``'s
    state, holds: the caller then asserts on that state."""
    if how == "click":
        button.click()
    else:
        button.focus()
        page.keyboard.press(how)
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(f"() => {{ const state = ({OPENED})(); return {done}; }}", timeout=2000)


@pytest.mark.parametrize("how", ["click", "Enter", "Space"])
@pytest.mark.parametrize("width,scale", WIDTHS)
def test_the_menu_button_opens_the_menu(tabs, server, width, scale, how):
    page = _visit(tabs[scale], server, SPIN, width=width)
    buttons = page.locator("button.primary-toggle")
    visible = [buttons.nth(i) for i in range(buttons.count()) if buttons.nth(i).is_visible()]
    assert len(visible) == 1
    _press(page, visible[0], how, "state.menu || state.menuHidden")
    state = page.evaluate(OPENED)
    if width < 992:  # the menu opens as a dialog, with the links a reader arriving on a case page needs
        assert state["menu"], state
        dialog = page.locator("#pst-primary-sidebar-modal")
        case_list = dialog.get_by_role("link", name="Alla ärenden")
        assert case_list.is_visible()
        assert dialog.get_by_role("link", name="Granskningsbara rapporter om medfinansieringsbeslut").is_visible()
        case_list.click()
        page.wait_for_url("**/book/case_list.html")
    else:  # beside the page, the button hides and shows the menu
        assert state["menuHidden"] and not state["menu"], state
        expect(page.locator("nav.bd-docs-nav")).to_be_hidden()
        _press(page, visible[0], how, "!state.menuHidden")
        expect(page.locator("nav.bd-docs-nav")).to_be_visible()
    assert page.errors == []


@pytest.mark.parametrize("how", ["click", "Enter", "Space"])
@pytest.mark.parametrize("width,scale", [(320, 1), (768, 1), (1024, 1), (640, 2)])
def test_the_contents_button_opens_the_pages_contents(tabs, server, width, scale, how):
    page = _visit(tabs[scale], server, SPIN, width=width)
    button = page.locator("button.secondary-toggle:visible")
    assert button.count() == 1
    _press(page, button, how, "state.contents")
    assert page.evaluate(OPENED)["contents"]
    assert page.locator("#pst-secondary-sidebar-modal").get_by_role("link", name="Regelkontroller").is_visible()


def test_beside_the_page_the_contents_are_always_shown(tabs, server):
    page = _visit(tabs[1], server, SPIN, width=1280)
    assert page.locator("#pst-secondary-sidebar").get_by_role("link", name="Regelkontroller").is_visible()


FOCUSED = """() => { const e = document.activeElement; const s = getComputedStyle(e);
  return {tag: e.tagName, name: e.getAttribute('aria-label') || e.title || e.textContent.trim(),
          toolbar: !!e.closest('.bd-header-article, .bd-header, .bd-sidebar-primary .search-button-field, .bd-search'),
          outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2}; }"""


@pytest.mark.parametrize("width", [320, 768, 1024, 1280])
def test_every_toolbar_button_shows_keyboard_focus(tabs, server, width):
    page = _visit(tabs[1], server, SPIN, width=width)
    reached = {}
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] == "BUTTON" and focused["toolbar"]:
            reached[focused["name"]] = focused["outline"]
    assert "Visa eller dölj menyn" in reached and "Ladda ner den här sidan" in reached
    assert [name for name, outlined in reached.items() if not outlined] == []


# --- One colour scheme that passes -------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGE_TYPES)
def test_axe_finds_no_wcag_21_aa_violation_in_either_system_scheme(tabs, server, path, scheme):
    page = _visit(tabs[1], server, path, scheme=scheme)
    if path == "book/case_list.html":  # with search results and every filter shown
        page.locator("#arendesok input[type='search']").fill("region")
        page.locator("#arendesok .casebook-search-result").first.wait_for()
        for summary in page.locator("#arendesok summary").all():
            summary.click()
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]})
    violations = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]
    assert violations == []


def test_the_site_stays_light_with_no_switch_even_after_a_stored_dark_choice(browser, server):
    context, page = _open(browser, server, SPIN, scheme="dark")
    assert page.locator(".theme-switch-button").count() == 0
    page.evaluate("localStorage.setItem('mode', 'dark'); localStorage.setItem('theme', 'dark')")
    page.reload(wait_until="networkidle")
    colours = page.evaluate("[document.documentElement.dataset.theme, getComputedStyle(document.body).backgroundColor]")
    context.close()
    assert colours == ["light", "rgb(255, 255, 255)"]


# --- The evidence in view ------------------------------------------------------------------

# Each table of the article against the content box of the element that holds it, and any
# ancestor that scrolls sideways (a hidden column).
TABLES_OUT_OF_COLUMN = """() => { const out = [];
  for (const table of document.querySelectorAll('article.bd-article table')) {
    const holder = table.parentElement, box = holder.getBoundingClientRect(), style = getComputedStyle(holder);
    const right = box.left + holder.clientLeft + holder.clientWidth - parseFloat(style.paddingRight);
    const edge = table.getBoundingClientRect().right;
    let scrolled = null;
    for (let e = holder; e && e !== document.body; e = e.parentElement)
      if (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible') scrolled = e.className;
    if (edge > right + 1 || scrolled) out.push({table: table.id || table.className, over: Math.round(edge - right), scrolled});
  }
  return {out, sideways: document.documentElement.scrollWidth - innerWidth}; }"""


def _tables_out_of_column(page, width):
    found = page.evaluate(TABLES_OUT_OF_COLUMN)
    return found if found != {"out": [], "sideways": 0} else None


@pytest.mark.parametrize("path", WIDE_PAGES)
def test_every_table_fits_its_column_at_desktop_widths(tabs, server, path):
    widths = [1024, 1280]
    page = _visit(tabs[1], server, path, width=widths[0], height=900)
    _assert_at_widths(page, path, widths, 900, _tables_out_of_column, "tables out of their column")


# A table stacked as "label: value" lines (display: block) left its caption a table caption
# as wide as its longest word: the rule catalogue's read one word a line, at every width.
NARROW_CAPTIONS = """() => [...document.querySelectorAll('article.bd-article table > caption')]
  .map(caption => ({table: caption.parentElement.id, caption: Math.round(caption.getBoundingClientRect().width),
                    width: Math.round(caption.parentElement.getBoundingClientRect().width)}))
  .filter(found => found.caption < found.width - 2)"""


@pytest.mark.parametrize("path", WIDE_PAGES)
def test_every_table_caption_is_as_wide_as_its_table(tabs, server, path):
    widths = [320, 1280]
    page = _visit(tabs[1], server, path, width=widths[0], height=900)
    _assert_at_widths(page, path, widths, 900, lambda page, width: page.evaluate(NARROW_CAPTIONS), "narrow captions")


# What casebook-tables.js gives each table with a header row, read back cell by cell: the
# published HTML has neither (test_pages.py, html_table.read_table). A label is its header's
# words without their soft hyphens: in the label (CSS generated text) they split the word in
# a printed PDF's text and in the cell's accessible name.
TABLE_LABELS = """() => [...document.querySelectorAll('article.bd-article table')].filter(t => t.tHead).map(table => {
  const header = [...table.tHead.rows[0].cells].map(th => th.textContent.replace(/\\u00ad/g, '').trim());
  const roles = [table, ...table.querySelectorAll('thead, tbody, tr, th, td')].map(e => e.getAttribute('role'));
  const expected = [table, ...table.querySelectorAll('thead, tbody, tr, th, td')].map(e =>
    ({TABLE: 'table', THEAD: 'rowgroup', TBODY: 'rowgroup', TR: 'row', TH: 'columnheader', TD: 'cell'})[e.tagName]);
  const labels = row => JSON.stringify([...row.cells].map(cell => cell.dataset.label));
  const wrong = [...table.tBodies[0].rows].filter(row => labels(row) !== JSON.stringify(header));
  // A stacked table shows each label before its value (a rule row's rule and outcome excepted).
  const stacked = getComputedStyle(table).display !== 'table';
  const exempt = td => table.classList.contains('casebook-rule-table') && [0, 3].includes(td.cellIndex);
  const unshown = [...table.tBodies[0].querySelectorAll('td[data-label]')].filter(td => stacked && !exempt(td)
    && getComputedStyle(td, '::before').content !== JSON.stringify(td.dataset.label + ': '));
  return {table: table.id, rolesRight: JSON.stringify(roles) === JSON.stringify(expected),
          wrongRows: wrong.length, rows: table.tBodies[0].rows.length, stacked, unshown: unshown.length};
})"""
# The verification page of this site has no table: its cases were never verified.
LABELLED_PAGES = [*(p for p in WIDE_PAGES if p != "book/verification.html"), "book/case_format.html"]


# At 375 px every page stacks a table; at 1280 px the rule catalogue's cards, the rule table
# and the portfolio's eight columns still do, each by a rule of its own.
@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("path", LABELLED_PAGES)
def test_every_table_gets_its_labels_and_roles_in_the_browser(tabs, server, path, width):
    tables = _visit(tabs[1], server, path, width=width, height=800).evaluate(TABLE_LABELS)
    assert tables and all(t["rows"] for t in tables), tables
    assert width > 375 or any(t["stacked"] for t in tables), tables
    assert [t for t in tables if not t["rolesRight"] or t["wrongRows"] or t["unshown"]] == []


# The layout shifts a page had by the time it loaded (Chromium's layout-shift entries).
LAYOUT_SHIFT = """() => new Promise(done => { let shift = 0;
  new PerformanceObserver(list => { for (const entry of list.getEntries()) shift += entry.value; })
    .observe({type: 'layout-shift', buffered: true});
  setTimeout(() => done(shift), 300); })"""


@pytest.mark.parametrize("path", [SPIN, "book/portfolio.html", "book/organisationer/region-jamtland-harjedalen.html"])
def test_a_phone_sees_tables_stacked_from_the_first_paint_without_a_layout_shift(tabs, server, path):
    """Tables are stacked by the stylesheet from the first paint (the head marks that
    JavaScript runs), not when their labels arrive: stacked after a paint, the portfolio's
    first table moved the page by a layout-shift score of 0,1 in half the loads."""
    shift = _visit(tabs[1], server, path, width=375, height=800).evaluate(LAYOUT_SHIFT)
    assert shift < 0.01


# Without JavaScript a table keeps its table layout (the stylesheet stacks only labelled
# tables) and scrolls in its own box: the page itself does not scroll sideways.
UNLABELLED = """() => ({
  stacked: [...document.querySelectorAll('article.bd-article table')].filter(t => getComputedStyle(t).display !== 'table').map(t => t.id),
  labelled: document.querySelectorAll('td[data-label], table[role]').length,
  sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  // A caption as wide as its table, centred, ran out of its scrolling box: read only in part.
  captionsCut: [...document.querySelectorAll('article.bd-article table > caption')].filter(caption => {
    const box = caption.closest('.pst-scrollable-table-container, .cell_output').getBoundingClientRect();
    return caption.getBoundingClientRect().right > box.right + 1; }).map(caption => caption.parentElement.id),
})"""


@pytest.mark.parametrize(
    "path",
    [
        SPIN,
        "book/case_list.html",
        "book/rules.html",
        "book/case_format.html",
        "book/portfolio.html",
        "book/organisationer/region-jamtland-harjedalen.html",
    ],
)
def test_without_javascript_tables_stay_tables_in_their_own_scrolling_box(browser, server, path):
    context = browser.new_context(viewport={"width": 320, "height": 800}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{server}/{path}", wait_until="load")
        assert page.evaluate(UNLABELLED) == {"stacked": [], "labelled": 0, "sideways": 0, "captionsCut": []}
    finally:
        context.close()


FIT_WIDTHS = [320, 375, 480, 600, 768, 800, 992, 1024, 1040, 1060, 1100, 1280, 1440, 1600, 1920]


@pytest.mark.parametrize("path", ["book/case_list.html", "book/portfolio.html"])
def test_the_case_list_and_the_portfolio_fit_every_width(tabs, server, path):
    page = _visit(tabs[1], server, path, width=FIT_WIDTHS[0], height=900)
    _assert_at_widths(page, path, FIT_WIDTHS, 900, _tables_out_of_column, "tables out of their column")


# A rule row needs the height of its tallest cell on each of its lines, and its padding.
RULE_ROWS = """() => [...document.querySelectorAll('#T_compliance tbody tr')].map(tr => {
  const cells = [...tr.children].map(td => td.getBoundingClientRect());
  const style = getComputedStyle(tr), lines = new Map();
  for (const cell of cells) lines.set(Math.round(cell.top), Math.max(lines.get(Math.round(cell.top)) ?? 0, cell.height));
  const needed = [...lines.values()].reduce((sum, height) => sum + height, 0)
    + parseFloat(style.paddingTop) + parseFloat(style.paddingBottom) + parseFloat(style.borderBottomWidth);
  return {id: tr.id, height: tr.getBoundingClientRect().height, needed,
          evidenceShare: cells[4].width / tr.getBoundingClientRect().width}; })"""


def _rule_rows_not_fitting(page, width):
    rows = page.evaluate(RULE_ROWS)
    if len(rows) != 18:
        return f"{len(rows)} rule rows, not 18"
    return [row for row in rows if abs(row["height"] - row["needed"]) > 2 or row["evidenceShare"] <= 0.95]


def test_each_rule_row_is_as_tall_as_its_content_with_the_evidence_in_full_width(tabs, server):
    widths = [320, 1024, 1280]
    page = _visit(tabs[1], server, SPIN, width=widths[0], height=900)
    _assert_at_widths(page, SPIN, widths, 900, _rule_rows_not_fitting, "rule rows not as tall as their content")


# Every word of the article's text that the browser laid out over two lines, with the
# character before the break: a soft hyphen or a hyphen is the only place a word may break.
BROKEN_WORDS = r"""() => { const broken = [];
  const walker = document.createTreeWalker(document.querySelector('article.bd-article'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest('.casebook-hash, .casebook-breakable, code, pre, script, style')) continue;
    let shown = true;  // text visually hidden for screen readers (a 1 px box) is laid out one letter a line
    for (let e = node.parentElement; e; e = e.parentElement) if (e.getBoundingClientRect().width <= 1) shown = false;
    if (!shown) continue;
    const text = node.data;
    for (const match of text.matchAll(/\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index); range.setEnd(node, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (lines.size < 2) continue;
      let top = null;
      for (let i = 0; i < match[0].length; i++) {
        range.setStart(node, match.index + i); range.setEnd(node, match.index + i + 1);
        const rects = range.getClientRects(), rect = rects[rects.length - 1];  // a character at a break has one rect per line
        if (!rect || rect.width === 0) continue;
        if (top !== null && Math.round(rect.top) > top + 2) {
          const before = match[0].slice(0, i).replace(/\u00ad/g, '');
          const last = match[0][i - 1];
          broken.push({word: match[0].replace(/\u00ad/g, ''), before, allowed: last === '\u00ad' || last === '-',
                       date: /\d{4}-\d\d-\d\d/.test(match[0])});
          break;
        }
        top = Math.round(rect.top);
      }
    }
  }
  return broken; }"""


@pytest.mark.parametrize(
    "path",
    [
        SPIN,
        HOSTILE,
        "book/case_list.html",
        "book/accessibility.html",
        "book/organisationer/region-jamtland-harjedalen.html",
    ],
)
def test_words_break_only_at_a_hyphen_and_dates_never(tabs, server, path):
    widths = [320, 375]
    broken = {}

    def wrongly_broken(page, width):
        broken[width] = page.evaluate(BROKEN_WORDS)
        return [b for b in broken[width] if not b["allowed"] or b["date"]]

    page = _visit(tabs[1], server, path, width=widths[0], height=900)
    _assert_at_widths(page, path, widths, 900, wrongly_broken, "words broken elsewhere than at a hyphen, or dates")
    if path == SPIN:
        assert any(b["allowed"] for b in broken[320])  # long words do break at 320 px, at their soft hyphens


PREVIOUS_AND_NEXT = """() => [...document.querySelectorAll('.prev-next-area .prev-next-title')].map(t =>
  ({text: t.textContent.trim(), cut: t.scrollWidth > t.clientWidth + 1 || t.scrollHeight > t.clientHeight + 1,
    overflow: getComputedStyle(t).textOverflow}))"""


def _titles_not_whole(page, width):
    titles = page.evaluate(PREVIOUS_AND_NEXT)
    return [t for t in titles if t["cut"] or t["overflow"] == "ellipsis"] if titles else "no previous or next title"


@pytest.mark.parametrize(
    "path",
    [
        "book/index.html",
        "book/case_list.html",
        "book/portfolio.html",
        "book/open_data.html",
        "book/verification.html",
        "book/method.html",
        "book/case_format.html",
        "book/accessibility.html",
    ],
)
def test_previous_and_next_titles_are_shown_whole(tabs, server, path):
    widths = [320, 1280]
    page = _visit(tabs[1], server, path, width=widths[0])
    _assert_at_widths(page, path, widths, 800, _titles_not_whole, "previous or next titles not whole")


def test_long_swedish_words_carry_soft_hyphens_and_numbers_none(site):
    html = (site / SPIN).read_text(encoding="utf-8")
    assert "Fi\N{SOFT HYPHEN}nan\N{SOFT HYPHEN}si\N{SOFT HYPHEN}e\N{SOFT HYPHEN}rings\N{SOFT HYPHEN}plan" in html
    soup = BeautifulSoup(html, "html.parser")
    for selector in ("time", "data", "code", ".casebook-hash", ".casebook-date", ".casebook-amount"):
        for element in soup.select(f"article {selector}"):
            assert "\N{SOFT HYPHEN}" not in element.get_text(), element
    for text in soup.select_one("article").find_all(string=True):
        for token in text.split():
            if "://" in token or "@" in token or any(ch.isdigit() for ch in token):
                assert "\N{SOFT HYPHEN}" not in token, token


# --- Following the decisions ---------------------------------------------------------------


def _pages(site: Path) -> list[Path]:
    return sorted(
        p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts and p != site / "index.html"
    )


def test_every_page_announces_the_feed_and_links_the_source_code(site):
    pages = _pages(site)
    assert len(pages) > 10
    for html_page in pages:
        soup = BeautifulSoup(html_page.read_text(encoding="utf-8"), "html.parser")
        feed = soup.select_one("head link[rel='alternate'][type='application/atom+xml']")
        assert feed is not None and feed.get("title"), html_page
        assert (html_page.parent / feed["href"]).resolve() == site / "beslut.atom", html_page
        source = [a for a in soup.select("footer a") if a.get_text(strip=True) == "Källkod"]
        assert [a["href"] for a in source] == ["https://example.invalid/casebook"], html_page


def test_the_start_page_and_the_case_list_link_the_feed_which_a_feed_reader_reads(site):
    for path in ("book/index.html", "book/case_list.html"):
        soup = BeautifulSoup((site / path).read_text(encoding="utf-8"), "html.parser")
        assert soup.select_one("article a[href='../beslut.atom']") is not None, path
    parsed = feedparser.parse((site / "beslut.atom").read_bytes())
    assert parsed.bozo == 0 and parsed.version == "atom10"
    titles = {entry.link: entry.title for entry in parsed.entries}
    assert titles["https://example.invalid/casebook/book/cases/rjh-2025-spin.html"] == (
        "Förslag till beslut: Region Jämtland Härjedalen, högst 750\N{NO-BREAK SPACE}000\N{NO-BREAK SPACE}kr "
        "(12,10\N{NO-BREAK SPACE}%), inte beslutat ännu – SPIN – Strategisk Planering i Norr"
    )


def test_the_method_page_names_the_repository(site):
    soup = BeautifulSoup((site / "book" / "method.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.select_one("article a[href='https://example.invalid/casebook']") is not None


def test_a_case_page_links_the_pages_of_its_organisations(site):
    soup = BeautifulSoup((site / SPIN).read_text(encoding="utf-8"), "html.parser")
    links = {a.get_text().replace("\N{SOFT HYPHEN}", ""): a["href"] for a in soup.select("#T_facts a, #T_financing a")}
    for name in (
        "Region Jämtland Härjedalen",
        "Region Västernorrland",
        "Region Västerbotten",
        "Region Norrbotten",
        "Tillväxtverket",
    ):
        target = (site / SPIN).parent / links[name]
        assert target.resolve().is_file(), name
        page = BeautifulSoup(target.read_text(encoding="utf-8"), "html.parser")
        assert page.select_one("article a[href='../cases/rjh-2025-spin.html']") is not None, name


def test_the_case_list_shows_each_cases_state_in_a_column(tabs, server):
    page = _visit(tabs[1], server, "book/case_list.html")
    headers = page.locator("main table.casebook-sortable thead th").all_inner_texts()
    spin_row = page.locator(
        "main table.casebook-sortable tbody tr", has=page.locator("a[href='cases/rjh-2025-spin.html']")
    )
    state = spin_row.locator("td").nth(1).inner_text()
    assert [h.replace("\N{SOFT HYPHEN}", "") for h in headers][:3] == ["Datum", "Läge", "Projekt"]
    assert state == "Förslag till beslut"


def test_feed_links_resolve_against_the_site_address(site):
    parsed = feedparser.parse((site / "beslut.atom").read_bytes())
    assert parsed.feed.links[0].href == urljoin("https://example.invalid/casebook/", "beslut.atom")


# --- A statement that tells the truth ------------------------------------------------------

TESTS = Path(__file__).parent
CLAIMED_TEST = r"`(test_[a-z_]+\.py)::(test_[a-z0-9_]+)`"


def test_each_claim_of_how_the_site_was_tested_names_a_test_that_exists(site):
    import re

    statement = (TESTS.parent / "book" / "accessibility.md").read_text(encoding="utf-8")
    tested = statement[
        statement.index("## Hur vi testat webbplatsen") : statement.index("Utöver de automatiska testerna")
    ]
    claims = [claim for claim in re.split(r"\n- ", tested)[1:]]
    assert len(claims) >= 10
    for claim in claims:
        named = re.findall(CLAIMED_TEST, claim)
        assert named, claim
        for module, test in named:
            assert re.search(rf"^def {test}\(", (TESTS / module).read_text(encoding="utf-8"), re.MULTILINE), (
                module,
                test,
            )
    # The published statement gives the publisher's contact from publisher.yaml and lists the known gaps.
    text = BeautifulSoup((site / "book" / "accessibility.html").read_text(encoding="utf-8"), "html.parser").find("main")
    text = " ".join(text.get_text("").replace("\N{SOFT HYPHEN}", "").split())
    assert "Kontakta Region Jämtland Härjedalen: e-post oppnadata@example.invalid" in text
    for gap in ("Bara ljust färgläge", "rättar inte felstavade ord", "från disken", "PDF/UA"):
        assert gap in text, gap


def test_the_pdf_documents_are_tagged_titled_and_swedish(site):
    from pypdf import PdfReader

    for pdf in (site / "memo" / "rjh-2025-spin.pdf", site / "rapport" / "rjh-2025-spin.pdf"):
        reader = PdfReader(pdf)
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"], pdf
        assert root["/Lang"] == "sv-SE" and "SPIN" in reader.metadata.title, pdf
    # The Word draft is the officer's working file (casebook memo), not a public document.
    assert not list((site / "memo").glob("*.docx"))


# casebook-tables.js on tables the site does not have yet, in a page of its own: a header cell
# spanning two columns labels both, a row's spanning cell takes its first column's label, a
# header cell in the body is a row header, the footer is labelled, and tables it cannot label
# (two header rows, no header, outside the article, of no table class) are left as written.
SCRIPT_CASES = """<!DOCTYPE html><html lang="sv"><body><article class="bd-article">
<table class="table" id="spans"><thead><tr><th>A</th><th colspan="2">Be\u00adlopp</th><th>D</th></tr></thead>
<tbody><tr><th>r</th><td>1</td><td>2</td><td>3</td></tr><tr><td colspan="2">4</td><td>5</td><td>6</td></tr></tbody>
<tfoot><tr><td>7</td><td>8</td><td>9</td><td>10</td></tr></tfoot></table>
<table class="casebook-table" id="two-header-rows"><thead><tr><th>A</th></tr><tr><th>B</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>
<table class="table" id="no-header"><tbody><tr><td>1</td></tr></tbody></table>
<table class="other" id="other-class"><thead><tr><th>A</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>
</article><table class="table" id="outside"><thead><tr><th>A</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>
</body></html>"""
SCRIPT_RESULT = """() => Object.fromEntries([...document.querySelectorAll('table')].map(table => [table.id,
  [table, ...table.querySelectorAll('thead, tbody, tfoot, tr, th, td')].map(e => [e.tagName, e.getAttribute('role'), e.dataset.label ?? null])]))"""


def test_the_table_script_labels_spanned_columns_row_headers_and_footers_and_nothing_else(page):
    page.set_content(SCRIPT_CASES)
    page.add_script_tag(path=str(Path(__file__).parent.parent / "book" / "_static" / "casebook-tables.js"))
    found = page.evaluate(SCRIPT_RESULT)
    head, body, foot, row = (
        ["THEAD", "rowgroup", None],
        ["TBODY", "rowgroup", None],
        ["TFOOT", "rowgroup", None],
        ["TR", "row", None],
    )
    assert found["spans"] == [
        ["TABLE", "table", None],
        head,
        row,
        ["TH", "columnheader", None],
        ["TH", "columnheader", None],
        ["TH", "columnheader", None],
        body,
        row,
        ["TH", "rowheader", "A"],
        ["TD", "cell", "Belopp"],
        ["TD", "cell", "Belopp"],
        ["TD", "cell", "D"],
        row,
        ["TD", "cell", "A"],
        ["TD", "cell", "Belopp"],
        ["TD", "cell", "D"],
        foot,
        row,
        ["TD", "cell", "A"],
        ["TD", "cell", "Belopp"],
        ["TD", "cell", "Belopp"],
        ["TD", "cell", "D"],
    ]
    for table in ("two-header-rows", "no-header", "other-class", "outside"):
        assert all(role is None and label is None for _, role, label in found[table]), table
