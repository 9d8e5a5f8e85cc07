"""The case file format: one YAML file per case, validated by pydantic.

Money is whole kronor (``int``); percentages are ``Decimal``. The YAML loader reads every
decimal number as ``Decimal`` so that a value such as ``12.10`` is never a binary float.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from enum import Enum
from functools import cached_property
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from casebook.domain import narrative
from casebook.domain.formatting import kronor
from casebook.domain.organisation_number import OrganisationNumber
from casebook.domain.text import ShortText, Text


class FieldValueError(ValueError):
    """A failed cross-field check, naming the field it concerns (relative to the model checked)."""

    def __init__(self, field: str | tuple[str | int, ...], message: str):
        super().__init__(message)
        self.field = tuple(field.split(".")) if isinstance(field, str) else field


AS_OF = "as_of"
"""Validation context key: the build date (fixed once per build, ``casebook.domain.clock.as_of_date``), which no
date of something that has happened may be after. Without it (a case built in code) dates
are not compared with it."""


def _not_in_future(info: ValidationInfo, **dates: dt.date | None) -> None:
    """Refuse the first of ``dates`` (field name → date) after the build date in ``info``'s context.

    Checked before anything else the model checks: a mistyped year (2091 for 2019) would
    otherwise first be reported as out of order with the other dates.
    """
    today = (info.context or {}).get(AS_OF)
    for name, day in dates.items():
        if today is not None and day is not None and day > today:
            raise PydanticCustomError(
                "not_in_future",
                "{problem}",
                {
                    "field": (name,),
                    "problem": f"{day.isoformat()} är efter byggdatum {today.isoformat()}: det som har hänt kan inte ha "
                    "ett datum i framtiden (fel årtal?)",
                },
            )


SCHEMA_VERSION = 4
"""The newest case file format; files of every earlier version stay valid.

Version 3 adds the optional ``follow_up`` section (payments, advance, final report, results).
Version 4 adds the optional ``narrative`` (the memo's text: description, aims, expected
results, motivation, summary assessment and recommendation, attachments, copies) and
``source_document.corrections``; ``decision.proposal`` may be left out (then it is written
from the figures, see :mod:`casebook.domain.wording`)."""
FOLLOW_UP_SINCE_VERSION = 3
NARRATIVE_SINCE_VERSION = 4
CASE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"


def _markdown_subset(text: str) -> str:
    try:
        return narrative.check(text)
    except narrative.MarkdownNotAllowed as exc:
        raise PydanticCustomError("markdown_subset", "{problem}", {"problem": str(exc)}) from None


MarkdownText = Annotated[Text, AfterValidator(_markdown_subset)]
"""Narrative text: Markdown within the subset of :mod:`casebook.domain.narrative`."""
Date = Annotated[dt.date, Strict()]
"""A date written as ÅÅÅÅ-MM-DD; strict, so a number is never read as a timestamp."""
Kronor = Annotated[StrictInt, Field(gt=0, le=10_000_000_000)]
"""Whole kronor, strictly positive, at most 10 billion (anything larger is a typing error)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FinancierKind(str, Enum):
    """What kind of money a financing-plan line is; decides how 5 § counts it."""

    NATIONAL_GRANT_2003_596 = "national_grant_2003_596"
    REGIONAL_GRANT_2003_596 = "regional_grant_2003_596"
    REGIONAL_PUBLIC = "regional_public"
    OWN_FUNDS = "own_funds"
    OTHER_PUBLIC = "other_public"
    EU_FUNDS = "eu_funds"
    PRIVATE = "private"

    @property
    def label(self) -> str:
        return FINANCIER_KIND_LABELS[self]

    @property
    def is_grant_under_ordinance(self) -> bool:
        return self in (FinancierKind.NATIONAL_GRANT_2003_596, FinancierKind.REGIONAL_GRANT_2003_596)

    @property
    def is_public(self) -> bool:
        return self is not FinancierKind.PRIVATE


