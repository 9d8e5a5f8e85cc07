"""Stage 1 of a build, and all of ``casebook check``: validate every case file.

Kept apart from the rest of the engine so that checking imports only the domain (no
pandas, matplotlib, papermill or IPython) and stays fast.

Evaluated cases are kept in ``_build/cache/evaluated.pickle`` (after the SHA-256 of the
pickle, checked before anything is unpickled), each under the SHA-256 of
its case file's bytes, all under one key over everything else evaluation depends on (the
package's code, the reference data, the versions of the libraries that parse and
format, the build date that follow-up rules are judged on). So when one case file
changed, only that file is parsed, validated and evaluated again; a bad file is never
cached and always reported. ``casebook check`` only reads the cache; a build writes it.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import pickle
import re
import stat
import sys
import tempfile
import warnings
from pathlib import Path

from casebook.domain import formatting as fmt
from casebook.domain.case_file import list_case_files
from casebook.domain.errors import CaseFileChanged, CaseFileError, FieldProblem, UserError, printable
from casebook.domain.evaluation import EvaluatedCase, case_file_bytes, evaluate_case
from casebook.domain.field_problems import unreadable
from casebook.domain.reference import load_publisher
from casebook.domain.rules import first_sentence
from casebook.domain.wording import texts_shared_with_other_cases, unwritten_sections
from casebook.engine.artifacts import DamagedCacheEntry, Inputs, code_of
from casebook.engine.heap import collector_paused
from casebook.engine.paths import CASE_SUFFIX, ProjectPaths

NOTHING_RAN = "\n\nInget har körts och webbplatsen är oförändrad."
# Libraries whose behaviour shapes an evaluated case (parsing, validation, formatting).
EVALUATION_PACKAGES = ("pydantic", "pydantic_core", "PyYAML", "babel")


def validate_all(paths: ProjectPaths, as_of: dt.date, cache: EvaluationCache | None = None) -> list[EvaluatedCase]:
    """Load, validate and compute every case as of the build date ``as_of``; report every bad file at once.

    Unchanged cases come from ``cache`` (by default the project's, read only; one made for the
    same ``as_of``); nothing is written here: a build saves the cache once it holds the project's lock.
    """
    files = paths.case_files()
    errors: list[CaseFileError] = [
        CaseFileError(
            p,
            [FieldProblem("(filnamn)", f"ärendefiler ska sluta på {CASE_SUFFIX}; byt namn till {p.stem}{CASE_SUFFIX}")],
        )
        for p in paths.misnamed_case_files()
    ]
    # Named as a case but no file to read: said, not skipped (the case would vanish from the site).
    errors += [_not_a_regular_file(p) or _dangling(p) for p in paths.unreadable_case_files()]
    if not files and not errors:
        raise UserError(f"Inga ärendefiler (*{CASE_SUFFIX}) i {paths.relative(paths.cases_dir)}.")
    outside = [p for p in [*files, *paths.reference_files()] if not _inside(paths, p)]
    errors += [
        CaseFileError(
            p,
            [
                FieldProblem(
                    "(fil)",
                    "är en symbolisk länk till en fil utanför projektet, som inte läses; kopiera filen hit i stället",
                )
            ],
        )
        for p in outside
    ]
    if outside:  # the reference data is read by every case; a case file outside is never read
        files = [p for p in files if p not in outside]
        if any(p in outside for p in paths.reference_files()):
            raise UserError("\n\n".join(e.render(root=paths.root) for e in errors) + NOTHING_RAN)
    unreadable_reference = [
        e for e in map(_not_a_regular_file, [p for p in paths.reference_files() if p not in outside]) if e is not None
    ]
    if unreadable_reference:  # keyed on and read before any case: a folder or a loop crashed, a FIFO waited
        raise UserError("\n\n".join(e.render(root=paths.root) for e in [*errors, *unreadable_reference]) + NOTHING_RAN)
    cache = cache or EvaluationCache(paths, as_of)
    evaluated = []
    for path in files:
        try:
            evaluated.append(cache.evaluate(path))
        except CaseFileError as exc:
            errors.append(exc)
    errors += _duplicate_ids(files)
    errors += _missing_source_documents(paths, evaluated)
    errors += _publisher_problems(paths)
    if errors:
        raise UserError("\n\n".join(e.render(root=paths.root) for e in errors) + NOTHING_RAN)
    return evaluated


def evaluated_cases(
    cases_dir: str | Path, reference_dir: str | Path, as_of: dt.date | str, stored: str | Path | None = None
) -> list[EvaluatedCase]:
    """Every case file in ``cases_dir`` (by file name), evaluated as of the build date ``as_of``
    (a date, or ``YYYY-MM-DD`` as the build passes it to a notebook) with the reference data in
    ``reference_dir``: what the portfolio notebook shows.

    ``stored``: a build's evaluated cases (:attr:`ProjectPaths.evaluation_cache`, which the
    build passes to the portfolio, saved just before it executes). When the store's key is
    the one this code, the project's reference data, the libraries and ``as_of`` give
    (:class:`EvaluationCache`), the cases are the stored ones, exactly those the build
    checked: a case file whose bytes are not those it was stored under, or that the store
    does not hold, was saved (or added) since the build read it, and raises
    :class:`~casebook.domain.errors.CaseFileChanged` (a portfolio of other bytes than the
    pages and documents beside it, cached under the checked bytes' key, is never made).
    Otherwise (no store, a damaged one, another key, or ``reference_dir`` not the reference
    data of the project the store belongs to, or ``cases_dir`` not its cases folder) every case
    is evaluated here.
    """
    as_of = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of)
    files = list_case_files(cases_dir)
    reference = Path(reference_dir).resolve()
    paths = ProjectPaths.at(reference.parent.parent)
    # The store names each case file as the build does (ProjectPaths.case_files: under the
    # project's resolved root, the cases folder itself not resolved, as it may be a link).
    if stored is None or paths.reference_dir != reference or Path(cases_dir).resolve() != paths.cases_dir.resolve():
        return [evaluate_case(path, reference_dir, as_of=as_of) for path in files]
    with warnings.catch_warnings():  # a damaged store is the build's to report; the notebook shows cases
        warnings.simplefilter("ignore", DamagedCacheEntry)
        cache = EvaluationCache(paths, as_of, file=Path(stored))
    if not cache.entries:
        return [evaluate_case(path, reference_dir, as_of=as_of) for path in files]
    return [cache.checked(paths.cases_dir / path.name) for path in files]


def _inside(paths: ProjectPaths, path: Path) -> bool:
    """Whether ``path`` is a file of the project; a symbolic-link loop counts as inside, to be
    refused as unreadable (resolving it raises)."""
    try:
        return paths.inside(path)
    except (OSError, RuntimeError):
        return True


def _not_a_regular_file(path: Path) -> CaseFileError | None:
    """Why a reference or case file cannot be read, found without opening it (a FIFO would wait
    for a writer); ``None`` for a regular file or a link to one (links outside are refused
    later), and for a link to nothing."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None  # a dangling link: refused as a link outside the project, or as missing by the loader
    except OSError as exc:
        return CaseFileError(path, [unreadable(exc)])
    if stat.S_ISDIR(mode):
        return CaseFileError(path, [unreadable(IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)))])
    if not stat.S_ISREG(mode):
        return CaseFileError(path, [FieldProblem("(fil)", "kan inte läsas: det är ingen vanlig fil")])
    return None


