"""Both documents (memo and report PDF) of the first COUNT cases of a project, written into an
empty folder as the build writes them: one after the other, or in the build's document
workers (``casebook.engine.workers.document_workers``).

    python -m bench.documents PROJECT COUNT (--serial | --workers)

Run by ``bench/run.py`` in a new interpreter for each row. A document worker imports the
main module of the program that started it, so this module imports little at its top.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def write_documents(project: Path, count: int, workers: bool) -> None:
    from casebook.domain.clock import as_of_date
    from casebook.engine.documents import write_memos, write_reports
    from casebook.engine.paths import ProjectPaths
    from casebook.engine.site import default_jobs
    from casebook.engine.validate import validate_all
    from casebook.engine.workers import document_workers

    cases = validate_all(ProjectPaths.at(project), as_of=as_of_date())[:count]
    with (
        tempfile.TemporaryDirectory(prefix="documents-") as out,
        document_workers(default_jobs() if workers else 1) as mapper,
    ):
        write_memos(Path(out) / "memo", cases, mapper=mapper)
        write_reports(Path(out) / "rapport", cases, mapper=mapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("count", type=int)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--serial", action="store_true")
    mode.add_argument("--workers", action="store_true")
    args = parser.parse_args()
    write_documents(args.project, args.count, args.workers)


if __name__ == "__main__":
    main()
