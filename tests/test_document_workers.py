"""Documents (memos, report PDFs) rendered in worker processes, as a cold build does."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import REFERENCE_DIR, REPO, SPIN_PATH

from casebook.domain.clock import as_of_date
from casebook.domain.errors import CaseFileError
from casebook.domain.evaluation import evaluate_case
from casebook.engine.documents import write_memos, write_reports
from casebook.engine.workers import document_workers

CASES = [
    SPIN_PATH,
    REPO / "tests" / "cases" / "fiktiv-norr.yaml",
    REPO / "tests" / "cases" / "fiktiv-syd.yaml",
    REPO / "tests" / "cases" / "fiktiv-uppfoljning-sen.yaml",
]  # judged on the build date


def _process_id(_: object) -> int:
    return os.getpid()


def _square(value: int) -> int:
    return value * value


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_batch_is_rendered_in_other_processes_in_order_and_small_ones_here_until_they_run():
    with document_workers(2, smallest_batch=3) as mapper:
        assert mapper(_process_id, [1, 2]) == [os.getpid()] * 2  # too few to start the workers for
        assert mapper(_square, list(range(12))) == [value * value for value in range(12)]
        assert os.getpid() not in mapper(_process_id, [1, 2])  # once they run, any batch goes to them
        assert mapper(_process_id, [1]) == [os.getpid()]
    with document_workers(1, smallest_batch=1) as mapper:
        assert mapper(_process_id, [1, 2, 3]) == [os.getpid()] * 3


@pytest.fixture
def within_two_minutes():
    """Fails a test that waits longer (a worker forked from a process whose Typst compiler
    has run waits for ever), instead of hanging the test run."""

    def fail(*_):
        raise TimeoutError("the document workers did not answer within 120 s")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_documents_rendered_by_workers_are_the_bytes_rendered_one_after_the_other(
    tmp_path, monkeypatch, within_two_minutes
):
    # The fork server starts with the environment of the moment; the documents must not.
    with document_workers(2, smallest_batch=2) as mapper:
        mapper(_square, [1, 2])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "4147113600")  # 2101-06-01: the follow-up's final report is overdue
    cases = [evaluate_case(path, REFERENCE_DIR, as_of=as_of_date()) for path in CASES]
    # Rendered here first: this process's Typst compiler has run when the workers start.
    write_memos(tmp_path / "serial" / "memo", cases)
    write_reports(tmp_path / "serial" / "rapport", cases)
    with document_workers(2, smallest_batch=2) as mapper:
        memos = write_memos(tmp_path / "workers" / "memo", cases, mapper=mapper)
        reports = write_reports(tmp_path / "workers" / "rapport", cases, mapper=mapper)
    assert [memo.case_id for memo in memos] == [report.case_id for report in reports] == [e.case.id for e in cases]
    assert all(memo.regenerated for memo in memos) and all(report.regenerated for report in reports)
    for kind in ("memo", "rapport"):
        serial, workers = _files(tmp_path / "serial" / kind), _files(tmp_path / "workers" / kind)
        assert len(serial) == len(CASES) * 2  # .pdf .memo-key / .pdf .report-key: no Word draft for the site
        assert workers == serial


def test_up_to_date_documents_are_kept_and_the_others_rendered_in_their_places(tmp_path):
    cases = [evaluate_case(path, REFERENCE_DIR, as_of=as_of_date()) for path in CASES]
    write_memos(tmp_path / "memo", cases)
    (tmp_path / "memo" / "fiktiv-norr.pdf").unlink()
    (tmp_path / "memo" / f"{cases[-1].case.id}.memo-key").write_text("another key")
    with document_workers(2, smallest_batch=2) as mapper:
        memos = write_memos(tmp_path / "memo", cases, mapper=mapper)
    assert [(memo.case_id, memo.regenerated) for memo in memos] == [
        ("rjh-2025-spin", False),
        ("fiktiv-norr", True),
        ("fiktiv-syd", False),
        (cases[-1].case.id, True),
    ]
    assert all(memo.pdf.is_file() and memo.docx is None for memo in memos)
    assert not list((tmp_path / "memo").glob("*.docx"))


def test_a_case_file_error_in_a_worker_reaches_the_build_with_its_file_and_field(tmp_path):
    # `casebook check` refuses a control character in a case file, so this case is made in code,
    # past the check: it stands for any CaseFileError that a document raises in a worker.
    spin = evaluate_case(SPIN_PATH, REFERENCE_DIR, as_of=as_of_date())
    bad = dataclasses.replace(spin, case=spin.case.model_copy(update={"title": "SPIN \x0b slut"}))
    cases = [
        evaluate_case(CASES[1], REFERENCE_DIR, as_of=as_of_date()),
        bad,
        evaluate_case(CASES[2], REFERENCE_DIR, as_of=as_of_date()),
    ]
    with pytest.raises(CaseFileError) as raised, document_workers(2, smallest_batch=2) as mapper:
        write_memos(tmp_path / "memo", cases, mapper=mapper)
    assert raised.value.path == SPIN_PATH
    assert "title: innehåller styrtecknet U+000B, som inte kan skrivas i beslutsunderlaget" in str(raised.value)
    assert not (tmp_path / "memo" / "rjh-2025-spin.pdf").exists()
    # The other documents being written were finished, not cut off half-written.
    assert not [path.name for path in (tmp_path / "memo").iterdir() if path.name.startswith(".")]


def test_the_cache_forgets_removed_cases_and_the_leftovers_of_interrupted_writes(tmp_path):
    cases = [evaluate_case(path, REFERENCE_DIR, as_of=as_of_date()) for path in CASES[:2]]
    cache = tmp_path / "cache"
    write_memos(tmp_path / "site", cases, cache_dir=cache)
    (cache / ".rjh-2025-spin.pdf.k3j9x2").write_bytes(b"%PDF half")  # written to a temporary name, never moved
    (cache / "rjh-2025-spin.docx").write_bytes(b"PK")  # a Word draft that an earlier version cached
    write_memos(tmp_path / "site-2", cases[:1], cache_dir=cache)
    assert sorted(path.name for path in cache.iterdir()) == [
        "rjh-2025-spin.memo-key",
        "rjh-2025-spin.pdf",
    ]


@pytest.mark.parametrize("damage", ["truncated", "edited"])
def test_a_damaged_cached_document_is_named_rendered_again_and_never_reused(tmp_path, damage, monkeypatch):
    from casebook.engine.artifacts import DamagedCacheEntry

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # rendered again, a document has the same bytes

    cases = [evaluate_case(SPIN_PATH, REFERENCE_DIR, as_of=as_of_date())]
    cache = tmp_path / "cache"
    write_memos(tmp_path / "site", cases, cache_dir=cache)
    write_reports(tmp_path / "site-rapport", cases, cache_dir=tmp_path / "cache-rapport")
    good = (cache / "rjh-2025-spin.pdf").read_bytes()
    pdf = cache / "rjh-2025-spin.pdf"
    pdf.unlink()  # published copies are hard links: damage a new file, as an editor saving it would
    pdf.write_bytes(
        good[: len(good) // 2] if damage == "truncated" else good[:1000] + bytes([good[1000] ^ 1]) + good[1001:]
    )
    report = tmp_path / "cache-rapport" / "rjh-2025-spin.pdf"
    report_bytes = report.read_bytes()
    report.unlink()
    report.write_bytes(report_bytes[:-100])
    with pytest.warns(DamagedCacheEntry) as warned:
        memos = write_memos(tmp_path / "site-2", cases, cache_dir=cache)
        reports = write_reports(tmp_path / "site-2-rapport", cases, cache_dir=tmp_path / "cache-rapport")
    assert [str(w.message) for w in warned] == [
        "Cacheposten för beslutsunderlaget för ärendet rjh-2025-spin var skadad eller ändrad (rjh-2025-spin.pdf "
        "stämmer inte med sin SHA-256); den togs bort och görs om.",
        "Cacheposten för rapporten (PDF) för ärendet rjh-2025-spin var skadad eller ändrad (rjh-2025-spin.pdf "
        "stämmer inte med sin SHA-256); den togs bort och görs om.",
    ]
    assert memos[0].regenerated and reports[0].regenerated
    assert (tmp_path / "site-2" / "rjh-2025-spin.pdf").read_bytes() == good  # rendered again: the same bytes
    assert (tmp_path / "site-2-rapport" / "rjh-2025-spin.pdf").read_bytes() == report_bytes


# A process that renders "documents" (here: sleeps) in the build's document workers, and reports a
# stop signal in one line; as the command line does, the first one raises KeyboardInterrupt and
# the others are ignored.
RENDERING = """
import signal, sys, time
from casebook.engine.lifetime import STOP_SIGNALS
from casebook.engine.workers import document_workers
def interrupt(_signum, _frame):
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    raise KeyboardInterrupt
for signum in STOP_SIGNALS:
    signal.signal(signum, interrupt)
