"""360Giving Data Standard: the grants the decision-makers have awarded, and nothing else.

A 360Giving file is a publisher's record of the grants it has awarded. So:

- one grant per *decided* case of the publishing decision-maker: its own award,
  ``amountAwarded`` the decided maximum in force and ``awardDate`` the date of the decision;
- a proposal (*förslag till beslut*) is not an award, a rejection awards nothing, and another
  decision-maker's award is not the publisher's: all are left out (:func:`left_out` says
  which and why, for the open-data page);
- the other financiers of the project's financing plan are not grants of the publisher
  (their money is often only planned): they are described in the documented extension field
  ``x_coFinancing``.

Organisation ids follow org-id.guide: ``SE-ON-`` and the Swedish organisation number with
its hyphen (``SE-ON-232100-0214``); without a known number, an id of our own under the
``360G-`` prefix, as the standard allows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from casebook.domain.evaluation import EvaluatedCase
from casebook.domain.model import Case, CaseState
from casebook.domain.reference import NationalAgency, Publisher, RegionalActor
from casebook.render.opendata_tables import LICENSE_URL, iso_time

GRANT_ID_PREFIX = "360G-casebook"
"""360Giving ids are ``360G-<publisher prefix>-<own id>``. A publisher registered with
360Giving replaces this with its registered prefix."""
STANDARD_VERSION = "1.4"


def organisation_id(name: str, organisation_number: str | None) -> str:
    """``SE-ON-NNNNNN-NNNN`` (org-id.guide) when the organisation number is known, else our own id."""
    if organisation_number:
        return "SE-ON-" + organisation_number
    return f"{GRANT_ID_PREFIX}-org-{slug(name)}"


def slug(text: str) -> str:
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "Å": "a", "Ä": "a", "Ö": "o", "é": "e"})
    return re.sub(r"[^a-z0-9]+", "-", text.translate(table).lower()).strip("-")


class OrganisationIds:
    """Organisation ids from the numbers known in the reference data and the case files."""

    def __init__(self, reports: list[EvaluatedCase], actors: tuple[RegionalActor, ...], agencies: tuple[NationalAgency, ...] = ()):
        self._numbers: dict[str, str] = {}
        for organisation in (*actors, *agencies):
            if organisation.organisation_number:
                for name in organisation.names:
                    self._numbers[name] = organisation.organisation_number
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

    def organisation(self, name: str) -> dict:
        return {"id": self.id_for(name), "name": name}


def case_page_url(publisher: Publisher, case_id: str) -> str:
    return f"{publisher.site_url}book/cases/{case_id}.html"


def grant(report: EvaluatedCase, orgs: OrganisationIds, publisher: Publisher, modified: dt.datetime) -> dict:
    """The 360Giving grant for one decided case."""
    case = report.case
    if case.state is not CaseState.DECIDED:
        raise ValueError(f"{case.id}: bara beviljade ärenden är bidrag i 360Giving (status: {case.state.value})")
    status = case.status
    record = {
        "id": f"{GRANT_ID_PREFIX}-{case.id}",
        "title": case.title,
        "description": case.summary,
        "currency": "SEK",
        "amountAppliedFor": case.amount_applied_for,
        "amountAwarded": case.max_amount_in_force,
        "awardDate": case.dates.decision.isoformat(),
        "plannedDates": [{
            "startDate": case.dates.project_start.isoformat(),
            "endDate": case.dates.project_end.isoformat(),
        }],
        "recipientOrganization": [orgs.organisation(case.applicant.name)],
        "fundingOrganization": [orgs.organisation(case.decision_maker.name)],
        "grantProgramme": [{"code": slug(case.decision.appropriation), "title": case.decision.appropriation}],
        "url": case_page_url(publisher, case.id),
        "dataSource": f"{publisher.site_url}data/beslut.csv",
        "dateModified": iso_time(modified),
        "x_decidedBy": status.decided_by if status else None,
        "x_decisionReference": status.decision_reference if status else None,
        "x_sharePercentOfApprovedCosts": float(case.share_percent_in_force),
        "x_totalFinancing": report.figures.total_financing,
        "x_coFinancing": [
            {
                "organization": orgs.organisation(s.financier),
                "kind": s.line.kind.value,
                "amount": s.amount,
                "confirmed": s.line.confirmed,
            }
            for s in report.figures.shares if s.line is not case.own_line
        ],
    }
    return record


def is_publishers_award(case: Case, publisher: Publisher) -> bool:
    """Whether the case is an award the publisher decided: decided, with the publisher as decision-maker."""
    return case.state is CaseState.DECIDED and case.decision_maker.name == publisher.name


LEFT_OUT_REASONS = {
    "proposal": "är förslag till beslut (inget beslut finns, så inget bidrag är beviljat)",
    "rejected": "är avslagna (inget beviljades)",
    "other_decision_maker": "är beviljade av en annan beslutsfattare än utgivaren",
}


def left_out(reports: list[EvaluatedCase], granted: set[str]) -> Counter:
    """Why each case whose id is not in ``granted`` is not a grant, counted by reason (keys of :data:`LEFT_OUT_REASONS`)."""
    reasons: Counter = Counter()
    for r in reports:
        if r.case.id not in granted:
            state = r.case.state
            reasons["other_decision_maker" if state is CaseState.DECIDED else state.value] += 1
    return reasons


def package(reports: list[EvaluatedCase], orgs: OrganisationIds, publisher: Publisher, modified: dt.datetime) -> dict:
    """The 360Giving package: metadata and one grant per award of the publisher, sorted by case id."""
    grants = [grant(r, orgs, publisher, modified) for r in sorted(reports, key=_case_id) if is_publishers_award(r.case, publisher)]
    return {
        "version": STANDARD_VERSION,
        "title": "Beviljade bidrag för regional medfinansiering",
        "description": (f"Bidrag enligt förordning (2003:596) som {publisher.name} har beviljat. Förslag till beslut, avslag "
                        "och andra beslutsfattares bidrag ingår inte; övrig finansiering i projektens finansieringsplaner "
                        "beskrivs i x_coFinancing."),
        "identifier": f"{GRANT_ID_PREFIX}-360giving",
        "modified": iso_time(modified),
        "publisher": {"name": publisher.name, **({"identifier": organisation_id(publisher.name, publisher.organisation_number)}
                                                 if publisher.organisation_number else {}), "website": publisher.site_url},
        "license": LICENSE_URL,
        "accessURL": f"{publisher.site_url}book/open_data.html",
        "downloadURL": f"{publisher.site_url}data/360giving.json",
        "grants": grants,
    }


def _case_id(report: EvaluatedCase) -> str:
    return report.case.id
