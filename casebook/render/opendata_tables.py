"""The open-data tables and their writers: CSV, typed JSON with its JSON Schema, and xlsx.

One column specification per table (:data:`DECISION_COLUMNS`, :data:`FINANCING_COLUMNS`,
:data:`PAYMENT_COLUMNS`) drives the CSV header, the typed JSON and its JSON Schema, the xlsx
sheets and the Table Schemas of the data package, so the files and their descriptions cannot
drift apart.

Machine-readable files use plain numbers (whole kronor as integers, shares with a decimal
point) and ISO dates; Swedish formatting is for the pages only. Rows are sorted by case id
and plan order (payments: the advance, then the requests in case-file order), and every
timestamp comes from ``modified``, so the same data and the same ``modified`` always give the
same bytes. The one value that depends on the day of the build is a followed-up case's
status (``follow_up_status``, judged as of ``follow_up_status_date``): the case pages judge
it on the same day (:func:`casebook.domain.payments.as_of_date`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import zipfile
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from casebook.domain.evaluation import EvaluatedCase
from casebook.domain.finance import FinancingShare
from casebook.domain.model import CaseState, FinancierKind, Recommendation
from casebook.domain.payments import Stage, as_of_date, case_schedule, stage
from casebook.domain.rules import Outcome

SHARE_DECIMALS = Decimal("0.0001")
LICENSE_ID = "CC0-1.0"
LICENSE_URL = "http://creativecommons.org/publicdomain/zero/1.0/"
LICENSE_TITLE = "Creative Commons Zero v1.0 Universal (CC0 1.0)"


@dataclass(frozen=True)
class Column:
    """One column of an open-data table, described once for every format.

    ``type`` is a Frictionless Table Schema type (``string``, ``integer``, ``number``,
    ``boolean``, ``date``); ``unit`` is shown in the Swedish description and kept as a
    field property for readers that look for it.
    """

    name: str
    type: str
    title: str
    description: str
    required: bool = False
    unit: str | None = None
    enum: tuple[str, ...] | None = None
    pattern: str | None = None


ORG_NR = r"^\d{6}-\d{4}$"
STATES = tuple(state.value for state in CaseState)
STAGES = tuple(s.value for s in Stage)
KINDS = tuple(kind.value for kind in FinancierKind)
RECOMMENDATIONS = tuple(r.value for r in Recommendation)

DECISION_COLUMNS = (
    Column("case_id", "string", "Ärende-id", "Ärendets id, samma som ärendefilens namn (data/cases/<id>.yaml). Nyckel som knyter ihop tabellerna.", required=True, pattern=r"^[a-z0-9][a-z0-9-]{0,63}$"),
    Column("title", "string", "Projekt", "Projektets namn enligt beslutsunderlaget.", required=True),
    Column("reference", "string", "Diarienummer", "Beslutsunderlagets diarienummer; tomt om det saknas."),
    Column("status", "string", "Status", "proposal = förslag till beslut (inget beslut finns), decided = beviljat, rejected = avslaget.", required=True, enum=STATES),
    Column("status_label", "string", "Status (text)", "Statusen i klartext: Förslag till beslut, Beviljat eller Avslaget.", required=True),
    Column("follow_up_status", "string", "Status i uppföljningen",
           "Var ärendet står efter beslutet, bedömt på byggdagen (follow_up_status_date): proposal och rejected som i status; "
           "decided = beviljat, inget utbetalt eller ingen uppföljning registrerad; in_progress = pågår, förskott eller "
           "utbetalning gjord; final_report_due = projektet är slut och slutrapporten väntas; final_report_overdue = "
           "slutrapporten har inte kommit in och sista dag (final_report_due) har passerat; final_report_received = "
           "slutrapporten har kommit in men ärendet är inte avslutat; closed = avslutat. Ett ärende utan registrerad "
           "uppföljning kallas aldrig försenat.", required=True, enum=STAGES),
    Column("follow_up_status_label", "string", "Status i uppföljningen (text)", "Statusen i uppföljningen i klartext, som på ärendets sida.", required=True),
    Column("follow_up_status_date", "date", "Uppföljningsstatus per dag",
           "Dagen statusen i uppföljningen är bedömd (byggdagen, ÅÅÅÅ-MM-DD); tomt när ärendet inte registrerar uppföljning, "
           "eftersom statusen då inte beror på dagen."),
    Column("decision_date", "date", "Beslutsdatum", "Dagen då beslutet fattades (ÅÅÅÅ-MM-DD); tomt för ett förslag."),
    Column("decided_by", "string", "Beslutat av", "Det organ eller den tjänsteperson som fattade beslutet; tomt för ett förslag."),
    Column("decision_reference", "string", "Beslutets referens", "Beslutets diarienummer eller paragraf; tomt om det saknas."),
    Column("decision_maker", "string", "Beslutsfattare", "Organisationen som beslutar om bidraget.", required=True),
    Column("decision_maker_organisation_number", "string", "Beslutsfattarens organisationsnummer", "NNNNNN-NNNN; tomt om det inte är känt.", pattern=ORG_NR),
    Column("applicant", "string", "Projektägare", "Den som sökte och tar emot bidraget.", required=True),
    Column("applicant_organisation_number", "string", "Projektägarens organisationsnummer", "NNNNNN-NNNN; tomt om det inte är känt.", pattern=ORG_NR),
    Column("application_received", "date", "Ansökan inkom", "Dagen då ansökan kom in (ÅÅÅÅ-MM-DD).", required=True),
    Column("project_start", "date", "Projektstart", "Projektperiodens första dag (ÅÅÅÅ-MM-DD).", required=True),
    Column("project_end", "date", "Projektslut", "Projektperiodens sista dag (ÅÅÅÅ-MM-DD).", required=True),
    Column("final_report_due", "date", "Slutrapport senast", "Sista dag för slutrapport (ÅÅÅÅ-MM-DD); tomt om det saknas."),
    Column("amount_applied_for_sek", "integer", "Sökt belopp (kr)", "Sökt belopp i hela kronor.", required=True, unit="SEK"),
    Column("total_financing_sek", "integer", "Total finansiering (kr)", "Summan av projektets finansieringsplan i hela kronor.", required=True, unit="SEK"),
    Column("proposed_share_percent", "number", "Föreslagen andel (%)", "Andel av redovisade och godkända kostnader enligt förslaget till beslut, i procent.", required=True, unit="procent"),
    Column("proposed_max_amount_sek", "integer", "Föreslaget högsta belopp (kr)", "Högsta belopp enligt förslaget till beslut, i hela kronor.", required=True, unit="SEK"),
    Column("decided_share_percent", "number", "Beviljad andel (%)", "Beviljad andel av redovisade och godkända kostnader, i procent; tomt om ärendet inte är beviljat.", unit="procent"),
    Column("decided_max_amount_sek", "integer", "Beviljat högsta belopp (kr)", "Beviljat högsta belopp i hela kronor; tomt om ärendet inte är beviljat.", unit="SEK"),
    Column("appropriation", "string", "Anslag", "Det anslag bidraget betalas från.", required=True),
    Column("conditional_on_other_financing", "boolean", "Villkorat av övrig finansiering", "true om beslutet gäller under förutsättning att övrig finansiering kommer in.", required=True),
    Column("recommendation", "string", "Rekommendation", "Beslutsunderlagets rekommendation i den sammanfattande bedömningen: bifall, delvis_bifall eller avslag; tomt om underlaget inte anger någon.", enum=RECOMMENDATIONS),
    Column("rules_met", "integer", "Regler uppfyllda", "Antal regelkontroller med utfallet uppfyllt.", required=True, unit="antal"),
    Column("rules_not_met", "integer", "Regler inte uppfyllda", "Antal regelkontroller med utfallet inte uppfyllt.", required=True, unit="antal"),
    Column("rules_missing_judgement", "integer", "Bedömning saknas", "Antal regelkontroller där ärendet inte registrerar handläggarens bedömning (inte ett konstaterat brott mot regeln).", required=True, unit="antal"),
    Column("rules_to_review", "integer", "Regler att granska", "Antal regelkontroller som behöver granskas.", required=True, unit="antal"),
    Column("rules_officer_judgement", "integer", "Handläggarens bedömning", "Antal regelkontroller som vilar på handläggarens bedömning.", required=True, unit="antal"),
    Column("rules_not_applicable", "integer", "Regler ej tillämpliga", "Antal regelkontroller som inte är tillämpliga.", required=True, unit="antal"),
    Column("case_file_sha256", "string", "Ärendefilens SHA-256", "Kontrollsumma för ärendefilen raden är beräknad från.", required=True, pattern=r"^[0-9a-f]{64}$"),
)

FINANCING_COLUMNS = (
    Column("case_id", "string", "Ärende-id", "Ärendets id; hänvisar till case_id i beslut.csv.", required=True, pattern=r"^[a-z0-9][a-z0-9-]{0,63}$"),
    Column("line", "integer", "Rad", "Radens nummer i finansieringsplanen, från 1.", required=True),
    Column("financier", "string", "Finansiär", "Finansiärens namn enligt finansieringsplanen.", required=True),
    Column("kind", "string", "Typ av medel", "Vilket slags pengar raden är (kod).", required=True, enum=KINDS),
    Column("kind_label", "string", "Typ av medel (text)", "Typen av medel i klartext.", required=True),
    Column("amount_sek", "integer", "Belopp (kr)", "Finansiärens belopp enligt planen, i hela kronor. Planerade pengar, inte beviljade, om inte confirmed är true.", required=True, unit="SEK"),
    Column("share_percent", "number", "Andel (%)", "Beloppets andel av den totala finansieringen, i procent med fyra decimaler.", required=True, unit="procent"),
    Column("confirmed", "boolean", "Bekräftad", "true om finansieringen är bekräftad enligt underlaget.", required=True),
    Column("is_decision_maker", "boolean", "Beslutsfattarens rad", "true för beslutsfattarens egen rad.", required=True),
    Column("organisation_number", "string", "Organisationsnummer", "Finansiärens organisationsnummer, NNNNNN-NNNN; tomt om det inte är känt.", pattern=ORG_NR),
)


PAYMENT_KIND_LABELS = {"advance": "Förskott", "payment_request": "Utbetalningsbegäran"}

PAYMENT_COLUMNS = (
    Column("case_id", "string", "Ärende-id", "Ärendets id; hänvisar till case_id i beslut.csv.", required=True, pattern=r"^[a-z0-9][a-z0-9-]{0,63}$"),
    Column("number", "integer", "Nummer", "Utbetalningsbegärans nummer i ärendefilen, från 1; 0 för förskottet.", required=True),
    Column("kind", "string", "Slag", "advance = förskott (11 § förordning 2003:596), payment_request = utbetalningsbegäran.", required=True, enum=tuple(PAYMENT_KIND_LABELS)),
    Column("kind_label", "string", "Slag (text)", "Slaget i klartext: Förskott eller Utbetalningsbegäran.", required=True),
    Column("period_start", "date", "Period från", "Redovisningsperiodens första dag (ÅÅÅÅ-MM-DD); tomt för förskottet."),
    Column("period_end", "date", "Period till", "Redovisningsperiodens sista dag (ÅÅÅÅ-MM-DD); tomt för förskottet."),
    Column("received", "date", "Inkom", "Dagen begäran kom in (ÅÅÅÅ-MM-DD); tomt för förskottet."),
    Column("reported_costs_sek", "integer", "Redovisade kostnader (kr)", "Kostnader som projektägaren redovisade i begäran, i hela kronor; tomt för förskottet.", unit="SEK"),
    Column("approved_costs_sek", "integer", "Godkända kostnader (kr)", "Kostnader som godkändes efter granskning, i hela kronor; tomt för förskottet och medan begäran granskas.", unit="SEK"),
    Column("cumulative_approved_sek", "integer", "Godkända kostnader hittills (kr)", "Godkända kostnader i denna och alla tidigare begäranden, i hela kronor; tomt för förskottet och medan begäran granskas.", unit="SEK"),
    Column("share_percent", "number", "Beviljad andel (%)", "Beviljad andel av redovisade och godkända kostnader, i procent, som i beslutet.", required=True, unit="procent"),
    Column("entitled_sek", "integer", "Rätt till hittills (kr)", "Beviljad andel × godkända kostnader hittills, avrundat nedåt till hela kronor, högst beviljat högsta belopp; tomt för förskottet och medan begäran granskas.", unit="SEK"),
    Column("ceiling_sek", "integer", "Tak vid begäran (kr)", "Det mesta som får vara utbetalt sammanlagt när begäran betalas: beviljat högsta belopp, minus det som enligt de allmänna villkoren hålls inne tills slutrapporten har kommit in; för förskottet beviljat högsta belopp. Tomt medan begäran granskas.", unit="SEK"),
    Column("paid_before_sek", "integer", "Att betala före (kr)", "Förskottet och det som tidigare granskade begäranden ger att betala, utbetalt eller inte ännu, i hela kronor; för förskottet 0. Tomt medan begäran granskas.", unit="SEK"),
    Column("payable_sek", "integer", "Att betala (kr)", "Att betala för begäran: det minsta av rätt till hittills och taket, minus utbetalt före, aldrig under 0; för förskottet dess belopp. Tomt medan begäran granskas.", unit="SEK"),
    Column("paid_date", "date", "Utbetald", "Dagen beloppet betalades ut (ÅÅÅÅ-MM-DD); tomt om det inte är utbetalt."),
)


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]


DECISIONS = Table("beslut", "Beslut", "Alla ärenden, en rad per ärende: status, belopp, datum och regelutfall.", DECISION_COLUMNS, ("case_id",))
FINANCING = Table("finansieringsplaner", "Finansieringsplaner", "Alla finansieringsplaner, en rad per finansiär och ärende.", FINANCING_COLUMNS, ("case_id", "line"))
PAYMENTS = Table("utbetalningar", "Utbetalningar",
                 "Förskott och utbetalningsbegäranden i beviljade ärenden som registrerar uppföljning, en rad per förskott "
                 "eller begäran, med beräkningen av varje utbetalning.", PAYMENT_COLUMNS, ("case_id", "number"))
TABLES = (DECISIONS, FINANCING, PAYMENTS)


def _share(s: FinancingShare) -> Decimal:
    return s.share.quantize(SHARE_DECIMALS)


def decision_rows(reports: list[EvaluatedCase], today: dt.date | None = None) -> list[dict]:
    """One typed row per case: ints, ``Decimal`` shares, booleans, ISO dates and ``None``.

    The follow-up status is judged on ``today`` (by default the build date, :func:`as_of_date`).
    """
    today = today or as_of_date()
    rows = []
    for r in reports:
        case, f = r.case, r.figures
        counts = Counter(result.outcome for result in r.results)
        status = case.status
        decided = case.state is CaseState.DECIDED
        current = stage(case, today)
        rows.append({
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
            "decision_maker_organisation_number": case.decision_maker.organisation_number,
            "applicant": case.applicant.name,
            "applicant_organisation_number": case.applicant.organisation_number,
            "application_received": case.dates.application_received.isoformat(),
            "project_start": case.dates.project_start.isoformat(),
            "project_end": case.dates.project_end.isoformat(),
            "final_report_due": case.dates.final_report_due.isoformat() if case.dates.final_report_due else None,
            "amount_applied_for_sek": case.amount_applied_for,
            "total_financing_sek": f.total_financing,
            "proposed_share_percent": case.decision.share_percent,
            "proposed_max_amount_sek": case.decision.max_amount,
            "decided_share_percent": case.share_percent_in_force if decided else None,
            "decided_max_amount_sek": case.max_amount_in_force if decided else None,
            "appropriation": case.decision.appropriation,
            "conditional_on_other_financing": case.decision.conditional_on_other_financing,
            "recommendation": case.narrative.recommendation.value if case.narrative and case.narrative.recommendation else None,
            "rules_met": counts[Outcome.MET],
            "rules_not_met": counts[Outcome.NOT_MET],
            "rules_missing_judgement": counts[Outcome.MISSING_JUDGEMENT],
            "rules_to_review": counts[Outcome.REVIEW],
            "rules_officer_judgement": counts[Outcome.JUDGEMENT],
            "rules_not_applicable": counts[Outcome.NOT_APPLICABLE],
            "case_file_sha256": hashlib.sha256(r.source.read_bytes()).hexdigest(),
        })
    return rows


def financing_rows(reports: list[EvaluatedCase]) -> list[dict]:
    """One typed row per financing-plan line, in plan order."""
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
                "organisation_number": s.line.organisation_number,
            })
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
            rows.append(empty | {
                "case_id": case.id, "number": 0, "kind": "advance", "kind_label": PAYMENT_KIND_LABELS["advance"],
                "share_percent": share, "ceiling_sek": schedule.max_amount, "paid_before_sek": 0,
                "payable_sek": schedule.advance, "paid_date": case.follow_up.advance.paid.isoformat(),
            })
        lines = {line.number: line for line in schedule.lines}
        for number, request in enumerate(case.follow_up.payment_requests, start=1):
            row = empty | {
                "case_id": case.id, "number": number, "kind": "payment_request", "kind_label": PAYMENT_KIND_LABELS["payment_request"],
                "period_start": request.period_start.isoformat(), "period_end": request.period_end.isoformat(),
                "received": request.received.isoformat(), "reported_costs_sek": request.reported_costs,
                "approved_costs_sek": request.approved_costs, "share_percent": share,
                "paid_date": request.paid.isoformat() if request.paid else None,
            }
            line = lines.get(number)  # None while the request is under review
            if line is not None:
                row |= {"cumulative_approved_sek": line.cumulative_approved, "entitled_sek": line.entitled,
                        "ceiling_sek": line.ceiling, "paid_before_sek": line.paid_before, "payable_sek": line.payable}
            rows.append(row)
    return rows


# --- Spreadsheet formula injection ---------------------------------------------------------

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""Characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection)."""


