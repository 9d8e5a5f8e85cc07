"""``casebook serve``: build, show the site on this machine, rebuild what changed and reload the browser.

The edit loop of an analyst: save a case file, see its page. One process does three things:

- serves the published site (``_build/html``, a symbolic link that every publish swings
  to the new version) on ``127.0.0.1`` with the standard library's HTTP server;
- watches the project's sources with ``watchfiles`` (inotify, through Rust's ``notify``),
  which groups a burst of saves into one batch, and runs the normal incremental build
  (:func:`casebook.engine.build.build_site`) once per batch; when the batch only changed
  or added case files, their pages are published first
  (:func:`casebook.engine.build.build_preview`) and the rest of the site (portfolio, case
  list, open data, documents, search index) follows in that build;
- keeps what every build would start again: the preloaded kernel process (the zygote)
  and one Jupyter Book process with its environment in memory
  (:class:`casebook.engine.site.PersistentBook`), and once a build renders many documents,
  their fork server. They run the code the session started with: when the package's code
  or the installed packages change (the package is watched too; the installed packages are
  compared before each build), ``serve`` stops them and raises
  :class:`~casebook.engine.build.CodeChanged`, and the command line starts it again with the
  new code, so no cache entry holds the earlier code's output under the new code's key;
- tells open pages to reload: every HTML page it serves carries a small script that
  polls :data:`RELOAD_PATH`, the number of the last successful build, and reloads the
  page when it changes.

The reload script is added to the HTTP response only; the files on disk, and so the
published site, stay exactly what ``casebook build`` writes. A rebuild that fails (a bad
case file, a failing notebook, or any unexpected error) prints its Swedish message and
leaves the last good site served; a case page is previewed only after the whole project
passed the same validation as a whole build. Why not sphinx-autobuild: it rebuilds with Sphinx alone, whereas a case page must
first be executed (papermill) and cached, which only our build does; and its livereload
server would need a second file watcher for the case files anyway.
"""

from __future__ import annotations

import contextlib
import functools
import stat
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import watchfiles
from rich.console import Console

from casebook.domain.case_file import is_case_file_name
from casebook.domain.errors import UserError
from casebook.domain.field_problems import os_reason
from casebook.engine import lifetime, zygote
from casebook.engine.build import (
    BuildFailed,
    BuildInterrupted,
    BuildOptions,
    CodeChanged,
    DataChanged,
    Kernels,
    build_preview,
    build_site,
)
from casebook.engine.code import code_version
from casebook.engine.paths import ProjectPaths
from casebook.engine.site import PersistentBook, SiteBuildFailed, update_pages

HOST = "127.0.0.1"
DEFAULT_PORT = 8000
RELOAD_PATH = "/_casebook/reload"
# Why the last rebuild failed (empty when it did not): open pages show it in a banner.
PROBLEM_PATH = "/_casebook/problem"
# How often an open page asks whether the site was rebuilt (milliseconds).
POLL_MILLISECONDS = 500
# watchfiles waits until no file changed for STEP ms (at most DEBOUNCE ms) before reporting a
# batch, so an editor's save (write, rename, metadata) or "save all" becomes one rebuild.
DEBOUNCE_MILLISECONDS = 1600
STEP_MILLISECONDS = 100

_RELOAD_SCRIPT = (
    "<script>/* casebook serve: ladda om sidan när webbplatsen har byggts om, "
    "visa varför när en ombyggnad misslyckas */"
    '(function(){{var seen="{generation}",id="casebook-serve-problem";'
    "function show(p){{var b=document.getElementById(id);if(!p){{if(b){{b.remove()}}return}}"
    'if(!b){{b=document.createElement("div");b.id=id;b.setAttribute("role","alert");'
    'b.style.cssText="position:fixed;top:0;left:0;right:0;z-index:10000;padding:.75em 1em;'
    "background:#8b0000;color:#fff;font:16px/1.4 system-ui,sans-serif;white-space:pre-wrap;"
    'max-height:50vh;overflow:auto";document.body.prepend(b)}}'
    'b.textContent="Ombyggnaden misslyckades; sidan visar den senast byggda webbplatsen. '
    'Rätta och spara, så byggs den om.\\n\\n"+p}}'
    "function poll(){{"
    'fetch("' + RELOAD_PATH + '",{{cache:"no-store"}}).then(function(r){{return r.text()}})'
    ".then(function(v){{if(v!==seen){{location.reload();return}}"
    'return fetch("' + PROBLEM_PATH + '",{{cache:"no-store"}}).then(function(r){{return r.text()}}).then(show)}})'
    ".catch(function(){{}}).finally(function(){{setTimeout(poll," + str(POLL_MILLISECONDS) + ")}})}}"
    "poll()}})();</script>"
)


