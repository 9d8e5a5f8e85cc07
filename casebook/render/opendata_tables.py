"""The open-data tables and their writers: CSV, typed JSON with its JSON Schema, and xlsx.

One column specification per table (:data:`DECISION_COLUMNS`, :data:`FINANCING_COLUMNS`,
:data:`PAYMENT_COLUMNS`), with the conditions a row's state sets (:class:`Condition`), drives
the CSV header, the typed JSON and its JSON Schema, the xlsx sheets and the Table Schemas of
the data package, so the files and their descriptions cannot drift apart.

Machine-readable files use plain numbers (whole kronor as integers, shares with a decimal
point) and ISO dates; Swedish formatting is for the pages only. Rows are sorted by case id
and plan order (payments: the advance, then the requests in case-file order), and every
timestamp comes from the case files' history (:class:`DataHistory`), so the same data give
the same bytes. The one value that depends on the day of the build is a followed-up case's
status (``follow_up_status``, judged as of ``follow_up_status_date``): the build passes its one
date (fixed once, :func:`casebook.domain.clock.as_of_date`) to the case pages and to the open data alike.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

if TYPE_CHECKING:  # openpyxl names its write-only sheet in a private module only
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from casebook.domain import clock, organisation_number
from casebook.domain.evaluation import EvaluatedCase
from casebook.domain.finance import FinancingShare
from casebook.domain.model import CASE_ID_PATTERN, CaseState, FinancierKind, Recommendation
from casebook.domain.payments import Stage, case_schedule, stage
from casebook.domain.reference import NationalAgency, RegionalActor
from casebook.domain.rules import Outcome
from casebook.render.zip_archive import stable_zip

SHARE_DECIMALS = Decimal("0.0001")
LICENSE_ID = "CC0-1.0"
LICENSE_URL = "http://creativecommons.org/publicdomain/zero/1.0/"
LICENSE_TITLE = "Creative Commons Zero v1.0 Universal (CC0 1.0)"
MAX_KRONOR = 10_000_000_000
"""The largest amount a case file accepts (:data:`casebook.domain.model.Kronor`)."""


@dataclass(frozen=True)
class Column:
    """One column of an open-data table, described once for every format.

    ``type`` is a Frictionless Table Schema type (``string``, ``integer``, ``number``,
    ``boolean``, ``date``); ``unit`` is shown in the Swedish description and kept as a
    field property for readers that look for it. ``minimum`` and ``maximum`` bound numbers;
    ``organisation_number`` marks a Swedish organisation number (its check digit is in the
    JSON Schema); ``build_day`` marks a value judged on the day of the build, not taken
    from the case file.
    """

    name: str
    type: str
    title: str
    description: str
    required: bool = False
    unit: str | None = None
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    organisation_number: bool = False
    build_day: bool = False

    @property
    def full_description(self) -> str:
        """The description with the unit and, for a build-day value, that it changes with the day."""
        text = self.description + (f" Enhet: {self.unit}." if self.unit else "")
        if self.build_day:
            text += " Byggdagsvärde: bedöms den dag webbplatsen byggs och kan ändras från dag till dag utan att ärendefilen ändras."
        return text


@dataclass(frozen=True)
class Condition:
    """What a row's state implies: a row whose ``column`` is ``value`` has every column in
    ``present`` filled, every column in ``absent`` empty and the values in ``fixed``."""

    column: str
    value: str
    present: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    fixed: tuple[tuple[str, object], ...] = ()

    def describe(self) -> str:
        """The condition in Swedish, for the Table Schema's description (which cannot express it)."""
        parts = []
        if self.present:
            parts.append("ifyllda: " + ", ".join(self.present))
        if self.absent:
            parts.append("tomma: " + ", ".join(self.absent))
        parts += [f"{column} = {value}" for column, value in self.fixed]
        return f"När {self.column} är {self.value}: " + "; ".join(parts) + "."


STATES = tuple(state.value for state in CaseState)
STAGES = tuple(s.value for s in Stage)
KINDS = tuple(kind.value for kind in FinancierKind)
RECOMMENDATIONS = tuple(r.value for r in Recommendation)
ORGANISATION_NUMBER_TEXT = (
    "Svenskt organisationsnummer NNNNNN-NNNN med giltig kontrollsiffra; tomt om det inte är känt. "
    "Från referensdata (med angiven källa) eller ärendefilen."
)


