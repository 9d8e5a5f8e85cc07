"""Benchmark (``make bench``): the naive way against our build, side by side, in one run.

For each N of ``--sizes`` (default 100 and 1 000) it generates N fictional cases with a
fixed seed in a fresh copy of the project and measures, one after the other on this machine:

- naive: the ``papermill`` command once per case, sequentially, then ``jupyter-book build --all``
  (by default up to N = 100: at about 8 s per case it would take over an hour at N = 500;
  ``--naive-up-to 500`` measures it there too);
- ours, cold (empty execution cache, kernels forked from a preloaded process);
- ours, cold with ordinary fresh kernels (``--fresh-kernels``; at N ≤ 100, for comparison);
- ours, no change; ours, one case file changed; ours, the notebook template changed;
- the edit loop (``bench/edit_loop.py``): ``casebook serve`` on the same project, one case
  file saved ``--edits`` times; the median seconds until its page, and until the whole
  site, shows the change.

Besides, in the same run:

- ``casebook check`` alone at ``--check-sizes`` (default 100, 1 000 and 10 000), and of one
  case with ``--check-lines`` financing lines (default 10 000);
- the site alone (Jupyter Book on N copies of an executed case notebook,
  ``bench/site_scale.py``) at ``--site-sizes`` (default 100, 1 000 and 10 000);
- the memo (Word draft and PDF/A, ``casebook.engine.documents.write_memo``) per case, cold,
  for ``--memo-cases`` cases;
- both documents (memo and report PDF) of ``--document-cases`` cases as the build writes
  them, one after the other and in its document workers
  (``casebook.engine.workers.document_workers``; ``bench/documents.py``);
- the published bytes per case of each whole build's site, by kind of file
  (``bench/site_weight.py``: case page, notebook, memo PDF, report PDF, search index, ...);
- shards: ``casebook build --shard I/K`` for every slice, one after the other, then
  ``--assemble``, at N = ``--shard-size`` with K = ``--shards``; from these and the cold
  build at the same N, the fixed cost of a shard and the N from which sharding pays off.

Each row has wall and CPU seconds (this process's children, kernels included), seconds
per case and peak memory (the sum of the resident memory of the whole process tree,
sampled every 0,2 s). Results go to ``bench/results.json`` and ``bench/results.md``, and
the table is copied into docs/performance.md between its bench markers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from itertools import pairwise
from pathlib import Path

import psutil

from bench import edit_loop, site_weight
from bench.generate import case_with_many_lines, generate
from bench.site_scale import site_run
from casebook.domain.clock import as_of_date
from casebook.domain.reference import load_publisher, load_regional_actors
from casebook.engine.documents import write_memo
from casebook.engine.paths import ProjectPaths
from casebook.engine.site import default_jobs
from casebook.engine.validate import validate_all
from casebook.render import pages
from casebook.render.opendata import write_open_data

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROJECT_FILES = ("_config.yml", "_toc.yml", "book", "notebooks")
TABLE_START, TABLE_END = "<!-- bench:start -->", "<!-- bench:end -->"
NAIVE = "naive: papermill CLI per case, then jupyter-book build --all"


@dataclass
class Measurement:
    n: int
    scenario: str
    wall_s: float
    cpu_s: float | None  # None: not measured (the edit loop's rows)
    peak_rss_mib: float | None
    per_case_s: float
    executed: int | None = None
    book_s: float | None = None


class PeakMemory:
    """Peak total RSS of a process and all its descendants."""

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                processes = [self.root, *self.root.children(recursive=True)]
                total = 0
                for process in processes:
                    with contextlib.suppress(psutil.Error):
                        total += process.memory_info().rss
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            self._stop.wait(0.2)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 2**20


def run_measured(commands: list[list[str]], cwd: Path) -> tuple[float, float, float]:
    """Run commands one after the other; wall seconds, CPU seconds and peak MiB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    peak = 0.0
    for command in commands:
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        memory = PeakMemory(process.pid)
        _, err = process.communicate()
        peak = max(peak, memory.stop())
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{err[-3000:]}")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak


