"""Publishing a built site without a gap, and one build or verification at a time.

The site path (``_build/html``) is a symbolic link to a versioned folder beside it
(``_build/html-<version>``). Publishing moves the new site into a new versioned folder,
points a temporary link at it and renames that link over the site path: ``rename`` is
atomic, so a reader always finds either the old site or the new one, never nothing.
The version published just before stays until the next publish (a reader that followed
the link an instant before the swap still finds its files); older ones are removed.

A new version is staged (:func:`stage_version`) by copying what Jupyter Book wrote, except
files it did not rewrite since the published version was staged: those are hard links to
the published files. Published files are never written to again (a changed file is a new
copy), so linking them is safe, and publishing one changed page of thousands costs
little more than listing the folder.

Publishing owns only what it made. Every version folder holds a marker file
(:data:`MARKER`); a folder without it is never moved or deleted. An output path that holds
something else (a folder of the user's own files, a link to one) is refused before
anything is built (:class:`ForeignOutput`), and old versions are removed only if marked:
a user's ``site-backup-2024`` beside ``--output site`` stays.

A lock file (``_build/.lock``, ``flock``) keeps two builds, or a build and a
verification, from writing the same folders at once. Only the process that took it holds
it: the descriptor is closed on ``exec`` and in every child forked from this process, so
the lock ends with its holder, kill -9 included.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from casebook.domain.errors import UserError
from casebook.engine import lifetime

# In every version folder we publish: the proof that the folder is ours to replace and remove.
MARKER = ".casebook-site"
MARKER_TEXT = "Publicerad av casebook. Mappen ersätts och tas bort av kommande byggen.\n"
# How a version folder is named: <site name>-<time>-<process>-<clock>, or -previous-<process>.
_VERSION = r"-(\d{8}T\d{6}-\d+-\d+|previous-\d+)"
# How often a waiting build looks at the lock again.
LOCK_POLL_SECONDS = 0.2

_held: dict[
    Path, int
] = {}  # lock files this process holds, with their descriptors (verify rebuilds under its own lock)


class ProjectBusy(UserError):
    """Another build or verification holds the project's lock."""


class ForeignOutput(UserError):
    """The output path holds something casebook did not publish; nothing there is touched."""

    def __init__(self, output: Path, what: str):
        super().__init__(
            f"Kan inte publicera till {output}: {what}, och casebook ersätter eller tar bort bara det som "
            f"casebook självt har publicerat (en mapp med filen {MARKER}). Välj en annan mapp med --output, "
            "eller flytta eller ta bort det som finns där. Inget har ändrats."
        )


def is_ours(folder: Path) -> bool:
    """A folder we published: a real folder holding our marker."""
    return folder.is_dir() and not folder.is_symlink() and (folder / MARKER).is_file()


def _our_version_name(site: Path, name: str) -> bool:
    return re.fullmatch(re.escape(site.name) + _VERSION, name) is not None