def _kronor(name: str, title: str, description: str, *, required: bool = False, positive: bool = False) -> Column:
    """A column of whole kronor: at least 0 (at least 1 and at most a case file's limit for an amount a case file states)."""
    return Column(
        name,
        "integer",
        title,
        description,
        required=required,
        unit="SEK",
        minimum=1 if positive else 0,
        maximum=MAX_KRONOR if positive else None,
    )


def _percent(name: str, title: str, description: str, *, required: bool = False) -> Column:
    return Column(name, "number", title, description, required=required, unit="procent", minimum=0, maximum=100)


def _count(name: str, title: str, description: str) -> Column:
    return Column(name, "integer", title, description, required=True, unit="antal", minimum=0)


DECISION_COLUMNS = (
    Column(
        "case_id",
        "string",
        "Ärende-id",
        "Ärendets id, samma som ärendefilens namn (data/cases/<id>.yaml). Nyckel som knyter ihop tabellerna.",
        required=True,
        pattern=CASE_ID_PATTERN,
    ),
    Column("title", "string", "Projekt", "Projektets namn enligt beslutsunderlaget.", required=True),
    Column("reference", "string", "Diarienummer", "Beslutsunderlagets diarienummer; tomt om det saknas."),
    Column(
        "status",
        "string",
        "Status",
        "proposal = förslag till beslut (inget beslut finns), decided = beviljat, rejected = avslaget.",
        required=True,
        enum=STATES,
    ),
    Column(
        "status_label",
        "string",
        "Status (text)",
        "Statusen i klartext: Förslag till beslut, Beviljat eller Avslaget.",
        required=True,
    ),
    Column(
        "follow_up_status",
        "string",
        "Status i uppföljningen",
        "Var ärendet står efter beslutet, bedömt på byggdagen (follow_up_status_date): proposal och rejected som i status; "
        "decided = beviljat, inget utbetalt eller ingen uppföljning registrerad; in_progress = pågår, förskott eller "
        "utbetalning gjord; final_report_due = projektet är slut och slutrapporten väntas; final_report_overdue = "
        "slutrapporten har inte kommit in och sista dag (final_report_due) har passerat; final_report_received = "
        "slutrapporten har kommit in men ärendet är inte avslutat; closed = avslutat. Ett ärende utan registrerad "
        "uppföljning kallas aldrig försenat.",
        required=True,
        enum=STAGES,
        build_day=True,
    ),
    Column(
        "follow_up_status_label",
        "string",
        "Status i uppföljningen (text)",
        "Statusen i uppföljningen i klartext, som på ärendets sida.",
        required=True,
        build_day=True,
    ),
    Column(
        "follow_up_status_date",
        "date",
        "Uppföljningsstatus per dag",
        "Dagen statusen i uppföljningen är bedömd (byggdagen, ÅÅÅÅ-MM-DD); tomt när ärendet inte registrerar uppföljning, "
        "eftersom statusen då inte beror på dagen.",
        build_day=True,
    ),
    Column("decision_date", "date", "Beslutsdatum", "Dagen då beslutet fattades (ÅÅÅÅ-MM-DD); tomt för ett förslag."),
    Column(
        "decided_by",
        "string",
        "Beslutat av",
        "Det organ eller den tjänsteperson som fattade beslutet; tomt för ett förslag.",
    ),
    Column(
        "decision_reference",
        "string",
        "Beslutets referens",
        "Beslutets diarienummer eller paragraf; tomt om det saknas.",
    ),
    Column("decision_maker", "string", "Beslutsfattare", "Organisationen som beslutar om bidraget.", required=True),
    Column(
        "decision_maker_organisation_number",
        "string",
        "Beslutsfattarens organisationsnummer",
        ORGANISATION_NUMBER_TEXT,
        organisation_number=True,
    ),
    Column("applicant", "string", "Projektägare", "Den som sökte och tar emot bidraget.", required=True),
    Column(
        "applicant_organisation_number",
        "string",
        "Projektägarens organisationsnummer",
        ORGANISATION_NUMBER_TEXT,
        organisation_number=True,
    ),
    Column("application_received", "date", "Ansökan inkom", "Dagen då ansökan kom in (ÅÅÅÅ-MM-DD).", required=True),
    Column("project_start", "date", "Projektstart", "Projektperiodens första dag (ÅÅÅÅ-MM-DD).", required=True),
    Column("project_end", "date", "Projektslut", "Projektperiodens sista dag (ÅÅÅÅ-MM-DD).", required=True),
    Column(
        "final_report_due", "date", "Slutrapport senast", "Sista dag för slutrapport (ÅÅÅÅ-MM-DD); tomt om det saknas."
    ),
    _kronor("amount_applied_for_sek", "Sökt belopp (kr)", "Sökt belopp i hela kronor.", required=True, positive=True),
    _kronor(
        "total_costs_sek",
        "Projektets kostnader (kr)",
        "Projektets totala kostnader enligt budgeten, i hela kronor; tomt om ärendefilen inte anger dem.",
        positive=True,
    ),
    _kronor(
        "total_financing_sek",
        "Total finansiering (kr)",
        "Summan av projektets finansieringsplan i hela kronor.",
        required=True,
        positive=True,
    ),
    _percent(
        "proposed_share_percent",
        "Föreslagen andel (%)",
        "Andel av redovisade och godkända kostnader enligt förslaget till beslut, i procent.",
        required=True,
    ),
    _kronor(
        "proposed_max_amount_sek",
        "Föreslaget högsta belopp (kr)",
        "Högsta belopp enligt förslaget till beslut, i hela kronor.",
        required=True,
        positive=True,
    ),
    _percent(
        "decided_share_percent",
        "Beviljad andel (%)",
        "Beviljad andel av redovisade och godkända kostnader, i procent; tomt om ärendet inte är beviljat.",
    ),
    _kronor(
        "decided_max_amount_sek",
        "Beviljat högsta belopp (kr)",
        "Beviljat högsta belopp i hela kronor; tomt om ärendet inte är beviljat.",
        positive=True,
    ),
    Column("appropriation", "string", "Anslag", "Det anslag bidraget betalas från.", required=True),
    Column(
        "conditional_on_other_financing",
        "boolean",
        "Villkorat av övrig finansiering",
        "true om beslutet gäller under förutsättning att övrig finansiering kommer in.",
        required=True,
    ),
    Column(
        "recommendation",
        "string",
        "Rekommendation",
        "Beslutsunderlagets rekommendation i den sammanfattande bedömningen: bifall, delvis_bifall eller avslag; "
        "tomt om underlaget inte anger någon.",
        enum=RECOMMENDATIONS,
    ),
    _count("rules_met", "Regler uppfyllda", "Antal regelkontroller med utfallet uppfyllt."),
    _count("rules_not_met", "Regler inte uppfyllda", "Antal regelkontroller med utfallet inte uppfyllt."),
    _count(
        "rules_missing_judgement",
        "Bedömning saknas",
        "Antal regelkontroller där ärendet inte registrerar handläggarens bedömning (inte ett konstaterat brott mot regeln).",
    ),
    _count("rules_to_review", "Regler att granska", "Antal regelkontroller som behöver granskas."),
    _count(
        "rules_officer_judgement",
        "Handläggarens bedömning",
        "Antal regelkontroller som vilar på handläggarens bedömning.",
    ),
    _count("rules_not_applicable", "Regler ej tillämpliga", "Antal regelkontroller som inte är tillämpliga."),
    Column(
        "case_file_sha256",
        "string",
        "Ärendefilens SHA-256",
        "Kontrollsumma för ärendefilen raden är beräknad från.",
        required=True,
        pattern=r"^[0-9a-f]{64}$",
    ),
)

