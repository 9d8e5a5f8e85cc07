"""Cache entries that check what they hold: the key of their inputs and the SHA-256 of their content.

Every cache of a build (executed notebooks, memos, report PDFs) keeps beside its files a
key file that records the key the files were made under and the SHA-256 of each file.
An entry is reused only when its key is the one asked for *and* each file still has the
recorded digest. One whose file is missing is simply made again; one whose content
differs (a file edited by hand, truncated by a full disk, damaged on its way between
shards) is removed with a :class:`DamagedCacheEntry` warning, so that the caller makes it
again: it is never published, and never crashes a build.

The warning is one Swedish line; :func:`reported` shows each as it comes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


class DamagedCacheEntry(UserWarning):
    """A cache entry whose content is not what was recorded; it has been removed and is made again."""


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def record(key_file: Path, key: str, files: tuple[Path, ...]) -> None:
    """Write ``key_file``: ``key``, then the digest and name of each of ``files``. Written
    atomically, after the files: an interrupted store leaves no entry that looks current."""
    lines = [key, *(f"{sha256(path)}  {Path(path).name}" for path in files)]
    with tempfile.NamedTemporaryFile("w", dir=key_file.parent, prefix=f".{key_file.name}.", delete=False,
                                     encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    os.replace(handle.name, key_file)


def is_current(key_file: Path, key: str, files: tuple[Path, ...], shown_as: str) -> bool:
    """True when ``key_file`` records ``key`` and every file of ``files`` has its recorded digest.

    An entry made under another key is simply not current. An entry under ``key`` whose
    files differ from the record is damaged: its files and key file are removed and a
    :class:`DamagedCacheEntry` warning names it (``shown_as``, in Swedish: "anteckningsboken
    för ärendet X").
    """
    try:
        recorded = key_file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    if len(recorded) < 2 or recorded[0] != key:
        return False  # another key, or written before entries recorded their digests
    if not all(Path(path).is_file() for path in files):
        return False  # a file was removed: made again, nothing to warn about
    expected = {name: digest for digest, _, name in (line.partition("  ") for line in recorded[1:])}
    damaged = [path for path in files if expected.get(Path(path).name) != sha256(path)]
    if not damaged:
        return True
    for path in (*files, key_file):
        Path(path).unlink(missing_ok=True)
    names = ", ".join(Path(path).name for path in damaged)
    warnings.warn(DamagedCacheEntry(
        f"Cacheposten för {shown_as} var skadad eller ändrad ({names} stämmer inte med sin SHA-256); "
        "den togs bort och görs om."
    ), stacklevel=2)
    return False


@contextmanager
def reported(show: Callable[[str], None]) -> Iterator[None]:
    """For the block, show every :class:`DamagedCacheEntry` warning with ``show`` (one line each), as it is given."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", DamagedCacheEntry)
        shown_before = warnings.showwarning

        def show_warning(message, category, *args, **kwargs) -> None:
            if issubclass(category, DamagedCacheEntry):
                show(str(message))
            else:
                shown_before(message, category, *args, **kwargs)

        warnings.showwarning = show_warning
        yield
