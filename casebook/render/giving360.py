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

Ids come from ``publisher.yaml``: grants are ``<grant_id_prefix>-<case id>`` (a publisher
registered with 360Giving sets its registered prefix); an organisation is
``<org_id_scheme>-<organisation number>`` (org-id.guide's ``SE-ON`` with the hyphen kept:
``SE-ON-232100-0214``) wherever its number is known, else an id of the publisher's own,
``<grant_id_prefix>-org-<slug of the name>``. ``dateModified`` is when that case file last
changed (:class:`~casebook.render.opendata_tables.DataHistory`), so a grant keeps its date
while other cases change.
"""

from __future__ import annotations

from collections import Counter

from casebook.domain.evaluation import EvaluatedCase
from casebook.domain.model import Case, CaseState
from casebook.domain.reference import Publisher
from casebook.render.opendata_tables import LICENSE_URL, DataHistory, OrganisationNumbers, iso_time
from casebook.render.slugs import slug

STANDARD_VERSION = "1.4"


def organisation_id(name: str, organisation_number: str | None, publisher: Publisher) -> str:
    """The org-id of a Swedish organisation number when it is known, else the publisher's own id for the name."""
    if organisation_number:
        return f"{publisher.org_id_scheme}-{organisation_number}"
    return f"{publisher.grant_id_prefix}-org-{slug(name)}"


class OrganisationIds:
    """360Giving organisation ids for the organisations in the cases, from their known numbers."""

    def __init__(self, numbers: OrganisationNumbers, publisher: Publisher):
        self._numbers = numbers
        self._publisher = publisher

    def id_for(self, name: str) -> str:
        return organisation_id(name, self._numbers.get(name), self._publisher)

    def organisation(self, name: str) -> dict:
        return {"id": self.id_for(name), "name": name}


def case_page_url(publisher: Publisher, case_id: str) -> str:
    return f"{publisher.site_url}book/cases/{case_id}.html"


def grant(report: EvaluatedCase, orgs: OrganisationIds, publisher: Publisher, history: DataHistory) -> dict:
    """The 360Giving grant for one decided case."""
    case = report.case
    if case.state is not CaseState.DECIDED:
        raise ValueError(f"{case.id}: bara beviljade ärenden är bidrag i 360Giving (status: {case.state.value})")
    status = case.status
    record = {
        "id": f"{publisher.grant_id_prefix}-{case.id}",
        "title": case.title,
        "description": case.summary,
        "currency": "SEK",
        "amountAppliedFor": case.amount_applied_for,
        "amountAwarded": case.max_amount_in_force,
        "awardDate": case.dates.decision.isoformat(),
        "plannedDates": [
            {
                "startDate": case.dates.project_start.isoformat(),
                "endDate": case.dates.project_end.isoformat(),
            }
        ],
        "recipientOrganization": [orgs.organisation(case.applicant.name)],
        "fundingOrganization": [orgs.organisation(case.decision_maker.name)],
        "grantProgramme": [{"code": slug(case.decision.appropriation), "title": case.decision.appropriation}],
        "url": case_page_url(publisher, case.id),
        "dataSource": f"{publisher.site_url}data/beslut.csv",
        "dateModified": iso_time(history.cases[case.id].modified),
        "x_caseId": case.id,
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
            for s in report.figures.shares
            if s.line is not case.own_line
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


def package(reports: list[EvaluatedCase], orgs: OrganisationIds, publisher: Publisher, history: DataHistory) -> dict:
    """The 360Giving package: metadata and one grant per award of the publisher, sorted by case id.

    ``issued`` and ``modified`` are the first addition and the last change of the granted
    cases' files (of all cases' files when there is no grant, and so no file to publish).
    """
    awarded = sorted((r for r in reports if is_publishers_award(r.case, publisher)), key=_case_id)
    grants = [grant(r, orgs, publisher, history) for r in awarded]
    dated = [r.case.id for r in awarded] or None
    return {
        "version": STANDARD_VERSION,
        "title": "Beviljade bidrag för regional medfinansiering",
        "description": (
            f"Bidrag enligt förordning (2003:596) som {publisher.name} har beviljat. Förslag till beslut, avslag "
            "och andra beslutsfattares bidrag ingår inte; övrig finansiering i projektens finansieringsplaner "
            "beskrivs i x_coFinancing."
        ),
        "identifier": f"{publisher.grant_id_prefix}-360giving",
        "issued": iso_time(history.created(dated)),
        "modified": iso_time(history.modified(dated)),
        "publisher": {
            "name": publisher.name,
            "identifier": organisation_id(publisher.name, publisher.organisation_number, publisher),
            "website": publisher.site_url,
        },
        "license": LICENSE_URL,
        "accessURL": f"{publisher.site_url}book/open_data.html",
        "downloadURL": f"{publisher.site_url}data/360giving.json",
        "grants": grants,
    }


def _case_id(report: EvaluatedCase) -> str:
    return report.case.id
