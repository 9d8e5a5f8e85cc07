/* Sortable case list (book/case_list.md): a progressive enhancement of a table that the
   server already writes newest first, following the WAI-ARIA Authoring Practices
   "sortable table" pattern. Each of the first N header cells of a table with the class
   "casebook-sortable-N" gets a button; the sorted header carries aria-sort; a polite live
   region says the new order in Swedish. Sort keys: <data value> (a number, e.g. kronor),
   <time datetime> (an ISO date), else the cell's text compared as Swedish. Rows with equal
   keys keep their newest-first order. Without JavaScript the table stays as written. */
(() => {
  "use strict";
  const ORDER = { ascending: "stigande", descending: "fallande" };
  const collator = new Intl.Collator("sv", { numeric: true, sensitivity: "base" });

  function sortKey(cell) {
    const number = cell.querySelector("data[value]");
    if (number) return Number(number.value);
    const date = cell.querySelector("time[datetime]");
    return date ? date.dateTime : cell.textContent.trim();
  }

  function compare(a, b) {
    return typeof a === "number" && typeof b === "number" ? a - b : collator.compare(String(a), String(b));
  }

  function enhance(table) {
    const count = Number(/\bcasebook-sortable-(\d+)\b/.exec(table.className)[1]);
    const headers = Array.from(table.tHead.rows[0].cells).slice(0, count);
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);  // newest first, as written
    const status = document.createElement("p");
    status.className = "casebook-sort-status";
    status.setAttribute("aria-live", "polite");
    table.after(status);

    function sortBy(column, direction) {
      const sign = direction === "ascending" ? 1 : -1;
      const keyed = rows.map((row, index) => ({ row, index, key: sortKey(row.cells[column]) }));
      keyed.sort((a, b) => sign * compare(a.key, b.key) || a.index - b.index);
      body.append(...keyed.map((item) => item.row));
      headers.forEach((th) => th.removeAttribute("aria-sort"));
      headers[column].setAttribute("aria-sort", direction);
      status.textContent = `Ärendena är sorterade efter ${headers[column].textContent.trim()}, ${ORDER[direction]}.`;
    }

    headers.forEach((th, column) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "casebook-sort-button";
      button.append(...th.childNodes);
      th.append(button);
      th.classList.add("casebook-sort-column");
      button.addEventListener("click", () => {
        sortBy(column, th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending");
      });
    });
    headers[0].setAttribute("aria-sort", "descending");  // the order the page was written in
    table.classList.add("casebook-sort-ready");
  }

  document.querySelectorAll("table[class*='casebook-sortable-']").forEach(enhance);
})();
