"""Publishing swaps the site in one atomic step, and one build or verification runs at a time."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import casebook, copy_project

from casebook.engine import lifetime
from casebook.engine.publish import (
    MARKER,
    MARKER_TEXT,
    ForeignOutput,
    ProjectBusy,
    project_lock,
    publish,
    stage_version,
)


def _built(tmp_path: Path, text: str) -> Path:
    html = tmp_path / f"staging-{text}"
    html.mkdir()
    (html / "index.html").write_text(text, encoding="utf-8")
    return html


def test_the_site_is_a_link_to_the_newest_version_and_old_versions_are_removed(tmp_path):
    site = tmp_path / "_build" / "html"
    site.parent.mkdir()
    first = publish(_built(tmp_path, "första"), site)
    assert site.is_symlink() and site.resolve() == first.resolve()
    second = publish(_built(tmp_path, "andra"), site)
    assert (site / "index.html").read_text(encoding="utf-8") == "andra"
    # The replaced version stays until the next publish, for a reader that followed the link just before.
    assert (first / "index.html").read_text(encoding="utf-8") == "första"
    third = publish(_built(tmp_path, "tredje"), site)
    assert not first.exists()
    assert sorted(p.name for p in site.parent.iterdir()) == sorted(["html", second.name, third.name])
    assert not Path(site.readlink()).is_absolute()  # the build folder can be moved


def test_the_replaced_version_is_kept_when_the_build_folder_is_reached_through_a_link(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "via").symlink_to("real", target_is_directory=True)
    site = tmp_path / "via" / "html"
    first = publish(_built(tmp_path, "första"), site)
    publish(_built(tmp_path, "andra"), site)
    assert (first / "index.html").read_text(encoding="utf-8") == "första"


def test_a_copy_of_one_of_our_versions_at_the_site_path_is_replaced(tmp_path):
    site = tmp_path / "html"
    site.mkdir()
    (site / "index.html").write_text("kopia", encoding="utf-8")
    (site / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    publish(_built(tmp_path, "ny"), site)
    assert site.is_symlink() and (site / "index.html").read_text(encoding="utf-8") == "ny"
    publish(_built(tmp_path, "nyare"), site)  # the copy was the replaced version until now
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("html-previous")] == []


def _user_files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_publishing_removes_only_the_versions_it_made(tmp_path):
    """The reproduction of issue 20: a user's folders beside the output were deleted by the next publish."""
    site = tmp_path / "site"
    for name in (
        "site-backup-2024",
        "site-old",
        "site-20240101T000000-1-1",
    ):  # the last one looks like a version but is unmarked
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.html").write_text(f"användarens {name}", encoding="utf-8")
    before = {
        name: _user_files(tmp_path / name) for name in ("site-backup-2024", "site-old", "site-20240101T000000-1-1")
    }
    versions = [publish(_built(tmp_path, str(number)), site) for number in range(4)]
    assert all((version / MARKER).is_file() for version in versions[-2:])
    assert {name: _user_files(tmp_path / name) for name in before} == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("site")) == sorted(
        ["site", versions[-2].name, versions[-1].name, *before]
    )


@pytest.mark.parametrize("existing", ["folder", "link", "file"])
def test_an_output_that_is_not_ours_is_refused_and_left_as_it_was(tmp_path, existing):
    site = tmp_path / "site"
    user = tmp_path / "mina-filer"
    user.mkdir()
    (user / "rapport.docx").write_text("användarens egen fil", encoding="utf-8")
    if existing == "folder":
        user.rename(site)
        user = site
    elif existing == "link":
        site.symlink_to(user, target_is_directory=True)
    else:
        site.write_text("en fil", encoding="utf-8")
    built = _built(tmp_path, "ny")
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(
        ForeignOutput, match="casebook ersätter eller tar bort bara det som casebook självt har publicerat"
    ):
        publish(built, site)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    if existing != "file":
        assert _user_files(user) == {"rapport.docx": "användarens egen fil"}


