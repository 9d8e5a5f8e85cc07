// The search over every part of the site's search index, newest first across parts.
//
// casebook/engine/search_index.py writes this file as pagefind/pagefind.js with PARTS above
// it: each part's folder (a Pagefind bundle of its own) and the "datum" sort values of its
// pages in ascending order. The site's search (book/_static/casebook-search.js) loads it as
// its Pagefind. Pagefind's own merging of bundles (mergeIndex) orders merged results by
// score, and with a sort Pagefind 1.5.2 scores a result by its position among its own
// part's pages in the sort's order (negated for "asc"): merged that way, the newest-first
// order would hold only within each part. So the parts are merged here, by the sort value
// each result's position in its part gives; without a sort, by score, and among equal
// scores by date (see search below).
// The price: the browser loads Pagefind's script (about 45 kB, 13 kB compressed) once per
// part. The worker and the WebAssembly every part uses are one copy at the index's root
// (casebook/engine/search_index.py), which the browser fetches once when the server lets it
// keep them (GitHub Pages: ten minutes).

// Without a sort, results come by relevance (Pagefind's score), newest first among equal
// scores; a search by filters alone (no words: every score equal) comes newest first.
const RELEVANCE_THEN = { key: "datum", direction: "desc" };

let pagefindOptions = {};
let parts = null;

function openParts() {
  parts ??= (async () => {
    if (PARTS.length === 0) return [];
    // Each part's own copy of pagefind.js: a module of its own, with its own WebAssembly
    // instance and worker. Pagefind keeps its WebAssembly state per module, so instances
    // of one module for several bundles (createInstance) corrupt each other's memory.
    return Promise.all(PARTS.map(async (part) => {
      const instance = await import(new URL(`./${part.name}/pagefind.js`, import.meta.url).href);
      await instance.options(pagefindOptions);
      return { instance, sorted: part.sorted };
    }));
  })();
  return parts;
}

function mergeFilters(all) {
  const merged = {};
  for (const filters of all) {
    for (const [name, values] of Object.entries(filters ?? {})) {
      merged[name] ??= {};
      for (const [value, count] of Object.entries(values)) merged[name][value] = (merged[name][value] ?? 0) + count;
    }
  }
  return merged;
}

function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function options(newOptions) {
  pagefindOptions = { ...pagefindOptions, ...newOptions };
  if (parts) for (const part of await parts) await part.instance.options(newOptions);
}

// Results of one search per part, merged and ordered by the given sort (the value each
// hit's position in its part gives), else by score as Pagefind does.
async function searchParts(opened, term, searchOptions) {
  const found = await Promise.all(opened.map((part) => part.instance.search(term, searchOptions)));
  const [key, direction] = Object.entries(searchOptions.sort ?? {})[0] ?? [];
  let results;
  if (key !== undefined && opened.every((part) => part.sorted[key])) {
    const keyed = found.flatMap((result, index) => result.results.map((hit) => ({
      hit, value: opened[index].sorted[key][direction === "asc" ? -hit.score : hit.score],
    })));
    keyed.sort((a, b) => (direction === "asc" ? compare(a.value, b.value) : compare(b.value, a.value)));
    results = keyed.map((entry) => Object.assign(entry.hit, { [SORT_VALUE]: entry.value }));
  } else {
    results = found.flatMap((result) => result.results).sort((a, b) => b.score - a.score);
  }
  return {
    results,
    unfilteredResultCount: found.reduce((sum, result) => sum + result.unfilteredResultCount, 0),
    filters: mergeFilters(found.map((result) => result.filters)),
    totalFilters: mergeFilters(found.map((result) => result.totalFilters)),
    timings: found.map((result) => result.timings),
  };
}

// The hit's value of the sort it was found with (a date for "datum").
export const SORT_VALUE = Symbol("casebook sort value");

export async function search(term, searchOptions = {}) {
  const opened = await openParts();
  if (searchOptions.sort || !RELEVANCE_THEN.key || !opened.every((part) => part.sorted[RELEVANCE_THEN.key])) {
    return searchParts(opened, term, searchOptions);
  }
  const bySort = await searchParts(opened, term, { ...searchOptions, sort: { [RELEVANCE_THEN.key]: RELEVANCE_THEN.direction } });
  if (term === null || term === undefined || String(term).trim() === "") {
    return bySort;  // filters alone: every hit scores the same, so the sort alone orders them
  }
  // Relevance first, the sort as the tie-break: the same search without a sort gives the
  // scores, the sorted one each hit's sort value (by page id; a page is in one part only).
  const byScore = await searchParts(opened, term, searchOptions);
  const values = new Map(bySort.results.map((hit) => [hit.id, hit[SORT_VALUE]]));
  const order = (hit) => values.get(hit.id);
  byScore.results.sort((a, b) => b.score - a.score
    || (RELEVANCE_THEN.direction === "asc" ? compare(order(a), order(b)) : compare(order(b), order(a)))
    || compare(a.id, b.id));
  for (const hit of byScore.results) hit[SORT_VALUE] = order(hit);
  return byScore;
}

export async function preload(term, searchOptions = {}) {
  await Promise.all((await openParts()).map((part) => part.instance.preload(term, searchOptions)));
}

export async function filters() {
  return mergeFilters(await Promise.all((await openParts()).map((part) => part.instance.filters())));
}

export async function destroy() {
  if (parts) await Promise.all((await parts).map((part) => part.instance.destroy()));
  parts = null;
}
