"""``casebook serve``: the served site reloads after a rebuild, the published files stay untouched."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from decimal import InvalidOperation
from pathlib import Path

import pytest
from conftest import REPO, copy_project
from rich.console import Console

from casebook.domain.errors import UserError
from casebook.engine import serve as serve_module
from casebook.engine.build import BuildOptions, CodeChanged, DataChanged, build_preview
from casebook.engine.code import code_version
from casebook.engine.paths import ProjectPaths
from casebook.engine.serve import PROBLEM_PATH, RELOAD_PATH, SiteVersion, site_server, with_reload_script

SCRIPT_MARK = "casebook serve: ladda om"
CASE_PAGE = "/book/cases/rjh-2025-spin.html"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, str, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8"), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, "", {}


def _wait_for(condition, seconds: float, what: str, process: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            pytest.fail(
                f"serve exited ({process.returncode}) while waiting for {what}:\n{log.read_text() if log else ''}"
            )
        try:
            value = condition()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {seconds} s waiting for {what}:\n{log.read_text() if log else ''}")


def test_the_reload_script_goes_before_the_end_of_the_body():
    page = with_reload_script(b"<html><body><p>Text</p></body></html>", 7).decode()
    assert page.startswith("<html><body><p>Text</p><script>")
    assert page.endswith("</script></body></html>")
    assert 'var seen="7"' in page and RELOAD_PATH in page


def test_served_pages_get_the_script_but_files_on_disk_and_other_files_do_not(tmp_path):
    version_dir = tmp_path / "html-1"
    version_dir.mkdir()
    (version_dir / "index.html").write_text("<html><body>Start</body></html>", encoding="utf-8")
    (version_dir / "style.css").write_text("body {}", encoding="utf-8")
    site = tmp_path / "html"
    site.symlink_to(version_dir.name, target_is_directory=True)
    version = SiteVersion()
    with site_server(site, 0, version) as server:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        status, body, headers = _get(base + "/")
        assert status == 200 and SCRIPT_MARK in body and "Start" in body
        assert headers["Cache-Control"] == "no-store"
        assert _get(base + "/style.css")[1] == "body {}"
        assert _get(base + RELOAD_PATH)[1] == "0"
        assert _get(base + PROBLEM_PATH)[1] == ""
        version.failed("Fel i data/cases/x.yaml: – total_costs: ska vara ett heltal")
        assert _get(base + PROBLEM_PATH)[1] == "Fel i data/cases/x.yaml: – total_costs: ska vara ett heltal"
        for path in ("/", "/style.css", RELOAD_PATH, PROBLEM_PATH):
            assert _get(base + path)[2]["X-Content-Type-Options"] == "nosniff"
        assert _get(base + RELOAD_PATH)[1] == "0"  # a failed rebuild publishes nothing: no reload
        version.advance()
        assert _get(base + RELOAD_PATH)[1] == "1"
        assert _get(base + PROBLEM_PATH)[1] == ""  # a build that published clears the problem
        # A publish swings the link to a new version: the server follows it.
        new_dir = tmp_path / "html-2"
        new_dir.mkdir()
        (new_dir / "index.html").write_text("<html><body>Ny</body></html>", encoding="utf-8")
        site.unlink()
        site.symlink_to(new_dir.name, target_is_directory=True)
        assert "Ny" in _get(base + "/index.html")[1]
    assert SCRIPT_MARK not in (version_dir / "index.html").read_text(encoding="utf-8")


@pytest.mark.e2e  # builds the site, then rebuilds it twice
def test_serve_shows_a_changed_title_keeps_the_last_good_site_and_stops_cleanly(tmp_path):
    root = copy_project(tmp_path / "repo")
    port = _free_port()
    log = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    with open(log, "w", encoding="utf-8") as output:
        serve = subprocess.Popen(
            [sys.executable, "-m", "casebook", "--root", str(root), "serve", "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "COLUMNS": "200"},
        )
    try:
        _wait_for(lambda: _get(base + CASE_PAGE)[0] == 200, 600, "the first build", serve, log)
        first = _get(base + CASE_PAGE)[1]
        assert "SPIN – Strategisk Planering i Norr" in first and SCRIPT_MARK in first
        generation = _get(base + RELOAD_PATH)[1]

        case = root / "data" / "cases" / "rjh-2025-spin.yaml"
        text = case.read_text(encoding="utf-8")
        case.write_text(
            text.replace("title: SPIN – Strategisk Planering i Norr", "title: SPIN – Ändrad titel", 1), encoding="utf-8"
        )
        saved = time.monotonic()
        _wait_for(lambda: "SPIN – Ändrad titel" in _get(base + CASE_PAGE)[1], 300, "the new title", serve, log)
        latency = time.monotonic() - saved
        print(f"save-to-page latency: {latency:.1f} s")
        # Only a case file changed: its page was published first, then the rest of the site,
        # and the hook the page polls said so twice.
        _wait_for(
            lambda: "SPIN – Ändrad titel" in _get(base + "/book/case_list.html")[1], 300, "the case list", serve, log
        )
        assert "Visas nu: rjh-2025-spin" in log.read_text(encoding="utf-8")
        _wait_for(lambda: _get(base + RELOAD_PATH)[1] == str(int(generation) + 2), 30, "the reload signal", serve, log)
        # What was built and published carries no reload script.
        published = list((root / "_build" / "html").resolve().rglob("*.html"))
        assert published
        assert not [p for p in published if SCRIPT_MARK in p.read_text(encoding="utf-8")]

        # A bad case file: the Swedish error, and the last good site is still served.
        generation = _get(base + RELOAD_PATH)[1]
        assert "total_costs: null" in text
        case.write_text(text.replace("total_costs: null", "total_costs: inte ett tal", 1), encoding="utf-8")
        _wait_for(
            lambda: "Den senast byggda webbplatsen visas fortfarande" in log.read_text(encoding="utf-8"),
            120,
            "the error message",
            serve,
            log,
        )
        assert "rjh-2025-spin.yaml" in log.read_text(encoding="utf-8")
        assert serve.poll() is None
        assert "SPIN – Ändrad titel" in _get(base + CASE_PAGE)[1]
        assert _get(base + RELOAD_PATH)[1] == generation
        assert "rjh-2025-spin.yaml" in _get(base + PROBLEM_PATH)[1]  # open pages show it too

        # Files that once killed serve, or that its preview published before the build failed:
        # each is refused by the same validation as a whole build, and nothing is previewed.
        for bad, message in (
            (text.replace("title: SPIN – Strategisk Planering i Norr", 'title: "SPIN \\a klocka"', 1), "U+0007"),
            (text.replace("  share_percent: 12.10", "  share_percent: 12:10.5", 1), "bas 60"),
            (text.replace("  max_amount: 750000", "  max_amount: 750000\n  max_amount: 7500000", 1), "står två gånger"),
        ):
            reported = log.read_text(encoding="utf-8").count("Den senast byggda webbplatsen visas fortfarande")
            case.write_text(bad, encoding="utf-8")
            _wait_for(
                lambda: (
                    log.read_text(encoding="utf-8").count("Den senast byggda webbplatsen visas fortfarande") > reported
                ),
                120,
                message,
                serve,
                log,
            )
            assert message in log.read_text(encoding="utf-8")
            assert serve.poll() is None
            assert "SPIN – Ändrad titel" in _get(base + CASE_PAGE)[1]
            assert _get(base + RELOAD_PATH)[1] == generation

        serve.send_signal(signal.SIGINT)
        assert serve.wait(timeout=30) == 130
    finally:
        if serve.poll() is None:
            serve.kill()
    output = log.read_text(encoding="utf-8")
    assert "Traceback" not in output
    assert output.strip().splitlines()[-1] == (
        "casebook serve avslutades; den senast byggda webbplatsen finns kvar i _build/html."
    )


class _Panic(BaseException):
    """Like the exception a Rust panic in Typst raises: not an ``Exception``."""


@pytest.mark.parametrize(
    "error",
    [
        InvalidOperation("[<class 'decimal.ConversionSyntax'>]"),
        _Panic("index out of bounds"),
        UserError("Fel i x.yaml: …"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_failing_rebuild_is_reported_and_serve_goes_on(monkeypatch, tmp_path, error):
    def fail(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(serve_module, "build_site", fail)
    console = Console(file=io.StringIO(), width=200)
    version = SiteVersion()
    assert serve_module.rebuild(ProjectPaths.at(tmp_path), console, BuildOptions(), version) is False
    shown = console.file.getvalue()
    assert "Den senast byggda webbplatsen visas fortfarande" in shown and version.generation == 0
    assert version.problem and version.problem in " ".join(shown.split())  # the browser shows the same words
    if not isinstance(error, UserError):
        assert f"oväntat fel ({type(error).__name__}" in shown


def test_a_case_file_saved_during_a_rebuild_is_no_problem_shown_and_the_session_goes_on(monkeypatch, tmp_path):
    """The watcher has the save: the next rebuild publishes it, so no red banner in between."""

    def saved_meanwhile(*_args, **_kwargs):
        raise DataChanged(["data/cases/rjh-2025-spin.yaml"])

    monkeypatch.setattr(serve_module, "build_site", saved_meanwhile)
    console = Console(file=io.StringIO(), width=200)
    version = SiteVersion()
    version.failed("Fel i en tidigare fil")  # what the last rebuild showed stays until one publishes
    assert serve_module.rebuild(ProjectPaths.at(tmp_path), console, BuildOptions(), version) is False
    assert console.file.getvalue().strip() == (
        "Filen data/cases/rjh-2025-spin.yaml sparades medan bygget körde; bygger om med det sparade …"
    )
    assert version.problem == "Fel i en tidigare fil" and version.generation == 0


@pytest.mark.parametrize("error", [KeyboardInterrupt(), CodeChanged()], ids=lambda e: type(e).__name__)
def test_an_interrupt_or_a_code_change_ends_the_session(monkeypatch, tmp_path, error):
    def fail(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(serve_module, "build_site", fail)
    with pytest.raises(type(error)):
        serve_module.rebuild(ProjectPaths.at(tmp_path), Console(file=io.StringIO()), BuildOptions(), SiteVersion())


def _serve_with(monkeypatch, root: Path, rebuild, watch, console: Console) -> None:
    """``serve`` on ``root`` with its builds (``rebuild``) and its watcher (``watch``) given,
    no kept processes and no server; it ends at the stop that ``watch`` records."""
    from contextlib import contextmanager

    from casebook.engine import lifetime

    @contextmanager
    def kept(options, _console):
        yield options

    @contextmanager
    def server(*_args):
        yield type("Server", (), {"server_address": ("127.0.0.1", 0)})()

    monkeypatch.setattr(serve_module, "_kept_processes", kept)
    monkeypatch.setattr(serve_module, "rebuild", rebuild)
    monkeypatch.setattr(serve_module, "_start_book", lambda *args: None)
    monkeypatch.setattr(serve_module, "site_server", server)
    monkeypatch.setattr(serve_module.watchfiles, "watch", watch)
    try:
        with pytest.raises(KeyboardInterrupt):
            serve_module.serve(ProjectPaths.at(root), console=console)
    finally:
        lifetime.clear_stop()


def test_a_stop_whose_exception_was_dropped_ends_the_watch_as_a_stop(monkeypatch, tmp_path):
    """The watcher gets the recorded stop as its stop event: serve ends as after Ctrl-C, not deaf to signals."""
    from casebook.engine import lifetime

    def watch(*_paths, stop_event, **_options):
        assert stop_event is lifetime.stop_event()
        lifetime.request_stop()  # as the signal handler does, its KeyboardInterrupt then lost
        while not stop_event.is_set():
            yield set()

    root = copy_project(tmp_path / "repo")
    _serve_with(monkeypatch, root, lambda *args: True, watch, Console(file=io.StringIO()))


def test_a_case_saved_before_the_watcher_runs_is_built_once_and_quiet_reports_build_nothing(monkeypatch, tmp_path):
    """The watcher starts after the first build and the server: a case saved in between (here,
    during the first build) is not among its events. Only its first report adds what changed
    since the first build began; its later reports on timeout (nothing changed) build nothing,
    and do not build that case again."""
    from casebook.engine import lifetime

    root = copy_project(tmp_path / "repo")
    case = root / "data" / "cases" / "rjh-2025-spin.yaml"
    built = []

    def rebuild(_paths, _console, _options, _version, case_files=()):
        built.append([path.name for path in case_files])
        if len(built) == 1:  # saved while the first build runs
            case.write_text(case.read_text(encoding="utf-8") + "# sparad\n", encoding="utf-8")
        return True

    def watch(*_paths, stop_event, yield_on_timeout, **_options):
        assert yield_on_timeout  # else the first report waits for the next save
        for _ in range(3):  # reports on timeout: nothing the watcher saw
            yield set()
        lifetime.request_stop()
        while not stop_event.is_set():
            yield set()

    output = io.StringIO()
    _serve_with(monkeypatch, root, rebuild, watch, Console(file=output, width=300))
    assert built == [[], ["rjh-2025-spin.yaml"]]
    assert output.getvalue().count("bygger om") == 1
    assert "Ändrat: data/cases/rjh-2025-spin.yaml; bygger om" in output.getvalue()


def test_the_sources_state_shows_what_changed_as_the_watcher_would(tmp_path):
    import watchfiles

    root = copy_project(tmp_path / "repo")
    sources = serve_module._Sources(ProjectPaths.at(root))
    before = sources.state()
    case = root / "data" / "cases" / "rjh-2025-spin.yaml"
    case.write_text(case.read_text(encoding="utf-8") + "# ändrad\n", encoding="utf-8")
    added = root / "book" / "ny_sida.md"
    added.write_text("# Ny sida\n", encoding="utf-8")
    removed = next((root / "notebooks").glob("*.ipynb"))
    removed.unlink()
    (root / "data" / "cases" / ".rjh-2025-spin.yaml.swp").write_text("x", encoding="utf-8")  # an editor's
    (root / "book" / "_generated").mkdir(exist_ok=True)
    (root / "book" / "_generated" / "sida.md").write_text("x", encoding="utf-8")  # the build's own
    assert sources.changed_since(before) == {
        (watchfiles.Change.modified, str(case)),
        (watchfiles.Change.added, str(added)),
        (watchfiles.Change.deleted, str(removed)),
    }
    assert sources.changed_since(sources.state()) == set()


def test_the_sources_state_covers_the_watched_files_new_folders_and_same_size_or_same_time_edits(tmp_path):
    """_config.yml and _toc.yml are watched as files, not folders; a file in a folder made
    meanwhile is added; an edit that keeps the size, or keeps the modification time (a tool
    that restores it), is still a change."""
    import os

    import watchfiles

    root = copy_project(tmp_path / "repo")
    sources = serve_module._Sources(ProjectPaths.at(root))
    config = root / "_config.yml"
    same_size = root / "data" / "cases" / "rjh-2025-spin.yaml"
    same_time = next((root / "book").glob("*.md"))
    before = sources.state()
    assert str(config) in before and str(root / "_toc.yml") in before
    config.write_text(config.read_text(encoding="utf-8") + "# ändrad\n", encoding="utf-8")
    text = same_size.read_text(encoding="utf-8")
    same_size.write_text(text[:-1] + ("x" if text[-1] != "x" else "y"), encoding="utf-8")
    os.utime(same_size, ns=(before[str(same_size)][0] + 10**9, before[str(same_size)][0] + 10**9))
    times = same_time.stat()
    same_time.write_text(same_time.read_text(encoding="utf-8") + "Ny rad.\n", encoding="utf-8")
    os.utime(same_time, ns=(times.st_atime_ns, times.st_mtime_ns))
    folder = root / "book" / "ny_mapp" / "djup"
    folder.mkdir(parents=True)
    (folder / "sida.md").write_text("# Sida\n", encoding="utf-8")
    assert sources.changed_since(before) == {
        (watchfiles.Change.modified, str(config)),
        (watchfiles.Change.modified, str(same_size)),
        (watchfiles.Change.modified, str(same_time)),
        (watchfiles.Change.added, str(folder / "sida.md")),
    }


def test_a_preview_is_only_published_after_the_whole_project_is_valid(tmp_path):
    root = copy_project(tmp_path / "repo")
    copy = root / "data" / "cases" / "rjh-2025-spin-kopia.yaml"
    copy.write_text((root / "data" / "cases" / "rjh-2025-spin.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    changed = root / "data" / "cases" / "rjh-2025-spin.yaml"
    with pytest.raises(UserError, match="finns redan i rjh-2025-spin.yaml"):
        build_preview(ProjectPaths.at(root), [changed], console=Console(file=io.StringIO()))
    assert not (root / "_build").exists()


def test_an_open_page_shows_why_a_rebuild_failed_and_reloads_without_it_once_fixed(page, tmp_path):
    """The analyst may be looking at the browser, not the terminal: a failed rebuild is shown
    over the last good page, in Swedish, and the next build that publishes clears it."""
    site = tmp_path / "html"
    site.mkdir()
    (site / "index.html").write_text(
        '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>Start</title></head>'
        "<body><p>Senast byggd</p></body></html>",
        encoding="utf-8",
    )
    version = SiteVersion()
    with site_server(site, 0, version) as server:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/", wait_until="load")
        banner = page.locator("#casebook-serve-problem")
        assert banner.count() == 0
        version.failed("Fel i data/cases/x.yaml:\n    - total_costs: ska vara ett heltal (kronor)")
        banner.wait_for(state="visible", timeout=10_000)
        assert banner.get_attribute("role") == "alert"
        shown = banner.inner_text()
        assert shown.startswith("Ombyggnaden misslyckades; sidan visar den senast byggda webbplatsen.")
        assert "Fel i data/cases/x.yaml:" in shown and "total_costs: ska vara ett heltal (kronor)" in shown
        assert "Senast byggd" in page.inner_text("body")  # the last good page is still there beneath
        with page.expect_navigation(timeout=10_000):  # a build that published: the page reloads
            version.advance()
        page.wait_for_load_state("load")
        assert page.locator("#casebook-serve-problem").count() == 0
    assert page.errors == []


def test_the_log_names_the_files_an_analyst_changed_not_an_editors_temporary_file(tmp_path):
    import watchfiles

    case, temporary, removed = (tmp_path / "data" / "cases" / name for name in ("a.yaml", "sedfUufFf", "b.yaml"))
    case.parent.mkdir(parents=True)
    case.write_text("id: a\n", encoding="utf-8")
    changes = [
        (watchfiles.Change.added, str(temporary)),  # written, then renamed over the case file
        (watchfiles.Change.deleted, str(temporary)),
        (watchfiles.Change.modified, str(case)),
        (watchfiles.Change.deleted, str(removed)),  # a case file removed is a change to show
    ]
    assert serve_module.changed_files(changes, tmp_path) == ["data/cases/a.yaml", "data/cases/b.yaml"]


def test_the_package_is_watched(tmp_path):
    paths = ProjectPaths.at(copy_project(tmp_path / "repo"))
    assert paths.package_dir in serve_module._Sources(paths).watched()


def test_the_code_version_follows_the_package_and_the_installed_packages(tmp_path):
    package = tmp_path / "casebook"
    shutil.copytree(REPO / "casebook", package, ignore=shutil.ignore_patterns("__pycache__"))
    site_packages = tmp_path / "site-packages"
    site_packages.mkdir()
    first = code_version(package, [str(site_packages)])
    assert code_version(package, [str(site_packages)]) == first
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"bytecode")  # not code that changed
    assert code_version(package, [str(site_packages)]) == first
    template = package / "render" / "templates" / "memo.typ"
    template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    edited = code_version(package, [str(site_packages)])
    assert edited != first
    (site_packages / "pandas-3.1.2.dist-info").mkdir()  # as an installer leaves an upgrade
    assert code_version(package, [str(site_packages)]) != edited


@pytest.mark.e2e  # serve builds the site, restarts with the edited package, rebuilds; then a plain build
def test_an_edited_package_restarts_serve_and_the_cache_holds_only_the_new_codes_output(tmp_path):
    """The zygote, the Jupyter Book process and the document fork server of a session run the code
    they started with, while every cache key hashes the package on disk: after an edit, serve must
    start again before it builds, or a later plain build would reuse the old code's pages."""
    root = copy_project(tmp_path / "repo")
    package = tmp_path / "kod"  # a copy of the package, imported instead of the repository's
    shutil.copytree(REPO / "casebook", package / "casebook", ignore=shutil.ignore_patterns("__pycache__"))
    environment = {**os.environ, "PYTHONPATH": str(package), "COLUMNS": "200"}
    port = _free_port()
    log = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    with open(log, "w", encoding="utf-8") as output:
        serve = subprocess.Popen(
            [sys.executable, "-m", "casebook", "--root", str(root), "serve", "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            env=environment,
            cwd=tmp_path,  # not the repository's
        )
    try:
        _wait_for(lambda: _get(base + CASE_PAGE)[0] == 200, 600, "the first build", serve, log)
        assert "(ny kod)" not in _get(base + CASE_PAGE)[1]

        model = package / "casebook" / "domain" / "model.py"
        source = model.read_text(encoding="utf-8")
        assert '{"proposal": "Förslag till beslut",' in source
        model.write_text(
            source.replace('{"proposal": "Förslag till beslut",', '{"proposal": "Förslag till beslut (ny kod)",'),
            encoding="utf-8",
        )
        _wait_for(
            lambda: "startar om med den nya koden" in log.read_text(encoding="utf-8"), 120, "the restart", serve, log
        )
        _wait_for(lambda: "(ny kod)" in _get(base + CASE_PAGE)[1], 600, "the new code's page", serve, log)

        case = root / "data" / "cases" / "rjh-2025-spin.yaml"
        case.write_text(
            case.read_text(encoding="utf-8").replace(
                "title: SPIN – Strategisk Planering i Norr", "title: SPIN – Sparad efter ändringen", 1
            ),
            encoding="utf-8",
        )
        _wait_for(
            lambda: "Sparad efter ändringen" in _get(base + "/book/case_list.html")[1],
            600,
            "the saved case",
            serve,
            log,
        )
        assert "(ny kod)" in _get(base + CASE_PAGE)[1]
        serve.send_signal(signal.SIGINT)
        assert serve.wait(timeout=60) == 130
    finally:
        if serve.poll() is None:
            serve.kill()
    assert "Traceback" not in log.read_text(encoding="utf-8")

    # The next plain build reuses what serve stored, and it is the new code's output.
    summary = tmp_path / "summary.json"
    built = subprocess.run(
        [sys.executable, "-m", "casebook", "--root", str(root), "build", "--summary", str(summary)],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
        timeout=900,
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    assert json.loads(summary.read_text())["executed"] == 0
    page = (root / "_build" / "html" / "book" / "cases" / "rjh-2025-spin.html").read_text(encoding="utf-8")
    assert "Förslag till beslut (ny kod)" in page and "Sparad efter ändringen" in page
