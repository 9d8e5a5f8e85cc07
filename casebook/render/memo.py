"""The decision memo (tjänsteskrivelse) written from the case: a Word document and a PDF/A.

:func:`build_memo` turns an :class:`~casebook.domain.evaluation.EvaluatedCase` into a
:class:`Memo` with the source memo's parts in its order: the title, *Ärendebeskrivning*,
*Legala förutsättningar för stöd*, *Beslutsmotivering* (Legal, Ekonomisk, Strategisk),
*Sammanfattande bedömning av ansökan* with its recommendation, *Uppföljning, utvärdering
och rapportering*, the proposal (*Förslag till beslut*; for a decided case the decision,
*Beslut*, "… beslutar att …"), the signatures and *Utdrag till*. The sentences built from
figures come from :mod:`casebook.domain.wording`, the case's own text from its narrative
(Markdown within :mod:`casebook.domain.narrative`'s subset, laid out as text, never as
markup). After the document, on a page of its own, an annex for the officer that is not
part of the decision: deviations in the figures, corrections of the source document, rule
outcomes that need attention and every rule outcome.

Two renderers read the same :class:`Memo`:

- :func:`render_docx`, a Word document on A4 with page numbers ("Sida X av Y") and the case
  reference in the header, table columns fitted to their content, headings, captions and
  the signature block kept with what follows;
- :func:`render_pdf`, a PDF/A-3a that is also PDF/UA-1, made by Typst (``templates/memo.typ``)
  with the case file attached. Case text reaches Typst only as JSON *data* (``sys.inputs``)
  and is placed as strings, which Typst never parses as markup: a title such as
  ``#pagebreak()`` or ``*fet*`` is printed as written.

Both are deterministic: dates come from ``SOURCE_DATE_EPOCH`` (the current time when it is
unset), the Word file's ZIP entries carry that date, and Typst uses only its bundled
fonts (see :mod:`casebook.render.typst_pdf`), never the machine's.
Which memos to write again, and where they are kept, is the engine's (``casebook.engine.documents``).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from casebook.domain import formatting as fmt
from casebook.domain import narrative, wording
from casebook.domain.evaluation import EvaluatedCase
from casebook.domain.model import AssessmentTopic, Case, CaseState
from casebook.domain.reference import load_publisher
from casebook.domain.rules import RuleResult, RuleSetId
from casebook.render.document import (
    Block,
    NumberedList,
    Paragraph,
    Section,
    Subheading,
    Table,
    Text,
    amount,
    percent,
    table,
)
from casebook.render.typst_pdf import compile_pdf, json_input, narrative_data, refuse_control_characters
from casebook.render.zip_archive import stable_zip

YAML_MIME_TYPE = "application/yaml"
TEMPLATE = "memo.typ"
PDF_STANDARDS = ("a-3a", "ua-1")
"""PDF/A-3a (archivable, tagged, the case file attached) and PDF/UA-1 (accessible), both
checked by Typst when it writes the file."""
DOCX_FONT = "Calibri"
"""Word's own default, present wherever the document is opened and edited."""
LANGUAGE = "sv-SE"
NOT_STATED = "Ej angivet"
NOT_DECIDED = "Inte beslutat ännu"

TOPIC_LABELS = {
    AssessmentTopic.SEPARATION_FROM_OPERATIONS: "Avgränsning från ordinarie verksamhet (1 §)",
    AssessmentTopic.STATE_AID: "Statligt stöd (2 §)",
    AssessmentTopic.REGIONAL_STRATEGY: "Regional utvecklingsstrategi (3 §)",
    AssessmentTopic.OPERATING_SUPPORT: "Driftsstöd (5 §)",
    AssessmentTopic.BUSINESS_SUPPORT_MEASURES: "Företagsstödsåtgärder (6 §)",
    AssessmentTopic.COST_EFFECTIVENESS: "Kostnadseffektivitet",
}

