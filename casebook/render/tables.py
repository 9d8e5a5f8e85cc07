"""The tables of case and portfolio notebooks, as HTML outputs (written by :func:`casebook.render.markup.table_html`)."""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import HTML

from casebook.domain import formatting as fmt
from casebook.render import document
from casebook.render.markup import table_html, text_html


def styled_table(
    frame: pd.DataFrame,
    caption: str,
    table_id: str,
    escape: bool = True,
    row_ids: list[str] | None = None,
    column_classes: dict[str, str] | None = None,
    css_class: str = "",
) -> HTML:
    """A data frame as the case pages show a table (:func:`casebook.render.markup.table_html`,
    class ``casebook-table``); cell text is HTML-escaped.

    Pass ``escape=False`` only for cells that are already escaped HTML (such as links).
    ``css_class`` is added to the table's classes (such as ``casebook-rule-table``: each row
    laid out as a block, see the site's stylesheet).
    """
    header = [str(column) for column in frame.columns]
    rows = [[text_html(str(value)) if escape else value for value in row] for row in frame.itertuples(index=False)]
    classes = " ".join(["casebook-table", *css_class.split()])
    return HTML(table_html(caption, header, rows, table_id, classes, row_ids, column_classes))


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
