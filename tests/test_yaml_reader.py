"""The strict YAML reader, value by value and refusal by refusal (message, line and column).

The reader builds the document from the parser's events in one pass; these cases pin what
PyYAML's own safe loader (with the reader's refusals) gave, so the faster reader means the
same thing and refuses the same files in the same words.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from casebook.domain.yaml_reader import YamlProblem, decode_utf8, read_yaml, value_lines

ACCEPTED = [
    ("", None),
    ("# bara en kommentar\n", None),
    ("x", "x"),
    ("- a\n- b\n", ["a", "b"]),
    ("a: [1, {b: c}]\n", {"a": [1, {"b": "c"}]}),
    (
        "a: yes\nb: No\nc: ~\nd: null\ne: \"1\"\nf: 1.50\ng: '2.5'\n",
        {"a": True, "b": False, "c": None, "d": None, "e": "1", "f": Decimal("1.50"), "g": "2.5"},
    ),
    ("a: 0\nb: -0\nc: +5\nd: 1_000\n", {"a": 0, "b": 0, "c": 5, "d": 1000}),
    ("a: 1e3\n", {"a": "1e3"}),  # YAML 1.1 floats need a dot: text, which validation names
    ("a: 2025-02-28\nb: 2025-02-30\n", {"a": dt.date(2025, 2, 28), "b": "2025-02-30"}),
    ("a: 2025-01-01 10:00:00\n", {"a": dt.datetime(2025, 1, 1, 10, 0)}),
    ("a: &a 1\nb: 2\n", {"a": 1, "b": 2}),  # an anchor alone is harmless
    ("summary: FoU & innovation\n", {"summary": "FoU & innovation"}),
    ('a: "<<"\nb: "="\n"<<": c\n', {"a": "<<", "b": "=", "<<": "c"}),
    (
        "a:\n  b:\n    - c: 1\n      d: [x, y]\n  e: {}\nf: []\n",
        {"a": {"b": [{"c": 1, "d": ["x", "y"]}], "e": {}}, "f": []},
    ),
    ("? a\n", {"a": None}),
    ("a: b # kommentar\n", {"a": "b"}),
    ("a: |\n  rad ett\n  rad två\n", {"a": "rad ett\nrad två\n"}),
]


@pytest.mark.parametrize(("raw", "expected"), ACCEPTED, ids=[repr(a[0])[:40] for a in ACCEPTED])
def test_accepted_values(raw, expected):
    read = read_yaml(raw)
    assert read == expected
    assert type(read) is type(expected)


def test_numbers_keep_their_exact_type():
    read = read_yaml("a: 12.10\nb: 750000\nc: true\n")
    assert type(read["a"]) is Decimal and str(read["a"]) == "12.10"
    assert type(read["b"]) is int and type(read["c"]) is bool


ANOTHER = "ogiltig YAML: "
REFUSED = [
    ("a: &x 1\nb: &x 2\n", ANOTHER + "ankaret (&namn) står två gånger; ta bort det andra", 2, 4),
    (
        "a: 1\n---\nb: 2\n",
        ANOTHER + "filen har mer än ett YAML-dokument: ta bort raden med --- (en ärendefil är ett enda dokument)",
        2,
        1,
    ),
    ("a: =\n", ANOTHER + "värdet läses i YAML som något annat än text: sätt citattecken runt värdet", 1, 4),
    ("=: 1\n", ANOTHER + "värdet läses i YAML som något annat än text: sätt citattecken runt värdet", 1, 1),
    ("a: <<\n", ANOTHER + "värdet läses i YAML som något annat än text: sätt citattecken runt värdet", 1, 4),
    ("- <<\n", ANOTHER + "värdet läses i YAML som något annat än text: sätt citattecken runt värdet", 1, 3),
    ("a:\n  b: 1\n  <<: {b: 1}\n", "sammanslagningsnyckeln << används inte i ärendefiler; skriv ut fälten", 3, 3),
    ("<<: {b: 1}\n", "sammanslagningsnyckeln << används inte i ärendefiler; skriv ut fälten", 1, 1),
    ("? [a]\n: 1\n", "en nyckel ska vara ett namn, inte en lista eller mappning", 1, 3),
    ("? {a: 1}\n: 1\n", "en nyckel ska vara ett namn, inte en lista eller mappning", 1, 3),
    (
        "1: a\ntrue: b\n",
        "nyckeln 'True' står två gånger i samma mappning (första gången på rad 1); ta bort den ena",
        2,
        1,
    ),
    ("{a: 1, a: 2}", "nyckeln 'a' står två gånger i samma mappning (första gången på rad 1); ta bort den ena", 1, 8),
    (
        "a:\n  b: 1\n  c: 2\n  b: 3\n",
        "nyckeln 'b' står två gånger i samma mappning (första gången på rad 2); ta bort den ena",
        4,
        3,
    ),
    ("a: .nan\n", ".nan är inget tal som ärendefiler använder; skriv till exempel 12.10", 1, 4),
    ("a: .inf\n", ".inf är inget tal som ärendefiler använder; skriv till exempel 12.10", 1, 4),
    (
        "a: 1234567890123456789012345678901\n",
        "talet har 31 siffror; inget belopp eller antal i en ärendefil har fler än 30",
        1,
        4,
    ),
    (
        "a: 1:20\n",
        "1:20 läses i YAML som ett tal i bas 60 (1:20:00 blir 4800); sätt citattecken runt värdet om det är "
        "text, eller skriv talet med siffror",
        1,
        4,
    ),
    ("a: 12:10.5\n", "12:10.5 läses i YAML som ett tal i bas 60; sätt citattecken runt värdet om det är text", 1, 4),
    (
        "a: 0x1F\n",
        "0x1F läses i YAML som ett hexadecimalt, oktalt eller binärt tal (017 blir 15); skriv talet i decimal "
        "form utan inledande nolla",
        1,
        4,
    ),
    (
        "- 017\n",
        "017 läses i YAML som ett hexadecimalt, oktalt eller binärt tal (017 blir 15); skriv talet i decimal "
        "form utan inledande nolla",
        1,
        3,
    ),
    ("a: ! x\n", "YAML-taggen ! används inte i ärendefiler; skriv värdet utan tagg", 1, 4),
    ("a: !!str 1\n", "YAML-taggen !!str används inte i ärendefiler; skriv värdet utan tagg", 1, 4),
    ("a: !!set {b, c}\n", "YAML-taggen !!set används inte i ärendefiler; skriv värdet utan tagg", 1, 4),
    ("a: [1, *b]\n", "YAML-alias (*namn) är inte tillåtna i ärendefiler", 1, 8),
    ("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "YAML-alias (*namn) är inte tillåtna i ärendefiler", 2, 8),
    (
        "a: b\n  c: d\n",
        ANOTHER + "ett kolon följt av mellanslag i ett värde: sätt citattecken runt värdet "
        "(eller rätta indraget, om raden är ett eget fält)",
        2,
        4,
    ),
    ("a:\n\t- b\n", ANOTHER + "ett tabbtecken: dra in med mellanslag", 2, 1),
    ("a: \x07\n", "tecknet U+0007 är inte tillåtet i filen: ett styrtecken", 1, 4),
    # The parser's errors come before the reader's refusals, wherever they are in the file.
    ("a: 0x1F\nb: [c\n", None, 3, 1),
    # A tag or an alias is refused before the values are read.
    ("a: 0x1F\nb: !!str c\n", "YAML-taggen !!str används inte i ärendefiler; skriv värdet utan tagg", 2, 4),
]


@pytest.mark.parametrize(("raw", "message", "line", "column"), REFUSED, ids=[repr(r[0])[:40] for r in REFUSED])
def test_refusals_name_the_problem_and_the_place(raw, message, line, column):
    with pytest.raises(YamlProblem) as raised:
        read_yaml(raw)
    if message is None:
        assert raised.value.message.startswith(ANOTHER)
    else:
        assert raised.value.message == message
    assert (raised.value.line, raised.value.column) == (line, column)


def test_every_committed_yaml_file_reads_as_pyyaml_reads_it():
    """The repository's own case files, reference data and test cases: the same document as
    PyYAML's safe loader gives (its floats as the exact decimals the reader keeps)."""
    import yaml

    def exact(value):
        if isinstance(value, float):
            return Decimal(repr(value))
        if isinstance(value, dict):
            return {k: exact(v) for k, v in value.items()}
        if isinstance(value, list):
            return [exact(v) for v in value]
        return value

    root = Path(__file__).resolve().parents[1]
    files = sorted(
        [*root.glob("data/**/*.yaml"), *root.glob("tests/cases/*.yaml"), *root.glob("tests/reference/*.yaml")]
    )
    assert len(files) > 10
    for path in files:
        raw = path.read_text(encoding="utf-8")
        assert read_yaml(raw) == exact(yaml.safe_load(raw)), path


