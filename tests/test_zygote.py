"""Forked kernels: each is a new process forked from the preloaded zygote, behaves like an
ordinary kernel (interrupts, shutdown) and never outlives its launcher."""

from __future__ import annotations

import io
import json
import os
import socket
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest
from conftest import SPIN_PATH, copy_project
from jupyter_client.manager import KernelManager
from rich.console import Console

from casebook.engine import zygote
from casebook.engine.execution import Kernels, kernel_source


def _run(client, code: str) -> dict:
    msg_id = client.execute(code)
    reply = client.get_shell_msg(timeout=30)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=30)
    result = None
    while True:
        message = client.get_iopub_msg(timeout=30)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "execute_result":
            result = message["content"]["data"]["text/plain"]
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return {"reply": reply["content"], "result": result}


def _start(kernel_name: str, cwd: str | None = None) -> tuple[KernelManager, object]:
    manager = KernelManager(kernel_name=kernel_name)
    manager.start_kernel(cwd=cwd)
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    return manager, client


def _stop(manager: KernelManager, client) -> None:
    client.stop_channels()
    if manager.has_kernel:
        manager.shutdown_kernel(now=True)


@pytest.fixture
def server(monkeypatch):
    """A running zygote, with its address in the environment as the build sets it."""
    server = zygote.Zygote()
    server.start()
    monkeypatch.setenv(zygote.ENV_SOCKET, str(server.socket_path))
    with zygote.kernelspec_visible():
        yield server
    server.stop()


@pytest.fixture
def forked_kernel(server):
    manager, client = _start(zygote.KERNEL_NAME)
    yield manager, client
    _stop(manager, client)


def test_the_kernel_is_forked_from_the_preloaded_zygote(forked_kernel):
    manager, client = forked_kernel
    launcher = manager.provisioner.process.pid
    out = _run(
        client, "import os, sys; (os.getpid(), 'pandas' in sys.modules, 'casebook.render.case_view' in sys.modules)"
    )
    pid, pandas_loaded, package_loaded = eval(out["result"])  # a tuple from our own kernel
    assert pid != launcher and psutil.Process(pid).parent().pid != launcher
    assert pandas_loaded and package_loaded  # imported before any cell ran


def test_an_interrupt_reaches_the_forked_kernel(forked_kernel):
    manager, client = forked_kernel
    msg_id = client.execute("import time; time.sleep(60)")
    time.sleep(1)
    manager.interrupt_kernel()
    reply = client.get_shell_msg(timeout=20)
    while reply["parent_header"].get("msg_id") != msg_id:  # skip replies to wait_for_ready's requests
        reply = client.get_shell_msg(timeout=20)
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"


def test_killing_the_launcher_ends_the_kernel(forked_kernel):
    manager, client = forked_kernel
    pid = eval(_run(client, "import os; os.getpid()")["result"])
    manager.shutdown_kernel(now=True)  # SIGKILL to the launcher
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the forked kernel outlived its launcher")


def test_without_a_zygote_the_launcher_is_an_ordinary_kernel(monkeypatch):
    zygote.ensure_kernelspec()
    monkeypatch.delenv(zygote.ENV_SOCKET, raising=False)
    monkeypatch.setenv("JUPYTER_PATH", str(zygote.kernelspec_folder()))
    manager = KernelManager(kernel_name=zygote.KERNEL_NAME)
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        pid = eval(_run(client, "import os; os.getpid()")["result"])
        assert pid == manager.provisioner.process.pid  # the launcher became the kernel
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def _socket_fds(client) -> int:
    code = (
        "import os\n"
        "def _link(fd):\n"
        "    try:\n"
        "        return os.readlink(f'/proc/self/fd/{fd}')\n"
        "    except OSError:\n"
        "        return ''\n"
        "sum(_link(fd).startswith('socket:') for fd in os.listdir('/proc/self/fd'))"
    )
    return int(_run(client, code)["result"])


def test_a_forked_kernel_holds_none_of_its_siblings_sockets(server):
    kernels = [_start(zygote.KERNEL_NAME) for _ in range(3)]
    try:
        counts = [_socket_fds(client) for _, client in kernels]
    finally:
        for manager, client in kernels:
            _stop(manager, client)
    assert counts[0] == counts[1] == counts[2], counts  # the third would hold two more without the cleanup


def test_no_native_thread_is_alive_in_the_zygote_when_it_forks(server):
    assert psutil.Process(server.process.pid).num_threads() == 1


PROBE = """
import json, os, sys, matplotlib
from casebook.render import case_view, portfolio
json.dumps({
    "backend": matplotlib.get_backend(),
    "rc": {k: repr(v) for k, v in matplotlib.rcParams.items()},
    "env": dict(os.environ),
    "hash": hash("casebook"),
    "cwd": os.getcwd(),
    "path": sys.path,
    "argv_flags": [a for a in sys.argv if not a.endswith(".json")],
})
"""


