"""Build the site: validate every case, execute what changed, build the book, publish.

Everything happens in a staging folder beside the output. The published site is replaced
only when every step succeeded, so a failed build leaves the previous site untouched.
Case notebooks are executed in parallel worker processes, each case in its own fresh
kernel, and reused from the execution cache when none of their inputs changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from casebook.engine import audit
from casebook.render import pages
from casebook.engine import site
from casebook.engine import zygote
from casebook.engine.cache import ExecutionCache, case_key, shared_digest
from casebook.domain.errors import CaseFileError, UserError
from casebook.engine.execute import KERNEL_NAME, CaseJob, ExecutionFailure, execute_case, execute_portfolio
from casebook.render.opendata import write_open_data
from casebook.render.memo import write_memos
from casebook.domain.reference import load_national_agencies, load_publisher, load_regional_actors
from casebook.domain.evaluation import EvaluatedCase, evaluate_case
from casebook.domain.payments import as_of_date

CASES_DIR = Path("data") / "cases"
REFERENCE_DIR = Path("data") / "reference"
BOOK_SOURCES = ("_config.yml", "_toc.yml", "book")
CASE_PAGES = Path("book") / "cases"
PORTFOLIO_PAGE = Path("book") / "portfolio.ipynb"
PORTFOLIO_KEY = "_portfolio"  # case ids cannot start with "_", so this never clashes


SITE_BUILD_LABELS = {"full": "helt ombyggd", "incremental": "ändrade sidor ombyggda", "unchanged": "oförändrad"}


class BuildFailed(Exception):
    """The build stopped; nothing was published. The message says why."""


@dataclass
class BuildSummary:
    cases: int = 0
    executed: int = 0
    reused: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    execute_seconds: float = 0.0
    book_seconds: float = 0.0
    site_build: str = ""  # "full", "incremental" or "unchanged" (see casebook.engine.site)


def case_files(root: Path) -> list[Path]:
    """Case files in a stable order (by file name)."""
    return sorted((root / CASES_DIR).glob("*.yaml"))


def validate_all(root: Path) -> list[EvaluatedCase]:
    """Load, validate and compute every case; report every bad file at once."""
    files = case_files(root)
    if not files:
        raise UserError(f"Inga ärendefiler (*.yaml) i {CASES_DIR}.")
    errors: list[CaseFileError] = []
    reports = []
    for path in files:
        try:
            reports.append(evaluate_case(path))
        except CaseFileError as exc:
            errors.append(exc)
    if errors:
        raise UserError("\n\n".join(e.render() for e in errors) + "\n\nInget har körts och webbplatsen är oförändrad.")
    return reports


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def build_site(
    root: Path, output: Path, console: Console | None = None, jobs: int | None = None, fork_kernels: bool = True
) -> BuildSummary:
    """Build the whole site from the case data under ``root`` into ``output``.

    With ``fork_kernels`` each case's fresh kernel is forked from a process that has
    already imported the scientific stack (``casebook.engine.zygote``); otherwise each kernel
    starts from scratch.
    """
    console = console or Console(stderr=True)
    started = time.perf_counter()
    root = root.resolve()
    output = output if output.is_absolute() else root / output
    reports = validate_all(root)
    summary = BuildSummary(cases=len(reports))
    cache = ExecutionCache(root)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".staging-", dir=output.parent) as staging_name:
        staging = Path(staging_name)
        source = staging / "src"
        _stage_book_sources(root, source)
        executing = time.perf_counter()
        jobs_to_run = plan_executions(root, reports, cache, staging / "executed")
        summary.reused = len(reports) - len(jobs_to_run)
        portfolio_key = _portfolio_key(root)
        portfolio_stale = not cache.is_fresh(PORTFOLIO_KEY, portfolio_key)
        forking = fork_kernels and (jobs_to_run or portfolio_stale)
        with zygote.running() if forking else nullcontext(KERNEL_NAME) as kernel_name:
            jobs_to_run = [replace(job, kernel_name=kernel_name) for job in jobs_to_run]
            _execute_all(jobs_to_run, cache, output.parent / "failed", summary, console, jobs or default_jobs())
            if summary.failed:
                raise BuildFailed(
                    f"{len(summary.failed)} av {summary.cases} ärenden misslyckades ({', '.join(summary.failed)}); "
                    f"{summary.executed} kördes utan fel. Webbplatsen är oförändrad."
                )
            if portfolio_stale:
                _execute_portfolio(root, staging / "portfolio.ipynb", cache, portfolio_key, kernel_name)
        summary.execute_seconds = time.perf_counter() - executing
        cache.prune({r.case.id for r in reports} | {PORTFOLIO_KEY})
        for report in reports:
            shutil.copyfile(cache.notebook(report.case.id), source / CASE_PAGES / f"{report.case.id}.ipynb")
        shutil.copyfile(cache.notebook(PORTFOLIO_KEY), source / PORTFOLIO_PAGE)
        actors = load_regional_actors(root / REFERENCE_DIR)
        reference = root / REFERENCE_DIR
        write_open_data(source / pages.OPEN_DATA, reports, actors, agencies=load_national_agencies(reference), publisher=load_publisher(reference))
        write_memos(source / pages.GENERATED / "extra" / "memo", reports, cache_dir=root / "_build" / "cache" / "memo")
        published = {r.case.id: audit.sha256_file(cache.notebook(r.case.id)) for r in reports}
        pages.write_generated(source, reports, verification_file(root), published)
        building = time.perf_counter()
        console.print("Bygger webbplatsen med Jupyter Book …")
        try:
            built, summary.site_build = site.build_html(root, source)
        except site.SiteBuildFailed as exc:
            raise BuildFailed(f"Jupyter Book misslyckades:\n{exc}\nWebbplatsen är oförändrad.") from None
        summary.book_seconds = time.perf_counter() - building
        shutil.copytree(built, staging / "html")
        _publish(staging / "html", output)
    summary.seconds = time.perf_counter() - started
    shown = output.relative_to(root) if output.is_relative_to(root) else output
    console.print(
        f"Klart: {summary.cases} ärenden, {summary.executed} körda, {summary.reused} återanvända, "
        f"{len(summary.failed)} misslyckade, {summary.seconds:.1f} s "
        f"(webbplatsen: {SITE_BUILD_LABELS[summary.site_build]}). Webbplatsen finns i {shown}.",
        soft_wrap=True,
    )
    return summary


def verification_file(root: Path) -> Path:
    return root / "_build" / "verification.json"


def _stage_book_sources(root: Path, source: Path) -> None:
    source.mkdir(parents=True)
    for name in BOOK_SOURCES:
        path = root / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("cases", "_generated", ".ipynb_checkpoints"))
        else:
            shutil.copy2(path, source / name)
    (source / CASE_PAGES).mkdir(parents=True)


def plan_executions(root: Path, reports: list[EvaluatedCase], cache: ExecutionCache, work: Path) -> list[CaseJob]:
    """A job for each case whose inputs changed since it was last executed (see ``casebook.engine.cache``)."""
    shared = shared_digest(root)
    commit = audit.git_commit(root)
    work.mkdir(parents=True, exist_ok=True)
    jobs = []
    for report in reports:
        case = report.case
        history = audit.change_history(root, case.id)
        # A follow-up is judged as of the build date (overdue final report), so its page is redone each day.
        as_of = as_of_date().isoformat() if case.follow_up is not None else ""
        key = case_key(root, case.id, shared, history, as_of)
        if cache.is_fresh(case.id, key):
            continue
        record = audit.audit_record(root, case.id, commit, history)
        jobs.append(CaseJob(root, case.id, case.title, work / f"{case.id}.ipynb", record, key))
    return jobs


def _execute_all(
    jobs: list[CaseJob], cache: ExecutionCache, failed_dir: Path, summary: BuildSummary, console: Console, workers: int
) -> None:
    """Execute cases in parallel; a failing case is reported and kept for inspection, the rest go on."""
    shutil.rmtree(failed_dir, ignore_errors=True)
    if not jobs:
        return
    columns = (
        TextColumn("[bold]Kör ärenden"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
        TimeElapsedColumn(), TextColumn("kvar"), TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as progress, ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        task = progress.add_task("", total=len(jobs))
        futures = {pool.submit(execute_case, job): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            failure = future.result()
            if failure is None:
                cache.store(job.case_id, job.cache_key, job.output)
                summary.executed += 1
            else:
                _report_failure(failure, job, failed_dir, summary, console)
            progress.update(task, advance=1, description=job.case_id)


def _report_failure(failure: ExecutionFailure, job: CaseJob, failed_dir: Path, summary: BuildSummary, console: Console) -> None:
    summary.failed.append(job.case_id)
    message = str(failure)
    if job.output.exists():
        failed_dir.mkdir(parents=True, exist_ok=True)
        kept = shutil.copy2(job.output, failed_dir / f"{job.case_id}.ipynb")
        message += f"\nDen körda anteckningsboken finns i {kept}."
    console.print(message, style="red", markup=False, soft_wrap=True)


def _portfolio_key(root: Path) -> str:
    """The portfolio depends on every case file, everything the cases share and the build date
    (overdue final reports, projects closing soon)."""
    digest = hashlib.sha256(shared_digest(root).encode() + as_of_date().isoformat().encode())
    for path in case_files(root):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _execute_portfolio(root: Path, output: Path, cache: ExecutionCache, key: str, kernel_name: str) -> None:
    failure = execute_portfolio(root, output, kernel_name)
    if failure is not None:
        raise BuildFailed(f"Portföljen kunde inte köras: {failure}. Webbplatsen är oförändrad.")
    cache.store(PORTFOLIO_KEY, key, output)


def _publish(html: Path, output: Path) -> None:
    """Swap the new site in; the old one is removed only after the new one is in place."""
    previous = output.with_name(output.name + ".previous")
    shutil.rmtree(previous, ignore_errors=True)
    if output.exists():
        output.rename(previous)
    html.rename(output)
    shutil.rmtree(previous, ignore_errors=True)
