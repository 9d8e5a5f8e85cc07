"""Writing MyST Markdown that contains text from case files, safely.

Case text is data, never markup: every ASCII punctuation character is backslash-escaped
(CommonMark allows escaping any of them), so HTML, roles, directives, links, images and
substitutions in a case file are displayed literally. Line breaks become spaces so a
value cannot start a new block. No-break spaces stay, so an amount never breaks.

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


def list_table(
    caption: str, header: list[str], rows: list[list[str]], widths: str = "auto", css_class: str = ""
) -> str:
    """A MyST ``list-table`` with a caption and one header row.

    Cells are inserted as given: escape case text with :func:`escape_myst` first.
    ``css_class`` names a class of the site's stylesheet, such as ``casebook-cards`` (each
    row shown as a card of "label: value" lines at every width).
    """
    lines = [f"```{{list-table}} {escape_myst(caption)}", ":header-rows: 1", f":widths: {widths}"]
    lines += [f":class: {css_class}"] if css_class else []
    lines.append("")
    for row in [header, *rows]:
        lines.append(f"* - {row[0]}")
        lines += [f"  - {cell}" for cell in row[1:]]
    lines.append("```")
    return "\n".join(lines) + "\n"


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
        text = "<br>".join(html.escape(keep_figures_together(line)) for line in run.text.split("\n"))
        if run.emphasis:
            text = f"<em>{text}</em>"
        if run.strong:
            text = f"<strong>{text}</strong>"
        out.append(text)
    return "".join(out)
