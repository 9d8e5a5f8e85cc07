"""Reading the memo's files back as text, in reading order, for the memo tests."""

from __future__ import annotations

import io
import re

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PdfReader


def docx_text(data: bytes) -> str:
    """The body of a .docx, paragraphs and table cells in document order, one per line (no header or footer)."""
    document = Document(io.BytesIO(data))
    parts = []
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            parts.append(Paragraph(element, document).text)
        elif element.tag == qn("w:tbl"):
            parts += [cell.text for row in Table(element, document).rows for cell in row.cells]
    return "\n".join(parts)


def pdf_pages(data: bytes) -> list[str]:
    """Each page's text as pypdf extracts it."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    """The PDF's text on one line per run of white space (no-break spaces kept)."""
    return re.sub(r"[ \t\n]+", " ", "\n".join(pdf_pages(data)))


def pdf_spans(data: bytes) -> list[tuple[int, str, float, str]]:
    """Each piece of text the PDF shows: (page index, text stripped, x where it starts, font name)."""
    spans = []
    for index, page in enumerate(PdfReader(io.BytesIO(data)).pages):

        def visit(text, cm, tm, font, size, index=index):
            if text.strip():
                spans.append(
                    (index, text.strip(), cm[4] + tm[4] * cm[0], str(font.get("/BaseFont", "")) if font else "")
                )

        page.extract_text(visitor_text=visit)
    return spans
