"""Prove that a published site is what this checkout makes: every case's page, data and documents.

For every case of the project, and every case notebook the site publishes:

- the notebook is matched by the case id recorded inside it (``metadata.casebook.case_id``),
  not by its file name: a notebook published under another case's name is a failure;
- the notebook is executed again from the project's template, in a fresh kernel, with the
  audit record and the build date it was published with, and the result
  must be the published notebook byte for byte (a difference names its cells);
- the audit record must be true: every input it lists (the case file, the template, the
  rules, the reference data) must have the SHA-256 it records, and so must the case file
  the site publishes (``data/arenden/<id>.yaml``);
- every figure on the case page (``book/cases/<id>.html``) must be an image the
  re-executed notebook drew, and have the SHA-256 its name states;
- the memo and the report PDF are rendered again with the package's own
  functions, dated as the published PDF says, and compared byte for byte;
- the open data are written again, dated from the case files' history as the build dates
  them, and compared: each case's rows of the tables, and every other file under ``data/``
  (case files, rule outcomes, sources, schemas, data package, catalogue, 360Giving) whole.

A failure names the published file. Nothing is written outside a temporary folder; the
command line records the result (:func:`write_verification`) in the project's
``_build/verification.json`` when the site is the project's own, or in the verified copy.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import hashlib
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import nbformat
from rich.console import Console

from casebook.domain import clock
from casebook.domain.errors import UserError
from casebook.domain.evaluation import EvaluatedCase, evaluate_case
from casebook.engine import audit, zygote
from casebook.engine.data_history import case_file_history, write_project_open_data
from casebook.engine.documents import write_memo, write_report
from casebook.engine.execute import KERNEL_NAME, ExecutionFailure, NotebookJob, case_job
from casebook.engine.paths import CASE_PAGES, CASE_TEMPLATE, ProjectPaths
from casebook.engine.publish import MARKER, is_published_site
from casebook.engine.validate import validate_all
from casebook.render import pages, typst_pdf
from casebook.render.opendata import CASE_FILES
from casebook.render.opendata_tables import DataHistory, iso_time

PUBLISHED_CASES = Path("_sources") / CASE_PAGES
RECORD_NAME = "verification.json"  # the result, in a verified copy of a site
# Where the site publishes what the book's extra files hold (book/_generated/extra/...).
SITE_OPEN_DATA = pages.OPEN_DATA.relative_to(pages.GENERATED / "extra")


@dataclass(frozen=True)
class Verification:
    """One case's result. ``failed_cells``: what did not reproduce (cells and files), in Swedish."""

    case_id: str
    notebook_sha256: str
    reproduced: bool
    cells: int
    failed_cells: list[str] = field(default_factory=list)


