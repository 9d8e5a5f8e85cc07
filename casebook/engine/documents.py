"""The documents a build writes per case, kept as artifacts: the memo as PDF/A and the case
report PDF; and the memo with its Word draft, which ``casebook memo`` writes for the officer.

Render makes the bytes (:mod:`casebook.render.memo`, :mod:`casebook.render.report_pdf`);
this module decides which documents must be made again and keeps them in the artifact
cache (:mod:`casebook.engine.artifacts`). A document's key is computed from its declared
inputs, never from the built content: deciding that 1 000 unchanged reports are current
builds none. What every document of a batch shares (the reference data, the code this
module runs and the templates, the installed versions of its renderers) is hashed once per batch;
each case adds its case file, the ``SOURCE_DATE_EPOCH`` in force, for a memo whether the Word
draft is among its files and, for a report, its audit record and (for a case with a
follow-up) the build date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from casebook.domain import clock
from casebook.domain.errors import UserError
from casebook.domain.evaluation import EvaluatedCase, case_file_bytes
from casebook.domain.model import CASE_ID_PATTERN
from casebook.engine import artifacts
from casebook.engine.artifacts import Inputs, Mapper
from casebook.engine.paths import installed_package_dir
from casebook.render import typst_pdf
from casebook.render.typst_pdf import creation_time, json_input

# The renderers themselves (python-docx; matplotlib and pandas through the report's charts and
# tables: about half a second of imports) are imported by the first document that is made
# again, not here: a build whose documents are all current never needs them
# (the fork server of the document workers imports them first, ``workers._FORK_SERVER_PRELOAD``).

CASES_DIR = Path("data") / "cases"

# The installed packages that shape the report: its tables come from pandas and Babel, its PDF
# from Typst and pikepdf.
REPORT_RENDERERS = (*typst_pdf.RENDERERS, "pandas", "babel")


def memo_renderers(draft: bool) -> tuple[str, ...]:
    """The installed packages that shape the memo's files: the PDF's, and python-docx for the
    Word draft (so a new python-docx changes no published memo)."""
    return (*typst_pdf.RENDERERS, "python-docx") if draft else typst_pdf.RENDERERS


def shared_inputs(reference_dir: Path, renderers: tuple[str, ...], package_dir: Path | None = None) -> Inputs:
    """What every document of a batch shares: the reference data, the code this module and its
    renderers run with the package's templates (``package_dir``: the installed package) and the
    installed versions of ``renderers``.

    Hashed once per batch (not once per case: reading the package for each of 1 000 cases was
    most of an incremental build), then combined with each case's own inputs.
    """
    reference = tuple((f"reference/{path.name}", path) for path in sorted(Path(reference_dir).glob("*.yaml")))
    # The code this module runs: the renderers it imports on first use included, not the case
    # page's or the portfolio's own modules, nor the build's.
    code = artifacts.code_of(package_dir if package_dir is not None else installed_package_dir(), [__name__])
    # A pikepdf built from source links the machine's qpdf, whose version its own does not say.
    qpdf = (("libqpdf", pikepdf.__libqpdf_version__.encode()),) if "pikepdf" in renderers else ()
    return Inputs(files=(*reference, *code), data=qpdf, distributions=renderers)


def _source_date_epoch(created: dt.datetime | None) -> bytes:
    return str(int(created.timestamp())).encode() if created else b"unset"


def _reference_dir(evaluated: EvaluatedCase) -> Path:
    """The reference data beside the case's folder (``data/reference`` for ``data/cases/<id>.yaml``)."""
    return evaluated.source.parent.parent / "reference"


# --- The memo -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenMemo:
    case_id: str
    docx: Path | None  # the Word draft: written for the officer (casebook memo), never for the site
    pdf: Path
    regenerated: bool  # False when the files on disk were already up to date