FINANCIER_KIND_LABELS = {
    FinancierKind.NATIONAL_GRANT_2003_596: "Nationella medel enligt förordning (2003:596)",
    FinancierKind.REGIONAL_GRANT_2003_596: "Regionala 1:1-medel enligt förordning (2003:596)",
    FinancierKind.REGIONAL_PUBLIC: "Regional offentlig finansiering (ej angiven som 1:1-medel)",
    FinancierKind.OWN_FUNDS: "Projektägarens egna medel",
    FinancierKind.OTHER_PUBLIC: "Annan offentlig finansiering",
    FinancierKind.EU_FUNDS: "EU-medel",
    FinancierKind.PRIVATE: "Privat finansiering",
}


class Organisation(_Strict):
    name: ShortText
    organisation_number: OrganisationNumber | None = None


class Signatory(_Strict):
    name: ShortText
    title: ShortText


class FinancingLine(_Strict):
    financier: ShortText
    kind: FinancierKind
    amount: Kronor
    confirmed: StrictBool = False
    organisation_number: OrganisationNumber | None = None
    note: Text | None = None


class Dates(_Strict):
    application_received: Date
    project_start: Date
    project_end: Date
    final_report_due: Date | None = None
    decision: Date | None = None

    @model_validator(mode="after")
    def _project_ends_after_it_starts(self, info: ValidationInfo) -> Dates:
        _not_in_future(info, application_received=self.application_received, decision=self.decision)
        if self.project_end <= self.project_start:
            raise FieldValueError(
                "project_end",
                f"projektslut {self.project_end.isoformat()} måste vara efter projektstart {self.project_start.isoformat()}",
            )
        return self


class Advance(_Strict):
    """An advance payment (förskott, 11 §)."""

    amount: Kronor
    special_reasons: Text | None = None


class Decision(_Strict):
    share_percent: Annotated[Decimal, Field(gt=0, le=100, max_digits=8, decimal_places=4)]
    max_amount: Kronor
    appropriation: ShortText
    general_terms: ShortText
    conditional_on_other_financing: StrictBool
    proposal: list[Text] | None = Field(default=None, min_length=1)
    """The proposal's points as the memo writes them; when left out they are written from the
    figures (:func:`casebook.domain.wording.proposal_points`). A hand-written proposal must
    state the same share, maximum, decision-maker and project as the figures."""
    advance: Advance | None = None


class CaseState(str, Enum):
    """Where a case stands: the memo proposes, a body with the mandate decides or rejects."""

    PROPOSAL = "proposal"
    DECIDED = "decided"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {"proposal": "Förslag till beslut", "decided": "Beviljat", "rejected": "Avslaget"}[self.value]


class Status(_Strict):
    """Whether the case is a proposal, decided or rejected; the date is ``dates.decision``.

    ``decided_share_percent`` and ``decided_max_amount`` are recorded only where the
    decision differs from the memo's proposal.
    """

    state: CaseState
    decided_by: ShortText | None = None
    decision_reference: ShortText | None = None
    decided_share_percent: Annotated[Decimal, Field(gt=0, le=100, max_digits=8, decimal_places=4)] | None = None
    decided_max_amount: Kronor | None = None


class RuleSetId(str, Enum):
    """Rule sets a case can name; defined in ``casebook.domain.rules``."""

    ORDINANCE_2003_596 = "forordning-2003-596"
    STRATEGIC_PLANNING_CALL_2025 = "utlysning-strategisk-planering-2025"
    FOLLOW_UP = "uppfoljning"
    """Applies by itself to every case with a recorded follow-up (``casebook.domain.rules.follow_up``)."""


class AssessmentTopic(str, Enum):
    """Judgements an officer records in the memo, each tied to a paragraph of 2003:596."""

    SEPARATION_FROM_OPERATIONS = "separation_from_operations"  # 1 §
    STATE_AID = "state_aid"  # 2 §
    REGIONAL_STRATEGY = "regional_strategy"  # 3 §
    OPERATING_SUPPORT = "operating_support"  # 5 §
    BUSINESS_SUPPORT_MEASURES = "business_support_measures"  # 6 §
    COST_EFFECTIVENESS = "cost_effectiveness"


class Assessment(_Strict):
    topic: AssessmentTopic
    met: StrictBool
    text: Text
    assessed_by: ShortText
    source_section: ShortText | None = None


INDICATOR_LIMIT = 10**12
"""An indicator's target or outcome is at most a trillion (a count, kronor, hours); more is a typing error."""
IndicatorValue = Annotated[Decimal, Field(ge=0, le=INDICATOR_LIMIT, decimal_places=4)]


