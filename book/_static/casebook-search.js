/* The site's one search: the case pages' Pagefind index (pagefind/pagefind.js, which merges
   the index's parts; casebook/engine/search_parts.js), on the case list and on the page the
   header's search box leads to (search.html?q=...).

   Written for this site rather than Pagefind's own interface, which showed filters only
   after a word was typed, had only a title as the field's label, a placeholder and borders
   below AA contrast, and announced no hit count. Here:
   - a labelled search field and a filter per facet (checkboxes in a fieldset each); filters
     work without a word (Pagefind searches by filters alone);
   - relevance first, newest first among equal scores; by filters alone, newest first;
   - each result shows date, state, decision-maker and amount (the page's Pagefind meta);
   - the count of hits in a polite live region;
   - opened from disk (file://) the browser cannot load the index: a Swedish message says
     so at once instead of a search that never answers.
   Case text is written into the page as text only (textContent), never as HTML. */

const SEARCH_DELAY_MS = 250;
const PAGE_SIZE = 20;
// The filters as the case pages name them (casebook.render.case_view), in this order.
const FACETS = ["Läge", "Beslutsfattare", "Projektägare", "År", "Regler att granska"];

function element(tag, properties = {}, children = []) {
  const node = Object.assign(document.createElement(tag), properties);
  for (const child of children) node.append(child);
  return node;
}

// Pagefind's excerpt is the page's text, HTML-escaped, with <mark> around the words found.
// Only the marks become elements; everything else is decoded into text.
function excerptNodes(excerpt) {
  const nodes = [];
  const decode = (html) => new DOMParser().parseFromString(`<!doctype html><body>${html}`, "text/html").body.textContent;
  excerpt.split(/(<mark>.*?<\/mark>)/s).forEach((piece) => {
    const marked = piece.match(/^<mark>(.*)<\/mark>$/s);
    nodes.push(marked ? element("mark", { textContent: decode(marked[1]) }) : document.createTextNode(decode(piece)));
  });
  return nodes;
}

const collator = new Intl.Collator("sv");

function facetValues(name, counts) {
  const values = Object.keys(counts);
  return name === "År" ? values.sort((a, b) => b.localeCompare(a)) : values.sort(collator.compare);
}

// The search region is busy (aria-busy) until its filters are shown and the search works, or
// it has said why it cannot: assistive technology reads it once it is complete.
async function setUp(root) {
  root.setAttribute("aria-busy", "true");
  try {
    await assemble(root);
  } finally {
    root.removeAttribute("aria-busy");
  }
}

async function assemble(root) {
  const content = document.documentElement.dataset.content_root ?? "";
  const id = root.id || "sok";
  const status = element("p", { className: "casebook-search-status", role: "status" });
  status.setAttribute("aria-live", "polite");
  const field = element("input", { type: "search", id: `${id}-falt`, name: "q", autocomplete: "off", spellcheck: false });
  const label = element("label", { htmlFor: field.id, textContent: root.dataset.label || "Sök bland ärendena" });
  const submit = element("button", { type: "submit", textContent: "Sök" });
  const filters = element("div", { className: "casebook-search-filters" });
  const form = element("form", { className: "casebook-search-form", role: "search" },
    [label, element("div", { className: "casebook-search-row" }, [field, submit]), filters]);
  form.setAttribute("aria-label", "Ärendesökning");
  const list = element("ol", { className: "casebook-search-results" });
  const more = element("button", { type: "button", className: "casebook-search-more", hidden: true, textContent: "Visa fler träffar" });
  root.replaceChildren(form, status, list, more);

  if (location.protocol === "file:") {
    field.disabled = submit.disabled = true;
    status.textContent = "Sökningen fungerar bara när webbplatsen visas från en webbserver, inte när filerna öppnas direkt "
      + "från disken. Starta till exempel python -m http.server i mappen med webbplatsen, eller casebook serve.";
    return;
  }
  let pagefind;
  try {
    pagefind = await import(new URL(`${content}pagefind/pagefind.js`, location.href).href);
  } catch (error) {
    status.textContent = "Sökningen kunde inte laddas. Ärendelistan nedan visar alla ärenden.";
    return;
  }

  // Result addresses relative to the site's root, wherever the site is published.
  await pagefind.options({ baseUrl: new URL(content || "./", location.href).pathname });
  const available = await pagefind.filters();
  const boxes = {};
  for (const name of FACETS) {
    const counts = available[name];
    if (!counts || Object.keys(counts).length === 0) continue;
    const fieldset = element("fieldset", {}, [element("legend", { textContent: name })]);
    boxes[name] = facetValues(name, counts).map((value, index) => {
      const box = element("input", { type: "checkbox", id: `${id}-${FACETS.indexOf(name)}-${index}`, value });
      const text = element("label", { htmlFor: box.id });
      text.append(`${value} `, element("span", { className: "casebook-search-count", textContent: `(${counts[value]})` }));
      fieldset.append(element("div", { className: "casebook-search-option" }, [box, text]));
      return box;
    });
    filters.append(element("details", {}, [element("summary", { textContent: name }), fieldset]));
  }

  let shown = [];
  let asked = 0;
  const chosen = () => Object.fromEntries(Object.entries(boxes)
    .map(([name, list]) => [name, list.filter((box) => box.checked).map((box) => box.value)])
    .filter(([, values]) => values.length > 0)
    .map(([name, values]) => [name, { any: values }]));

  async function showMore() {
    const batch = shown.splice(0, PAGE_SIZE);
    const pages = await Promise.all(batch.map((hit) => hit.data()));
    for (const page of pages) {
      const meta = page.meta ?? {};
      const facts = [meta.datum, meta.lage, meta.beslutsfattare, meta.belopp].filter(Boolean).join(" · ");
      list.append(element("li", { className: "casebook-search-result" }, [
        element("p", { className: "casebook-search-title" }, [element("a", { href: page.url, textContent: meta.title ?? page.url })]),
        element("p", { className: "casebook-search-facts", textContent: facts }),
        element("p", { className: "casebook-search-excerpt" }, excerptNodes(page.excerpt ?? "")),
      ]));
    }
    more.hidden = shown.length === 0;
  }

  async function run() {
    const term = field.value.trim();
    const selected = chosen();
    const ask = ++asked;
    if (term === "" && Object.keys(selected).length === 0) {
      list.replaceChildren();
      more.hidden = true;
      status.textContent = "";
      return;
    }
    const found = await pagefind.search(term === "" ? null : term, { filters: selected });
    if (ask !== asked) return;  // a newer search has started
    list.replaceChildren();
    shown = [...found.results];
    const count = shown.length;
    const what = term === "" ? "med de valda filtren" : `för ”${term}”`;
    status.textContent = count === 0 ? `Inga ärenden hittades ${what}.`
      : `${count} ${count === 1 ? "ärende" : "ärenden"} hittades ${what}.`
        + (term === "" ? " Nyaste först." : " De mest relevanta först.");
    await showMore();
  }

  let timer;
  field.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, SEARCH_DELAY_MS); });
  form.addEventListener("submit", (event) => { event.preventDefault(); clearTimeout(timer); run(); });
  filters.addEventListener("change", run);
  more.addEventListener("click", showMore);

  // A search asked for in the address, or typed while the index was loading (the field is
  // shown first; on a slow connection a reader types before Pagefind has arrived).
  const query = new URLSearchParams(location.search).get("q");
  if (query && field.value.trim() === "") field.value = query;
  if (field.value.trim() !== "") await run();
}

window.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-casebook-search]").forEach((root) => setUp(root));
});
