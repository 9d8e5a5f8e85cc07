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
    python -m casebook.engine.sphinx_jobs --in-process JOBS REPORT [--persistent] [...]   (no child, no later index)

REPORT receives ``{"jobs": <used>, "requested": JOBS, "blockers": [...], "frozen": <objects>,
"collections_in_setup": <count>}`` as JSON: ``frozen``, the objects exempted from garbage
collection once Sphinx is set up, and ``collections_in_setup``, the collections run while it
was set up (none: the collector is paused then; ``casebook.engine.heap``).

Jupyter Book runs in a child process; the site's search index (Pagefind, in parts:
casebook.engine.search_index, started by the site's extension, casebook/engine/site_extension.py)
is built by this process after that child has exited. Pagefind holds every indexed page's
words at once (about 0,5 MiB a case page, so the index is built one part of at most about
2 000 pages at a time) and the Sphinx process still holds its environment and search index
when its build finishes (about 0,1 MiB a page), so running them one after the other instead
of together keeps the peak memory of a large build down to the larger of the two
(bench/site_scale.py).

``--persistent`` (with ``--in-process``, for ``casebook serve``) keeps the Sphinx
application, its extensions and its environment in memory after the first build: every
line ``build`` on standard input runs one more incremental build, ``build defer-search``
one where only pages changed: without the search indexes (:data:`DEFER_SEARCH_INDEX`,
:data:`SKIPPED_FOR_PAGES`) and without copying the extra files again; end of input ends the process.
After each build a line ``<DONE_MARKER> <status>`` (0: no warning, no error) goes to
standard output. Starting Python, importing Jupyter Book and loading the pickled
environment is most of a one-page rebuild at 1 000 pages (about 2,5 of 4 s), and is paid
once. Such a process indexes the site itself (it does not exit in between).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from casebook.engine import heap, lifetime, sphinx_internals
from casebook.engine.search_index import SearchIndexFailed, build_search_index

PHASES = ("read", "write")
# The HTML builder's steps that a kept process leaves out of a build where only pages changed
# (``build defer-search``, from casebook.engine.site.update_pages), each O(all pages) and
# together over 1 s of a one-page build at 1 000 cases: copying the extra files (documents,
# open data; unchanged by construction, and compared byte for byte) and writing Sphinx's
# search index. The next whole build reads those pages again (update_pages marks them), so
# it writes them into Sphinx's search index.
SKIPPED_FOR_PAGES = ("copy_extra_files", "dump_search_index")
PERSISTENT = "--persistent"
DONE_MARKER = "\x1ecasebook-sphinx-done"
# Set (to "1") while a build should leave the search index as it was; read by casebook/engine/site_extension.py.
DEFER_SEARCH_INDEX = "CASEBOOK_DEFER_SEARCH_INDEX"

# Set for the Jupyter Book child: the file into which the site's extension writes, as JSON,
# the finished site's directory and its search index's part size (``{"site": ..., "pages_per_part": ...}``)
# instead of indexing it itself.
SEARCH_INDEX_LATER = "CASEBOOK_SEARCH_INDEX_LATER"


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
            before = heap.collections()
            with heap.collector_paused():  # not while the environment of every page is unpickled
                super().__init__(*args, **kwargs)
                self.collections_in_setup = heap.collections() - before
                self.frozen = heap.exempt_for_good()  # live until the process ends

        def build(self, force_all: bool = False, filenames: list[str] | None = None) -> None:
            blockers = parallel_blockers(self.extensions)
            if blockers:
                self.parallel = 1
            report.write_text(
                json.dumps(
                    {
                        "jobs": self.parallel,
                        "requested": jobs,
                        "blockers": blockers,
                        "frozen": self.frozen,
                        "collections_in_setup": self.collections_in_setup,
                    }
                ),
                encoding="utf-8",
            )
            # What the extensions registered before any page was written. The theme registers a
            # script on every page it writes (``DOCUMENTATION_OPTIONS.pagename``), and Sphinx adds
            # whatever is registered to every page of the next build: in a kept process each
            # page would carry the scripts of every page written before.
            registered = sphinx_internals.page_assets(self)
            super().build(force_all, filenames)
            if persistent:
                self._serve_builds(registered)

        def _serve_builds(self, registered: tuple[list, list, list, list]) -> None:
            """One incremental build per ``build`` line on standard input, until it ends; each
            starts with the scripts and styles the extensions had ``registered`` before the first."""
            _announce(self.statuscode)
            for line in sys.stdin:
                words = line.split()
                if not words or words[0] != "build":
                    continue
                pages_only = "defer-search" in words
                os.environ[DEFER_SEARCH_INDEX] = "1" if pages_only else ""
                sphinx_internals.reset_warning_count(self)
                self.statuscode = 0
                # Sphinx keeps the pickled doctrees it loaded for the rest of the process, and does
                # not forget them when a page is read again: in a kept process they would write
                # the previous build's content. Every build starts from the doctrees on disk.
                sphinx_internals.forget_all_doctrees(self.env)
                sphinx_internals.restore_page_assets(self, registered)
                if pages_only:
                    for step in SKIPPED_FOR_PAGES:
                        setattr(self.builder, step, lambda: None)
                try:
                    super().build(False, None)
                finally:
                    for step in SKIPPED_FOR_PAGES:
                        vars(self.builder).pop(step, None)
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


def run_then_index(jobs: int, report: Path, arguments: list[str]) -> int:
    """:func:`run` in a child process, then the search index of the site it built; the exit status."""
    handoff = report.with_name(report.name + ".site")
    handoff.unlink(missing_ok=True)
    child = [sys.executable, "-m", "casebook.engine.sphinx_jobs", "--in-process", str(jobs), str(report), *arguments]
    completed = subprocess.run(
        child, env={**os.environ, SEARCH_INDEX_LATER: str(handoff)}, check=False, preexec_fn=lifetime.dies_with_us()
    )  # it ends with this process, kill -9 included
    if completed.returncode != 0 or not handoff.exists():  # failed, or built no HTML site
        return completed.returncode
    finished = json.loads(handoff.read_text(encoding="utf-8"))
    handoff.unlink()
    try:
        build_search_index(Path(finished["site"]), finished["pages_per_part"])
    except SearchIndexFailed as failure:
        print(f"ERROR: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "--in-process":
        run(int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4:])
    else:
        sys.exit(run_then_index(int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]))
