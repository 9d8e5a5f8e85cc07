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

A lock file (``_build/.lock``, ``flock``) keeps two builds, or a build and a
verification, from writing the same folders at once.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from casebook.domain.errors import UserError


_held: set[Path] = set()  # lock files this process holds, so that verify can rebuild under its own lock


class ProjectBusy(UserError):
    """Another build or verification holds the project's lock."""


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
        if stat.S_ISREG(old_status.st_mode) and \
                (new_status.st_size, new_status.st_mtime_ns) == (old_status.st_size, old_status.st_mtime_ns):
            os.link(old, destination, follow_symlinks=False)
            return True
    except OSError:  # not published before, or no hard links on this file system
        pass
    return False


def publish(html: Path, site: Path) -> Path:
    """Make ``html`` the site at ``site`` in one atomic step; return the versioned folder."""
    version = site.with_name(f"{site.name}-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}")
    html.rename(version)
    keep = {version.name}
    if site.exists() and not site.is_symlink():
        # A site from before versioned publishing: moved aside, and kept as the replaced version.
        previous = site.with_name(f"{site.name}-previous-{os.getpid()}")
        site.rename(previous)
        keep.add(previous.name)
    elif site.is_symlink():
        keep.add(Path(os.readlink(site)).name)  # the version being replaced (a name in the same folder)
    link = site.with_name(f".{site.name}.link-{os.getpid()}")
    link.unlink(missing_ok=True)
    link.symlink_to(version.name, target_is_directory=True)  # relative: the build folder can move
    os.replace(link, site)
    for old in site.parent.glob(f"{site.name}-*"):
        if old.name not in keep and old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
    return version


@contextmanager
def project_lock(lock_file: Path, wait: bool = False) -> Iterator[None]:
    """Hold the project's lock for the block.

    With ``wait`` the call waits for the other build; otherwise it raises
    :class:`ProjectBusy` at once, naming the process that holds the lock. A process that
    already holds the lock may take it again (``verify`` rebuilds the site).
    """
    lock_file = lock_file.resolve()
    if lock_file in _held:
        yield
        return
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "okänd"
            raise ProjectBusy(
                f"Ett annat bygge eller en verifiering pågår redan i det här projektet (process {holder}, "
                f"låsfil {lock_file.parent.name}/{lock_file.name}). Vänta tills det är klart, "
                "eller kör med --wait för att vänta automatiskt. Inget har ändrats."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        _held.add(lock_file)
        try:
            yield
        finally:
            _held.discard(lock_file)
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
