"""Run Jupyter Book with Sphinx's parallel read and write (``-j``) where every extension allows it.

Jupyter Book 1's command line has no ``-j``. This module runs that same command with its
Sphinx application asked for ``JOBS`` processes; once the application has loaded every
extension (Jupyter Book's, MyST-NB's, the theme's, Sphinx's own), each extension's declared
metadata decides before anything is read: if any extension does not declare itself safe
for parallel reading *and* writing, the build runs serially and names it. Checked, not
assumed: an extension added later that is not parallel-safe turns ``-j`` off by itself.
(Sphinx's own check, ``Sphinx.is_parallel_allowed``, would warn instead, and the build
treats warnings as errors.)

    python -m casebook.engine.sphinx_jobs JOBS REPORT [--persistent] [jupyter-book arguments ...]

REPORT receives ``{"jobs": <used>, "requested": JOBS, "blockers": [...]}`` as JSON.

``--persistent`` keeps the Sphinx application, its extensions and its environment in
memory after the first build (for ``casebook serve``): every line ``build`` on standard
input runs one more incremental build, ``build defer-search`` one without the search index
(:data:`DEFER_SEARCH_INDEX`); end of input ends the process. After each build a line
``<DONE_MARKER> <status>`` (0: no warning, no error) goes to standard output. Starting
Python, importing Jupyter Book and loading the pickled environment is most of a one-page
rebuild at 1 000 pages (about 2,5 of 4 s), and is paid once.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

PHASES = ("read", "write")
PERSISTENT = "--persistent"
DONE_MARKER = "\x1ecasebook-sphinx-done"
# Set (to "1") while a build should leave the search index as it was; read by book/_ext/casebook_site.py.
DEFER_SEARCH_INDEX = "CASEBOOK_DEFER_SEARCH_INDEX"


def parallel_blockers(extensions: dict) -> list[str]:
    """Loaded extensions that do not declare parallel reading and writing safe, as ``name (phase)``."""
    return [
        f"{name} ({phase})"
        for name, extension in sorted(extensions.items())
        for phase in PHASES
        if getattr(extension, f"parallel_{phase}_safe", None) is not True
    ]


def _announce(status: int) -> None:
    sys.stderr.flush()
    print(f"{DONE_MARKER} {status}", flush=True)


def run(jobs: int, report: Path, arguments: list[str]) -> None:
    """Run ``jupyter-book ARGUMENTS`` with up to ``jobs`` Sphinx processes; exits as it does."""
    from jupyter_book import sphinx as book_sphinx
    from jupyter_book.cli.main import main as jupyter_book
    from sphinx.application import Sphinx

    persistent = PERSISTENT in arguments
    arguments = [argument for argument in arguments if argument != PERSISTENT]

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
            if persistent:
                self._serve_builds()

        def _serve_builds(self) -> None:
            """One incremental build per ``build`` line on standard input, until it ends."""
            _announce(self.statuscode)
            for line in sys.stdin:
                words = line.split()
                if not words or words[0] != "build":
                    continue
                os.environ[DEFER_SEARCH_INDEX] = "1" if "defer-search" in words else ""
                self._warncount, self.statuscode = 0, 0
                # Sphinx keeps the pickled doctrees it loaded for the rest of the process, and does
                # not forget them when a page is read again: in a kept process they would write
                # the previous build's content. Every build starts from the doctrees on disk.
                self.env._pickled_doctree_cache.clear()
                self.env._write_doc_doctree_cache.clear()
                super().build(False, None)
                _announce(self.statuscode)

    book_sphinx.Sphinx = CheckedParallelSphinx
    sys.argv = ["jupyter-book", *arguments]
    try:
        jupyter_book()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    # Leave without tearing down the environment object by object: at thousands of pages
    # that clean-up took over a second, and the process ends anyway.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run(int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
