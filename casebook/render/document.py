"""What a case's documents say, apart from how they are laid out: sections of paragraphs,
subheadings, lists, case text and tables with typed cells.

The case page (HTML, :func:`casebook.render.tables.html_table`), the report PDF
(:mod:`casebook.render.report_pdf`) and the memo (:mod:`casebook.render.memo`, Word and
PDF/A) read the same :class:`Table`: a caption, a header and
rows of :class:`Cell`. A cell is a run of parts (text, a link, a date) and has a
:class:`Kind`; how a column is aligned follows from its cells' kinds
(:meth:`Table.right_aligned`), never from guessing at their text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum

from casebook.domain import formatting as fmt
from casebook.domain import narrative
from casebook.render.markup import keep_figures_together


class Kind(Enum):
    """What a cell holds. Amounts, shares and counts are figures, set flush right in their column."""

    TEXT = "text"
    AMOUNT = "amount"
    PERCENT = "percent"
    NUMBER = "number"
    DATE = "date"
    HASH = "hash"  # a SHA-256 sum: set on one line, never wrapped

    @property
    def is_figure(self) -> bool:
        return self in (Kind.AMOUNT, Kind.PERCENT, Kind.NUMBER)


@dataclass(frozen=True)
class Link:
    """Text that links to ``url``; plain text when there is no URL."""

    text: str
    url: str | None


@dataclass(frozen=True)
class Day:
    """A date, or "–" when there is none."""

    day: dt.date | None


Part = str | Link | Day

_SPACES = re.compile(r"[ \t\n\r\f\v]+")


@dataclass(frozen=True)
class Cell:
    parts: tuple[Part, ...]
    kind: Kind = Kind.TEXT

    @property
    def text(self) -> str:
        """The cell's text: its parts' text, dates written out."""
        return "".join(
            fmt.date(p.day) if isinstance(p, Day) else p if isinstance(p, str) else p.text for p in self.parts
        )

    @property
    def shown(self) -> str:
        """The cell as a page shows it: figures kept together, runs of ASCII white space as one space."""
        return _SPACES.sub(" ", keep_figures_together(self.text)).strip()


def cell(*parts: Part, kind: Kind = Kind.TEXT) -> Cell:
    return Cell(parts, kind)


def amount(kronor: int) -> Cell:
    return Cell((fmt.kronor(kronor),), Kind.AMOUNT)


def percent(share, decimals: int = 2) -> Cell:
    return Cell((fmt.percent(share, decimals),), Kind.PERCENT)


def date(day: dt.date | None) -> Cell:
    return Cell((Day(day),), Kind.DATE)


@dataclass(frozen=True)
class Table:
    """A table with one header row; ``total`` marks the last row as a sum row."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: bool = False

    def __post_init__(self):
        if any(len(row) != len(self.header) for row in self.rows):
            raise ValueError(f"a row of the table {self.caption!r} does not have {len(self.header)} cells")

    def columns(self) -> list[tuple[Cell, ...]]:
        return list(zip(*self.rows, strict=True)) if self.rows else [() for _ in self.header]

    def texts(self) -> tuple[tuple[str, ...], ...]:
        """The rows as text (:attr:`Cell.text`)."""
        return tuple(tuple(c.text for c in row) for row in self.rows)

    def right_aligned(self) -> list[bool]:
        """Per column: a column of figures (every cell an amount, a share or a count) is set flush right."""
        return [bool(column) and all(c.kind.is_figure for c in column) for column in self.columns()]


def table(caption: str, header: tuple[str, ...] | list[str], rows, total: bool = False) -> Table:
    """A :class:`Table` from rows whose plain strings are text cells."""
    return Table(
        caption,
        tuple(header),
        tuple(tuple(c if isinstance(c, Cell) else Cell((c,)) for c in row) for row in rows),
        total,
    )


@dataclass(frozen=True)
class Paragraph:
    """A paragraph that may open with a bold lead (``Läge per byggdatum …:``)."""

    text: str
    lead: str = ""

    @property
    def full_text(self) -> str:
        return " ".join(part for part in (self.lead, self.text) if part)


@dataclass(frozen=True)
class Subheading:
    text: str


@dataclass(frozen=True)
class NumberedList:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Text:
    """Case text written in the narrative's Markdown subset, parsed into blocks."""

    blocks: tuple[narrative.Block, ...]


Block = Paragraph | Subheading | NumberedList | Text | Table


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]
