"""The audit trail of a case page: what it was computed from, with what, and when.

The build collects an :class:`AuditRecord` for each case it executes and passes it to the
notebook as a parameter, so the record is part of the executed notebook and of its
outputs. Paths are repository-relative; nothing names the build machine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path

from casebook.domain import clock
from casebook.engine.paths import CASE_SUFFIX, ProjectPaths

# The packages whose installed versions shape a page's outputs: shown in the audit trail and
# part of every execution cache key (casebook.engine.cache).
OUTPUT_PACKAGES = (
    "casebook",
    "jupyter-book",
    "myst-nb",
    "papermill",
    "nbformat",
    "ipykernel",
    "ipython",
    "pandas",
    "numpy",
    "matplotlib",
    "babel",
    "pydantic",
    "PyYAML",
)


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


RULE_FILES = (
    ("Regelkatalog", "__init__.py"),
    ("Regelramverk", "framework.py"),
    ("Regeldefinitioner: förordning (2003:596)", "ordinance.py"),
    ("Regeldefinitioner: utlysningen", "call.py"),
    ("Regeldefinitioner: uppföljning", "follow_up.py"),
)
"""The rule package's modules, as the audit trail lists them (label, file in ``casebook/domain/rules``)."""


def input_files(paths: ProjectPaths, template: Path, case_id: str) -> list[tuple[str, Path]]:
    """(label, file) for every input shown in the audit trail."""
    entries = [
        ("Ärendefil", paths.case_file(case_id)),
        ("Mall för ärenderapporten", paths.root / template),
    ]
    rules = paths.package_dir / "domain" / "rules"
    entries += [(label, rules / name) for label, name in RULE_FILES]
    entries += [("Referensdata", p) for p in paths.reference_files()]
    return entries


def execution_time(moment: dt.datetime) -> str:
    """The build's moment in UTC, as the audit trail shows it (``SOURCE_DATE_EPOCH`` fixes it for reproducible builds)."""
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _git(root: Path, *args: str) -> str | None:
    try:
        completed = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return completed.stdout if completed.returncode == 0 else None


def git_commit(root: Path) -> str | None:
    out = _git(root, "rev-parse", "HEAD")
    return out.strip() if out else None


UNCOMMITTED = {"commit": "", "date": "", "message": "Ändringar som inte är incheckade"}
# Separates commits (record separator) and their fields (unit separator) in the log below.
_COMMIT, _FIELD = "\x1e", "\x1f"


def change_histories(paths: ProjectPaths, case_ids: list[str]) -> dict[str, list[dict[str, str]]]:
    """Each case file's commits, newest first; uncommitted changes first of all. Each commit
    lists the top-level fields of the case file it changed (:func:`_changed_fields`).

    Two ``git log`` calls over the cases folder and one ``git status``, whatever the number of
    cases (one git call per case cost seconds at a thousand cases). The result equals
    ``git log --follow`` per file for renames inside the cases folder: walking from the
    newest commit, a case file renamed in a commit is followed under its old name from
    there on. Merge commits list no files, as with ``--follow``.
    """
    cases_dir = paths.cases_dir
    histories: dict[str, list[dict[str, str]]] = {case_id: [] for case_id in case_ids}
    prefix = _git(cases_dir, "rev-parse", "--show-prefix")
    if prefix is None:  # not in a git work tree: no history
        return histories
    prefix = prefix.strip()
    status = _git(cases_dir, "status", "--porcelain", "-z", "--untracked-files=all", "--", ".") or ""
    changed = {entry[3:] for entry in status.split("\0") if len(entry) > 3}
    for case_id in case_ids:
        if f"{prefix}{case_id}{CASE_SUFFIX}" in changed:
            histories[case_id].append(dict(UNCOMMITTED))
    # --relative: file names relative to the cases folder, wherever the repository's top is.
    log = (
        _git(
            cases_dir,
            "log",
            "--relative",
            "--name-status",
            "-M",
            "-z",
            f"--format={_COMMIT}%h{_FIELD}%ad{_FIELD}%s",
            "--date=short",
            "--",
            ".",
        )
        or ""
    )
    changed_fields = _changed_fields(cases_dir)
    # The name each case file had in the commit being read (it changes at a rename).
    tracked = {f"{case_id}{CASE_SUFFIX}": case_id for case_id in case_ids}
    for record in log.split(_COMMIT)[1:]:
        header, _, changes = record.partition("\0")
        commit, date, message = header.split(_FIELD, 2)
        entry = {"commit": commit, "date": date, "message": message.rstrip("\n")}
        fields = changes.strip("\n").split("\0")
        renamed: dict[str, str] = {}
        i = 0
        while i < len(fields) and fields[i]:
            status_letter = fields[i].lstrip("\n")[:1]
            if status_letter in ("R", "C"):
                source, target = fields[i + 1], fields[i + 2]
                i += 3
            else:
                source = target = fields[i + 1]
                i += 2
            case_id = tracked.get(target)
            if case_id is None:
                continue
            histories[case_id].append({**entry, "fields": changed_fields.get((commit, target), [])})
            if status_letter == "R":
                renamed[target] = source
        for target, source in renamed.items():
            tracked[source] = tracked.pop(target)
    return histories