def make_project(target: Path, n: int) -> Path:
    target.mkdir(parents=True)
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("cases", "_generated"))
        else:
            shutil.copy2(source, target / name)
    shutil.copytree(REPO / "data" / "reference", target / "data" / "reference")
    generate(target / "data" / "cases", n)
    return target


def naive(project: Path, n: int) -> Measurement:
    """papermill once per case, sequentially, then jupyter-book build --all."""
    cases = sorted((project / "data" / "cases").glob("*.yaml"))
    (project / "book" / "cases").mkdir(parents=True, exist_ok=True)
    commands = [
        [
            str(BIN / "papermill"),
            "--cwd",
            "notebooks",
            "-k",
            "casebook",
            "--no-progress-bar",
            "notebooks/case_report.ipynb",
            f"book/cases/{case.stem}.ipynb",
            "-p",
            "case_path",
            f"../data/cases/{case.name}",
        ]
        for case in cases
    ]
    commands.append(
        [
            str(BIN / "papermill"),
            "--cwd",
            "notebooks",
            "-k",
            "casebook",
            "--no-progress-bar",
            "notebooks/portfolio.ipynb",
            "book/portfolio.ipynb",
            "-p",
            "cases_dir",
            "../data/cases",
        ]
    )
    # The book's generated includes, so the naive build has the same pages (not timed).
    as_of = as_of_date()
    reports = validate_all(ProjectPaths.at(project), as_of)
    write_open_data(
        project / pages.OPEN_DATA, reports, load_regional_actors(project / "data" / "reference"), as_of=as_of
    )
    pages.write_generated(
        project, reports, project / "none.json", {}, load_publisher(project / "data" / "reference"), {}
    )
    commands.append([str(BIN / "jupyter-book"), "build", "--all", "."])
    wall, cpu, peak = run_measured(commands, project)
    return Measurement(n, NAIVE, wall, cpu, peak, wall / n, n)


def ours(project: Path, n: int, scenario: str, *extra: str) -> Measurement:
    summary = project / "summary.json"
    command = [sys.executable, "-m", "casebook", "--root", str(project), "build", "--summary", str(summary), *extra]
    wall, cpu, peak = run_measured([command], project)
    data = json.loads(summary.read_text())
    return Measurement(n, scenario, wall, cpu, peak, wall / n, data["executed"], data["book_seconds"])


CHECK = "casebook check (validate only)"


def check(project: Path, n: int) -> Measurement:
    """``casebook check`` in a new interpreter, imports included, as an analyst runs it."""
    wall, cpu, peak = run_measured([[sys.executable, "-m", "casebook", "--root", str(project), "check"]], project)
    return Measurement(n, CHECK, wall, cpu, peak, wall / n)


CHECK_LINES = "casebook check, one case with N financing lines"


def check_lines(target: Path, lines: int) -> Measurement:
    """``casebook check`` of one case whose financing plan has ``lines`` lines (no step may be quadratic in them)."""
    target.mkdir(parents=True)
    shutil.copytree(REPO / "data" / "reference", target / "data" / "reference")
    case_with_many_lines(target / "data" / "cases", lines)
    wall, cpu, peak = run_measured([[sys.executable, "-m", "casebook", "--root", str(target), "check"]], target)
    return Measurement(lines, CHECK_LINES, wall, cpu, peak, wall)


SITE_ONLY = "site only: jupyter-book on N executed-notebook copies"
MEMO = "memo (Word + PDF/A) per case, cold"


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def site_only(executed: Path, n: int, workdir: Path) -> Measurement:
    """The site alone at N pages, built as the build builds it (``-j`` where allowed)."""
    before = _cpu_children()
    run = site_run(executed, n, workdir, default_jobs())
    return Measurement(
        n, SITE_ONLY, run.seconds, _cpu_children() - before, run.peak_mib, run.seconds / n, book_s=run.seconds
    )