def reload_script(generation: int) -> str:
    """The script added to every served HTML page: reload when the build number is no longer ``generation``."""
    return _RELOAD_SCRIPT.format(generation=generation)


def with_reload_script(html: bytes, generation: int) -> bytes:
    """``html`` with the reload script just before its last ``</body>`` (or at the end)."""
    script = reload_script(generation).encode()
    position = html.rfind(b"</body>")
    if position < 0:
        return html + script
    return html[:position] + script + html[position:]


class SiteVersion:
    """The number of the last successful build, and why the last rebuild failed if it did;
    shared between the builder and the server threads."""

    def __init__(self) -> None:
        self._generation = 0
        self._problem = ""
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        with self._lock:
            return self._generation

    @property
    def problem(self) -> str:
        with self._lock:
            return self._problem

    def advance(self) -> None:
        """A build published: open pages reload, and no problem is shown."""
        with self._lock:
            self._generation += 1
            self._problem = ""

    def failed(self, message: str) -> None:
        """A rebuild failed with ``message``: open pages show it over the last good site."""
        with self._lock:
            self._problem = message


class _SiteHandler(SimpleHTTPRequestHandler):
    """Serves the site folder; HTML gets the reload script; nothing is cached by the browser."""

    def __init__(self, *args, version: SiteVersion, **kwargs):
        self.version = version
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # the name http.server dispatches to
        if self.path.split("?", 1)[0] == RELOAD_PATH:
            self._send(HTTPStatus.OK, "text/plain; charset=utf-8", str(self.version.generation).encode())
            return
        if self.path.split("?", 1)[0] == PROBLEM_PATH:
            self._send(HTTPStatus.OK, "text/plain; charset=utf-8", self.version.problem.encode())
            return
        target = Path(self.translate_path(self.path))
        if target.is_dir() and self.path.split("?", 1)[0].endswith("/"):
            target = target / "index.html"  # a folder without "/" is redirected by http.server
        if target.suffix == ".html" and target.is_file():
            try:
                body = target.read_bytes()
            except OSError:  # an old version removed by a publish between the check and the read
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", with_reload_script(body, self.version.generation))
            return
        super().do_GET()

    def _send(self, status: HTTPStatus, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        # The problem text quotes case files: a browser must never read it, or any file, as another type.
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's signature
        """Requests are not logged: the terminal is for build messages."""


@contextmanager
def site_server(site: Path, port: int, version: SiteVersion) -> Iterator[ThreadingHTTPServer]:
    """Serve ``site`` on ``127.0.0.1:port`` in a background thread for the block."""
    handler = functools.partial(_SiteHandler, directory=str(site), version=version)
    try:
        server = ThreadingHTTPServer((HOST, port), handler)
    except OSError as exc:
        raise UserError(
            f"Kan inte lyssna på {HOST}:{port} ({os_reason(exc)}); välj en annan port med --port."
        ) from None
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="casebook-serve", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# watchfiles' own filter: editors' swap and backup files, version control folders, caches.
_DEFAULT_FILTER = watchfiles.DefaultFilter()


@dataclass(frozen=True)
class _Sources:
    """What the watcher looks at, and which changes it reports."""

    paths: ProjectPaths

    def watched(self) -> list[Path]:
        root = self.paths.root
        candidates = [
            root / "data",
            root / "notebooks",
            root / "book",
            root / "_config.yml",
            root / "_toc.yml",
            self.paths.package_dir,
        ]
        return list(dict.fromkeys(path for path in candidates if path.exists()))

    def relevant(self, change: watchfiles.Change, path: str) -> bool:
        """A source file: not an editor's backup, not a checkpoint, not what the build itself writes."""
        parts = Path(path).parts
        if Path(path).parent == self.paths.cases_dir and parts[-1].startswith("."):
            return False  # hidden files in the cases folder are not case files (``list_case_files``)
        if ".ipynb_checkpoints" in parts or "_generated" in parts or "__pycache__" in parts:
            return False
        return _DEFAULT_FILTER(change, path)

    def state(self) -> dict[str, tuple[int, int]]:
        """Each file the watcher would report a change of, with its modification time and size."""
        files = {}
        for watched in self.watched():
            for path in [watched] if watched.is_file() else watched.rglob("*"):
                if not self.relevant(watchfiles.Change.modified, str(path)):
                    continue
                try:
                    status = path.stat()
                except OSError:  # removed while it was listed
                    continue
                if stat.S_ISREG(status.st_mode):
                    files[str(path)] = (status.st_mtime_ns, status.st_size)
        return files

    def changed_since(self, before: dict[str, tuple[int, int]]) -> set[tuple[watchfiles.Change, str]]:
        """The changes since :meth:`state` gave ``before``, as the watcher reports them."""
        now = self.state()
        return (
            {(watchfiles.Change.deleted, path) for path in before.keys() - now.keys()}
            | {(watchfiles.Change.added, path) for path in now.keys() - before.keys()}
            | {(watchfiles.Change.modified, path) for path in now.keys() & before.keys() if now[path] != before[path]}
        )


def changed_files(changes: Iterable[tuple[watchfiles.Change, str]], root: Path) -> list[str]:
    """The changed files of one batch, relative to the project, sorted. A file that came and went
    within the batch (an editor's temporary file, written and renamed over the file it saves) is
    not shown: the analyst changed the file it became."""
    changes = list(changes)
    added = {path for change, path in changes if change is watchfiles.Change.added}
    return sorted(
        {
            Path(path).relative_to(root).as_posix() if Path(path).is_relative_to(root) else path
            for _, path in changes
            if not (path in added and not Path(path).exists())
        }
    )


def previewable_case_files(changes: Iterable[tuple[watchfiles.Change, str]], paths: ProjectPaths) -> list[Path]:
    """The case files of a batch that changed nothing but case files (added or modified); else none.

    Files that came and went within the batch (an editor's temporary file, written and
    renamed over the case file) do not count.
    """
    cases_dir = paths.cases_dir.resolve()
    files = set()
    for change, name in changes:
        path = Path(name)
        if path.parent.resolve() == cases_dir and path.name.startswith("."):
            continue  # a hidden file in the cases folder is no case (``._x.yaml``, ``.utkast.yaml``)
        is_case_file = path.parent.resolve() == cases_dir and is_case_file_name(path.name)
        if is_case_file and change is not watchfiles.Change.deleted:
            files.add(path)
        elif is_case_file or path.exists():  # a removed case, or anything else that changed
            return []
    return sorted(path for path in files if path.is_file())


def _report_failure(exc: BaseException, console: Console, version: SiteVersion) -> None:
    expected = isinstance(exc, (UserError, BuildFailed))
    message = (
        str(exc) if expected else f"Ombyggnaden stoppades av ett oväntat fel ({type(exc).__name__}: {str(exc)[:300]})."
    )
    console.print(message, style="red", markup=False, soft_wrap=True)
    version.failed(message)  # the browser shows it too: the analyst may be looking at the page, not here
    console.print(
        "Den senast byggda webbplatsen visas fortfarande; spara en rättning så byggs den om.",
        markup=False,
        soft_wrap=True,
    )


@contextmanager
def _kept_alive(console: Console, version: SiteVersion) -> Iterator[None]:
    """Report any failure of the block and go on: ``serve`` never dies of a case file.

    What stops the session passes: Ctrl-C and SIGTERM, and a change of the code
    (:class:`CodeChanged`, after which the command line starts ``serve`` again). An
    unexpected error (a bug, not the analyst's) is reported with its type; a library that
    fails in native code (Typst's Rust panics) raises a ``BaseException``, so that is caught too.
    """
    try:
        yield
    except (KeyboardInterrupt, SystemExit, BuildInterrupted, CodeChanged):
        raise
    except DataChanged as exc:
        # Saved again while the build ran: no problem to show; the watcher has the save, and
        # the next rebuild (the save's) publishes it.
        console.print(
            f"{exc.named} sparades medan bygget körde; bygger om med det sparade …", markup=False, soft_wrap=True
        )
    except BaseException as exc:  # noqa: BLE001 - see the docstring
        _report_failure(exc, console, version)


def rebuild(
    paths: ProjectPaths, console: Console, options: BuildOptions, version: SiteVersion, case_files: list[Path] = ()
) -> bool:
    """One incremental build, changed case pages first; on failure print why and keep the last good site.

    True if it published. ``case_files``: the changed case files, if nothing else changed.
    The preview and the whole build are one build: one moment, so one date, for both.
    """
    options = options.fixed()
    if case_files:
        failed = True
        with _kept_alive(console, version):  # the whole build would stop on the same problem: it is not run
            preview = build_preview(paths, list(case_files), console=console, options=options)
            if preview is not None:
                version.advance()
                console.print(
                    f"Visas nu: {', '.join(p.stem for p in case_files)} ({preview.seconds:.1f} s); "
                    "bygger om resten av webbplatsen …",
                    markup=False,
                    soft_wrap=True,
                )
            failed = False
        if failed:
            return False
    with _kept_alive(console, version):
        build_site(paths, console=console, options=options)
        version.advance()
        return True
    return False


def serve(
    paths: ProjectPaths, port: int = DEFAULT_PORT, console: Console | None = None, options: BuildOptions | None = None
) -> None:
    """Build, serve and rebuild on every change until interrupted (``KeyboardInterrupt``)."""
    console = console or Console(stderr=True)
    options = replace(options or BuildOptions(wait=True), code=code_version(paths.package_dir))
    version = SiteVersion()
    sources = _Sources(paths)
    with _kept_processes(options, console) as options, PersistentBook() as book:
        options = replace(options, book=book)
        # The watcher starts after the first build and the server: a file saved meanwhile (as
        # soon as the site showed) would go unbuilt until the next save. What changed since the
        # first build began is added to the watcher's first report, once it is running.
        before_first_build: dict[str, tuple[int, int]] | None = sources.state()
        rebuild(paths, console, options, version)
        _start_book(paths, book)
        with site_server(paths.site, port, version) as server:
            console.print(
                f"Webbplatsen visas på http://{HOST}:{server.server_address[1]}/ och byggs om när "
                "ärendefiler, mallar eller bokens sidor ändras. Avsluta med Ctrl-C.",
                markup=False,
                soft_wrap=True,
            )
            for changes in watchfiles.watch(
                *sources.watched(),
                watch_filter=sources.relevant,
                debounce=DEBOUNCE_MILLISECONDS,
                step=STEP_MILLISECONDS,
                raise_interrupt=True,
                # A stop whose KeyboardInterrupt Python dropped ends the watch as well (lifetime).
                stop_event=lifetime.stop_event(),
                # A first report within rust_timeout (5 s) even when nothing changes: the watcher is running then.
                yield_on_timeout=True,
            ):
                lifetime.stop_if_requested()
                if before_first_build is not None:
                    changes = set(changes) | sources.changed_since(before_first_build)
                    before_first_build = None
                if not changes:
                    continue
                if code_version(paths.package_dir) != options.code:
                    raise CodeChanged()
                console.print(
                    f"Ändrat: {', '.join(changed_files(changes, paths.root))}; bygger om …",
                    markup=False,
                    soft_wrap=True,
                )
                rebuild(paths, console, options, version, previewable_case_files(changes, paths))
            lifetime.stop_if_requested()  # the watch ends only when a stop was recorded


def _start_book(paths: ProjectPaths, book: PersistentBook) -> None:
    """Have the kept Jupyter Book process running before the first save (when the first build
    found the site up to date and did not need it), so that save does not wait for it to start."""
    if book.running:
        return
    with contextlib.suppress(SiteBuildFailed):  # the next build starts it again, and reports what fails
        update_pages(paths.site_work, {}, persistent=book)


@contextmanager
def _kept_processes(options: BuildOptions, console: Console) -> Iterator[BuildOptions]:
    """``options`` with a zygote kept running for every build of the session (when kernels are forked).

    If it cannot start, each build starts its own, or falls back to fresh kernels with a warning.
    It runs the code of ``options.code``: a change of the code ends the session (see :func:`serve`).
    """
    if options.kernels is not Kernels.FORKED:
        yield options
        return
    kept = zygote.Zygote()
    try:
        with zygote.kernel_environment():
            kept.start()
    except zygote.ZygoteUnavailable:
        yield options
        return
    try:
        yield replace(options, zygote=kept)
    finally:
        kept.stop()
