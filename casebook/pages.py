"""Generated book content: the case table, the rule catalogue and downloadable data.

The hand-written pages in ``book/`` include these files; the build writes them into the
staged source tree under ``book/_generated/``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from casebook import formatting as fmt
from casebook.markup import escape_myst, list_table
from casebook.model import case_json_schema
from casebook.report import CaseReport
from casebook.rules import RULES, Outcome

GENERATED = Path("book") / "_generated"


def case_table(reports: list[CaseReport]) -> str:
    rows = []
    for r in reports:
        case, cap = r.case, r.figures.cap
        attention = sum(x.outcome in (Outcome.NOT_MET, Outcome.REVIEW) for x in r.results)
        rows.append([
            f"[{escape_myst(case.title)}](cases/{case.id}.ipynb)",
            escape_myst(case.decision_maker.name),
            escape_myst(case.applicant.name),
            f"{fmt.date(case.dates.project_start)} – {fmt.date(case.dates.project_end)}",
            escape_myst(f"{fmt.percent(cap.decided_share)}, högst {fmt.kronor(cap.max_amount)}"),
            f"{attention} av {len(r.results)}",
            f"{{download}}`JSON <_generated/results/{case.id}.json>`",
        ])
    header = ["Projekt", "Beslutsfattare", "Projektägare", "Projekttid", "Beslut", "Regler att granska", "Regelutfall"]
    caption = f"Alla ärenden ({len(reports)} st.), sorterade efter ärende-id"
    return list_table(caption, header, rows)


def rule_catalogue(reports: list[CaseReport]) -> str:
    counts: dict[str, Counter] = {rule.id: Counter() for rule in RULES}
    for report in reports:
        for result in report.results:
            counts[result.rule.id][result.outcome] += 1
    rows = []
    for rule in RULES:
        c = counts[rule.id]
        tally = "; ".join(f"{o.value}: {c[o]}" for o in Outcome if c[o]) or "Inga ärenden"
        rows.append([
            f"`{rule.id}`",
            escape_myst(rule.title),
            escape_myst(f"{rule.source} ({rule.wording})"),
            escape_myst(rule.requires),
            escape_myst(rule.kind.value),
            escape_myst(rule.applies_when),
            escape_myst(tally),
        ])
    header = ["Id", "Regel", "Källa och lydelse", "Vad källan kräver", "Typ", "Gäller", "Utfall i ärendena"]
    return list_table(f"Regelkatalog: {len(RULES)} regler", header, rows)


def write_generated(source_root: Path, reports: list[CaseReport]) -> None:
    """Write every generated file the hand-written pages include or link to."""
    out = source_root / GENERATED
    (out / "results").mkdir(parents=True, exist_ok=True)
    (out / "case_table.md").write_text(case_table(reports), encoding="utf-8")
    (out / "rule_catalogue.md").write_text(rule_catalogue(reports), encoding="utf-8")
    _write_json(out / "case-schema.json", case_json_schema())
    for report in reports:
        _write_json(out / "results" / f"{report.case.id}.json", report.results_as_dict())


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
