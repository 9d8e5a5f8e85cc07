"""Build the site: validate every case, execute each case notebook, build the book, publish.

Everything happens in a staging folder beside the output. The published site is replaced
only when every step succeeded, so a failed build leaves the previous site untouched.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from casebook import pages
from casebook.errors import CaseFileError, UserError
from casebook.execute import ExecutionFailure, execute_case
from casebook.report import CaseReport, prepare

CASES_DIR = Path("data") / "cases"
BOOK_SOURCES = ("_config.yml", "_toc.yml", "book")
CASE_PAGES = Path("book") / "cases"


class BuildFailed(Exception):
    """The build stopped; nothing was published. The message says why."""


@dataclass
class BuildSummary:
    cases: int = 0
    executed: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def case_files(root: Path) -> list[Path]:
    """Case files in a stable order (by file name)."""
    return sorted((root / CASES_DIR).glob("*.yaml"))


def validate_all(root: Path) -> list[CaseReport]:
    """Load, validate and compute every case; report every bad file at once."""
    files = case_files(root)
    if not files:
        raise UserError(f"Inga ärendefiler (*.yaml) i {CASES_DIR}.")
    errors: list[CaseFileError] = []
    reports = []
    for path in files:
        try:
            reports.append(prepare(path))
        except CaseFileError as exc:
            errors.append(exc)
    if errors:
        raise UserError("\n\n".join(e.render() for e in errors) + "\n\nInget har körts och webbplatsen är oförändrad.")
    return reports


def build_site(root: Path, output: Path, console: Console | None = None) -> BuildSummary:
    """Build the whole site from the case data under ``root`` into ``output``."""
    console = console or Console(stderr=True)
    started = time.perf_counter()
    root = root.resolve()
    output = output if output.is_absolute() else root / output
    reports = validate_all(root)
    summary = BuildSummary(cases=len(reports))
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".staging-", dir=output.parent) as staging_name:
        staging = Path(staging_name)
        source = staging / "src"
        _stage_book_sources(root, source)
        _execute_all(root, source / CASE_PAGES, output.parent / "failed", reports, summary, console)
        if summary.failed:
            raise BuildFailed(
                f"{len(summary.failed)} av {summary.cases} ärenden misslyckades ({', '.join(summary.failed)}); "
                f"{summary.executed} kördes utan fel. Webbplatsen är oförändrad."
            )
        pages.write_generated(source, reports)
        html = _build_book(source, staging / "out", console)
        _publish(html, output)
    summary.seconds = time.perf_counter() - started
    console.print(
        f"Klart: {summary.cases} ärenden, {summary.executed} körda, {len(summary.failed)} misslyckade, "
        f"{summary.seconds:.1f} s. Webbplatsen finns i {output.relative_to(root) if output.is_relative_to(root) else output}.",
        soft_wrap=True,
    )
    return summary


def _stage_book_sources(root: Path, source: Path) -> None:
    source.mkdir(parents=True)
    for name in BOOK_SOURCES:
        path = root / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("cases", "_generated", ".ipynb_checkpoints"))
        else:
            shutil.copy2(path, source / name)
    (source / CASE_PAGES).mkdir(parents=True)


def _execute_all(
    root: Path, pages_dir: Path, failed_dir: Path, reports: list[CaseReport], summary: BuildSummary, console: Console
) -> None:
    """Execute every case; a failing case is reported and kept for inspection, the rest go on."""
    shutil.rmtree(failed_dir, ignore_errors=True)
    columns = (
        TextColumn("[bold]Kör ärenden"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        TextColumn("kvar"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("", total=len(reports))
        for report in reports:
            case = report.case
            progress.update(task, description=case.id)
            try:
                execute_case(root, case.id, case.title, pages_dir / f"{case.id}.ipynb")
                summary.executed += 1
            except ExecutionFailure as failure:
                summary.failed.append(case.id)
                failed_dir.mkdir(parents=True, exist_ok=True)
                kept = shutil.copy2(pages_dir / f"{case.id}.ipynb", failed_dir / f"{case.id}.ipynb")
                console.print(f"{failure}\nDen körda anteckningsboken finns i {kept}.", style="red", markup=False, soft_wrap=True)
            progress.advance(task)


def _build_book(source: Path, out: Path, console: Console) -> Path:
    """Run Jupyter Book 1 with warnings as errors; return the built HTML folder."""
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [str(jupyter_book), "build", str(source), "--path-output", str(out), "-W", "-n", "--keep-going", "--all"]
    console.print("Bygger webbplatsen med Jupyter Book …")
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        log = (completed.stdout + completed.stderr).strip().splitlines()
        problems = [line for line in log if "WARNING" in line or "ERROR" in line] or log[-20:]
        raise BuildFailed("Jupyter Book misslyckades:\n" + "\n".join(problems[:30]) + "\nWebbplatsen är oförändrad.")
    return out / "_build" / "html"


def _publish(html: Path, output: Path) -> None:
    """Swap the new site in; the old one is removed only after the new one is in place."""
    previous = output.with_name(output.name + ".previous")
    shutil.rmtree(previous, ignore_errors=True)
    if output.exists():
        output.rename(previous)
    html.rename(output)
    shutil.rmtree(previous, ignore_errors=True)
