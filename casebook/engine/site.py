"""Turn the staged book sources into HTML with Jupyter Book 1, incrementally when that is safe.

The sources are mirrored into ``_build/site/src``, rewriting only files whose bytes
changed, so Sphinx sees the true modification times. Then:

- nothing changed (and the last build completed, and no page was updated alone since,
  see :func:`update_pages`): Jupyter Book is not run at all;
- only page contents changed: an incremental build rewrites the changed pages;
- a page was removed, a page in the navigation was added or retitled, the configuration,
  the table of contents, templates or styles changed, or the last build did not complete:
  a full build from scratch. Jupyter Book 1's incremental mode leaves other pages'
  navigation (sidebar, previous and next links) stale when such pages change, and keeps
  the HTML of a removed page, so those changes always rebuild fully. Case pages are not in
  the navigation (see ``_toc.yml``): adding one, or changing its title, rebuilds only the
  pages whose contents changed (the case list links cases by their titles as text).

Sphinx reads and writes pages in parallel (``-j``, one process per core) when every loaded
extension declares itself safe for it (``casebook.engine.sphinx_jobs`` checks at run time);
otherwise it builds serially and :class:`BookBuild` names the extensions that prevent it.

Warnings are errors. The caller publishes the result; a failure leaves ``_build/html`` as
it was and marks the mirror incomplete, so the next build is a full one.

Each build starts Jupyter Book anew, unless the caller holds a :class:`PersistentBook`
(``casebook serve``): one Jupyter Book process kept between builds, so a one-page rebuild
does not pay for starting Python, importing Sphinx's extensions and loading the pickled
environment again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import yaml

from casebook.engine import lifetime, sphinx_jobs
from casebook.engine.artifacts import file_digest
from casebook.engine.code import installed_distributions
from casebook.engine.paths import installed_package_dir

STRUCTURAL = ("_config.yml", "_toc.yml", "book/_templates/", "book/_static/")
# The package's files that Jupyter Book runs through the two extensions _config.yml loads
# (every casebook module they import, and the search script), relative to the package: a
# change to any of them can change every page, so they are part of the structure, with the
# installed distributions (a theme upgrade changes every page too).
EXTENSION_CODE = (
    "__init__.py",
    "engine/__init__.py",
    "engine/site_extension.py",
    "engine/incremental_extension.py",
    "engine/sphinx_internals.py",
    "engine/sphinx_jobs.py",
    "engine/lifetime.py",
    "engine/heap.py",
    "engine/search_index.py",
    "engine/search_parts.js",
    "render/__init__.py",
    "render/hyphenation.py",
)
# Pages in no table of contents (``:orphan:``): their titles appear in no other page's navigation.
OUTSIDE_NAVIGATION = ("book/cases/",)
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
# In the build folder: pages were updated (update_pages) without the search indexes.
PREVIEWED = "previewed"


class SiteBuildFailed(Exception):
    """Jupyter Book reported warnings or errors; the message lists them."""


class SiteBuild(Enum):
    """How much of the site Jupyter Book had to build."""

    FULL = "full"
    INCREMENTAL = "incremental"
    UNCHANGED = "unchanged"

    @property
    def label(self) -> str:
        return {"full": "helt ombyggd", "incremental": "ändrade sidor ombyggda", "unchanged": "oförändrad"}[self.value]


@dataclass(frozen=True)
class BookBuild:
    """The HTML Jupyter Book produced and how it was built."""

    html: Path
    kind: SiteBuild
    jobs: int = 0  # Sphinx processes used (0: Jupyter Book did not run)
    serial_because: tuple[str, ...] = ()  # extensions not declared parallel-safe


def default_jobs() -> int:
    """One Sphinx process per core this process may run on."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def _files(tree: Path) -> dict[str, Path]:
    """The regular files of a book tree (symbolic links to files included, links to folders
    not followed), without the bytecode Python writes beside the site's extensions when
    Sphinx imports them from the mirror (neither a source nor a change)."""
    files: dict[str, Path] = {}
    folders = [(tree, "")] if tree.is_dir() else []
    while folders:
        folder, prefix = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        folders.append((Path(entry.path), f"{prefix}{entry.name}/"))
                elif entry.is_file():
                    files[prefix + entry.name] = Path(entry.path)
    return files


def _is_page(relative: str) -> bool:
    return relative.endswith((".md", ".ipynb"))


def _removed_pages(wanted: dict[str, Path], present: dict[str, Path]) -> set[str]:
    """Pages the mirror has (``present``) that the sources (``wanted``) no longer have."""
    return {relative for relative in present.keys() - wanted.keys() if _is_page(relative)}


def _same_bytes(first: Path, second: Path) -> bool:
    # Whole reads: most files are notebooks and PDFs of some 100 kB, which filecmp reads in
    # 8 kB chunks (6 000 files at N = 1 000, warm page cache: 0,40 s with filecmp, 0,28 s so).
    return first.stat().st_size == second.stat().st_size and first.read_bytes() == second.read_bytes()


