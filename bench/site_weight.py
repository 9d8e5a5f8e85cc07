"""Published bytes per case, by file kind (issue #26: at most 250 kB per case at N = 1 000).

Builds a project of N fictional cases (``bench.generate``) for each N with ``casebook build``,
one after the other in one run, then sorts every published file of ``_build/html`` into a
kind (case page, notebook, memo PDF, report PDF, charts, search index, open data, ...) and
reports, per kind, its bytes per case: what grows with the number of cases. The difference
between two N, divided by the difference in cases, separates what each case adds from what
the site costs once (the theme, the scripts, the book's own pages).

    python -m bench.site_weight N [N...] [--keep DIR]

Prints the table; ``make bench`` puts the same table, for the sites of its whole builds,
in ``bench/results.md`` (:func:`table`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

BUILD_MOMENT = "1764460800"  # 2025-11-30T00:00:00Z: the documents' dates, and so their bytes, fixed

KINDS = (
    # (kind, test on the path relative to the site root), first match wins.
    ("case page (HTML)", lambda p: p.startswith("book/cases/") and p.endswith(".html")),
    ("case notebook (.ipynb)", lambda p: p.startswith("_sources/book/cases/")),
    ("memo PDF", lambda p: p.startswith("memo/") and p.endswith(".pdf")),
    ("memo Word draft", lambda p: p.startswith("memo/") and p.endswith(".docx")),
    ("report PDF", lambda p: p.startswith("rapport/")),
    ("charts (SVG)", lambda p: p.startswith("_images/")),
    ("search index", lambda p: p.startswith("pagefind/")),
    ("open data", lambda p: p.startswith("data/")),
    ("organisation pages", lambda p: p.startswith("book/organisationer")),
    ("theme and scripts", lambda p: p.startswith("_static/") or p.startswith("_sphinx_design_static/")),
    ("other pages and sources", lambda p: True),
)


def weigh(site: Path) -> Counter:
    """Bytes of every published file under ``site``, summed per kind of :data:`KINDS`."""
    weights: Counter = Counter()
    for path in site.rglob("*"):
        if path.is_file():
            relative = path.relative_to(site).as_posix()
            kind = next(name for name, test in KINDS if test(relative))
            weights[kind] += path.stat().st_size
    return weights


def table(weights: dict[int, Counter]) -> str:
    """Markdown: kB per case of each kind at each N and, over two N or more, what each further case adds."""
    sizes = sorted(weights)
    header = ["published kind"] + [f"kB per case, N = {n}" for n in sizes]
    if len(sizes) > 1:
        header.append(f"kB each case adds, N = {sizes[0]} → {sizes[-1]}")
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    for kind in [*(name for name, _ in KINDS), "total"]:

        def total(n: int, kind: str = kind) -> int:
            return sum(weights[n].values()) if kind == "total" else weights[n][kind]

        row = [kind] + [f"{total(n) / n / 1000:.1f}" for n in sizes]
        if len(sizes) > 1:
            row.append(f"{(total(sizes[-1]) - total(sizes[0])) / (sizes[-1] - sizes[0]) / 1000:.1f}")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="+", help="numbers of cases")
    parser.add_argument("--keep", type=Path, help="build the projects here and keep them")
    args = parser.parse_args()
    from bench.run import make_project  # bench.run imports this module for its table

    weights = {}
    folder = contextlib.nullcontext(args.keep) if args.keep else tempfile.TemporaryDirectory(prefix="casebook-weight-")
    with folder as root:
        for n in args.sizes:
            project = make_project(Path(root) / f"n{n}", n)
            env = {**os.environ, "SOURCE_DATE_EPOCH": BUILD_MOMENT}
            subprocess.run(
                [sys.executable, "-m", "casebook", "build"], cwd=project, env=env, check=True, stdout=subprocess.DEVNULL
            )
            weights[n] = weigh(project / "_build" / "html")
    print(table(weights), end="")


if __name__ == "__main__":
    main()