MOTIVATION_PARTS = (
    (
        "legal",
        "Legal",
        (
            AssessmentTopic.SEPARATION_FROM_OPERATIONS,
            AssessmentTopic.OPERATING_SUPPORT,
            AssessmentTopic.STATE_AID,
            AssessmentTopic.BUSINESS_SUPPORT_MEASURES,
        ),
    ),
    ("economic", "Ekonomisk", (AssessmentTopic.COST_EFFECTIVENESS,)),
    ("strategic", "Strategisk", (AssessmentTopic.REGIONAL_STRATEGY,)),
)
"""The three parts of *Beslutsmotivering*, and the recorded assessments each part falls back
on when the narrative does not write it."""

# --- The memo's content -------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    name: str
    title: str


@dataclass(frozen=True)
class Memo:
    """Everything the memo says, as text ready to be laid out."""

    case_id: str
    title: str
    kind: str  # "Tjänsteskrivelse" or "Beslut"
    decision_maker: str
    publisher: str  # who publishes the document: named in the file's properties
    reference: str  # the case reference for the running header
    header: tuple[tuple[str, str], ...]  # (label, value) rows at the top
    sections: tuple[Section, ...]
    signatures: tuple[Signature, ...]
    copy_to: tuple[str, ...]  # "Utdrag till"
    annex: Section
    attachment_name: str  # the case file, attached to the PDF under this name

    def as_data(self) -> dict:
        """Plain JSON-ready data, each block tagged with its ``kind``; what the Typst template reads."""
        data = asdict(self)
        data["sections"] = [_section_data(s) for s in self.sections]
        data["annex"] = _section_data(self.annex)
        return data


def _section_data(section: Section) -> dict:
    return {"title": section.title, "blocks": [_block_data(b) for b in section.blocks]}


def _block_data(block: Block) -> dict:
    if isinstance(block, Text):
        return {"kind": "Text", "blocks": narrative_data(block.blocks)}
    if isinstance(block, Paragraph):
        return {"kind": "Paragraph", "text": block.full_text}
    if isinstance(block, Table):
        return {
            "kind": "Table",
            "caption": block.caption,
            "header": list(block.header),
            "rows": [list(row) for row in block.texts()],
            "numeric": block.right_aligned(),
            "total": block.total,
            "widths": list(column_widths(block)),
        }
    return {"kind": type(block).__name__, **asdict(block)}


def publisher_name(reference_dir: Path) -> str | None:
    """The publisher named in ``publisher.yaml`` of the reference data, or ``None`` where there is no such file
    (then the decision-maker is named as the documents' author)."""
    return load_publisher(reference_dir).name if (Path(reference_dir) / "publisher.yaml").is_file() else None


def build_memo(evaluated: EvaluatedCase, publisher: str | None = None) -> Memo:
    """The memo of one evaluated case, in the structure of the source memo.

    ``publisher`` names who publishes the document (``publisher.yaml``; the decision-maker
    when not given). Raises :class:`~casebook.domain.errors.CaseFileError` when case text
    holds a control character, which neither a Word document (XML) nor a PDF/A can carry.
    """
    refuse_control_characters(evaluated, "beslutsunderlaget")
    case = evaluated.case
    decided = case.state is not CaseState.PROPOSAL
    copy_to = tuple(case.narrative.copy_to) if case.narrative and case.narrative.copy_to else (case.applicant.name,)
    sections = [_description(evaluated), _legal_basis(evaluated), _motivation(case)]
    if (summary := _summary_assessment(case)) is not None:
        sections.append(summary)
    sections += [_follow_up(case), _decision(case) if decided else _proposal(case)]
    return Memo(
        case_id=case.id,
        title=f"Medfinansiering till projekt {case.title}",
        kind="Beslut" if decided else "Tjänsteskrivelse",
        decision_maker=case.decision_maker.name,
        publisher=publisher or case.decision_maker.name,
        reference=f"Dnr {case.reference}" if case.reference else f"Ärende {case.id}",
        header=_header(case),
        sections=tuple(sections),
        signatures=tuple(Signature(s.name, s.title) for s in case.signatories),
        copy_to=copy_to,
        annex=_annex(evaluated),
        attachment_name=evaluated.source.name,
    )