def _dangling(path: Path) -> CaseFileError:
    return CaseFileError(path, [FieldProblem("(fil)", "kan inte läsas: en symbolisk länk till en fil som inte finns")])


def attention_report(paths: ProjectPaths, cases: list[EvaluatedCase]) -> str:
    """What ``casebook check`` says after the files are valid: per case, every rule that is not
    met or needs review, and the memo's sections still to write.

    None of this is an input error (the build can run): it is what an analyst should see
    before building, rather than find on the built page.
    """
    blocks = []
    shared = texts_shared_with_other_cases([evaluated.case for evaluated in cases])
    for evaluated in cases:
        attention = evaluated.needing_attention
        unwritten = unwritten_sections(evaluated.case)
        copied = shared.get(evaluated.case.id, [])
        if not attention and not unwritten and not copied:
            continue
        count = f"{len(attention)} av {fmt.plural(len(evaluated.results), 'regel', 'regler')} kräver uppmärksamhet"
        lines = [f"{evaluated.case.id} ({paths.relative(evaluated.source)}): {count}"]
        lines += [
            f"  - {r.outcome.value}: {r.rule.title} ({r.rule.source}). {first_sentence(r.evidence)}" for r in attention
        ]
        if unwritten:
            lines.append(
                "  Att skriva i beslutsunderlaget: "
                + "; ".join(f"{name} (narrative.{path})" for path, name in unwritten)
                + "."
            )
        if copied:
            lines.append("  Samma som i ett annat ärende (kopierad ärendefil? varje beslut har sitt eget underlag):")
            lines += [f"  - {item}" for item in copied]
        blocks.append("\n".join(lines))
    if not blocks:
        return "Ingen regel kräver uppmärksamhet och inget avsnitt av beslutsunderlaget saknas."
    return "Att uppmärksamma före bygget (inga fel i filerna, bygget kan köras):\n\n" + "\n\n".join(blocks)