def test_a_byte_that_is_not_utf8_is_named_by_line_and_column_counted_in_characters():
    data = "title: Jämtland\nsummary: Härjedalen och Jämtland\n".encode() + b"note: Sm\xe5land\n"
    with pytest.raises(YamlProblem) as raised:
        decode_utf8(data)
    assert (raised.value.line, raised.value.column) == (3, 9)  # "note: Sm" is 8 characters
    assert raised.value.place == "rad 3, kolumn 9"
    assert "byte 0xE5" in raised.value.message and "Windows-1252" in raised.value.message
    assert raised.value.message.endswith("spara filen som UTF-8")


def test_a_broken_sequence_that_is_no_latin_letter_gets_no_latin1_guess():
    with pytest.raises(YamlProblem) as raised:
        decode_utf8(b"a: \xe2\x82\n")
    assert (raised.value.line, raised.value.column) == (1, 4)
    assert "Windows-1252" not in raised.value.message and "spara filen som UTF-8" in raised.value.message


def test_a_latin_letters_byte_that_starts_a_broken_sequence_gets_no_latin1_guess():
    """0xE5 is å in Latin-1, but followed by a continuation byte it began a UTF-8 sequence."""
    with pytest.raises(YamlProblem) as raised:
        decode_utf8(b"a: \xe5\xa4x\n")
    assert (raised.value.line, raised.value.column) == (1, 4)
    assert "byte 0xE5" in raised.value.message and "Windows-1252" not in raised.value.message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_is_named_utf16_with_or_without_a_byte_order_mark(encoding):
    with pytest.raises(YamlProblem, match="filen är sparad som UTF-16; spara den som UTF-8") as raised:
        decode_utf8("id: rjh-2025-spin\ntitle: Jämtland\n".encode(encoding))
    assert raised.value.place == "(hela filen)"


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-le", "utf-32-be"])
def test_a_utf32_file_is_named_utf32_with_or_without_a_byte_order_mark(encoding):
    with pytest.raises(YamlProblem, match="filen är sparad som UTF-32; spara den som UTF-8") as raised:
        decode_utf8("id: rjh-2025-spin\ntitle: Jämtland\n".encode(encoding))
    assert raised.value.place == "(hela filen)"