def _header(case: Case) -> tuple[tuple[str, str], ...]:
    rows = [
        ("Beslutsfattare", case.decision_maker.name),
        ("Diarienummer", case.reference or NOT_STATED),
        ("Handling", "Tjänsteskrivelse, förslag till beslut" if case.state is CaseState.PROPOSAL else "Beslut"),
    ]
    if case.state is CaseState.PROPOSAL:
        rows.append(("Beslutsdatum", NOT_DECIDED))
    else:
        rows.append(("Beslutsdatum", fmt.long_date(case.dates.decision)))
        rows.append(("Beslutat av", case.status.decided_by if case.status and case.status.decided_by else NOT_STATED))
        if case.status and case.status.decision_reference:
            rows.append(("Beslutets referens", case.status.decision_reference))
    rows.append(("Ansökan inkom", fmt.long_date(case.dates.application_received)))
    return tuple(rows)


def _narrative(case: Case, path: str) -> Text | None:
    """The narrative section at ``path`` (``motivation.legal``) as parsed text, or ``None`` when not written."""
    value: object = case.narrative
    for name in path.split("."):
        value = getattr(value, name, None) if value is not None else None
    return Text(narrative.parse(value)) if isinstance(value, str) else None


def _description(evaluated: EvaluatedCase) -> Section:
    case, f = evaluated.case, evaluated.figures
    blocks: list[Block] = [Paragraph(wording.application_paragraph(case))]
    if attachments := _narrative(case, "attachments"):
        blocks.append(attachments)
    # Without a written description (older case files), the case's summary describes the project.
    blocks.append(_narrative(case, "description") or Paragraph(case.summary))
    blocks += [
        text
        for path in ("aims", "expected_results_short_term", "expected_results_long_term")
        if (text := _narrative(case, path))
    ]
    rows = [
        (s.financier, s.line.kind.label, amount(s.amount), percent(s.share), fmt.yes_no(s.line.confirmed))
        for s in f.shares
    ]
    rows.append(("Summa", "", amount(f.total_financing), percent(sum(s.share for s in f.shares)), ""))
    cap = f.cap
    amounts = [
        ("Sökt belopp", amount(case.amount_applied_for)),
        ("Projektets totala finansiering", amount(f.total_financing)),
        (f"{case.decision_maker.name}s andel av finansieringen", percent(f.own.share, 4)),
        ("Andel av redovisade och godkända kostnader", percent(cap.decided_share)),
        ("Högst (dock max)", amount(cap.max_amount)),
        ("Andelen gånger total finansiering", amount(cap.share_of_total)),
    ]
    if cap.cap_binds_within_plan:
        amounts.append(("Maxbeloppet nås när godkända kostnader överstiger", amount(cap.threshold_kronor)))
    if case.decision.advance is not None:
        amounts.append(("Förskott", amount(case.decision.advance.amount)))
    blocks += [
        Subheading("Finansieringsplan"),
        table(
            f"Projektets finansieringsplan ({len(f.shares)} finansiärer); andelar av total finansiering",
            ("Finansiär", "Slag av medel", "Belopp", "Andel", "Bekräftad"),
            rows,
            total=True,
        ),
        table("Stödets belopp, beräknade från finansieringsplanen", ("Uppgift", "Värde"), amounts),
    ]
    return Section("Ärendebeskrivning", tuple(blocks))


def _legal_basis(evaluated: EvaluatedCase) -> Section:
    """The legal conditions in prose, then each provision the case is tried against, in the law's own words."""
    blocks: list[Block] = [Paragraph(text) for text in wording.legal_conditions(evaluated.case)]
    rows, seen = [], set()
    for result in _decision_results(evaluated):
        rule = result.rule
        if rule.law and (rule.source, rule.law) not in seen:
            seen.add((rule.source, rule.law))
            rows.append((rule.source, rule.law))
    if rows:
        blocks.append(table("Bestämmelser som ansökan prövas mot", ("Källa", "Vad källan kräver"), rows))
    return Section("Legala förutsättningar för stöd", tuple(blocks))


