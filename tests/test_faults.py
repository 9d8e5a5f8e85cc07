"""A build under faults: signals and kill -9 in every phase leave no process running, say
truthfully what happened to the site, and the next build succeeds at once.

One project with one case (and the portfolio) is built once for the module and copied for
each test (a copy reuses its caches and published site); each test starts a build that has
something to do in the phase it interrupts, interrupts it there, and lists every process
the build started (its descendants, collected while it ran and once more at the signal,
and any process whose working directory is in the project) afterwards. Phases are reached by
watching the build from outside: a notebook cell that waits while a file exists
(executing), the staged documents (documents), Jupyter Book's process (site build), the
staged version (publishing). A build that has passed the phase before it is stopped
(``SIGSTOP``) is let finish and the test tries again.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest
from conftest import add_cell, casebook, copy_project

pytestmark = pytest.mark.e2e

HOLD = "vänta"  # while this file exists in the project, the case notebook waits in its last cell (at most 300 s)
STARTED = "väntar"  # ... and this file says it has started waiting
PHASES = ("executing", "documents", "site", "publishing")
EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z: every build of a test is dated this day


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("faults") / "repo")
    add_cell(
        root / "notebooks" / "case_report.ipynb",
        f'import os, time\nif os.path.exists("../{HOLD}") and "rjh" in case_path:\n'
        f'    open("../{STARTED}", "w").close()\n    waited = time.monotonic() + 300\n'
        f'    while os.path.exists("../{HOLD}") and time.monotonic() < waited:\n        time.sleep(0.02)',
    )
    completed = casebook(root, "build", "--jobs", "1", env={"SOURCE_DATE_EPOCH": str(EPOCH)})
    assert completed.returncode == 0, completed.stderr
    return root


@pytest.fixture
def project(prepared, tmp_path) -> Path:
    """A copy of the built project (the site link is relative, so the copy publishes into itself)."""
    return Path(shutil.copytree(prepared, tmp_path / "repo", symlinks=True))


class Build:
    """``casebook build`` running in its own process group, and every process it started."""

    def __init__(self, root: Path, epoch: int):
        self.root = root
        self.site = root / "_build" / "html"
        self.published_before = os.readlink(self.site)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "casebook", "--root", str(root), "build", "--jobs", "1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env={**os.environ, "SOURCE_DATE_EPOCH": str(epoch)},
        )
        self.me = psutil.Process(self.process.pid)
        self.seen: dict[tuple[int, float], psutil.Process] = {}
        self.commands: dict[tuple[int, float], str] = {}
        self._watching = True
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while self._watching:
            self.collect()
            time.sleep(0.02)

    @property
    def command(self) -> str:
        """The build's command line as :meth:`collect` lists a process's (a fork of the build has it too)."""
        return " ".join(self.process.args)[:120]

    def collect(self) -> list[str]:
        """Add the build's descendants to those seen; a listing of those running now.

        A zombie has ended (its parent has not yet reaped it: the open data's fork, once it
        has sent its outcome, until the build leaves the block it ran beside) and is not
        listed. A process that is exiting has already given up its memory, and with it its
        command line, before it becomes a zombie (the CI failure of stop 38: ``['9698 ']``):
        it is listed by the command line it was seen with before, and one never seen before
        is listed only if it is not a zombie within :data:`EXITING_SECONDS`.
        """
        listing = []
        try:
            children = self.me.children(recursive=True)
        except psutil.Error:
            return listing
        for child in children:
            try:
                key = (child.pid, child.create_time())
                self.seen.setdefault(key, child)
                command = self.commands.get(key) or " ".join(child.cmdline())[:120]
                if command:
                    self.commands[key] = command
                elif _ends_within(child, EXITING_SECONDS):
                    continue
                listing.append(f"{child.pid} {command}")
            except psutil.Error:  # a zombie (psutil raises for its command line), or gone
                continue
        return listing

    def running(self) -> bool:
        return self.process.poll() is None

    def wait_for(self, condition, what: str, seconds: float = 300) -> bool:
        """Poll ``condition`` while the build runs; False if the build ended first."""
        deadline = time.monotonic() + seconds
        while self.running():
            if condition():
                return True
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}")
            time.sleep(0.002)
        return False

    def staging(self) -> list[Path]:
        return list((self.root / "_build").glob(".staging-*"))

    def finish(self) -> tuple[int, str]:
        stdout, stderr = self.process.communicate(timeout=600)
        self._watching = False
        self._watcher.join()
        return self.process.returncode, stderr

    def left_running(self) -> list[str]:
        """Processes the build started that still run (zombies count as ended), and any process at work in the project."""
        alive = []
        for process in self.seen.values():
            try:
                if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(f"{process.pid} {' '.join(process.cmdline())[:120]}")
            except psutil.NoSuchProcess:
                continue
        for process in psutil.process_iter(["pid", "cwd", "cmdline", "status"]):
            cwd = process.info["cwd"] or ""
            if (
                process.info["status"] != psutil.STATUS_ZOMBIE
                and cwd.startswith(str(self.root))
                and process.pid != os.getpid()
            ):
                alive.append(f"{process.pid} {' '.join(process.info['cmdline'] or [])[:120]}")
        return sorted(set(alive))


EXITING_SECONDS = 2.0


def _ends_within(process: psutil.Process, seconds: float) -> bool:
    """Whether ``process`` is a zombie or gone within ``seconds`` (its parent may be stopped, so it is not reaped)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(process):
            return True
        time.sleep(0.01)
    return False


