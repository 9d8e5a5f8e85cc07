"""The decision memo (tjänsteskrivelse) written from the case: a Word draft and a PDF/A.

:func:`build_memo` turns an :class:`~casebook.domain.evaluation.EvaluatedCase` into a
:class:`Memo`: the sections of the source memo (header, Förslag till beslut,
Ärendebeskrivning, Legala förutsättningar, Beslutsmotivering, Uppföljning, signatories)
and an annex, "Att uppmärksamma", with every rule result that needs attention and every
deviation the figures show. Text comes from the case file, figures from the domain
package (:mod:`casebook.domain.finance`, rule results), formatted for display by
:mod:`casebook.domain.formatting`.

Two renderers read the same :class:`Memo`:

- :func:`render_docx`, an editable draft (python-docx) in Swedish styles;
- :func:`render_pdf`, a PDF/A-3b made by Typst (``templates/memo.typ``) with the case file
  attached. Case text reaches Typst only as JSON *data* (``sys.inputs``) and is placed as
  strings, which Typst never parses as markup: a title such as ``#pagebreak()`` or
  ``*fet*`` is printed as written.

Both are deterministic: dates come from ``SOURCE_DATE_EPOCH`` (the current time when it is
unset), the Word file's ZIP entries carry that date, and Typst uses only its bundled
fonts (see :mod:`casebook.render.typst_pdf`), never the machine's.
:func:`write_memo` regenerates a case's files only when one of their inputs changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from casebook.domain import formatting as fmt
from casebook.domain.errors import UserError
from casebook.domain.evaluation import EvaluatedCase
from casebook.domain.model import CASE_ID_PATTERN, AssessmentTopic, Case, CaseState
from casebook.domain.rules import RuleSetId
from casebook.render.typst_pdf import (Mapper, compile_pdf, creation_time, json_input, package_files, link_or_copy,
                                       prune_cache, refuse_control_characters, render_stale, shared_inputs_digest,
                                       write_atomically)

YAML_MIME_TYPE = "application/yaml"
TEMPLATE = "memo.typ"
DOCX_FONT = "Calibri"
"""Word's own default, present wherever the draft is opened and edited."""
LANGUAGE = "sv-SE"
CASES_DIR = Path("data") / "cases"
MISSING = "uppgift saknas i ärendefilen"

TOPIC_LABELS = {
    AssessmentTopic.SEPARATION_FROM_OPERATIONS: "Avgränsning från ordinarie verksamhet (1 §)",
    AssessmentTopic.STATE_AID: "Statligt stöd (2 §)",
    AssessmentTopic.REGIONAL_STRATEGY: "Regional utvecklingsstrategi (3 §)",
    AssessmentTopic.OPERATING_SUPPORT: "Driftsstöd (5 §)",
    AssessmentTopic.BUSINESS_SUPPORT_MEASURES: "Företagsstödsåtgärder (6 §)",
    AssessmentTopic.COST_EFFECTIVENESS: "Kostnadseffektivitet",
}


# --- The memo's content -------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Subheading:
    text: str


