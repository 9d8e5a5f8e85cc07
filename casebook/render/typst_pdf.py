"""PDF/A from Typst templates: what the memo and the case report's PDF share.

Data reaches a template only through ``sys.inputs`` as JSON strings, which Typst reads with
``json(...)`` and places as strings: case text is never parsed as markup, so a title such as
``#pagebreak()`` or ``*fet*`` is printed as written. Typst uses only its bundled fonts
(:data:`FONTS`), never the machine's, and dates come from ``SOURCE_DATE_EPOCH``
(:func:`creation_time`), so the same inputs give the same bytes. Files are written
atomically (:func:`write_atomically`), so an interrupted run never leaves half a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from dataclasses import asdict
from collections.abc import Callable, Iterable
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any, Protocol

import typst

from casebook.domain import clock
from casebook.domain import narrative
from casebook.domain.errors import CaseFileError, FieldProblem, UserError
from casebook.domain.evaluation import EvaluatedCase

PDF_STANDARD = "a-3b"
"""PDF/A-3b: archivable, and (unlike PDF/A-2) allows the case file as an attachment."""
FONTS = ("Libertinus Serif", "DejaVu Sans Mono")
"""Bundled with Typst, so every machine embeds the same fonts: Libertinus Serif (SIL Open Font
License 1.1) for the text, DejaVu Sans Mono (Bitstream Vera licence) for characters it lacks."""


_CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def refuse_control_characters(evaluated: EvaluatedCase, document: str) -> None:
    """Raise :class:`CaseFileError` naming each field of the case that holds a control character.

    Neither a Word document (XML) nor a PDF/A can carry one; ``document`` names, in
    Swedish, what could not be written ("beslutsunderlaget").
    """
    problems: list[FieldProblem] = []

    def check(value: object, where: str) -> None:
        if isinstance(value, str) and (found := _CONTROL_CHARACTER.search(value)):
            problems.append(FieldProblem(
                where, f"innehåller styrtecknet U+{ord(found.group()):04X}, som inte kan skrivas i {document}"
            ))
        elif isinstance(value, dict):
            for key, item in value.items():
                check(item, f"{where}.{key}" if where else str(key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                check(item, f"{where}[{index}]")

    check(evaluated.case.model_dump(mode="json"), "")
    if problems:
        raise CaseFileError(evaluated.source, problems)


def narrative_data(blocks) -> list[dict]:
    """Narrative blocks (:mod:`casebook.domain.narrative`) as data for the template: runs and list items."""
    data = []
    for block in blocks:
        if isinstance(block, narrative.Paragraph):
            data.append({"kind": "p", "runs": [asdict(run) for run in block.runs]})
        else:
            data.append({"kind": "list", "ordered": block.ordered, "start": block.start, "delimiter": block.delimiter,
                         "items": [narrative_data(item) for item in block.items]})
    return data


def creation_time() -> dt.datetime:
    """When a document is written: the build's moment (:func:`casebook.domain.clock.now`)."""
    return clock.now()


@cache
def _compiler():
    """One Typst compiler per process, with Typst's bundled fonts only (the machine's fonts are ignored)."""
    return typst.Compiler(ignore_system_fonts=True)


def template_bytes(name: str) -> bytes:
    """A Typst template shipped in ``casebook/render/templates``."""
    return resources.files("casebook.render").joinpath("templates", name).read_bytes()


def json_input(data: object) -> str:
    """Data for a template's ``sys.inputs``: JSON the template reads with ``json(bytes(...))``."""
    return json.dumps(data, ensure_ascii=False, sort_keys=False)


