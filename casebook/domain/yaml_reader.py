"""The strict YAML reader of case files and reference data.

YAML 1.1, which PyYAML implements, reads some innocent-looking values as something else;
a case file must mean what it says, so this reader refuses them instead, with a Swedish
message naming the line and column:

- a key written twice in one mapping (YAML keeps the last: a second ``max_amount:``
  would silently replace the first);
- sexagesimal numbers (``1:20:00`` is 4 800), hexadecimal, octal and binary numbers
  (``0x1F``, ``017`` is 15, ``0b101``), and merge keys (``<<``);
- explicit tags (``!!set {a, b}`` is a set, read in hash order; ``!!binary``, ``!!omap``,
  ``!!python/...``) and aliases (``*namn``: nested ones can expand into an enormous
  document, the "billion laughs" attack); both are refused on the parser's events, before
  anything is built from them;
- control, format and separator characters anywhere in the file
  (:func:`casebook.domain.text.forbidden_in_file`).

PyYAML's own syntax errors are shown in Swedish with a hint where
:mod:`casebook.domain.yaml_messages` has them, with the line and column PyYAML gives; a file
that is not UTF-8 is named by the line and column of its first bad byte (:func:`decode_utf8`).

Decimal numbers are read as ``Decimal``, never ``float``, so ``12.10`` stays exact. libyaml
(PyYAML's ``CSafeLoader``) parses: the pure-Python parser took 12 of the 14 ms of reading a
case file, and every build, check and the portfolio read every case file. Without libyaml
(PyYAML built from source without it) the same, slower, pure-Python one is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from casebook.domain.text import character_kind, forbidden_in_file
from casebook.domain.yaml_messages import in_swedish

_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DIGITS = 30


class YamlProblem(Exception):
    """Why a file is not a YAML document this reader accepts, and where (1-based line and column)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column

    @property
    def place(self) -> str:
        return f"rad {self.line}, kolumn {self.column}" if self.line is not None else "(hela filen)"


class _Refused(yaml.MarkedYAMLError):
    """A value this reader refuses, raised while constructing, with its place in the file."""

    def __init__(self, message: str, where: yaml.Node | yaml.Event):
        super().__init__(problem=message, problem_mark=where.start_mark)


class _StrictLoader(_SafeLoader):
    """PyYAML's safe loader with decimals as ``Decimal`` and YAML 1.1's numbers refused: its
    resolver and scalar constructors are what :class:`_DocumentBuilder` uses."""


_STR_TAG = "tag:yaml.org,2002:str"
_NO_KEY = object()


class _Open:
    """A mapping or sequence being read: its values so far, the key waiting for its value, and
    the line where each key was first written."""

    __slots__ = ("value", "key", "key_lines", "start")
    key_lines: dict[object, int]

    def __init__(self, value: dict[object, object] | list[object], start: yaml.Event):
        self.value, self.key, self.key_lines, self.start = value, _NO_KEY, {}, start


class _DocumentBuilder:
    """Builds the document straight from the parser's events, in one pass and without a node tree.

    PyYAML's loader composes a node per value, resolving each in Python, then constructs the
    document from the nodes: 0,66 s for a case file of 10 000 financing lines. Here the
    events become dicts, lists and values as they come (nothing but the document is kept, so
    the garbage collector has little to scan), a plain scalar's tag is resolved once per
    distinct text (the same keys are on every line), and only numbers, dates, booleans and
    nulls go through PyYAML's constructors. Of two refused values, the first in the file is named.
    """

    def __init__(self) -> None:
        self.loader = _StrictLoader("")
        self.constructors = self.loader.yaml_constructors
        self.tags: dict[str, str] = {}
        self.anchors: dict[str, yaml.Mark] = {}

    def document(self, events: Iterable[yaml.Event]) -> object:
        """The single document of ``events`` (``None`` for an empty stream)."""
        stack: list[_Open] = []
        documents, result = 0, None
        for event in events:
            kind = type(event)
            if kind is yaml.ScalarEvent:
                self._anchor(event)
                if (
                    event.value == "<<"
                    and event.implicit[0]
                    and stack
                    and stack[-1].key is _NO_KEY
                    and type(stack[-1].value) is dict
                ):  # a plain << as a key: YAML 1.1's merge key
                    raise _Refused("sammanslagningsnyckeln << används inte i ärendefiler; skriv ut fälten", event)
                value = self._scalar(event)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                self._anchor(event)
                stack.append(_Open({} if kind is yaml.MappingStartEvent else [], event))
                continue
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                closed = stack.pop()
                value, event = closed.value, closed.start
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:  # as PyYAML's yaml.load says it
                    raise yaml.composer.ComposerError(
                        "expected a single document in the stream", None, "but found another document", event.start_mark
                    )
                continue
            else:
                continue
            if not stack:
                result = value
                continue
            parent = stack[-1]
            if isinstance(parent.value, list):
                parent.value.append(value)
            elif parent.key is _NO_KEY:
                self._key(parent.key_lines, value, event)
                parent.key = value
            else:
                parent.value[parent.key] = value
                parent.key = _NO_KEY
        return result

    def _scalar(self, event: yaml.ScalarEvent) -> object:
        if not event.implicit[0]:  # quoted, or a block scalar: text as written
            return event.value
        tag = self.tags.get(event.value)
        if tag is None:
            tag = self.tags[event.value] = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == _STR_TAG:
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        return self.constructors.get(tag, self.constructors[None])(self.loader, node)

    @staticmethod
    def _key(first: dict[object, int], key: object, event: yaml.Event) -> None:
        try:
            seen = first.get(key)
        except TypeError:
            raise _Refused("en nyckel ska vara ett namn, inte en lista eller mappning", event) from None
        if seen is not None:
            raise _Refused(
                f"nyckeln {_shown(key)} står två gånger i samma mappning (första gången på rad {seen}); "
                "ta bort den ena",
                event,
            )
        first[key] = event.start_mark.line + 1

    def _anchor(self, event: yaml.NodeEvent) -> None:
        """Refuse an anchor named twice, as PyYAML's composer does (an anchor alone is harmless: aliases are refused)."""
        if event.anchor is None:
            return
        if event.anchor in self.anchors:
            raise yaml.composer.ComposerError(
                f"found duplicate anchor {event.anchor!r}; first occurrence",
                self.anchors[event.anchor],
                "second occurrence",
                event.start_mark,
            )
        self.anchors[event.anchor] = event.start_mark


