"""The case report page as PDF/A-3b: the same verdict and tables as the site's case page.

:func:`build_report` reads a :class:`~casebook.render.case_view.CaseView`: the verdict
(:meth:`~CaseView.verdict_sentences`, :meth:`~CaseView.attention_sentences`) and every
table the page shows, as the same :class:`~casebook.render.document.Table` the page's HTML
is written from (caption, header, every column, cells typed: figures flush right), so the
PDF cannot drop a column the page has. With the build's audit
record (:mod:`casebook.engine.audit`, handed in by the engine) it ends with the page's
audit trail; without one, with the SHA-256 of the case file it was written from.

:func:`render_report_pdf` lays it out with Typst (``templates/report.typ``) through
:mod:`casebook.render.typst_pdf`: data as JSON, never markup; PDF/A-3b with the case file
attached; bundled fonts; dated from ``SOURCE_DATE_EPOCH``. Tables too wide for a portrait
page get landscape pages; cells wrap. Hyphenation is off so that the PDF's text, searched
or copied, holds every word and figure whole.
Which reports to write again, and where they are kept, is the engine's (``casebook.engine.documents``).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from casebook.domain import formatting as fmt
from casebook.render import follow_up_view
from casebook.render.case_view import NO_NARRATIVE, CaseView
from casebook.render.document import Block, Kind, Paragraph, Section, Subheading, Table, Text, cell, table
from casebook.render.typst_pdf import compile_pdf, json_input, narrative_data, refuse_control_characters

TEMPLATE = "report.typ"
YAML_MIME_TYPE = "application/yaml"
WIDE_TABLE_CHARACTERS = 130
"""A table whose columns' longest cells add up to more characters than this gets a landscape page."""


def table_data(table: Table) -> dict:
    """A table of the case page (:mod:`casebook.render.document`) as data for the template: every column, in the page's order.

    ``numeric`` right-aligns columns of figures (by their cells' kinds); ``widths`` are
    relative column widths from the typical cell length (``"auto"`` for a column of
    SHA-256 sums, which must not wrap); ``wide`` asks for a landscape page when the longest
    cells add up to more than :data:`WIDE_TABLE_CHARACTERS`.
    """
    rows = [[c.shown for c in row] for row in table.rows]
    header = list(table.header)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    longest = [max([len(h)] + [len(v) for v in col]) for h, col in zip(header, columns, strict=True)]
    # A column is as wide as its typical cell, and never narrower than its longest word.
    typical = [
        max(len(h), sum(len(v) for v in col) // max(1, len(col)), *(len(w) + 1 for v in col for w in v.split(" ")))
        for h, col in zip(header, columns, strict=True)
    ]
    hashes = [bool(col) and all(c.kind is Kind.HASH for c in col) for col in table.columns()]
    widths = ["auto" if is_hash else max(6, min(n, 60)) for n, is_hash in zip(typical, hashes, strict=True)]
    return {
        "kind": "table",
        "caption": table.caption,
        "header": header,
        "rows": rows,
        "numeric": table.right_aligned(),
        "widths": widths,
        "wide": sum(min(n, 60) for n in longest) > WIDE_TABLE_CHARACTERS,
    }


def block_data(block: Block) -> dict:
    """One block of the report as data for the template."""
    if isinstance(block, Table):
        return table_data(block)
    if isinstance(block, Paragraph):
        return {"kind": "paragraph", "text": block.full_text}
    if isinstance(block, Subheading):
        return {"kind": "subheading", "text": block.text}
    if isinstance(block, Text):
        return {"kind": "narrative", "blocks": narrative_data(block.blocks)}
    raise TypeError(f"the report has no layout for {type(block).__name__}")


# --- The report -----------------------------------------------------------------------------


def build_report(view: CaseView, audit: dict | None = None) -> dict:
    """Everything the case page shows, in its order, as JSON-ready data for the template.

    Raises :class:`~casebook.domain.errors.CaseFileError` when case text holds a control
    character, which a PDF/A cannot carry.
    """
    refuse_control_characters(view.evaluated, "ärenderapporten")
    case = view.case
    flags = view.attention_sentences()
    attention = (
        f"{fmt.plural(len(flags), 'regel kräver', 'regler kräver')} uppmärksamhet:"
        if flags
        else "Ingen regel kräver uppmärksamhet."
    )
    evaluated = view.evaluated
    follow_up = [
        block
        for block in (
            follow_up_view.status(evaluated),
            follow_up_view.payment_requests(evaluated),
            follow_up_view.indicator_outcomes(evaluated),
        )
        if block is not None
    ]
    if audit is not None:
        trail: list[Block] = [view.audit(audit), view.history(audit)]
    else:
        sha256 = hashlib.sha256(evaluated.source.read_bytes()).hexdigest()
        trail = [
            Paragraph("Rapporten skrevs utanför bygget; revisionsspåret visar därför bara ärendefilens SHA-256-summa."),
            table(
                "Revisionsspår",
                ("Uppgift", "Värde"),
                [(f"SHA-256 för ärendefilen ({evaluated.source.name})", cell(sha256, kind=Kind.HASH))],
            ),
        ]
    about = [block for heading, blocks in view.narrative_blocks() for block in (Subheading(heading), Text(blocks))]
    corrections = view.source_corrections()
    trail += [corrections] if corrections is not None else []
    sections = [
        Section("Om projektet", tuple(about) or (Paragraph(NO_NARRATIVE),)),
        Section("Ärendet i korthet", (view.facts(),)),
        Section("Finansieringsplan", (view.financing(),)),
        Section("Beslutsförslag och beräkning", (view.proposal(), view.decision(), view.payment())),
        Section("Uppföljning", (view.follow_up(), *follow_up)),
        Section("Regelkontroller", (view.compliance_counts(), view.compliance())),
        Section("Underskrift och källa", (view.signatories(),)),
        Section("Revisionsspår", tuple(trail)),
    ]
    return {
        "case_id": case.id,
        "title": case.title,
        "author": case.decision_maker.name,
        "running_header": f"Ärenderapport, {case.state.label.lower()}. Beräknad från ärendefilen "
        f"{view.evaluated.source.name}.",
        "verdict": view.verdict_sentences(),
        "attention_title": attention,
        "attention": [text for _, text in flags],
        "sections": [{"title": s.title, "blocks": [block_data(b) for b in s.blocks]} for s in sections],
        "attachment_name": view.evaluated.source.name,
    }


def render_report_pdf(report: dict, case_file: bytes, created: dt.datetime) -> bytes:
    """The report as PDF/A-3b with ``case_file`` (UTF-8, as every valid case file is) attached unchanged."""
    inputs = {"report": json_input(report), "case_file": case_file.decode("utf-8"), "mime_type": YAML_MIME_TYPE}
    return compile_pdf(TEMPLATE, inputs, created, f"Ärenderapporten för {report['case_id']}", report["attachment_name"])
