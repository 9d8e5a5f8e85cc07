"""Shared fixtures. Paths are relative to the repository root, found from this file."""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cbor2
import pytest
from hypothesis import settings

from casebook.domain import clock
from casebook.domain.case_file import load_case
from casebook.domain.clock import as_of_date
from casebook.domain.finance import financing_figures
from casebook.domain.model import Case
from casebook.domain.reference import load_national_agencies, load_regional_actors
from casebook.domain.rules import CaseContext, RuleResult, evaluate

# No per-example deadline for any property test: on a shared machine an example's time says
# nothing about the code (performance is measured in bench/, not asserted in tests).
settings.register_profile("casebook", deadline=None)
settings.load_profile("casebook")

REPO = Path(__file__).resolve().parents[1]
SPIN_PATH = REPO / "data" / "cases" / "rjh-2025-spin.yaml"
FICTIONAL_BASE_PATH = REPO / "tests" / "cases" / "fiktiv-bas.yaml"
REFERENCE_DIR = REPO / "data" / "reference"


def evaluate_case(case: Case) -> dict[str, RuleResult]:
    ctx = CaseContext(
        case,
        financing_figures(case),
        load_regional_actors(REFERENCE_DIR),
        load_national_agencies(REFERENCE_DIR),
        as_of=as_of_date(),
    )
    return {r.rule.id: r for r in evaluate(ctx)}


@pytest.fixture(scope="session")
def spin() -> Case:
    return load_case(SPIN_PATH, as_of=as_of_date())


@pytest.fixture(scope="session")
def fictional_base() -> Case:
    return load_case(FICTIONAL_BASE_PATH, as_of=as_of_date())


# --- Test tiers -----------------------------------------------------------------------------
# The markers (registered in pyproject.toml) say what a test needs, so a tier can run alone
# (`pytest -m unit`, docs/development.md):
#   e2e      builds a whole site, or drives a whole outside application (LibreOffice, make on
#            a fresh clone): marked in its module, as each module knows, and given here to
#            every test that reads one of the sites built once per session (SESSION_SITES)
#   browser  drives Chromium: every test that uses the ``browser`` fixture (``page`` uses it)
#   kernel   starts a Jupyter kernel without building a site: the notebooks nbval re-runs and
#            every test of the modules in KERNEL_MODULES
#   process  starts another program (the command line, git, a validator, worker processes)
#            but no kernel: every test of the modules in PROCESS_MODULES
#   unit     none of these: Python in the test's own process only; the tier runs in seconds
# A test can carry e2e and browser both; unit is given here to every test that has no other.
# A module is listed as a whole when any of its tests starts a kernel or a program.
KERNEL_MODULES = frozenset({"test_execution_cache.py", "test_notebook_path.py", "test_zygote.py"})
PROCESS_MODULES = frozenset(
    {
        "test_bad_input.py",
        "test_data_history.py",
        "test_document_workers.py",
        "test_follow_up_incremental.py",
        "test_history.py",
        "test_incremental.py",
        "test_layers.py",
        "test_makefile.py",
        "test_opendata_catalogues.py",
        "test_organisation_number.py",
        "test_overlap.py",
        "test_publish.py",
        "test_running_elsewhere.py",
        "test_search_index.py",
        "test_shards.py",
        "test_sphinx_jobs.py",
        "test_text_fields.py",
        "test_validate_cache.py",
        "test_workflow.py",
    }
)
TIERS = ("e2e", "browser", "kernel", "process")
SESSION_SITES = ("reference_project", "fictional_project", "reader_site")


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        if any(site in getattr(item, "fixturenames", ()) for site in SESSION_SITES):
            item.add_marker(pytest.mark.e2e)
        if item.path.suffix == ".ipynb" or item.path.name in KERNEL_MODULES:
            item.add_marker(pytest.mark.kernel)
        if item.path.name in PROCESS_MODULES:
            item.add_marker(pytest.mark.process)
        if not any(item.get_closest_marker(tier) for tier in TIERS):
            item.add_marker(pytest.mark.unit)


