"""When each case file was added and last changed, from git: the dates the open data state.

A case file's last change is the author time of the last commit that changed it (the
commits its change history lists, renames followed: :func:`casebook.engine.audit.change_histories`);
its addition the first such commit. A file with changes not yet committed (or not tracked)
counts as changed at its modification time, and outside a git work tree every file does.
Author time, not commit time: a rebase keeps it. So a grant's ``dateModified`` moves only
when its own case file changes, and a fresh clone gives the same dates as the working copy
it was pushed from. :func:`write_project_open_data` writes a project's open data so dated.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from casebook.domain.evaluation import EvaluatedCase
from casebook.domain.reference import load_national_agencies, load_publisher, load_regional_actors
from casebook.engine.audit import change_histories
from casebook.engine.paths import ProjectPaths
from casebook.render.opendata import write_open_data
from casebook.render.opendata_tables import CaseFileTimes, DataHistory, file_time


def write_project_open_data(
    paths: ProjectPaths, cases: list[EvaluatedCase], out: Path, as_of: dt.date, history: DataHistory | None = None
) -> list[Path]:
    """The open data of the project's ``cases`` into ``out``, with its reference data and
    publisher, a followed-up case's status judged on the build date ``as_of``, as the cases
    were; each record dated from ``history`` (by default the case files' history,
    :func:`case_file_history`). The files written, as :func:`write_open_data` gives them."""
    reference = paths.reference_dir
    return write_open_data(
        out,
        cases,
        load_regional_actors(reference),
        as_of=as_of,
        agencies=load_national_agencies(reference),
        publisher=load_publisher(reference),
        history=history if history is not None else case_file_history(paths, [e.case.id for e in cases]),
    )


def case_file_history(paths: ProjectPaths, case_ids: list[str]) -> DataHistory:
    """The :class:`DataHistory` of the given cases: one ``git log`` and one ``git status``
    (the change histories), and one more ``git log`` for the times of the commits needed."""
    histories = change_histories(paths, case_ids)
    commits = {entry["commit"] for history in histories.values() for entry in history if entry["commit"]}
    times = _author_times(paths, commits)
    cases = {}
    for case_id in case_ids:
        committed = [times[entry["commit"]] for entry in histories[case_id] if entry["commit"] in times]
        uncommitted = len(committed) < len(histories[case_id]) or not committed
        now = file_time(paths.case_file(case_id)) if uncommitted else None
        newest = now if now is not None else committed[0]
        oldest = committed[-1] if committed else newest
        cases[case_id] = CaseFileTimes(created=oldest, modified=newest)
    revisions = len(commits) + any(not entry["commit"] for history in histories.values() for entry in history)
    return DataHistory(cases, max(revisions, 1))


def _author_times(paths: ProjectPaths, commits: set[str]) -> dict[str, dt.datetime]:
    """Each commit's author time (by the abbreviated hash the histories use), read in one
    ``git log`` with the commits on its input; a commit git cannot read is left out, and its
    file then counts as changed at its modification time."""
    if not commits:
        return {}
    try:
        completed = subprocess.run(
            ["git", "log", "--no-walk=unsorted", "--stdin", "--format=%H %at"],
            cwd=paths.cases_dir,
            input="\n".join(sorted(commits)) + "\n",
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return {}
    full = dict(line.split() for line in completed.stdout.splitlines()) if completed.returncode == 0 else {}
    return {
        short: dt.datetime.fromtimestamp(int(seconds), dt.UTC)
        for short in commits
        for commit, seconds in full.items()
        if commit.startswith(short)
    }
