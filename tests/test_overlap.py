"""What a build does beside its kernels: the open data written in a process of their own while
the notebooks execute, and the executed notebooks linked into the book, not copied."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import threading
import time

import psutil
import pytest
from conftest import copy_project

from casebook.engine import build
from casebook.engine.cache import PORTFOLIO, ExecutionCache
from casebook.engine.paths import CASE_PAGES, PORTFOLIO_PAGE, ProjectPaths
from casebook.engine.workers import in_background
from casebook.render import pages


def _fail(message: str) -> None:
    raise ValueError(message)


def test_in_background_returns_from_another_process_and_passes_its_error_on():
    with in_background(os.getpid) as pid:
        assert pid() != os.getpid()
    with in_background(_fail, "i bakgrunden") as failed, pytest.raises(ValueError, match="i bakgrunden"):
        failed()


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _pid_leaving_a_thread_behind() -> int:
    """Its process's id; it leaves a thread that would keep an interpreter's exit waiting a minute."""
    threading.Thread(target=time.sleep, args=(60,)).start()
    return os.getpid()


def test_the_background_process_ends_when_its_work_is_done_not_when_the_block_does():
    # So a build signalled after its open data were written has no process of its own to stop
    # (tests/test_faults.py, the documents phase); and it ends at once, waiting for nothing at
    # exit (here a thread; forked from casebook serve, a lock one of its threads held).
    with in_background(_pid_leaving_a_thread_behind) as pid:
        background = pid()
        deadline = time.monotonic() + 10
        while not _gone(background) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _gone(background)


def test_leaving_the_block_by_an_exception_stops_the_background_process_at_once():
    before = {child.pid for child in psutil.Process().children()}
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), in_background(time.sleep, 60):
        (background,) = [child.pid for child in psutil.Process().children() if child.pid not in before]
        raise KeyboardInterrupt
    assert time.monotonic() - started < 10  # not the minute it sleeps
    assert _gone(background)


class _NeedsTwo(Exception):
    """An exception that pickles but cannot be rebuilt from its arguments (its message)."""

    def __init__(self, first, second):
        super().__init__(f"{first} och {second}")


def _raise_needs_two() -> None:
    raise _NeedsTwo("ett", "två")


def _raise_unpicklable() -> None:
    raise ValueError(lambda: "ej picklebar")


def test_an_error_that_cannot_cross_back_is_named_not_lost(capfd):
    with in_background(_raise_needs_two) as failed, pytest.raises(RuntimeError, match="_NeedsTwo: ett och två"):
        failed()
    with in_background(_raise_unpicklable) as failed, pytest.raises(RuntimeError, match="ValueError: <function"):
        failed()
    assert "Traceback" not in capfd.readouterr().err  # no traceback from the background process


def _killed() -> None:
    os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer would


def _timed_out(_signum, _frame):
    raise TimeoutError


def test_a_background_process_that_is_killed_is_an_error_not_a_wait():
    previous = signal.signal(signal.SIGALRM, _timed_out)
    signal.alarm(30)
    try:
        with in_background(_killed) as died, pytest.raises(RuntimeError, match=r"avslutades utan svar \(slutkod -9\)"):
            died()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


_BUILD_KILLED = """
import sys, time
from casebook.engine.workers import in_background
with in_background(time.sleep, 60):
    import psutil
    print(psutil.Process().children()[0].pid, flush=True)
    time.sleep(60)
"""


def test_the_background_process_ends_when_the_build_is_killed():
    build_process = subprocess.Popen([sys.executable, "-c", _BUILD_KILLED], stdout=subprocess.PIPE, text=True)
    try:
        child = psutil.Process(int(build_process.stdout.readline()))
        build_process.kill()  # kill -9: nothing of the build runs to stop it
        build_process.wait()
        child.wait(timeout=10)  # psutil.TimeoutExpired: it outlived the build
    finally:
        build_process.kill()
        build_process.wait()
        build_process.stdout.close()


class _BookNotBuilt(Exception):
    """Stops the build where the book would be built: what was staged is examined instead."""


@pytest.mark.e2e
def test_a_build_writes_its_open_data_in_another_process_while_the_notebooks_execute(tmp_path, monkeypatch):
    paths = ProjectPaths.at(copy_project(tmp_path / "repo"))
    log = tmp_path / "times.log"

    def logged(label, function):
        def run(*arguments, **keywords):
            started = time.time()
            result = function(*arguments, **keywords)
            with log.open("a", encoding="utf-8") as out:  # the forked process writes here too
                out.write(f"{label} {os.getpid()} {started} {time.time()}\n")
            return result

        return run

    monkeypatch.setattr(build, "write_project_open_data", logged("open-data", build.write_project_open_data))
    monkeypatch.setattr(build, "_execute", logged("execute", build._execute))
    staged = {}
    frozen_while_planning = []
    plan = build.plan_executions
    monkeypatch.setattr(
        build, "plan_executions", lambda *a, **k: frozen_while_planning.append(gc.get_freeze_count()) or plan(*a, **k)
    )

    def examine(_paths, source, _options):
        staged["open data"] = sorted(p.name for p in (source / pages.OPEN_DATA).iterdir())
        cache = ExecutionCache(paths)
        staged["linked"] = [
            (source / CASE_PAGES / "rjh-2025-spin.ipynb").samefile(cache.notebook("rjh-2025-spin")),
            (source / PORTFOLIO_PAGE).samefile(cache.notebook(PORTFOLIO)),
        ]
        raise _BookNotBuilt

    monkeypatch.setattr(build, "build_book", examine)

    with pytest.raises(_BookNotBuilt):
        build.build_site(paths)

    times = {
        label: (int(pid), float(start), float(end))
        for label, pid, start, end in map(str.split, log.read_text().splitlines())
    }
    open_pid, open_start, open_end = times["open-data"]
    execute_pid, execute_start, execute_end = times["execute"]
    assert execute_pid == os.getpid() and open_pid != os.getpid()
    assert open_start < execute_end and execute_start < open_end  # at the same time
    assert {"beslut.csv", "medfinansiering.xlsx", "datapackage.json", "arenden"} <= set(staged["open data"])
    assert staged["linked"] == [True, True]
    # The evaluated cases are out of the collections while the build runs (heap.long_lived), and back after it.
    assert frozen_while_planning[0] > 0 and gc.get_freeze_count() == 0
