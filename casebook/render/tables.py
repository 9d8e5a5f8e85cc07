"""HTML tables of the site's pages: a caption, header cells, escaped text, labels for narrow screens."""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import HTML

from casebook.render.markup import keep_figures_together


def styled_table(
    frame: pd.DataFrame, caption: str, table_id: str, escape: bool = True, row_ids: list[str] | None = None,
    column_classes: dict[str, str] | None = None, css_class: str = "",
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
    lines = [f'<table class="{classes_of_table}" id="T_{table_id}" role="table">', f"<caption>{html.escape(caption)}</caption>",
             '<thead role="rowgroup">',
             '<tr role="row">' + "".join(f'<th scope="col" role="columnheader">{html.escape(h)}</th>' for h in header) + "</tr>",
             "</thead>", '<tbody role="rowgroup">']
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
