"""Stage 2 of a build: which notebooks must run, because their declared inputs changed since
they were last executed (``casebook.engine.cache``); the others are reused from the cache."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from casebook.domain import clock
from casebook.domain.evaluation import EvaluatedCase
from casebook.engine import audit
from casebook.engine.cache import (
    PORTFOLIO,
    ExecutionCache,
    case_inputs,
    environment,
    portfolio_inputs,
    shared_case_inputs,
)
from casebook.engine.execute import NotebookJob, case_job, portfolio_job
from casebook.engine.paths import CASE_TEMPLATE, PORTFOLIO_TEMPLATE, ProjectPaths
from casebook.render.opendata import source_document_file


@dataclass(frozen=True)
class ExecutionPlan:
    """The notebooks to execute (stale ones), and how many cases are reused from the cache."""

    jobs: tuple[NotebookJob, ...]
    reused_cases: int


def plan_executions(
    paths: ProjectPaths,
    cases: list[EvaluatedCase],
    cache: ExecutionCache,
    work: Path,
    moment: dt.datetime,
    portfolio: bool = True,
) -> ExecutionPlan:
    """A job for every notebook whose declared inputs changed since it was last executed.

    ``moment``: the build's (its date is the one each notebook is judged on, a parameter of the
    notebook, and the audit trail records both). ``portfolio=False`` plans the cases only (a
    shard: the portfolio reads every case).
    """
    as_of = clock.date_of(moment).isoformat()
    env = environment()
    commit = audit.git_commit(paths.root)
    work.mkdir(parents=True, exist_ok=True)
    jobs = []
    histories = audit.change_histories(paths, [evaluated.case.id for evaluated in cases])
    shared = shared_case_inputs(paths, CASE_TEMPLATE)
    for evaluated in cases:
        case = evaluated.case
        history = histories[case.id]
        # A follow-up is judged as of the build date (overdue final report), so its page is redone each day.
        inputs = case_inputs(
            paths,
            CASE_TEMPLATE,
            case.id,
            history,
            as_of if case.follow_up is not None else "",
            shared,
            document.name if (document := source_document_file(evaluated)) else None,
            evaluated.source_sha256,  # the bytes it was checked from, as the notebook's parameter and audit trail
        )
        key = inputs.key(env)
        if cache.is_fresh(case.id, key):
            continue
        record = audit.audit_record(paths, CASE_TEMPLATE, case.id, evaluated.source_sha256, commit, history, moment)
        jobs.append(
            case_job(
                paths.root,
                case.id,
                evaluated.source_sha256,
                case.title,
                work / f"{case.id}.ipynb",
                record,
                key,
                as_of,
                inputs=inputs.names(),
            )
        )
    reused = len(cases) - len(jobs)
    if not portfolio:
        return ExecutionPlan(tuple(jobs), reused)
    inputs = portfolio_inputs(paths, PORTFOLIO_TEMPLATE, as_of, {e.source: e.source_sha256 for e in cases})
    key = inputs.key(env)
    if not cache.is_fresh(PORTFOLIO, key):
        jobs.append(portfolio_job(paths.root, work / f"{PORTFOLIO}.ipynb", key, as_of, inputs=inputs.names()))
    return ExecutionPlan(tuple(jobs), reused)


class MissingShards(Exception):
    """Cases that an assembling build (``--assemble``) would have to execute: their shards' entries are missing."""


def require_merged_shards(plan: ExecutionPlan) -> None:
    """Assembling executes the portfolio only: a case missing from the merged cache is an error."""
    missing = [job.name for job in plan.jobs if job.name != PORTFOLIO]
    if missing:
        shown = ", ".join(missing[:10]) + (f" … och {len(missing) - 10} till" if len(missing) > 10 else "")
        raise MissingShards(
            f"{len(missing)} ärenden saknas i cachen eller har ändrats sedan de kördes ({shown}); "
            "kör deras delbyggen (casebook build --shard I/K) och lägg cacheposterna i _build/cache. "
            "Webbplatsen är oförändrad."
        )
