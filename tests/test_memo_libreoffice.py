"""The Word document as an officer opens it: converted to PDF with LibreOffice (headless) and read back.

``make test`` installs Debian's ``libreoffice-writer-nogui`` when ``soffice`` is missing, as it
installs Chromium for the browser tests (``CASEBOOK_SOFFICE`` names another binary). Marked
``e2e`` with the other tests that drive an outside application, so ``make test-fast`` does
not need LibreOffice (it needs Chromium, for the search's browser tests).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import FICTIONAL_BASE_PATH, REFERENCE_DIR, SPIN_PATH
from docx import Document
from pypdf import PdfReader
from test_memo import CREATED, PUBLISHER
from test_memo_source import SOURCE, reproduction

from casebook.domain.clock import as_of_date
from casebook.domain.evaluation import evaluate_case
from casebook.render.memo import build_memo, render_docx

pytestmark = pytest.mark.e2e

SOFFICE = os.environ.get("CASEBOOK_SOFFICE", "soffice")


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, tuple[Path, list[str]]]:
    """SPIN (a proposal) and the fictional base case (decided) as .docx, and LibreOffice's PDF of each page by page."""
    folder = tmp_path_factory.mktemp("libreoffice")
    documents = {}
    for name, path in (("spin", SPIN_PATH), ("decided", FICTIONAL_BASE_PATH)):
        docx = folder / f"{name}.docx"
        docx.write_bytes(
            render_docx(build_memo(evaluate_case(path, REFERENCE_DIR, as_of=as_of_date()), PUBLISHER), CREATED)
        )
        documents[name] = docx
    profile = folder / "profile"  # its own profile: never the user's, never shared with another run
    completed = subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *map(str, documents.values()),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    result = {}
    for name, docx in documents.items():
        pdf = docx.with_suffix(".pdf")
        assert pdf.is_file(), completed.stdout + completed.stderr
        result[name] = (docx, [page.extract_text() for page in PdfReader(pdf).pages])
        result[name + "-reader"] = PdfReader(pdf)
    return result


@pytest.mark.parametrize("name", ["spin", "decided"])
def test_every_page_is_a4_and_numbered_sida_x_av_y_with_the_case_reference(converted, name):
    _, pages = converted[name]
    reader = converted[name + "-reader"]
    assert len(pages) >= 3
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    reference = "Ärende rjh-2025-spin" if name == "spin" else "Dnr FIKTIV 1/2099"
    for number, text in enumerate(pages, start=1):
        assert f"Sida {number} av {len(pages)}" in text
        assert reference in text.split("\n")[0]


@pytest.mark.parametrize("name", ["spin", "decided"])
def test_no_word_in_a_table_is_broken_across_lines(converted, name):
    docx, pages = converted[name]
    lines = [line for text in pages for line in text.split("\n")]
    words = {
        word
        for table in Document(docx).tables
        for row in table.rows
        for cell in row.cells
        for word in re.split(r"[ \-–]", cell.text)
        if word
    }
    assert "Västernorrland" in words or name == "decided"
    broken = sorted(word for word in words if not any(word in line for line in lines))
    assert broken == []


def test_the_proposal_and_the_signature_block_are_on_one_page(converted):
    _, pages = converted["spin"]
    (page,) = [re.sub(r"\s+", " ", text) for text in pages if "I tjänsten" in text]
    for words in (
        "Förslag till beslut",
        "gäller för projektet.",
        "Sara Lewerentz Regiondirektör",
        "Lena Persson Områdeschef Hållbar tillväxt",
    ):
        assert words in page


def test_the_decided_case_reads_as_a_decision_with_its_advance(converted):
    _, pages = converted["decided"]
    text = re.sub(r"\s+", " ", "\n".join(pages))
    assert "Fiktiv regional utvecklingsnämnd beslutar att" in text
    assert "bevilja förskott med 100 000 kronor (särskilda skäl: Fiktivt skäl" in text.replace("\xa0", " ")
    assert "Förslag till beslut" not in text and "Inte beslutat ännu" not in text
    assert "15 februari 2017" in text


def test_the_converted_document_still_reproduces_the_source_memo_and_has_no_internal_words(converted):
    _, pages = converted["spin"]
    text = "\n".join(pages)
    assert reproduction(SOURCE.read_text(encoding="utf-8"), text) >= 0.95
    assert "casebook" not in text.lower() and "ärendefil" not in text.lower()