_DIFF_FILE = re.compile(r"^\+\+\+ (?:b/(.*)|/dev/null)$")
_HUNK = re.compile(r"^@@ [^@]* @@ ?(.*)$")
_TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:")


def _changed_fields(cases_dir: Path) -> dict[tuple[str, str], list[str]]:
    """For each (commit, case file name as of that commit), the top-level fields its change touched.

    One ``git log -p`` with no context lines: a changed line's field is the top-level key on
    that line, else the nearest top-level key above it (the hunk header names it: git takes
    the nearest line above the hunk that starts with a letter); a comment line counts as
    ``#``. A file added or removed in the commit is ``+`` or ``-``.
    """
    log = (
        _git(
            cases_dir,
            "log",
            "--relative",
            "-M",
            "-p",
            "--unified=0",
            "--no-color",
            "--no-ext-diff",
            f"--format={_COMMIT}%h",
            "--",
            ".",
        )
        or ""
    )
    fields: dict[tuple[str, str], list[str]] = {}
    commit, name, current, touched, added_file = "", None, None, None, False
    for line in log.split("\n"):
        if line.startswith(_COMMIT):
            commit, name = line[1:].strip(), None
        elif line.startswith("diff --git "):
            name, current, touched = None, None, None
        elif line.startswith("--- "):
            added_file = line == "--- /dev/null"
        elif (found := _DIFF_FILE.match(line)) is not None:
            name = found.group(1)
            touched = fields.setdefault((commit, name or ""), [])
            if added_file or name is None:  # the whole file came or went: its lines name no change
                touched.append("+" if added_file else "-")
                touched = None
        elif touched is not None and (hunk := _HUNK.match(line)) is not None:
            key = _TOP_LEVEL_KEY.match(hunk.group(1))
            current = key.group(1) if key else None
        elif touched is not None and line[:1] in ("+", "-"):
            text = line[1:]
            key = _TOP_LEVEL_KEY.match(text)
            if key:
                current = key.group(1)
            field = "#" if text.lstrip().startswith("#") or not text.strip() else current
            if field is not None and field not in touched:
                touched.append(field)
    return fields


def package_versions() -> dict[str, str]:
    versions = {"Python": platform.python_version()}
    for name in OUTPUT_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "saknas"
    return versions


def recorded_audit(notebook: Path) -> dict | None:
    """The audit record an executed case notebook was run with (papermill keeps its parameters), if any."""
    metadata_ = json.loads(Path(notebook).read_text(encoding="utf-8")).get("metadata", {})
    return metadata_.get("papermill", {}).get("parameters", {}).get("audit")


def audit_record(
    paths: ProjectPaths,
    template: Path,
    case_id: str,
    case_sha256: str,
    commit: str | None,
    history: list[dict[str, str]],
    moment: dt.datetime,
) -> dict:
    """Everything the case page's audit section shows, as plain JSON-able data.

    ``case_sha256``: the case file's, as the case was evaluated from it
    (:attr:`~casebook.domain.evaluation.EvaluatedCase.source_sha256`), not as it is on disk
    now: the case's notebook refuses other bytes (:func:`casebook.render.case_view.prepare`).
    ``moment``: the build's, fixed once as it starts; its date is the build date the case is judged on.
    """
    case_file = paths.case_file(case_id)
    return {
        "inputs": [
            {
                "label": label,
                "path": paths.relative(file),
                "sha256": case_sha256 if file == case_file else sha256_file(file),
            }
            for label, file in input_files(paths, template, case_id)
        ],
        "commit": commit,
        "versions": package_versions(),
        "executed_at": execution_time(moment),
        "as_of": clock.date_of(moment).isoformat(),
        "history": history,
    }