def _motivation(case: Case) -> Section:
    """Legal, Ekonomisk and Strategisk: the narrative's text, else the assessments recorded for that part."""
    blocks: list[Block] = []
    for path, title, topics in MOTIVATION_PARTS:
        part: list[Block] = []
        if text := _narrative(case, f"motivation.{path}"):
            part.append(text)
        else:
            part += [Paragraph(a.text) for topic in topics if (a := case.assessment(topic))]
        if path == "strategic" and (context := _narrative(case, "strategic_context")):
            part.append(context)
        if part:
            blocks += [Subheading(title), *part]
    if not blocks:
        blocks.append(Paragraph("Ingen beslutsmotivering är skriven."))
    return Section("Beslutsmotivering", tuple(blocks))


def _summary_assessment(case: Case) -> Section | None:
    blocks: list[Block] = []
    if text := _narrative(case, "summary_assessment"):
        blocks.append(text)
    if case.narrative and case.narrative.recommendation:
        blocks.append(Paragraph(wording.recommendation_sentence(case.narrative.recommendation)))
    return Section("Sammanfattande bedömning av ansökan", tuple(blocks)) if blocks else None


def _follow_up(case: Case) -> Section:
    blocks: list[Block] = []
    if indicators := wording.indicator_lines(case):
        intro, lines = indicators
        blocks += [Paragraph(intro), *(Paragraph(line) for line in lines)]
    blocks.append(Paragraph(wording.reporting_paragraph(case)))
    return Section("Uppföljning, utvärdering och rapportering", tuple(blocks))


def _proposal(case: Case) -> Section:
    return Section("Förslag till beslut", (NumberedList(wording.proposal_points(case)),))


def _decision(case: Case) -> Section:
    intro, points = wording.decision_points(case)
    status = case.status
    when = f"Beslutet fattades den {fmt.long_date(case.dates.decision)}"
    if status and status.decision_reference:
        when += f" ({status.decision_reference})"
    return Section("Beslut", (Paragraph(intro), NumberedList(points), Paragraph(when + ".")))


# --- The annex for the officer ------------------------------------------------------------


def _decision_results(evaluated: EvaluatedCase) -> tuple[RuleResult, ...]:
    """The rule results about the decision itself: the follow-up after it is not the memo's matter."""
    return tuple(r for r in evaluated.results if r.rule.rule_set is not RuleSetId.FOLLOW_UP)


ANNEX_TITLE = "Bilaga för handläggaren: att uppmärksamma (ingår inte i beslutet)"
ANNEX_NOTE = (
    "Den här bilagan är ett arbetsunderlag för handläggaren. Den ingår inte i beslutsunderlaget eller i "
    "beslutet och skickas inte med."
)


def _annex(evaluated: EvaluatedCase) -> Section:
    case = evaluated.case
    blocks: list[Block] = [Paragraph(ANNEX_NOTE), Subheading("Avvikelser i beslutets belopp")]
    blocks += [Paragraph(f"Avvikelse: {text}") for text in wording.deviations(case, evaluated.figures.cap)] or [
        Paragraph("Inga avvikelser.")
    ]
    if case.source_document.corrections:
        blocks += [
            Subheading("Rättelser av källdokumentet"),
            table(
                f"Fel i {case.source_document.title} som beslutsunderlaget rättar",
                ("Källan skriver", "Här står", "Skäl"),
                [(c.source, c.recorded, c.reason) for c in case.source_document.corrections],
            ),
        ]
    if missing := wording.unwritten_sections(case):
        blocks += [Subheading("Avsnitt som inte är skrivna"), Paragraph("; ".join(name for _, name in missing) + ".")]
    recorded = {a.topic for a in case.assessments}
    if missing_topics := [label for topic, label in TOPIC_LABELS.items() if topic not in recorded]:
        blocks += [
            Subheading("Bedömningar som saknas"),
            Paragraph("Ärendet registrerar ingen bedömning av: " + "; ".join(missing_topics) + "."),
        ]
    results = _decision_results(evaluated)
    attention = [r for r in results if r.outcome.needs_attention]
    blocks.append(Subheading(f"Regelkontroller som behöver uppmärksammas ({len(attention)} av {len(results)})"))
    # One paragraph each: the evidence is prose, too long for a column of a portrait table.
    blocks += [Paragraph(f"{r.outcome.value}: {r.rule.title} ({r.rule.source}). {r.evidence}") for r in attention] or [
        Paragraph("Ingen regelkontroll behöver uppmärksammas.")
    ]
    blocks += [
        Subheading("Alla regelkontroller"),
        table(
            f"Utfall av ärendets {len(results)} regelkontroller",
            ("Regel", "Källa", "Utfall"),
            [(r.rule.title, r.rule.source, r.outcome.value) for r in results],
        ),
    ]
    return Section(ANNEX_TITLE, tuple(blocks))


