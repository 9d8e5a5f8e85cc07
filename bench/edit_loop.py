"""Edit-loop latency: from saving a case file to its page showing the change in ``casebook serve``.

Starts ``casebook serve`` on a project (one process, as an analyst runs it), waits for its
first build, then changes one case's title ``--edits`` times, a different case each time
(the title is on the case page and in the case list). For each save it measures, by
asking the server every 50 ms:

- page: until the served case page shows the new title (what the analyst waits for);
- site: until the served case list shows it too (the whole incremental build published).

The browser's own reload adds at most one poll interval (0,5 s) on top, not counted here.

    python -m bench.edit_loop PROJECT [--edits 5] [--port 8765]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

POLL_SECONDS = 0.05


@dataclass
class EditLoop:
    cases: int
    page_s: list[float]
    site_s: list[float]

    @property
    def page_median(self) -> float:
        return statistics.median(self.page_s)

    @property
    def site_median(self) -> float:
        return statistics.median(self.site_s)


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _wait_for(predicate, timeout: float, what: str, server: subprocess.Popen) -> float:
    started = time.perf_counter()
    while not predicate():
        if server.poll() is not None:
            raise RuntimeError(f"casebook serve ended while waiting for {what}; see serve.log in the project")
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"timed out waiting for {what}; see serve.log in the project")
        time.sleep(POLL_SECONDS)
    return time.perf_counter() - started


def measure(project: Path, edits: int = 5, port: int = 8765, timeout: float = 1800) -> EditLoop:
    """Run serve on ``project`` (already built once, or not) and time ``edits`` saves."""
    base = f"http://127.0.0.1:{port}"
    cases = sorted((project / "data" / "cases").glob("*.yaml"))
    log = project / "serve.log"  # what serve printed, to see why a wait failed
    with open(log, "w", encoding="utf-8") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "casebook", "--root", str(project), "serve", "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    page_s, site_s = [], []
    try:
        _wait_for(lambda: _get(f"{base}/_casebook/reload") not in ("", "0"), timeout, "the first build", server)
        for edit in range(edits):
            case = cases[(len(cases) * (2 * edit + 1)) // (2 * edits)]
            marker = f"ÄNDRAD{edit}X{int(time.time())}"
            text = case.read_text(encoding="utf-8")
            title_line = next(line for line in text.splitlines() if line.startswith("title:"))
            saved = time.perf_counter()
            case.write_text(text.replace(title_line, f"title: {marker} {title_line[6:].strip()}", 1), encoding="utf-8")
            page = f"{base}/book/cases/{case.stem}.html"
            _wait_for(lambda: marker in _get(page), timeout, f"the page of {case.stem}", server)
            page_s.append(round(time.perf_counter() - saved, 2))
            _wait_for(lambda: marker in _get(f"{base}/book/case_list.html"), timeout, "the case list", server)
            site_s.append(round(time.perf_counter() - saved, 2))
            print(f"  edit {edit + 1}: page {page_s[-1]:.2f} s, whole site {site_s[-1]:.2f} s", flush=True)
            time.sleep(1)  # let the watcher settle before the next save
    finally:
        server.terminate()
        server.wait(timeout=60)
    return EditLoop(len(cases), page_s, site_s)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", type=Path)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    result = measure(args.project.resolve(), args.edits, args.port)
    print(
        json.dumps({**asdict(result), "page_median": result.page_median, "site_median": result.site_median}, indent=2)
    )
