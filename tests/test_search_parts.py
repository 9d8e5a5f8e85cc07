"""The case list's search over a site whose search index is in several parts, in Chromium.

The part size is set to one case page (``casebook_search_part_pages`` in _config.yml), so
four case pages make four parts: fiktiv-bas in part 0, rjh-2025-spin in part 2, fiktiv-norr
and fiktiv-syd in part 3 (tests/test_search_index.py). The search finds cases of every
part, filters across parts, and lists results newest first across parts (Pagefind's own
merging of bundles would order them by their position within their own part).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import REPO, copy_project, published_site

pytestmark = pytest.mark.e2e

RESULT_LINKS = "#arendesok .pagefind-ui__result-link"
CASES = ("fiktiv-bas", "fiktiv-norr", "fiktiv-syd")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("repo"))
    for case_id in CASES:
        shutil.copy2(REPO / "tests" / "cases" / f"{case_id}.yaml", root / "data" / "cases")
    config = root / "_config.yml"
    text = config.read_text(encoding="utf-8")
    assert "\n  config:\n" in text
    config.write_text(text.replace("\n  config:\n", "\n  config:\n    casebook_search_part_pages: 1\n", 1),
                      encoding="utf-8")
    return published_site(root)


def _results(page, count: int) -> list[str]:
    page.wait_for_function(f"document.querySelectorAll('{RESULT_LINKS}').length == {count}")
    links = page.locator(RESULT_LINKS)
    return [links.nth(i).get_attribute("href") for i in range(count)]


def test_the_index_is_in_parts(site):
    assert sorted(p.name for p in (site / "pagefind").iterdir() if p.is_dir()) == ["0", "2", "3"]


def test_the_search_finds_filters_and_orders_cases_across_parts(page, server):
    page.goto(f"{server}/book/case_list.html", wait_until="networkidle")
    search = page.locator("#arendesok input[type='text']")
    search.fill("region")
    # Newest first: rjh-2025-spin (2025-09-09, part 2), fiktiv-bas and fiktiv-syd (both
    # 2017-02-15, parts 0 and 3), fiktiv-norr (2016-02-15, part 3).
    found = _results(page, 4)
    assert found[0] == "/book/cases/rjh-2025-spin.html"
    assert sorted(found[1:3]) == ["/book/cases/fiktiv-bas.html", "/book/cases/fiktiv-syd.html"]
    assert found[3] == "/book/cases/fiktiv-norr.html"

    # In fiktiv-norr's title (part 3); Pagefind's Swedish stemming also finds "kunskap" in the
    # description on SPIN's page (part 2). Newest first across the parts.
    search.fill("kunskapsnav")
    assert _results(page, 2) == ["/book/cases/rjh-2025-spin.html", "/book/cases/fiktiv-norr.html"]

    # A filter's counts add up over the parts: Region Dalarna decides fiktiv-bas (part 0) and fiktiv-syd (part 3).
    search.fill("region")
    _results(page, 4)
    page.locator("#arendesok summary", has_text="Beslutsfattare").click()
    dalarna = page.locator("#arendesok label", has_text="Region Dalarna")
    assert "2" in dalarna.inner_text()
    dalarna.click()
    assert sorted(_results(page, 2)) == ["/book/cases/fiktiv-bas.html", "/book/cases/fiktiv-syd.html"]
    page.locator("#arendesok label", has_text="Region Dalarna").click()
    page.locator("#arendesok label", has_text="Region Norrbotten").click()
    assert _results(page, 1) == ["/book/cases/fiktiv-norr.html"]
    assert page.errors == []