def sync_tree(
    source: Path, mirror: Path, wanted: dict[str, Path] | None = None, present: dict[str, Path] | None = None
) -> set[str]:
    """Make ``mirror`` a copy of ``source``, writing only what differs; the paths that changed.

    ``wanted`` and ``present``: the files of ``source`` and ``mirror`` (:func:`_files`), when the caller listed them.
    """
    wanted = _files(source) if wanted is None else wanted
    present = _files(mirror) if present is None else present
    changed = set()
    for relative in present.keys() - wanted.keys():
        present[relative].unlink()
        changed.add(relative)
    for relative, path in wanted.items():
        target = mirror / relative
        if relative in present and _same_bytes(path, target):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        changed.add(relative)
    return changed


def _title(path: Path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        source = "".join(cells[0]["source"]) if cells else ""
    else:
        source = path.read_text(encoding="utf-8")
    return next((line for line in source.splitlines() if line.startswith("# ")), "")


def structure(tree: Path, files: dict[str, Path] | None = None) -> str:
    """A digest of everything that other pages' navigation and every page's HTML depend on (``files``: those of ``tree``, if listed)."""
    digest = hashlib.sha256()
    for relative, path in sorted((_files(tree) if files is None else files).items()):
        if _is_page(relative) and not relative.startswith(("book/_generated/", *OUTSIDE_NAVIGATION)):
            digest.update(f"{relative}\0{_title(path)}\n".encode())
        elif relative in STRUCTURAL or relative.startswith(STRUCTURAL):
            digest.update(relative.encode() + b"\0" + path.read_bytes())
    for relative in EXTENSION_CODE:
        digest.update(f"casebook/{relative}\0".encode() + file_digest(installed_package_dir() / relative))
    for name in installed_distributions():
        digest.update(name.encode() + b"\0")
    return digest.hexdigest()


def build_html(
    work: Path, source: Path, jobs: int | None = None, persistent: PersistentBook | None = None
) -> BookBuild:
    """Build ``source`` (a staged book) in ``work`` (kept between builds, see the module docstring).

    ``jobs``: Sphinx processes at most (default: one per core); fewer if an extension is not parallel-safe.
    ``persistent``: build with this kept Jupyter Book process instead of starting one.
    """
    mirror, out = work / "src", work / "out"
    complete, structure_file, previewed = work / "complete", work / "structure", work / PREVIEWED
    html = out / "_build" / "html"
    mirror.mkdir(parents=True, exist_ok=True)
    wanted, present = _files(source), _files(mirror)  # listed once: thousands of files at national scale
    new_structure = structure(source, wanted)
    full = not (
        complete.exists() and html.is_dir() and structure_file.exists() and structure_file.read_text() == new_structure
    ) or bool(_removed_pages(wanted, present))
    # Not complete until Jupyter Book has run on the synced mirror: a build interrupted while
    # syncing or building must not look up to date next time.
    complete.unlink(missing_ok=True)
    changed = sync_tree(source, mirror, wanted, present)
    if not full and not changed and not previewed.exists():
        complete.touch()
        return BookBuild(html, SiteBuild.UNCHANGED)
    if full:
        shutil.rmtree(out, ignore_errors=True)
    else:
        _remove_dropped_extra_files(mirror / "_config.yml", html, present.keys() - wanted.keys())
    used, blockers = _jupyter_book(work, full, jobs, persistent, defer_search=False)
    structure_file.write_text(new_structure)
    previewed.unlink(missing_ok=True)
    complete.touch()
    return BookBuild(html, SiteBuild.FULL if full else SiteBuild.INCREMENTAL, used, blockers)


def _remove_dropped_extra_files(config_file: Path, html: Path, dropped: set[str]) -> None:
    """Remove from the last built site the files of ``html_extra_path`` that the sources no longer have.

    Sphinx copies those folders (open data, documents, case files) into the site on every
    build but never deletes from it, so after an incremental build a dropped file (a removed
    source document, the Word drafts of earlier versions) would stay published. Removed
    before Sphinx runs: it then copies every extra and static file again, so a name that
    another folder still provides is back, whatever the file system's case rules.
    """
    config = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    extra = ((config.get("sphinx") or {}).get("config") or {}).get("html_extra_path") or []
    folders = [f"{Path(folder).as_posix().rstrip('/')}/" for folder in extra]
    for relative in dropped:
        for folder in folders:
            if relative.startswith(folder):
                (html / relative.removeprefix(folder)).unlink(missing_ok=True)


def update_pages(
    work: Path, pages: dict[str, Path], jobs: int | None = None, persistent: PersistentBook | None = None
) -> BookBuild | None:
    """Put ``pages`` (relative name in the book → file) into the last built book and rebuild just them.

    For pages outside the navigation (case pages), whose change touches no other page's
    HTML; the search indexes are left as they were until the next :func:`build_html`.
    ``None`` when there is no complete last build to update: the caller builds the whole
    book instead.
    """
    mirror, out = work / "src", work / "out"
    complete, html = work / "complete", out / "_build" / "html"
    if not (complete.exists() and html.is_dir()) or not all(name.startswith(OUTSIDE_NAVIGATION) for name in pages):
        return None
    complete.unlink()  # until the rebuild succeeded: a failure makes the next build a full one
    for name, page in pages.items():
        target = mirror / name
        if not (target.is_file() and _same_bytes(page, target)):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page, target)
    used, blockers = _jupyter_book(work, False, jobs, persistent, defer_search=True)
    # The search indexes were left as they were: the next whole build reads these pages
    # again (a newer modification time) and indexes them, even if nothing else changed.
    for name in pages:
        os.utime(mirror / name)
    if pages:
        (work / PREVIEWED).touch()
    complete.touch()
    return BookBuild(html, SiteBuild.INCREMENTAL, used, blockers)


