"""Site-only build time as the number of case pages grows (Jupyter Book alone, no execution).

Copies one executed case notebook N times under fictional titles, next to the real book
pages, and times a full ``jupyter-book build --all`` with the project's configuration for
each N, one after the other in one run, the way the build runs it
(``casebook.engine.sphinx_jobs``: Sphinx's ``-j`` where every extension declares itself
parallel-safe). Reports seconds, the Sphinx processes used, the extensions that kept it
serial, and the peak memory of the whole process tree, of its Pagefind indexer alone and
of the rest (sampled every 0,2 s), and the number of parts of the search index
(casebook.engine.search_index).

    python -m bench.site_scale NOTEBOOK N... [--jobs J] [--assume-parallel-safe] [--part-pages P] [--reindex]

``--part-pages P`` sets the search index's part size (``casebook_search_part_pages``; 250
unless set; at most 8 parts unless Pagefind's memory needs more, ``search_index.part_count``).
``--reindex`` then also times, on each finished site, the search index alone:
built from nothing, and again after one case page changed (only that page's part).

NOTEBOOK: an executed case notebook, e.g. ``_build/cache/cases/rjh-2025-spin.ipynb``.
``--assume-parallel-safe`` is an experiment, never what the build does: it declares every
extension parallel-safe, to measure what ``-j`` would give if the blocking ones declared it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat
import psutil

from casebook.engine.execute import write_compact
from casebook.engine.search_index import PAGES_PER_PART, build_search_index, case_pages, manifest_path

REPO = Path(__file__).resolve().parents[1]
SAMPLE_SECONDS = 0.2

# Runs the build's own runner with every extension declared parallel-safe (the experiment).
_ASSUME_SAFE = """
import sys
from pathlib import Path
from casebook.engine import sphinx_jobs

def declare_safe(extensions):
    for extension in extensions.values():
        extension.parallel_read_safe = extension.parallel_write_safe = True
    return []

