"""Worker processes of a build: how they meet Ctrl-C, how they are stopped, and the workers
that render documents.

Notebooks are executed in workers forked from the build process (``casebook.engine.build``);
documents (memos, report PDFs) are rendered in workers started from a fork server
(:func:`document_workers`). Kept apart from the build, which imports the notebook
machinery, so that a document worker starts by importing only this module and the renderers.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import InvalidStateError, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import TypeVar

import psutil

from casebook.engine import lifetime
from casebook.engine.artifacts import Mapper

T = TypeVar("T")
# How long stopped workers and kernels get to exit before they are killed.
STOP_GRACE_SECONDS = 2.0


def worker_started(build: int) -> None:
    """Set up a worker of the process ``build``: it ends with it, and leaves stopping to it.

    Ctrl-C and a closed terminal (SIGINT, SIGHUP, also sent to the whole process group) are
    the build's to handle: it stops the workers. SIGTERM ends a worker at once. The worker
    ends when the build ends, however it ends (kill -9 included): an executing worker is
    the build's child (parent-death signal); a document worker is the fork server's, and
    the fork server (and the resource tracker) wait for their workers, so the worker
    watches the build itself. The stop signals were held while the worker started
    (``lifetime.signals_held``); they are released here, once the handlers are set.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if os.getppid() != build or not lifetime.die_with_parent(parent=build):  # no PR_SET_PDEATHSIG: watch
        lifetime.end_with(build)
    lifetime.release_signals()


def _quiet_about_cancelled_futures(arguments: threading.ExceptHookArgs) -> None:
    # Python 3.11's pool thread, finding its workers gone after a stop, sets an exception on
    # futures the stop already cancelled and dies with InvalidStateError: a traceback on the
    # terminal after the one Swedish line, about work that was meant to be dropped.
    if not isinstance(arguments.exc_value, InvalidStateError):
        _DEFAULT_THREAD_EXCEPTHOOK(arguments)


_DEFAULT_THREAD_EXCEPTHOOK = threading.excepthook


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Start nothing new; stop every worker and the kernels it started, and wait for the
    pool's own thread to end."""
    threading.excepthook = _quiet_about_cancelled_futures
    # shutdown(wait=False) forgets the pool's thread, so it is taken first.
    manager: threading.Thread | None = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    processes = []
    for worker in multiprocessing.active_children():
        try:
            parent = psutil.Process(worker.pid)
            processes += [*parent.children(recursive=True), parent]
        except psutil.NoSuchProcess:
            continue
    for process in processes:  # kernels (or their launchers) first, then the worker
        with contextlib.suppress(psutil.NoSuchProcess):
            process.terminate()
    _, alive = psutil.wait_procs(processes, timeout=STOP_GRACE_SECONDS)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    # Python 3.11's exit wakes every pool thread without the lock the thread takes to close
    # its wake-up pipe (fixed upstream in 3.12.8 and 3.13.1, gh-125451): if the thread, seeing
    # its workers gone, closes the pipe at that moment, "Exception ignored ... Bad file
    # descriptor" and a traceback follow the one Swedish line. Once the thread has ended, its
    # pipe is closed and the exit's wake-up does nothing.
    if manager is not None:
        manager.join(timeout=STOP_GRACE_SECONDS)


@contextmanager
def in_background(function: Callable[..., T], *arguments: object) -> Iterator[Callable[[], T]]:
    """``function(*arguments)`` in a process forked from this one while the block runs; the
    block gets a function that waits for what it returned, or raises what it raised.

    For work that needs nothing the block makes, on a core the block leaves idle (the build
    writes its open data while the kernels execute). The arguments are the fork's, not
    pickled; what it returns or raises is pickled back. The process ends once its work is
    done, and at once when the block is left by an exception (a failed notebook, Ctrl-C). It
    must not render documents: Typst's compiler, once used here, holds threads a forked child
    would wait on (:func:`document_workers`).
    """
    receiving, sending = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(
        target=_send_outcome, args=(os.getpid(), sending, function, arguments), daemon=True
    )
    with lifetime.signals_held():  # a Ctrl-C reaches the build once the process exists
        process.start()
    sending.close()

    def outcome() -> T:
        try:
            kind, value = receiving.recv()
        except EOFError:
            process.join(STOP_GRACE_SECONDS)  # its exit code: the pipe closes just before it ends
            raise RuntimeError(
                f"Arbetet i bakgrunden ({function.__name__}) avslutades utan svar (slutkod {process.exitcode})."
            ) from None
        if kind == "raised":
            raise value
        return value

    try:
        yield outcome
    except BaseException:
        process.kill()
        raise
    finally:
        process.join(STOP_GRACE_SECONDS)  # it ends once it has sent (_send_outcome), or was killed
        if process.is_alive():
            process.kill()
            process.join()
        receiving.close()