# --- Column widths ------------------------------------------------------------------------

TEXT_WIDTH_CM = 21.0 - 2.5 - 2.0
"""A4 less the left and right margins (:data:`MARGINS_CM`)."""
CHARACTER_CM = 0.24
"""A generous width of a character of the body text: 11 pt Calibri averages about 0,19 cm, and DejaVu Sans,
which LibreOffice uses where Calibri and its metric twin Carlito are missing, 0,21 cm for a small letter
and 0,25 cm for a digit."""
CELL_PADDING_CM = 0.5
"""Word's default cell margins (0,19 cm each side) and a little air."""


def column_widths(table: Table, width: float = TEXT_WIDTH_CM) -> tuple[float, ...]:
    """Column widths in cm that fit ``width``, fitted to the content.

    Every column is at least as wide as its longest word, so no word (a name such as
    "Region Västernorrland", an amount with its no-break spaces) is ever broken; what is
    left is shared in proportion to how much longer each column's longest cell is.
    """
    columns = list(zip(table.header, *table.texts(), strict=True))
    longest_word = [max(len(word) for cell in column for word in cell.split(" ")) for column in columns]
    longest_cell = [max(len(cell) for cell in column) for column in columns]
    least = [CHARACTER_CM * n + CELL_PADDING_CM for n in longest_word]
    natural = [CHARACTER_CM * n + CELL_PADDING_CM for n in longest_cell]
    if sum(natural) <= width:
        scale = width / sum(natural)
        return tuple(round(w * scale, 2) for w in natural)
    spare = width - sum(least)
    if spare <= 0:  # even the longest words do not fit: shrink in proportion
        return tuple(round(w * width / sum(least), 2) for w in least)
    wants = [n - m for n, m in zip(natural, least, strict=True)]
    return tuple(round(m + spare * w / sum(wants), 2) for m, w in zip(least, wants, strict=True))


# --- Word document ------------------------------------------------------------------------

AMOUNT_STYLE = "Belopp"
TABLE_HEADING_STYLE = "Tabellrubrik"
LIST_STYLE = "Listpunkt"
A4_CM = (21.0, 29.7)
MARGINS_CM = {"left": 2.5, "right": 2.0, "top": 2.5, "bottom": 2.0, "header": 1.2, "footer": 1.0}
"""A4 as Swedish public documents are laid out: a wider left margin for binding and
filing, the running header and the page numbers inside the top and bottom margins."""
LIST_INDENT_CM = 0.75
KEEP_TABLE_TOGETHER_ROWS = 15
"""A table of at most this many rows is kept on one page (if it fits); longer ones may run over."""


CORE_PROPERTY_LIMIT = 255


def _core_property(text: str) -> str:
    """``text`` shortened to the 255 characters Word allows in a document property.

    The properties only label the file in file dialogs; the full text is in the document itself,
    and a case file may hold a title or reference longer than Word's limit.
    """
    if len(text) <= CORE_PROPERTY_LIMIT:
        return text
    return text[: CORE_PROPERTY_LIMIT - 1].rstrip() + "…"


