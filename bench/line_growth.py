"""How the per-case work of a build grows with the financing lines of one case.

    python -m bench.line_growth 2500 5000 10000

For one generated case of each size (``bench.generate.case_with_many_lines``) it times, in
this process and best of ``--repeats``: evaluating the case file, what the case notebook
calls (``CaseView``: every table and chart of the page), the memo (``build_memo``, the Word
draft, the PDF/A), the report (``build_report`` and its PDF/A) and the open data
(``write_open_data``: tables, spreadsheet, 360Giving, catalogue). Then, per stage, the
ratio of each size's seconds to the previous size's: about 2 per doubling is linear, about 4
quadratic. ``--cpu`` counts this process's CPU seconds (all its
threads, Typst's too) instead of wall-clock seconds, which other work on a shared machine
inflates.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.generate import REPO, case_with_many_lines
from casebook.domain.clock import as_of_date

CREATED = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


CLOCK = time.perf_counter


def _best(work: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        gc.collect()  # the garbage of the previous stage is not this one's
        started = CLOCK()
        work()
        best = min(best, CLOCK() - started)
    return best


def _case_page(view) -> None:
    """What notebooks/case_report.ipynb calls, in its order."""
    view.glue_all()
    for part in (
        view.verdict,
        view.glued_values_table,
        view.narrative,
        view.facts_table,
        view.financing_table,
        view.financing_chart,
        view.proposal_table,
        view.decision_table,
        view.payment_chart,
        view.payment_table,
        view.follow_up_table,
        view.follow_up_status,
        view.payment_requests_table,
        view.cumulative_payment_chart,
        view.indicator_outcomes_table,
        view.compliance_summary,
        view.compliance_table,
        view.signatories_table,
        view.source_corrections_table,
    ):
        part()
    view.audit_table(None)
    view.history_table(None)


def stage_seconds(lines: int, repeats: int, documents: bool, page: bool = True) -> dict[str, float]:
    """Seconds of each stage for one case of ``lines`` financing lines."""
    from casebook.domain.evaluation import evaluate_case
    from casebook.domain.reference import load_national_agencies, load_publisher, load_regional_actors
    from casebook.render.case_view import CaseView
    from casebook.render.memo import build_memo, render_docx, render_pdf
    from casebook.render.opendata import write_open_data
    from casebook.render.report_pdf import build_report, render_report_pdf

    with tempfile.TemporaryDirectory(prefix="casebook-lines-") as folder:
        project = Path(folder)
        shutil.copytree(REPO / "data" / "reference", project / "data" / "reference")
        path = case_with_many_lines(project / "data" / "cases", lines)
        case_file = path.read_bytes()
        evaluated = evaluate_case(path, as_of=as_of_date())
        memo = build_memo(evaluated)
        report = build_report(CaseView(evaluated))
        reference = project / "data" / "reference"
        actors, agencies, publisher = (
            load_regional_actors(reference),
            load_national_agencies(reference),
            load_publisher(reference),
        )
        seconds = {"evaluate": _best(lambda: evaluate_case(path, as_of=as_of_date()), repeats)}
        if page:  # matplotlib draws a bar and two labels per line: most of the seconds at every size
            seconds["case page (CaseView)"] = _best(lambda: _case_page(CaseView(evaluated)), repeats)
        seconds |= {
            "memo: build_memo": _best(lambda: build_memo(evaluated), repeats),
            "memo: Word draft": _best(lambda: render_docx(memo, CREATED), repeats),
            "report: build_report": _best(lambda: build_report(CaseView(evaluated)), repeats),
            "open data (all files)": _best(
                lambda: write_open_data(
                    project / "open-data",
                    [evaluated],
                    actors,
                    agencies=agencies,
                    publisher=publisher,
                    as_of=as_of_date(),
                ),
                repeats,
            ),
        }
        if documents:  # Typst: seconds a size rather than milliseconds, so once
            seconds["memo: PDF/A"] = _best(lambda: render_pdf(memo, case_file, CREATED), 1)
            seconds["report: PDF/A"] = _best(lambda: render_report_pdf(report, case_file, CREATED), 1)
        return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", type=int, nargs="+")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-pdf", action="store_true", help="leave out the two PDF/A (Typst) stages")
    parser.add_argument("--no-page", action="store_true", help="leave out the case page (its chart takes the longest)")
    parser.add_argument("--cpu", action="store_true", help="CPU seconds of this process instead of wall-clock seconds")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.cpu else time.perf_counter
    sizes = sorted(args.lines)
    stage_seconds(100, 1, not args.no_pdf, not args.no_page)  # imports and first-use caches, not the smallest size's
    table = {lines: stage_seconds(lines, args.repeats, not args.no_pdf, not args.no_page) for lines in sizes}
    stages = list(table[sizes[0]])
    print(f"{'stage':24s}" + "".join(f"{n:>10d}" for n in sizes) + "   ratio per step")
    for stage in stages:
        row = [table[n][stage] for n in sizes]
        ratios = ", ".join(
            f"{b / a:.2f} ({m / n:g}x lines)" for a, b, n, m in zip(row, row[1:], sizes, sizes[1:], strict=False)
        )
        print(f"{stage:24s}" + "".join(f"{s:10.3f}" for s in row) + f"   {ratios}")


if __name__ == "__main__":
    main()
