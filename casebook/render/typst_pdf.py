"""PDF/A from Typst templates: what the memo and the case report's PDF share.

Data reaches a template only through ``sys.inputs`` as JSON strings, which Typst reads with
``json(...)`` and places as strings: case text is never parsed as markup, so a title such as
``#pagebreak()`` or ``*fet*`` is printed as written. Typst uses only its bundled fonts
(:data:`FONTS`), never the machine's, and dates come from ``SOURCE_DATE_EPOCH``
(:func:`creation_time`), so the same inputs give the same bytes. Typst's file is then packed
by qpdf (:func:`pack_objects`, about half the bytes). Render makes bytes; the engine writes
and caches them (``casebook.engine.documents``).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import asdict
from functools import cache
from importlib import resources

import pikepdf
import typst

from casebook.domain import clock, narrative
from casebook.domain.errors import CaseFileError, FieldProblem, UserError
from casebook.domain.evaluation import EvaluatedCase

RENDERERS = ("typst", "pikepdf")
"""The installed packages that shape every PDF: Typst writes it, pikepdf (qpdf) packs it."""
PDF_STANDARD = "a-3b"
"""PDF/A-3b: archivable, and (unlike PDF/A-2) allows the case file as an attachment."""
FONTS = ("Libertinus Serif", "DejaVu Sans Mono")
"""Bundled with Typst, so every machine embeds the same fonts: Libertinus Serif (SIL Open Font
License 1.1) for the text, DejaVu Sans Mono (Bitstream Vera licence) for characters it lacks."""


_CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def refuse_control_characters(evaluated: EvaluatedCase, document: str) -> None:
    """Raise :class:`CaseFileError` naming each field of the case that holds a control character.

    Neither a Word document (XML) nor a PDF/A can carry one; ``document`` names, in
    Swedish, what could not be written ("beslutsunderlaget").
    """
    problems: list[FieldProblem] = []

    def check(value: object, where: str) -> None:
        if isinstance(value, str) and (found := _CONTROL_CHARACTER.search(value)):
            problems.append(
                FieldProblem(
                    where, f"innehåller styrtecknet U+{ord(found.group()):04X}, som inte kan skrivas i {document}"
                )
            )
        elif isinstance(value, dict):
            for key, item in value.items():
                check(item, f"{where}.{key}" if where else str(key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                check(item, f"{where}[{index}]")

    check(evaluated.case.model_dump(mode="json"), "")
    if problems:
        raise CaseFileError(evaluated.source, problems)


def narrative_data(blocks) -> list[dict]:
    """Narrative blocks (:mod:`casebook.domain.narrative`) as data for the template: runs and list items."""
    data = []
    for block in blocks:
        if isinstance(block, narrative.Paragraph):
            data.append({"kind": "p", "runs": [asdict(run) for run in block.runs]})
        else:
            data.append(
                {
                    "kind": "list",
                    "ordered": block.ordered,
                    "start": block.start,
                    "delimiter": block.delimiter,
                    "items": [narrative_data(item) for item in block.items],
                }
            )
    return data


def creation_time() -> dt.datetime:
    """When a document is written: the build's moment (:func:`casebook.domain.clock.now`)."""
    return clock.now()


@cache
def _compiler():
    """One Typst compiler per process, with Typst's bundled fonts only (the machine's fonts are ignored)."""
    return typst.Compiler(ignore_system_fonts=True)


def template_bytes(name: str) -> bytes:
    """A Typst template shipped in ``casebook/render/templates``."""
    return resources.files("casebook.render").joinpath("templates", name).read_bytes()


def json_input(data: object) -> str:
    """Data for a template's ``sys.inputs``: JSON the template reads with ``json(bytes(...))``."""
    return json.dumps(data, ensure_ascii=False, sort_keys=False)


def compile_pdf(
    template: str,
    inputs: dict[str, str],
    created: dt.datetime,
    document: str,
    source_name: str,
    standards: tuple[str, ...] = (PDF_STANDARD,),
) -> bytes:
    """Compile ``template`` with ``inputs`` (plus the fonts) to a PDF dated ``created`` that meets ``standards``
    (Typst's names: PDF/A-3b by default; Typst refuses to write a file that does not meet them).

    A character that no bundled font has is the case file's problem, reported as a
    :class:`UserError` naming ``document`` (what is being written, in Swedish) and the
    case file ``source_name``; any other Typst error is a bug and is raised as it is.
    """
    try:
        pdf = _compiler().compile(
            template_bytes(template),
            format="pdf",
            sys_inputs={**inputs, "fonts": json_input(FONTS)},
            pdf_standards=list(standards),
            timestamp=created,
        )
    except typst.TypstError as exc:
        if "could not be displayed with font" not in exc.message:
            raise
        raise UserError(
            f"{document} kan inte skrivas som PDF/A: ett tecken i ärendefilen {source_name} finns inte i "
            f"typsnitten {', '.join(FONTS)} ({exc.message}). Ändra tecknet i ärendefilen."
        ) from None
    return pack_objects(pdf)


def pack_objects(pdf: bytes) -> bytes:
    """``pdf`` with its objects in compressed object streams: the same document in about half the bytes.

    Typst writes each element of a tagged PDF's structure tree (one per paragraph, table cell
    and span, the reading order that PDF/UA and PDF/A-3a need) as a plain-text object; they are
    about 60 % of the memo and the report. qpdf packs them into Flate-compressed object streams,
    which PDF/A-2 and PDF/A-3 allow (PDF/A-1 did not); every stream (page content, fonts, the
    XMP metadata, unfiltered as PDF/A requires, and the attached case file) and the document
    information are copied as they are. One thing changes: the second half of the file
    identifier, which qpdf computes from the new file's content (``deterministic_id``: the same
    input still gives the same bytes), so it no longer equals the ``xmpMM:InstanceID`` that
    Typst wrote (ISO 19005 does not tie the two together). The XMP is not rewritten to match
    (``fix_metadata_version=False``): it stays Typst's, byte for byte.
    """
    packed = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.save(
            packed,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            deterministic_id=True,
            fix_metadata_version=False,
        )
    return packed.getvalue()


def creation_moment(pdf: bytes) -> dt.datetime | None:
    """When a PDF written by :func:`compile_pdf` says it was created (its ``/CreationDate``, UTC),
    or ``None`` when the bytes are not such a PDF: damaged, cut short or without the date."""
    try:
        with pikepdf.open(io.BytesIO(pdf)) as document:
            written = str(document.docinfo.get("/CreationDate", ""))
    except pikepdf.PikepdfError:  # damaged, cut short, encrypted
        return None
    found = re.fullmatch(r"D:(\d{14})Z?", written)
    try:
        return dt.datetime.strptime(found.group(1), "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC) if found else None
    except ValueError:  # fourteen digits that are no date, e.g. month 13
        return None