class Indicator(_Strict):
    name: ShortText
    target: IndicatorValue
    unit: ShortText
    kind: ShortText


class SourceCorrection(_Strict):
    """Where the case file differs from its source document on purpose: an error in the source.

    The case file keeps the right (computed or complete) value; this records what the source
    says, so that the difference is documented and shown, never silent.
    """

    source: Text
    """What the source document says, as written."""
    recorded: Text
    """What the case file records instead."""
    reason: Text
    """Why: the error, and how the recorded value was found."""


class SourceDocument(_Strict):
    title: ShortText
    file: ShortText | None = None
    url: ShortText | None = None
    corrections: list[SourceCorrection] = Field(default_factory=list)
    """Errors in the source document that the case file corrects (schema_version 4)."""


class Recommendation(str, Enum):
    """The memo's recommendation in its summary assessment ("föreslår vi bifall på ansökan")."""

    APPROVE = "bifall"
    PARTLY_APPROVE = "delvis_bifall"
    REJECT = "avslag"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Motivation(_Strict):
    """Beslutsmotivering in its three parts."""

    legal: MarkdownText | None = None
    economic: MarkdownText | None = None
    strategic: MarkdownText | None = None


class Narrative(_Strict):
    """The memo's text around the figures, each section optional Markdown (schema_version 4).

    In the memo's order: the case description (after the sentences written from the
    figures), the project's aims, the expected results in the short and the long term, the
    motivation in its three parts with the strategic context after the strategic part, the
    summary assessment and its recommendation; then what is attached and who gets a copy.
    """

    description: MarkdownText | None = None
    aims: MarkdownText | None = None
    expected_results_short_term: MarkdownText | None = None
    expected_results_long_term: MarkdownText | None = None
    motivation: Motivation | None = None
    strategic_context: MarkdownText | None = None
    summary_assessment: MarkdownText | None = None
    recommendation: Recommendation | None = None
    attachments: MarkdownText | None = None
    """What is attached to the case, such as "Ansökan finns bilagd i ärendet."."""
    copy_to: list[ShortText] = Field(default_factory=list)
    """Utdrag till: who receives a copy; the applicant when left empty."""


# --- Follow-up after the decision (schema_version 3) -------------------------------------

NonNegativeKronor = Annotated[StrictInt, Field(ge=0, le=10_000_000_000)]
"""Whole kronor, zero allowed (approved costs can be nil after review)."""
Percent = Annotated[Decimal, Field(gt=0, le=100, max_digits=8, decimal_places=4)]


def _follow_up_error(field: str | tuple[str | int, ...], problem: str) -> PydanticCustomError:
    """A follow-up error naming its field (``"a.b"`` or parts, positions 0-based); ``field_problems``
    joins it to the error's location."""
    parts = tuple(field.split(".")) if isinstance(field, str) else field
    return PydanticCustomError("follow_up_inconsistent", "{problem}", {"field": parts, "problem": problem})


class PaymentRequest(_Strict):
    """A payment request (utbetalningsbegäran) and its review; amounts are computed, never recorded."""

    period_start: Date
    period_end: Date
    received: Date
    reported_costs: NonNegativeKronor
    approved_costs: NonNegativeKronor | None = None
    """Costs approved after review; ``null`` while the request is being reviewed."""
    paid: Date | None = None
    """The day the payable amount was paid."""

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> PaymentRequest:
        _not_in_future(info, received=self.received, paid=self.paid)
        if self.period_end < self.period_start:
            raise _follow_up_error(
                "period_end", f"periodens slut {self.period_end} är före periodens början {self.period_start}"
            )
        if self.received < self.period_start:
            raise _follow_up_error(
                "received", f"begäran inkom {self.received}, före periodens början {self.period_start}"
            )
        if self.approved_costs is not None and self.approved_costs > self.reported_costs:
            raise _follow_up_error(
                "approved_costs",
                f"godkända kostnader {self.approved_costs} kr är mer än redovisade kostnader {self.reported_costs} kr",
            )
        if self.paid is not None and self.approved_costs is None:
            raise _follow_up_error(
                "paid", "utbetald men approved_costs saknas: en begäran betalas först efter granskning"
            )
        if self.paid is not None and self.paid < self.received:
            raise _follow_up_error("paid", f"utbetald {self.paid}, före den dag begäran inkom {self.received}")
        return self


