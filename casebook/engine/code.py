"""The code is an input: which version of the package and of the installed environment runs.

Every cache key hashes the package's files from disk, but a process runs the code it
imported when it started: ``casebook serve`` keeps a kernel zygote, a Jupyter Book process
and a document fork server for a whole session, and even one build imports the package
before it computes its keys. If the package changed between the two, an output of the old
code would be stored under a key that names the new code, and a later build would reuse
it. :func:`code_version` is what a process started with; a build compares it with the
files on disk before it stores anything (``casebook.engine.build``), and ``serve`` restarts
itself when it changes (``casebook.engine.serve``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from casebook.engine.artifacts import Inputs, package_code


def installed_distributions(search_path: list[str] | None = None) -> list[str]:
    """The installed distributions as their metadata folders name them (``pandas-3.1.1.dist-info``).

    Installing, upgrading or removing a package renames or removes its folder. Listing the
    folders takes about a millisecond; reading every package's metadata took 0,5–1,5 s.
    """
    names = []
    for entry in search_path if search_path is not None else sys.path:
        try:
            with os.scandir(entry or ".") as folder:
                names += [f"{entry}/{item.name}" for item in folder if item.name.endswith((".dist-info", ".egg-info"))]
        except OSError:  # not a folder (a zip file, a missing entry)
            continue
    return sorted(names)


def code_version(package_dir: Path, search_path: list[str] | None = None) -> str:
    """The key (:class:`casebook.engine.artifacts.Inputs`) of the package's files (path and
    contents, :func:`~casebook.engine.artifacts.package_code`) and the installed distributions."""
    distributions = "\0".join(installed_distributions(search_path)).encode()
    return Inputs(files=package_code(Path(package_dir)), data=(("installed distributions", distributions),)).key()