def _missing_source_documents(paths: ProjectPaths, cases: list[EvaluatedCase]) -> list[CaseFileError]:
    """Cases whose ``source_document.file`` names no file in ``data/sources/``: the page would link
    nothing and the published case file would name a file the site does not have. A case
    without a source document in the repository leaves ``file`` out (``url`` may name it)."""
    errors = []
    for evaluated in cases:
        name = evaluated.case.source_document.file
        if name is None:
            continue
        shown = paths.relative(paths.sources_dir)
        if Path(name).name != name or name in (".", ".."):
            problem = f"ska vara namnet på en fil i {shown}/, utan mapp (värde: '{printable(name, 60)}')"
        elif not (paths.sources_dir / name).is_file():
            problem = (
                f"filen {printable(name, 60)} finns inte i {shown}/; lägg den där, "
                "eller ta bort fältet file om dokumentet inte ska publiceras"
            )
        else:
            continue
        errors.append(CaseFileError(evaluated.source, [FieldProblem("source_document.file", problem)]))
    return errors


def _publisher_problems(paths: ProjectPaths) -> list[CaseFileError]:
    """The publisher file's problems (its organisation number's check digit among them), so that
    ``casebook check`` names them rather than a build after executing every notebook."""
    if not (paths.reference_dir / "publisher.yaml").is_file():
        return []  # the build names a missing publisher when it writes the open data
    try:
        load_publisher(paths.reference_dir)
    except CaseFileError as exc:
        return [exc]
    return []