def compile_pdf(template: str, inputs: dict[str, str], created: dt.datetime, document: str, source_name: str,
                standards: tuple[str, ...] = (PDF_STANDARD,)) -> bytes:
    """Compile ``template`` with ``inputs`` (plus the fonts) to a PDF dated ``created`` that meets ``standards``
    (Typst's names: PDF/A-3b by default; Typst refuses to write a file that does not meet them).

    A character that no bundled font has is the case file's problem, reported as a
    :class:`UserError` naming ``document`` (what is being written, in Swedish) and the
    case file ``source_name``; any other Typst error is a bug and is raised as it is.
    """
    try:
        return _compiler().compile(
            template_bytes(template), format="pdf", sys_inputs={**inputs, "fonts": json_input(FONTS)},
            pdf_standards=list(standards), timestamp=created,
        )
    except typst.TypstError as exc:
        if "could not be displayed with font" not in exc.message:
            raise
        raise UserError(
            f"{document} kan inte skrivas som PDF/A: ett tecken i ärendefilen {source_name} finns inte i "
            f"typsnitten {', '.join(FONTS)} ({exc.message}). Ändra tecknet i ärendefilen."
        ) from None


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and move it into place."""
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as handle:
        handle.write(data)
    os.chmod(handle.name, 0o644)
    os.replace(handle.name, path)


Mapper = Callable[[Callable[[Any], Any], list], Iterable]
"""How a batch of documents is rendered: like the builtin ``map`` (the default: one after the
other, in this process), or the engine's worker processes (``casebook.engine.workers``). The
results come back in the order of the arguments."""


class DocumentJob(Protocol):
    def current(self) -> Any | None:
        """The document on disk when it was written from the job's inputs, else ``None``."""


def render_stale(jobs: list[DocumentJob], render: Callable[[Any], Any], mapper: Mapper) -> list:
    """For each job, in order: its current document, or what ``render`` wrote for it. Only the
    jobs without a current document go through ``mapper``."""
    current = [job.current() for job in jobs]
    stale = [job for job, document in zip(jobs, current) if document is None]
    rendered = list(mapper(render, stale))
    if len(rendered) != len(stale):
        raise RuntimeError(f"{len(stale)} documents to render, {len(rendered)} rendered")
    fresh = iter(rendered)
    return [document if document is not None else next(fresh) for document in current]


def prune_cache(cache_dir: Path, case_ids: set[str], suffixes: tuple[str, ...]) -> None:
    """Remove from ``cache_dir`` the documents (``suffixes``) of cases not in ``case_ids``, and the
    temporary files of writes that were interrupted (:func:`write_atomically`)."""
    for path in Path(cache_dir).iterdir():
        if path.name.startswith(".") or (path.suffix in suffixes and path.stem not in case_ids):
            path.unlink()


# --- What a generated document depends on -----------------------------------------------------


def package_files(folder=None, prefix: str = "") -> list[tuple[str, bytes]]:
    """(relative name, bytes) of the package's code and templates (``.py``, ``.typ``), in a stable order."""
    folder = folder if folder is not None else resources.files("casebook")
    files = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        name = prefix + entry.name
        if entry.is_dir() and entry.name != "__pycache__":
            files += package_files(entry, name + "/")
        elif entry.is_file() and entry.name.endswith((".py", ".typ")):
            files.append((name, entry.read_bytes()))
    return files


def shared_inputs_digest(reference_dir: Path, distributions: tuple[str, ...], files: list[tuple[str, bytes]]) -> bytes:
    """SHA-256 over what every case's document shares: the reference data, the package's code and
    templates (``files``, see :func:`package_files`) and the installed versions of ``distributions``.

    Computed once per batch of documents (not once per case: reading the package for each of
    1 000 cases was most of an incremental build), then combined with each case's own inputs.
    """
    digest = hashlib.sha256()
    for path in sorted(Path(reference_dir).glob("*.yaml")):
        digest.update(f"reference/{path.name}".encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    for name, data in files:
        digest.update(f"casebook/{name}".encode() + b"\0" + hashlib.sha256(data).digest())
    for distribution in distributions:
        digest.update(distribution.encode() + b"\0" + metadata.version(distribution).encode())
    return digest.digest()


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