def inert_text(value: str) -> str:
    """Text a spreadsheet shows as text: a leading formula character gets a ``'`` before it.

    Only text is changed; numbers and dates are never text here, so amounts stay numeric.
    """
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


# --- Writers -------------------------------------------------------------------------------

def csv_text(rows: list[dict], columns: tuple[Column, ...]) -> str:
    """CSV (UTF-8, comma, ``\\n``): empty for null, ``true``/``false``, decimal point, inert text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.name for c in columns])
    for row in rows:
        writer.writerow([_csv_value(row[c.name]) for c in columns])
    return buffer.getvalue()


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


def json_schema_for(table: Table) -> dict:
    """A JSON Schema (2020-12) for the typed JSON rows of ``table``."""
    properties = {}
    for c in table.columns:
        json_type = {"string": "string", "date": "string", "integer": "integer", "number": "number", "boolean": "boolean"}[c.type]
        prop: dict = {"title": c.title, "description": c.description + (f" Enhet: {c.unit}." if c.unit else "")}
        prop["type"] = json_type if c.required else [json_type, "null"]
        if c.type == "date":
            prop["format"] = "date"
        if c.enum:
            prop["enum"] = list(c.enum) if c.required else [*c.enum, None]
        if c.pattern:
            prop["pattern"] = c.pattern
        properties[c.name] = prop
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{table.title} (typad JSON)",
        "description": table.description,
        "type": "array",
        "items": {
            "type": "object",
            "properties": properties,
            "required": [c.name for c in table.columns],
            "additionalProperties": False,
        },
    }


XLSX_EPOCH = (1980, 1, 1, 0, 0, 0)


def xlsx_bytes(sheets: list[tuple[Table, list[dict]]], modified: dt.datetime) -> bytes:
    """An Excel workbook with one sheet per table: numbers as numbers, dates as text in ISO
    form, text inert (openpyxl stores text starting with ``=`` as a formula, so the guard
    matters here too).

    The workbook's dates and the zip entries' timestamps are fixed, so the bytes are the
    same for the same data.
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table, rows in sheets:
        sheet = workbook.create_sheet(table.title)
        sheet.append([c.title for c in table.columns])
        for row in rows:
            sheet.append([_xlsx_value(row[c.name]) for c in table.columns])
        for index, column in enumerate(table.columns, start=1):
            # Excel shows these codes with the reader's own separators: 6 200 285 and 12,10 in Swedish.
            number_format = {"SEK": "#,##0", "procent": "0.00##"}.get(column.unit or "")
            if number_format:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = number_format
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(12, min(50, len(column.title) + 2))
        sheet.freeze_panes = "A2"
    naive = modified.astimezone(dt.UTC).replace(tzinfo=None)
    workbook.properties.created = naive
    workbook.properties.modified = naive
    workbook.properties.creator = "casebook"
    buffer = io.BytesIO()
    # ExcelWriter rather than Workbook.save, which stamps the current time as "modified".
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return _fixed_zip_times(buffer.getvalue())


def _xlsx_value(value: object) -> object:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return inert_text(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def _fixed_zip_times(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=XLSX_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def json_text(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def data_modified(reports: list[EvaluatedCase]) -> dt.datetime:
    """When the data were last changed: the newest case file's modification time.

    ``SOURCE_DATE_EPOCH`` fixes it for reproducible builds. Not the clock: a rebuild of
    unchanged data must give the same files (and so leave the site unchanged).
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    newest = max((r.source.stat().st_mtime for r in reports), default=0)
    return dt.datetime.fromtimestamp(int(newest), dt.UTC)


def iso_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


# --- The published files -------------------------------------------------------------------

@dataclass(frozen=True)
class OpenDataFile:
    """One published file, described for the open-data page and the DCAT catalogue."""

    name: str
    format: str  # the EU file-type authority code, e.g. CSV
    media_type: str
    title: str
    description: str