def test_a_forked_kernel_sees_what_a_fresh_kernel_sees(server, tmp_path):
    probes = {}
    for name in (zygote.KERNEL_NAME, "casebook"):
        with zygote.kernel_environment():  # as the build starts every kernel
            manager, client = _start(name, cwd=str(tmp_path))
        try:
            probes[name] = json.loads(eval(_run(client, PROBE)["result"]))  # a string from our own kernel
        finally:
            _stop(manager, client)
    forked, fresh = probes[zygote.KERNEL_NAME], probes["casebook"]
    assert forked["backend"].lower() == fresh["backend"].lower() == "agg"
    assert forked["rc"] == fresh["rc"]
    assert forked["env"] == fresh["env"]
    assert forked["env"]["PYTHONHASHSEED"] == "0" and forked["hash"] == fresh["hash"]
    assert forked["cwd"] == fresh["cwd"] == str(tmp_path)
    assert forked["path"] == fresh["path"]


def test_exited_kernels_are_reaped(server):
    zygote_process = psutil.Process(server.process.pid)
    for _ in range(3):
        manager, client = _start(zygote.KERNEL_NAME)
        _stop(manager, client)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if not zygote_process.children():
            return
        time.sleep(0.1)
    pytest.fail(f"kernels left behind by the zygote: {[(c.pid, c.status()) for c in zygote_process.children()]}")


def test_a_zygote_that_cannot_start_falls_back_to_fresh_kernels_with_one_warning(monkeypatch):
    class Broken(zygote.Zygote):
        def __init__(self):
            super().__init__([sys.executable, "-c", "import sys; sys.exit('förladdningen misslyckades')"])

    monkeypatch.setattr(zygote, "Zygote", Broken)
    out = io.StringIO()
    with kernel_source(Kernels.FORKED, None, Console(file=out, width=300)) as kernel_name:
        assert kernel_name == "casebook"
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Varning: den förladdade kärnprocessen kunde inte startas")
    assert "förladdningen misslyckades" in lines[0]


def test_a_zygote_kept_by_the_caller_is_used_and_left_running(monkeypatch):
    """casebook serve keeps one zygote for the session: a build forks from it and does not stop it."""
    kept = zygote.Zygote()
    with zygote.kernel_environment():
        kept.start()
    try:
        monkeypatch.setattr(zygote, "Zygote", lambda *args: pytest.fail("a build started a zygote of its own"))
        for _ in range(2):
            with kernel_source(Kernels.FORKED, kept, Console(file=io.StringIO())) as kernel_name:
                assert kernel_name == zygote.KERNEL_NAME
                assert os.environ[zygote.ENV_SOCKET] == str(kept.socket_path)
            assert kept.is_running()
    finally:
        kept.stop()
    assert not kept.is_running()


def test_a_launched_zygote_is_waited_for_used_and_left_to_its_launcher(monkeypatch):
    """A build launches the zygote before it validates and plans; executing then waits for
    that one, starts no other and leaves it to the build to stop."""
    launched = zygote.Zygote()
    launched.launch()
    assert launched.is_running() and not launched.ready  # launch does not wait for the imports
    try:
        monkeypatch.setattr(zygote, "Zygote", lambda *args: pytest.fail("a second zygote was started"))
        with kernel_source(Kernels.FORKED, launched, Console(file=io.StringIO())) as kernel_name:
            assert kernel_name == zygote.KERNEL_NAME and launched.ready
            assert os.environ[zygote.ENV_SOCKET] == str(launched.socket_path)
        assert launched.is_running()
    finally:
        launched.stop()
    assert not launched.is_running() and not launched.folder.exists()


def test_the_build_launches_a_zygote_for_its_duration_unless_it_has_one_or_uses_fresh_kernels(monkeypatch):
    from casebook.engine.build import BuildOptions, _zygote_launched

    with _zygote_launched(BuildOptions()) as early:
        assert early is not None and early.is_running()
    assert not early.is_running() and not early.folder.exists()

    with pytest.raises(KeyboardInterrupt), _zygote_launched(BuildOptions()) as early:
        raise KeyboardInterrupt  # Ctrl-C while the cases are validated
    assert not early.is_running() and not early.folder.exists()

    with _zygote_launched(BuildOptions(kernels=Kernels.FRESH)) as early:
        assert early is None

    def cannot_fork(*args, **kwargs):
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(zygote.subprocess, "Popen", cannot_fork)
    with _zygote_launched(BuildOptions()) as early:  # executing tries again, then uses fresh kernels
        assert early is None