def verify_site(
    paths: ProjectPaths,
    site: Path,
    as_of: dt.date,
    console: Console | None = None,
    jobs: int | None = None,
    own_site: bool = False,
) -> list[Verification]:
    """Verify ``site`` (a published site or a copy of one) against the project at ``paths``.

    ``as_of``: the day of the verification (the command's). The project is checked as of it
    (nothing recorded may come later); each published page, document and open-data file is
    reproduced as of the build date it was made on. ``own_site``: the project's own site,
    whose result is recorded and published; it is refused, before anything runs, when files it
    was built from have changed since (an edit not yet built is not a forgery). A copy is
    judged whatever it says about itself: what it says could be forged.
    """
    if not is_published_site(site):
        raise UserError(
            f"{site} är inte en webbplats som casebook har publicerat (filen {MARKER} saknas); inget har verifierats."
        )
    cases = {evaluated.case.id: evaluated for evaluated in validate_all(paths, as_of)}
    published = sorted((site / PUBLISHED_CASES).glob("*.ipynb"))
    if not published:
        raise UserError(f"Inga publicerade ärendesidor i {site}. Bygg webbplatsen först (make site).")
    problems: dict[str, list[str]] = {case_id: [] for case_id in cases}
    notebooks: dict[str, Path] = {}
    for notebook in published:
        shown = notebook.relative_to(site).as_posix()
        recorded = nbformat.read(notebook, as_version=4).metadata.get("casebook", {}).get("case_id")
        if recorded not in cases:
            problems.setdefault(notebook.stem, []).append(
                f"{shown} anger ärendet {recorded or '(inget)'}, som inte finns i projektet"
            )
        elif recorded != notebook.stem:
            problems.setdefault(notebook.stem, []).append(
                f"{shown} innehåller ärendet {recorded}, inte {notebook.stem}"
            )
        elif recorded in notebooks:
            problems[recorded].append(f"{shown}: ärendet har fler än en publicerad anteckningsbok")
        else:
            notebooks[recorded] = notebook
    if own_site and (changed := _changed_since_build(paths, site, cases, published)):
        raise UserError(
            f"Webbplatsen i {paths.relative(site)} byggdes av andra filer än de som finns nu: "
            f"{'; '.join(changed)}. Bygg den först (make site) och verifiera sedan; inget har verifierats."
        )
    for case_id in cases:
        if case_id not in notebooks and not problems[case_id]:
            problems[case_id].append(f"{PUBLISHED_CASES.as_posix()}/{case_id}.ipynb saknas: ärendet är inte publicerat")

    with tempfile.TemporaryDirectory(prefix="casebook-verify-") as folder:
        work = Path(folder)
        reproduced = _execute_again(paths, cases, notebooks, work, console or Console(stderr=True), jobs)
        cells: dict[str, int] = {}
        for case_id, notebook in notebooks.items():
            found, cells[case_id] = _compare_notebooks(notebook, reproduced.get(case_id), site)
            problems[case_id] += found
            problems[case_id] += _check_audit(paths, site, case_id, notebook)
            if case_id in reproduced and isinstance(reproduced[case_id], Path):
                problems[case_id] += _check_figures(site, case_id, reproduced[case_id])
            problems[case_id] += _check_documents(paths, site, cases[case_id], audit.recorded_audit(notebook), work)
        site_problems = _check_open_data(paths, site, list(cases.values()), notebooks, problems, work, as_of)
    for case_id in problems:  # a file the whole site shares is every case's problem
        problems[case_id] += site_problems
    return [
        Verification(
            case_id=case_id,
            notebook_sha256=audit.sha256_file(notebooks[case_id]) if case_id in notebooks else "",
            reproduced=not found,
            cells=cells.get(case_id, 0),
            failed_cells=found,
        )
        for case_id, found in sorted(problems.items())
    ]


def _changed_since_build(paths: ProjectPaths, site: Path, cases: dict, published: list[Path]) -> list[str]:
    """The files of the checkout that the project's own site was not built from: case files
    edited, added or removed since the build that published it, and the other inputs its
    audit records list (the template, the rules, the reference data) edited since (an
    analyst's edit not yet built is not a forgery, and must not be recorded as a case that
    did not reproduce).

    A case file counts as edited only when the site agrees with itself about the older
    version: its published copy (``data/arenden/<id>.yaml``) has the SHA-256 that the audit
    record of the case's published notebook gives the case file. A published copy or an
    audit record changed on its own is left to the verification, which names it.
    """
    copies = site / SITE_OPEN_DATA / CASE_FILES
    recorded: dict[str, str | None] = {}  # case id → the case file's SHA-256 in its notebook's audit record
    for notebook in published:
        case_id = nbformat.read(notebook, as_version=4).metadata.get("casebook", {}).get("case_id")
        if case_id == notebook.stem:
            entries = (audit.recorded_audit(notebook) or {}).get("inputs", [])
            case_file = paths.relative(paths.case_file(case_id))
            recorded[case_id] = next((e.get("sha256") for e in entries if e.get("path") == case_file), None)

    def built_from(case_id: str) -> bool:
        """The site's own copy of the case file is the one its notebook was executed from."""
        copy = copies / f"{case_id}.yaml"
        return copy.is_file() and recorded.get(case_id) is not None and audit.sha256_file(copy) == recorded[case_id]

    changed = []
    other_inputs = set()
    for notebook in published:
        case_id = notebook.stem
        if case_id not in recorded or case_id not in cases:
            continue
        actual = {paths.relative(file): file for _, file in audit.input_files(paths, CASE_TEMPLATE, case_id)}
        for entry in (audit.recorded_audit(notebook) or {}).get("inputs", []):
            file = actual.get(entry.get("path"))
            not_compared = file is None or file == paths.case_file(case_id) or not file.is_file()
            if not not_compared and audit.sha256_file(file) != entry.get("sha256"):
                other_inputs.add(entry["path"])
    for case_id in sorted(set(cases) | set(recorded)):
        shown = paths.relative(paths.case_file(case_id))
        if case_id not in recorded:
            if not (copies / f"{case_id}.yaml").exists():
                changed.append(f"{shown} har tillkommit")
        elif case_id not in cases:
            if built_from(case_id):
                changed.append(f"{shown} har tagits bort")
        elif built_from(case_id) and audit.sha256_file(paths.case_file(case_id)) != recorded[case_id]:
            changed.append(f"{shown} har ändrats")
    return changed + [f"{path} har ändrats" for path in sorted(other_inputs)]


