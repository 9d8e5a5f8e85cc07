"""Writing MyST Markdown that contains text from case files, safely.

Case text is data, never markup: every ASCII punctuation character is backslash-escaped
(CommonMark allows escaping any of them), so HTML, roles, directives, links, images and
substitutions in a case file are displayed literally. Line breaks become spaces so a
value cannot start a new block. No-break spaces stay, so an amount never breaks.
"""

from __future__ import annotations

import re
import string

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
# Whitespace that may break a line; no-break spaces (in amounts: "750 000 kr") are kept.
_WHITESPACE = re.compile(r"[^\S\u00a0\u202f]+")


def escape_myst(text: str) -> str:
    """Text that MyST renders exactly as given, on one line."""
    return _PUNCTUATION.sub(r"\\\1", _WHITESPACE.sub(" ", text).strip())


def list_table(caption: str, header: list[str], rows: list[list[str]], widths: str = "auto") -> str:
    """A MyST ``list-table`` with a caption and one header row.

    Cells are inserted as given: escape case text with :func:`escape_myst` first.
    """
    lines = [f"```{{list-table}} {escape_myst(caption)}", ":header-rows: 1", f":widths: {widths}", ""]
    for row in [header, *rows]:
        lines.append(f"* - {row[0]}")
        lines += [f"  - {cell}" for cell in row[1:]]
    lines.append("```")
    return "\n".join(lines) + "\n"