def test_utf8_text_is_decoded_as_it_is():
    assert decode_utf8("title: Jämtland – Härjedalen\n".encode()) == "title: Jämtland – Härjedalen\n"
    assert decode_utf8(b"a") == "a"


SWEDISH_SYNTAX = [
    ("title: SPIN: Strategisk\n", "ett kolon följt av mellanslag i ett värde: sätt citattecken runt värdet", 1, 12),
    ("title: @foo\n", "ett värde kan inte börja med tecknet @: sätt citattecken runt värdet", 1, 8),
    ("title: `x`\n", "ett värde kan inte börja med tecknet `: sätt citattecken runt värdet", 1, 8),
    ("a:\n  b: 1\n\tc: 2\n", "ett tabbtecken: dra in med mellanslag", 3, 1),
    ("a: 1\nb\nc: 2\n", "raden saknar kolon: skriv fält: värde", 3, 1),
    ("a:\n  b: 1\n c: 2\n", "raden passar inte in i mappningen ovanför: kontrollera indraget", 3, 2),
    ('a: "abc" def\n', "att en text i citattecken inte fortsätter efter det avslutande citattecknet", 1, 10),
    (
        'a: "abc\nb: 1\n',
        "texten i citattecken som börjar på rad 1, kolumn 4 stängs aldrig: lägg till det avslutande citattecknet",
        3,
        1,
    ),
    ("a:\n  - 1\n  b: 2\n", "en rad i listan börjar inte med -", 3, 3),
    ("a: [1, 2\nb: 1\n", "en lista inom [ ] stängs aldrig med ]", 2, 2),
    ("a: {x: 1\nb: 1\n", "en mappning inom { } stängs aldrig med }", 2, 2),
    ('a: "c:\\q"\n', "okänd kombination med \\ i en text inom dubbla citattecken", 1, 7),
    ("a: *\n", "efter & eller * ska ett namn stå", 1, 5),
    ("a: !x!y 1\n", "en tagg som YAML inte känner till", 1, 4),
    ("a: |x\n  t\n", "efter | eller > ska raden ta slut", 1, 5),
    ("a: ]\n", "här saknas ett värde", 1, 4),
    ("a: 1\n...\nb: 2\n", "filen fortsätter efter en rad med ...", 3, 1),
]