# --- The notebooks ------------------------------------------------------------------------


def _injected(notebook: Path, name: str) -> object:
    """A parameter as papermill injected it into the notebook (the audit record with its keys in
    their order: the notebook's metadata keeps them sorted, and the order shows in the audit table)."""
    for cell in nbformat.read(notebook, as_version=4).cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [name]:
                    return ast.literal_eval(node.value)
    return None


def _executed_at(notebook: Path) -> str | None:
    recorded = audit.recorded_audit(notebook) or {}
    moment = recorded.get("executed_at")
    return str(int(dt.datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp())) if moment else None


@contextmanager
def _environment(changes: dict[str, str | None]) -> Iterator[None]:
    before = {name: os.environ.get(name) for name in changes}
    for name, value in changes.items():
        os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)
    try:
        yield
    finally:
        for name, value in before.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)


def _execute_again(
    paths: ProjectPaths,
    cases: dict[str, EvaluatedCase],
    notebooks: dict[str, Path],
    work: Path,
    console: Console,
    jobs: int | None,
) -> dict[str, Path | ExecutionFailure]:
    """Each published case notebook executed again from the template, in fresh kernels, with the
    parameters it was published with: its audit record and the build date it was judged on."""
    from casebook.engine.execution import default_notebook_jobs, run_in_workers

    planned = []
    for case_id, notebook in notebooks.items():
        meta = nbformat.read(notebook, as_version=4).metadata.get("casebook", {})
        planned.append(
            case_job(
                paths.root,
                case_id,
                # The file this execution reads, as a build passes it: a published parameter that is not
                # its digest (forged, or the file changed since) shows as a difference in the parameters
                # cell, and the kernel's guard does not stop the comparison of the other cells.
                audit.sha256_file(paths.case_file(case_id)),
                cases[case_id].case.title,
                work / "executed" / f"{case_id}.ipynb",
                _injected(notebook, "audit"),
                meta.get("cache_key", ""),
                _injected(notebook, "as_of"),
                inputs=tuple(meta.get("inputs", ())),
                kernel_name=KERNEL_NAME,
            )
        )
    (work / "executed").mkdir()
    results: dict[str, Path | ExecutionFailure] = {}

    def done(job: NotebookJob, failure: ExecutionFailure | None) -> None:
        results[job.name] = failure if failure is not None else job.output

    if planned:
        with zygote.kernel_environment(), _kernel_output_to(work / "kernels.log") as terminal:
            progress = Console(file=terminal, stderr=True, force_terminal=console.is_terminal)
            run_in_workers(planned, min(jobs or default_notebook_jobs(), len(planned)), progress, done)
    return results


@contextmanager
def _kernel_output_to(log: Path) -> Iterator[io.TextIOWrapper]:
    """Send this process's error output, which the workers and their kernels inherit, to ``log``
    for the block; yields a stream to the terminal for the progress bar. A fresh kernel that is
    shut down can log a harmless ZMQ traceback, which the command's one-line results must not show."""
    sys.stderr.flush()
    terminal = os.dup(2)
    with open(log, "ab") as handle:
        os.dup2(handle.fileno(), 2)
    stream = os.fdopen(os.dup(terminal), "w", encoding="utf-8")
    try:
        yield stream
    finally:
        stream.close()
        sys.stderr.flush()
        os.dup2(terminal, 2)
        os.close(terminal)


def _cell_name(index: int, cell: nbformat.NotebookNode) -> str:
    return f"cell {index + 1}" + (f" ({cell.id})" if cell.get("id") else "")


def _compare_notebooks(
    published: Path, reproduced: Path | ExecutionFailure | None, site: Path
) -> tuple[list[str], int]:
    """What differs between the published notebook and the one executed again; how many cells were compared."""
    shown = published.relative_to(site).as_posix()
    if not isinstance(reproduced, Path):
        return [f"{shown} kunde inte köras om: {reproduced}"], 0
    old, new = nbformat.read(published, as_version=4), nbformat.read(reproduced, as_version=4)
    if published.read_bytes() == reproduced.read_bytes():
        return [], len(new.cells)
    if old == new:  # e.g. written with nbformat's indentation, by a build before 36ed76d
        return [f"{shown}: samma innehåll men inte samma byte (filen är skriven i en annan JSON-form)"], len(new.cells)
    differing = [_cell_name(i, cell) for i, cell in enumerate(old.cells) if i >= len(new.cells) or cell != new.cells[i]]
    if len(new.cells) > len(old.cells):
        differing.append(f"{len(new.cells) - len(old.cells)} celler saknas")
    return [f"{shown}: {name}" for name in differing] or [f"{shown}: metadata"], len(new.cells)


