"""The merging search module (casebook/engine/search_parts.js) over stand-in parts, in Chromium.

Two parts answer like Pagefind 1.5.2 does: without a sort, each hit has its relevance score;
with a sort, each hit's score is its page's position in the part's pages by the sort value
(negated for an ascending sort). The module orders by relevance with the date as tie-break across parts, and by date
alone when only filters are given. Pagefind's own scores rarely tie exactly on real pages,
so the tie-break is tested here, on scores chosen to tie.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casebook.engine.search_index import MERGE_MODULE

# Per part: its pages' (id, relevance score, date).
PARTS = {
    "0": [("a", 2.0, "2024-01-01"), ("b", 1.0, "2026-01-01")],
    "1": [("c", 2.0, "2025-06-01"), ("d", 1.0, "2023-01-01")],
}

STAND_IN = """const HITS = %s;
export async function options() {}
export async function search(term, options = {}) {
  const dates = HITS.map((hit) => hit[2]).sort();
  const ascending = Object.values(options.sort ?? {})[0] === "asc";
  const results = HITS.map(([id, score, date]) => ({
    id, score: options.sort ? (ascending ? -dates.indexOf(date) : dates.indexOf(date)) : score }));
  return { results, unfilteredResultCount: results.length, filters: {}, totalFilters: {}, timings: {} };
}
export async function preload() {}
export async function filters() { return {}; }
export async function destroy() {}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("merge")
    index = root / "pagefind"
    index.mkdir()
    described = [{"name": name, "sorted": {"datum": sorted(hit[2] for hit in hits)}} for name, hits in PARTS.items()]
    (index / "pagefind.js").write_text(
        f"const PARTS = {json.dumps(described)};\n\n" + MERGE_MODULE.read_text(encoding="utf-8"), encoding="utf-8"
    )
    for name, hits in PARTS.items():
        (index / name).mkdir()
        (index / name / "pagefind.js").write_text(STAND_IN % json.dumps(hits), encoding="utf-8")
    (root / "index.html").write_text("<!doctype html><title>t</title>", encoding="utf-8")
    return root


ORDER = """async ([term, options]) => { const pagefind = await import('/pagefind/pagefind.js');
  return (await pagefind.search(term, options)).results.map((hit) => hit.id); }"""


def test_relevance_first_then_newest_first_among_equal_scores_across_parts(page, server):
    page.goto(f"{server}/index.html")
    # a and c score 2.0 (c is newer), b and d 1.0 (b is newer).
    assert page.evaluate(ORDER, ["ord", {}]) == ["c", "a", "b", "d"]


def test_filters_alone_come_newest_first_across_parts(page, server):
    page.goto(f"{server}/index.html")
    assert page.evaluate(ORDER, [None, {"filters": {}}]) == ["b", "c", "a", "d"]


def test_an_explicit_sort_is_kept(page, server):
    page.goto(f"{server}/index.html")
    assert page.evaluate(ORDER, ["ord", {"sort": {"datum": "asc"}}]) == ["d", "a", "c", "b"]
