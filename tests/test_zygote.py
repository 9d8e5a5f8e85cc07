"""Forked kernels: each is a new process forked from the preloaded zygote, behaves like an
ordinary kernel (interrupts, shutdown) and never outlives its launcher."""

from __future__ import annotations

import time

import psutil
import pytest
from jupyter_client.manager import KernelManager

from casebook.engine import zygote


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


@pytest.fixture
def forked_kernel():
    with zygote.running() as kernel_name:
        manager = KernelManager(kernel_name=kernel_name)
        manager.start_kernel()
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        yield manager, client
        client.stop_channels()
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)


def test_the_kernel_is_forked_from_the_preloaded_zygote(forked_kernel):
    manager, client = forked_kernel
    launcher = manager.provisioner.process.pid
    out = _run(client, "import os, sys; (os.getpid(), 'pandas' in sys.modules, 'casebook.render.case_view' in sys.modules)")
    pid, pandas_loaded, package_loaded = eval(out["result"])  # noqa: S307 - a tuple from our own kernel
    assert pid != launcher and psutil.Process(pid).parent().pid != launcher
    assert pandas_loaded and package_loaded  # imported before any cell ran


def test_an_interrupt_reaches_the_forked_kernel(forked_kernel):
    manager, client = forked_kernel
    msg_id = client.execute("import time; time.sleep(60)")
    time.sleep(1)
    manager.interrupt_kernel()
    reply = client.get_shell_msg(timeout=20)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"


def test_killing_the_launcher_ends_the_kernel(forked_kernel):
    manager, client = forked_kernel
    pid = eval(_run(client, "import os; os.getpid()")["result"])  # noqa: S307
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
    manager = KernelManager(kernel_name=zygote.KERNEL_NAME)
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        pid = eval(_run(client, "import os; os.getpid()")["result"])  # noqa: S307
        assert pid == manager.provisioner.process.pid  # the launcher became the kernel
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
