"""Build the site, in named stages: validate → plan → execute → assemble → build the book → publish.

Everything happens in a staging folder beside the output. The published site is replaced
only when every stage succeeded, so a failed or interrupted build leaves the previous
site untouched. Notebooks (each case, and the portfolio) are executed in parallel worker
processes, each in its own fresh kernel, and reused from the execution cache when none of
their declared inputs changed (``casebook.engine.cache``).

Interruption (Ctrl-C, SIGTERM or SIGHUP, turned into ``KeyboardInterrupt`` by the command line):
no queued notebook starts, running kernels and workers are stopped, every notebook that
finished is already in the cache (each is stored as it completes), and the staging
folder is removed. :class:`BuildInterrupted` says how far the build got.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from rich.console import Console

from casebook.domain import clock
from casebook.domain import formatting as fmt
from casebook.domain.errors import CaseFileChanged, UserError
from casebook.domain.evaluation import EvaluatedCase, changed_case_files
from casebook.domain.reference import load_publisher
from casebook.engine import artifacts, audit, heap, lifetime, zygote
from casebook.engine.cache import PORTFOLIO, ExecutionCache
from casebook.engine.code import code_version
from casebook.engine.data_history import write_project_open_data
from casebook.engine.documents import write_memos, write_reports
from casebook.engine.execute import DEFAULT_TIMEOUT
from casebook.engine.execution import BuildInterrupted, ExecutionResult, Kernels, execute_plan
from casebook.engine.paths import CASE_PAGES, PORTFOLIO_PAGE, ProjectPaths
from casebook.engine.plan import ExecutionPlan, MissingShards, plan_executions, require_merged_shards
from casebook.engine.publish import check_output, project_lock, publish, remove_old_versions, stage_version
from casebook.engine.shards import Shard
from casebook.engine.site import BookBuild, PersistentBook, SiteBuildFailed, build_html, default_jobs, update_pages
from casebook.engine.validate import EvaluationCache, validate_all
from casebook.engine.workers import document_workers, in_background
from casebook.render import pages

__all__ = [
    "BuildFailed",
    "BuildInterrupted",
    "BuildOptions",
    "BuildSummary",
    "CodeChanged",
    "Kernels",
    "Shard",
    "build_preview",
    "build_shard",
    "build_site",
    "check_publisher",
]


class BuildFailed(Exception):
    """The build stopped; nothing was published. The message says why."""


class CodeChanged(BuildFailed):
    """The package's code or the installed packages changed while the build's processes ran the
    earlier version; what the build stored in its caches was forgotten, nothing was published."""

    def __init__(self) -> None:
        super().__init__(
            "Paketets kod (eller de installerade paketen) ändrades medan bygget körde den tidigare versionen; "
            "det som bygget sparade i cachen är bortglömt och webbplatsen är oförändrad. Kör bygget igen."
        )


class DataChanged(BuildFailed):
    """Case files or reference data were saved (``changed``: changed or removed; ``added``: new
    case files) while the build had read them: what it stored in its caches was forgotten and
    nothing was published (``casebook serve`` builds again for the save)."""

    def __init__(self, changed: list[str], added: list[str] | None = None) -> None:
        self.changed, self.added = changed, added or []
        said = []
        if self.changed:
            pronoun = "den" if len(self.changed) == 1 else "dem"
            said.append(
                f"{_files_named(self.changed)} ändrades medan bygget körde, efter att bygget hade läst {pronoun}"
            )
        if self.added:  # the build never read these
            said.append(f"{_files_named(self.added)} lades till medan bygget körde")
        said[1:] = [clause[0].lower() + clause[1:] for clause in said[1:]]
        super().__init__(
            "; ".join(said) + "; det som bygget sparade i cachen är bortglömt och webbplatsen är oförändrad. "
            "Kör bygget igen."
        )

    @property
    def named(self) -> str:
        """Every file, an added one marked "(ny)" (``casebook serve``'s line)."""
        return _files_named(self.changed + [f"{file} (ny)" for file in self.added])


def _files_named(files: list[str]) -> str:
    return f"Filen {files[0]}" if len(files) == 1 else f"Filerna {', '.join(files)}"


@dataclass(frozen=True)
class BuildOptions:
    jobs: int | None = None  # parallel notebooks (default: two per core) and document workers (one per core)
    kernels: Kernels = Kernels.FORKED
    timeout: float = DEFAULT_TIMEOUT  # seconds per notebook
    wait: bool = False  # wait for another build of the project instead of stopping
    assemble: bool = False  # every case must already be fresh in the cache (merged shards)
    # casebook serve keeps these between builds (None: each build starts its own):
    zygote: zygote.Zygote | None = None  # a running zygote to fork kernels from
    book: PersistentBook | None = None  # a kept Jupyter Book process
    # casebook.engine.code.code_version of what the build's processes run (serve: its session's);
    # None: what is on disk when the build starts.
    code: str | None = None
    publish: bool = False  # a build for publication: placeholders in publisher.yaml stop it (--publish)
    # The build's one moment (casebook.domain.clock.now), and its date the one every case, page,
    # document and open-data row is judged on; None: read from the clock once, as the build starts.
    moment: dt.datetime | None = None

    def fixed(self) -> BuildOptions:
        """These options with the build's moment fixed: the caller's, else the clock's now."""
        return self if self.moment is not None else replace(self, moment=clock.now())

    @property
    def as_of(self) -> dt.date:
        """The build date, of options whose moment is :meth:`fixed`."""
        return clock.date_of(self.moment)


@dataclass
class BuildSummary:
    """What a build did; written as JSON by ``casebook build --summary``."""

    cases: int = 0
    executed: int = 0
    reused: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    execute_seconds: float = 0.0
    book_seconds: float = 0.0
    site_build: str = ""  # a casebook.engine.site.SiteBuild value
    # The extensions that kept Sphinx from reading and writing in parallel (a developer's
    # concern, so here and not on the console, where every build would repeat it).
    site_serial_because: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


# --- Stage 4: assemble the book sources ---------------------------------------------------


def assemble_sources(
    paths: ProjectPaths,
    cases: list[EvaluatedCase],
    cache: ExecutionCache,
    source: Path,
    open_data: Path,
    open_data_written: Callable[[], object],
    jobs: int | None = None,
) -> None:
    """The book to build: hand-written pages, executed notebooks, generated pages, open data.

    ``open_data``: the folder the open data are written into in the background
    (:func:`_build_site`); ``open_data_written`` waits for them. ``jobs``: processes that
    render documents (default: one per core).
    """
    source.mkdir(parents=True)
    for path in paths.book_sources:
        if path.is_dir():
            shutil.copytree(
                path,
                source / path.name,
                ignore=shutil.ignore_patterns("cases", "_generated", ".ipynb_checkpoints", "__pycache__"),
            )
        else:
            shutil.copy2(path, source / path.name)
    (source / CASE_PAGES).mkdir(parents=True)
    # Linked, not copied (1,1 s at N = 1 000): the cache writes a notebook anew, never in place.
    for evaluated in cases:
        artifacts.link_or_copy(cache.notebook(evaluated.case.id), source / CASE_PAGES / f"{evaluated.case.id}.ipynb")
    artifacts.link_or_copy(cache.notebook(PORTFOLIO), source / PORTFOLIO_PAGE)
    audits = {e.case.id: cache.audit(e.case.id) for e in cases}
    with document_workers(jobs or default_jobs()) as mapper:
        write_memos(source / pages.GENERATED / "extra" / "memo", cases, cache_dir=paths.memo_cache_dir, mapper=mapper)
        write_reports(
            source / pages.GENERATED / "extra" / "rapport",
            cases,
            cache_dir=paths.report_cache_dir,
            audits=audits,
            mapper=mapper,
        )
    published = {e.case.id: audit.sha256_file(cache.notebook(e.case.id)) for e in cases}
    histories = {case_id: (recorded or {}).get("history") or [] for case_id, recorded in audits.items()}
    (source / pages.OPEN_DATA).parent.mkdir(parents=True, exist_ok=True)
    open_data_written()
    open_data.rename(source / pages.OPEN_DATA)  # the open-data page lists what it holds
    publisher = load_publisher(paths.reference_dir)
    pages.write_generated(source, cases, paths.verification_file, published, publisher, histories)


# --- Stage 5: build the book --------------------------------------------------------------


def build_book(paths: ProjectPaths, source: Path, options: BuildOptions | None = None) -> BookBuild:
    options = options or BuildOptions()
    try:
        return build_html(paths.site_work, source, persistent=options.book)
    except SiteBuildFailed as exc:
        raise BuildFailed(f"Jupyter Book misslyckades:\n{exc}\nWebbplatsen är oförändrad.") from None


# --- The whole build ----------------------------------------------------------------------


STAGING_PREFIX = ".staging-"


@contextmanager
def _staging(output: Path) -> Iterator[Path]:
    """A temporary folder beside the output, so publishing is a rename on the same file system.

    What earlier builds left when they were killed (their staging folders, the temporary
    link of a publish stopped before its swap, their zygotes' socket folders) is removed
    first; only folders that record a maker that no longer runs (:func:`casebook.engine.lifetime.claim`).
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    lifetime.remove_abandoned(output.parent, f"{STAGING_PREFIX}*")
    remove_old_versions(output)
    zygote.remove_abandoned_folders()
    with tempfile.TemporaryDirectory(prefix=STAGING_PREFIX, dir=output.parent) as name:
        lifetime.claim(Path(name))
        yield Path(name)


def _now() -> float:
    """The wall-clock time to compare files' modification times with, a second early: a file
    system stamps them from a coarser clock that can lag ``time.time()`` by milliseconds."""
    return time.time() - 1.0


_warned_placeholders: set[Path] = set()


def check_publisher(paths: ProjectPaths, publish: bool, console: Console) -> None:
    """Stop a build for publication whose ``publisher.yaml`` still holds placeholders; warn once
    (per process) in any other build.

    The refusal is tied to ``--publish``, which the deploy jobs pass, not to ``CI``: the
    repository's own CI builds and tests with the placeholder publisher it ships.
    """
    placeholders = load_publisher(paths.reference_dir).placeholders()
    if not placeholders:
        return
    named = f"{', '.join(placeholders[:-1])} och {placeholders[-1]}" if len(placeholders) > 1 else placeholders[0]
    where = f"{paths.relative(paths.reference_dir / 'publisher.yaml')}: {named}"
    if publish:
        raise UserError(
            f"Webbplatsen publiceras inte: {where} är platshållare (en adress under en domän för exempel, "
            "som example.invalid). Ange de riktiga adresserna först."
        )
    if paths.reference_dir not in _warned_placeholders:
        _warned_placeholders.add(paths.reference_dir)
        console.print(
            f"Varning: {where} är platshållare; sidorna, öppna data och katalogen nämner dem. "
            "Ett bygge för publicering (casebook build --publish) stoppas tills de är ifyllda.",
            style="yellow",
            markup=False,
            soft_wrap=True,
        )


def _require_same_code(paths: ProjectPaths, code: str, since: float) -> None:
    """Raise :class:`CodeChanged` if the package or the installed packages are no longer ``code``.

    Every cache key hashes the package's files on disk; the processes that executed and
    rendered run the code they started with. If the two differ, the entries this build
    stored (written since ``since``, see :func:`_now`) could hold the earlier code's output
    under a key naming the new code: their keys are removed, so no later build reuses them.

    Called between the stages, it is also where a stop signal whose exception Python dropped
    (:func:`casebook.engine.lifetime.stop_if_requested`) ends the build.
    """
    lifetime.stop_if_requested()
    if code_version(paths.package_dir) == code:
        return
    _forget_stored_since(paths, since)
    raise CodeChanged()


def _forget_stored_since(paths: ProjectPaths, since: float) -> None:
    """Remove the keys of the cache entries written since ``since``: no later build reuses them."""
    for folder in (paths.cache_dir, paths.memo_cache_dir, paths.report_cache_dir):
        for key in folder.glob("*key") if folder.is_dir() else ():
            if key.stat().st_mtime >= since:
                key.unlink()


@dataclass(frozen=True)
class _DataRead:
    """The data files a build reads, as it read them: its evaluated cases (each with the
    SHA-256 of the bytes it was computed from) and the reference data's files (their SHA-256,
    taken before the cases were evaluated). ``every_case``: ``cases`` are all the project's (a
    whole build, whose portfolio lists the folder), so a case file added since counts too."""

    cases: list[EvaluatedCase]
    reference: dict[Path, str]
    every_case: bool = True

    def changes(self, paths: ProjectPaths) -> tuple[list[str], list[str]]:
        """The files changed or removed since they were read, and the case files added since."""
        now = _reference_digests(paths)
        changed = [paths.relative(path) for path in changed_case_files(self.cases)] + [
            paths.relative(path)
            for path in sorted(now.keys() | self.reference.keys())
            if now.get(path) != self.reference.get(path)
        ]
        checked = {evaluated.source for evaluated in self.cases}
        added = [paths.relative(path) for path in paths.case_files() if path not in checked] if self.every_case else []
        return changed, added


def _reference_digests(paths: ProjectPaths) -> dict[Path, str]:
    return {path: audit.sha256_file(path) for path in paths.reference_files()}


def _require_same_data(paths: ProjectPaths, read: _DataRead, since: float) -> None:
    """Raise :class:`DataChanged` if a case file or reference file no longer has the bytes the build read.

    The case notebooks, the portfolio's, the documents and the open data each compare the
    case file they read with the bytes the build checked (:func:`casebook.render.case_view.prepare`,
    :meth:`casebook.engine.validate.EvaluationCache.checked`,
    :func:`casebook.domain.evaluation.case_file_bytes`); this, called once they have all
    read, catches a file saved after its reader ran, or removed or added, and the reference
    data saved at any time since the build began. What the build stored is forgotten, as when
    the code changed: an entry could hold one version of a case under the key of another.
    """
    changed, added = read.changes(paths)
    if changed or added:
        _forget_stored_since(paths, since)
        raise DataChanged(changed, added)


@contextmanager
def _data_watched(paths: ProjectPaths, read: _DataRead, since: float) -> Iterator[None]:
    """A reader in the block that found a case file changed (:class:`CaseFileChanged`) stops the
    build as :func:`_require_same_data` does, naming every file changed by then."""
    try:
        yield
    except CaseFileChanged as exc:
        _forget_stored_since(paths, since)
        changed, added = read.changes(paths)
        if not (changed or added):  # saved back to the checked bytes since: still refused, naming it
            changed = [paths.relative(exc.path)]
        raise DataChanged(changed, added) from None


def _damage_reported(console: Console):
    """Cache entries found damaged in the block are named, one line each (they are made again)."""
    return artifacts.reported(lambda line: console.print(line, style="yellow", markup=False, soft_wrap=True))


def _execute(
    paths: ProjectPaths, plan: ExecutionPlan, cache: ExecutionCache, console: Console, options: BuildOptions
) -> ExecutionResult:
    """Execute ``plan`` as ``options`` ask: how many notebooks at once, which kernels, how long each may take."""
    return execute_plan(
        paths,
        plan,
        cache,
        console,
        jobs=options.jobs,
        kernels=options.kernels,
        zygote=options.zygote,
        timeout=options.timeout,
    )


def _failure_summary(summary: BuildSummary) -> str:
    cases = [name for name in summary.failed if name != PORTFOLIO]
    parts = []
    if cases:
        parts.append(
            f"{len(cases)} av {fmt.plural(summary.cases, 'ärende', 'ärenden')} misslyckades ({', '.join(cases)}); "
            f"{summary.executed} kördes utan fel."
        )
    if PORTFOLIO in summary.failed:
        parts.append("Portföljen kunde inte köras.")
    return " ".join(parts) + " Webbplatsen är oförändrad."


def build_site(
    paths: ProjectPaths, output: Path | None = None, console: Console | None = None, options: BuildOptions | None = None
) -> BuildSummary:
    """Build the whole site from the project at ``paths`` and publish it at ``output`` (default ``_build/html``)."""
    console = console or Console(stderr=True)
    options = (options or BuildOptions()).fixed()
    output = output or paths.site
    output = output if output.is_absolute() else paths.root / output
    started, since = time.perf_counter(), _now()
    code = options.code or code_version(paths.package_dir)

    check_output(output)  # before any work: a folder that is not ours is refused at once
    with _zygote_launched(options) as launched:
        if launched is not None:
            options = replace(options, zygote=launched)
        return _build_site(paths, output, console, options, started, since, code, launched)


@contextmanager
def _zygote_launched(options: BuildOptions) -> Iterator[zygote.Zygote | None]:
    """A zygote starting (importing the kernel's packages, 1–4 s) while the build validates
    and plans on the other core; the build stops it once the notebooks have run, and at the
    latest when the block ends. None when the caller keeps one (``casebook serve``), fresh
    kernels are asked for, or it cannot be started (executing then tries once more, and
    falls back to fresh kernels with a warning)."""
    if options.kernels is not Kernels.FORKED or (options.zygote is not None and options.zygote.is_running()):
        yield None
        return
    early = zygote.Zygote()
    try:
        try:
            early.launch()
        except zygote.ZygoteUnavailable:
            early.stop()
            yield None
            return
        yield early
    finally:
        early.stop()


def _build_site(
    paths: ProjectPaths,
    output: Path,
    console: Console,
    options: BuildOptions,
    started: float,
    since: float,
    code: str,
    launched: zygote.Zygote | None,
) -> BuildSummary:
    reference = _reference_digests(paths)  # before the cases are evaluated with it
    with _damage_reported(console):
        evaluations = EvaluationCache(paths, options.as_of)
        cases = validate_all(paths, options.as_of, evaluations)  # before the lock: a bad case file leaves no trace
    read = _DataRead(cases, reference)
    check_publisher(paths, options.publish, console)
    summary = BuildSummary(cases=len(cases))
    cache = ExecutionCache(paths)
    with (
        heap.long_lived(),  # the evaluated cases, held to the end: not walked by every collection
        project_lock(paths.lock_file, wait=options.wait),
        _staging(output) as staging,
        _damage_reported(console),
        _data_watched(paths, read, since),
    ):
        _require_same_code(paths, code, since)  # the cases were evaluated by the code this process runs
        evaluations.save()
        plan = plan_executions(paths, cases, cache, staging / "executed", options.moment)
        summary.reused = plan.reused_cases
        if options.assemble:
            try:
                require_merged_shards(plan)
            except MissingShards as exc:
                raise BuildFailed(str(exc)) from None
        # The open data need the cases only: written on the core that the kernels (one changed
        # case and the portfolio) leave idle, and beside the rest of the assembling.
        open_data = staging / "open-data"
        with in_background(write_project_open_data, paths, cases, open_data, options.as_of) as open_data_written:
            executing = time.perf_counter()
            result = _execute(paths, plan, cache, console, options)
            if launched is not None:  # its memory is not held through the site build
                launched.stop()
            summary.executed = sum(1 for name in result.executed if name != PORTFOLIO)
            summary.failed = [failure.name for failure in result.failed]
            summary.execute_seconds = time.perf_counter() - executing
            _require_same_code(paths, code, since)
            if result.failed:
                _require_same_data(paths, read, since)  # a case saved meanwhile fails its notebook: said so
                raise BuildFailed(_failure_summary(summary))
            cache.prune({e.case.id for e in cases} | {PORTFOLIO})

            assemble_sources(paths, cases, cache, staging / "src", open_data, open_data_written, options.jobs)
        _require_same_code(paths, code, since)
        _require_same_data(paths, read, since)  # every reader of the case files is done
        console.print("Bygger webbplatsen med Jupyter Book …")
        building = time.perf_counter()
        book = build_book(paths, staging / "src", options)
        summary.book_seconds = time.perf_counter() - building
        summary.site_build = book.kind.value
        summary.site_serial_because = list(book.serial_because)

        lifetime.stop_if_requested()
        stage_version(book.html, staging / "html", output)
        publish(staging / "html", output)
    summary.seconds = time.perf_counter() - started
    shown = output.relative_to(paths.root) if output.is_relative_to(paths.root) else output
    console.print(
        f"Klart: {fmt.plural(summary.cases, 'ärende', 'ärenden')}, {fmt.plural(summary.executed, 'körd', 'körda')}, "
        f"{fmt.plural(summary.reused, 'återanvänd', 'återanvända')}, "
        f"{fmt.plural(len(summary.failed), 'misslyckad', 'misslyckade')}, {summary.seconds:.1f} s "
        f"(webbplatsen: {book.kind.label}). Webbplatsen finns i {shown}.",
        soft_wrap=True,
    )
    return summary


# --- A preview of changed case pages (casebook serve) ----------------------------------------


def build_preview(
    paths: ProjectPaths, case_files: list[Path], console: Console | None = None, options: BuildOptions | None = None
) -> BuildSummary | None:
    """Publish the pages of ``case_files`` (changed case files) before anything else is rebuilt.

    For the edit loop: the changed cases are validated and executed, their pages rebuilt in
    the last built book and published, while the portfolio, the case list, the open data,
    the documents and the search index still show the previous build, until the whole
    incremental build (:func:`build_site`) that the caller runs next. A bad case file
    raises its :class:`UserError`, as the whole build would. ``None`` (nothing done) when
    a whole build is needed anyway: no published site, or no complete last build.
    """
    console = console or Console(stderr=True)
    options = (options or BuildOptions()).fixed()
    started, since = time.perf_counter(), _now()
    code = options.code or code_version(paths.package_dir)
    changed = {Path(path).resolve() for path in case_files}
    reference = _reference_digests(paths)
    cases = [
        e for e in validate_all(paths, options.as_of) if e.source.resolve() in changed
    ]  # as the whole build validates
    read = _DataRead(cases, reference, every_case=False)  # the changed cases only
    if not paths.site.exists() or not cases:
        return None
    summary = BuildSummary(cases=len(cases))
    cache = ExecutionCache(paths)
    with (
        project_lock(paths.lock_file, wait=options.wait),
        _staging(paths.site) as staging,
        _damage_reported(console),
        _data_watched(paths, read, since),
    ):
        plan = plan_executions(paths, cases, cache, staging / "executed", options.moment, portfolio=False)
        summary.reused = plan.reused_cases
        result = _execute(paths, plan, cache, console, options)
        summary.executed = len(result.executed)
        summary.failed = [failure.name for failure in result.failed]
        _require_same_code(paths, code, since)
        _require_same_data(paths, read, since)
        if result.failed:
            raise BuildFailed(_failure_summary(summary))
        pages = {(CASE_PAGES / f"{e.case.id}.ipynb").as_posix(): cache.notebook(e.case.id) for e in cases}
        try:
            book = update_pages(paths.site_work, pages, persistent=options.book)
        except SiteBuildFailed as exc:
            raise BuildFailed(f"Jupyter Book misslyckades:\n{exc}\nWebbplatsen är oförändrad.") from None
        if book is None:
            return None
        lifetime.stop_if_requested()
        stage_version(book.html, staging / "html", paths.site)
        publish(staging / "html", paths.site)
    summary.seconds = time.perf_counter() - started
    summary.site_build = book.kind.value
    return summary


# --- Shards: one slice of the cases per CI runner (casebook.engine.shards), the site assembled from the merged cache --


def build_shard(
    paths: ProjectPaths, shard: Shard, console: Console | None = None, options: BuildOptions | None = None
) -> BuildSummary:
    """Execute the cases of one slice into the execution cache, and stop: no portfolio, no site.

    The slice's cache entries (executed now or reused) are also copied to ``_build/shard``,
    so a CI runner can pass on exactly its own entries; merged into one ``_build/cache``
    they let ``casebook build --assemble`` build the site without executing any case.
    """
    console = console or Console(stderr=True)
    options = (options or BuildOptions()).fixed()
    started, since = time.perf_counter(), _now()
    code = options.code or code_version(paths.package_dir)
    with _zygote_launched(options) as launched:  # it imports while the cases are validated
        if launched is not None:
            options = replace(options, zygote=launched)
        reference = _reference_digests(paths)
        cases = [evaluated for evaluated in validate_all(paths, options.as_of) if shard.contains(evaluated.case.id)]
        read = _DataRead(cases, reference, every_case=False)  # one slice
        summary = BuildSummary(cases=len(cases))
        cache = ExecutionCache(paths)
        with (
            project_lock(paths.lock_file, wait=options.wait),
            _staging(paths.shard_dir) as staging,
            _damage_reported(console),
        ):
            plan = plan_executions(paths, cases, cache, staging / "executed", options.moment, portfolio=False)
            summary.reused = plan.reused_cases
            executing = time.perf_counter()
            result = _execute(paths, plan, cache, console, options)
            summary.executed = len(result.executed)
            summary.failed = [failure.name for failure in result.failed]
            summary.execute_seconds = time.perf_counter() - executing
            _require_same_code(paths, code, since)
            _require_same_data(paths, read, since)
            if result.failed:
                raise BuildFailed(
                    f"Delbygge {shard.label}: {len(result.failed)} av {summary.cases} ärenden misslyckades "
                    f"({', '.join(summary.failed)}); {summary.executed} kördes utan fel."
                )
            shutil.rmtree(paths.shard_dir, ignore_errors=True)
            cache.copy_entries([e.case.id for e in cases], paths.shard_dir / paths.cache_dir.name)
        summary.seconds = time.perf_counter() - started
        console.print(
            f"Delbygge {shard.label}: {fmt.plural(summary.cases, 'ärende', 'ärenden')}, {fmt.plural(summary.executed, 'körd', 'körda')}, "
            f"{fmt.plural(summary.reused, 'återanvänd', 'återanvända')}, "
            f"{summary.seconds:.1f} s. Cacheposterna finns i {paths.relative(paths.shard_dir)}; "
            "bygg webbplatsen med casebook build --assemble när alla delar finns i _build/cache.",
            soft_wrap=True,
            markup=False,
        )
        return summary