@pytest.mark.parametrize(("raw", "words", "line", "column"), SWEDISH_SYNTAX, ids=[r[0][:30] for r in SWEDISH_SYNTAX])
def test_syntax_errors_are_in_swedish_with_a_hint_and_keep_their_place(raw, words, line, column):
    with pytest.raises(YamlProblem) as raised:
        read_yaml(raw)
    assert raised.value.message.startswith("ogiltig YAML: ") and words in raised.value.message, raised.value.message
    assert (raised.value.line, raised.value.column) == (line, column)


@pytest.mark.parametrize(("raw", "words", "line", "column"), SWEDISH_SYNTAX, ids=[r[0][:30] for r in SWEDISH_SYNTAX])
def test_syntax_errors_are_in_swedish_with_the_pure_python_parser_too(monkeypatch, raw, words, line, column):
    """Without libyaml (PyYAML built without it) the same mistakes get Swedish messages, though
    PyYAML words them otherwise; only the place may differ."""
    import yaml

    from casebook.domain import yaml_reader

    monkeypatch.setattr(yaml_reader, "_SafeLoader", yaml.SafeLoader)
    with pytest.raises(YamlProblem) as raised:
        read_yaml(raw)
    assert raised.value.message.startswith("ogiltig YAML: ") and words in raised.value.message, raised.value.message


def test_a_problem_without_a_translation_is_shown_as_pyyaml_wrote_it():
    with pytest.raises(YamlProblem) as raised:
        read_yaml("%YAML 1.1\n%YAML 1.1\n---\na: 1\n")
    assert raised.value.message == "ogiltig YAML: found duplicate %YAML directive"
    assert raised.value.line == 2


def test_every_translated_problem_is_one_pyyaml_has():
    """Each key of the table is a problem string in the installed PyYAML: its Python scanner,
    parser, composer or constructor, or its compiled libyaml module. A reworded PyYAML fails
    here rather than the message silently staying English."""
    import yaml

    from casebook.domain.yaml_messages import PROBLEMS

    folder = Path(yaml.__file__).parent
    python = "".join(
        (folder / name).read_text(encoding="utf-8")
        for name in ("scanner.py", "parser.py", "composer.py", "constructor.py")
    )
    compiled = b"".join(path.read_bytes() for path in folder.glob("_yaml*.so"))
    assert compiled, "PyYAML without libyaml: only the Python sources are checked"
    missing = [
        key
        for key in PROBLEMS
        if f'"{key}"' not in python and f"'{key}'" not in python and b"\0" + key.encode() + b"\0" not in compiled
    ]
    assert missing == []


def test_every_value_has_its_line_by_its_path_as_a_field_is_named():
    text = "a: 1\nb:\n  c: x\n  d:\n    - 1\n    - e: 2\n      f: [3, 4]\ng: {}\nh:\n- |-\n  text\n- 5\n"
    assert value_lines(text) == {
        ("a",): 1,
        ("b",): 2,
        ("b", "c"): 3,
        ("b", "d"): 4,
        ("b", "d", 0): 5,
        ("b", "d", 1): 6,
        ("b", "d", 1, "e"): 6,
        ("b", "d", 1, "f"): 7,
        ("b", "d", 1, "f", 0): 7,
        ("b", "d", 1, "f", 1): 7,
        ("g",): 8,
        ("h",): 9,
        ("h", 0): 10,
        ("h", 1): 12,
    }
    assert value_lines("") == {}
