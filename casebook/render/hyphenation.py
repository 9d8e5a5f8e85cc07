"""Soft hyphens in long Swedish words of a page's HTML, so that a narrow column breaks them
with a hyphen instead of anywhere ("Finansieringspla|n").

Browsers hyphenate with ``hyphens: auto`` only where they have a dictionary for the page's
language, and Chromium on Linux has none for Swedish. So the site build inserts U+00AD SOFT
HYPHEN at the hyphenation points of pyphen's Swedish dictionary (``hyph_sv``, from
LibreOffice), and the stylesheet uses ``hyphens: manual``. A soft hyphen is invisible unless
the line breaks there.

In the same pass, dates in text are kept on one line (a browser may break "2025-11-03" at
its hyphens), and long tokens that are no words (addresses, identifiers) may break anywhere
rather than widen a table column.

Only words of letters get soft hyphens, and only in text: never markup, attributes, numbers,
dates, amounts, identifiers, file names, e-mail or web addresses, nor the text of ``code``,
``pre``, ``time``, ``data``, ``script``, ``style``, of a hidden element, of the values
the search index reads (``data-pagefind-sort``, ``-meta``, ``-filter``), or of an element
with the class ``casebook-hash``, ``casebook-amount`` or ``casebook-nohyphen``. The search index is built
from the pages with every soft hyphen removed (:func:`without_soft_hyphens`), so a search
for a word finds it.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyphen

SOFT_HYPHEN = "\N{SOFT HYPHEN}"
MIN_LETTERS = 10
"""Shorter words are left whole: they fit any column, and every break is a small cost to reading."""

_SKIPPED_ELEMENTS = frozenset(
    {"code", "pre", "time", "data", "script", "style", "kbd", "samp", "textarea", "svg", "math", "title"}
)
_SKIPPED_CLASSES = frozenset({"casebook-hash", "casebook-amount", "casebook-nohyphen"})
# Hidden elements (nobody reads their lines) and the values the search index reads as they are.
_HIDDEN_OR_DATA = re.compile(r"\shidden(?=[\s>/=])|\sdata-pagefind-(?:sort|meta|filter)=")
_TAG = re.compile(r"<!--.*?-->|<![^>]*>|<[^>]*>", re.DOTALL)
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9-]*)")
_CLASS = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_WORD = re.compile(r"[^\W\d_]+")
# A token that is no plain word: an address, a file or domain name, an identifier.
_NOT_PROSE = re.compile(r"://|@|www\.|[/\\_]|\w\.\w|\d|&#")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
BREAKABLE_LENGTH = 16
"""A token that is no word and at least this long may break anywhere (about a phone column's sixth)."""
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)


@lru_cache(maxsize=1)
def _dictionary() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="sv")


@lru_cache(maxsize=65536)
def hyphenate_word(word: str) -> str:
    """``Finansieringsplan`` → ``Fi\\xadnan\\xadsi\\xade\\xadrings\\xadplan``; short words unchanged."""
    if len(word) < MIN_LETTERS:
        return word
    return _dictionary().inserted(word, hyphen=SOFT_HYPHEN)


def hyphenate_text(text: str) -> str:
    """Plain text with soft hyphens in its long words; tokens that are no prose are kept whole."""
    return re.sub(
        r"\S+",
        lambda token: (
            token.group(0)
            if _NOT_PROSE.search(token.group(0))
            else _WORD.sub(lambda word: hyphenate_word(word.group(0)), token.group(0))
        ),
        text,
    )


def _html_text(text: str) -> str:
    """A text node of an HTML page, ready for narrow columns: long words get soft hyphens;
    dates are kept on one line (``casebook-date``); a long token that is no word (an address,
    an identifier, markup quoted from a case file) may break anywhere (``casebook-breakable``)
    instead of widening its column."""

    def token(found: re.Match) -> str:
        value = found.group(0)
        if _DATE.fullmatch(value.rstrip(".,;:)")):
            date = _DATE.match(value).group(0)
            return f'<span class="casebook-date">{date}</span>{value[len(date) :]}'
        if _NOT_PROSE.search(value):
            return f'<span class="casebook-breakable">{value}</span>' if len(value) >= BREAKABLE_LENGTH else value
        return _WORD.sub(lambda word: hyphenate_word(word.group(0)), value)

    return re.sub(r"\S+", token, text)


def _skips(tag: str) -> bool:
    name = _TAG_NAME.match(tag).group(1).lower()
    if name in _SKIPPED_ELEMENTS or _HIDDEN_OR_DATA.search(tag):
        return True
    found = _CLASS.search(tag)
    classes = set(next(value for value in found.groups() if value is not None).split()) if found else set()
    return bool(classes & _SKIPPED_CLASSES)


def hyphenate_html(markup: str) -> str:
    """``markup`` (well-formed HTML, such as a Sphinx page body) with soft hyphens in the text of its long words."""
    out: list[str] = []
    skipped: list[str] = []  # the element being skipped, once per nesting of its own name
    position = 0
    for tag in _TAG.finditer(markup):
        text = markup[position : tag.start()]
        out.append(text if skipped else _html_text(text))
        source = tag.group(0)
        out.append(source)
        position = tag.end()
        found = _TAG_NAME.match(source)
        if found is None:  # a comment or a doctype
            continue
        name = found.group(1).lower()
        closing = source.startswith("</")
        if skipped:
            if name == skipped[0]:
                if closing:
                    skipped.pop()
                elif not source.endswith("/>") and name not in _VOID:
                    skipped.append(name)
        elif not closing and not source.endswith("/>") and name not in _VOID and _skips(source):
            skipped.append(name)
    rest = markup[position:]
    out.append(rest if skipped else _html_text(rest))
    return "".join(out)


def without_soft_hyphens(markup: str) -> str:
    """The page without the soft hyphens of :func:`hyphenate_html`: what the search index reads."""
    return markup.replace(SOFT_HYPHEN, "").replace("&shy;", "").replace("&#173;", "").replace("&#xad;", "")
