"""Open data exports: decisions and financing plans as CSV and JSON, and 360Giving JSON.

Machine-readable files use plain numbers (whole kronor as integers, shares with a decimal
point) and ISO dates; Swedish formatting is for the pages only. Rows are sorted by case id
and plan order, so the same data always gives the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

from casebook.domain.finance import FinancingShare
from casebook.domain.evaluation import EvaluatedCase
from casebook.domain.model import Case
from casebook.domain.reference import RegionalActor
from casebook.domain.rules import Outcome

GRANT_ID_PREFIX = "360G-casebook"
"""360Giving grant ids are ``360G-<publisher prefix>-<own id>``. A region publishing to
360Giving replaces this with its registered prefix."""

SHARE_DECIMALS = Decimal("0.0001")


def organisation_id(name: str, organisation_number: str | None) -> str:
    """``SE-ON-<org.nr>`` when the organisation number is known, else an id of our own."""
    if organisation_number:
        return "SE-ON-" + organisation_number.replace("-", "")
    return f"{GRANT_ID_PREFIX}-org-{slug(name)}"


def slug(text: str) -> str:
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "Å": "a", "Ä": "a", "Ö": "o", "é": "e"})
    return re.sub(r"[^a-z0-9]+", "-", text.translate(table).lower()).strip("-")


class OrganisationNumbers:
    """Organisation numbers known from the case files and the reference data."""

    def __init__(self, reports: list[EvaluatedCase], actors: tuple[RegionalActor, ...]):
        self._numbers: dict[str, str] = {}
        for actor in actors:
            if actor.organisation_number:
                for name in actor.names:
                    self._numbers[name] = actor.organisation_number
        for report in reports:
            case = report.case
            for org in (case.decision_maker, case.applicant, *case.partners):
                if org.organisation_number:
                    self._numbers.setdefault(org.name, org.organisation_number)
            for line in case.financing_plan:
                if line.organisation_number:
                    self._numbers.setdefault(line.financier, line.organisation_number)

    def id_for(self, name: str) -> str:
        return organisation_id(name, self._numbers.get(name))


def _outcome_counts(report: EvaluatedCase) -> Counter:
    return Counter(r.outcome for r in report.results)


def decision_rows(reports: list[EvaluatedCase]) -> list[dict]:
    rows = []
    for r in reports:
        case, f = r.case, r.figures
        counts = _outcome_counts(r)
        rows.append({
            "case_id": case.id,
            "title": case.title,
            "reference": case.reference or "",
            "decision_maker": case.decision_maker.name,
            "decision_maker_organisation_number": case.decision_maker.organisation_number or "",
            "applicant": case.applicant.name,
            "applicant_organisation_number": case.applicant.organisation_number or "",
            "application_received": case.dates.application_received.isoformat(),
            "project_start": case.dates.project_start.isoformat(),
            "project_end": case.dates.project_end.isoformat(),
            "final_report_due": case.dates.final_report_due.isoformat() if case.dates.final_report_due else "",
            "decision_date": case.dates.decision.isoformat() if case.dates.decision else "",
            "amount_applied_for_sek": case.amount_applied_for,
            "total_financing_sek": f.total_financing,
            "decided_share_percent": str(case.decision.share_percent),
            "max_amount_sek": case.decision.max_amount,
            "appropriation": case.decision.appropriation,
            "conditional_on_other_financing": case.decision.conditional_on_other_financing,
            "rules_met": counts[Outcome.MET],
            "rules_not_met": counts[Outcome.NOT_MET],
            "rules_missing_judgement": counts[Outcome.MISSING_JUDGEMENT],
            "rules_to_review": counts[Outcome.REVIEW],
            "rules_officer_judgement": counts[Outcome.JUDGEMENT],
            "rules_not_applicable": counts[Outcome.NOT_APPLICABLE],
            "case_file_sha256": hashlib.sha256(r.source.read_bytes()).hexdigest(),
        })
    return rows


def _share(s: FinancingShare) -> str:
    return str(s.share.quantize(SHARE_DECIMALS))


def financing_rows(reports: list[EvaluatedCase]) -> list[dict]:
    rows = []
    for r in reports:
        for position, s in enumerate(r.figures.shares, start=1):
            rows.append({
                "case_id": r.case.id,
                "line": position,
                "financier": s.financier,
                "kind": s.line.kind.value,
                "kind_label": s.line.kind.label,
                "amount_sek": s.amount,
                "share_percent": _share(s),
                "confirmed": s.line.confirmed,
                "is_decision_maker": s.line is r.case.own_line,
                "organisation_number": s.line.organisation_number or "",
            })
    return rows


def _award_date(case: Case) -> tuple[str, str]:
    if case.dates.decision:
        return case.dates.decision.isoformat(), "beslutsdatum"
    return case.dates.application_received.isoformat(), "ansökan inkom (beslutsdatum saknas)"


def giving360(reports: list[EvaluatedCase], orgs: OrganisationNumbers) -> dict:
    """One 360Giving grant per financier per case, linked by ``relatedActivity``."""
    grants = []
    for r in reports:
        case = r.case
        activity = f"{GRANT_ID_PREFIX}-{case.id}"
        award_date, basis = _award_date(case)
        recipient = {"id": orgs.id_for(case.applicant.name), "name": case.applicant.name}
        ids = [f"{activity}-{n}" for n in range(1, len(case.financing_plan) + 1)]
        for grant_id, s in zip(ids, r.figures.shares, strict=True):
            own = s.line is case.own_line
            grant = {
                "id": grant_id,
                "title": f"{case.title} – {s.financier}",
                "description": case.summary,
                "currency": "SEK",
                "amountAwarded": case.decision.max_amount if own else s.amount,
                "awardDate": award_date,
                "recipientOrganization": [recipient],
                "fundingOrganization": [{"id": orgs.id_for(s.financier), "name": s.financier}],
                "plannedDates": [{
                    "startDate": case.dates.project_start.isoformat(),
                    "endDate": case.dates.project_end.isoformat(),
                }],
                "relatedActivity": [activity] + [other for other in ids if other != grant_id],
                "x_awardDateBasis": basis,
                "x_financierKind": s.line.kind.value,
                "x_source": "beslutet" if own else "projektets finansieringsplan enligt beslutsunderlaget",
            }
            if own:
                grant["amountAppliedFor"] = case.amount_applied_for
                grant["grantProgramme"] = [{"code": "anslag-1-1", "title": case.decision.appropriation}]
            grants.append(grant)
    return {"grants": grants}


def _csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: _csv_value(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def _csv_value(value: object) -> object:
    """Booleans as ``true``/``false``, as most open-data tools expect."""
    return str(value).lower() if isinstance(value, bool) else value


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_open_data(out: Path, reports: list[EvaluatedCase], actors: tuple[RegionalActor, ...]) -> list[Path]:
    """Write every open-data file into ``out``; return them in a stable order."""
    out.mkdir(parents=True, exist_ok=True)
    decisions = decision_rows(reports)
    financing = financing_rows(reports)
    files = {
        "beslut.csv": _csv(decisions),
        "beslut.json": _json(decisions),
        "finansieringsplaner.csv": _csv(financing),
        "360giving.json": _json(giving360(reports, OrganisationNumbers(reports, actors))),
    }
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    return [out / name for name in files]
