"""How much of the source memo's wording SPIN's generated memo reproduces, in order.

The measure, **in-order word-trigram reproduction**, is defined as follows.

1. *Words*: the text is put in Unicode NFC and lower-cased; a word is a maximal run of
   letters (``[^\\W\\d_]+``). Digits, punctuation, white space and every other character
   only separate words, so numbers and punctuation are ignored ("3000 000 kronor" and
   "3 000 000 kronor" give the same words, and so do "SPIN-Strategisk" and "SPIN – Strategisk").
2. *Trigrams*: the sequence of every three consecutive words, ``(w1, w2, w3), (w2, w3, w4), …``.
3. *Reproduction*: the length of the longest common subsequence of the source's trigram
   sequence and the document's trigram sequence, divided by the number of the source's
   trigrams. A trigram counts only where it comes in the source's order; text the document
   adds (tables, headers, the annex) costs nothing, text it leaves out or moves does.

The longest common subsequence is computed exactly (Hunt–Szymanski: each match is a
position pair, and the longest chain of increasing positions is found by patience sorting),
not approximated.

The document's text is read back from the files: the ``.docx`` body in document order
(paragraphs and table cells; running header and footer left out, as the source has none),
and the PDF/A page by page with pypdf (running header and page numbers included).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left

import pytest
from conftest import REPO, SPIN_PATH
from memo_text import docx_text, pdf_pages
from test_memo import CREATED, PUBLISHER

from casebook.domain.clock import as_of_date
from casebook.domain.evaluation import evaluate_case
from casebook.render.memo import build_memo, render_docx, render_pdf

SOURCE = REPO / "data" / "sources" / "000_2bcbd58892294728.txt"
REQUIRED = 0.95
_WORD = re.compile(r"[^\W\d_]+")


def words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def trigrams(text: str) -> list[tuple[str, str, str]]:
    w = words(text)
    return [tuple(w[i : i + 3]) for i in range(len(w) - 2)]


def longest_common_subsequence(a: list, b: list) -> int:
    """The length of the longest common subsequence of ``a`` and ``b`` (Hunt–Szymanski)."""
    positions: dict = {}
    for j, item in enumerate(b):
        positions.setdefault(item, []).append(j)
    tails: list[int] = []  # tails[k]: the smallest end position in b of a common subsequence of length k + 1
    for item in a:
        for j in reversed(positions.get(item, ())):  # decreasing, so one item of a extends a chain once
            k = bisect_left(tails, j)
            if k == len(tails):
                tails.append(j)
            else:
                tails[k] = j
    return len(tails)


def reproduction(source: str, document: str) -> float:
    """The share of the source's word trigrams that the document has, in the source's order."""
    wanted = trigrams(source)
    return longest_common_subsequence(wanted, trigrams(document)) / len(wanted)


# --- The measure itself ----------------------------------------------------------------------


def test_words_ignore_numbers_punctuation_and_case():
    assert words("Tillväxtverket, nationella medel med 3000 000 kronor.") == words(
        "tillväxtverket – Nationella medel med 3 000 000 kronor"
    )
    assert words("SPIN-Strategisk Planering 2025-11-03-") == ["spin", "strategisk", "planering"]


def test_the_longest_common_subsequence_is_exact():
    assert longest_common_subsequence(list("ABCBDAB"), list("BDCABA")) == 4  # the textbook example
    assert longest_common_subsequence([1, 2, 3], [3, 2, 1]) == 1
    assert longest_common_subsequence([], [1]) == 0


def test_reproduction_counts_order_and_ignores_additions():
    source = "ett två tre fyra fem sex sju åtta"
    assert reproduction(source, source) == 1
    assert reproduction(source, "Inledning. " + source.upper() + " Bilaga med mer text.") == 1
    assert reproduction(source, "fem sex sju åtta ett två tre fyra") == pytest.approx(2 / 6)  # halves swapped: one kept
    assert reproduction(source, "ett två tre") == pytest.approx(1 / 6)


# --- SPIN ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spin_files() -> tuple[bytes, bytes]:
    memo = build_memo(evaluate_case(SPIN_PATH, as_of=as_of_date()), PUBLISHER)
    return render_docx(memo, CREATED), render_pdf(memo, SPIN_PATH.read_bytes(), CREATED)


def test_the_docx_reproduces_the_source_memos_wording(spin_files):
    docx, _ = spin_files
    assert reproduction(SOURCE.read_text(encoding="utf-8"), docx_text(docx)) >= REQUIRED


def test_the_pdf_reproduces_the_source_memos_wording(spin_files):
    _, pdf = spin_files
    assert reproduction(SOURCE.read_text(encoding="utf-8"), "\n".join(pdf_pages(pdf))) >= REQUIRED


def test_the_measure_catches_a_memo_without_the_narrative(tmp_path):
    """The memo as it was before the case file had a narrative reproduces far less."""
    text = SPIN_PATH.read_text(encoding="utf-8")
    case = tmp_path / "rjh-2025-spin.yaml"
    case.write_text(text[: text.index("# The memo's text, section by section")], encoding="utf-8")
    memo = build_memo(evaluate_case(case, REPO / "data" / "reference", as_of=as_of_date()), PUBLISHER)
    assert reproduction(SOURCE.read_text(encoding="utf-8"), docx_text(render_docx(memo, CREATED))) < 0.5