@pytest.mark.parametrize("entry", ["build_site", "build_shard"])
def test_the_zygote_imports_while_the_cases_are_validated(tmp_path, monkeypatch, entry):
    from casebook.engine import build
    from casebook.engine.paths import ProjectPaths
    from casebook.engine.shards import Shard

    root = copy_project(tmp_path / "repo")
    seen = []

    def validating(*args, **kwargs):
        for child in psutil.Process().children():
            try:
                command = child.cmdline()
            except psutil.Error:  # a child of an earlier test, ended meanwhile
                continue
            if command[1:3] == ["-m", "casebook.engine.zygote"]:
                seen.append(command[3:5])
        raise build.BuildFailed("stoppad vid valideringen")

    monkeypatch.setattr(build, "validate_all", validating)
    paths, console = ProjectPaths.at(root), Console(file=io.StringIO())
    with pytest.raises(build.BuildFailed, match="stoppad vid valideringen"):
        if entry == "build_site":
            build.build_site(paths, console=console)
        else:
            build.build_shard(paths, Shard(1, 2), console=console)
    assert len(seen) == 1 and seen[0][0] == "serve"
    assert not Path(seen[0][1]).parent.exists()  # stopped, its socket folder removed


@pytest.mark.e2e  # executes SPIN's notebook and the portfolio
def test_the_build_stops_its_zygote_once_the_notebooks_have_run(tmp_path, monkeypatch):
    """The zygote's memory is not held through the documents, Jupyter Book and Pagefind."""
    from casebook.engine import build
    from casebook.engine.paths import ProjectPaths

    root = copy_project(tmp_path / "repo")
    seen = {}
    launched = build._zygote_launched

    @contextmanager
    def recorded(options):
        with launched(options) as early:
            seen["zygote"] = early
            yield early

    def site_build(*args, **kwargs):
        seen["running at the site build"] = seen["zygote"].is_running()
        raise build.BuildFailed("stoppad före webbplatsen")

    monkeypatch.setattr(build, "_zygote_launched", recorded)
    monkeypatch.setattr(build, "build_book", site_build)
    with pytest.raises(build.BuildFailed, match="stoppad före webbplatsen"):
        build.build_site(ProjectPaths.at(root), console=Console(file=io.StringIO()))
    assert seen["zygote"] is not None and seen["running at the site build"] is False
    assert not seen["zygote"].folder.exists()


def test_requests_are_framed_and_survive_being_split():
    left, right = socket.socketpair()
    message = {"env": {"BIG": "x" * 300_000}, "argv": ["-f", "kernel.json"]}
    frame = zygote._frame(message)
    assert int.from_bytes(frame[:4], "big") == len(frame) - 4

    def send_in_pieces() -> None:
        for start in range(0, len(frame), 1000):
            left.sendall(frame[start : start + 1000])
        left.close()

    sender = threading.Thread(target=send_in_pieces)
    sender.start()
    assert zygote.read_message(right) == message
    assert zygote.read_message(right) is None  # closed: no message, no error
    sender.join()
    right.close()


WARMED = "from babel import localedata; sorted(localedata._cache)"
SAME_OUTPUTS = f"""
import json
import matplotlib.pyplot as plt
from casebook.render.case_view import prepare
report = prepare({str(SPIN_PATH)!r}, as_of="2025-11-30")
json.dumps({{
    "open_figures": plt.get_fignums(),
    "financing_chart": report.financing_chart().data,
    "payment_chart": report.payment_chart().data,
    "facts_table": report.facts_table().data,
    "financing_table": report.financing_table().data,
}})
"""


def test_the_zygote_is_warmed_and_a_forked_kernel_still_shows_what_a_fresh_kernel_shows(server, tmp_path):
    warmed, outputs = {}, {}
    for name in (zygote.KERNEL_NAME, "casebook"):
        with zygote.kernel_environment():
            manager, client = _start(name, cwd=str(tmp_path))
        try:
            warmed[name] = eval(_run(client, WARMED)["result"])  # a string from our own kernel
            outputs[name] = json.loads(eval(_run(client, SAME_OUTPUTS)["result"]))
        finally:
            _stop(manager, client)
    # The Swedish locale was loaded once in the zygote, not again in every kernel.
    assert "sv" in warmed[zygote.KERNEL_NAME] and "sv" not in warmed["casebook"]
    assert outputs[zygote.KERNEL_NAME]["open_figures"] == []
    assert outputs[zygote.KERNEL_NAME] == outputs["casebook"]