def render_docx(memo: Memo, created: dt.datetime) -> bytes:
    """The memo as a Word document: A4, page numbers, Swedish language, columns fitted to their content."""
    document = Document()
    _styles(document)
    _swedish_settings(document.settings.element)
    _page(document.sections[0], memo)

    document.add_heading(memo.title, level=0)
    _docx_table(document, table("Ärendeuppgifter", ("Uppgift", "Värde"), memo.header), header_row=False)
    for index, memo_section in enumerate(memo.sections):
        # The proposal (or the decision) stays on the page of the signatures that follow it.
        _docx_section(document, memo_section, keep_with_next=index == len(memo.sections) - 1 and bool(memo.signatures))
    _signatures(document, memo)
    if memo.copy_to:
        document.add_heading("Utdrag till", level=2)
        for name in memo.copy_to:
            document.add_paragraph(name)
    document.add_page_break()
    _docx_section(document, memo.annex)

    properties = document.core_properties
    properties.title = _core_property(memo.title)
    properties.subject = _core_property(f"{memo.kind}: {memo.title}")
    properties.author = _core_property(memo.publisher)
    properties.last_modified_by = _core_property(memo.publisher)
    properties.language = LANGUAGE
    properties.keywords = _core_property(memo.reference)
    properties.comments = ""  # python-docx's template says "generated by python-docx"
    properties.category = memo.kind
    properties.revision = 1
    naive = created.astimezone(dt.UTC).replace(tzinfo=None)
    properties.created = naive
    properties.modified = naive
    properties.last_printed = naive
    buffer = io.BytesIO()
    document.save(buffer)
    return _finish_package(buffer.getvalue(), created, memo)