DECIDED_FIELDS = ("decided_share_percent", "decided_max_amount_sek")
DECISION_CONDITIONS = (
    Condition(
        "status",
        "proposal",
        absent=("decision_date", "decided_by", "decision_reference", *DECIDED_FIELDS),
        fixed=(("follow_up_status", "proposal"),),
    ),
    Condition("status", "decided", present=("decision_date", *DECIDED_FIELDS)),
    Condition(
        "status",
        "rejected",
        present=("decision_date", "decided_by"),
        absent=DECIDED_FIELDS,
        fixed=(("follow_up_status", "rejected"),),
    ),
)

FINANCING_COLUMNS = (
    Column(
        "case_id",
        "string",
        "Ärende-id",
        "Ärendets id; hänvisar till case_id i beslut.csv.",
        required=True,
        pattern=CASE_ID_PATTERN,
    ),
    Column("line", "integer", "Rad", "Radens nummer i finansieringsplanen, från 1.", required=True, minimum=1),
    Column("financier", "string", "Finansiär", "Finansiärens namn enligt finansieringsplanen.", required=True),
    Column("kind", "string", "Typ av medel", "Vilket slags pengar raden är (kod).", required=True, enum=KINDS),
    Column("kind_label", "string", "Typ av medel (text)", "Typen av medel i klartext.", required=True),
    _kronor(
        "amount_sek",
        "Belopp (kr)",
        "Finansiärens belopp enligt planen, i hela kronor. Planerade pengar, inte beviljade, om inte confirmed är true.",
        required=True,
        positive=True,
    ),
    _percent(
        "share_percent",
        "Andel (%)",
        "Beloppets andel av den totala finansieringen, i procent med fyra decimaler.",
        required=True,
    ),
    Column(
        "confirmed", "boolean", "Bekräftad", "true om finansieringen är bekräftad enligt underlaget.", required=True
    ),
    Column(
        "is_decision_maker", "boolean", "Beslutsfattarens rad", "true för beslutsfattarens egen rad.", required=True
    ),
    Column(
        "organisation_number",
        "string",
        "Organisationsnummer",
        "Finansiärens organisationsnummer. " + ORGANISATION_NUMBER_TEXT,
        organisation_number=True,
    ),
)