try:
    with document_workers(2, smallest_batch=2) as mapper:
        print("startar", flush=True)
        mapper(time.sleep, [float(sys.argv[1])] * 4)
except KeyboardInterrupt:
    print("Bygget avbröts.", file=sys.stderr)
    sys.exit(130)
"""


def _descendants_until(process: subprocess.Popen, count: int) -> list[psutil.Process]:
    deadline = time.monotonic() + 120
    seen: dict[int, psutil.Process] = {}
    while time.monotonic() < deadline and process.poll() is None:
        for child in psutil.Process(process.pid).children(recursive=True):
            seen.setdefault(child.pid, child)
        if len(seen) >= count:
            return list(seen.values())
        time.sleep(0.05)
    pytest.fail(f"expected {count} processes under the renderer, saw {len(seen)}")


def _ended(processes: list[psutil.Process], seconds: float = 30) -> list[int]:
    _, alive = psutil.wait_procs(processes, timeout=seconds)
    return [p.pid for p in alive if p.status() != psutil.STATUS_ZOMBIE]


def test_the_fork_server_its_workers_and_the_resource_tracker_end_when_the_build_is_killed():
    renderer = subprocess.Popen(
        [sys.executable, "-c", RENDERING, "120"], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    # The fork server, the resource tracker and two workers.
    processes = _descendants_until(renderer, 4)
    renderer.kill()
    renderer.wait()
    assert _ended(processes) == []


@pytest.mark.parametrize("delay", [0.0, 0.3, 1.0])
def test_a_ctrl_c_while_the_workers_start_is_one_line(delay):
    """Ctrl-C (SIGINT to the whole process group) at moments of the workers' start: the fork
    server importing the renderers, the workers starting, the workers running."""
    renderer = subprocess.Popen(
        [sys.executable, "-c", RENDERING, "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert renderer.stdout.readline().strip() == "startar"
    time.sleep(delay)
    processes = psutil.Process(renderer.pid).children(recursive=True)
    os.killpg(renderer.pid, signal.SIGINT)
    _, stderr = renderer.communicate(timeout=60)
    assert renderer.returncode == 130
    assert stderr.strip().splitlines() == ["Bygget avbröts."]
    assert _ended(processes) == []


@pytest.mark.parametrize("to_group", [False, True], ids=["build", "group"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_every_stop_signal_ends_the_fork_server_its_workers_and_the_resource_tracker(signum, to_group):
    """Each stop signal, to the renderer alone or to its process group, while the workers render."""
    renderer = subprocess.Popen(
        [sys.executable, "-c", RENDERING, "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    processes = _descendants_until(renderer, 4)  # the fork server, the resource tracker and two workers
    (os.killpg if to_group else os.kill)(renderer.pid, signum)
    _, stderr = renderer.communicate(timeout=60)
    assert renderer.returncode == 130
    assert stderr.strip().splitlines() == ["Bygget avbröts."]
    assert _ended(processes) == []


# As RENDERING, with the race of Python 3.11's exit made certain: the exit wakes each pool
# thread without the lock the thread closes its wake-up pipe under, so a thread still running
# after the stop can close the pipe between the exit's check and its write ("Exception
# ignored ... Bad file descriptor" or "handle is closed", and a traceback). Here the thread
# waits 0,5 s before it closes the pipe, and the exit 1 s between its check and its write:
# unless the stop waited for the thread, the pipe is closed under the exit's write.
RENDERING_WITH_A_SLOW_POOL_THREAD = """
import concurrent.futures.process as process, signal, sys, threading, time
from casebook.engine.lifetime import STOP_SIGNALS
from casebook.engine.workers import document_workers
close = process._ThreadWakeup.close
def slow_close(wakeup):
    time.sleep(0.5)
    close(wakeup)
