/* Tables that reflow (WCAG 1.4.10): in a narrow column the stylesheet shows each row of a
   table as "label: value" lines. This script gives every table of the page's article that
   has a header row (the case pages' tables, the generated pages' and those written in MyST)
   what that needs, as soon as the article is parsed:
   - each body cell's column header as its data-label, which the stylesheet shows before it;
   - explicit ARIA roles (table, rowgroup, row, columnheader, rowheader, cell), which keep the
     table's semantics for screen readers when the stylesheet makes its parts blocks.
   They are added here rather than written into the HTML of every cell, where they were about
   25 kB of each case's page and notebook (docs/performance.md, "Published bytes per case").
   The stylesheet stacks tables only where JavaScript runs (the class casebook-js, which the
   page's head sets), so without JavaScript a table stays a table as written (in a narrow
   column, it scrolls sideways in its own box). */
(() => {
  "use strict";
  const TABLES = "article.bd-article table.casebook-table, article.bd-article table.table";

  // A header's words without the soft hyphens the site puts in long words: in a label (text
  // the stylesheet generates) they would split the word in a printed PDF's text and in the
  // cell's name read aloud ("Be-sluts-fat-ta-re"). The labels written in the HTML had none.
  function headerLabels(headerRow) {
    const labels = [];
    for (const cell of headerRow.cells) {
      const text = cell.textContent.replace(/\u00ad/g, "").trim();
      for (let span = 0; span < cell.colSpan; span++) labels.push(text);
    }
    return labels;
  }

  function label(table) {
    if (!table.tHead || table.tHead.rows.length !== 1) return;
    const labels = headerLabels(table.tHead.rows[0]);
    table.setAttribute("role", "table");
    for (const group of [table.tHead, ...table.tBodies, ...(table.tFoot ? [table.tFoot] : [])]) {
      group.setAttribute("role", "rowgroup");
      const isHead = group === table.tHead;
      for (const row of group.rows) {
        row.setAttribute("role", "row");
        let column = 0;
        for (const cell of row.cells) {
          if (isHead) {
            cell.setAttribute("role", "columnheader");
          } else {
            cell.setAttribute("role", cell.tagName === "TH" ? "rowheader" : "cell");
            if (column < labels.length) cell.dataset.label = labels[column];
          }
          column += cell.colSpan;
        }
      }
    }
  }

  function labelAll() {
    document.querySelectorAll(TABLES).forEach(label);
  }

  // Loaded right after the article (book/_templates/layout.html): its tables are parsed.
  labelAll();
})();