def _shown(value: object) -> str:
    text = f"'{value}'"
    return text if len(text) <= 60 else text[:59] + "…'"


def _construct_int(loader: _StrictLoader, node: yaml.Node) -> int:
    text = loader.construct_scalar(node)
    digits = text.replace("_", "").lstrip("+-")
    if ":" in digits:
        raise _Refused(
            f"{text} läses i YAML som ett tal i bas 60 (1:20:00 blir 4800); "
            "sätt citattecken runt värdet om det är text, eller skriv talet med siffror",
            node,
        )
    if digits[:2].lower() in ("0x", "0o", "0b") or (len(digits) > 1 and digits[0] == "0"):
        raise _Refused(
            f"{text} läses i YAML som ett hexadecimalt, oktalt eller binärt tal (017 blir 15); "
            "skriv talet i decimal form utan inledande nolla",
            node,
        )
    if len(digits) > MAX_DIGITS:  # Python refuses to convert 4 300 digits or more, with a traceback
        raise _Refused(
            f"talet har {len(digits)} siffror; inget belopp eller antal i en ärendefil har fler än {MAX_DIGITS}", node
        )
    return int(text.replace("_", ""))


def _construct_decimal(loader: _StrictLoader, node: yaml.Node) -> Decimal:
    text = loader.construct_scalar(node)
    if ":" in text:
        raise _Refused(f"{text} läses i YAML som ett tal i bas 60; sätt citattecken runt värdet om det är text", node)
    try:
        number = Decimal(text.replace("_", ""))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise _Refused(f"{text} är inget tal som ärendefiler använder; skriv till exempel 12.10", node)
    return number


def _construct_date(loader: _StrictLoader, node: yaml.Node) -> object:
    """Dates as ``date``; an impossible date stays text so validation names the field."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)

_NODE_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)


def _without_tags_or_aliases(events: Iterator[yaml.Event]) -> Iterator[yaml.Event]:
    """The parser's events, refusing tags and aliases before anything is built from them."""
    for event in events:
        if isinstance(event, yaml.AliasEvent):
            raise _Refused("YAML-alias (*namn) är inte tillåtna i ärendefiler", event)
        if isinstance(event, _NODE_EVENTS) and event.tag is not None:
            raise _Refused(
                f"YAML-taggen {event.tag.replace('tag:yaml.org,2002:', '!!')} används inte i ärendefiler; "
                "skriv värdet utan tagg",
                event,
            )
        yield event


_UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")  # tested first: UTF-32 LE starts as UTF-16 LE does
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_LATIN1_SWEDISH = frozenset("åäöÅÄÖéÉüÜ".encode("latin-1"))  # alone, not followed by a UTF-8 continuation byte


