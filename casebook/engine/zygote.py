"""Fast fresh kernels: fork each case's kernel from a process that has already imported
pandas, matplotlib, IPython and this package.

Starting a kernel and importing the scientific stack costs about 2,5 s of CPU per case,
against about 0,2 s of real work. The *zygote* pays the imports once; every case still
runs in its own new kernel process, forked from the zygote before any user code ran, so
no state passes from one case to the next. ``casebook verify`` re-runs the published
notebooks in ordinary fresh kernels and checks that every output is the same.

Pieces:

- ``serve SOCKET``: the zygote. It imports the stack, listens on a Unix socket and, for
  each request, forks a child that becomes an IPython kernel with the requester's
  arguments, working directory, environment and standard streams.
- ``launch -f CONNECTION_FILE``: the command of the ``casebook-fork`` kernelspec, run by
  jupyter_client like any kernel. It asks the zygote named by ``$CASEBOOK_ZYGOTE`` for a
  kernel, forwards interrupt and terminate signals to it and exits with its status. Its
  death (even by SIGKILL) closes the socket, and the kernel then exits too; when its own
  parent (a build's worker) ends, it stops the kernel and exits. Without a zygote it
  simply becomes an ordinary kernel.

The zygote ends with the process that started it, however that one ends (Linux's
parent-death signal, and it looks for its parent between requests); a later zygote
removes the socket folders of zygotes whose build was killed.

A forked kernel must be indistinguishable from a fresh one in everything that can change
an output:

- The child closes what is not its own: the listening socket and every sibling's
  connection.
- No native thread is alive at fork (a thread's locks would be copied held): the build
  runs every kernel, forked or fresh, with :data:`KERNEL_ENVIRONMENT`, one BLAS/OpenMP
  thread, so OpenBLAS starts no thread pool in the zygote either.
- The hash seed: a forked kernel inherits the zygote's seed, where fresh kernels would
  each draw one. :data:`KERNEL_ENVIRONMENT` fixes ``PYTHONHASHSEED=0`` for both kinds, so
  ``hash()`` and set order are the same in every kernel and every build.
- The environment and working directory are the requester's, and ``sys.path`` is a
  fresh kernel's. The matplotlib backend is Agg in both kinds once the notebook has imported
  the package (``casebook.render.charts`` selects it on import; in a forked kernel that
  import already happened in the zygote), so figures are never shown by an inline
  backend behind the notebook's back.

Requests and replies are framed: a 4-byte big-endian length, then that many bytes of
JSON. jupyter_client's kernel provisioners would be the documented place to plug this
in; a kernelspec whose command is the launcher works with every client unchanged.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from casebook.engine import lifetime

KERNEL_NAME = "casebook-fork"
ENV_SOCKET = "CASEBOOK_ZYGOTE"
# Every kernel of a build, forked or fresh, runs with these (see the module docstring).
KERNEL_ENVIRONMENT = {
    "PYTHONHASHSEED": "0",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
START_TIMEOUT = 120.0
FOLDER_PREFIX = "casebook-zygote-"
_LENGTH = struct.Struct("!I")


class ZygoteUnavailable(Exception):
    """The zygote did not start; the caller can fall back to fresh kernels."""


def kernelspec_folder() -> Path:
    """The Jupyter data folder of the ``casebook-fork`` kernelspec.

    Not one of Jupyter's own folders, so JupyterLab's kernel picker never offers the build's
    forked kernel to an analyst; the build adds it to ``JUPYTER_PATH`` (:func:`kernelspec_visible`).
    """
    return Path(sys.prefix) / "share" / "casebook" / "jupyter"


@contextmanager
def kernelspec_visible() -> Iterator[None]:
    """``JUPYTER_PATH`` with :func:`kernelspec_folder` first, for the block (and processes started in it)."""
    previous = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join([str(kernelspec_folder()), *([previous] if previous else [])])
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = previous


def ensure_kernelspec() -> None:
    """Install the ``casebook-fork`` kernelspec into :func:`kernelspec_folder` when missing.

    Earlier versions installed it among the environment's kernels, where JupyterLab listed it
    as a third choice: it is removed from there.
    """
    shutil.rmtree(Path(sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME, ignore_errors=True)
    target = kernelspec_folder() / "kernels" / KERNEL_NAME
    spec = {
        "argv": [sys.executable, "-m", "casebook.engine.zygote", "launch", "-f", "{connection_file}"],
        "display_name": "Python (casebook, forked)",
        "language": "python",
        "interrupt_mode": "signal",
    }
    spec_file = target / "kernel.json"
    if spec_file.is_file() and json.loads(spec_file.read_text()) == spec:
        return
    target.mkdir(parents=True, exist_ok=True)
    spec_file.write_text(json.dumps(spec, indent=1))


@contextmanager
def kernel_environment() -> Iterator[None]:
    """Set :data:`KERNEL_ENVIRONMENT` for the block; kernels started inside inherit it."""
    previous = {name: os.environ.get(name) for name in KERNEL_ENVIRONMENT}
    os.environ.update(KERNEL_ENVIRONMENT)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def remove_abandoned_folders() -> None:
    """Remove the socket folders of zygotes whose build was killed (kill -9 leaves them)."""
    lifetime.remove_abandoned(Path(tempfile.gettempdir()), f"{FOLDER_PREFIX}*")


class Zygote:
    """A running zygote process and the socket it listens on."""

    def __init__(self, command: list[str] | None = None):
        remove_abandoned_folders()
        self.folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
        lifetime.claim(self.folder)
        self.socket_path = self.folder / "socket"
        self.command = command or [sys.executable, "-m", "casebook.engine.zygote", "serve", str(self.socket_path)]
        self.process: subprocess.Popen | None = None
        self.ready = False

    def launch(self) -> None:
        """Start the zygote without waiting for it (it imports the kernel's packages, 1–4 s):
        a build launches it before validating and planning, and :meth:`start` waits for it.

        It runs in the socket's folder, so the zygote's ``sys.path[0]`` names no project.
        """
        if self.process is not None:
            return
        try:
            ensure_kernelspec()
            # Its error output goes to a file, read only if it fails to start: a pipe nobody
            # reads could fill up and block it.
            with open(self.folder / "stderr", "w", encoding="utf-8") as stderr:
                # It ends with this process, however this one ends (kill -9 included).
                self.process = subprocess.Popen(
                    self.command,
                    cwd=self.folder,
                    stdout=subprocess.PIPE,
                    stderr=stderr,
                    text=True,
                    start_new_session=True,
                    env={**os.environ, **KERNEL_ENVIRONMENT},
                    preexec_fn=lifetime.dies_with_us(),
                )
        except OSError as exc:  # a read-only environment, no process left to fork: fresh kernels will do
            raise ZygoteUnavailable(str(exc)) from exc

    def start(self) -> None:
        """Start the zygote, or take the one :meth:`launch` started, and wait until it is
        ready; raise :class:`ZygoteUnavailable` otherwise."""
        if self.ready:
            return
        errors = self.folder / "stderr"
        try:
            self.launch()
            assert self.process is not None and self.process.stdout is not None
            ready, _, _ = select.select([self.process.stdout], [], [], START_TIMEOUT)
            line = self.process.stdout.readline().strip() if ready else ""
        except BaseException:
            self.stop()
            raise
        if line != "ready":
            self.process.kill()
            self.process.wait()
            error = errors.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            self.stop()
            raise ZygoteUnavailable(error[-1] if error else "ingen svarsrad")
        self.ready = True

    def is_running(self) -> bool:
        """Started and not exited."""
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            if self.process.stdout:
                self.process.stdout.close()
        self.ready = False
        shutil.rmtree(self.folder, ignore_errors=True)


# --- Framing -----------------------------------------------------------------------------


def _frame(message: dict) -> bytes:
    payload = json.dumps(message).encode()
    return _LENGTH.pack(len(payload)) + payload


def _read_exactly(connection: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        try:
            chunk = connection.recv(size - len(data))
        except ConnectionResetError:
            # The other side ended before reading all we sent: a zygote killed with its build
            # while a launcher waited for its kernel (a traceback on the terminal, after kill -9).
            return None
        if not chunk:
            return None
        data += chunk
    return data


def read_message(connection: socket.socket, header: bytes = b"") -> dict | None:
    """One framed message, or None when the other side closed the connection."""
    header += _read_exactly(connection, _LENGTH.size - len(header)) or b""
    if len(header) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(header)
    payload = _read_exactly(connection, size)
    return None if payload is None else json.loads(payload)


# --- The zygote -------------------------------------------------------------------------


def _preload() -> None:
    """Import everything a case or portfolio notebook imports, but run none of it."""
    import ipykernel.debugger  # every kernel imports debugpy on start, about 0,2 s
    import ipykernel.ipkernel
    import ipykernel.kernelapp  # noqa: F401
    import myst_nb.ext.glue  # noqa: F401 - imports nbformat's validator, about 1 s
    import pandas  # noqa: F401

    import casebook.render.case_view
    import casebook.render.portfolio  # noqa: F401

    _warm_up()


def _warm_up() -> None:
    """Do once what every case's first table, chart and number would do: fill the libraries' caches.

    Measured in a fresh process, the first case view costs 0,33–0,70 s against 0,10 s for the
    next one: pandas compiles the Styler's Jinja templates, matplotlib loads fonts and
    builds its text and SVG machinery, Babel loads the Swedish locale. Done here, every
    forked kernel inherits the filled caches. Nothing here is case data, opens a figure
    that stays open, starts a thread or draws a random number, so a forked kernel's outputs
    stay those of a fresh kernel (``casebook verify`` checks every published page that way).
    """
    import datetime as dt
    from decimal import Decimal

    import matplotlib.pyplot as plt
    import pandas as pd

    from casebook.domain import formatting as fmt
    from casebook.render import charts

    fmt.kronor(6200285)
    fmt.percent(Decimal("12.0962"))
    fmt.date(dt.date(2025, 11, 3))
    pd.DataFrame({"a": [1]}).style.hide(axis="index").to_html()
    with plt.rc_context(charts.STYLE):
        figure, axes = plt.subplots(figsize=(2, 1))
        axes.barh([0], [1])
        axes.plot([dt.date(2025, 1, 1), dt.date(2025, 2, 1)], [0, 1])
        axes.set_title("Å")
    charts.to_svg(figure)  # closes the figure


# Variables the preloaded imports set in the environment when missing (debugpy sets
# PYDEVD_USE_FRAME_EVAL); a forked kernel gets the requester's environment, so it sets them
# again the same way a fresh kernel's imports would.
_PRELOAD_ENVIRONMENT: dict[str, str] = {}


def serve(path: Path) -> None:
    before = set(os.environ)
    _preload()
    _PRELOAD_ENVIRONMENT.update({name: value for name, value in os.environ.items() if name not in before})
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(16)
    print("ready", flush=True)
    children: dict[int, socket.socket] = {}
    # Exit at once: tearing down the preloaded interpreter (pandas, matplotlib, IPython) took
    # 0,8–0,9 s that every executing build waited for (18 ms so, measured side by side).
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    parent = os.getppid()
    while os.getppid() == parent:  # where PR_SET_PDEATHSIG is missing: ends when its build has ended
        readable, _, _ = select.select([listener], [], [], 0.05)
        if readable:
            connection, _ = listener.accept()
            pid = _fork_kernel(listener, connection, children)
            if pid:
                children[pid] = connection
        _reap(children)


def _fork_kernel(listener: socket.socket, connection: socket.socket, children: dict[int, socket.socket]) -> int | None:
    header, fds, _, _ = socket.recv_fds(connection, _LENGTH.size, 3)
    request = read_message(connection, header) if header else None
    if request is None or len(fds) != 3:
        for fd in fds:
            os.close(fd)
        connection.close()
        return None
    pid = os.fork()
    if pid == 0:  # the kernel
        try:
            # Close what is not this kernel's: the listener and every sibling's connection.
            listener.close()
            for sibling in children.values():
                sibling.close()
            _become_kernel(connection, fds, request)
        finally:
            os._exit(1)
    for fd in fds:
        os.close(fd)
    connection.sendall(_frame({"pid": pid}))
    return pid


def _become_kernel(connection: socket.socket, fds: list[int], request: dict) -> None:
    os.setsid()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    zygote_dir = os.getcwd()
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for name, value in _PRELOAD_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    sys.argv = ["casebook-fork-kernel", *request["argv"]]
    # ipykernel_launcher removes the start folder from a fresh kernel's sys.path; so does the child.
    sys.path[:] = [entry for entry in sys.path if entry not in ("", zygote_dir)]

    def exit_when_launcher_dies() -> None:
        while connection.recv(1024):
            pass
        os._exit(1)

    threading.Thread(target=exit_when_launcher_dies, daemon=True).start()
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance(argv=request["argv"])
    os._exit(0)


def _reap(children: dict[int, socket.socket]) -> None:
    """Collect exited kernels (no zombies pile up) and tell each launcher its kernel's status."""
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        connection = children.pop(pid, None)
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.sendall(_frame({"exit": os.waitstatus_to_exitcode(status)}))
            connection.close()


# --- The launcher (the kernelspec's command) ----------------------------------------------


def launch(kernel_argv: list[str]) -> int:
    path = os.environ.get(ENV_SOCKET)
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        if not path:
            raise OSError("no zygote")
        connection.connect(path)
    except OSError:
        # No zygote: be an ordinary fresh kernel.
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *kernel_argv])
    request = {"argv": kernel_argv, "cwd": os.getcwd(), "env": dict(os.environ)}
    frame = _frame(request)
    # The descriptors travel with the first bytes; the rest of the frame follows.
    sent = socket.send_fds(connection, [frame[: _LENGTH.size]], [0, 1, 2])
    connection.sendall(frame[sent:])
    started = read_message(connection)
    if started is None:
        return 1
    pid = started["pid"]

    def forward(signum, _frame) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)
        if signum == signal.SIGTERM:
            os._exit(128 + signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    # A launcher whose client (a build's worker) ended without stopping it, kill -9 or a
    # SIGTERM to the whole process group, stops its kernel and exits: otherwise the two would
    # wait for each other for ever once the zygote is gone.
    lifetime.watch_parent(lambda: forward(signal.SIGTERM, None))
    ended = read_message(connection)
    return ended["exit"] if ended else 1


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        serve(Path(argv[1]))
        return 0
    if argv[:1] == ["launch"]:
        return launch(argv[1:])
    print("usage: python -m casebook.engine.zygote serve SOCKET | launch -f CONNECTION_FILE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