PAYMENT_KIND_LABELS = {"advance": "Förskott", "payment_request": "Utbetalningsbegäran"}

PAYMENT_COLUMNS = (
    Column(
        "case_id",
        "string",
        "Ärende-id",
        "Ärendets id; hänvisar till case_id i beslut.csv.",
        required=True,
        pattern=CASE_ID_PATTERN,
    ),
    Column(
        "number",
        "integer",
        "Nummer",
        "Utbetalningsbegärans nummer i ärendefilen, från 1; 0 för förskottet.",
        required=True,
        minimum=0,
    ),
    Column(
        "kind",
        "string",
        "Slag",
        "advance = förskott (11 § förordning 2003:596), payment_request = utbetalningsbegäran.",
        required=True,
        enum=tuple(PAYMENT_KIND_LABELS),
    ),
    Column(
        "kind_label", "string", "Slag (text)", "Slaget i klartext: Förskott eller Utbetalningsbegäran.", required=True
    ),
    Column(
        "period_start", "date", "Period från", "Redovisningsperiodens första dag (ÅÅÅÅ-MM-DD); tomt för förskottet."
    ),
    Column("period_end", "date", "Period till", "Redovisningsperiodens sista dag (ÅÅÅÅ-MM-DD); tomt för förskottet."),
    Column("received", "date", "Inkom", "Dagen begäran kom in (ÅÅÅÅ-MM-DD); tomt för förskottet."),
    _kronor(
        "reported_costs_sek",
        "Redovisade kostnader (kr)",
        "Kostnader som projektägaren redovisade i begäran, i hela kronor; tomt för förskottet.",
    ),
    _kronor(
        "approved_costs_sek",
        "Godkända kostnader (kr)",
        "Kostnader som godkändes efter granskning, i hela kronor; tomt för förskottet och medan begäran granskas.",
    ),
    _kronor(
        "cumulative_approved_sek",
        "Godkända kostnader hittills (kr)",
        "Godkända kostnader i denna och alla tidigare begäranden, i hela kronor; tomt för förskottet och medan begäran granskas.",
    ),
    _percent(
        "share_percent",
        "Beviljad andel (%)",
        "Beviljad andel av redovisade och godkända kostnader, i procent, som i beslutet.",
        required=True,
    ),
    _kronor(
        "entitled_sek",
        "Rätt till hittills (kr)",
        "Beviljad andel × godkända kostnader hittills, avrundat nedåt till hela kronor, högst beviljat högsta belopp; "
        "tomt för förskottet och medan begäran granskas.",
    ),
    _kronor(
        "ceiling_sek",
        "Tak vid begäran (kr)",
        "Det mesta som får vara utbetalt sammanlagt när begäran betalas: beviljat högsta belopp, minus det som "
        "enligt de allmänna villkoren hålls inne tills slutrapporten har kommit in; för förskottet beviljat högsta belopp. "
        "Tomt medan begäran granskas.",
    ),
    _kronor(
        "paid_before_sek",
        "Att betala före (kr)",
        "Förskottet och det som tidigare granskade begäranden ger att betala, utbetalt eller inte ännu, i hela kronor; "
        "för förskottet 0. Tomt medan begäran granskas.",
    ),
    _kronor(
        "payable_sek",
        "Att betala (kr)",
        "Att betala för begäran: det minsta av rätt till hittills och taket, minus utbetalt före, aldrig under 0; "
        "för förskottet dess belopp. Tomt medan begäran granskas.",
    ),
    Column("paid_date", "date", "Utbetald", "Dagen beloppet betalades ut (ÅÅÅÅ-MM-DD); tomt om det inte är utbetalt."),
)