def memo_inputs(evaluated: EvaluatedCase, created: dt.datetime | None, shared: Inputs, draft: bool = True) -> Inputs:
    """What the memo files are made from: the case file, ``shared`` (:func:`shared_inputs` with
    :func:`memo_renderers`), the ``SOURCE_DATE_EPOCH`` in force (``None`` when it is unset: then
    files are kept until an input changes, dated when they were written) and whether the Word
    draft is among the files (``draft``): an entry is current only with the files its key
    promises, so a PDF-only entry and one with the draft never pass for each other."""
    return Inputs(
        data=(
            ("case", evaluated.source_sha256.encode()),  # the bytes checked, as the notebooks' keys
            ("SOURCE_DATE_EPOCH", _source_date_epoch(created)),
            ("Word draft", b"yes" if draft else b"no"),
        ),
        shared=shared,
    )


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
    reference_dir: Path
    key: str
    created: dt.datetime
    draft: bool

    @property
    def docx(self) -> Path | None:
        return self.out_dir / f"{self.evaluated.case.id}.docx" if self.draft else None

    @property
    def pdf(self) -> Path:
        return self.out_dir / f"{self.evaluated.case.id}.pdf"

    @property
    def key_file(self) -> Path:
        return self.out_dir / f"{self.evaluated.case.id}.memo-key"

    def current(self) -> WrittenMemo | None:
        """The files on disk, when they were written from the same inputs."""
        files = tuple(path for path in (self.docx, self.pdf) if path is not None)
        if artifacts.is_current(
            self.key_file, self.key, files, f"beslutsunderlaget för ärendet {self.evaluated.case.id}"
        ):
            return WrittenMemo(self.evaluated.case.id, self.docx, self.pdf, regenerated=False)
        return None


def _memo_job(
    evaluated: EvaluatedCase, out_dir: Path, reference_dir: Path | None, shared: Inputs | None, draft: bool
) -> _MemoJob:
    reference_dir = Path(reference_dir) if reference_dir else _reference_dir(evaluated)
    created = creation_time()
    shared = shared if shared is not None else shared_inputs(reference_dir, memo_renderers(draft))
    key = memo_inputs(evaluated, created if clock.fixed_moment() else None, shared, draft).key()
    return _MemoJob(evaluated, Path(out_dir), reference_dir, key, created, draft)


def _render_memo(job: _MemoJob) -> WrittenMemo:
    """Write the job's files; the key last, so an interrupted run never leaves a memo that looks current."""
    from casebook.render import memo as memo_render

    evaluated = job.evaluated
    memo = memo_render.build_memo(evaluated, memo_render.publisher_name(job.reference_dir))
    files = {job.pdf: memo_render.render_pdf(memo, case_file_bytes(evaluated), job.created)}
    if job.docx is not None:
        files[job.docx] = memo_render.render_docx(memo, job.created)
    artifacts.store(job.key_file, job.key, files)
    return WrittenMemo(evaluated.case.id, job.docx, job.pdf, regenerated=True)


def write_memo(
    evaluated: EvaluatedCase,
    out_dir: Path,
    reference_dir: Path | None = None,
    shared: Inputs | None = None,
    draft: bool = True,
) -> WrittenMemo:
    """Write ``<id>.pdf`` and, with ``draft``, the Word draft ``<id>.docx`` into ``out_dir``
    unless they are up to date.

    ``shared``: :func:`shared_inputs` of ``reference_dir``, when the caller writes many memos.

    The key of their inputs (:func:`memo_inputs`) is stored beside them as ``<id>.memo-key``;
    files are written to temporary names and moved into place, the key last, so an
    interrupted run never leaves a half-written memo that looks current.
    """
    job = _memo_job(evaluated, out_dir, reference_dir, shared, draft)
    return job.current() or _render_memo(job)


def write_memos(
    out_dir: Path, evaluated_cases: list[EvaluatedCase], cache_dir: Path | None = None, mapper: Mapper = map
) -> list[WrittenMemo]:
    """Write every case's memo as PDF/A into ``out_dir`` (for the site's downloads).

    The Word draft is not written: it is the officer's working file (``casebook memo``
    writes it), not a public document, and it was 39 kB of every case on the site.
    With ``cache_dir`` the memos are kept there between builds and regenerated only when
    their inputs change, and memos of cases that no longer exist are removed from it;
    ``out_dir`` then receives copies of the ``.pdf``. The memos to regenerate are rendered
    through ``mapper`` (:data:`~casebook.engine.artifacts.Mapper`).
    """
    out_dir = Path(out_dir)
    shared: dict[Path, Inputs] = {}
    jobs = []
    for evaluated in evaluated_cases:
        reference_dir = _reference_dir(evaluated)
        if reference_dir not in shared:
            shared[reference_dir] = shared_inputs(reference_dir, memo_renderers(draft=False))
        jobs.append(_memo_job(evaluated, cache_dir or out_dir, reference_dir, shared[reference_dir], draft=False))
    written = artifacts.make_stale(jobs, _render_memo, mapper)
    if cache_dir is not None:
        artifacts.prune(cache_dir, {e.case.id for e in evaluated_cases}, (".pdf", ".memo-key"))
        # The Word drafts that builds of 944394e and before cached: no build writes them now
        # (removable once no such cache is left to upgrade).
        for leftover in Path(cache_dir).glob("*.docx"):
            leftover.unlink()
        out_dir.mkdir(parents=True, exist_ok=True)
        for memo in written:
            artifacts.link_or_copy(memo.pdf, out_dir / memo.pdf.name)
    return written


