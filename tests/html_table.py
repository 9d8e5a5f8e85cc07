"""Reading a generated table (``casebook.render.markup.table_html``) as a reader sees it."""

from __future__ import annotations

from dataclasses import dataclass

from bs4 import BeautifulSoup
from markdown_it import MarkdownIt


@dataclass(frozen=True)
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]  # each cell's text, as shown
    links: list[list[list[str]]]  # each cell's link targets

    def row_with(self, text: str) -> list[str]:
        """The one row that has a cell containing ``text``."""
        found = [row for row in self.rows if any(text in cell for cell in row)]
        assert len(found) == 1, f"{len(found)} rows contain {text!r}"
        return found[0]

    def links_of_row_with(self, text: str) -> list[str]:
        return [
            href
            for row, links in zip(self.rows, self.links, strict=True)
            if any(text in c for c in row)
            for cell in links
            for href in cell
        ]


def read_table(markup: str) -> Table:
    """The one table in ``markup``, checked to be written as the site's tables are: header
    cells of scope col, and no per-cell labels or roles (the browser adds those:
    ``book/_static/casebook-tables.js``, tested in Chromium by ``test_reading.py``)."""
    tables = BeautifulSoup(markup, "html.parser").find_all("table")
    assert len(tables) == 1, f"{len(tables)} tables"
    table = tables[0]
    header = [th.get_text() for th in table.thead.find_all("th")]
    assert all(th.get("scope") == "col" for th in table.thead.find_all("th"))
    assert not table.find_all(attrs={"role": True}) and not table.find_all(attrs={"data-label": True})
    rows, links = [], []
    for tr in table.tbody.find_all("tr"):
        cells = tr.find_all("td")
        assert len(cells) == len(header)
        rows.append([td.get_text() for td in cells])
        links.append([[a["href"] for a in td.find_all("a")] for td in cells])
    return Table(table.caption.get_text(), header, rows, links)


def markdown_blocks(markdown: str) -> list[tuple[str, str]]:
    """The blocks MyST's parser (markdown-it) makes of a generated page, as MyST's include reads
    it (``str.splitlines``): each raw HTML block and each text (a paragraph or heading), with its content."""
    tokens = MarkdownIt("commonmark").parse("\n".join(markdown.splitlines()))
    return [
        ("text" if token.type == "inline" else token.type, token.content)
        for token in tokens
        if token.type in ("html_block", "inline", "fence")
    ]


def ids(markup: str) -> list[str]:
    """Every id in ``markup``, in order (duplicates kept)."""
    return [element["id"] for element in BeautifulSoup(markup, "html.parser").find_all(id=True)]
