"""A build stops cleanly when interrupted, and a runaway or crashing notebook cannot hang it.

Each test runs the command line in a subprocess on a copy of the project, with a
fictional case whose notebook sleeps (an added cell that acts only on that case).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from conftest import add_cell, add_fictional_case, casebook, copy_project

SLOW = "sakta-fiktiv"  # sorts after rjh-2025-spin, so it runs second with --jobs 1
DYING = "doende-fiktiv"


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def _previous_site(root: Path) -> Path:
    from casebook.engine.publish import publish

    built = root / "föregående"
    built.mkdir()
    (built / "index.html").write_text("föregående webbplats", encoding="utf-8")
    site = root / "_build" / "html"
    site.parent.mkdir(parents=True)
    publish(built, site)
    return site


@pytest.fixture
def slow_project(tmp_path) -> Path:
    root = copy_project(tmp_path / "repo")
    add_fictional_case(root, SLOW)
    add_cell(
        root / "notebooks" / "case_report.ipynb",
        f'if "{SLOW}" in case_path:\n    import time\n    open("../sakta-startad", "w").close()\n    time.sleep(120)',
    )
    return root


@pytest.mark.e2e  # runs the build command with kernels (about 8 s each)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_stops_the_build_within_seconds_and_keeps_finished_work(slow_project, signum):
    root = slow_project
    site = _previous_site(root)
    cache = root / "_build" / "cache" / "cases"
    build = subprocess.Popen(
        [sys.executable, "-m", "casebook", "--root", str(root), "build", "--jobs", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: (root / "sakta-startad").exists() or build.poll() is not None, 120, "the slow case to start")
        assert build.poll() is None, build.stderr.read()
        processes = psutil.Process(build.pid).children(recursive=True)
        assert len(processes) >= 3  # at least a worker, the zygote and the slow case's kernel

        build.send_signal(signum)
        interrupted = time.monotonic()
        _, stderr = build.communicate(timeout=30)
        stopped_after = time.monotonic() - interrupted
    finally:
        if build.poll() is None:
            build.kill()

    # About 2–6 s on the shared 2-core machine under load (docs/operations.md); a bound, not a benchmark.
    assert stopped_after < 30, stopped_after
    assert build.returncode == 130
    assert "Traceback" not in stderr
    message = [line for line in stderr.splitlines() if "avbröts" in line]
    assert message == [
        "Bygget avbröts: 1 anteckningsbok kördes klart och sparades i cachen, 2 kördes inte; webbplatsen är oförändrad."
    ]
    # The finished case is cached; the slow one is not, and the queued portfolio never started.
    assert (cache / "rjh-2025-spin.ipynb").is_file() and (cache / "rjh-2025-spin.key").is_file()
    assert sorted(p.name for p in cache.iterdir()) == ["rjh-2025-spin.ipynb", "rjh-2025-spin.json", "rjh-2025-spin.key"]
    # The published site is untouched and no staging folder is left.
    assert sorted(p.name for p in site.iterdir()) == [".casebook-site", "index.html"]
    assert (site / "index.html").read_text(encoding="utf-8") == "föregående webbplats"
    assert [p.name for p in site.parent.iterdir() if p.name.startswith(".staging")] == []
    # Every worker, kernel and the zygote are gone.
    _wait_for(
        lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in processes),
        5,
        "the build's processes to end",
    )


@pytest.mark.e2e
def test_a_runaway_or_dying_notebook_is_named_with_its_cell_and_the_others_finish(slow_project):
    root = slow_project
    add_fictional_case(root, DYING)
    dying_cell = add_cell(
        root / "notebooks" / "case_report.ipynb",
        f'if "{DYING}" in case_path:\n    import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)',
    )
    slow_cell = dying_cell - 1

    started = time.monotonic()
    completed = casebook(root, "build", "--timeout", "8")
    assert time.monotonic() - started < 90

    assert completed.returncode == 1
    err = completed.stderr
    assert f"""Ärendet {SLOW} misslyckades i cell {slow_cell} ('if "{SLOW}" in case_path:'): """ in err
    assert "tidsgränsen på 8 s överskreds" in err
    assert f"""Ärendet {DYING} misslyckades i cell {dying_cell} ('if "{DYING}" in case_path:'): """ in err
    assert "kärnan avslutades oväntat" in err
    assert "Traceback" not in err
    # The partial notebooks are kept; the slow one shows the cells that ran before it stopped.
    partial = nbformat.read(root / "_build" / "failed" / f"{SLOW}.ipynb", as_version=4)
    assert any(
        o.get("data", {}).get("text/html")
        for c in partial.cells[: slow_cell - 2]
        if c.cell_type == "code"
        for o in c.outputs
    )
    assert (root / "_build" / "failed" / f"{DYING}.ipynb").is_file()
    # The other notebooks finished and are cached; nothing was published.
    cached = sorted(p.name for p in (root / "_build" / "cache" / "cases").glob("*.ipynb"))
    assert cached == ["_portfolio.ipynb", "rjh-2025-spin.ipynb"]
    assert not (root / "_build" / "html").exists()
    assert "2 av 3 ärenden misslyckades" in err


def test_the_default_timeout_is_bounded_and_the_option_reaches_the_build(monkeypatch, tmp_path):
    from casebook import cli
    from casebook.engine import build
    from casebook.engine.execute import DEFAULT_TIMEOUT

    assert 60 <= DEFAULT_TIMEOUT <= 3600
    seen = []

    def fake_build(paths, output, console, options):
        seen.append(options)
        return build.BuildSummary()

    monkeypatch.setattr(build, "build_site", fake_build)
    assert cli.main(["--root", str(tmp_path), "build", "--timeout", "42"]) == 0
    assert cli.main(["--root", str(tmp_path), "build"]) == 0
    assert [options.timeout for options in seen] == [42, DEFAULT_TIMEOUT]


def test_a_site_build_interrupted_while_syncing_is_not_taken_as_up_to_date(tmp_path, monkeypatch):
    from casebook.engine import site

    work, source = tmp_path / "work", tmp_path / "source"
    (source / "book").mkdir(parents=True)
    (source / "book" / "a.md").write_text("# A\n", encoding="utf-8")
    (source / "book" / "b.md").write_text("# B\n", encoding="utf-8")
    # The state after a completed build of these sources.
    (work / "out" / "_build" / "html").mkdir(parents=True)
    site.sync_tree(source, work / "src")
    (work / "structure").write_text(site.structure(source))
    (work / "complete").touch()
    assert site.build_html(work, source).kind is site.SiteBuild.UNCHANGED

    (source / "book" / "a.md").write_text("# A\n\nNy text.\n", encoding="utf-8")
    (source / "book" / "b.md").write_text("# B\n\nNy text.\n", encoding="utf-8")
    copied = []

    def copy_then_interrupt(src, dst):
        if copied:
            raise KeyboardInterrupt
        copied.append(dst)
        return shutil.copyfile(src, dst)

    monkeypatch.setattr(site.shutil, "copyfile", copy_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        site.build_html(work, source)
    assert copied and not (work / "complete").exists()