class AdvanceSettlement(str, Enum):
    """How an advance is settled, as the general terms say."""

    AGAINST_PAYMENTS = "against_payments"
    """Counted against the payments that follow, until it is covered by approved costs."""


class AdvancePayment(_Strict):
    """The advance decided in ``decision.advance``, as paid; its amount is the decided one."""

    paid: Date
    settlement: AdvanceSettlement = AdvanceSettlement.AGAINST_PAYMENTS

    @model_validator(mode="after")
    def _paid_in_the_past(self, info: ValidationInfo) -> AdvancePayment:
        _not_in_future(info, paid=self.paid)
        return self


class FollowUpTerms(_Strict):
    """What the case's general terms say that the payment arithmetic needs.

    Recorded from the terms, never assumed: a field left out means the terms say nothing.
    """

    source: ShortText
    """Where in the general terms this is said (document and paragraph)."""
    withheld_until_final_report_percent: Percent | None = None
    """Part of the decided maximum paid only once the final report is received."""
    last_payment_request: Date | None = None
    """Last day a payment request may come in; after the project period only up to this day."""


class FinalReport(_Strict):
    received: Date | None = None
    approved: Date | None = None

    @model_validator(mode="after")
    def _approved_after_received(self, info: ValidationInfo) -> FinalReport:
        _not_in_future(info, received=self.received, approved=self.approved)
        if self.approved is not None and self.received is None:
            raise _follow_up_error("approved", "slutrapporten är godkänd men received (inkom) saknas")
        if self.approved is not None and self.received is not None and self.approved < self.received:
            raise _follow_up_error("approved", f"godkänd {self.approved}, före den dag den inkom {self.received}")
        return self


class IndicatorOutcome(_Strict):
    """The result reported for one of the case's ``indicators`` (named the same)."""

    indicator: ShortText
    outcome: IndicatorValue
    reported: Date

    @model_validator(mode="after")
    def _reported_in_the_past(self, info: ValidationInfo) -> IndicatorOutcome:
        _not_in_future(info, reported=self.reported)
        return self


class FollowUp(_Strict):
    """What happens after the decision: payments, advance, final report, results, closure."""

    terms: FollowUpTerms | None = None
    advance: AdvancePayment | None = None
    payment_requests: list[PaymentRequest] = Field(default_factory=list)
    final_report: FinalReport | None = None
    indicator_outcomes: list[IndicatorOutcome] = Field(default_factory=list)
    closed: Date | None = None
    """The day the case was closed (avslutat): nothing more is paid."""

    @model_validator(mode="after")
    def _closed_in_the_past(self, info: ValidationInfo) -> FollowUp:
        _not_in_future(info, closed=self.closed)
        return self


