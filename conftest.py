"""How a parallel test run (pytest-xdist, ``make test``) shares the tests out between workers.

At the repository's root so that pytest loads it for every run, a run of ``notebooks/`` or of
one test file included (``tests/conftest.py`` holds the tests' fixtures and tiers).
"""

from __future__ import annotations

import pytest

# --- Parallel runs (pytest-xdist) -----------------------------------------------------------
# `make test` runs the tests in parallel (`pytest -n`, one worker more than the cores). One worker runs a whole file
# (the cells of a notebook run in order in one kernel, and a module's fixtures are made once),
# and the files that read one of the sites built once per session run in one worker too, so
# that each site is still built once: SITE_FILES, checked against the tests' fixtures at every
# collection. (xdist's own `--dist loadgroup` cannot do this with pytest 9.2: it renames the
# tests through an attribute that pytest no longer reads.)
SITE_FILES = {
    "reference_project": (
        "test_build.py",
        "test_build_imports.py",
        "test_execution_cache.py",
        "test_incremental.py",
        "test_memo.py",
        "test_report_pdf.py",
    ),
    "fictional_project": ("test_case_list.py", "test_search_parts.py", "test_verify.py"),
    "reader_site": ("test_browser.py", "test_reading.py"),
}
SITE_OF_FILE = {f"tests/{name}": site for site, names in SITE_FILES.items() for name in names}


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: a venv without it runs the tests serially
def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") not in ("load", "loadscope"):
        return None  # another distribution asked for by hand (--dist each, ...): xdist's own
    from xdist.scheduler import LoadScopeScheduling

    class FileOrSite(LoadScopeScheduling):
        """xdist's scheduling by scope, the scope being a test's file or the session site it reads."""

        def _split_scope(self, nodeid: str) -> str:
            file = nodeid.split("::", 1)[0]
            return SITE_OF_FILE.get(file, file)

    return FileOrSite(config, log)


def _check_site_files(items) -> None:
    """Every collected file that reads a session site is scheduled with that site."""
    for item in items:
        file = item.nodeid.split("::", 1)[0]
        for site in SITE_FILES:
            if site in getattr(item, "fixturenames", ()) and SITE_OF_FILE.get(file) != site:
                raise pytest.UsageError(f"{file} reads {site}: add it to SITE_FILES in conftest.py")


def pytest_collection_modifyitems(items) -> None:
    _check_site_files(items)
