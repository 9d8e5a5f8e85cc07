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
  death (even by SIGKILL) closes the socket, and the kernel then exits too. Without a
  zygote it simply becomes an ordinary kernel.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

KERNEL_NAME = "casebook-fork"
ENV_SOCKET = "CASEBOOK_ZYGOTE"


def ensure_kernelspec() -> None:
    """Install the ``casebook-fork`` kernelspec into this environment when missing."""
    target = Path(sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME
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
def running() -> Iterator[str]:
    """Run a zygote for the duration of the block; yields the kernel name to execute with.

    The socket lives in a short temporary folder (Unix socket paths are limited to about
    100 characters). Worker processes created inside the block inherit its address.
    """
    ensure_kernelspec()
    folder = Path(tempfile.mkdtemp(prefix="casebook-zygote-"))
    path = folder / "socket"
    process = subprocess.Popen(
        [sys.executable, "-m", "casebook.engine.zygote", "serve", str(path)],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )
    previous = os.environ.get(ENV_SOCKET)
    try:
        if process.stdout is None or process.stdout.readline().strip() != "ready":
            raise RuntimeError("the kernel zygote did not start")
        os.environ[ENV_SOCKET] = str(path)
        yield KERNEL_NAME
    finally:
        if previous is None:
            os.environ.pop(ENV_SOCKET, None)
        else:
            os.environ[ENV_SOCKET] = previous
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


# --- The zygote -------------------------------------------------------------------------


def _preload() -> None:
    """Import everything a case or portfolio notebook imports, but run none of it."""
    import matplotlib

    matplotlib.use("Agg")
    import ipykernel.ipkernel  # noqa: F401
    import ipykernel.kernelapp  # noqa: F401
    import myst_nb.ext.glue  # noqa: F401 - imports nbformat's validator, about 1 s
    import pandas  # noqa: F401

    import casebook.render.portfolio  # noqa: F401
    import casebook.render.case_view  # noqa: F401


def serve(path: Path) -> None:
    _preload()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(16)
    print("ready", flush=True)
    children: dict[int, socket.socket] = {}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        readable, _, _ = select.select([listener], [], [], 0.05)
        if readable:
            connection, _ = listener.accept()
            pid = _fork_kernel(listener, connection)
            if pid:
                children[pid] = connection
        _reap(children)


def _fork_kernel(listener: socket.socket, connection: socket.socket) -> int | None:
    message, fds, _, _ = socket.recv_fds(connection, 1 << 20, 3)
    if len(fds) != 3:
        connection.close()
        return None
    request = json.loads(message)
    pid = os.fork()
    if pid == 0:  # the kernel
        listener.close()
        try:
            _become_kernel(connection, fds, request)
        finally:
            os._exit(1)
    for fd in fds:
        os.close(fd)
    connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    return pid


def _become_kernel(connection: socket.socket, fds: list[int], request: dict) -> None:
    os.setsid()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["casebook-fork-kernel", *request["argv"]]

    def exit_when_launcher_dies() -> None:
        while connection.recv(1024):
            pass
        os._exit(1)

    threading.Thread(target=exit_when_launcher_dies, daemon=True).start()
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance(argv=request["argv"])
    os._exit(0)


def _reap(children: dict[int, socket.socket]) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        connection = children.pop(pid, None)
        if connection is not None:
            try:
                connection.sendall(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode() + b"\n")
            except OSError:
                pass
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
    socket.send_fds(connection, [json.dumps(request).encode()], [0, 1, 2])
    reader = connection.makefile("rb")
    pid = json.loads(reader.readline())["pid"]

    def forward(signum, _frame) -> None:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass
        if signum == signal.SIGTERM:
            os._exit(128 + signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    line = reader.readline()
    return json.loads(line)["exit"] if line else 1


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
