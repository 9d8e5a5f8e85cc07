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

from casebook.domain.yaml_reader import YamlProblem, decode_utf8, read_yaml

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
    ("a: &x 1\nb: &x 2\n", ANOTHER + "second occurrence", 2, 4),
    ("a: 1\n---\nb: 2\n", ANOTHER + "but found another document", 2, 1),
    ("a: =\n", ANOTHER + "could not determine a constructor for the tag 'tag:yaml.org,2002:value'", 1, 4),
    ("=: 1\n", ANOTHER + "could not determine a constructor for the tag 'tag:yaml.org,2002:value'", 1, 1),
    ("a: <<\n", ANOTHER + "could not determine a constructor for the tag 'tag:yaml.org,2002:merge'", 1, 4),
    ("- <<\n", ANOTHER + "could not determine a constructor for the tag 'tag:yaml.org,2002:merge'", 1, 3),
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
    ("a: b\n  c: d\n", ANOTHER + "mapping values are not allowed in this context", 2, 4),
    (
        "a:\n\t- b\n",
        ANOTHER + "found character that cannot start any token (ett tabbtecken: dra in med mellanslag)",
        2,
        1,
    ),
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


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_is_named_utf16_with_or_without_a_byte_order_mark(encoding):
    with pytest.raises(YamlProblem, match="filen är sparad som UTF-16; spara den som UTF-8") as raised:
        decode_utf8("id: rjh-2025-spin\ntitle: Jämtland\n".encode(encoding))
    assert raised.value.place == "(hela filen)"


def test_utf8_text_is_decoded_as_it_is():
    assert decode_utf8("title: Jämtland – Härjedalen\n".encode()) == "title: Jämtland – Härjedalen\n"
    assert decode_utf8(b"a") == "a"
