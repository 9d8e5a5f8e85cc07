"""One validation for every text field of a case file and of the reference data.

``casebook check`` is the build's gate: text it accepts must reach every output (the case
page, the open data as CSV, JSON, xlsx and 360Giving, the DCAT-AP-SE catalogue, the memo as
Word and PDF/A, the report PDF). So a text field refuses

- control characters: C0 (U+0000–U+001F; a line break only where the field is running
  text), DEL (U+007F) and C1 (U+0080–U+009F); XML, and so xlsx, docx and RDF/XML, cannot
  hold most of them, and an escape sequence (ESC) in a terminal message recolours it;
- invisible format characters: bidi controls (U+061C, U+200E–U+200F, U+202A–U+202E,
  U+2066–U+2069), zero-width characters (U+200B–U+200D, U+2060–U+2064, U+180E), a
  byte-order mark inside the text (U+FEFF; one at the very start of the file is read as
  the file's encoding mark), and every other character of Unicode's category *Cf*: they
  change what a reader sees without showing themselves;
- line and paragraph separators (U+2028, U+2029), surrogates, private-use and unassigned
  code points, and the non-characters U+FFFE and U+FFFF;
- any other character that the fonts of the PDF/A documents (Typst's bundled Libertinus
  Serif and DejaVu Sans Mono, see ``casebook.render.typst_pdf``) cannot show: PDF/A
  forbids a missing glyph, so such a character (an emoji, a Chinese character) would
  stop the build. The characters they show are listed in
  :mod:`casebook.domain.repertoire`, generated from Typst itself.

:data:`Text` (running text, line breaks allowed) and :data:`ShortText` (one line: names,
titles) carry the check, and the published JSON Schema states its first three parts as a
``pattern`` (:data:`TEXT_PATTERN`, :data:`LINE_PATTERN`). :func:`text_problem` says, in
Swedish, what is wrong with a text, naming the character as ``U+0007``.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

from casebook.domain.repertoire import SHOWN_RANGES


def _ranges(codes: set[int]) -> tuple[tuple[int, int], ...]:
    """``codes`` as sorted (first, last) ranges, both included."""
    ranges: list[list[int]] = []
    for code in sorted(codes):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return tuple((first, last) for first, last in ranges)


_LINE_BREAK = 0x0A
# What the published pattern forbids: the control characters (C0, DEL, C1), the line and
# paragraph separators, the non-characters U+FFFE and U+FFFF, and every format character
# (category Cf: bidi controls, zero-width characters, the BOM, the soft hyphen, …) of the
# Basic Multilingual Plane. A pattern cannot name a code point beyond it portably; those
# are refused by the check (they are in no font's repertoire either).
_FORBIDDEN = {
    *range(0x00, 0x20),
    *range(0x7F, 0xA0),
    0x2028,
    0x2029,
    0xFFFE,
    0xFFFF,
    *(code for code in range(0x10000) if unicodedata.category(chr(code)) == "Cf"),
}
_FORBIDDEN_RANGES = _ranges(_FORBIDDEN)


def _pattern(allow_line_break: bool) -> str:
    parts = []
    for first, last in _FORBIDDEN_RANGES:
        if allow_line_break and first <= _LINE_BREAK <= last:
            parts += [(first, _LINE_BREAK - 1), (_LINE_BREAK + 1, last)]
        else:
            parts.append((first, last))
    body = "".join(f"\\u{a:04X}" if a == b else f"\\u{a:04X}-\\u{b:04X}" for a, b in parts)
    return f"^[^{body}]*$"


def _character_class(ranges: list[tuple[int, int]]) -> str:
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


_SURROGATES = (0xD800, 0xDFFF)
UNPRINTABLE = re.compile(f"[{_character_class([*_FORBIDDEN_RANGES, _SURROGATES])}]")
"""Characters that a message shows as ``U+XXXX`` rather than print (see ``casebook.domain.errors.printable``)."""
# In a file: tab, line feed and carriage return are YAML's own white space and line breaks.
_IN_FILE = re.compile(f"[{_character_class([*_ranges(_FORBIDDEN - {0x09, 0x0A, 0x0D}), _SURROGATES])}]")


def forbidden_in_file(raw: str) -> int | None:
    """Index of the first character that no case or reference file may hold anywhere, or ``None``.

    Control, format and separator characters are refused before YAML reads the file (its
    parser's own messages about them are English and often name no place); an escaped one
    (``"\\x07"``) is refused by the text field that would hold it. A byte-order mark at the
    very start is the file's encoding mark, written by some Windows editors, and is allowed.
    """
    found = _IN_FILE.search(raw, 1 if raw.startswith("\ufeff") else 0)
    return found.start() if found else None


TEXT_PATTERN = _pattern(allow_line_break=True)
"""JSON Schema ``pattern`` of running text: no control character but the line break, no invisible format character."""
LINE_PATTERN = _pattern(allow_line_break=False)
"""JSON Schema ``pattern`` of one-line text: as :data:`TEXT_PATTERN`, and no line break."""

_STARTS = [first for first, _ in SHOWN_RANGES]


def _shown(code: int) -> bool:
    """Whether the PDF/A fonts have a glyph for ``code`` (see :mod:`casebook.domain.repertoire`)."""
    index = bisect.bisect_right(_STARTS, code) - 1
    return index >= 0 and SHOWN_RANGES[index][0] <= code <= SHOWN_RANGES[index][1]


def character_kind(character: str) -> str:
    """What kind of character ``character`` is, in Swedish, for a message."""
    code = ord(character)
    if character == "\t":
        return "ett tabbtecken; skriv mellanslag"
    if character == "\n":
        return "en radbrytning, som fältet inte får ha"
    if character == "\r":
        return "en vagnretur (CR); skriv en vanlig radbrytning"
    if character == "\ufeff":
        return "ett byte order mark (BOM) mitt i texten"
    category = unicodedata.category(character)
    if category == "Cc":
        return "ett styrtecken"
    if code in (0x061C, 0x200E, 0x200F) or 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return "ett osynligt tecken som ändrar textens riktning"
    if category == "Cf":
        return "ett osynligt formattecken (t.ex. nollbredd)"
    if category in ("Zl", "Zp"):
        return "en rad- eller styckeavgränsare; skriv en vanlig radbrytning"
    if category == "Cs":
        return "ett surrogattecken, som inte är ett tecken"
    if category == "Co":
        return "ett tecken för privat bruk, som inte har någon bestämd betydelse"
    if category == "Cn" or code in (0xFFFE, 0xFFFF):
        return "en kodpunkt som inte är ett tecken"
    return "ett tecken som typsnitten i beslutsunderlagets och rapportens PDF/A saknar"


# Every character shown (and the line break in running text), matched by the regular
# expression engine: checking a text character by character in Python costs about as much as
# reading the case file, and only a refused text needs to know which character it was.
_SHOWN = _character_class(list(SHOWN_RANGES))
_ACCEPTED = {True: re.compile(f"[\n{_SHOWN}]*"), False: re.compile(f"[{_SHOWN}]*")}


def text_problem(text: str, line_breaks: bool) -> str | None:
    """What is wrong with ``text`` as a text field, in Swedish, or ``None`` if nothing is.

    ``line_breaks``: the field is running text, where a line break is allowed.
    The message names the first bad character by its code point and where it is (counted from 1).
    """
    if _ACCEPTED[line_breaks].fullmatch(text):
        return None
    for position, character in enumerate(text, start=1):
        code = ord(character)
        if (code == _LINE_BREAK and line_breaks) or (0x20 <= code < 0x7F):
            continue
        if code in _FORBIDDEN or not _shown(code):
            return f"tecknet U+{code:04X} (tecken {position}) är inte tillåtet: {character_kind(character)}"
    return None


def _validator(line_breaks: bool) -> Callable[[str], str]:
    def check(value: str) -> str:
        problem = text_problem(value, line_breaks)
        if problem is not None:
            raise PydanticCustomError("text_character", "{problem}", {"problem": problem})
        return value

    return check


running_text = _validator(line_breaks=True)
"""Pydantic validator (``AfterValidator``) of running text: see the module docstring."""
line_text = _validator(line_breaks=False)
"""Pydantic validator (``AfterValidator``) of one-line text."""


@dataclass(frozen=True)
class _SchemaPattern:
    """States the check in the JSON Schema as a ``pattern``, without validating by it (the
    check itself gives the Swedish message naming the character)."""

    pattern: str

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        schema["pattern"] = self.pattern
        return schema


def text_type(max_length: int, line_breaks: bool, strip: bool = True) -> Any:
    """A text field type of at most ``max_length`` characters, checked as this module says."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=strip, min_length=1, max_length=max_length),
        AfterValidator(running_text if line_breaks else line_text),
        _SchemaPattern(TEXT_PATTERN if line_breaks else LINE_PATTERN),
    ]


Text = text_type(20_000, line_breaks=True)
"""Running text: summaries, notes, assessments, proposal points."""
ShortText = text_type(500, line_breaks=False)
"""One line: names, titles, references."""
