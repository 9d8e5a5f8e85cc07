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
:func:`write_reports` regenerates a case's PDF only when its content, template or renderer changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from casebook.domain import clock
from casebook.domain import formatting as fmt
from casebook.domain.evaluation import EvaluatedCase
from casebook.render import cache_entry, follow_up_view
from casebook.render.case_view import NO_NARRATIVE, CaseView
from casebook.render.document import Block, Kind, Paragraph, Section, Subheading, Table, Text, cell, table
from casebook.render.typst_pdf import (Mapper, compile_pdf, creation_time, json_input, link_or_copy, narrative_data,
                                      package_files, prune_cache, refuse_control_characters, render_stale,
                                      shared_inputs_digest, write_atomically)

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
    columns = list(zip(*rows)) if rows else [() for _ in header]
    longest = [max([len(h)] + [len(v) for v in col]) for h, col in zip(header, columns)]
    # A column is as wide as its typical cell, and never narrower than its longest word.
    typical = [max(len(h), sum(len(v) for v in col) // max(1, len(col)), *(len(w) + 1 for v in col for w in v.split(" ")))
               for h, col in zip(header, columns)]
    hashes = [bool(col) and all(c.kind is Kind.HASH for c in col) for col in table.columns()]
    widths = ["auto" if is_hash else max(6, min(n, 60)) for n, is_hash in zip(typical, hashes)]
    return {"kind": "table", "caption": table.caption, "header": header, "rows": rows,
            "numeric": table.right_aligned(), "widths": widths,
            "wide": sum(min(n, 60) for n in longest) > WIDE_TABLE_CHARACTERS}


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
    attention = (f"{fmt.plural(len(flags), 'regel kräver', 'regler kräver')} uppmärksamhet:" if flags
                 else "Ingen regel kräver uppmärksamhet.")
    evaluated = view.evaluated
    follow_up = [block for block in (follow_up_view.status(evaluated), follow_up_view.payment_requests(evaluated),
                                     follow_up_view.indicator_outcomes(evaluated)) if block is not None]
    if audit is not None:
        trail: list[Block] = [view.audit(audit), view.history(audit)]
    else:
        sha256 = hashlib.sha256(evaluated.source.read_bytes()).hexdigest()
        trail = [Paragraph("Rapporten skrevs utanför bygget; revisionsspåret visar därför bara ärendefilens SHA-256-summa."),
                 table("Revisionsspår", ("Uppgift", "Värde"),
                       [(f"SHA-256 för ärendefilen ({evaluated.source.name})", cell(sha256, kind=Kind.HASH))])]
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


# --- Writing files, incrementally -----------------------------------------------------------


@dataclass(frozen=True)
class WrittenReport:
    case_id: str
    pdf: Path
    regenerated: bool  # False when the file on disk was already up to date


# The installed packages that shape the report: its tables come from pandas and Babel, its PDF from Typst.
REPORT_RENDERERS = ("typst", "pandas", "babel")


def report_shared_digest(reference_dir: Path) -> bytes:
    """What every report shares: reference data, the package's code and templates, the renderers' versions."""
    return shared_inputs_digest(reference_dir, REPORT_RENDERERS, package_files())


def report_key(evaluated: EvaluatedCase, audit: dict | None, created: dt.datetime | None, shared: bytes) -> str:
    """SHA-256 over what the PDF is made from: the case file, its audit record, ``shared``
    (:func:`report_shared_digest`), the build date for a case judged on it (a follow-up: ``evaluated.as_of``), and
    the ``SOURCE_DATE_EPOCH`` in force (``None`` when it is unset).

    From the inputs, not from the built content: deciding that 1 000 unchanged reports are
    current must not build 1 000 reports.
    """
    digest = hashlib.sha256()
    as_of = evaluated.as_of.isoformat().encode() if evaluated.case.follow_up is not None else b""
    for name, data in (("case", evaluated.source.read_bytes()), ("audit", json_input(audit).encode()),
                       ("shared", shared), ("as-of", as_of),
                       ("SOURCE_DATE_EPOCH", str(int(created.timestamp())).encode() if created else b"unset")):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class _ReportJob:
    """One case's report PDF, and the key of the inputs it must have been written from."""

    evaluated: EvaluatedCase
    out_dir: Path
    audit: dict | None
    key: str
    created: dt.datetime

    @property
    def files(self) -> tuple[Path, Path]:
        """The PDF and the key file."""
        case_id = self.evaluated.case.id
        return self.out_dir / f"{case_id}.pdf", self.out_dir / f"{case_id}.report-key"

    def current(self) -> WrittenReport | None:
        """The PDF on disk, when it was written from the same inputs."""
        pdf_path, key_path = self.files
        if cache_entry.is_current(key_path, self.key, (pdf_path,), f"rapporten (PDF) för ärendet {self.evaluated.case.id}"):
            return WrittenReport(self.evaluated.case.id, pdf_path, regenerated=False)
        return None


def _report_job(evaluated: EvaluatedCase, out_dir: Path, audit: dict | None, shared: bytes | None) -> _ReportJob:
    created = creation_time()
    if shared is None:
        shared = report_shared_digest(_reference_dir(evaluated))
    key = report_key(evaluated, audit, created if clock.fixed_moment() else None, shared)
    return _ReportJob(evaluated, Path(out_dir), audit, key, created)


def _render_report(job: _ReportJob) -> WrittenReport:
    """Write the job's PDF; the key last, so an interrupted run never leaves a PDF that looks current."""
    pdf_path, key_path = job.files
    case_file = job.evaluated.source.read_bytes()
    pdf = render_report_pdf(build_report(CaseView(job.evaluated), job.audit), case_file, job.created)
    job.out_dir.mkdir(parents=True, exist_ok=True)
    key_path.unlink(missing_ok=True)
    write_atomically(pdf_path, pdf)
    cache_entry.record(key_path, job.key, (pdf_path,))
    return WrittenReport(job.evaluated.case.id, pdf_path, regenerated=True)


def write_report(evaluated: EvaluatedCase, out_dir: Path, audit: dict | None = None,
                 shared: bytes | None = None) -> WrittenReport:
    """Write ``<id>.pdf`` into ``out_dir`` unless the file there was written from the same inputs.

    The key (:func:`report_key`) is stored beside it as ``<id>.report-key``, written last,
    so an interrupted run never leaves a PDF that looks current but is not. ``shared``:
    :func:`report_shared_digest` of the case's reference data, when the caller writes many.
    """
    job = _report_job(evaluated, out_dir, audit, shared)
    return job.current() or _render_report(job)


def _reference_dir(evaluated: EvaluatedCase) -> Path:
    """The reference data beside the case's folder (``data/reference`` for ``data/cases/<id>.yaml``)."""
    return evaluated.source.parent.parent / "reference"


def write_reports(out_dir: Path, evaluated_cases: list[EvaluatedCase], audits: dict[str, dict] | None = None,
                  cache_dir: Path | None = None, mapper: Mapper = map) -> list[WrittenReport]:
    """Write every case's report PDF into ``out_dir`` (for the site), with its audit record when given.

    With ``cache_dir`` the PDFs are kept there between builds, regenerated only when their
    inputs change, and removed when their case is gone; ``out_dir`` receives copies. The
    PDFs to regenerate are rendered through ``mapper`` (:data:`~casebook.render.typst_pdf.Mapper`).
    """
    out_dir = Path(out_dir)
    audits = audits or {}
    shared: dict[Path, bytes] = {}
    jobs = []
    for evaluated in evaluated_cases:
        reference_dir = _reference_dir(evaluated)
        if reference_dir not in shared:
            shared[reference_dir] = report_shared_digest(reference_dir)
        jobs.append(_report_job(evaluated, cache_dir or out_dir, audits.get(evaluated.case.id), shared[reference_dir]))
    written = render_stale(jobs, _render_report, mapper)
    if cache_dir is not None:
        prune_cache(cache_dir, {e.case.id for e in evaluated_cases}, (".pdf", ".report-key"))
        out_dir.mkdir(parents=True, exist_ok=True)
        for report in written:
            link_or_copy(report.pdf, out_dir / report.pdf.name)
    return written
