"""Run Jupyter Book with Sphinx's parallel read and write (``-j``) where every extension allows it.

Jupyter Book 1's command line has no ``-j``. This module runs that same command with its
Sphinx application asked for ``JOBS`` processes; once the application has loaded every
extension (Jupyter Book's, MyST-NB's, the theme's, Sphinx's own), each extension's declared
metadata decides before anything is read: if any extension does not declare itself safe
for parallel reading *and* writing, the build runs serially and names it. Checked, not
assumed: an extension added later that is not parallel-safe turns ``-j`` off by itself.
(Sphinx's own check, ``Sphinx.is_parallel_allowed``, would warn instead, and the build
treats warnings as errors.)

    python -m casebook.engine.sphinx_jobs JOBS REPORT [jupyter-book arguments ...]

REPORT receives ``{"jobs": <used>, "requested": JOBS, "blockers": [...]}`` as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

PHASES = ("read", "write")


def parallel_blockers(extensions: dict) -> list[str]:
    """Loaded extensions that do not declare parallel reading and writing safe, as ``name (phase)``."""
    return [
        f"{name} ({phase})"
        for name, extension in sorted(extensions.items())
        for phase in PHASES
        if getattr(extension, f"parallel_{phase}_safe", None) is not True
    ]


def run(jobs: int, report: Path, arguments: list[str]) -> None:
    """Run ``jupyter-book ARGUMENTS`` with up to ``jobs`` Sphinx processes; exits as it does."""
    from jupyter_book import sphinx as book_sphinx
    from jupyter_book.cli.main import main as jupyter_book
    from sphinx.application import Sphinx

    class CheckedParallelSphinx(Sphinx):
        def __init__(self, *args, **kwargs):
            kwargs["parallel"] = jobs
            super().__init__(*args, **kwargs)

        def build(self, force_all: bool = False, filenames: list[str] | None = None) -> None:
            blockers = parallel_blockers(self.extensions)
            if blockers:
                self.parallel = 1
            report.write_text(json.dumps({"jobs": self.parallel, "requested": jobs, "blockers": blockers}),
                              encoding="utf-8")
            super().build(force_all, filenames)

    book_sphinx.Sphinx = CheckedParallelSphinx
    sys.argv = ["jupyter-book", *arguments]
    jupyter_book()


if __name__ == "__main__":
    run(int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