def decode_utf8(data: bytes) -> str:
    """The text of a case or reference file, which must be UTF-8; raises :class:`YamlProblem`
    naming the line and column of the first byte that is not (counted in the text before it),
    or saying the file is UTF-16 (as some Windows editors save "Unicode") or UTF-32."""
    wide = _wide_encoding(data)
    if wide is not None:
        raise YamlProblem(f"filen är sparad som {wide}; spara den som UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        byte = data[exc.start]
        likely = ""
        following = data[exc.start + 1 : exc.start + 2]
        if byte in _LATIN1_SWEDISH and not (following and 0x80 <= following[0] <= 0xBF):
            likely = " (troligen sparad som Latin-1 eller Windows-1252, där å, ä och ö är en byte var)"
        raise YamlProblem(
            f"filen är inte giltig UTF-8: byte 0x{byte:02X} (byte {exc.start + 1} i filen){likely}; spara filen som UTF-8",
            line,
            column,
        ) from None


def _wide_encoding(data: bytes) -> str | None:
    """The name of the wide encoding the file is saved in, UTF-32 or UTF-16, else None: by its
    byte order mark, or without one when its ASCII start has three NUL bytes of every four
    (UTF-32) or one of every two (UTF-16)."""
    if data.startswith(_UTF32_BOMS):
        return "UTF-32"
    if data.startswith(_UTF16_BOMS):
        return "UTF-16"
    start = data[:200]
    if len(start) < 8:
        return None

    def nul_at(step: int, offsets: tuple[int, ...]) -> bool:
        return all(start[offset::step].count(0) == len(start[offset::step]) for offset in offsets)

    if nul_at(4, (1, 2, 3)) or nul_at(4, (0, 1, 2)):  # little- or big-endian
        return "UTF-32"
    if nul_at(2, (1,)) or nul_at(2, (0,)):
        return "UTF-16"
    return None


def read_yaml(raw: str) -> object:
    """The YAML document in ``raw``, read strictly; raises :class:`YamlProblem` in Swedish."""
    index = forbidden_in_file(raw)
    if index is not None:
        line = raw.count("\n", 0, index) + 1
        column = index - (raw.rfind("\n", 0, index) + 1) + 1
        character = raw[index]
        raise YamlProblem(
            f"tecknet U+{ord(character):04X} är inte tillåtet i filen: {character_kind(character)}", line, column
        )
    try:
        events = _without_tags_or_aliases(yaml.parse(raw, Loader=_SafeLoader))
        try:
            return _DocumentBuilder().document(events)
        except yaml.YAMLError:
            for _ in events:  # a syntax error, tag or alias further on is named first, as the parser meets it first
                pass
            raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        if isinstance(exc, _Refused) and mark is not None:
            raise YamlProblem(problem, mark.line + 1, mark.column + 1) from None
        raise YamlProblem(
            f"ogiltig YAML: {_syntax_problem(exc, problem, raw)}",
            *((mark.line + 1, mark.column + 1) if mark else ()),
        ) from None


def value_lines(raw: str) -> dict[tuple[str | int, ...], int]:
    """The 1-based line of every value in the YAML document ``raw`` (read by :func:`read_yaml`
    without a problem), by its path: a mapping's value by its key's line, a list's item by its
    own; the path is keys and list indexes, as a validation error's location names a field.

    Read again only when a document did not validate, to name the line of each problem; the
    reader itself keeps no positions (a case file of 10 000 financing lines is read in one pass).
    """
    lines: dict[tuple[str | int, ...], int] = {}
    stack: list[_Place] = []
    for event in _without_tags_or_aliases(yaml.parse(raw, Loader=_SafeLoader)):
        kind = type(event)
        if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
            continue
        if kind is not yaml.ScalarEvent and kind is not yaml.MappingStartEvent and kind is not yaml.SequenceStartEvent:
            continue
        path: tuple[str | int, ...] = ()
        if stack:
            place = stack[-1]
            if place.index is not None:  # an item of a list
                path = (*place.path, place.index)
                place.index += 1
                lines[path] = event.start_mark.line + 1
            elif place.key is None:  # a key (read_yaml refused keys that are not names)
                place.key = str(event.value)
                lines[(*place.path, place.key)] = event.start_mark.line + 1
                continue
            else:
                path, place.key = (*place.path, place.key), None
        if kind is yaml.MappingStartEvent:
            stack.append(_Place(path, None))
        elif kind is yaml.SequenceStartEvent:
            stack.append(_Place(path, 0))
    return lines


def line_of(location: tuple[int | str, ...], lines: dict[tuple[str | int, ...], int]) -> int | None:
    """The line of the field at ``location``, or of the nearest mapping or list around it that
    the file has (a missing field: where it belongs); None for the file as a whole."""
    for end in range(len(location), 0, -1):
        line = lines.get(location[:end])
        if line is not None:
            return line
    return None


class _Place:
    """An open mapping or list of :func:`value_lines`: its path, the index of its next item (a
    list) or the key whose value comes next (a mapping: its events alternate key and value)."""

    __slots__ = ("path", "index", "key")

    def __init__(self, path: tuple[str | int, ...], index: int | None):
        self.path, self.index = path, index
        self.key: str | None = None


def _syntax_problem(exc: yaml.YAMLError, problem: str, raw: str) -> str:
    """PyYAML's ``problem`` in Swedish where :mod:`casebook.domain.yaml_messages` has it, else as written."""
    mark = getattr(exc, "problem_mark", None)
    if mark is not None and raw[mark.index : mark.index + 1] == "\t":
        return "ett tabbtecken: dra in med mellanslag"  # libyaml does not always say it is a tab
    context, opened = getattr(exc, "context", None) or "", getattr(exc, "context_mark", None)
    if opened is not None and "quoted scalar" in context and "end of stream" in problem:
        return (
            f"texten i citattecken som börjar på rad {opened.line + 1}, kolumn {opened.column + 1} "
            "stängs aldrig: lägg till det avslutande citattecknet"
        )
    character = raw[mark.index : mark.index + 1] if mark is not None else None
    return in_swedish(problem, character, context) or problem
