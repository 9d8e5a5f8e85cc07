"""The artifact cache: what every cache of a build shares.

An artifact (an executed notebook, a memo, a report PDF, the evaluated cases) is kept
between builds under the key of the inputs it was made from, declared as
:class:`Inputs`: files by name and SHA-256, named data, the code it runs (the package's
files, :func:`package_code`) and the installed versions of the distributions that shape
it. A part every artifact of a batch shares (the package, the reference data) is declared
once, as ``shared`` :class:`Inputs`, and hashed once.

Every cache entry keeps beside its files a key file that records the key the files were
made under and the SHA-256 of each file (:func:`record`), written after the files
(:func:`write_atomically`), so an interrupted store leaves no entry that looks current.
An entry is reused only when its key is the one asked for *and* each file still has the
recorded digest (:func:`is_current`). One whose file is missing is simply made again; one
whose content differs (a file edited by hand, truncated by a full disk, damaged on its way
between shards) is removed with a :class:`DamagedCacheEntry` warning, so that the caller
makes it again: it is never published, and never crashes a build. The warning is one
Swedish line; :func:`reported` shows each as it comes.

Entries of cases no longer present are removed (:func:`prune`); the site receives links to
(or copies of) the cached files (:func:`link_or_copy`).
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import tempfile
import textwrap
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

# --- Declared inputs and their key ------------------------------------------------------------

# The package's own files that shape outputs: code, templates, the search script.
PACKAGE_SUFFIXES = (".py", ".typ", ".js")


def file_digest(path: Path) -> bytes:
    """SHA-256 of a file's bytes. Every case shares the package and reference files, so each
    is read once per build rather than once per case (keyed on size and modification time)."""
    status = Path(path).stat()
    return _digest(str(path), status.st_size, status.st_mtime_ns)


@lru_cache(maxsize=4096)
def _digest(path: str, size: int, mtime_ns: int) -> bytes:
    return hashlib.sha256(Path(path).read_bytes()).digest()


def package_files(package_dir: Path) -> list[Path]:
    """The package's files (code and package data), in a stable order, without bytecode."""
    return sorted(
        path
        for path in Path(package_dir).rglob("*")
        if path.suffix in PACKAGE_SUFFIXES and "__pycache__" not in path.parts and path.is_file()
    )


def package_code(package_dir: Path) -> tuple[tuple[str, Path], ...]:
    """The package's files as declared inputs, named ``casebook/<path in the package>``."""
    return tuple((f"casebook/{path.relative_to(package_dir).as_posix()}", path) for path in package_files(package_dir))


def code_of(package_dir: Path, modules: Iterable[str]) -> tuple[tuple[str, Path], ...]:
    """The code an artifact runs, as declared inputs named as :func:`package_code` names them:
    the package's modules that ``modules`` import, directly or through one another, with
    ``modules`` themselves and the ``__init__`` of every package on the way; and each file of the
    package that is not Python (a Typst template, the search script) that one of those modules
    names (its file name in the module's source: every such file is named by the module that
    reads it, which a test checks), so a change to the memo's template makes no case page again.

    Found from the source, not by importing it: every ``import`` statement of a module counts,
    at its top or inside a function (a renderer imported on first use is still code the
    artifact runs). A change to a module outside this set (the memo's renderer, for a case
    page) leaves the artifact's key as it was. The package imports nothing by a computed name
    but the rules, whose modules the rule catalogue (``casebook.domain.rules``) imports by name.
    """
    package_dir = Path(package_dir)
    found: set[Path] = set()
    pending = list(modules)
    while pending:
        name = pending.pop()
        path = _module_file(package_dir, name)
        if path is None or path in found:
            continue
        found.add(path)
        pending += [name.rsplit(".", depth)[0] for depth in range(1, name.count(".") + 1)]
        pending += _imported_names(str(path), name, *_stamp(path))
    sources = [_source(str(path), *_stamp(path)) for path in found]
    named = {
        path
        for path in package_files(package_dir)
        if path.suffix != ".py" and any(path.name in source for source in sources)
    }
    return tuple((f"casebook/{path.relative_to(package_dir).as_posix()}", path) for path in sorted(found | named))


PACKAGE = "casebook"