def _check_audit(paths: ProjectPaths, site: Path, case_id: str, notebook: Path) -> list[str]:
    """The audit record's SHA-256 of each input against the input itself, and against the published case file."""
    recorded = audit.recorded_audit(notebook)
    if not recorded:
        return [f"{notebook.relative_to(site).as_posix()}: granskningsspåret saknas"]
    problems = []
    actual = {paths.relative(file): file for _, file in audit.input_files(paths, CASE_TEMPLATE, case_id)}
    case_file = paths.relative(paths.case_file(case_id))
    for entry in recorded.get("inputs", []):
        file = actual.get(entry.get("path"))
        if file is None or not file.is_file() or audit.sha256_file(file) != entry.get("sha256"):
            problems.append(f"granskningsspåret: {entry.get('path')} har inte SHA-256 {str(entry.get('sha256'))[:12]}…")
        if entry.get("path") == case_file:
            shown = (SITE_OPEN_DATA / "arenden" / f"{case_id}.yaml").as_posix()
            published = site / shown
            if not published.is_file() or audit.sha256_file(published) != entry.get("sha256"):
                problems.append(f"{shown} stämmer inte med granskningsspårets SHA-256")
    return problems


# --- Figures, documents, open data --------------------------------------------------------


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources += [value for name, value in attrs if name == "src" and value]


def _output_images(notebook: Path) -> set[str]:
    """SHA-256 of every image the notebook's outputs hold, as the site's image files are named."""
    digests = set()
    for cell in nbformat.read(notebook, as_version=4).cells:
        for output in cell.get("outputs", []):
            for mime, data in output.get("data", {}).items():
                if mime == "image/svg+xml":
                    digests.add(hashlib.sha256(data.encode("utf-8")).hexdigest())
    return digests


def _check_figures(site: Path, case_id: str, reproduced: Path) -> list[str]:
    page = site / CASE_PAGES / f"{case_id}.html"
    if not page.is_file():
        return [f"{page.relative_to(site).as_posix()} saknas"]
    parser = _Images()
    parser.feed(page.read_text(encoding="utf-8"))
    drawn = _output_images(reproduced)
    problems = []
    for source in parser.sources:
        image = (page.parent / source).resolve()
        shown = image.relative_to(site.resolve()).as_posix() if image.is_relative_to(site.resolve()) else source
        if not image.is_file():
            problems.append(f"figuren {shown} saknas")
        elif image.suffix == ".svg" and (audit.sha256_file(image) != image.stem or image.stem not in drawn):
            problems.append(
                f"figuren {shown} på {page.relative_to(site).as_posix()} är inte den som anteckningsboken ritar"
            )
    return problems


def _date_of(epoch: str) -> dt.date:
    """The build date of a moment given as ``SOURCE_DATE_EPOCH``."""
    return clock.date_of(dt.datetime.fromtimestamp(int(epoch), dt.UTC))


def _pdf_date(pdf: Path) -> str | None:
    """``SOURCE_DATE_EPOCH`` of the moment a published PDF says it was written."""
    moment = typst_pdf.creation_moment(pdf.read_bytes()) if pdf.is_file() else None
    return str(int(moment.timestamp())) if moment else None


def _check_documents(
    paths: ProjectPaths, site: Path, evaluated: EvaluatedCase, recorded_audit: dict | None, work: Path
) -> list[str]:
    """The memo and the report rendered again, as of the date in the published PDF, compared byte for byte."""
    case_id = evaluated.case.id
    problems = []
    for folder, render in (
        ("memo", lambda as_of_case, out: write_memo(as_of_case, out, draft=False)),
        ("rapport", lambda as_of_case, out: write_report(as_of_case, out, recorded_audit)),
    ):
        pdf = site / folder / f"{case_id}.pdf"
        epoch = _pdf_date(pdf)
        if epoch is None:
            problems.append(
                f"{folder}/{case_id}.pdf är inte det dokument som paketet skriver (dess datum går inte att läsa)"
                if pdf.is_file()
                else f"{folder}/{case_id}.pdf saknas"
            )
            continue
        out = work / folder / case_id
        with _environment({"SOURCE_DATE_EPOCH": epoch}):
            # Evaluated again as of the document's date: a follow-up's rules are judged on it.
            render(evaluate_case(evaluated.source, paths.reference_dir, as_of=_date_of(epoch)), out)
        if pdf.read_bytes() != (out / pdf.name).read_bytes():
            problems.append(f"{folder}/{pdf.name} är inte det dokument som paketet skriver")
    return problems