def _touch_case(root: Path) -> None:
    """Change the case file's bytes (a comment), so its notebook and documents are made again."""
    case = root / "data" / "cases" / "rjh-2025-spin.yaml"
    case.write_text(case.read_text(encoding="utf-8") + f"# {time.monotonic_ns()}\n", encoding="utf-8")


def _touch_page(root: Path) -> None:
    """Change a hand-written page only: the site is built again, nothing is executed or rendered."""
    page = root / "book" / "method.md"
    page.write_text(page.read_text(encoding="utf-8") + f"\n<!-- {time.monotonic_ns()} -->\n", encoding="utf-8")


def _reach(root: Path, phase: str, attempt: int) -> Build:
    """Start a build with work in ``phase`` and return it stopped (``SIGSTOP``) or running inside that phase."""
    (root / STARTED).unlink(missing_ok=True)
    if phase == "executing":
        (root / HOLD).touch()
        _touch_case(root)
    elif phase == "documents":
        (root / HOLD).unlink(missing_ok=True)
    else:
        (root / HOLD).unlink(missing_ok=True)
        _touch_page(root)
    # Another second of the same day: the documents are dated anew, the portfolio (judged by the day) is not.
    build = Build(root, EPOCH + 1 + attempt + int(time.monotonic() % 1000))

    def staged(name: str) -> bool:
        return any((staging / name).exists() for staging in build.staging())

    if phase == "executing":
        reached = build.wait_for(lambda: (root / STARTED).exists(), "the case to start waiting")
    elif phase == "site":
        reached = build.wait_for(
            lambda: any(_runs_jupyter_book(p) for p in list(build.seen.values())),
            "Jupyter Book to start",
        )
    else:
        inside = {
            "documents": lambda: (
                staged("src/book/_generated/extra/memo") and not staged("src/book/_generated/extra/rapport")
            ),
            "publishing": lambda: staged("html") and os.readlink(build.site) == build.published_before,
        }[phase]
        reached = build.wait_for(inside, f"the {phase} phase")
        if reached:
            build.me.suspend()
            reached = inside()
            if not reached:
                build.me.resume()
    if not reached:
        build.finish()
    return build if reached else None


def _runs_jupyter_book(process: psutil.Process) -> bool:
    """Whether the process is the build's Jupyter Book; a process that ends while it is asked is not."""
    try:
        return _alive(process) and "--in-process" in process.cmdline()
    except psutil.Error:
        return False


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _interrupted(root: Path, phase: str) -> Build:
    for attempt in range(5):
        build = _reach(root, phase, attempt)
        if build is not None:
            return build
    pytest.fail(f"five builds passed the {phase} phase before they could be stopped in it")