def _jupyter_book(
    work: Path, full: bool, jobs: int | None, persistent: PersistentBook | None, defer_search: bool
) -> tuple[int, tuple[str, ...]]:
    """Build the mirror in ``work`` with the kept process if there is one, else a new one."""
    build = persistent.build if persistent is not None else run_jupyter_book
    return build(work / "src", work / "out", full, jobs or default_jobs(), work / "parallel.json", defer_search)


def _command(source: Path, out: Path, full: bool, jobs: int, report: Path, persistent: bool = False) -> list[str]:
    # A kept process runs Jupyter Book itself (and indexes the site in it, as it never exits).
    runner = ["--in-process"] if persistent else []
    command = [
        sys.executable,
        "-m",
        "casebook.engine.sphinx_jobs",
        *runner,
        str(jobs),
        str(report),
        "build",
        str(source),
        "--path-output",
        str(out),
        "-W",
        "-n",
        "--keep-going",
    ]
    return command + (["--all"] if full else []) + ([sphinx_jobs.PERSISTENT] if persistent else [])


def _environment(defer_search: bool) -> dict[str, str]:
    return {**os.environ, sphinx_jobs.DEFER_SEARCH_INDEX: "1" if defer_search else ""}


def _problems(output: str, source: Path) -> SiteBuildFailed:
    """The warnings and errors of a failed build, with paths as in the repository, without terminal colours."""
    log = ANSI_ESCAPE.sub("", output).replace(f"{source}/", "").strip().splitlines()
    problems = [line for line in log if "WARNING" in line or "ERROR" in line] or log[-20:]
    return SiteBuildFailed("\n".join(problems[:30]))


def _report(report: Path) -> tuple[int, tuple[str, ...]]:
    used = json.loads(report.read_text(encoding="utf-8"))
    return used["jobs"], tuple(used["blockers"])


def run_jupyter_book(
    source: Path, out: Path, full: bool, jobs: int, report: Path, defer_search: bool = False
) -> tuple[int, tuple[str, ...]]:
    """``jupyter-book build`` through :mod:`casebook.engine.sphinx_jobs`; the processes used and why not more."""
    report.unlink(missing_ok=True)
    # Jupyter Book, and the Pagefind it starts, end with the build however it ends (each with its parent).
    completed = subprocess.run(
        _command(source, out, full, jobs, report),
        cwd=source,
        capture_output=True,
        text=True,
        check=False,
        env=_environment(defer_search),
        preexec_fn=lifetime.dies_with_us(),
    )
    if completed.returncode != 0:
        raise _problems(completed.stdout + completed.stderr, source)
    return _report(report)


class PersistentBook:
    """One Jupyter Book process kept between builds (``sphinx_jobs --persistent``), for ``casebook serve``.

    A full build, a first build, or a build after a failed one starts a new process (the
    previous one is ended); every other build is one more incremental build in the same
    process. Use as a context manager, or call :meth:`close`.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._started_for: tuple[Path, Path, int] | None = None

    def build(
        self, source: Path, out: Path, full: bool, jobs: int, report: Path, defer_search: bool = False
    ) -> tuple[int, tuple[str, ...]]:
        """Build as :func:`run_jupyter_book` does; raises :class:`SiteBuildFailed` with the problems."""
        if full or not self.running or self._started_for != (source, out, jobs):
            self.close()
            report.unlink(missing_ok=True)
            self._process = subprocess.Popen(
                _command(source, out, full, jobs, report, persistent=True),
                cwd=source,
                env=_environment(defer_search),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
                preexec_fn=lifetime.dies_with_us(),
            )
            self._started_for = (source, out, jobs)
        else:
            self._process.stdin.write("build defer-search\n" if defer_search else "build\n")
            self._process.stdin.flush()
        status, output = self._wait()
        if status != 0:
            self.close()  # its environment may hold what failed: the next build starts afresh
            raise _problems(output, source)
        return _report(report)

    @property
    def running(self) -> bool:
        """A kept process is there for the next build."""
        return self._process is not None and self._process.poll() is None

    def _wait(self) -> tuple[int, str]:
        """Read the process's output up to the end of this build: its status and its log."""
        lines = []
        for line in self._process.stdout:
            if line.startswith(sphinx_jobs.DONE_MARKER):
                return int(line.split()[1]), "".join(lines)
            lines.append(line)
        return self._process.wait() or 1, "".join(lines)  # it ended: a crash, or an error before any build

    def close(self) -> None:
        """End the kept process, if any."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        else:
            self._process.stdin.close()
        self._process.stdout.close()
        self._process = None

    def __enter__(self) -> PersistentBook:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