def test_an_empty_output_folder_is_taken(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    publish(_built(tmp_path, "ny"), site)
    assert (site / "index.html").read_text(encoding="utf-8") == "ny"


def test_a_version_published_before_versions_were_marked_is_recognised_and_removed_later(tmp_path):
    site = tmp_path / "html"
    unmarked = tmp_path / "html-20250101T000000-42-7"
    unmarked.mkdir()
    (unmarked / "index.html").write_text("omärkt", encoding="utf-8")
    site.symlink_to(unmarked.name, target_is_directory=True)
    publish(_built(tmp_path, "ny"), site)
    assert (unmarked / "index.html").read_text(encoding="utf-8") == "omärkt"  # the replaced version stays once
    publish(_built(tmp_path, "nyare"), site)
    assert not unmarked.exists()


def test_leftovers_of_a_killed_build_are_removed_only_when_their_maker_is_gone(tmp_path):
    from casebook.engine.lifetime import claim, remove_abandoned

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    abandoned, running, foreign = tmp_path / ".staging-a", tmp_path / ".staging-b", tmp_path / ".staging-c"
    for folder in (abandoned, running, foreign):
        folder.mkdir()
        (folder / "fil").write_text("x", encoding="utf-8")
    claim(running)
    (abandoned / ".casebook-owner").write_text(
        (running / ".casebook-owner").read_text(encoding="utf-8").replace(str(os.getpid()), dead.stdout.strip()),
        encoding="utf-8",
    )
    assert remove_abandoned(tmp_path, ".staging-*") == [abandoned]
    assert running.is_dir() and foreign.is_dir() and not abandoned.exists()


def test_a_reader_never_finds_the_site_missing_while_it_is_republished(tmp_path):
    site = tmp_path / "html"
    publish(_built(tmp_path, "0"), site)
    missing = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                (site / "index.html").read_text(encoding="utf-8")
            except OSError as exc:
                missing.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for number in range(1, 60):
            publish(_built(tmp_path, str(number)), site)
    finally:
        stop.set()
        reader.join()
    assert missing == []
    assert (site / "index.html").read_text(encoding="utf-8") == "59"


HOLD_LOCK = """
import sys, time
from pathlib import Path
from casebook.engine.publish import project_lock
with project_lock(Path(sys.argv[1])):
    print("låst", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _hold_lock(lock_file: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(lock_file), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "låst"
    return holder


def test_a_second_process_is_told_the_project_is_busy(tmp_path):
    lock_file = tmp_path / "_build" / ".lock"
    holder = _hold_lock(lock_file, 30)
    try:
        with (
            pytest.raises(ProjectBusy, match=f"pågår redan i det här projektet \\(process {holder.pid}"),
            project_lock(lock_file),
        ):
            pytest.fail("two processes held the lock at once")
    finally:
        holder.kill()
        holder.wait()


def test_a_waiting_process_gets_the_lock_when_the_other_is_done(tmp_path):
    lock_file = tmp_path / "_build" / ".lock"
    holder = _hold_lock(lock_file, 2)
    started = time.monotonic()
    with project_lock(lock_file, wait=True):
        waited = time.monotonic() - started
    assert waited > 1.5  # the other process held it for 2 s
    holder.wait()


def test_build_and_verify_stop_with_a_clear_message_while_another_build_runs(tmp_path):
    root = copy_project(tmp_path / "repo")
    holder = _hold_lock(root / "_build" / ".lock", 60)
    try:
        for command in ("build", "verify"):
            completed = casebook(root, command)
            assert completed.returncode == 2, completed.stderr
            assert "Ett annat bygge eller en verifiering pågår redan" in completed.stderr
            assert "låsfil _build/.lock). Vänta tills det är klart och kör igen" in " ".join(completed.stderr.split())
            # make site cannot pass --wait: the message gives the command that can.
            assert "(.venv/bin/python -m casebook build --wait, eller verify --wait)" in " ".join(
                completed.stderr.split()
            )
            assert "Traceback" not in completed.stderr
    finally:
        holder.kill()
        holder.wait()
    assert sorted(p.name for p in (root / "_build").iterdir()) == [".lock"]  # nothing was built


def test_a_new_version_links_unchanged_files_and_never_writes_into_the_published_one(tmp_path):
    built, site = tmp_path / "out", tmp_path / "_build" / "html"
    (built / "book").mkdir(parents=True)
    (built / "index.html").write_text("start", encoding="utf-8")
    (built / "book" / "case.html").write_text("första", encoding="utf-8")
    (built / "book" / "other.html").write_text("orörd", encoding="utf-8")
    (built / "book" / "latest.html").symlink_to("case.html")
    site.parent.mkdir()
    stage_version(built, tmp_path / "v1", site)  # nothing published yet: plain copies
    first = publish(tmp_path / "v1", site)
    assert (first / "index.html").stat().st_nlink == 1

    (built / "book" / "case.html").write_text("andra, längre", encoding="utf-8")  # the builder rewrites one page
    stage_version(built, tmp_path / "v2", site)
    assert (tmp_path / "v2" / "index.html").samefile(first / "index.html")  # unchanged: linked
    assert (tmp_path / "v2" / "book" / "other.html").samefile(first / "book" / "other.html")  # in a subfolder too
    assert os.readlink(tmp_path / "v2" / "book" / "latest.html") == "case.html"  # a link stays a link
    assert not (tmp_path / "v2" / "book" / "case.html").samefile(first / "book" / "case.html")
    assert (first / "book" / "case.html").read_text(encoding="utf-8") == "första"  # the published file is untouched
    second = publish(tmp_path / "v2", site)
    assert (site / "book" / "case.html").read_text(encoding="utf-8") == "andra, längre"
    assert (site / "index.html").read_text(encoding="utf-8") == "start"

    # Rewritten with the same size: a new modification time is enough to copy it.
    time.sleep(0.01)
    (built / "index.html").write_text("START", encoding="utf-8")
    stage_version(built, tmp_path / "v3", site)
    assert (tmp_path / "v3" / "index.html").read_text(encoding="utf-8") == "START"
    assert (second / "index.html").read_text(encoding="utf-8") == "start"


@pytest.mark.parametrize("after_swap", [False, True])
def test_the_line_after_a_signal_says_whether_the_site_changed(tmp_path, capsys, after_swap):
    import signal

    from casebook import cli

    site = tmp_path / "_build" / "html"
    site.parent.mkdir()
    publish(_built(tmp_path, "gammal"), site)

    def build() -> int:
        if after_swap:
            publish(_built(tmp_path, "ny"), site)
        os.kill(os.getpid(), signal.SIGTERM)  # delivered here, as to a build between its swap and its exit
        time.sleep(5)
        pytest.fail("the signal did not stop the command")

    assert cli._interruptible(build, site, tmp_path) == 130
    line = capsys.readouterr().err.strip()
    assert line == (
        "Bygget avbröts; den nya webbplatsen hann publiceras i _build/html före avbrottet."
        if after_swap
        else "Bygget avbröts; webbplatsen är oförändrad."
    )


def test_a_stop_whose_exception_python_dropped_still_stops_the_build_before_it_publishes(tmp_path, capsys, monkeypatch):
    """A signal handled while a finaliser runs: Python prints "Exception ignored in ..." and
    drops the KeyboardInterrupt, so the build went on, published and exited 0 after a SIGTERM."""
    import signal

    from casebook import cli

    site = tmp_path / "_build" / "html"
    site.parent.mkdir()
    publish(_built(tmp_path, "gammal"), site)

    class SignalledWhileFinalised:
        def __del__(self) -> None:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.5)  # the handler runs here, inside the finaliser

    dropped = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: dropped.append(unraisable.exc_type))

    def build() -> int:
        SignalledWhileFinalised()  # finalised at once (no reference is kept)
        publish(_built(tmp_path, "ny"), site)
        return 0

    assert cli._interruptible(build, site, tmp_path) == 130
    assert (site / "index.html").read_text(encoding="utf-8") == "gammal"
    assert dropped == [KeyboardInterrupt]  # Python dropped the exception, as it did under load
    assert capsys.readouterr().err.strip() == "Bygget avbröts; webbplatsen är oförändrad."
    assert not lifetime.stop_requested()  # the next command in this process starts afresh

    # Dropped after the swap: the command still ends as stopped, and says the site changed.
    def publishes_then_is_stopped() -> int:
        publish(_built(tmp_path, "nyare"), site)
        SignalledWhileFinalised()
        return 0

    assert cli._interruptible(publishes_then_is_stopped, site, tmp_path) == 130
    assert (site / "index.html").read_text(encoding="utf-8") == "nyare"
    assert capsys.readouterr().err.strip().endswith("den nya webbplatsen hann publiceras i _build/html före avbrottet.")


def test_a_stop_that_surfaces_as_another_exception_still_ends_as_a_stop_without_a_traceback(tmp_path, capsys):
    """A signal while a C extension is imported: the module's initialisation turns the
    KeyboardInterrupt into "ImportError: initialization failed" (CI, stop 39, in the documents
    phase of tests/test_faults.py), which escaped as a traceback and exit 1."""
    import signal

    from casebook import cli

    site = tmp_path / "_build" / "html"
    site.parent.mkdir()
    publish(_built(tmp_path, "gammal"), site)

    def build() -> int:
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        except KeyboardInterrupt as exc:
            raise ImportError("initialization failed") from exc
        pytest.fail("the signal did not stop the command")

    assert cli._interruptible(build, site, tmp_path) == 130
    assert capsys.readouterr().err.strip() == "Bygget avbröts; webbplatsen är oförändrad."

    def fails() -> int:  # with no stop requested, an error is an error
        raise ImportError("initialization failed")

    with pytest.raises(ImportError):
        cli._interruptible(fails, site, tmp_path)


def test_build_to_a_folder_of_the_users_files_is_refused_before_any_work(tmp_path):
    root = copy_project(tmp_path / "repo")
    output = tmp_path / "webbplats"
    output.mkdir()
    (output / "anteckningar.txt").write_text("användarens egen fil", encoding="utf-8")
    (tmp_path / "webbplats-backup-2024").mkdir()
    completed = casebook(root, "build", "--output", str(output))
    assert completed.returncode == 2, completed.stderr
    assert completed.stderr.startswith(f"Kan inte publicera till {output}: mappen finns redan och innehåller filer")
    assert "Traceback" not in completed.stderr
    assert sorted(p.name for p in output.iterdir()) == ["anteckningar.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo", "webbplats", "webbplats-backup-2024"]
    assert not (root / "_build").exists()  # refused before validating, locking or staging anything


LEAVE_A_HOLDER_BEHIND = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)  # inheritable, as the lock was before issue 20
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, str(os.getpid()).encode())
if os.fork() == 0:
    time.sleep(60)  # a child left holding the lock
    os._exit(0)
print("klar", flush=True)
"""


@pytest.mark.parametrize("wait", [False, True])
def test_a_lock_held_by_what_a_dead_holder_left_behind_is_named_not_waited_for(tmp_path, wait):
    import psutil

    lock_file = tmp_path / "_build" / ".lock"
    lock_file.parent.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", LEAVE_A_HOLDER_BEHIND, str(lock_file)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "klar"
    holder.wait()
    left = [
        child
        for child in psutil.process_iter(["pid", "ppid", "cmdline"])
        if child.info["cmdline"] and LEAVE_A_HOLDER_BEHIND.strip()[:20] in " ".join(child.info["cmdline"])
    ]
    try:
        assert len(left) == 1
        with (
            pytest.raises(
                ProjectBusy,
                match=f"Processen {holder.pid} som tog låset finns inte längre, men processerna {left[0].pid} ",
            ),
            project_lock(lock_file, wait=wait),
        ):
            pytest.fail("the lock was taken while another process held it")
    finally:
        for child in left:
            child.kill()