def _styles(document) -> None:
    styles = document.styles
    _set_language(styles.element)
    normal = styles["Normal"]
    normal.font.name = DOCX_FONT
    normal.font.size = Pt(11)
    for name in ("Title", "Heading 1", "Heading 2", "Caption"):
        styles[name].paragraph_format.keep_with_next = True  # never stranded at the foot of a page
    amount = styles.add_style(AMOUNT_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    amount.base_style = normal
    amount.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    amount.paragraph_format.space_after = Pt(0)
    table_heading = styles.add_style(TABLE_HEADING_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    table_heading.base_style = normal
    table_heading.font.bold = True
    table_heading.paragraph_format.space_after = Pt(0)
    listed = styles.add_style(LIST_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    listed.base_style = normal
    listed.paragraph_format.space_after = Pt(3)


def _page(section, memo: Memo) -> None:
    """A4, the margins, the running header (who, what, which case) and "Sida X av Y" in the footer."""
    section.page_width, section.page_height = Cm(A4_CM[0]), Cm(A4_CM[1])
    section.left_margin, section.right_margin = Cm(MARGINS_CM["left"]), Cm(MARGINS_CM["right"])
    section.top_margin, section.bottom_margin = Cm(MARGINS_CM["top"]), Cm(MARGINS_CM["bottom"])
    section.header_distance, section.footer_distance = Cm(MARGINS_CM["header"]), Cm(MARGINS_CM["footer"])
    header = section.header.paragraphs[0]
    header.text = f"{memo.decision_maker}\t{memo.kind}\t{memo.reference}"
    header.paragraph_format.tab_stops.add_tab_stop(Cm(TEXT_WIDTH_CM / 2), WD_TAB_ALIGNMENT.CENTER)
    header.paragraph_format.tab_stops.add_tab_stop(Cm(TEXT_WIDTH_CM), WD_TAB_ALIGNMENT.RIGHT)
    for run in header.runs:
        run.font.size = Pt(9)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for part in ("Sida ", "PAGE", " av ", "NUMPAGES"):
        if part.isupper():
            _field(footer, part)
        else:
            footer.add_run(part).font.size = Pt(9)


def _field(paragraph, instruction: str) -> None:
    """A Word field (``PAGE``, ``NUMPAGES``) that Word and LibreOffice fill in when laying out."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {instruction} ")
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "18")  # 9 pt
    properties.append(size)
    run.append(properties)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _signatures(document, memo: Memo) -> None:
    """ "I tjänsten" and every signatory, kept together on one page."""
    if not memo.signatures:
        return
    opening = document.add_paragraph("I tjänsten")
    opening.paragraph_format.keep_with_next = True
    opening.paragraph_format.space_before = Pt(12)
    for index, signature in enumerate(memo.signatures):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.keep_together = True
        paragraph.paragraph_format.keep_with_next = index < len(memo.signatures) - 1
        paragraph.paragraph_format.space_before = Pt(18)
        paragraph.add_run(signature.name).add_break()
        paragraph.add_run(signature.title)


def _set_language(styles_element) -> None:
    """Mark the document's default run properties as Swedish, so Word spell-checks and hyphenates in Swedish."""
    defaults = styles_element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault"))
    run_properties = run_defaults.find(qn("w:rPr"))
    language = run_properties.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        run_properties.append(language)
    language.set(qn("w:val"), LANGUAGE)


def _swedish_settings(settings) -> None:
    """Swedish document settings, each element where the schema's sequence puts it (Word is strict about order).

    Automatic hyphenation on; theme language Swedish; decimal comma and semicolon list
    separator for fields; python-docx's template claims its spelling was checked, which is
    removed so Word checks the text in Swedish.
    """
    proof_state = settings.find(qn("w:proofState"))
    if proof_state is not None:
        settings.remove(proof_state)
    hyphenation = OxmlElement("w:autoHyphenation")
    settings.find(qn("w:defaultTabStop")).addnext(hyphenation)
    settings.find(qn("w:themeFontLang")).set(qn("w:val"), LANGUAGE)
    settings.find(qn("w:decimalSymbol")).set(qn("w:val"), ",")
    settings.find(qn("w:listSeparator")).set(qn("w:val"), ";")


def _docx_section(document, section: Section, keep_with_next: bool = False) -> None:
    """The section's heading and blocks; with ``keep_with_next`` every paragraph is kept with the next one."""
    document.add_heading(section.title, level=1)
    for block in section.blocks:
        if isinstance(block, Paragraph):
            paragraph = document.add_paragraph(block.full_text)
            paragraph.paragraph_format.keep_with_next = keep_with_next or None
        elif isinstance(block, Subheading):
            document.add_heading(block.text, level=2)
        elif isinstance(block, NumberedList):
            for number, item in enumerate(block.items, start=1):
                paragraph = _list_paragraph(document, f"{number}.", [narrative.Run(item)], 0)
                paragraph.paragraph_format.keep_with_next = keep_with_next or None
        elif isinstance(block, Text):
            _docx_text(document, block.blocks, 0)
        else:
            _docx_table(document, block)


def _docx_text(document, blocks: tuple[narrative.Block, ...], level: int) -> None:
    """Narrative blocks as paragraphs; list numbers and bullets are written as text with a hanging
    indent, so that each list starts where the case file says (Word's list numbering would
    continue one list's numbers into the next)."""
    for block in blocks:
        if isinstance(block, narrative.Paragraph):
            if level == 0:
                _runs(document.add_paragraph(), block.runs)
            else:
                paragraph = document.add_paragraph(style=LIST_STYLE)
                paragraph.paragraph_format.left_indent = Cm(LIST_INDENT_CM * level)
                _runs(paragraph, block.runs)
            continue
        for number, item in enumerate(block.items, start=block.start):
            marker = f"{number}{block.delimiter}" if block.ordered else "–"
            first, *rest = item or (narrative.Paragraph(()),)
            runs = first.runs if isinstance(first, narrative.Paragraph) else ()
            _list_paragraph(document, marker, runs, level)
            _docx_text(document, tuple(rest) if isinstance(first, narrative.Paragraph) else item, level + 1)


def _list_paragraph(document, marker: str, runs, level: int):
    paragraph = document.add_paragraph(style=LIST_STYLE)
    indent = LIST_INDENT_CM * (level + 1)
    paragraph.paragraph_format.left_indent = Cm(indent)
    paragraph.paragraph_format.first_line_indent = Cm(-LIST_INDENT_CM)
    paragraph.paragraph_format.tab_stops.add_tab_stop(Cm(indent))
    paragraph.add_run(f"{marker}\t")
    _runs(paragraph, runs)
    return paragraph


def _runs(paragraph, runs) -> None:
    for run in runs:
        for index, line in enumerate(run.text.split("\n")):
            if index:
                paragraph.add_run().add_break()
            word_run = paragraph.add_run(line)
            word_run.bold = run.strong or None
            word_run.italic = run.emphasis or None


def _docx_table(document, table: Table, header_row: bool = True) -> None:
    caption = document.add_paragraph(table.caption, style="Caption")
    caption.paragraph_format.keep_with_next = True
    rows = ([table.header] if header_row else []) + list(table.texts())
    figures = table.right_aligned()
    word_table = document.add_table(rows=len(rows), cols=len(table.header))
    word_table.style = "Table Grid"
    word_table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fixed_widths(word_table, column_widths(table))
    together = len(rows) <= KEEP_TABLE_TOGETHER_ROWS
    # Style ids are looked up once: python-docx resolves a style name by scanning every
    # style, which for each cell of a long table made the document ten times slower.
    heading_id, amount_id = (document.styles[name].style_id for name in (TABLE_HEADING_STYLE, AMOUNT_STYLE))
    for r, (word_row, values) in enumerate(zip(word_table.rows, rows, strict=True)):
        is_header = header_row and r == 0
        is_total = table.total and r == len(rows) - 1
        row_properties = word_row._tr.get_or_add_trPr()
        row_properties.append(OxmlElement("w:cantSplit"))  # a row never breaks across pages
        for c, (cell, value) in enumerate(zip(word_row.cells, values, strict=True)):
            paragraph = cell.paragraphs[0]
            if is_header or figures[c]:
                paragraph._p.style = heading_id if is_header else amount_id
            if is_header and figures[c]:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT  # like the figures below it
            if together and r < len(rows) - 1:
                paragraph.paragraph_format.keep_with_next = True
            run = paragraph.add_run(value)
            if is_total:
                run.bold = True
    if header_row:
        # Repeat the header row on every page the table runs over.
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        word_table.rows[0]._tr.get_or_add_trPr().append(repeat)


def _fixed_widths(word_table, widths: tuple[float, ...]) -> None:
    """Give the table fixed column widths (in cm), so Word and LibreOffice do not share the width equally."""
    word_table.autofit = False
    properties = word_table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    properties.append(layout)
    for grid_column, width in zip(word_table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        grid_column.set(qn("w:w"), str(int(Cm(width).twips)))
    for row in word_table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)


_APP_PROPERTIES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Company>{company}</Company></Properties>"
)
_TEMPLATE_PARTS = ("docProps/thumbnail.jpeg", "customXml/")
"""Parts of python-docx's template that are not this document's: its thumbnail picture and an
empty bibliography store."""


def _finish_package(data: bytes, created: dt.datetime, memo: Memo) -> bytes:
    """The .docx archive without python-docx's template residue, every entry dated ``created``.

    The template's thumbnail and custom XML parts go (with their relationships and content
    types), and its application properties ("Microsoft Macintosh Word", one page) are
    replaced by the publisher's name. Equal input gives equal bytes.
    """
    from xml.sax.saxutils import escape

    def edit(name: str, content: bytes) -> bytes | None:
        if name.startswith(_TEMPLATE_PARTS):
            return None
        if name == "docProps/app.xml":
            return _APP_PROPERTIES.format(company=escape(memo.publisher)).encode()
        if name in ("_rels/.rels", "word/_rels/document.xml.rels", "[Content_Types].xml"):
            return _without_template_parts(content)
        return content

    return stable_zip(data, created, edit)


def _without_template_parts(xml: bytes) -> bytes:
    """Relationships and content-type overrides of the removed template parts taken out."""
    text = xml.decode("utf-8")
    text = re.sub(r'<Relationship [^>]*Target="(?:docProps/thumbnail\.jpeg|\.\./customXml/[^"]*)"/>', "", text)
    text = re.sub(r'<Override PartName="/customXml/[^"]*"[^>]*/>', "", text)
    text = text.replace('<Default Extension="jpeg" ContentType="image/jpeg"/>', "")
    return text.encode("utf-8")


# --- PDF/A ------------------------------------------------------------------------------------


def render_pdf(memo: Memo, case_file: bytes, created: dt.datetime) -> bytes:
    """The memo as PDF/A-3a and PDF/UA-1, tagged, fonts embedded, with ``case_file`` attached unchanged.

    ``case_file`` must be UTF-8 (every valid case file is): it is handed to Typst as text and
    attached byte for byte, so its SHA-256 in the PDF equals the file's.
    """
    inputs = {
        "memo": json_input(memo.as_data()),
        "case_file": case_file.decode("utf-8"),
        "mime_type": YAML_MIME_TYPE,
    }
    return compile_pdf(
        TEMPLATE,
        inputs,
        created,
        f"Beslutsunderlaget för {memo.case_id}",
        memo.attachment_name,
        standards=PDF_STANDARDS,
    )