def _wait_until_ended(build: Build, seconds: float = 30) -> list[str]:
    deadline = time.monotonic() + seconds
    while (left := build.left_running()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


# Every signal in every phase, to the build alone and to its whole process group (as a terminal
# sends Ctrl-C and SIGHUP). In the phases where the build has started processes (the zygote
# and a kernel while executing, Jupyter Book while building the site) the two differ. While
# the documents are staged, the process that writes the open data beside the kernels
# (workers.in_background, a fork of the build) may still be at work: both are sent too. In
# publishing the group is the build alone (it starts no process: the test checks it), so a
# signal to the group is the same signal to the same one process and is not sent again:
# 3 × 3 × 2 + 3 builds.
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PHASES_WITH_CHILDREN = ("executing", "site")
PHASES_WITH_THE_OPEN_DATA_AT_TIMES = ("documents",)
CASES = [
    (phase, signum, to_group)
    for phase in PHASES
    for signum in SIGNALS
    for to_group in ((False, True) if phase in PHASES_WITH_CHILDREN + PHASES_WITH_THE_OPEN_DATA_AT_TIMES else (False,))
]
# The line each phase ends with: in the executing phase the case's notebook is interrupted and the portfolio never started.
LAST_LINE = {
    "executing": "Bygget avbröts: 0 anteckningsböcker kördes klart och sparades i cachen, 2 kördes inte; "
    "webbplatsen är oförändrad.",
    **{phase: "Bygget avbröts; webbplatsen är oförändrad." for phase in PHASES[1:]},
}


@pytest.mark.parametrize(
    ("phase", "signum", "to_group"),
    CASES,
    ids=[f"{phase}-{signum.name}-{'group' if group else 'build'}" for phase, signum, group in CASES],
)
def test_a_signal_in_any_phase_ends_every_process_and_says_the_site_is_unchanged(project, phase, signum, to_group):
    build = _interrupted(project, phase)
    running = build.collect()  # the tree at the signal: what must end
    (os.killpg if to_group else os.kill)(build.process.pid, signum)
    build.me.resume()  # a no-op unless it was stopped in its phase
    signalled = time.monotonic()
    code, stderr = build.finish()
    stopped_after = time.monotonic() - signalled
    left = _wait_until_ended(build)
    (project / HOLD).unlink(missing_ok=True)

    if phase in PHASES_WITH_CHILDREN:  # the zygote, a launcher and its kernel; Jupyter Book
        assert running, "no process to stop"
    elif phase in PHASES_WITH_THE_OPEN_DATA_AT_TIMES:  # none, or the build's fork writing the open data
        assert all(entry.split(" ", 1)[1] == build.command for entry in running), running
    else:  # the group is the build alone: were a process started here, the group signal must be tested too
        assert running == [], f"the build started processes in the {phase} phase: add it to PHASES_WITH_CHILDREN"
    assert left == [], (left, running)
    assert code == 130, stderr
    assert [line for line in stderr.splitlines() if "avbröts" in line] == [LAST_LINE[phase]], stderr
    assert stderr.splitlines()[-1] == LAST_LINE[phase], stderr
    assert "Traceback" not in stderr and "Fatal" not in stderr, stderr
    assert os.readlink(build.site) == build.published_before
    assert build.staging() == []
    print(
        f"{phase}, {signal.Signals(signum).name} to {'group' if to_group else 'build'}: exited after {stopped_after:.2f} s;"
        f" {len(running)} processes at the signal, all ended",
        *running,
        sep="\n    ",
    )


@pytest.mark.parametrize("phase", PHASES)
def test_after_kill_9_in_any_phase_nothing_runs_and_the_next_build_succeeds_at_once(project, phase):
    build = _interrupted(project, phase)
    build.me.kill()
    build.finish()
    (project / HOLD).unlink(missing_ok=True)
    left = _wait_until_ended(build)
    assert left == [], left

    rebuilt = casebook(project, "build", "--jobs", "1", env={"SOURCE_DATE_EPOCH": str(EPOCH)})
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert list((project / "_build").glob(".staging-*")) == []  # the killed build's staging folder is gone
    assert (build.site / "index.html").is_file() and (build.site / ".casebook-site").is_file()
    assert [
        folder
        for folder in Path(tempfile.gettempdir()).glob("casebook-zygote-*")
        if _owner(folder) == build.process.pid
    ] == []  # the killed build's zygote folder is gone


def _owner(folder: Path) -> int | None:
    try:
        return json.loads((folder / ".casebook-owner").read_text(encoding="utf-8"))["pid"]
    except (OSError, ValueError, KeyError):
        return None  # not ours, or removed meanwhile (other builds run on this machine)


def test_a_second_build_waits_and_then_runs_when_the_holder_is_killed(project):
    """The reproduction of issue 20: after kill -9 the project stayed locked for ever (workers held the lock)."""
    build = _interrupted(project, "executing")
    waiting = subprocess.Popen(
        [sys.executable, "-m", "casebook", "--root", str(project), "build", "--jobs", "1", "--wait"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)},
    )
    time.sleep(1)
    assert waiting.poll() is None  # waits for the running build
    (project / HOLD).unlink()
    build.me.kill()
    build.finish()
    _, stderr = waiting.communicate(timeout=600)
    assert waiting.returncode == 0, stderr
    assert _wait_until_ended(build) == []


# --- Damaged cache entries ---------------------------------------------------------------------


def _cached(project: Path) -> Path:
    return project / "_build" / "cache" / "cases" / "rjh-2025-spin.ipynb"