sphinx_jobs.parallel_blockers = declare_safe
sphinx_jobs.run(int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
"""


@dataclass
class SiteRun:
    pages: int
    seconds: float
    peak_mib: float  # the build's whole process tree, all Sphinx workers included
    peak_pagefind_mib: float  # the Pagefind indexer alone
    peak_sphinx_mib: float  # the tree without Pagefind: Jupyter Book's Sphinx and the runner
    jobs: int
    blockers: list[str]
    parts: int  # of the search index
    index_seconds: float | None = None  # --reindex: the search index alone, from nothing
    reindex_one_seconds: float | None = None  # --reindex: again after one case page changed


def _peak_rss(process: subprocess.Popen, peak: list[int]) -> None:
    """Keep in ``peak`` the highest summed RSS of the process tree, of its Pagefind processes and of the rest."""
    root = psutil.Process(process.pid)
    while process.poll() is None:
        try:
            tree = [p for p in (root, *root.children(recursive=True)) if p.is_running()]
            rss = {p: p.memory_info().rss for p in tree}
            peak[0] = max(peak[0], sum(rss.values()))
            pagefind = sum(size for p, size in rss.items() if p.name().startswith("pagefind"))
            peak[1] = max(peak[1], pagefind)
            peak[2] = max(peak[2], sum(rss.values()) - pagefind)
        except psutil.Error:
            pass
        time.sleep(SAMPLE_SECONDS)


def stage_book(executed: Path, n: int, root: Path) -> Path:
    """The real book pages plus N copies of ``executed`` as fictional case pages."""
    shutil.copytree(REPO / "book", root / "book", ignore=shutil.ignore_patterns("cases", "_generated"))
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(REPO / name, root / name)
    notebook = nbformat.read(executed, as_version=4)
    (root / "book" / "cases").mkdir()
    for i in range(n):
        notebook.cells[0].source = f"# FIKTIVT ärende {i:05d}"
        write_compact(notebook, root / "book" / "cases" / f"fiktiv-{i:05d}.ipynb")  # as the build publishes it
    shutil.copy2(executed, root / "book" / "portfolio.ipynb")
    generated = root / "book" / "_generated"
    (generated / "extra" / "data").mkdir(parents=True)
    for name in ("case_table.md", "rule_catalogue.md", "open_data_table.md", "verification.md"):
        (generated / name).write_text("Text.\n", encoding="utf-8")
    return root


def _set_part_pages(root: Path, part_pages: int) -> None:
    config = root / "_config.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("\n  config:\n", f"\n  config:\n    casebook_search_part_pages: {part_pages}\n", 1),
        encoding="utf-8",
    )


def reindex_seconds(site: Path, part_pages: int) -> tuple[float, float]:
    """The search index of ``site`` built from nothing, then again after one case page changed."""
    shutil.rmtree(site / "pagefind")
    manifest_path(site).unlink()
    started = time.perf_counter()
    build_search_index(site, part_pages)
    whole = time.perf_counter() - started
    page = next(iter(case_pages(site).values()))
    page.write_text(page.read_text(encoding="utf-8").replace("FIKTIVT", "FIKTIVT ändrat", 1), encoding="utf-8")
    started = time.perf_counter()
    assert len(build_search_index(site, part_pages)) == 1
    return round(whole, 2), round(time.perf_counter() - started, 2)


def site_run(
    executed: Path,
    n: int,
    work: Path,
    jobs: int,
    assume_safe: bool = False,
    part_pages: int | None = None,
    reindex: bool = False,
) -> SiteRun:
    root = stage_book(executed, n, work / f"site-{n}")
    if part_pages is not None:
        _set_part_pages(root, part_pages)
    report = work / f"parallel-{n}.json"
    runner = ["-c", _ASSUME_SAFE] if assume_safe else ["-m", "casebook.engine.sphinx_jobs"]
    command = [sys.executable, *runner, str(jobs), str(report), "build", "--all", str(root)]
    peak = [0, 0, 0]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=root)
    sampler = threading.Thread(target=_peak_rss, args=(process, peak), daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(stderr.decode(errors="replace")[-3000:])
    used = json.loads(report.read_text(encoding="utf-8"))
    site = root / "_build" / "html"
    parts = sum(1 for entry in (site / "pagefind").iterdir() if entry.is_dir())
    timings = reindex_seconds(site, part_pages or PAGES_PER_PART) if reindex else (None, None)
    shutil.rmtree(root)
    mib = [round(bytes_ / 2**20, 1) for bytes_ in peak]
    return SiteRun(n, round(seconds, 2), *mib, used["jobs"], used["blockers"], parts, *timings)


def site_runs(
    executed: Path,
    sizes: list[int],
    jobs: int,
    assume_safe: bool = False,
    part_pages: int | None = None,
    reindex: bool = False,
) -> list[SiteRun]:
    with tempfile.TemporaryDirectory(prefix="casebook-site-") as tmp:
        return [site_run(executed, n, Path(tmp), jobs, assume_safe, part_pages, reindex) for n in sizes]


if __name__ == "__main__":
    from casebook.engine.site import default_jobs

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebook", type=Path)
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="Sphinx processes at most (default: cores)")
    parser.add_argument("--assume-parallel-safe", action="store_true")
    parser.add_argument(
        "--part-pages",
        type=int,
        help="case pages per part of the search index (default 250; 8 parts at most unless memory needs more)",
    )
    parser.add_argument("--reindex", action="store_true", help="also time the search index alone, whole and one page")
    args = parser.parse_args()
    runs = site_runs(args.notebook, args.sizes, args.jobs, args.assume_parallel_safe, args.part_pages, args.reindex)
    print(
        json.dumps(
            {
                "runs": [asdict(r) for r in runs],
                "growth": runs[-1].seconds / runs[0].seconds if len(runs) > 1 else None,
            },
            indent=2,
        )
    )