PROJECT_FILES = ("_config.yml", "_toc.yml", "book", "notebooks", "data")


def copy_project(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(
                source, target / name, ignore=shutil.ignore_patterns("cases", "_generated", ".ipynb_checkpoints")
            )
        else:
            shutil.copy2(source, target / name)
    (target / "data" / "cases").mkdir(exist_ok=True)
    for case in (REPO / "data" / "cases").glob("*.yaml"):
        shutil.copy2(case, target / "data" / "cases" / case.name)
    return target


def git(root: Path, *args: str) -> str:
    command = [
        "git",
        "-c",
        "user.name=Test",
        "-c",
        "user.email=test@example.invalid",
        "-c",
        "commit.gpgsign=false",
        *args,
    ]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, check=True).stdout.strip()


def make_git_history(root: Path) -> None:
    """Two commits that touch the SPIN case file, so the page has a change history."""
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Lägg till SPIN")
    case = root / "data" / "cases" / "rjh-2025-spin.yaml"
    case.write_text(case.read_text(encoding="utf-8") + "# Granskad.\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "Granska SPIN")


def casebook(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the command line on the project at ``root`` and capture what it prints."""
    return subprocess.run(
        [sys.executable, "-m", "casebook", "--root", str(root), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        env={**os.environ, **(env or {})},
    )


def published_site(root: Path) -> Path:
    """Build the project at ``root`` (it must succeed) and return its published site's folder;
    the site is a link to a versioned folder, and links inside it resolve there."""
    completed = casebook(root, "build")
    assert completed.returncode == 0, completed.stderr
    return (root / "_build" / "html").resolve()


def add_cell(template: Path, source: str) -> int:
    """Append a code cell to a notebook template; its 1-based position once papermill injects parameters."""
    import nbformat

    notebook = nbformat.read(template, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(source))
    nbformat.write(notebook, template)
    return len(notebook.cells) + 1


def add_fictional_case(root: Path, case_id: str) -> Path:
    """A copy of the fictional base case under a new id, in the project's cases folder."""
    text = FICTIONAL_BASE_PATH.read_text(encoding="utf-8").replace("id: fiktiv-bas", f"id: {case_id}")
    target = root / "data" / "cases" / f"{case_id}.yaml"
    target.write_text(text, encoding="utf-8")
    return target


def stale_notebooks(paths, work: Path) -> list[str]:
    """What a build would execute now (``_portfolio`` for the portfolio), by planning only."""
    from casebook.engine.cache import ExecutionCache
    from casebook.engine.plan import plan_executions
    from casebook.engine.validate import validate_all

    moment = clock.now()
    plan = plan_executions(paths, validate_all(paths, as_of=clock.date_of(moment)), ExecutionCache(paths), work, moment)
    return sorted(job.name for job in plan.jobs)


def execute_everything(paths, work: Path) -> None:
    """Stand-in for execution: store each planned notebook under its key."""
    from casebook.engine.cache import ExecutionCache
    from casebook.engine.plan import plan_executions
    from casebook.engine.validate import validate_all

    cache = ExecutionCache(paths)
    moment = clock.now()
    for job in plan_executions(paths, validate_all(paths, as_of=clock.date_of(moment)), cache, work, moment).jobs:
        job.output.write_text("{}")
        cache.store(job.name, job.cache_key, job.output, job.parameters.get("audit"))


def build_summary(root: Path, tmp_path: Path, env: dict[str, str] | None = None) -> dict:
    """Run ``casebook build`` (with ``env`` added to the environment) and return its JSON summary."""
    summary = tmp_path / "summary.json"
    completed = casebook(root, "build", "--summary", str(summary), env=env)
    assert completed.returncode == 0, completed.stderr
    return json.loads(summary.read_text())


def frictionless_validate(folder: Path) -> tuple[int, dict]:
    """``frictionless validate --json datapackage.json`` in ``folder``: exit code and report."""
    command = [str(Path(sys.executable).parent / "frictionless"), "validate", "--json", "datapackage.json"]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
    return done.returncode, json.loads(done.stdout)


# --- Sites built once per session ----------------------------------------------------------
# A whole-site build takes a minute or more, so the modules that only read a built site share
# these. A test that changes a project works on its own copy (``copy_built_project``): the copy
# keeps the build's caches, so building it again runs only what the change made stale.

REFERENCE_EPOCH = "1764460800"  # 2025-11-30T00:00:00Z: the build date of the reference site
REFERENCE_SUMMARY = "summary.json"  # the reference build's summary, beside the project's folder
REFERENCE_OUTPUT = "build.txt"  # ... and what it printed
HOSTILE_CASE = REPO / "tests" / "hostile" / "fiktiv-injektion.yaml"
FICTIONAL_CASES = ("fiktiv-bas", "fiktiv-norr", "fiktiv-syd")


@pytest.fixture(scope="session")
def reference_project(tmp_path_factory) -> Path:
    """The repository's project (SPIN) with two commits of its case file, built once at
    ``REFERENCE_EPOCH``: the site of tests/test_build.py, tests/test_memo.py and
    tests/test_report_pdf.py. Its site is ``_build/html``; the build's summary is
    ``REFERENCE_SUMMARY`` in the project's parent folder, what it printed ``REFERENCE_OUTPUT``."""
    root = copy_project(tmp_path_factory.mktemp("reference") / "repo")
    make_git_history(root)
    summary = root.parent / REFERENCE_SUMMARY
    completed = casebook(root, "build", "--summary", str(summary), env={"SOURCE_DATE_EPOCH": REFERENCE_EPOCH})
    assert completed.returncode == 0, completed.stderr
    (root.parent / REFERENCE_OUTPUT).write_text(completed.stderr, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def fictional_project(tmp_path_factory) -> Path:
    """SPIN and three fictional cases (``FICTIONAL_CASES``) with a search index in parts of one
    case page each (tests/test_search_parts.py), built once: the site of
    tests/test_case_list.py, tests/test_search_parts.py and tests/test_verify.py."""
    root = copy_project(tmp_path_factory.mktemp("fictional") / "repo")
    for case_id in FICTIONAL_CASES:
        shutil.copy2(REPO / "tests" / "cases" / f"{case_id}.yaml", root / "data" / "cases" / f"{case_id}.yaml")
    config = root / "_config.yml"
    text = config.read_text(encoding="utf-8")
    assert "\n  config:\n" in text
    config.write_text(
        text.replace("\n  config:\n", "\n  config:\n    casebook_search_part_pages: 1\n", 1), encoding="utf-8"
    )
    published_site(root)
    return root


@pytest.fixture(scope="session")
def reader_site(tmp_path_factory) -> Path:
    """SPIN and a hostile fictional case, built once for the modules that read the site as a
    reader does (tests/test_browser.py, tests/test_reading.py)."""
    root = copy_project(tmp_path_factory.mktemp("repo"))
    shutil.copy2(HOSTILE_CASE, root / "data" / "cases" / HOSTILE_CASE.name)
    return published_site(root)


def copy_built_project(project: Path, target: Path) -> Path:
    """A copy of a built project that a test may change and build again (the site link is
    relative, so the copy publishes into itself; its caches make a rebuild incremental)."""
    return Path(shutil.copytree(project, target, symlinks=True))


# --- The browser (headless Chromium driven by Playwright) ---------------------------------
# Modules that use these fixtures define a module-scoped ``site`` fixture: the built site.

CHROMIUM = os.environ.get("CASEBOOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output readable
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # A test closes its page once it has what it checks; a file still being sent then
        # meets a closed connection, which is no error of the site.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def server(site):
    """The built site over HTTP on 127.0.0.1."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), f"Chromium saknas: {CHROMIUM} (.ci/run installerar Debians chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A blank page in a fresh context that records JavaScript dialogs (``page.dialogs``) and
    uncaught errors (``page.errors``)."""
    context = browser.new_context()
    page = context.new_page()
    page.dialogs, page.errors = [], []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


# Until the page has loaded (its styles, scripts and images) and its web fonts are ready: what
# a reader sees laid out. Not Playwright's "networkidle", which waits a further 500 ms without
# a request (about 0,6 s an opening here, a minute and a half over the browser tests); only
# the test that every request succeeds waits for that.
# A page that sends the reader on (the site's root index.html) is followed to where it sends:
# Playwright's wait for a function outlives the navigation and asks again on the next page. A
# page with a case search waits until it is complete, filters shown (its region's aria-busy
# gone: book/_static/casebook-search.js).
LAID_OUT = """() => document.readyState === "complete" && !document.querySelector('meta[http-equiv="refresh"]')
  && document.fonts.status === "loaded" && !document.querySelector('[data-casebook-search][aria-busy]')"""


def open_laid_out(page, url: str) -> None:
    page.goto(url, wait_until="load")
    page.wait_for_function(LAID_OUT)


def recorded_problems(page) -> list[str]:
    """A list that receives every console error and warning, uncaught error, failed request
    and HTTP error of ``page`` from now on."""
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}") if message.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"JavaScript: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"misslyckad begäran: {request.url}"))
    page.on(
        "response",
        lambda response: problems.append(f"HTTP {response.status}: {response.url}") if response.status >= 400 else None,
    )
    return problems


def open_page(browser, server, path, width=1280, height=800, every_request=False):
    """A page in a fresh context, laid out, with every console error and failed request
    recorded; ``every_request``: also wait until no request has been made for 500 ms."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    problems = recorded_problems(page)
    if every_request:
        page.goto(f"{server}/{path}", wait_until="networkidle")
    else:
        open_laid_out(page, f"{server}/{path}")
    return context, page, problems


# How Pagefind 1.5.2's scripts name its worker and WebAssembly, relative to their part's folder.
PAGEFIND_SCRIPT = "workerUrl=`${basePath}pagefind-worker.js`; wasm_url=`${this.basePath}wasm.${language}.pagefind`"
PAGEFIND_WORKER = "wasm_url=`${this.basePath}wasm.${language}.pagefind`"


def write_pagefind_part(output: Path, filters: list[tuple[str, list[tuple[str, list[int]]]]]) -> None:
    """What Pagefind 1.5.2 writes into a part that matters to casebook.engine.search_index: its
    entry, its metadata and one file per filter, each gzip with a time stamp, the filters and
    their values in the order given (Pagefind's is a hash map's), files named by a hash; its
    script, worker and WebAssembly, in short, naming one another as Pagefind's do."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "pagefind.js").write_text(f"/* of part {output.name} */{PAGEFIND_SCRIPT}", encoding="utf-8")
    (output / "pagefind-worker.js").write_text(PAGEFIND_WORKER, encoding="utf-8")
    (output / "wasm.sv.pagefind").write_bytes(b"\0asm sv")
    (output / "wasm.unknown.pagefind").write_bytes(b"\0asm unknown")

    def write(folder: Path, prefix: str, content: object, suffix: str) -> str:
        data = b"pagefind_dcd" + cbor2.dumps(content)
        name = f"sv_{hashlib.md5(data + b'pagefind').hexdigest()[:7]}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{prefix}{name}{suffix}").write_bytes(gzip.compress(data, mtime=1))
        return name

    pairs = [
        [name, write(output / "filter", "", [name, [[v, pages] for v, pages in values]], ".pf_filter")]
        for name, values in filters
    ]
    metadata = [
        "1.5.2",
        [["sv_43aaf93", 2198]],
        [["0", "yaml", "sv_a0c0396"]],
        pairs,
        [["datum", [0]]],
        ["lage", "title"],
    ]
    meta_name = write(output, "pagefind.", metadata, ".pf_meta")
    entry = {"version": "1.5.2", "languages": {"sv": {"hash": meta_name, "wasm": "sv", "page_count": 1}}}
    (output / "pagefind-entry.json").write_text(json.dumps(entry, separators=(",", ":")), encoding="utf-8")
