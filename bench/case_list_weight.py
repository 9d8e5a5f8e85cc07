"""The case list at N cases: its weight in kB and its load time in Chromium (site-only build).

Generates N fictional cases (``bench/generate.py``, fixed seed), evaluates them (the rules
only, no notebook execution), writes the generated pages exactly as the build does
(``casebook.render.pages.write_generated``), gives each case a one-cell stand-in notebook
(the case list only links to case pages, so their content does not change its weight) and
builds the site with ``jupyter-book build --all`` (Pagefind included). Then it serves the
site locally and opens ``book/case_list.html`` in headless Chromium five times, with an
empty cache each time.

Reports, as JSON: the case list's HTML in kB, the kB of every response the page loads up to
its load event (HTML, stylesheets, scripts, fonts, images; the search index is fetched
only when someone searches, so it is not part of it), and navigation start → load event
in ms (median of 5), and the time one press on the amount header takes to sort the
rows and lay the page out again (median of 5). kB = 1 000 bytes, uncompressed, as served from disk.

Usage: ``python -m bench.case_list_weight [N]`` (default 1 000). Chromium comes from
``CASEBOOK_CHROMIUM`` or ``/usr/bin/chromium``.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat

from bench.generate import generate
from casebook.domain.clock import as_of_date
from casebook.domain.evaluation import evaluate_case
from casebook.domain.reference import load_publisher
from casebook.engine.execute import write_compact
from casebook.render import pages

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CASEBOOK_CHROMIUM", "/usr/bin/chromium")
LOADS = 5
# One press on the amount header: the sort and the re-layout it causes (reading offsetHeight forces it).
SORT_BY_AMOUNT = """() => {
  const button = [...document.querySelectorAll('table.casebook-sortable thead button')].find(b => b.textContent === 'Belopp');
  const started = performance.now();
  button.click();
  document.body.offsetHeight;
  return performance.now() - started;
}"""


def _stand_in_notebook(path: Path, title: str, orphan: bool) -> None:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {title}")])
    if orphan:
        notebook.metadata["orphan"] = True
    write_compact(notebook, path)  # as the build publishes it


def build_site(root: Path, n: int) -> float:
    """Write a project with ``n`` fictional cases under ``root`` and build its site; the build's seconds."""
    shutil.copytree(
        REPO / "book", root / "book", ignore=shutil.ignore_patterns("cases", "_generated", "organisationer")
    )
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(REPO / name, root / name)
    reports = [
        evaluate_case(path, REPO / "data" / "reference", as_of=as_of_date())
        for path in generate(root / "data" / "cases", n)
    ]
    pages.write_generated(
        root, reports, root / "no-verification.json", {}, load_publisher(REPO / "data" / "reference"), {}
    )
    (root / "book" / "cases").mkdir()
    for report in reports:
        _stand_in_notebook(root / "book" / "cases" / f"{report.case.id}.ipynb", report.case.title, orphan=True)
    _stand_in_notebook(root / "book" / "portfolio.ipynb", "Portföljen", orphan=False)
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "jupyter-book"), "build", "--all", str(root)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def measure(site: Path) -> dict:
    """The case list's HTML size, the bytes it loads up to its load event, and the median load time."""
    from playwright.sync_api import sync_playwright

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/book/case_list.html"
    loads, loaded_bytes, by_type, sorts = [], [], [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            for _ in range(LOADS):
                context = browser.new_context()  # an empty cache every time
                page = context.new_page()
                responses = []
                page.on("response", lambda response: responses.append(response))
                page.goto(url, wait_until="load")
                timing = page.evaluate(
                    "() => { const t = performance.getEntriesByType('navigation')[0];"
                    " return t.loadEventEnd - t.startTime; }"
                )
                loads.append(timing)
                loaded = [(r.request.resource_type, len(r.body())) for r in list(responses) if r.ok]
                loaded_bytes.append(sum(size for _, size in loaded))
                kinds: dict[str, int] = {}
                for kind, size in loaded:
                    kinds[kind] = kinds.get(kind, 0) + size
                by_type.append(kinds)
                sorts.append(page.evaluate(SORT_BY_AMOUNT))
                rows = page.locator("main table.casebook-sortable tbody tr").count()
                context.close()
            browser.close()
    finally:
        httpd.shutdown()
    return {
        "rows_in_case_list": rows,
        "case_list_html_kB": round((site / "book" / "case_list.html").stat().st_size / 1000, 1),
        "case_list_loaded_kB": round(statistics.median(loaded_bytes) / 1000, 1),
        "load_ms_median_of_5": round(statistics.median(loads)),
        "load_ms_all": [round(t) for t in loads],
        "loaded_kB_by_type": {kind: round(size / 1000, 1) for kind, size in sorted(by_type[0].items())},
        "sort_by_amount_ms_median_of_5": round(statistics.median(sorts)),
    }


def main(n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build_seconds = build_site(root, n)
        return {"n": n, "site_only_build_s": round(build_seconds, 1), **measure(root / "_build" / "html")}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000), indent=2, ensure_ascii=False))