PAYMENT_CONDITIONS = (
    Condition(
        "kind",
        "advance",
        present=("ceiling_sek", "paid_before_sek", "payable_sek", "paid_date"),
        absent=(
            "period_start",
            "period_end",
            "received",
            "reported_costs_sek",
            "approved_costs_sek",
            "cumulative_approved_sek",
            "entitled_sek",
        ),
        fixed=(("number", 0), ("paid_before_sek", 0)),
    ),
    Condition("kind", "payment_request", present=("period_start", "period_end", "received", "reported_costs_sek")),
)


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    conditions: tuple[Condition, ...] = ()


DECISIONS = Table(
    "beslut",
    "Beslut",
    "Alla ärenden, en rad per ärende: status, belopp, datum och regelutfall.",
    DECISION_COLUMNS,
    ("case_id",),
    DECISION_CONDITIONS,
)
FINANCING = Table(
    "finansieringsplaner",
    "Finansieringsplaner",
    "Alla finansieringsplaner, en rad per finansiär och ärende.",
    FINANCING_COLUMNS,
    ("case_id", "line"),
)
PAYMENTS = Table(
    "utbetalningar",
    "Utbetalningar",
    "Förskott och utbetalningsbegäranden i beviljade ärenden som registrerar uppföljning, en rad per förskott "
    "eller begäran, med beräkningen av varje utbetalning.",
    PAYMENT_COLUMNS,
    ("case_id", "number"),
    PAYMENT_CONDITIONS,
)
TABLES = (DECISIONS, FINANCING, PAYMENTS)


# --- Organisation numbers --------------------------------------------------------------------


class OrganisationNumbers:
    """The organisation number of every organisation named in the cases, where one is known.

    The reference data come first (every number there names its source); then the case
    files, the first case by id that states a number for the name. Every table and every
    format looks numbers up here, so an organisation has the same number everywhere.
    """

    def __init__(
        self,
        reports: Iterable[EvaluatedCase],
        actors: Iterable[RegionalActor] = (),
        agencies: Iterable[NationalAgency] = (),
    ):
        self._numbers: dict[str, str] = {}
        for organisation in (*actors, *agencies):
            if organisation.organisation_number:
                for name in organisation.names:
                    self._numbers[name] = organisation.organisation_number
        for report in sorted(reports, key=lambda r: r.case.id):
            case = report.case
            stated = [
                (org.name, org.organisation_number) for org in (case.decision_maker, case.applicant, *case.partners)
            ]
            stated += [(line.financier, line.organisation_number) for line in case.financing_plan]
            for name, number in stated:
                if number:
                    self._numbers.setdefault(name, number)

    def get(self, name: str) -> str | None:
        return self._numbers.get(name)


def _share(s: FinancingShare) -> Decimal:
    return s.share.quantize(SHARE_DECIMALS)