def _linked_version(site: Path) -> Path | None:
    """The version folder the site link points to, if it is one of ours; else None.

    A version published before versions were marked is recognised by its name, and marked
    now, so that it is removed when it is no longer needed.
    """
    target = os.readlink(site)
    if "/" in target or not _our_version_name(site, target):
        return None
    version = site.with_name(target)
    if version.is_dir() and not version.is_symlink() and not (version / MARKER).exists():
        (version / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    return version if is_ours(version) or not version.exists() else None


def is_published_site(site: Path) -> bool:
    """``site`` is a site we published: a link to one of our versions, or a folder with our marker (a copy)."""
    return _linked_version(site) is not None if site.is_symlink() else is_ours(site)


def check_output(site: Path) -> None:
    """Raise :class:`ForeignOutput` unless publishing at ``site`` replaces only what we published.

    Ours to replace: nothing, an empty folder, a folder with our marker, or a link to one of
    our version folders beside it. Called before a build starts its work, and by :func:`publish`.
    """
    if site.is_symlink():
        if _linked_version(site) is None:
            raise ForeignOutput(
                site, f"det är en länk till {os.readlink(site)}, som inte är en webbplats som casebook har publicerat"
            )
    elif site.is_dir():
        if not is_ours(site) and any(site.iterdir()):
            raise ForeignOutput(site, "mappen finns redan och innehåller filer som casebook inte har skapat")
    elif site.exists():
        raise ForeignOutput(site, "det finns redan en fil med det namnet")


def stage_version(built: Path, target: Path, published: Path | None) -> None:
    """Copy the site ``built`` to ``target``, linking files unchanged since ``published`` (the current version).

    A file counts as unchanged when its size and modification time (kept by the copy,
    to the nanosecond) equal those of the published file of the same name. Symbolic
    links are copied as links.
    """
    previous = published.resolve() if published is not None and published.exists() else None
    _stage_folder(str(built), str(target), str(previous) if previous is not None else None)


def _stage_folder(source: str, target: str, previous: str | None) -> None:
    # os.scandir and os.link directly, not shutil.copytree: at 10 000 files its per-file
    # work was most of publishing a one-page change.
    os.mkdir(target)
    with os.scandir(source) as entries:
        for entry in entries:
            destination = os.path.join(target, entry.name)
            old = os.path.join(previous, entry.name) if previous is not None else None
            if entry.is_symlink():
                os.symlink(os.readlink(entry.path), destination)
            elif entry.is_dir():
                linkable = old is not None and os.path.isdir(old) and not os.path.islink(old)
                _stage_folder(entry.path, destination, old if linkable else None)
            elif not (old is not None and _link_if_unchanged(entry, old, destination)):
                shutil.copy2(entry.path, destination)
    shutil.copystat(source, target)


def _link_if_unchanged(entry: os.DirEntry, old: str, destination: str) -> bool:
    try:
        new_status, old_status = entry.stat(), os.stat(old, follow_symlinks=False)
        if stat.S_ISREG(old_status.st_mode) and (new_status.st_size, new_status.st_mtime_ns) == (
            old_status.st_size,
            old_status.st_mtime_ns,
        ):
            os.link(old, destination, follow_symlinks=False)
            return True
    except OSError:  # not published before, or no hard links on this file system
        pass
    return False


def publish(html: Path, site: Path) -> Path:
    """Make ``html`` the site at ``site`` in one atomic step; return the versioned folder.

    Raises :class:`ForeignOutput`, before anything is moved, when ``site`` is not ours (:func:`check_output`).
    """
    check_output(site)
    lifetime.stop_if_requested()
    (html / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    version = site.with_name(f"{site.name}-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}")
    html.rename(version)
    keep = {version.name}
    if site.is_symlink():
        keep.add(os.readlink(site))  # the version being replaced (a name in the same folder)
    elif site.is_dir() and is_ours(site):
        # A copy of one of our versions at the site path: moved aside, and kept as the replaced version.
        previous = site.with_name(f"{site.name}-previous-{os.getpid()}")
        site.rename(previous)
        keep.add(previous.name)
    elif site.is_dir():
        site.rmdir()  # empty (check_output)
    link = site.with_name(f".{site.name}.link-{os.getpid()}")
    link.unlink(missing_ok=True)
    link.symlink_to(version.name, target_is_directory=True)  # relative: the build folder can move
    with lifetime.signals_held():  # a signal lands on one side of the swap, never lost inside it
        lifetime.stop_if_requested()
        os.replace(link, site)
    remove_old_versions(site, keep)
    return version


def remove_old_versions(site: Path, keep: set[str] = frozenset()) -> None:
    """Remove our version folders beside ``site`` other than ``keep`` and the one it links to,
    and the temporary links of publishes that were stopped before their swap."""
    if site.is_symlink():
        keep = {*keep, os.readlink(site)}
    for old in site.parent.glob(f"{site.name}-*"):
        if old.name not in keep and _our_version_name(site, old.name) and is_ours(old):
            shutil.rmtree(old, ignore_errors=True)
    for link in site.parent.glob(f".{site.name}.link-*"):
        if (
            link.is_symlink()
            and _our_version_name(site, os.readlink(link))
            and not _running(link.name.rpartition("-")[2])
        ):
            link.unlink(missing_ok=True)


def _running(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def project_lock(lock_file: Path, wait: bool = False) -> Iterator[None]:
    """Hold the project's lock for the block.

    With ``wait`` the call waits for the other build; otherwise it raises
    :class:`ProjectBusy` at once, naming the process that holds the lock. A waiting call
    that finds the holder gone while the lock is still held (processes it left behind hold
    the file) raises :class:`ProjectBusy` naming them, instead of waiting for ever. A
    process that already holds the lock may take it again (``verify`` rebuilds the site).
    """
    lock_file = lock_file.resolve()
    if lock_file in _held:
        yield
        return
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    # O_CLOEXEC: no program we start holds it; _close_held_after_fork: no child we fork does.
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        _take(fd, lock_file, wait)
    except BaseException:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    _held[lock_file] = fd
    try:
        yield
    finally:
        if _held.pop(lock_file, None) == fd:  # not in a forked child: its copy is already closed
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def _take(fd: int, lock_file: Path, wait: bool) -> None:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = _recorded_holder(fd)
        if not wait:
            raise ProjectBusy(
                f"Ett annat bygge eller en verifiering pågår redan i det här projektet (process {holder or 'okänd'}, "
                f"låsfil {lock_file.parent.name}/{lock_file.name}). Vänta tills det är klart och kör igen, "
                "eller låt kommandot vänta själv (.venv/bin/python -m casebook build --wait, eller verify --wait). "
                "Inget har ändrats." + _left_behind(lock_file, holder)
            )
        if left := _left_behind(lock_file, holder):
            raise ProjectBusy(f"Låsfilen {lock_file.parent.name}/{lock_file.name} hålls fortfarande.{left}")
        time.sleep(LOCK_POLL_SECONDS)


def _recorded_holder(fd: int) -> str:
    return os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()


def _left_behind(lock_file: Path, holder: str) -> str:
    """When the process recorded in the lock no longer runs: a sentence naming the processes
    that still hold the lock file open (left behind by it), else nothing."""
    if not holder or _running(holder):
        return ""
    import psutil

    holders = []
    for process in psutil.process_iter(["pid", "name"]):
        if process.pid == os.getpid():  # this process has it open to ask for the lock
            continue
        try:
            if any(Path(f.path) == lock_file for f in process.open_files()):
                holders.append(f"{process.info['pid']} ({process.info['name']})")
        except psutil.Error:
            continue
    if not holders:
        return ""
    return (
        f" Processen {holder} som tog låset finns inte längre, men processerna {', '.join(holders)} "
        "har låsfilen öppen och håller låset. Avsluta dem (kill PID) och försök igen."
    )


def _close_held_after_fork() -> None:
    """In a child forked from a lock holder: close the inherited descriptors, so the lock is
    the parent's alone and ends with it (a flock belongs to every descriptor of its open file)."""
    for fd in _held.values():
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


os.register_at_fork(after_in_child=_close_held_after_fork)