@dataclass(frozen=True)
class NumberedList:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table with one header row; ``numeric`` marks right-aligned columns (amounts, shares).

    ``total`` marks the last row as a sum row (shown in bold); ``widths`` are relative
    column widths for the PDF (Word lets the reader resize columns).
    """

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    total: bool = False
    widths: tuple[int, ...] | None = None


Block = Paragraph | Subheading | NumberedList | Table


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Signature:
    name: str
    title: str


@dataclass(frozen=True)
class Memo:
    """Everything the memo says, as text ready to be laid out."""

    case_id: str
    title: str
    decision_maker: str
    header: tuple[tuple[str, str], ...]  # (label, value) rows at the top
    sections: tuple[Section, ...]
    signatures: tuple[Signature, ...]
    copy_to: tuple[str, ...]  # "Utdrag till"
    annex: Section
    attachment_name: str  # the case file, attached to the PDF under this name
    draft_note: str  # the running header: status and where the memo comes from

    def as_data(self) -> dict:
        """Plain JSON-ready data, each block tagged with its ``kind``; what the Typst template reads."""
        data = asdict(self)
        data["sections"] = [_section_data(s) for s in self.sections]
        data["annex"] = _section_data(self.annex)
        return data


def _section_data(section: Section) -> dict:
    return {"title": section.title, "blocks": [{"kind": type(b).__name__, **asdict(b)} for b in section.blocks]}


def build_memo(evaluated: EvaluatedCase) -> Memo:
    """The memo of one evaluated case, in the structure of the source memo.

    Raises :class:`~casebook.domain.errors.CaseFileError` when case text holds a control character, which neither
    a Word document (XML) nor a PDF/A can carry.
    """
    refuse_control_characters(evaluated, "beslutsunderlaget")
    case = evaluated.case
    return Memo(
        case_id=case.id,
        title=f"Medfinansiering till projekt {case.title}",
        decision_maker=case.decision_maker.name,
        header=_header(case),
        sections=(
            _proposal(evaluated),
            _description(evaluated),
            _legal_basis(evaluated),
            _motivation(evaluated),
            _follow_up(case),
        ),
        signatures=tuple(Signature(s.name, s.title) for s in case.signatories),
        copy_to=(case.applicant.name,),
        annex=_annex(evaluated),
        attachment_name=evaluated.source.name,
        draft_note=f"{case.state.label}. Skrivet av casebook från ärendefilen {evaluated.source.name}.",
    )


def _header(case: Case) -> tuple[tuple[str, str], ...]:
    rows = [
        ("Beslutsfattare", case.decision_maker.name),
        ("Diarienummer", case.reference or MISSING),
        ("Status", case.state.label),
    ]
    if case.state is CaseState.PROPOSAL:
        rows.append(("Beslutsdatum", "inget: ärendet är ett förslag till beslut"))
    else:
        rows.append(("Beslutsdatum", fmt.date(case.dates.decision)))
        rows.append(("Beslutat av", case.status.decided_by if case.status else MISSING))
        if case.status and case.status.decision_reference:
            rows.append(("Beslutets referens", case.status.decision_reference))
    rows.append(("Ansökan inkom", fmt.date(case.dates.application_received)))
    rows.append(("Ärende-id", case.id))
    return tuple(rows)


def _proposal(evaluated: EvaluatedCase) -> Section:
    case, f = evaluated.case, evaluated.figures
    cap = f.cap
    rows = [
        ("Sökt belopp", fmt.kronor(case.amount_applied_for)),
        ("Projektets totala finansiering", fmt.kronor(f.total_financing)),
        ("Beslutsfattarens andel av finansieringen, avrundad", fmt.percent(f.computed_share_rounded)),
        ("Andel av redovisade och godkända kostnader", fmt.percent(cap.decided_share)),
        ("Högst (dock max)", fmt.kronor(cap.max_amount)),
        ("Andelen gånger total finansiering", fmt.kronor(cap.share_of_total)),
    ]
    if cap.cap_binds_within_plan:
        rows.append(("Maxbeloppet nås när godkända kostnader överstiger", fmt.kronor(cap.threshold_kronor)))
    attention = len(evaluated.needing_attention)
    summary = (
        f"{attention} av {len(evaluated.results)} regelkontroller behöver uppmärksammas: se bilagan Att uppmärksamma."
        if attention else f"Ingen av {len(evaluated.results)} regelkontroller behöver uppmärksammas."
    )
    blocks: list[Block] = [
        NumberedList(tuple(case.decision.proposal)),
        Table("Beslutets belopp, beräknade från finansieringsplanen", ("Uppgift", "Värde"), tuple(rows), (False, True)),
        Paragraph(f"Finansieras från: {case.decision.appropriation}. Villkor: {case.decision.general_terms}."),
        Paragraph(summary),
    ]
    return Section("Förslag till beslut", tuple(blocks))


def _description(evaluated: EvaluatedCase) -> Section:
    case, f = evaluated.case, evaluated.figures
    d = case.dates
    others = [s for s in f.shares if s.line is not case.own_line]
    blocks: list[Block] = [
        Paragraph(
            f"{case.applicant.name} inkom den {fmt.date(d.application_received)} med en ansökan om "
            f"{fmt.kronor(case.amount_applied_for)} i medfinansiering till projektet {case.title}. "
            f"Projekttiden är {fmt.date(d.project_start)} till {fmt.date(d.project_end)}."
        ),
    ]
    if others:
        listed = ", ".join(f"{s.financier} {fmt.kronor(s.amount)}" for s in others)
        blocks.append(Paragraph(f"Övrig finansiering kommer enligt projektets finansieringsplan från {listed}."))
    blocks.append(Paragraph(case.summary))
    if case.partners:
        blocks.append(Paragraph("Samverkansparter: " + ", ".join(p.name for p in case.partners) + "."))
    if case.involved_agencies:
        blocks.append(Paragraph("Involverade myndigheter: " + ", ".join(case.involved_agencies) + "."))
    rows = [
        (
            s.financier,
            s.line.kind.label + (f" ({s.line.note})" if s.line.note else ""),
            fmt.kronor(s.amount),
            fmt.percent(s.share),
            fmt.yes_no(s.line.confirmed),
        )
        for s in f.shares
    ]
    rows.append(("Summa", "", fmt.kronor(f.total_financing), fmt.percent(sum(s.share for s in f.shares)), ""))
    blocks += [
        Subheading("Finansieringsplan"),
        Table(
            f"Projektets finansieringsplan ({len(f.shares)} finansiärer); andelar av total finansiering",
            ("Finansiär", "Slag av medel", "Belopp", "Andel", "Bekräftad"),
            tuple(rows),
            (False, False, True, True, False),
            total=True,
            widths=(3, 4, 2, 2, 2),
        ),
    ]
    return Section("Ärendebeskrivning", tuple(blocks))


def _legal_basis(evaluated: EvaluatedCase) -> Section:
    """The rules the case is checked against, from the rule catalogue (source and what it requires)."""
    rows, seen = [], set()
    for result in evaluated.results:
        rule = result.rule
        legal = "§" in rule.source or rule.rule_set is RuleSetId.STRATEGIC_PLANNING_CALL_2025
        if legal and rule.id not in seen:
            seen.add(rule.id)
            rows.append((rule.title, rule.source, rule.requires))
    return Section("Legala förutsättningar", (
        Paragraph(
            "Projektstöd prövas enligt förordning (2003:596) om bidrag för projektverksamhet inom den regionala "
            "utvecklingspolitiken och, för ärenden inom en utlysning, utlysningens villkor. Ärendet prövas mot "
            "följande regler i casebooks regelkatalog."
        ),
        Table("Regler som ärendet prövas mot", ("Regel", "Källa", "Vad källan kräver"), tuple(rows), (False, False, False),
              widths=(2, 2, 3)),
    ))


def _motivation(evaluated: EvaluatedCase) -> Section:
    case = evaluated.case
    blocks: list[Block] = []
    for a in case.assessments:
        blocks.append(Subheading(TOPIC_LABELS[a.topic]))
        blocks.append(Paragraph(a.text))
        verdict = "uppfyllt" if a.met else "inte uppfyllt"
        where = f", {a.source_section}" if a.source_section else ""
        blocks.append(Paragraph(f"Bedömning: {verdict}. Bedömt av {a.assessed_by}{where}."))
    if not case.assessments:
        blocks.append(Paragraph("Inga bedömningar är registrerade i ärendet."))
    rows = tuple((r.rule.title, r.rule.source, r.outcome.value) for r in evaluated.results)
    blocks += [
        Subheading("Regelkontroller"),
        Table(f"Utfall av ärendets {len(rows)} regelkontroller", ("Regel", "Källa", "Utfall"), rows, (False, False, False),
              widths=(3, 3, 2)),
    ]
    return Section("Beslutsmotivering", tuple(blocks))


def _follow_up(case: Case) -> Section:
    blocks: list[Block] = []
    if case.indicators:
        rows = tuple((i.name, i.kind, fmt.number(i.target, _decimals(i.target)), i.unit) for i in case.indicators)
        blocks.append(Table("Indikatorer som projektet ska redovisa", ("Indikator", "Typ", "Målvärde", "Enhet"), rows,
                            (False, False, True, False)))
    else:
        blocks.append(Paragraph("Inga indikatorer är registrerade i ärendet."))
    due = case.dates.final_report_due
    blocks.append(Paragraph(
        "Stödmottagaren ska vid ansökan om utbetalning rapportera utfall på indikatorerna. "
        + (f"Stödmottagaren ska slutrapportera senast {fmt.date(due)}." if due else f"Datum för slutrapport: {MISSING}.")
    ))
    return Section("Uppföljning, utvärdering och rapportering", tuple(blocks))


def _decimals(value) -> int:
    """Decimals to show for a target value: as many as it has (``3`` → 0, ``2.5`` → 1)."""
    return max(0, -value.normalize().as_tuple().exponent)


def deviations(evaluated: EvaluatedCase) -> tuple[str, ...]:
    """Deviations in the decision's figures, stated plainly."""
    case, cap = evaluated.case, evaluated.figures.cap
    found = []
    applied = case.amount_applied_for
    if cap.max_amount > applied:
        found.append(
            f"Maxbeloppet {fmt.kronor(cap.max_amount)} är högre än det sökta beloppet {fmt.kronor(applied)} "
            f"(skillnad {fmt.kronor(cap.max_amount - applied)})."
        )
    if cap.cap_binds_within_plan:
        found.append(
            f"Andelen {fmt.percent(cap.decided_share)} av hela finansieringen {fmt.kronor(cap.total)} är "
            f"{fmt.kronor(cap.share_of_total)}, mer än maxbeloppet: maxbeloppet begränsar stödet när godkända "
            f"kostnader överstiger {fmt.kronor(cap.threshold_kronor)}."
        )
    if case.status and (case.status.decided_share_percent or case.status.decided_max_amount):
        found.append(
            f"Beslutet avviker från förslaget: förslaget var {fmt.percent(case.decision.share_percent)}, högst "
            f"{fmt.kronor(case.decision.max_amount)}; beslutet är {fmt.percent(cap.decided_share)}, högst "
            f"{fmt.kronor(cap.max_amount)}."
        )
    return tuple(found)


