"""Turn the staged book sources into HTML with Jupyter Book 1, incrementally when that is safe.

The sources are mirrored into ``_build/site/src``, rewriting only files whose bytes
changed, so Sphinx sees the true modification times. Then:

- nothing changed (and the last build completed): Jupyter Book is not run at all;
- only page contents changed: an incremental build rewrites the changed pages;
- the set of pages, any page title, the configuration, the table of contents, templates
  or styles changed, or the last build did not complete: a full build from scratch.
  Jupyter Book 1's incremental mode leaves other pages' navigation (sidebar, previous and
  next links) stale when pages or titles change, so those changes always rebuild fully.

Sphinx reads and writes pages in parallel (``-j``, one process per core) when every loaded
extension declares itself safe for it (``casebook.engine.sphinx_jobs`` checks at run time);
otherwise it builds serially and :class:`BookBuild` names the extensions that prevent it.

Warnings are errors. The caller publishes the result; a failure leaves ``_build/html`` as
it was and marks the mirror incomplete, so the next build is a full one.
"""

from __future__ import annotations

import filecmp
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

STRUCTURAL = ("_config.yml", "_toc.yml", "book/_templates/", "book/_static/")
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


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
    return {p.relative_to(tree).as_posix(): p for p in tree.rglob("*") if p.is_file()}


def sync_tree(source: Path, mirror: Path) -> set[str]:
    """Make ``mirror`` a copy of ``source``, writing only what differs; the paths that changed."""
    wanted, present = _files(source), _files(mirror)
    changed = set()
    for relative in present.keys() - wanted.keys():
        present[relative].unlink()
        changed.add(relative)
    for relative, path in wanted.items():
        target = mirror / relative
        if relative in present and filecmp.cmp(path, target, shallow=False):
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


def structure(tree: Path) -> str:
    """A digest of everything that other pages' navigation depends on."""
    digest = hashlib.sha256()
    for relative, path in sorted(_files(tree).items()):
        if relative.endswith((".md", ".ipynb")) and not relative.startswith("book/_generated/"):
            digest.update(f"{relative}\0{_title(path)}\n".encode())
        elif relative in STRUCTURAL or relative.startswith(STRUCTURAL):
            digest.update(relative.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_html(work: Path, source: Path, jobs: int | None = None) -> BookBuild:
    """Build ``source`` (a staged book) in ``work`` (kept between builds, see the module docstring).

    ``jobs``: Sphinx processes at most (default: one per core); fewer if an extension is not parallel-safe.
    """
    mirror, out = work / "src", work / "out"
    complete, structure_file = work / "complete", work / "structure"
    html = out / "_build" / "html"
    new_structure = structure(source)
    full = not (complete.exists() and html.is_dir() and structure_file.exists()
                and structure_file.read_text() == new_structure)
    mirror.mkdir(parents=True, exist_ok=True)
    # Not complete until Jupyter Book has run on the synced mirror: a build interrupted while
    # syncing or building must not look up to date next time.
    complete.unlink(missing_ok=True)
    changed = sync_tree(source, mirror)
    if not full and not changed:
        complete.touch()
        return BookBuild(html, SiteBuild.UNCHANGED)
    if full:
        shutil.rmtree(out, ignore_errors=True)
    used, blockers = run_jupyter_book(mirror, out, full, jobs or default_jobs(), work / "parallel.json")
    structure_file.write_text(new_structure)
    complete.touch()
    return BookBuild(html, SiteBuild.FULL if full else SiteBuild.INCREMENTAL, used, blockers)


def run_jupyter_book(source: Path, out: Path, full: bool, jobs: int, report: Path) -> tuple[int, tuple[str, ...]]:
    """``jupyter-book build`` through :mod:`casebook.engine.sphinx_jobs`; the processes used and why not more."""
    report.unlink(missing_ok=True)
    command = [sys.executable, "-m", "casebook.engine.sphinx_jobs", str(jobs), str(report),
               "build", str(source), "--path-output", str(out), "-W", "-n", "--keep-going"]
    if full:
        command.append("--all")
    completed = subprocess.run(command, cwd=source, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        # Show the problems with paths as in the repository, without terminal colours.
        text = ANSI_ESCAPE.sub("", completed.stdout + completed.stderr).replace(f"{source}/", "")
        log = text.strip().splitlines()
        problems = [line for line in log if "WARNING" in line or "ERROR" in line] or log[-20:]
        raise SiteBuildFailed("\n".join(problems[:30]))
    used = json.loads(report.read_text(encoding="utf-8"))
    return used["jobs"], tuple(used["blockers"])