def memo(project: Path, count: int) -> Measurement:
    """``write_memo`` for ``count`` cases into an empty folder (no memo reused), in this process."""
    cases = validate_all(ProjectPaths.at(project), as_of=as_of_date())[:count]
    out = project / "_build" / "memo-bench"
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    for evaluated in cases:
        write_memo(evaluated, out, reference_dir=project / "data" / "reference")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak = psutil.Process().memory_info().rss / 2**20
    return Measurement(len(cases), MEMO, wall, cpu, peak, wall / len(cases), len(cases))


DOCUMENTS_SERIAL = "memo and report PDF per case, cold, one after the other"
DOCUMENTS_WORKERS = "memo and report PDF per case, cold, in the build's document workers"


def documents(project: Path, count: int, in_workers: bool) -> Measurement:
    """Both documents of ``count`` cases, as the build writes them (``bench/documents.py``, a
    new interpreter: start-up and imports included)."""
    command = [
        sys.executable,
        "-m",
        "bench.documents",
        str(project),
        str(count),
        "--workers" if in_workers else "--serial",
    ]
    wall, cpu, peak = run_measured([command], REPO)
    return Measurement(
        count, DOCUMENTS_WORKERS if in_workers else DOCUMENTS_SERIAL, wall, cpu, peak, wall / count, count
    )


def shard_scenario(index: int, count: int) -> str:
    return f"ours, shard {index}/{count}, cold"


def assemble_scenario(count: int) -> str:
    return f"ours, assemble {count} shards"


def shards(project: Path, n: int, count: int) -> list[Measurement]:
    """Every slice one after the other (as K runners would run them at once), then the assembly.

    On one machine every slice writes into the same ``_build/cache``, which is the merge.
    """
    results = []
    for index in range(1, count + 1):
        results.append(ours(project, n, shard_scenario(index, count), "--shard", f"{index}/{count}"))
        print(f"  shard {index}/{count}: {results[-1].executed} cases, {results[-1].wall_s:.1f} s", flush=True)
    results.append(ours(project, n, assemble_scenario(count), "--assemble"))
    print(f"  assemble: {results[-1].wall_s:.1f} s", flush=True)
    return results


EDIT_PAGE = "edit loop (serve): save → case page shows it, median"
EDIT_SITE = "edit loop (serve): save → whole site shows it, median"


def edit_loop_rows(project: Path, n: int, edits: int) -> list[Measurement]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    loop = edit_loop.measure(project, edits, port)
    return [
        Measurement(n, f"{EDIT_PAGE} of {edits}", loop.page_median, None, None, loop.page_median / n),
        Measurement(n, f"{EDIT_SITE} of {edits}", loop.site_median, None, None, loop.site_median / n),
    ]