class Case(_Strict):
    """One application to one decision-maker, as recorded in its decision memo."""

    schema_version: StrictInt = Field(ge=1, le=SCHEMA_VERSION)
    id: Annotated[str, StringConstraints(pattern=CASE_ID_PATTERN)]
    title: ShortText
    reference: ShortText | None = None
    summary: Text
    decision_maker: Organisation
    applicant: Organisation
    partners: list[Organisation] = Field(default_factory=list)
    involved_agencies: list[ShortText] = Field(default_factory=list)
    rule_sets: list[RuleSetId] = Field(min_length=1)
    dates: Dates
    amount_applied_for: Kronor
    total_costs: Kronor | None = None
    stated_total_financing: Kronor | None = None
    """The plan's total as the memo states it, when it does: checked against the lines."""
    financing_plan: list[FinancingLine] = Field(min_length=1)
    decision: Decision
    status: Status | None = None
    """Absent in older files: then a case with a decision date is decided, else a proposal."""
    assessments: list[Assessment] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
    signatories: list[Signatory] = Field(default_factory=list)
    source_document: SourceDocument
    follow_up: FollowUp | None = None
    """Payments, advance, final report and results; only for decided cases (schema_version 3)."""
    narrative: Narrative | None = None
    """The memo's text: description, aims, expected results, motivation, recommendation (schema_version 4)."""

    @model_validator(mode="after")
    def _financing_plan_names_the_decision_maker_once(self) -> Case:
        own = [line for line in self.financing_plan if line.financier == self.decision_maker.name]
        if len(own) != 1:
            raise FieldValueError(
                "financing_plan",
                f"finansieringsplanen ska ha exakt en rad för beslutsfattaren "
                f"'{self.decision_maker.name}', har {len(own)}",
            )
        if self.stated_total_financing is not None:
            total = sum(line.amount for line in self.financing_plan)
            if total != self.stated_total_financing:
                raise FieldValueError(
                    "stated_total_financing",
                    f"finansieringsplanens rader summerar till {kronor(total)}, men stated_total_financing är "
                    f"{kronor(self.stated_total_financing)}",
                )
        self._status_is_consistent()
        counts = Counter(line.financier for line in self.financing_plan)
        duplicates = sorted(name for name, count in counts.items() if count > 1)
        if duplicates:
            raise FieldValueError("financing_plan", f"finansiären förekommer mer än en gång: {', '.join(duplicates)}")
        if self.follow_up is not None:
            _check_follow_up(self, self.follow_up)
        if self.schema_version < NARRATIVE_SINCE_VERSION:
            newer = [
                name
                for name, present in (
                    ("narrative", self.narrative is not None),
                    ("source_document.corrections", bool(self.source_document.corrections)),
                )
                if present
            ]
            if newer:
                raise FieldValueError(
                    newer[0], f"{newer[0]} kräver schema_version {NARRATIVE_SINCE_VERSION} eller senare"
                )
        return self

    def _status_is_consistent(self) -> None:
        status, decided_on = self.status, self.dates.decision
        if status is None:
            return
        if status.state is CaseState.PROPOSAL:
            recorded = [
                name
                for name in ("decided_by", "decision_reference", "decided_share_percent", "decided_max_amount")
                if getattr(status, name) is not None
            ]
            if decided_on is not None:
                raise FieldValueError(
                    "dates.decision",
                    "status.state är proposal men dates.decision har ett datum: ett förslag har inget beslutsdatum",
                )
            if recorded:
                raise FieldValueError(
                    "status",
                    f"status.state är proposal men beslutsuppgifter är ifyllda: status.{', status.'.join(recorded)}",
                )
            return
        if decided_on is None:
            raise FieldValueError(
                "dates.decision", f"status.state är {status.state.value}: dates.decision (beslutsdatum) ska anges"
            )
        if status.decided_by is None:
            raise FieldValueError(
                "status.decided_by",
                f"status.state är {status.state.value}: status.decided_by (vem som beslutade) ska anges",
            )
        if status.state is CaseState.REJECTED and (status.decided_share_percent or status.decided_max_amount):
            raise FieldValueError("status", "ett avslag har ingen beviljad andel eller beviljat maxbelopp")
        if decided_on < self.dates.application_received:
            raise FieldValueError(
                "dates.decision",
                f"beslutsdatum {decided_on.isoformat()} är före ansökningsdatum {self.dates.application_received.isoformat()}",
            )

    @property
    def state(self) -> CaseState:
        """The case's state; older files without ``status`` are decided when they have a decision date."""
        if self.status is not None:
            return self.status.state
        return CaseState.DECIDED if self.dates.decision is not None else CaseState.PROPOSAL

    @property
    def share_percent_in_force(self) -> Decimal:
        """The share that applies: the decided one where it differs, else the proposal's."""
        decided = self.status.decided_share_percent if self.status else None
        return decided if decided is not None else self.decision.share_percent

    @property
    def max_amount_in_force(self) -> int:
        """The maximum that applies: the decided one where it differs, else the proposal's."""
        decided = self.status.decided_max_amount if self.status else None
        return decided if decided is not None else self.decision.max_amount

    @property
    def own_line(self) -> FinancingLine:
        """The decision-maker's line of the financing plan (validated to exist once).

        Looked up once per case: renderers ask for it once per financing line, and a scan
        each time made a plan of 10 000 lines quadratic. The stored answer is checked
        against the plan and decision-maker it was found in, so a ``model_copy`` that
        replaces either gets a fresh lookup.
        """
        plan, decision_maker, line = self._own_line_lookup
        if plan is not self.financing_plan or decision_maker is not self.decision_maker:
            del self.__dict__["_own_line_lookup"]
            return self.own_line
        return line

    @cached_property
    def _own_line_lookup(self) -> tuple[list[FinancingLine], Organisation, FinancingLine]:
        line = next(line for line in self.financing_plan if line.financier == self.decision_maker.name)
        return self.financing_plan, self.decision_maker, line

    def assessment(self, topic: AssessmentTopic) -> Assessment | None:
        return next((a for a in self.assessments if a.topic is topic), None)