def test_jupyterlab_offers_the_analyst_no_forked_kernel(monkeypatch):
    """JupyterLab's kernel picker lists what the kernelspec manager finds in Jupyter's folders:
    the environment's kernel, never the build's forked one."""
    from jupyter_client.kernelspec import KernelSpecManager

    zygote.ensure_kernelspec()
    monkeypatch.delenv("JUPYTER_PATH", raising=False)
    offered = KernelSpecManager().find_kernel_specs()
    assert "casebook" in offered and zygote.KERNEL_NAME not in offered
    with zygote.kernelspec_visible():
        assert zygote.KERNEL_NAME in KernelSpecManager().find_kernel_specs()


def test_a_forked_kernel_talks_over_unix_sockets_in_the_zygotes_folder(server):
    """No TCP port that another worker's kernel could take between being picked and bound:
    the sockets are files in the zygote's folder while the kernel runs, and gone after it."""
    from casebook.engine.execute import kernel_manager_class

    manager = kernel_manager_class(str(server.folder))(kernel_name=zygote.KERNEL_NAME)
    assert manager.transport == "ipc" and Path(manager.ip).parent == server.folder
    manager = KernelManager(kernel_name=zygote.KERNEL_NAME, transport="ipc", ip=manager.ip)
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        code = "from ipykernel.kernelapp import IPKernelApp; app = IPKernelApp.instance(); (app.transport, app.ip)"
        assert _run(client, code)["result"] == repr(("ipc", manager.ip))
        assert (
            len(list(server.folder.glob(f"{Path(manager.ip).name}-*"))) == 5
        )  # shell, iopub, stdin, control, heartbeat
    finally:
        _stop(manager, client)
    assert list(server.folder.glob(f"{Path(manager.ip).name}-*")) == []


def test_a_forked_kernel_in_a_deep_temporary_folder_takes_tcp_ports_rather_than_too_long_socket_paths():
    """A Unix socket's path has at most 107 bytes (103 on macOS): with a TMPDIR of 60-74
    characters the zygote's own socket fits but its kernels' (15 bytes longer) did not, and
    every forked kernel failed with "File name too long"."""
    from casebook.engine.execute import UNIX_SOCKET_PATH_MAX, kernel_manager_class

    short = Path("/tmp/casebook-zygote-abcdefgh")
    deep = Path("/tmp") / ("a" * 60) / "casebook-zygote-abcdefgh"  # 90 bytes, as under a TMPDIR of 65
    manager = kernel_manager_class(str(short))()
    assert manager.transport == "ipc"
    assert len(os.fsencode(f"{manager.ip}-99")) <= UNIX_SOCKET_PATH_MAX
    assert len(os.fsencode(deep / "socket")) <= 107  # the zygote itself could still listen there
    manager = kernel_manager_class(str(deep))()
    assert manager.transport == "tcp" and manager.ip == "127.0.0.1"


@pytest.mark.parametrize("kernels", [Kernels.FORKED, Kernels.FRESH])
def test_the_build_gives_forked_kernels_the_zygotes_folder_for_their_sockets(tmp_path, monkeypatch, kernels):
    from casebook.engine import execution
    from casebook.engine.execute import NotebookJob, kernel_manager_class
    from casebook.engine.paths import ProjectPaths
    from casebook.engine.plan import ExecutionPlan

    seen = {}

    def run_in_workers(jobs, workers, console, done):
        seen["jobs"] = jobs
        seen["zygote folder"] = Path(os.environ[zygote.ENV_SOCKET]).parent if zygote.ENV_SOCKET in os.environ else None

    monkeypatch.setattr(execution, "run_in_workers", run_in_workers)
    job = NotebookJob(tmp_path, "a", Path("t.ipynb"), {}, "A", "a.ipynb", tmp_path / "a.ipynb", "key")
    paths = ProjectPaths.at(copy_project(tmp_path / "repo"))
    execution.execute_plan(paths, ExecutionPlan((job,), 0), None, Console(file=io.StringIO()), kernels=kernels)
    (planned,) = seen["jobs"]
    if kernels is Kernels.FORKED:
        assert planned.socket_folder == str(seen["zygote folder"])
        assert kernel_manager_class(planned.socket_folder)().transport == "ipc"
    else:
        assert planned.socket_folder == "" and seen["zygote folder"] is None
        assert kernel_manager_class(planned.socket_folder)().transport == "tcp"


def test_a_connection_reset_by_an_ended_zygote_reads_as_closed():
    """A zygote killed with its build while a launcher waits for its kernel resets the
    connection (the launcher's request unread): the launcher ends quietly, not with a traceback."""
    launcher, ended_zygote = socket.socketpair()
    launcher.sendall(b"a request the zygote never read")
    ended_zygote.close()
    assert zygote.read_message(launcher) is None
    launcher.close()
