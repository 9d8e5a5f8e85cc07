"""How long ``casebook check`` takes for N generated cases (wall seconds, best of a few runs).

    python -m bench.check_speed 1 1000
    python -m bench.check_speed --lines 10000    (one case with that many financing lines)
    python -m bench.check_speed --stages 10000   (where the seconds of that case go, in this process)

Each N gets a fresh project with N fictional cases (``bench/generate.py``, fixed seed);
the command runs in a new interpreter each time, imports included, as an analyst runs it.
"""

from __future__ import annotations

import argparse
import hashlib
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
            completed = subprocess.run(
                [sys.executable, "-m", "casebook", "--root", str(project), "check"],
                capture_output=True,
                text=True,
                check=False,
            )
            best = min(best, time.perf_counter() - started)
            if completed.returncode != 0:
                raise SystemExit(completed.stderr)
        return best


def stage_seconds(lines: int, repeats: int = 3) -> dict[str, float]:
    """Best seconds of each stage of checking one case of ``lines`` financing lines, in this process
    (imports are left out: ``time_check`` includes them)."""
    from casebook.domain import wording
    from casebook.domain.case_file import read_case_bytes
    from casebook.domain.clock import as_of_date
    from casebook.domain.evaluation import EvaluatedCase, check_against_reference
    from casebook.domain.finance import financing_figures
    from casebook.domain.model import AS_OF, Case
    from casebook.domain.reference import load_national_agencies, load_regional_actors
    from casebook.domain.rules import CaseContext, evaluate
    from casebook.domain.yaml_reader import decode_utf8, read_yaml
    from casebook.engine.paths import ProjectPaths
    from casebook.engine.validate import attention_report

    with tempfile.TemporaryDirectory(prefix="casebook-check-") as folder:
        project = Path(folder)
        reference = project / "data" / "reference"
        shutil.copytree(REPO / "data" / "reference", reference)
        path = case_with_many_lines(project / "data" / "cases", lines)
        agencies, actors = load_national_agencies(reference), load_regional_actors(reference)
        as_of = as_of_date()
        best: dict[str, float] = {}
        for _ in range(repeats):

            def stage(name, work):
                started = time.perf_counter()
                result = work()
                best[name] = min(best.get(name, float("inf")), time.perf_counter() - started)
                return result

            raw = stage("read text", lambda: decode_utf8(read_case_bytes(path)))
            document = stage("YAML and its strict checks", lambda: read_yaml(raw))
            case = stage("pydantic validation", lambda: Case.model_validate(document, context={AS_OF: as_of}))
            stage(
                "reference and proposal checks",
                lambda: (check_against_reference(case, path, agencies), wording.proposal_problems(case)),
            )
            figures = stage("figures", lambda: financing_figures(case))
            results = stage("rules", lambda: tuple(evaluate(CaseContext(case, figures, actors, agencies, as_of))))
            evaluated = EvaluatedCase(case, figures, results, path, as_of, hashlib.sha256(raw.encode()).hexdigest())
            stage("attention listing", lambda: attention_report(ProjectPaths.at(project), [evaluated]))
        return best


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("counts", type=int, nargs="*")
    parser.add_argument("--lines", type=int, nargs="*", default=[], help="one case with this many financing lines")
    parser.add_argument(
        "--stages", type=int, nargs="*", default=[], help="seconds per stage of one case with this many lines"
    )
    args = parser.parse_args()
    for count in args.counts:
        print(f"N = {count}: casebook check {time_check(count):.2f} s")
    for lines in args.lines:
        print(f"one case, {lines} financing lines: casebook check {time_check(1, lines=lines):.2f} s")
    for lines in args.stages:
        print(f"one case, {lines} financing lines, per stage (in this process, imports left out):")
        for name, seconds in stage_seconds(lines).items():
            print(f"  {name:32s} {seconds:.3f} s")
