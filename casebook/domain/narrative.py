"""The case narrative: a safe subset of Markdown, parsed once into plain blocks of text.

A narrative section of a case file (the case description, the aims, the motivation …) may
use paragraphs, bulleted and numbered lists (nested too), *emphasis*, **strong emphasis**
and line breaks. Anything else — headings, HTML, code and fenced blocks (which is how MyST
writes directives), links, images, block quotes, rules — is refused when the case file is
read, with a Swedish message saying what was found and on which line of the text.

What passes is parsed with markdown-it-py (CommonMark) into :class:`Paragraph` and
:class:`ListBlock` of :class:`Run` text. Every renderer (the case page's HTML, the Word
draft, the Typst PDF) lays these out from the text alone, so nothing written in a case
file is ever interpreted as markup: ``{{ x }}``, ``$x$`` or ``#pagebreak()`` stay text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED = "stycken, punktlistor (-), numrerade listor (1. eller 1)), *kursiv* och **fetstil**"
"""What a narrative section may use, as the error messages say it."""

_REFUSED = {
    "heading_open": "en rubrik (#); avsnittens rubriker skrivs av beslutsunderlaget",
    "html_block": "HTML",
    "html_inline": "HTML",
    "fence": "ett kodblock eller direktiv (```)",
    "code_block": "ett indraget kodblock (fyra mellanslag eller mer)",
    "code_inline": "kod eller en roll (`…`)",
    "link_open": "en länk",
    "image": "en bild",
    "blockquote_open": "ett citatblock (>)",
    "hr": "en horisontell linje (---)",
}


class MarkdownNotAllowed(ValueError):
    """Markdown outside the allowed subset; the message is Swedish and names the line."""


@dataclass(frozen=True)
class Run:
    """A piece of text with one style; ``\\n`` in ``text`` is a line break."""

    text: str
    strong: bool = False
    emphasis: bool = False


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class ListBlock:
    """A bulleted (``ordered`` False) or numbered list; each item holds blocks of its own.

    ``start`` is the first item's number and ``delimiter`` what follows the number
    (``.`` or ``)``), as written.
    """

    ordered: bool
    start: int
    delimiter: str
    items: tuple[tuple[Block, ...], ...]


Block = Paragraph | ListBlock


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # CommonMark with HTML recognised (so that it can be refused), no typographic
    # replacements, no linkify: the text comes out exactly as written.
    return MarkdownIt("commonmark")


def parse(text: str) -> tuple[Block, ...]:
    """The blocks of ``text``; :class:`MarkdownNotAllowed` when it uses Markdown outside the subset."""
    tokens = _parser().parse(text)
    _refuse_outside_subset(tokens)
    blocks, _ = _blocks(tokens, 0, None)
    return tuple(blocks)


def check(text: str) -> str:
    """``text`` when its Markdown is within the subset; :class:`MarkdownNotAllowed` otherwise."""
    parse(text)
    return text


def _refuse_outside_subset(tokens: list[Token]) -> None:
    for token in tokens:
        line = token.map[0] + 1 if token.map else None
        found = [token] + ([child for child in token.children] if token.children else [])
        for item in found:
            if item.type in _REFUSED:
                where = f"på textens rad {line}: " if line else ""
                raise MarkdownNotAllowed(
                    f"Markdown som inte är tillåten {where}{_REFUSED[item.type]}. Tillåtet är {ALLOWED}"
                )


def _blocks(tokens: list[Token], index: int, closing: str | None) -> tuple[list[Block], int]:
    """Blocks from ``tokens[index:]`` up to the token of type ``closing``; the index after it."""
    blocks: list[Block] = []
    while index < len(tokens):
        token = tokens[index]
        if token.type == closing:
            return blocks, index + 1
        if token.type == "paragraph_open":
            blocks.append(Paragraph(_runs(tokens[index + 1].children or [])))
            index += 3  # paragraph_open, inline, paragraph_close
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            block, index = _list(tokens, index)
            blocks.append(block)
        else:  # nothing else passes _refuse_outside_subset
            raise AssertionError(f"unexpected Markdown token {token.type}")
    return blocks, index


def _list(tokens: list[Token], index: int) -> tuple[ListBlock, int]:
    opening = tokens[index]
    ordered = opening.type == "ordered_list_open"
    closing = "ordered_list_close" if ordered else "bullet_list_close"
    start = int(opening.attrs.get("start", 1)) if ordered else 1
    items: list[tuple[Block, ...]] = []
    index += 1
    while tokens[index].type != closing:
        item, index = _blocks(tokens, index + 1, "list_item_close")  # after list_item_open
        items.append(tuple(item))
    return ListBlock(ordered, start, opening.markup if ordered else "", tuple(items)), index + 1


def _runs(children: list[Token]) -> tuple[Run, ...]:
    runs: list[Run] = []
    strong = emphasis = False
    for child in children:
        if child.type == "strong_open":
            strong = True
        elif child.type == "strong_close":
            strong = False
        elif child.type == "em_open":
            emphasis = True
        elif child.type == "em_close":
            emphasis = False
        else:
            text = {"softbreak": " ", "hardbreak": "\n"}.get(child.type, child.content)
            if not text:
                continue
            if runs and (runs[-1].strong, runs[-1].emphasis) == (strong, emphasis):
                runs[-1] = Run(runs[-1].text + text, strong, emphasis)
            else:
                runs.append(Run(text, strong, emphasis))
    return tuple(runs)


def plain_text(blocks: tuple[Block, ...]) -> str:
    """The text of ``blocks``, one paragraph or list item per line, list numbers written out."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
        else:
            for number, item in enumerate(block.items, start=block.start):
                marker = f"{number}{block.delimiter} " if block.ordered else "– "
                lines.append(marker + plain_text(item))
    return "\n".join(lines)