def decision_rows(reports: list[EvaluatedCase], numbers: OrganisationNumbers, today: dt.date) -> list[dict]:
    """One typed row per case: ints, ``Decimal`` shares, booleans, ISO dates and ``None``.

    The follow-up status is judged on ``today``: the build date, the one its case pages are judged on.
    """
    rows = []
    for r in reports:
        case, f = r.case, r.figures
        counts = Counter(result.outcome for result in r.results)
        status = case.status
        decided = case.state is CaseState.DECIDED
        current = stage(case, today)
        rows.append(
            {
                "case_id": case.id,
                "title": case.title,
                "reference": case.reference,
                "status": case.state.value,
                "status_label": case.state.label,
                "follow_up_status": current.value,
                "follow_up_status_label": current.label,
                "follow_up_status_date": today.isoformat() if case.follow_up is not None else None,
                "decision_date": case.dates.decision.isoformat() if case.dates.decision else None,
                "decided_by": status.decided_by if status else None,
                "decision_reference": status.decision_reference if status else None,
                "decision_maker": case.decision_maker.name,
                "decision_maker_organisation_number": numbers.get(case.decision_maker.name),
                "applicant": case.applicant.name,
                "applicant_organisation_number": numbers.get(case.applicant.name),
                "application_received": case.dates.application_received.isoformat(),
                "project_start": case.dates.project_start.isoformat(),
                "project_end": case.dates.project_end.isoformat(),
                "final_report_due": case.dates.final_report_due.isoformat() if case.dates.final_report_due else None,
                "amount_applied_for_sek": case.amount_applied_for,
                "total_costs_sek": case.total_costs,
                "total_financing_sek": f.total_financing,
                "proposed_share_percent": case.decision.share_percent,
                "proposed_max_amount_sek": case.decision.max_amount,
                "decided_share_percent": case.share_percent_in_force if decided else None,
                "decided_max_amount_sek": case.max_amount_in_force if decided else None,
                "appropriation": case.decision.appropriation,
                "conditional_on_other_financing": case.decision.conditional_on_other_financing,
                "recommendation": case.narrative.recommendation.value
                if case.narrative and case.narrative.recommendation
                else None,
                "rules_met": counts[Outcome.MET],
                "rules_not_met": counts[Outcome.NOT_MET],
                "rules_missing_judgement": counts[Outcome.MISSING_JUDGEMENT],
                "rules_to_review": counts[Outcome.REVIEW],
                "rules_officer_judgement": counts[Outcome.JUDGEMENT],
                "rules_not_applicable": counts[Outcome.NOT_APPLICABLE],
                "case_file_sha256": r.source_sha256,
            }
        )
    return rows


def financing_rows(reports: list[EvaluatedCase], numbers: OrganisationNumbers) -> list[dict]:
    """One typed row per financing-plan line, in plan order."""
    rows = []
    for r in reports:
        for position, s in enumerate(r.figures.shares, start=1):
            rows.append(
                {
                    "case_id": r.case.id,
                    "line": position,
                    "financier": s.financier,
                    "kind": s.line.kind.value,
                    "kind_label": s.line.kind.label,
                    "amount_sek": s.amount,
                    "share_percent": _share(s),
                    "confirmed": s.line.confirmed,
                    "is_decision_maker": s.line is r.case.own_line,
                    "organisation_number": numbers.get(s.financier),
                }
            )
    return rows


def payment_rows(reports: list[EvaluatedCase]) -> list[dict]:
    """One typed row per advance and payment request of every case that records a follow-up.

    The amounts are those of :func:`casebook.domain.payments.case_schedule`; a request still
    under review has its costs as reported and no computed amounts.
    """
    rows = []
    for r in reports:
        case = r.case
        schedule = case_schedule(case)
        if schedule is None:
            continue
        share = case.share_percent_in_force
        empty = dict.fromkeys(c.name for c in PAYMENT_COLUMNS)
        if schedule.advance:
            rows.append(
                empty
                | {
                    "case_id": case.id,
                    "number": 0,
                    "kind": "advance",
                    "kind_label": PAYMENT_KIND_LABELS["advance"],
                    "share_percent": share,
                    "ceiling_sek": schedule.max_amount,
                    "paid_before_sek": 0,
                    "payable_sek": schedule.advance,
                    "paid_date": case.follow_up.advance.paid.isoformat(),
                }
            )
        lines = {line.number: line for line in schedule.lines}
        for number, request in enumerate(case.follow_up.payment_requests, start=1):
            row = empty | {
                "case_id": case.id,
                "number": number,
                "kind": "payment_request",
                "kind_label": PAYMENT_KIND_LABELS["payment_request"],
                "period_start": request.period_start.isoformat(),
                "period_end": request.period_end.isoformat(),
                "received": request.received.isoformat(),
                "reported_costs_sek": request.reported_costs,
                "approved_costs_sek": request.approved_costs,
                "share_percent": share,
                "paid_date": request.paid.isoformat() if request.paid else None,
            }
            line = lines.get(number)  # None while the request is under review
            if line is not None:
                row |= {
                    "cumulative_approved_sek": line.cumulative_approved,
                    "entitled_sek": line.entitled,
                    "ceiling_sek": line.ceiling,
                    "paid_before_sek": line.paid_before,
                    "payable_sek": line.payable,
                }
            rows.append(row)
    return rows


# --- Spreadsheet formula injection ---------------------------------------------------------

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
"""Characters that make a spreadsheet read a cell as a formula: OWASP's CSV injection list
(=, +, -, @, tab, carriage return) and the null character of OWASP ASVS 5.0 (V1.2.10)."""


def needs_guard(value: str) -> bool:
    """Whether a spreadsheet would read ``value`` as a formula."""
    return value.startswith(FORMULA_TRIGGERS)


