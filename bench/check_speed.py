"""How long ``casebook check`` takes for N generated cases (wall seconds, best of a few runs).

    python -m bench.check_speed 1 1000
    python -m bench.check_speed --lines 10000    (one case with that many financing lines)

Each N gets a fresh project with N fictional cases (``bench/generate.py``, fixed seed);
the command runs in a new interpreter each time, imports included, as an analyst runs it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import REPO, case_with_many_lines, generate


def time_check(count: int, repeats: int = 3, lines: int = 0) -> float:
    """Best wall seconds of ``casebook check`` on ``count`` generated cases, or on one case of ``lines`` financing lines."""
    with tempfile.TemporaryDirectory(prefix="casebook-check-") as folder:
        project = Path(folder)
        shutil.copytree(REPO / "data" / "reference", project / "data" / "reference")
        if lines:
            case_with_many_lines(project / "data" / "cases", lines)
        else:
            generate(project / "data" / "cases", count)
        best = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            completed = subprocess.run([sys.executable, "-m", "casebook", "--root", str(project), "check"],
                                       capture_output=True, text=True, check=False)
            best = min(best, time.perf_counter() - started)
            if completed.returncode != 0:
                raise SystemExit(completed.stderr)
        return best


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("counts", type=int, nargs="*")
    parser.add_argument("--lines", type=int, nargs="*", default=[], help="one case with this many financing lines")
    args = parser.parse_args()
    for count in args.counts:
        print(f"N = {count}: casebook check {time_check(count):.2f} s")
    for lines in args.lines:
        print(f"one case, {lines} financing lines: casebook check {time_check(1, lines=lines):.2f} s")