def _check_follow_up(case: Case, follow_up: FollowUp) -> None:
    """Follow-up facts that depend on the rest of the case; the first problem is raised."""
    decided_on = case.dates.decision
    if case.schema_version < FOLLOW_UP_SINCE_VERSION:
        raise _follow_up_error(
            "schema_version", f"follow_up kräver schema_version {FOLLOW_UP_SINCE_VERSION} eller senare"
        )
    if case.state is not CaseState.DECIDED or decided_on is None:
        raise _follow_up_error(
            "follow_up", f"uppföljning finns bara för beviljade ärenden; ärendet är {case.state.label.lower()}"
        )
    if follow_up.advance is not None:
        if case.decision.advance is None:
            raise _follow_up_error(
                "follow_up.advance", "förskott är utbetalt men decision.advance (beslutat förskott) saknas"
            )
        if follow_up.advance.paid < decided_on:
            raise _follow_up_error(
                "follow_up.advance.paid",
                f"förskottet betalades {follow_up.advance.paid}, före beslutsdatum {decided_on}",
            )
    previous: PaymentRequest | None = None
    for index, request in enumerate(follow_up.payment_requests):
        where: tuple[str | int, ...] = ("follow_up", "payment_requests", index)
        if request.paid is not None and request.paid < decided_on:
            raise _follow_up_error((*where, "paid"), f"utbetald {request.paid}, före beslutsdatum {decided_on}")
        if request.period_start < case.dates.project_start:
            raise _follow_up_error(
                (*where, "period_start"),
                f"perioden börjar {request.period_start}, före projektstart {case.dates.project_start}",
            )
        if previous is not None and request.period_start <= previous.period_end:
            raise _follow_up_error(
                (*where, "period_start"),
                f"perioden börjar {request.period_start} men föregående begäran täcker till {previous.period_end}",
            )
        previous = request
    names = [indicator.name for indicator in case.indicators]
    reported: set[str] = set()
    for index, outcome in enumerate(follow_up.indicator_outcomes):
        where = ("follow_up", "indicator_outcomes", index, "indicator")
        if outcome.indicator not in names:
            raise _follow_up_error(
                where, f"'{outcome.indicator}' finns inte bland ärendets indikatorer ({', '.join(names) or 'inga'})"
            )
        if outcome.indicator in reported:
            raise _follow_up_error(where, f"utfall för '{outcome.indicator}' är redan angivet")
        reported.add(outcome.indicator)
    report = follow_up.final_report
    if report is not None and report.received is not None and report.received < decided_on:
        raise _follow_up_error(
            "follow_up.final_report.received", f"slutrapporten inkom {report.received}, före beslutsdatum {decided_on}"
        )
    if follow_up.closed is not None:
        if follow_up.closed < decided_on:
            raise _follow_up_error("follow_up.closed", f"avslutat {follow_up.closed}, före beslutsdatum {decided_on}")
        unsettled = [i for i, r in enumerate(follow_up.payment_requests) if r.paid is None]
        if unsettled:
            raise _follow_up_error(
                ("follow_up", "payment_requests", unsettled[0], "paid"),
                "ärendet är avslutat (follow_up.closed) men begäran är inte utbetald",
            )
        late = [i for i, r in enumerate(follow_up.payment_requests) if r.paid is not None and r.paid > follow_up.closed]
        if late:
            raise _follow_up_error(
                ("follow_up", "payment_requests", late[0], "paid"),
                f"utbetald efter att ärendet avslutades {follow_up.closed}",
            )


def case_json_schema() -> dict[str, Any]:
    """The JSON Schema of the case file format, published in the book."""
    schema = Case.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"Ärendefil (casebook, schema_version {SCHEMA_VERSION})"
    return schema