def _annex(evaluated: EvaluatedCase) -> Section:
    blocks: list[Block] = [Subheading("Avvikelser i beslutets belopp")]
    found = deviations(evaluated)
    blocks += [Paragraph(f"Avvikelse: {text}") for text in found] or [Paragraph("Inga avvikelser.")]
    recorded = {a.topic for a in evaluated.case.assessments}
    missing = [label for topic, label in TOPIC_LABELS.items() if topic not in recorded]
    if missing:
        blocks += [
            Subheading("Bedömningar som saknas"),
            Paragraph("Ärendet registrerar ingen bedömning av: " + "; ".join(missing) + "."),
        ]
    attention = evaluated.needing_attention
    blocks.append(Subheading("Regelkontroller som behöver uppmärksammas"))
    if attention:
        rows = tuple((r.rule.title, r.rule.source, r.outcome.value, r.evidence) for r in attention)
        blocks.append(Table(f"{len(rows)} av {len(evaluated.results)} regelkontroller", ("Regel", "Källa", "Utfall", "Underlag"),
                            rows, (False, False, False, False), widths=(3, 3, 2, 5)))
    else:
        blocks.append(Paragraph("Ingen regelkontroll behöver uppmärksammas."))
    return Section("Bilaga: Att uppmärksamma", tuple(blocks))