def _module_file(package_dir: Path, name: str) -> Path | None:
    """The file of the package's module ``name`` (``casebook.render.memo``), or None (not the package's, or not a module)."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = package_dir.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py") if len(parts) > 1 else None, base / "__init__.py"):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def _stamp(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_size, status.st_mtime_ns


@lru_cache(maxsize=1024)
def _source(path: str, size: int, mtime_ns: int) -> str:
    """A module's source, read once per version of the file."""
    return Path(path).read_text(encoding="utf-8")


@lru_cache(maxsize=1024)
def _imported_names(path: str, name: str, size: int, mtime_ns: int) -> tuple[str, ...]:
    """The module names that the module ``name`` (at ``path``) imports: for ``from x import y``
    both ``x`` and ``x.y`` (``y`` may be a submodule). Parsed once per version of the file."""
    return imported_names(_source(path, size, mtime_ns), name, is_package=path.endswith("__init__.py"))


# Every line with the word ``import``: each import statement has the word on one of its lines.
_IMPORT_WORD = re.compile(r"^.*\bimport\b", re.MULTILINE)


def imported_names(source: str, name: str = "", is_package: bool = False) -> tuple[str, ...]:
    """The module names that Python ``source`` (the module ``name``) imports; see :func:`code_of`.

    Read from the lines that hold the word ``import``, each parsed as the statement that starts
    on it (with the lines it continues onto), which is a tenth of parsing the whole module: every
    build keys its artifacts on the code each one runs. A line that does not parse so (a
    continuation line, ``try: import x``, prose in a docstring) makes this parse the whole module
    instead, so no import is ever missed; a line of a string that parses as an import counts (a
    key that changes more often than it must, never one that misses code).
    """
    package = name if is_package else name.rpartition(".")[0]
    names: list[str] = []
    for match in _IMPORT_WORD.finditer(source):
        try:
            tree = ast.parse(textwrap.dedent(_statement_at(source, match.start())))
        except SyntaxError:
            return names_imported_by(ast.parse(source), package)
        names += names_imported_by(tree, package)
    return tuple(names)


def names_imported_by(tree: ast.AST, package: str = "") -> tuple[str, ...]:
    """The module names that the import statements of ``tree`` (code in ``package``) name: for
    ``from x import y`` both ``x`` and ``x.y`` (``y`` may be a submodule)."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            names += [base, *(f"{base}.{alias.name}" for alias in node.names)]
    return tuple(names)


def _statement_at(source: str, start: int) -> str:
    """The statement that begins at ``start``: its line, continued while a bracket is open (any
    other continuation does not parse alone, and :func:`imported_names` then parses the module)."""
    end = source.find("\n", start)
    end = len(source) if end < 0 else end
    statement = source[start:end]
    while statement.count("(") > statement.count(")") and end < len(source):
        following = source.find("\n", end + 1)
        following = len(source) if following < 0 else following
        statement, end = source[start:following], following
    return statement


def distribution_version(name: str) -> str:
    """The installed version of the distribution ``name``; ``saknas`` when it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "saknas"


@dataclass(frozen=True)
class Inputs:
    """What an artifact is made from, declared.

    ``files``: (name, path) pairs, each hashed as its name and the SHA-256 of its bytes;
    ``data``: (name, bytes) pairs; ``distributions``: names of installed distributions,
    hashed with their versions; ``shared``: the inputs a batch of artifacts shares, hashed
    once (its digest is kept). Each part is tagged with its kind and name, so two different
    declarations never hash alike.
    """

    files: tuple[tuple[str, Path], ...] = ()
    data: tuple[tuple[str, bytes], ...] = ()
    distributions: tuple[str, ...] = ()
    shared: Inputs | None = None
    # Files of ``files`` whose bytes the caller already read and checked, by name: hashed as the
    # SHA-256 of those bytes (the same key as reading them), not read again, as they may have
    # been saved since (a case file: the key of its notebook names the bytes the build checked).
    checked: tuple[tuple[str, bytes], ...] = ()

    @cached_property
    def digest(self) -> bytes:
        """SHA-256 over every declared input (computed once per :class:`Inputs`)."""
        digest = hashlib.sha256()
        checked = dict(self.checked)
        for name, path in self.files:
            digest.update(b"file\0" + name.encode() + b"\0" + (checked.get(name) or file_digest(path)))
        for name, value in self.data:
            digest.update(b"data\0" + name.encode() + b"\0" + hashlib.sha256(value).digest())
        for name in self.distributions:
            digest.update(b"distribution\0" + name.encode() + b"\0" + distribution_version(name).encode() + b"\0")
        if self.shared is not None:
            digest.update(b"shared\0" + self.shared.digest)
        return digest.digest()

    def key(self) -> str:
        """The key an artifact made from these inputs is stored under."""
        return self.digest.hex()


