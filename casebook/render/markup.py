"""Writing MyST Markdown that contains text from case files, safely.

Case text is data, never markup: every ASCII punctuation character is backslash-escaped
(CommonMark allows escaping any of them), so HTML, roles, directives, links, images and
substitutions in a case file are displayed literally. Line breaks become spaces so a
value cannot start a new block. No-break spaces stay, so an amount never breaks.

Tables are written as HTML (:func:`table_html`), their cells escaped with :func:`inline_html`.

The case narrative, parsed into plain blocks by :mod:`casebook.domain.narrative`, is written
as HTML from its text alone (:func:`narrative_html`), every piece of it escaped.
"""

from __future__ import annotations

import html
import re
import string

from casebook.domain import narrative

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
# Whitespace that may break a line; no-break spaces (in amounts: "750 000 kr") are kept.
_WHITESPACE = re.compile(r"[^\S\u00a0\u202f]+")


# A space inside an amount ("750 000") or before its unit ("400 000 kr", "50 %").
_FIGURE_SPACE = re.compile(r"(?<=\d) (?=\d{3}\b|kr\b|kronor\b|%)")


def keep_figures_together(text: str) -> str:
    """Display text with no-break spaces inside figures and before their unit.

    Case files and memo quotes write "750 000 kronor" with ordinary spaces; shown as they
    are, a figure could break across lines ("750 / 000"). Only the display changes.
    """
    return _FIGURE_SPACE.sub("\N{NO-BREAK SPACE}", text)


def escape_myst(text: str) -> str:
    """Text that MyST renders exactly as given, on one line, figures kept together."""
    return _PUNCTUATION.sub(r"\\\1", keep_figures_together(_WHITESPACE.sub(" ", text).strip()))


def text_html(text: str) -> str:
    """Case or rule text as HTML: escaped, figures kept together."""
    return html.escape(keep_figures_together(text))


def inline_html(text: str) -> str:
    """Case or rule text as HTML on one line (:func:`text_html`, line breaks as spaces)."""
    return text_html(_WHITESPACE.sub(" ", text).strip())


def table_html(
    caption: str,
    header: list[str],
    rows: list[list[str]],
    table_id: str,
    classes: str,
    row_ids: list[str] | None = None,
    column_classes: dict[str, str] | None = None,
) -> str:
    """An HTML table with a caption, header cells and one line per row; the site's one way
    of writing a table, on case pages and on generated pages alike.

    ``caption`` and ``header`` are text (escaped here); cells are HTML as given (escape case
    text with :func:`inline_html`). On a narrow screen the stylesheet stacks each row as
    label–value pairs instead of clipping columns; the labels (``data-label``, each cell's
    column header) and the ARIA roles that keep a stacked table's semantics are added in the
    browser (``book/_static/casebook-tables.js``), not written into every cell here: they were
    about 25 kB of every case's page and notebook. ``row_ids`` give rows anchors that other
    parts of the page link to; ``column_classes`` give a column's cells a CSS class. The id
    is fixed, so the HTML is the same on every run.
    """
    column_classes = column_classes or {}
    lines = [
        f'<table class="{classes}" id="T_{table_id}">',
        f"<caption>{html.escape(caption)}</caption>",
        "<thead>",
        "<tr>" + "".join(f'<th scope="col">{html.escape(h)}</th>' for h in header) + "</tr>",
        "</thead>",
        "<tbody>",
    ]
    for index, row in enumerate(rows):
        row_id = f' id="{html.escape(row_ids[index])}"' if row_ids else ""
        cells = "".join(
            "<td" + (f' class="{column_classes[label]}"' if label in column_classes else "") + f">{cell}</td>"
            for label, cell in zip(header, row, strict=True)
        )
        lines.append(f"<tr{row_id}>{cells}</tr>")
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


def page_table(caption: str, header: list[str], rows: list[list[str]], table_id: str, css_class: str = "") -> str:
    """A table for a page of ``book/`` (MyST): :func:`table_html` in one raw HTML block.

    Written as HTML rather than as a MyST ``list-table``: Sphinx would parse, resolve and
    write every cell of the pages that list all cases (7 000 cells at 1 000 cases, most of
    a rebuild's Sphinx time), where HTML passes through untouched. It looks like the
    tables MyST writes (the theme's ``table`` class, in the theme's scrolling container,
    which the stylesheet's narrow-column layout queries) and reflows as they do.
    ``css_class`` adds classes of the site's stylesheet, such as
    ``casebook-cards`` (each row a card of "label: value" lines at every width).

    Links in cells are written as the site's URLs (``cases/<id>.html``): Sphinx does not
    see them, so the browser tests check that every link of the site leads somewhere.
    """
    classes = " ".join(["table", *css_class.split()])
    # The caption holds case text (an organisation's name): on one line, as in a cell.
    table = table_html(_WHITESPACE.sub(" ", caption).strip(), header, rows, table_id, classes)
    # A line with nothing but spaces and tabs on it would end MyST's HTML block and turn the
    # rest into Markdown. MyST's include splits the page with str.splitlines, so CR, form
    # feed, vertical tab, NEL, U+2028 and U+2029 end a line there as well as "\n".
    if any(not line.strip(" \t") for line in table.splitlines()):
        raise ValueError(f"table {table_id!r}: a cell holds a blank line")
    # Ends with a blank line: text written right after it would otherwise join the HTML block.
    return f'<div class="pst-scrollable-table-container">\n{table}\n</div>\n\n'


def narrative_html(blocks: tuple[narrative.Block, ...]) -> str:
    """Narrative blocks (:mod:`casebook.domain.narrative`) as HTML built from their text alone:
    every piece of case text is escaped, so nothing in it can become markup."""
    parts = []
    for block in blocks:
        if isinstance(block, narrative.Paragraph):
            parts.append(f"<p>{_runs_html(block.runs)}</p>")
        elif block.ordered:
            start = f' start="{block.start}"' if block.start != 1 else ""
            items = "".join(f"<li>{narrative_html(item)}</li>" for item in block.items)
            parts.append(f"<ol{start}>{items}</ol>")
        else:
            parts.append("<ul>" + "".join(f"<li>{narrative_html(item)}</li>" for item in block.items) + "</ul>")
    return "".join(parts)


def _runs_html(runs: tuple[narrative.Run, ...]) -> str:
    out = []
    for run in runs:
        text = "<br>".join(text_html(line) for line in run.text.split("\n"))
        if run.emphasis:
            text = f"<em>{text}</em>"
        if run.strong:
            text = f"<strong>{text}</strong>"
        out.append(text)
    return "".join(out)