# --- The case report PDF ------------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenReport:
    case_id: str
    pdf: Path
    regenerated: bool  # False when the file on disk was already up to date


def report_inputs(evaluated: EvaluatedCase, audit: dict | None, created: dt.datetime | None, shared: Inputs) -> Inputs:
    """What the PDF is made from: the case file, its audit record, ``shared`` (:func:`shared_inputs`
    with :data:`REPORT_RENDERERS`), the build date for a case judged on it (a follow-up:
    ``evaluated.as_of``), and the ``SOURCE_DATE_EPOCH`` in force (``None`` when it is unset)."""
    as_of = evaluated.as_of.isoformat().encode() if evaluated.case.follow_up is not None else b""
    return Inputs(
        data=(
            ("case", evaluated.source_sha256.encode()),  # the bytes checked, as the notebooks' keys
            ("audit", json_input(audit).encode()),
            ("as-of", as_of),
            ("SOURCE_DATE_EPOCH", _source_date_epoch(created)),
        ),
        shared=shared,
    )


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
        if artifacts.is_current(
            key_path, self.key, (pdf_path,), f"rapporten (PDF) för ärendet {self.evaluated.case.id}"
        ):
            return WrittenReport(self.evaluated.case.id, pdf_path, regenerated=False)
        return None


def _report_job(evaluated: EvaluatedCase, out_dir: Path, audit: dict | None, shared: Inputs | None) -> _ReportJob:
    created = creation_time()
    if shared is None:
        shared = shared_inputs(_reference_dir(evaluated), REPORT_RENDERERS)
    key = report_inputs(evaluated, audit, created if clock.fixed_moment() else None, shared).key()
    return _ReportJob(evaluated, Path(out_dir), audit, key, created)


def _render_report(job: _ReportJob) -> WrittenReport:
    """Write the job's PDF; the key last, so an interrupted run never leaves a PDF that looks current."""
    from casebook.render import report_pdf
    from casebook.render.case_view import CaseView

    pdf_path, key_path = job.files
    case_file = case_file_bytes(job.evaluated)
    pdf = report_pdf.render_report_pdf(
        report_pdf.build_report(CaseView(job.evaluated), job.audit), case_file, job.created
    )
    artifacts.store(key_path, job.key, {pdf_path: pdf})
    return WrittenReport(job.evaluated.case.id, pdf_path, regenerated=True)


def write_report(
    evaluated: EvaluatedCase, out_dir: Path, audit: dict | None = None, shared: Inputs | None = None
) -> WrittenReport:
    """Write ``<id>.pdf`` into ``out_dir`` unless the file there was written from the same inputs.

    The key (:func:`report_inputs`) is stored beside it as ``<id>.report-key``, written last,
    so an interrupted run never leaves a PDF that looks current but is not. ``shared``:
    :func:`shared_inputs` of the case's reference data, when the caller writes many.
    """
    job = _report_job(evaluated, out_dir, audit, shared)
    return job.current() or _render_report(job)


def write_reports(
    out_dir: Path,
    evaluated_cases: list[EvaluatedCase],
    audits: dict[str, dict] | None = None,
    cache_dir: Path | None = None,
    mapper: Mapper = map,
) -> list[WrittenReport]:
    """Write every case's report PDF into ``out_dir`` (for the site), with its audit record when given.

    With ``cache_dir`` the PDFs are kept there between builds, regenerated only when their
    inputs change, and removed when their case is gone; ``out_dir`` receives copies. The
    PDFs to regenerate are rendered through ``mapper`` (:data:`~casebook.engine.artifacts.Mapper`).
    """
    out_dir = Path(out_dir)
    audits = audits or {}
    shared: dict[Path, Inputs] = {}
    jobs = []
    for evaluated in evaluated_cases:
        reference_dir = _reference_dir(evaluated)
        if reference_dir not in shared:
            shared[reference_dir] = shared_inputs(reference_dir, REPORT_RENDERERS)
        jobs.append(_report_job(evaluated, cache_dir or out_dir, audits.get(evaluated.case.id), shared[reference_dir]))
    written = artifacts.make_stale(jobs, _render_report, mapper)
    if cache_dir is not None:
        artifacts.prune(cache_dir, {e.case.id for e in evaluated_cases}, (".pdf", ".report-key"))
        out_dir.mkdir(parents=True, exist_ok=True)
        for report in written:
            artifacts.link_or_copy(report.pdf, out_dir / report.pdf.name)
    return written