def inert_text(value: str) -> str:
    """Text for a CSV file, which has no cell types: a leading formula character gets a ``'``
    before it, so that a spreadsheet shows the text (OWASP's advice for CSV).

    Only text is changed; numbers and dates are never text here, so amounts stay numeric.
    The xlsx needs no such change: its text cells hold the exact text (:func:`xlsx_bytes`).
    """
    return "'" + value if needs_guard(value) else value


# --- Writers -------------------------------------------------------------------------------


def csv_text(rows: list[dict], columns: tuple[Column, ...]) -> str:
    """CSV (UTF-8, comma, ``\\n``): empty for null, ``true``/``false``, decimal point, inert text.

    A field with a line break of either kind (``\\n`` or ``\\r``) is quoted: Python's writer
    quotes only the characters of its line terminator, so each row is written with ``\\r\\n``,
    which ends in ``\\n`` once its ``\\r`` is dropped.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    lines = []
    for values in ([c.name for c in columns], *([_csv_value(row[c.name]) for c in columns] for row in rows)):
        writer.writerow(values)
        lines.append(buffer.getvalue().removesuffix("\r\n") + "\n")
        buffer.seek(0)
        buffer.truncate()
    return "".join(lines)


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return inert_text(value)
    return value


def typed_json(rows: list[dict]) -> list[dict]:
    """Rows as JSON values: numbers (shares as JSON numbers), booleans and ``null``."""
    return [{k: _json_value(v) for k, v in row.items()} for row in rows]


def _json_value(value: object) -> object:
    # A share has at most four decimals: its shortest float repr is the same decimal text.
    return float(value) if isinstance(value, Decimal) else value


JSON_TYPES = {"string": "string", "date": "string", "integer": "integer", "number": "number", "boolean": "boolean"}
ORGANISATION_NUMBER_DEF = "organisation_number"


def _json_property(c: Column) -> dict:
    prop: dict = {"title": c.title, "description": c.full_description}
    if c.organisation_number:
        number = {"$ref": f"#/$defs/{ORGANISATION_NUMBER_DEF}"}
        return prop | (number if c.required else {"anyOf": [number, {"type": "null"}]})
    json_type = JSON_TYPES[c.type]
    prop["type"] = json_type if c.required else [json_type, "null"]
    if c.type == "date":
        prop["format"] = "date"
    if c.enum:
        prop["enum"] = list(c.enum) if c.required else [*c.enum, None]
    if c.pattern:
        prop["pattern"] = c.pattern
    if c.minimum is not None:
        prop["minimum"] = c.minimum
    if c.maximum is not None:
        prop["maximum"] = c.maximum
    return prop


def _json_condition(condition: Condition) -> dict:
    then: dict = {name: {"not": {"type": "null"}} for name in condition.present}
    then |= {name: {"type": "null"} for name in condition.absent}
    then |= {name: {"const": value} for name, value in condition.fixed}
    return {
        "description": condition.describe(),
        "if": {"properties": {condition.column: {"const": condition.value}}, "required": [condition.column]},
        "then": {"properties": then},
    }


def json_schema_for(table: Table) -> dict:
    """A JSON Schema (2020-12) for the typed JSON rows of ``table``: the same columns, types,
    bounds, codes and patterns as its Table Schema, the organisation numbers' check digit and
    the conditions a row's state sets."""
    item: dict = {
        "type": "object",
        "properties": {c.name: _json_property(c) for c in table.columns},
        "required": [c.name for c in table.columns],
        "additionalProperties": False,
    }
    if table.conditions:
        item["allOf"] = [_json_condition(c) for c in table.conditions]
    schema: dict = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{table.title} (typad JSON)",
        "description": table.description,
        "type": "array",
        "items": item,
    }
    if any(c.organisation_number for c in table.columns):
        schema["$defs"] = {ORGANISATION_NUMBER_DEF: organisation_number.json_schema()}
    return schema


XLSX_NUMBER_FORMATS = {"SEK": "#,##0", "procent": "0.00##"}
XLSX_DATE_FORMAT = "yyyy-mm-dd"


