"""Processes and temporary folders that live no longer than the build that made them.

A build starts workers, kernels, a zygote, a fork server, Jupyter Book and Pagefind. Each
must end when the build ends, however it ends, kill -9 included, and whatever a build
leaves behind when it cannot clean up (a staging folder, a zygote's socket folder) is
removed by the next one. The pieces:

- :func:`die_with_parent`: a process asks the kernel to kill it when its parent dies
  (Linux's ``PR_SET_PDEATHSIG``, through ``ctypes``); :func:`watch_parent` is the portable
  fallback, a thread that notices the parent is gone.
- :func:`dies_with_us`: the same for a program we start with ``subprocess`` (set between
  ``fork`` and ``exec``; it survives ``exec``).
- :func:`end_with`: a process ends when another one, not its parent, ends (a document
  worker with its build: the fork server between them waits for its workers).
- :func:`signals_held`: the build's stop signals are held (blocked) while it starts child
  processes, so a Ctrl-C that arrives at that moment reaches the build, once the children
  exist and can be stopped, and not a child that is still importing (a traceback).
- :func:`claim` and :func:`remove_abandoned`: a folder we create records who made it (process
  id and start time); a later build removes such folders whose maker no longer runs, and
  never a folder without that record.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# The signals that stop a build (casebook.cli): Ctrl-C, kill, a closed terminal.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
OWNER_FILE = ".casebook-owner"
_PR_SET_PDEATHSIG = 1
# How often a process without PR_SET_PDEATHSIG looks for its parent.
PARENT_POLL_SECONDS = 0.2


def _prctl() -> Callable | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl()  # looked up before any fork: a child between fork and exec must not load libraries


def die_with_parent(signum: int = signal.SIGKILL, parent: int | None = None) -> bool:
    """Have the kernel send ``signum`` to this process when its parent ends; False where it cannot.

    ``parent``: the process id the caller expects as parent. If the parent already ended
    before the request took effect, this process ends at once (the signal would never come).
    The request is tied to the parent's thread that started this process: call it only in
    processes started by a thread that lives as long as the parent (its main thread).
    """
    if _PRCTL is None or _PRCTL(_PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        return False
    if parent is not None and os.getppid() != parent:
        os._exit(128 + signum)
    return True


def dies_with_us(signum: int = signal.SIGKILL) -> Callable[[], None] | None:
    """A ``preexec_fn`` for ``subprocess``: the program started is sent ``signum`` when this process
    ends (``None`` where that is not possible). Start it from the main thread."""
    if _PRCTL is None:
        return None
    parent = os.getpid()

    def in_child() -> None:
        _PRCTL(_PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(128 + signum)

    return in_child


def watch_parent(on_orphaned: Callable[[], None], seconds: float = PARENT_POLL_SECONDS) -> threading.Thread:
    """Call ``on_orphaned`` (in a daemon thread) once this process's parent has ended.

    Portable, and not tied to the thread that started this process (see :func:`die_with_parent`).
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(seconds)
        on_orphaned()

    thread = threading.Thread(target=watch, name="casebook-parent-watch", daemon=True)
    thread.start()
    return thread


def end_with(pid: int) -> threading.Thread:
    """Exit this process (in a daemon thread) as soon as process ``pid`` ends.

    For a process whose parent is not the one it must end with: a document worker is the
    fork server's child, and the fork server waits for its workers before it ends, so only
    the build's end can end them. Linux tells the moment (a pidfd becomes readable); elsewhere
    the process is polled.
    """

    def watch() -> None:
        try:
            descriptor = os.pidfd_open(pid)
        except ProcessLookupError:
            os._exit(1)
        except (AttributeError, OSError):  # no pidfd here
            while _exists(pid):
                time.sleep(PARENT_POLL_SECONDS)
            os._exit(1)
        select.select([descriptor], [], [])
        os._exit(1)

    thread = threading.Thread(target=watch, name="casebook-build-watch", daemon=True)
    thread.start()
    return thread


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold :data:`STOP_SIGNALS` for the block: delivered when it ends, not during it.

    Child processes started inside inherit the held signals (through ``fork`` and ``exec``)
    and must release them (:func:`release_signals`) once they have set their own handlers.
    Only the main thread may use it (signals are delivered to the main thread).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def release_signals() -> None:
    """Deliver the stop signals again in a child started under :func:`signals_held`."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


_stop = threading.Event()


def request_stop() -> None:
    """Record that a stop signal came (the command line's handler, before it raises ``KeyboardInterrupt``)."""
    _stop.set()


def stop_requested() -> bool:
    return _stop.is_set()


def stop_event() -> threading.Event:
    """The recorded stop as an event, for a loop that waits (``casebook serve``'s file watcher)."""
    return _stop


def clear_stop() -> None:
    """Forget an earlier stop: a new command begins."""
    _stop.clear()


def stop_if_requested() -> None:
    """Raise ``KeyboardInterrupt`` when a stop signal came, even if the one it raised was lost.

    Python drops an exception raised while a finaliser (``__del__``, a weak reference's
    callback) runs, printing "Exception ignored in ..."; a signal handled at that moment
    does not stop the build, which went on and published after a SIGTERM (found under load,
    ``tests/test_faults.py``). Checked before anything is published.
    """
    if _stop.is_set():
        raise KeyboardInterrupt


# --- Folders a later build may remove ------------------------------------------------------


def _owner() -> dict:
    import psutil  # here: the kernel launcher imports this module and starts with every kernel

    me = psutil.Process()
    return {"pid": me.pid, "started": me.create_time()}


def claim(folder: Path) -> None:
    """Record in ``folder`` that this process made it and uses it."""
    (folder / OWNER_FILE).write_text(json.dumps(_owner()), encoding="utf-8")


def _abandoned(folder: Path) -> bool:
    """``folder`` was made by us (it holds our record) and its maker no longer runs."""
    import psutil

    try:
        owner = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
        pid, started = int(owner["pid"]), float(owner["started"])
    except (OSError, ValueError, KeyError, TypeError):
        return False  # not ours, or being written: never removed
    try:
        return abs(psutil.Process(pid).create_time() - started) > 1e-3  # the id was reused
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:
        return False


def remove_abandoned(parent: Path, pattern: str) -> list[Path]:
    """Remove the folders in ``parent`` matching ``pattern`` that are ours and abandoned; the removed ones."""
    removed = []
    try:
        candidates = list(parent.glob(pattern))
    except OSError:
        return removed
    for folder in candidates:
        if folder.is_dir() and not folder.is_symlink() and _abandoned(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