def _send_outcome(build: int, sending: Connection, function: Callable, arguments: tuple) -> None:
    worker_started(build)
    try:
        try:
            outcome: tuple[str, object] = ("returned", function(*arguments))
        except BaseException as exc:  # noqa: BLE001 - it is the caller's to raise
            # Where it was raised: its traceback does not cross the pipe, a note does.
            shown = "".join(traceback.format_exception(exc)).rstrip()
            exc.add_note(shown)
            outcome = ("raised", exc)
        else:
            shown = f"{type(outcome[1]).__name__}, ej överförbart"
        sending.send_bytes(_pickled(function, outcome, shown))
    finally:
        sending.close()
        # Nothing more: no flushing of streams or waiting for threads at exit. Forked from a
        # process with other threads (casebook serve's server and watcher), this one may hold
        # a copy of a lock one of them had, and would wait on it for ever.
        os._exit(0)


def _pickled(function: Callable, outcome: tuple[str, object], shown: str) -> bytes:
    """``outcome`` pickled, checked to unpickle: an exception whose class cannot be rebuilt
    from its arguments (or that holds something unpicklable) would be lost on the way, as a
    traceback from this process and an error about pickling in the caller; it is sent as a
    RuntimeError that names it (``shown``: its traceback, or the type of what was returned)."""
    try:
        data = bytes(ForkingPickler.dumps(outcome))
        ForkingPickler.loads(data)
        return data
    except Exception as problem:  # noqa: BLE001 - any failure to pickle it
        what = "gav" if outcome[0] == "returned" else "avbröts av"
        error = RuntimeError(f"Arbetet i bakgrunden ({function.__name__}) {what}: {shown} ({problem})")
        return bytes(ForkingPickler.dumps(("raised", error)))


# A smaller batch is rendered in the build's own process, unless the workers already run:
# starting them (a new interpreter importing the renderers, 1,5–2 s) costs about what two
# workers save on 32 documents (0,1–0,2 s each).
DOCUMENT_BATCH_FOR_WORKERS = 32
# Imported once by the fork server, so that each worker starts with them. (Each worker also
# imports the program's main module, unless it is a package's ``__main__``, as for
# ``python -m casebook``: a script that renders documents must be guarded by
# ``if __name__ == "__main__"`` and should import little at its top.)
_FORK_SERVER_PRELOAD = ["casebook.engine.documents", "casebook.render.memo", "casebook.render.report_pdf"]


@contextmanager
def document_workers(workers: int, smallest_batch: int = DOCUMENT_BATCH_FOR_WORKERS) -> Iterator[Mapper]:
    """A :data:`~casebook.engine.artifacts.Mapper` that renders documents (memos, report PDFs)
    in ``workers`` processes: a cold build writes two documents per case, 0,1–0,2 s of CPU each.

    The processes start at the first batch of ``smallest_batch`` or more documents; until
    then batches are rendered here. Each document is rendered with this process's
    environment at the time. A failed document lets the others being written finish and
    starts no more; Ctrl-C stops the workers at once. They come from a fork server, never
    forked from this process: Typst's compiler, once used here, holds threads that a forked
    child would wait on for ever. The fork server lives as long as this process.
    """
    pool: ProcessPoolExecutor | None = None

    def mapper(function: Callable, arguments: list) -> list:
        nonlocal pool
        if workers < 2 or len(arguments) < 2 or (pool is None and len(arguments) < smallest_batch):
            return list(map(function, arguments))
        if pool is None:
            # The resource tracker (started by the pool's queues) ignores SIGINT and SIGTERM but
            # not SIGHUP: a closed terminal would end it while the workers run, and the build
            # would start another and print its warnings and tracebacks. Started with the stop
            # signals held, it keeps SIGHUP held for good (it releases only the two it ignores);
            # it ends when its pipe closes, with the build and the workers.
            with lifetime.signals_held():
                resource_tracker.ensure_running()
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_FORK_SERVER_PRELOAD)
            pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=context, initializer=worker_started, initargs=(os.getpid(),)
            )
        environment = dict(os.environ)
        # The fork server (which imports the renderers first), the resource tracker and the
        # workers start while the map submits: a Ctrl-C then reaches the build once they exist,
        # never a process still importing (a traceback on the terminal).
        with lifetime.signals_held():
            results = pool.map(_in_environment, [(environment, function, argument) for argument in arguments])
        return list(results)

    try:
        yield mapper
    except KeyboardInterrupt:
        if pool is not None:
            stop_workers(pool)
        raise
    except BaseException:
        if pool is not None:  # a document failed: let the others finish writing, start none
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    if pool is not None:
        pool.shutdown()


def _in_environment(task: tuple[dict[str, str], Callable, object]) -> object:
    """Call ``function(argument)`` with the build's environment of the moment: a fork server's
    workers inherit the environment it started with, and a document's dates come from it
    (``SOURCE_DATE_EPOCH``: when it was written, and the build date a follow-up is judged on)."""
    environment, function, argument = task
    if os.environ != environment:
        os.environ.clear()
        os.environ.update(environment)
    return function(argument)
