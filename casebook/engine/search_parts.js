// The search over every part of the site's search index, newest first across parts.
//
// casebook/engine/search_index.py writes this file as pagefind/pagefind.js with PARTS above
// it: each part's folder (a Pagefind bundle of its own) and the "datum" sort values of its
// pages in ascending order. Pagefind's interface (pagefind-ui.js, copied beside it) loads it
// as its Pagefind. Pagefind's own merging of bundles (mergeIndex) orders merged results by
// score, and with a sort Pagefind 1.5.2 scores a result by its position among its own
// part's pages in the sort's order (negated for "asc"): merged that way, the newest-first
// order would hold only within each part. So the parts are merged here, by the sort value
// each result's position in its part gives; without a sort, by score as Pagefind does.
// The price: the browser loads Pagefind's script and WebAssembly (about 160 kB) once per
// part instead of once.

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

export async function search(term, searchOptions = {}) {
  const opened = await openParts();
  const found = await Promise.all(opened.map((part) => part.instance.search(term, searchOptions)));
  const [key, direction] = Object.entries(searchOptions.sort ?? {})[0] ?? [];
  let results;
  if (key !== undefined && opened.every((part) => part.sorted[key])) {
    const keyed = found.flatMap((result, index) => result.results.map((hit) => ({
      hit, value: opened[index].sorted[key][direction === "asc" ? -hit.score : hit.score],
    })));
    keyed.sort((a, b) => (direction === "asc" ? compare(a.value, b.value) : compare(b.value, a.value)));
    results = keyed.map((entry) => entry.hit);
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