# --- Entries that check what they hold ----------------------------------------------------------


class DamagedCacheEntry(UserWarning):
    """A cache entry whose content is not what was recorded; it has been removed and is made again."""


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def record(key_file: Path, key: str, files: tuple[Path, ...]) -> None:
    """Write ``key_file``: ``key``, then the digest and name of each of ``files``. Written
    atomically, after the files: an interrupted store leaves no entry that looks current."""
    lines = [key, *(f"{sha256(path)}  {Path(path).name}" for path in files)]
    with tempfile.NamedTemporaryFile(
        "w", dir=key_file.parent, prefix=f".{key_file.name}.", delete=False, encoding="utf-8"
    ) as handle:
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
    warnings.warn(
        DamagedCacheEntry(
            f"Cacheposten för {shown_as} var skadad eller ändrad ({names} stämmer inte med sin SHA-256); "
            "den togs bort och görs om."
        ),
        stacklevel=2,
    )
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


# --- Writing, pruning, publishing --------------------------------------------------------------


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and move it into place."""
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as handle:
        handle.write(data)
    os.chmod(handle.name, 0o644)
    os.replace(handle.name, path)


def store(key_file: Path, key: str, contents: dict[Path, bytes]) -> None:
    """Store an entry: the old key removed first, each file written atomically, the key (with
    the files' digests, :func:`record`) last, so an interrupted store is never current."""
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.unlink(missing_ok=True)
    for path, data in contents.items():
        write_atomically(path, data)
    record(key_file, key, tuple(contents))


def prune(cache_dir: Path, keep: set[str], suffixes: tuple[str, ...] | None = None) -> None:
    """Remove from ``cache_dir`` the entries' files (those ending in ``suffixes``; every file when
    ``None``) whose name without its suffix is not in ``keep``, and the temporary files of writes
    that were interrupted (:func:`write_atomically`, :func:`record`)."""
    if not Path(cache_dir).is_dir():
        return
    for path in Path(cache_dir).iterdir():
        if path.name.startswith(".") or ((suffixes is None or path.suffix in suffixes) and path.stem not in keep):
            path.unlink()


def link_or_copy(source: Path, target: Path) -> None:
    """Put ``source`` at ``target``: a hard link where the file system allows, else a copy.

    Safe for files written by :func:`write_atomically`: a regenerated file is a new file
    (renamed into place), so a link made earlier keeps the earlier content.
    """
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        target.write_bytes(Path(source).read_bytes())


# --- Making the stale artifacts of a batch --------------------------------------------------------


Mapper = Callable[[Callable[[Any], Any], list], Iterable]
"""How a batch of artifacts is made: like the builtin ``map`` (the default: one after the
other, in this process), or the engine's worker processes (``casebook.engine.workers``). The
results come back in the order of the arguments."""


class Job(Protocol):
    def current(self) -> Any | None:
        """The artifact on disk when it was made from the job's inputs, else ``None``."""


def make_stale(jobs: list[Job], make: Callable[[Any], Any], mapper: Mapper) -> list:
    """For each job, in order: its current artifact, or what ``make`` made for it. Only the
    jobs without a current artifact go through ``mapper``."""
    current = [job.current() for job in jobs]
    stale = [job for job, artifact in zip(jobs, current, strict=True) if artifact is None]
    made = list(mapper(make, stale))
    if len(made) != len(stale):
        raise RuntimeError(f"{len(stale)} artifacts to make, {len(made)} made")
    fresh = iter(made)
    return [artifact if artifact is not None else next(fresh) for artifact in current]