def slow_wakeup(wakeup):
    if not wakeup._closed:
        if process._global_shutdown:  # the exit's wake-up
            time.sleep(1.0)
        wakeup._writer.send_bytes(b"")
process._ThreadWakeup.close = slow_close
process._ThreadWakeup.wakeup = slow_wakeup
def interrupt(_signum, _frame):
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    raise KeyboardInterrupt
signal.signal(signal.SIGTERM, interrupt)
try:
    with document_workers(2, smallest_batch=2) as mapper:
        print("startar", flush=True)
        mapper(time.sleep, [60.0] * 4)
except KeyboardInterrupt:
    running = [t for t in threading.enumerate() if isinstance(t, process._ExecutorManagerThread)]
    print(f"pool threads still running: {len(running)}", flush=True)
    sys.exit(130)
"""


def test_a_stop_waits_for_the_pool_thread_that_python_s_exit_would_race_with():
    renderer = subprocess.Popen(
        [sys.executable, "-c", RENDERING_WITH_A_SLOW_POOL_THREAD],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert renderer.stdout.readline().strip() == "startar"
    _descendants_until(renderer, 4)
    renderer.send_signal(signal.SIGTERM)
    stdout, stderr = renderer.communicate(timeout=60)
    assert stderr == ""  # no traceback after the stop
    assert renderer.returncode == 130
    assert stdout.strip() == "pool threads still running: 0"