# --- Word draft ---------------------------------------------------------------------------

AMOUNT_STYLE = "Belopp"
TABLE_HEADING_STYLE = "Tabellrubrik"
ZIP_EPOCH_FLOOR = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)  # the earliest date a ZIP entry can carry


def render_docx(memo: Memo, created: dt.datetime) -> bytes:
    """The memo as an editable Word draft: built-in heading styles, Swedish language, right-aligned amounts."""
    document = Document()
    styles = document.styles
    _set_language(styles.element)
    normal = styles["Normal"]
    normal.font.name = DOCX_FONT
    normal.font.size = Pt(11)
    amount = styles.add_style(AMOUNT_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    amount.base_style = normal
    amount.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    amount.paragraph_format.space_after = Pt(0)
    table_heading = styles.add_style(TABLE_HEADING_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    table_heading.base_style = normal
    table_heading.font.bold = True
    table_heading.paragraph_format.space_after = Pt(0)
    _swedish_settings(document.settings.element)

    section = document.sections[0]
    section.header.paragraphs[0].text = f"UTKAST – {memo.draft_note}"

    document.add_heading(memo.title, level=0)
    _docx_table(document, Table("Ärendeuppgifter", ("Uppgift", "Värde"), memo.header, (False, False)), header_row=False)
    for memo_section in memo.sections:
        _docx_section(document, memo_section)
    if memo.signatures:
        document.add_paragraph("I tjänsten")
        for signature in memo.signatures:
            paragraph = document.add_paragraph()
            paragraph.add_run(signature.name).add_break()
            paragraph.add_run(signature.title)
    if memo.copy_to:
        document.add_heading("Utdrag till", level=2)
        for name in memo.copy_to:
            document.add_paragraph(name)
    document.add_page_break()
    _docx_section(document, memo.annex)

    properties = document.core_properties
    properties.title = memo.title
    properties.subject = "Beslutsunderlag (tjänsteskrivelse)"
    properties.author = memo.decision_maker
    properties.last_modified_by = "casebook"
    properties.language = LANGUAGE
    properties.keywords = memo.case_id
    properties.comments = memo.draft_note
    properties.revision = 1
    naive = created.astimezone(dt.UTC).replace(tzinfo=None)
    properties.created = naive
    properties.modified = naive
    properties.last_printed = naive
    buffer = io.BytesIO()
    document.save(buffer)
    return _fix_zip_dates(buffer.getvalue(), created)


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


def _docx_section(document, section: Section) -> None:
    document.add_heading(section.title, level=1)
    for block in section.blocks:
        if isinstance(block, Paragraph):
            document.add_paragraph(block.text)
        elif isinstance(block, Subheading):
            document.add_heading(block.text, level=2)
        elif isinstance(block, NumberedList):
            for item in block.items:
                document.add_paragraph(item, style="List Number")
        else:
            _docx_table(document, block)


def _docx_table(document, table: Table, header_row: bool = True) -> None:
    caption = document.add_paragraph(table.caption, style="Caption")
    caption.paragraph_format.keep_with_next = True
    rows = ([table.header] if header_row else []) + list(table.rows)
    word_table = document.add_table(rows=len(rows), cols=len(table.header))
    word_table.style = "Table Grid"
    word_table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # Style ids are looked up once: python-docx resolves a style name by scanning every
    # style, which for each cell of a long table made the draft ten times slower.
    heading_id, amount_id = (document.styles[name].style_id for name in (TABLE_HEADING_STYLE, AMOUNT_STYLE))
    for r, (word_row, values) in enumerate(zip(word_table.rows, rows)):
        is_header = header_row and r == 0
        is_total = table.total and r == len(rows) - 1
        for c, (cell, value) in enumerate(zip(word_row.cells, values)):
            paragraph = cell.paragraphs[0]
            if is_header or table.numeric[c]:
                paragraph._p.style = heading_id if is_header else amount_id
            if is_header and table.numeric[c]:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT  # like the figures below it
            run = paragraph.add_run(value)
            if is_total:
                run.bold = True
    if header_row:
        # Repeat the header row on every page the table runs over.
        row_properties = word_table.rows[0]._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        row_properties.append(repeat)


def _fix_zip_dates(data: bytes, created: dt.datetime) -> bytes:
    """Rewrite the .docx archive with every entry dated ``created``, so equal input gives equal bytes."""
    moment = max(created, ZIP_EPOCH_FLOOR).astimezone(dt.UTC)
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second - moment.second % 2)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()


# --- PDF/A ------------------------------------------------------------------------------------


def render_pdf(memo: Memo, case_file: bytes, created: dt.datetime) -> bytes:
    """The memo as PDF/A-3b, tagged, fonts embedded, with ``case_file`` attached unchanged.

    ``case_file`` must be UTF-8 (every valid case file is): it is handed to Typst as text and
    attached byte for byte, so its SHA-256 in the PDF equals the file's.
    """
    inputs = {
        "memo": json_input(memo.as_data()),
        "case_file": case_file.decode("utf-8"),
        "mime_type": YAML_MIME_TYPE,
    }
    return compile_pdf(TEMPLATE, inputs, created, f"Beslutsunderlaget för {memo.case_id}", memo.attachment_name)


# --- Writing files, incrementally -------------------------------------------------------------


@dataclass(frozen=True)
class WrittenMemo:
    case_id: str
    docx: Path
    pdf: Path
    regenerated: bool  # False when the files on disk were already up to date


# The installed packages that shape the memo files.
MEMO_RENDERERS = ("typst", "python-docx")


def memo_shared_digest(reference_dir: Path) -> bytes:
    """What every memo shares: reference data, the package's code and templates, Typst and python-docx."""
    return shared_inputs_digest(reference_dir, MEMO_RENDERERS, package_files())


def memo_key(evaluated: EvaluatedCase, reference_dir: Path, created: dt.datetime | None,
             shared: bytes | None = None) -> str:
    """SHA-256 over everything the memo files depend on.

    The case file, the reference data, the package's code and template, the versions of
    Typst and python-docx (``shared``: :func:`memo_shared_digest`, computed here when not
    given), and the ``SOURCE_DATE_EPOCH`` in force (``None`` when it is unset: then files
    are kept until an input changes, dated when they were written).
    """
    digest = hashlib.sha256()
    digest.update(b"case\0" + hashlib.sha256(evaluated.source.read_bytes()).digest())
    digest.update(b"shared\0" + (shared if shared is not None else memo_shared_digest(reference_dir)))
    digest.update(b"SOURCE_DATE_EPOCH\0" + (str(int(created.timestamp())).encode() if created else b"unset"))
    return digest.hexdigest()


def memo_case_file(root: Path, case_id: str) -> Path:
    """The case file of ``case_id`` under ``root``; a :class:`UserError` in Swedish when there is none.

    The id is checked against the case id pattern first, so it can never name a file
    outside the cases folder.
    """
    if not re.fullmatch(CASE_ID_PATTERN, case_id):
        raise UserError(
            f"Ogiltigt ärende-id '{case_id}': ett id består av små bokstäver a–z, siffror och bindestreck "
            "(högst 64 tecken), t.ex. rjh-2025-spin."
        )
    path = Path(root) / CASES_DIR / f"{case_id}.yaml"
    if not path.is_file():
        raise UserError(f"Okänt ärende '{case_id}': filen {CASES_DIR.as_posix()}/{case_id}.yaml finns inte.")
    return path


@dataclass(frozen=True)
class _MemoJob:
    """One case's memo files, and the key of the inputs they must have been written from."""

    evaluated: EvaluatedCase
    out_dir: Path
    key: str
    created: dt.datetime

    @property
    def files(self) -> tuple[Path, Path, Path]:
        """The Word draft, the PDF/A and the key file."""
        case_id = self.evaluated.case.id
        return tuple(self.out_dir / f"{case_id}{suffix}" for suffix in (".docx", ".pdf", ".memo-key"))

    def current(self) -> WrittenMemo | None:
        """The files on disk, when they were written from the same inputs."""
        docx_path, pdf_path, key_path = self.files
        if docx_path.is_file() and pdf_path.is_file() and key_path.is_file() and key_path.read_text() == self.key:
            return WrittenMemo(self.evaluated.case.id, docx_path, pdf_path, regenerated=False)
        return None


def _memo_job(evaluated: EvaluatedCase, out_dir: Path, reference_dir: Path | None, shared: bytes | None) -> _MemoJob:
    reference_dir = Path(reference_dir) if reference_dir else evaluated.source.parent.parent / "reference"
    fixed = os.environ.get("SOURCE_DATE_EPOCH") is not None
    created = creation_time()
    return _MemoJob(evaluated, Path(out_dir), memo_key(evaluated, reference_dir, created if fixed else None, shared), created)


def _render_memo(job: _MemoJob) -> WrittenMemo:
    """Write the job's files; the key last, so an interrupted run never leaves a memo that looks current."""
    evaluated = job.evaluated
    docx_path, pdf_path, key_path = job.files
    memo = build_memo(evaluated)
    docx = render_docx(memo, job.created)
    pdf = render_pdf(memo, evaluated.source.read_bytes(), job.created)
    job.out_dir.mkdir(parents=True, exist_ok=True)
    key_path.unlink(missing_ok=True)
    write_atomically(docx_path, docx)
    write_atomically(pdf_path, pdf)
    write_atomically(key_path, job.key.encode())
    return WrittenMemo(evaluated.case.id, docx_path, pdf_path, regenerated=True)


def write_memo(evaluated: EvaluatedCase, out_dir: Path, reference_dir: Path | None = None,
               shared: bytes | None = None) -> WrittenMemo:
    """Write ``<id>.docx`` and ``<id>.pdf`` into ``out_dir`` unless they are up to date.

    ``shared``: :func:`memo_shared_digest` of ``reference_dir``, when the caller writes many memos.

    The key of their inputs (:func:`memo_key`) is stored beside them as ``<id>.memo-key``;
    files are written to temporary names and moved into place, the key last, so an
    interrupted run never leaves a half-written memo that looks current.
    """
    job = _memo_job(evaluated, out_dir, reference_dir, shared)
    return job.current() or _render_memo(job)


def write_memos(out_dir: Path, evaluated_cases: list[EvaluatedCase], cache_dir: Path | None = None,
                mapper: Mapper = map) -> list[WrittenMemo]:
    """Write every case's memo into ``out_dir`` (for the site's downloads).

    With ``cache_dir`` the memos are kept there between builds and regenerated only when
    their inputs change, and memos of cases that no longer exist are removed from it;
    ``out_dir`` then receives copies of the ``.docx`` and ``.pdf``. The memos to regenerate
    are rendered through ``mapper`` (:data:`~casebook.render.typst_pdf.Mapper`).
    """
    out_dir = Path(out_dir)
    shared: dict[Path, bytes] = {}
    jobs = []
    for evaluated in evaluated_cases:
        reference_dir = evaluated.source.parent.parent / "reference"
        if reference_dir not in shared:
            shared[reference_dir] = memo_shared_digest(reference_dir)
        jobs.append(_memo_job(evaluated, cache_dir or out_dir, reference_dir, shared[reference_dir]))
    written = render_stale(jobs, _render_memo, mapper)
    if cache_dir is not None:
        prune_cache(cache_dir, {e.case.id for e in evaluated_cases}, (".docx", ".pdf", ".memo-key"))
        out_dir.mkdir(parents=True, exist_ok=True)
        for memo in written:
            for path in (memo.docx, memo.pdf):
                link_or_copy(path, out_dir / path.name)
    return written
