"""HTML tables of the site's pages: a caption, header cells, escaped text, labels for narrow screens."""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import HTML

from casebook.domain import formatting as fmt
from casebook.render import document
from casebook.render.markup import keep_figures_together


def styled_table(
    frame: pd.DataFrame,
    caption: str,
    table_id: str,
    escape: bool = True,
    row_ids: list[str] | None = None,
    column_classes: dict[str, str] | None = None,
    css_class: str = "",
) -> HTML:
    """An HTML table with a caption and header cells; cell text is HTML-escaped.

    Pass ``escape=False`` only for cells that are already escaped HTML (such as links).
    Every data cell carries its column's header in ``data-label``, so that on a narrow
    screen the stylesheet can stack each row as label–value pairs instead of clipping
    columns; explicit ARIA roles keep the table semantics when it does. ``row_ids`` give
    rows anchors that other parts of the page link to; ``column_classes`` give a column's
    cells a CSS class; ``css_class`` is added to the table's (such as ``casebook-rule-table``:
    each row laid out as a block, see the site's stylesheet). The table id is fixed, so the
    HTML is the same on every run.
    """
    header = [str(column) for column in frame.columns]
    classes = column_classes or {}
    classes_of_table = " ".join(["casebook-table", *css_class.split()])
    lines = [
        f'<table class="{classes_of_table}" id="T_{table_id}" role="table">',
        f"<caption>{html.escape(caption)}</caption>",
        '<thead role="rowgroup">',
        '<tr role="row">'
        + "".join(f'<th scope="col" role="columnheader">{html.escape(h)}</th>' for h in header)
        + "</tr>",
        "</thead>",
        '<tbody role="rowgroup">',
    ]
    for index, row in enumerate(frame.itertuples(index=False)):
        row_id = f' id="{html.escape(row_ids[index])}"' if row_ids else ""
        cells = "".join(
            f'<td role="cell" data-label="{html.escape(label)}"'
            + (f' class="{classes[label]}"' if label in classes else "")
            + f">{html.escape(keep_figures_together(str(value))) if escape else value}</td>"
            for label, value in zip(header, row, strict=True)
        )
        lines.append(f'<tr role="row"{row_id}>{cells}</tr>')
    lines += ["</tbody>", "</table>"]
    return HTML("\n".join(lines))


def text_html(value: str) -> str:
    """Case or rule text as HTML: escaped, figures kept on one line."""
    return html.escape(keep_figures_together(value))


def _part_html(part: document.Part) -> str:
    if isinstance(part, document.Link):
        return f'<a href="{html.escape(part.url)}">{text_html(part.text)}</a>' if part.url else text_html(part.text)
    if isinstance(part, document.Day):
        # <time>, which the site's stylesheet never breaks across lines
        day = part.day
        return (
            f'<time datetime="{day.isoformat()}">{fmt.date(day)}</time>'
            if day is not None
            else text_html(fmt.date(day))
        )
    return text_html(part)


def html_table(
    table: document.Table,
    table_id: str,
    row_ids: list[str] | None = None,
    column_classes: dict[str, str] | None = None,
    css_class: str = "",
) -> HTML:
    """A :class:`~casebook.render.document.Table` as the site shows it (see :func:`styled_table`):
    text escaped, links as links, dates as ``<time>``."""
    frame = pd.DataFrame(
        [["".join(_part_html(p) for p in c.parts) for c in row] for row in table.rows], columns=list(table.header)
    )
    return styled_table(
        frame,
        table.caption,
        table_id,
        escape=False,
        row_ids=row_ids,
        column_classes=column_classes,
        css_class=css_class,
    )