def _rows_by_case(path: Path) -> dict[str, list[str]] | None:
    """The rows of a published table (CSV, or JSON: a list of objects), keyed by their ``case_id``; None for other files."""
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(text)))
    elif path.suffix == ".json":
        try:
            data = json.loads(text)
        except ValueError:
            return {}
        rows = data if isinstance(data, list) else None
        if rows is None:
            return None
    else:
        return None
    grouped: dict[str, list[str]] = {}
    for row in rows:
        if isinstance(row, dict) and "case_id" in row:
            grouped.setdefault(str(row["case_id"]), []).append(json.dumps(row, sort_keys=True, ensure_ascii=False))
    return grouped if grouped or not rows else None


def _build_history(paths: ProjectPaths, case_ids: list[str], published_dir: Path, as_of: str | None) -> DataHistory:
    """The case files' history as the build dated them. Committed case files are dated from git
    either way; a case file not committed by its modification time, or, in a build that fixed
    ``SOURCE_DATE_EPOCH``, by that moment (:func:`~casebook.render.opendata_tables.file_time`).
    Which of the two the build used is read from the published data package's ``created``;
    when neither matches, the first, and the comparison names what differs."""
    candidates = [case_file_history(paths, case_ids)]
    with _environment({"SOURCE_DATE_EPOCH": as_of}):
        candidates.append(case_file_history(paths, case_ids))
    try:
        created = json.loads((published_dir / "datapackage.json").read_text(encoding="utf-8")).get("created")
    except (OSError, ValueError, AttributeError):
        created = None
    return next((h for h in candidates if h.cases and iso_time(h.created()) == created), candidates[0])


def _check_open_data(
    paths: ProjectPaths,
    site: Path,
    cases: list[EvaluatedCase],
    notebooks: dict[str, Path],
    problems: dict[str, list[str]],
    work: Path,
    today: dt.date,
) -> list[str]:
    """Write the open data again and compare: each case's rows into its problems; what differs in
    the other files is returned (a problem of every case)."""
    published_dir = site / SITE_OPEN_DATA
    # Judged on the day the site was built: the latest day a published notebook was executed.
    epochs = [epoch for epoch in (_executed_at(n) for n in notebooks.values()) if epoch]
    as_of = clock.fixed_epoch() or (max(epochs, key=int) if epochs else None)
    rebuilt_dir = work / "data"
    reference = paths.reference_dir
    history = _build_history(paths, [e.case.id for e in cases], published_dir, as_of)
    day = _date_of(as_of) if as_of else today
    with _environment({"SOURCE_DATE_EPOCH": as_of}):
        cases = [evaluate_case(evaluated.source, reference, as_of=day) for evaluated in cases]  # judged as of that day
        written = write_project_open_data(paths, cases, rebuilt_dir, day, history)
    site_problems = []
    for rebuilt in written:
        relative = rebuilt.relative_to(rebuilt_dir)  # some files are in folders (data/ holds the case files)
        published = published_dir / relative
        shown = (SITE_OPEN_DATA / relative).as_posix()
        if published.is_file() and published.read_bytes() == rebuilt.read_bytes():
            continue
        old, new = _rows_by_case(published), _rows_by_case(rebuilt)
        if old is None or new is None:
            site_problems.append(f"{shown} är inte den fil som paketet skriver")
            continue
        for case_id in sorted(old.keys() | new.keys()):
            if old.get(case_id) != new.get(case_id):
                problems.setdefault(case_id, []).append(f"{shown}: ärendets rader stämmer inte")
    return site_problems


def write_verification(path: Path, results: list[Verification], moment: dt.datetime) -> None:
    """Record ``results`` as verified at ``moment`` (the command's, from the one clock)."""
    verified_at = audit.execution_time(moment)
    data = {"verified_at": verified_at, "results": [asdict(r) for r in results]}
    # In GitHub Actions, the run that verified: the Verifiering page links it.
    if all(os.environ.get(name) for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")):
        data["run_url"] = (
            f"{os.environ['GITHUB_SERVER_URL']}/{os.environ['GITHUB_REPOSITORY']}/actions/runs/{os.environ['GITHUB_RUN_ID']}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