@pytest.mark.parametrize("damage", ["edited", "truncated"])
def test_a_damaged_cached_notebook_is_executed_again_and_never_published(project, damage):
    (project / HOLD).unlink(missing_ok=True)
    ready = casebook(project, "build", "--jobs", "1", env={"SOURCE_DATE_EPOCH": str(EPOCH)})
    assert ready.returncode == 0, ready.stderr
    cached = _cached(project)
    text = cached.read_text(encoding="utf-8")
    cached.unlink()  # as an editor saving a new file
    if damage == "edited":  # a wrong amount, by hand
        assert "750\u00a0000\u00a0kr" in text
        cached.write_text(text.replace("750\u00a0000\u00a0kr", "950\u00a0000\u00a0kr"), encoding="utf-8")
    else:
        cached.write_text(text[: len(text) // 2], encoding="utf-8")
    rebuilt = casebook(project, "build", "--jobs", "1", env={"SOURCE_DATE_EPOCH": str(EPOCH)})
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert [line for line in rebuilt.stderr.splitlines() if "Cacheposten" in line] == [
        "Cacheposten för anteckningsboken för ärendet rjh-2025-spin var skadad eller ändrad (rjh-2025-spin.ipynb "
        "stämmer inte med sin SHA-256); den togs bort och görs om."
    ]
    assert "1 körd" in rebuilt.stderr and "Traceback" not in rebuilt.stderr
    page = (project / "_build" / "html" / "book" / "cases" / "rjh-2025-spin.html").read_text(encoding="utf-8")
    assert "950\xa0000" not in page and "950&nbsp;000" not in page and "750\xa0000" in page
    assert _cached(project).read_text(encoding="utf-8") == text  # executed again: the same notebook


def test_a_case_file_saved_while_the_build_runs_is_neither_published_nor_cached_under_the_bytes_it_checked(
    project, tmp_path
):
    """The case file is saved (a new title) while its notebook runs, and saved back before the
    next build: the documents and open data would attach and publish the new bytes beside a
    page computed from the old, and the cache would hold that page under the old bytes' key."""
    build = _interrupted(project, "executing")  # the case's notebook waits in its last cell
    case = project / "data" / "cases" / "rjh-2025-spin.yaml"
    checked = case.read_bytes()
    case.write_bytes(checked.replace(b"\ntitle: ", b"\ntitle: Sparad under bygget ", 1))
    assert case.read_bytes() != checked
    (project / HOLD).unlink()
    code, stderr = build.finish()
    assert code == 1, stderr
    assert stderr.splitlines()[-1] == (
        "Filen data/cases/rjh-2025-spin.yaml ändrades medan bygget körde, efter att bygget hade "
        "läst den; det som bygget sparade i cachen är bortglömt och webbplatsen är oförändrad. "
        "Kör bygget igen."
    ), stderr
    assert "Traceback" not in stderr
    assert os.readlink(build.site) == build.published_before and build.staging() == []

    case.write_bytes(checked)  # saved back: the bytes the failed build checked and keyed its work by
    summary = tmp_path / "summary.json"
    again = casebook(project, "build", "--jobs", "1", "--summary", str(summary), env={"SOURCE_DATE_EPOCH": str(EPOCH)})
    assert again.returncode == 0, again.stderr
    assert json.loads(summary.read_text())["executed"] == 1  # the stored page was forgotten, not reused
    site = build.site.resolve()
    assert "Sparad under bygget" not in (site / "book" / "cases" / "rjh-2025-spin.html").read_text(encoding="utf-8")
    assert (site / "data" / "arenden" / "rjh-2025-spin.yaml").read_bytes() == checked


def _add_a_case(root: Path) -> None:
    spin = (root / "data" / "cases" / "rjh-2025-spin.yaml").read_text(encoding="utf-8")
    (root / "data" / "cases" / "rjh-2025-ny.yaml").write_text(
        spin.replace("id: rjh-2025-spin", "id: rjh-2025-ny", 1), encoding="utf-8"
    )


def _save_the_reference_data(root: Path) -> None:
    """Read by every case's evaluation, notebook and documents: a save while they read it mixes two versions."""
    publisher = root / "data" / "reference" / "publisher.yaml"
    publisher.write_text(publisher.read_text(encoding="utf-8") + "# sparad under bygget\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("save", "said"),
    [
        (_add_a_case, "Filen data/cases/rjh-2025-ny.yaml lades till medan bygget körde; det som bygget sparade"),
        (
            _save_the_reference_data,
            "Filen data/reference/publisher.yaml ändrades medan bygget körde, efter att bygget hade läst den;",
        ),
    ],
    ids=["case added", "reference data saved"],
)
def test_a_data_file_added_or_saved_while_the_build_runs_stops_it_and_is_named(project, save, said):
    build = _interrupted(project, "executing")
    save(project)
    (project / HOLD).unlink()
    code, stderr = build.finish()
    assert code == 1, stderr
    assert stderr.splitlines()[-1].startswith(said), stderr
    assert os.readlink(build.site) == build.published_before and build.staging() == []
    again = casebook(project, "build", "--jobs", "1", env={"SOURCE_DATE_EPOCH": str(EPOCH)})
    assert again.returncode == 0, again.stderr  # the next build takes the saved files