def bench_size(
    n: int, workdir: Path, with_naive: bool, with_fresh: bool, edits: int = 0, with_template: bool = True
) -> list[Measurement]:
    print(f"N = {n}", flush=True)
    results = []
    if with_naive:
        results.append(naive(make_project(workdir / f"naive-{n}", n), n))
        print(f"  naive {results[-1].wall_s:.1f} s", flush=True)
    if with_fresh:
        results.append(ours(make_project(workdir / f"fresh-{n}", n), n, "ours, cold, fresh kernels", "--fresh-kernels"))
        print(f"  fresh {results[-1].wall_s:.1f} s", flush=True)
    project = make_project(workdir / f"ours-{n}", n)
    results.append(check(project, n))
    results.append(ours(project, n, "ours, cold"))
    results.append(ours(project, n, "ours, no change"))
    changed = sorted((project / "data" / "cases").glob("*.yaml"))[n // 2]
    changed.write_text(changed.read_text(encoding="utf-8") + "# ändrad\n", encoding="utf-8")
    results.append(ours(project, n, "ours, one case file changed"))
    if with_template:
        template = project / "notebooks" / "case_report.ipynb"
        template.write_text(
            template.read_text(encoding="utf-8").replace("Ärenderapport", "Ärenderapport ", 1), encoding="utf-8"
        )
        results.append(ours(project, n, "ours, template changed"))
    for m in results[-4 if with_template else -3 :]:
        print(f"  {m.scenario}: {m.wall_s:.1f} s", flush=True)
    if edits:
        results += edit_loop_rows(project, n, edits)
    return results


def ratios(results: list[Measurement]) -> dict:
    def wall(n: int, scenario: str) -> float | None:
        return next((m.wall_s for m in results if m.n == n and m.scenario == scenario), None)

    def cpu(n: int, scenario: str) -> float:
        return next(m.cpu_s for m in results if m.n == n and m.scenario == scenario)

    def book(n: int) -> float | None:
        return next((m.book_s for m in results if m.n == n and m.scenario == "ours, cold"), None)

    out = {}
    for n in sorted({m.n for m in results if m.scenario == "ours, cold"}):  # sizes with whole builds
        cold = wall(n, "ours, cold")
        out[n] = {"naive / ours cold": wall(n, NAIVE) / cold} if wall(n, NAIVE) else {}
        out[n] |= {
            "no change / cold": wall(n, "ours, no change") / cold,
            "one case changed / cold": wall(n, "ours, one case file changed") / cold,
        }
        if wall(n, "ours, template changed"):
            out[n]["template changed / cold"] = wall(n, "ours, template changed") / cold
        fresh = wall(n, "ours, cold, fresh kernels")
        if fresh:
            out[n]["fresh kernels / forked kernels (cold)"] = fresh / cold
        # CPU that executing the cases costs: the cold build minus the fixed cost of a build.
        out[n]["CPU s per executed case"] = (cpu(n, "ours, cold") - cpu(n, "ours, no change")) / n
    out |= shard_ratios(results, wall)
    documents_n = next((m.n for m in results if m.scenario == DOCUMENTS_WORKERS), None)
    if documents_n:
        out[f"documents of {documents_n} cases"] = {
            "one after the other / workers": wall(documents_n, DOCUMENTS_SERIAL) / wall(documents_n, DOCUMENTS_WORKERS)
        }
    site = {m.n: m.wall_s for m in results if m.scenario == SITE_ONLY}
    site_sizes = sorted(site)
    if len(site_sizes) >= 2:
        out["site only"] = {f"growth N={a} → N={b}": site[b] / site[a] for a, b in pairwise(site_sizes)}
    sizes = sorted(k for k in out if isinstance(k, int))
    if len(sizes) >= 2 and book(sizes[0]) and book(sizes[-1]):
        out["site-only build growth"] = {
            f"N={sizes[-2]} → N={sizes[-1]}": book(sizes[-1]) / book(sizes[-2]),
        }
    return out


def shard_ratios(results: list[Measurement], wall) -> dict:
    """Shard throughput, a shard's fixed cost, and the N from which K runners beat one.

    The assembly does everything a cold build does except executing the cases (validate,
    plan, portfolio, memos, site), so the wall time per executed case on one runner is
    ``c`` = (cold − assemble) / N. A shard's fixed cost is its wall time minus its cases × ``c``.
    K runners save N·c·(1 − 1/K) and add one shard's fixed cost, so sharding pays from
    N = fixed / (c · (1 − 1/K)), plus what a CI job itself costs (runner, checkout,
    install, artifacts), which this machine cannot measure.
    """
    out = {}
    for n in sorted({m.n for m in results if m.scenario.startswith("ours, shard ")}):
        rows = [m for m in results if m.n == n and m.scenario.startswith("ours, shard ")]
        count = len(rows)
        executed = sum(m.executed or 0 for m in rows)
        seconds = sum(m.wall_s for m in rows)
        entry = {"cases per second per shard": executed / seconds, "slowest shard s": max(m.wall_s for m in rows)}
        cold, assembled = wall(n, "ours, cold"), wall(n, assemble_scenario(count))
        if cold and assembled and count > 1:
            per_case = (cold - assembled) / n
            fixed = sum(m.wall_s - (m.executed or 0) * per_case for m in rows) / count
            entry |= {
                "wall s per case, one runner": per_case,
                "shard fixed s": fixed,
                f"sharding pays from N (K={count}, without CI job overhead)": fixed / (per_case * (1 - 1 / count)),
            }
        out[f"shards N={n}"] = entry
    return out


def markdown(results: list[Measurement], ratio: dict, machine: str) -> str:
    lines = [
        f"Measured by `make bench` on {machine}, all rows in one run.",
        "",
        "| N | scenario | wall s | CPU s | wall s per case | executed | site-only s | peak MiB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for m in results:
        book = f"{m.book_s:.1f}" if m.book_s is not None else "–"
        cpu = f"{m.cpu_s:.1f}" if m.cpu_s is not None else "–"
        peak = f"{m.peak_rss_mib:.0f}" if m.peak_rss_mib is not None else "–"
        lines.append(
            f"| {m.n} | {m.scenario} | {m.wall_s:.1f} | {cpu} | {m.per_case_s:.2f} | "
            f"{m.executed if m.executed is not None else '–'} | {book} | {peak} |"
        )
    lines += ["", "| ratio | value |", "|---|---:|"]
    for key, values in ratio.items():
        for name, value in values.items():
            lines.append(
                f"| {name} (N={key}) | {value:.2f} |" if isinstance(key, int) else f"| {key}: {name} | {value:.2f} |"
            )
    return "\n".join(lines) + "\n"


def update_performance_page(table: str) -> None:
    page = REPO / "docs" / "performance.md"
    text = page.read_text(encoding="utf-8")
    if TABLE_START in text and TABLE_END in text:
        head, rest = text.split(TABLE_START, 1)
        _, tail = rest.split(TABLE_END, 1)
        page.write_text(f"{head}{TABLE_START}\n{table}{TABLE_END}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000], help="N for whole builds")
    parser.add_argument("--fresh-up-to", type=int, default=100, help="also measure fresh kernels up to this N")
    parser.add_argument(
        "--naive-up-to",
        type=int,
        default=100,
        help="measure the naive way up to this N (it costs about 8 s per case; 500 takes over an hour)",
    )
    parser.add_argument(
        "--check-sizes",
        type=int,
        nargs="*",
        default=[100, 1000, 10000],
        help="also measure casebook check alone at these N",
    )
    parser.add_argument(
        "--check-lines",
        type=int,
        nargs="*",
        default=[10000],
        help="also measure casebook check of one case with this many financing lines",
    )
    parser.add_argument(
        "--site-sizes",
        type=int,
        nargs="*",
        default=[100, 1000, 10000],
        help="also measure the site alone (executed-notebook copies) at these N",
    )
    parser.add_argument("--memo-cases", type=int, default=10, help="measure the memo for this many cases (0: not)")
    parser.add_argument(
        "--document-cases",
        type=int,
        default=100,
        help="measure both documents, one after the other and in workers, for this many cases (0: not)",
    )
    parser.add_argument("--shards", type=int, default=2, help="K for the shard measurement (0: not)")
    parser.add_argument(
        "--shard-size",
        type=int,
        default=100,
        help="N for the shard measurement (a whole-build size, for the per-case time)",
    )
    parser.add_argument(
        "--template-up-to",
        type=int,
        default=100,
        help="measure a changed template up to this N (it re-executes every case, as cold does)",
    )
    parser.add_argument("--edits", type=int, default=3, help="saves timed in the edit loop at each N (0: not)")
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="only rewrite results.md and the table in docs/performance.md from bench/results.json",
    )
    args = parser.parse_args()
    if args.render_only:
        stored = json.loads((REPO / "bench" / "results.json").read_text(encoding="utf-8"))
        results = [Measurement(**m) for m in stored["results"]]
        weights = {int(n): Counter(kinds) for n, kinds in stored.get("published_bytes", {}).items()}
        update_performance_page(write_results(results, stored["machine"], weights))
        return
    machine = f"{platform.machine()}, {psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}"
    results: list[Measurement] = []
    weights: dict[int, Counter] = {}  # published bytes by kind of file, per N of a whole build
    with (
        tempfile.TemporaryDirectory(prefix="casebook-bench-") as tmp,
        tempfile.TemporaryDirectory(prefix="casebook-bench-keep-") as keep,
    ):
        work = Path(tmp)
        executed = Path(keep) / "executed.ipynb"  # a case notebook for the site-only rows
        for n in args.check_sizes:
            results.append(check(make_project(work / f"check-{n}", n), n))
            print(f"N = {n}: {CHECK} {results[-1].wall_s:.2f} s", flush=True)
        for lines in args.check_lines:
            results.append(check_lines(work / f"check-lines-{lines}", lines))
            print(f"N = {lines}: {CHECK_LINES} {results[-1].wall_s:.2f} s", flush=True)
        for n in args.sizes:
            results += bench_size(
                n,
                work,
                with_naive=n <= args.naive_up_to,
                with_fresh=n <= args.fresh_up_to,
                edits=args.edits,
                with_template=n <= args.template_up_to,
            )
            weights[n] = site_weight.weigh(work / f"ours-{n}" / "_build" / "html")
            print(f"  published: {sum(weights[n].values()) / n / 1000:.1f} kB per case, theme included", flush=True)
            if not executed.exists():
                shutil.copyfile(
                    sorted((work / f"ours-{n}" / "_build" / "cache" / "cases").glob("[!_]*.ipynb"))[0], executed
                )
            if n == args.shard_size and args.shards:
                results += shards(make_project(work / f"shards-{n}", n), n, args.shards)
            if n == min(args.sizes) and args.memo_cases:
                results.append(memo(work / f"ours-{n}", args.memo_cases))
                print(f"  memo: {results[-1].per_case_s:.2f} s per case", flush=True)
            if n == min(args.sizes) and args.document_cases:
                for in_workers in (False, True):
                    results.append(documents(work / f"ours-{n}", args.document_cases, in_workers))
                    print(f"  {results[-1].scenario}: {results[-1].wall_s:.1f} s", flush=True)
            write_results(results, machine, weights)  # after each N, so a long run keeps what it measured
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
        if executed.exists():
            for n in args.site_sizes:
                results.append(site_only(executed, n, work))
                print(
                    f"N = {n}: site only {results[-1].wall_s:.1f} s, peak {results[-1].peak_rss_mib:.0f} MiB",
                    flush=True,
                )
                write_results(results, machine, weights)
    table = write_results(results, machine, weights)
    update_performance_page(table)
    print(table)


def write_results(results: list[Measurement], machine: str, weights: dict[int, Counter]) -> str:
    ratio = ratios(results)
    out = REPO / "bench"
    (out / "results.json").write_text(
        json.dumps(
            {
                "machine": machine,
                "results": [asdict(m) for m in results],
                "ratios": {str(k): v for k, v in ratio.items()},
                "published_bytes": {str(n): dict(sorted(kinds.items())) for n, kinds in sorted(weights.items())},
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    table = markdown(results, ratio, machine)
    if weights:
        table += "\nPublished bytes per case (`_build/html` of the whole builds above, after their last build):\n\n"
        table += site_weight.table(weights)
    (out / "results.md").write_text(table, encoding="utf-8")
    return table


if __name__ == "__main__":
    main()