class EvaluationCache:
    """Evaluated cases of one project as of one build date, reused while their case file and
    everything else is unchanged."""

    def __init__(self, paths: ProjectPaths, as_of: dt.date, file: Path | None = None):
        self.paths = paths
        self.as_of = as_of
        self.file = file or paths.evaluation_cache
        self.key = self._key()
        self.entries: dict[str, tuple[str, EvaluatedCase]] = self._load()
        self.used: dict[str, tuple[str, EvaluatedCase]] = {}

    def _key(self) -> str:
        """Everything but the case file that an evaluated case depends on: the Python version, the
        build date, the versions of :data:`EVALUATION_PACKAGES`, the code this module runs (the
        domain, not the renderers: :func:`casebook.engine.artifacts.code_of`) and the reference
        files (the artifact cache's key, :class:`casebook.engine.artifacts.Inputs`)."""
        code = code_of(self.paths.package_dir, [__name__])
        reference = tuple((self.paths.relative(path), path) for path in self.paths.reference_files())
        return Inputs(
            files=(*code, *reference),
            data=(("python", sys.version.encode()), ("as-of", self.as_of.isoformat().encode())),
            distributions=EVALUATION_PACKAGES,
        ).key()

    def _load(self) -> dict[str, tuple[str, EvaluatedCase]]:
        """The stored cases, if stored under this key; the file's SHA-256 is checked before it is unpickled."""
        try:
            digest, _, payload = self.file.read_bytes().partition(b"\n")
        except FileNotFoundError:
            return {}
        if not re.fullmatch(rb"[0-9a-f]{64}", digest):
            return {}  # written before the cache recorded its digest: a lost speed-up, nothing more
        if hashlib.sha256(payload).hexdigest().encode() != digest:  # the next build writes it anew
            warnings.warn(
                DamagedCacheEntry(
                    f"Cachen med utvärderade ärenden ({self.paths.relative(self.file)}) var skadad eller ändrad "
                    "(stämmer inte med sin SHA-256); ärendena utvärderas igen."
                ),
                stacklevel=2,
            )
            return {}
        try:
            with collector_paused():  # 110 000 objects at 1 000 cases, walked by every collection on the way
                stored = pickle.loads(payload)  # rules come back by id (Rule.__reduce__)
        except Exception:  # noqa: BLE001 - an outdated cache (a class that changed) is only a lost speed-up
            return {}
        return stored["cases"] if isinstance(stored, dict) and stored.get("key") == self.key else {}

    def evaluate(self, path: Path) -> EvaluatedCase:
        """The evaluated case of ``path``: from the cache when its bytes are unchanged.

        A case evaluated here is kept under the digest of the bytes it was computed from
        (read once, by :func:`evaluate_case`), not of the bytes read to look it up: a file
        saved between the two reads is never stored under the other version's digest."""
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        name = str(path)
        entry = self.entries.get(name)
        if entry is None or entry[0] != digest:
            evaluated = evaluate_case(path, self.paths.reference_dir, as_of=self.as_of)
            entry = (evaluated.source_sha256, evaluated)
        self.used[name] = entry
        return entry[1]

    def checked(self, path: Path) -> EvaluatedCase:
        """The stored case of ``path``, which must have the bytes it was stored under
        (:class:`CaseFileChanged` otherwise: saved since the build that stored it read it)."""
        entry = self.entries.get(str(path))
        if entry is None:
            raise CaseFileChanged(path)
        case_file_bytes(entry[1])  # its bytes, or CaseFileChanged
        return entry[1]

    def save(self) -> None:
        """Keep the cases evaluated this time (removed files drop out); written atomically, only if changed."""
        if self.used.keys() == self.entries.keys() and all(self.used[n] is self.entries[n] for n in self.used):
            return
        self.file.parent.mkdir(parents=True, exist_ok=True)
        # Closed by the `with` below; opened before the `try` because a failed write removes it by name.
        handle = tempfile.NamedTemporaryFile(dir=self.file.parent, prefix=".evaluated-", delete=False)  # noqa: SIM115
        try:
            payload = pickle.dumps({"key": self.key, "cases": self.used}, protocol=pickle.HIGHEST_PROTOCOL)
            with handle:
                handle.write(hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
            os.replace(handle.name, self.file)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise


def _declared_id(path: Path) -> str | None:
    """The top-level ``id:`` of a case file as written, read without parsing the whole file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():
        if line.startswith("id:"):
            return line[3:].split("#")[0].strip().strip("'\"") or None
    return None


def _duplicate_ids(files: list[Path]) -> list[CaseFileError]:
    """One error per file that declares an id another file already has, naming both files.

    The file named after the id keeps it; the others are the duplicates.
    """
    by_id: dict[str, list[Path]] = {}
    for path in files:
        case_id = _declared_id(path)
        if case_id is not None:
            by_id.setdefault(case_id, []).append(path)
    errors = []
    for case_id, paths in by_id.items():
        if len(paths) < 2:
            continue
        owner = next((p for p in paths if p.stem == case_id), paths[0])
        errors += [
            CaseFileError(
                path, [FieldProblem("id", f"'{case_id}' finns redan i {owner.name}: två ärendefiler har samma id")]
            )
            for path in paths
            if path != owner
        ]
    return errors