def xlsx_bytes(sheets: list[tuple[Table, list[dict]]], modified: dt.datetime) -> bytes:
    """An Excel workbook with one sheet per table: numbers as numbers with a number format,
    dates as date cells shown ÅÅÅÅ-MM-DD, and text as text cells holding the exact text.

    Text a spreadsheet would read as a formula (:func:`needs_guard`) is a text cell with
    Excel's quote-prefix style: shown and kept as text, with nothing added to the value.
    (openpyxl itself would store text starting with ``=`` as a formula, so the cell type is
    set explicitly.) The workbook's dates and the zip entries' timestamps are fixed, so the
    bytes are the same for the same data.
    """
    # Write-only: each row is written as it is appended, not kept as cell objects to be
    # written at the end (the same workbook: 0,88 → 0,74 s at 1 000 cases).
    workbook = Workbook(write_only=True)
    for table, rows in sheets:
        sheet = workbook.create_sheet(table.title)
        sheet.freeze_panes = "A2"
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(12, min(50, len(column.title) + 2))
        sheet.append([c.title for c in table.columns])
        formats = [
            XLSX_DATE_FORMAT if column.type == "date" else XLSX_NUMBER_FORMATS.get(column.unit or "")
            for column in table.columns
        ]
        for row in rows:
            sheet.append([_xlsx_cell(sheet, c, row[c.name], f) for c, f in zip(table.columns, formats, strict=True)])
    naive = modified.astimezone(dt.UTC).replace(tzinfo=None)
    workbook.properties.created = naive
    workbook.properties.modified = naive
    workbook.properties.creator = "casebook"
    buffer = io.BytesIO()
    # ExcelWriter rather than Workbook.save, which stamps the current time as "modified".
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return stable_zip(buffer.getvalue())


def _xlsx_cell(sheet: WriteOnlyWorksheet, column: Column, value: object, number_format: str | None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, _xlsx_value(column, value))
    if isinstance(cell.value, str):
        cell.data_type = "s"  # never a formula
        cell.quotePrefix = needs_guard(cell.value)
    elif number_format and cell.value is not None:
        # Excel shows these codes with the reader's own separators: 6 200 285 and 12,10 in Swedish.
        cell.number_format = number_format
    return cell


def _xlsx_value(column: Column, value: object) -> object:
    if value is None or isinstance(value, bool):
        return value
    if column.type == "date":
        return dt.date.fromisoformat(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def json_text(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --- When the data changed -------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFileTimes:
    """When a case file was first added and last changed."""

    created: dt.datetime
    modified: dt.datetime


@dataclass(frozen=True)
class DataHistory:
    """When each case file was added and last changed, and how many changes the case files have had.

    The build takes it from git (:mod:`casebook.engine.data_history`): the commits that
    changed each case file; a file with changes not yet committed counts as changed at its
    modification time. Every date the open data state comes from here, never from the clock,
    so a rebuild of unchanged data gives the same files, and a change to one case file
    changes the dates of that case's records only.
    """

    cases: Mapping[str, CaseFileTimes]
    revisions: int
    """Commits that changed a case file, plus one when some change is not yet committed."""

    def modified(self, case_ids: Iterable[str] | None = None) -> dt.datetime:
        """The newest change of the given cases (of all without ``case_ids``)."""
        return max(self.cases[i].modified for i in (self.cases if case_ids is None else case_ids))

    def created(self, case_ids: Iterable[str] | None = None) -> dt.datetime:
        """The earliest addition of the given cases (of all without ``case_ids``)."""
        return min(self.cases[i].created for i in (self.cases if case_ids is None else case_ids))

    @classmethod
    def from_files(cls, reports: list[EvaluatedCase]) -> DataHistory:
        """Without git: each case file's modification time (``SOURCE_DATE_EPOCH`` instead when set), one revision."""
        times = {r.case.id: file_time(r.source) for r in reports}
        return cls({case_id: CaseFileTimes(t, t) for case_id, t in times.items()}, 1)


def file_time(path: Path) -> dt.datetime:
    """A file's modification time in whole seconds, UTC; ``SOURCE_DATE_EPOCH`` fixes it for reproducible builds."""
    return clock.fixed_moment() or dt.datetime.fromtimestamp(int(path.stat().st_mtime), dt.UTC)


def iso_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


# --- The published files -------------------------------------------------------------------


@dataclass(frozen=True)
class OpenDataFile:
    """One published file, described for the open-data page, the data package and the DCAT catalogue.

    ``name`` is its path under ``data/``; ``format`` the EU file-type authority code the
    catalogue states (``None`` for the per-case files, which only the data package lists).
    """

    name: str
    format: str | None
    media_type: str
    title: str
    description: str
