"""The decision memo's sentences, written from the figures in the source memo's own phrasing.

The source memo (a tjänsteskrivelse of Region Jämtland Härjedalen, ``data/sources/``) words
its proposal as

    Region Jämtland Härjedalen beviljar medfinansiering till projektet SPIN-Strategisk
    Planering i Norr med 12,10 procent av redovisade och godkända kostnader, dock max
    750 000 kronor.

followed by the appropriation, the condition on the other financing and the general terms.
This module writes those sentences, and the other sentences a memo builds from figures
(who applied, when, for how much; the legal conditions; follow-up and reporting; the
recommendation), from a case, so that the words can never state other figures than the
case file. A decided case gets the decision's wording instead ("… beslutar att bevilja …").

A proposal written by hand in the case file (``decision.proposal``) is still allowed, but
:func:`proposal_problems` refuses it when its share, maximum, decision-maker or project
differ from the case's: a case copied from another can never publish the other's wording.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from casebook.domain import formatting as fmt
from casebook.domain.errors import FieldProblem, field_path
from casebook.domain.finance import CapAnalysis
from casebook.domain.model import Case, CaseState, Recommendation, RuleSetId


def share_words(share: Decimal) -> str:
    """A decided share as decisions write it: ``12,10 procent``."""
    return f"{fmt.number(share, 2)}\N{NO-BREAK SPACE}procent"


def _lower_first(text: str) -> str:
    """``Nationella medel`` → ``nationella medel``; an acronym or a name such as ``RUA`` stays."""
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def _listing(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " och " + items[-1]


# --- Ärendebeskrivning -----------------------------------------------------------------


def application_paragraph(case: Case) -> str:
    """Who applied, when, for how much and for which period, and the rest of the financing."""
    d = case.dates
    text = (
        f"{case.applicant.name} inkom den {fmt.long_date(d.application_received)} med en ansökan om "
        f"{fmt.kronor_words(case.amount_applied_for)} i medfinansiering till projektet {case.title}. "
        f"Projekttiden är {fmt.long_date(d.project_start)} till {fmt.long_date(d.project_end)}."
    )
    others = [line for line in case.financing_plan if line is not case.own_line]
    if others:
        parts = [
            f"{line.financier}, {_lower_first(line.note)} med {fmt.kronor_words(line.amount)}"
            if line.note
            else f"{line.financier} {fmt.kronor_words(line.amount)}"
            for line in others
        ]
        text += f" Övrig finansiering kommer enligt projektets totala finansieringsplan från {_listing(parts)}."
    return text


# --- Legala förutsättningar för stöd -----------------------------------------------------

ORDINANCE_TITLE = "förordning (2003:596) om bidrag för projektverksamhet inom den regionala utvecklingspolitiken"

LEGAL_CONDITIONS = (
    f"Projektstöd får beviljas enligt {ORDINANCE_TITLE}. Bidrag som utgör statligt stöd enligt artikel 107.1 i "
    f"fördraget om Europeiska unionens funktionssätt får inte lämnas med stöd i {ORDINANCE_TITLE}. Med stöd i "
    "förordning SFS 2003:596 får således aktiviteter som riktar sig direkt till företag endast vara av ringa och "
    "allmänfrämjande karaktär.",
    "Projektstöd får inte finansiera åtgärder som omfattas av stöd enligt någon av de förordningar som styr "
    "företagsstöden. Projektets insatser ska vara vidare avgränsade från den ordinarie verksamheten i fråga om tid, "
    "ekonomi och arbetsinsats. Bidraget får inte utgöra driftsstöd.",
    # The source memo's sentence, then the rest of 5 § (wording of SFS 2009:674), which the
    # memo leaves out although it is what allows SPIN's grants to pass 50 percent together.
    "Bidrag får lämnas med högst 50 procent av utgifterna för projektet. Om Tillväxtverket och minst en annan "
    "beslutsfattare enligt förordningen beslutar om bidrag för samma projekt, får bidrag lämnas med upp till 100 "
    "procent av utgifterna för projektet. Varje beslutsfattare får dock besluta om bidrag med högst 50 procent av "
    "utgifterna för projektet.",
    "Projektverksamheten ska bidra till att uppnå målet för den regionala utvecklingspolitiken och den nationella "
    "strategin för hållbar regional utveckling i hela landet 2021–2030 är styrande för vad medlen får användas till. "
    "Av projekten ska det särskilt framgå hur projektet bidrar till en hållbar utveckling utifrån "
    "hållbarhetsaspekterna.",
)
"""The legal conditions in prose, in the source memo's words (its paraphrase of the ordinance)."""

ADVANCE_CONDITION = (
    "Bidrag betalas ut i efterhand mot redovisade utgifter. Förskott får lämnas om det finns särskilda skäl, efter en "
    "prövning av projektets ekonomi, och med högst hälften av det beviljade bidraget och högst 400 000 kronor."
)


def legal_conditions(case: Case) -> tuple[str, ...]:
    """The paragraphs of *Legala förutsättningar för stöd*; 11 § on advances when one is decided."""
    if RuleSetId.ORDINANCE_2003_596 not in case.rule_sets:
        return ()
    return LEGAL_CONDITIONS + ((ADVANCE_CONDITION,) if case.decision.advance is not None else ())


# --- Sammanfattande bedömning, uppföljning ------------------------------------------------


def recommendation_sentence(recommendation: Recommendation) -> str:
    return f"Utifrån ovan sammanvägda bedömning föreslår vi {recommendation.label} på ansökan."


def indicator_lines(case: Case) -> tuple[str, tuple[str, ...]] | None:
    """The sentence introducing the indicators and one line per indicator, or ``None`` without any."""
    indicators = case.indicators
    if not indicators:
        return None
    if len(indicators) == 1:
        (i,) = indicators
        return (
            f"Projektet ska redovisa följande {_lower_first(i.kind)}:",
            (f"{fmt.number(i.target, _decimals(i.target))} {i.unit} {_lower_first(i.name)}",),
        )
    return (
        "Projektet ska redovisa följande indikatorer:",
        tuple(
            f"{fmt.number(i.target, _decimals(i.target))} {i.unit} {_lower_first(i.name)} ({_lower_first(i.kind)})"
            for i in indicators
        ),
    )


def _decimals(value: Decimal) -> int:
    """Decimals to show for a target value: as many as it has (``3`` → 0, ``2.5`` → 1)."""
    return max(0, -int(value.normalize().as_tuple().exponent))  # a finite number's exponent is an int


def reporting_paragraph(case: Case) -> str:
    """What the recipient reports with each payment request, and the final report's last day."""
    if case.indicators:
        indicator = "uppföljningsindikatorn" if len(case.indicators) == 1 else "uppföljningsindikatorerna"
        text = (
            f"Stödmottagaren ska vid rapportering i samband med ansökan om utbetalning rapportera utfall på "
            f"{indicator} samt delge övrig information som är relevant för uppföljning och utvärdering av projektet."
        )
    else:
        text = (
            "Stödmottagaren ska vid rapportering i samband med ansökan om utbetalning delge information som är "
            "relevant för uppföljning och utvärdering av projektet."
        )
    due = case.dates.final_report_due
    return text + (f" Stödmottagaren ska slutrapportera senast {fmt.long_date(due)}." if due else "")


# --- The proposal and the decision --------------------------------------------------------


def _appropriation(case: Case) -> str:
    """The appropriation inside a sentence: "anslag 1:1 …" (the word, not a name, loses its capital)."""
    name = case.decision.appropriation
    return "anslag" + name[len("Anslag") :] if name.startswith("Anslag ") else name


def _advance_reasons(case: Case) -> str:
    """The advance's special reasons as written, without a closing full stop; empty when none are given."""
    advance = case.decision.advance
    return "" if advance is None else (advance.special_reasons or "").strip().rstrip(".")


def generated_proposal(case: Case) -> tuple[str, ...]:
    """The proposal's points written from the proposal's figures, in the source memo's phrasing."""
    decision, dm = case.decision, case.decision_maker.name
    recommendation = case.narrative.recommendation if case.narrative else None
    if recommendation is Recommendation.REJECT:
        return (f"{dm} avslår ansökan om medfinansiering till projektet {case.title}.",)
    points = [
        f"{dm} beviljar medfinansiering till projektet {case.title} med {share_words(decision.share_percent)} av "
        f"redovisade och godkända kostnader, dock max {fmt.kronor_words(decision.max_amount)}."
    ]
    if decision.advance is not None:
        reasons = _advance_reasons(case)
        points.append(
            f"{dm} beviljar förskott med {fmt.kronor_words(decision.advance.amount)}."
            + (f" Särskilda skäl: {reasons}." if reasons else "")
        )
    points.append(f"Projektstödet finansieras med medel från {_appropriation(case)}.")
    if decision.conditional_on_other_financing:
        points.append("Beslutet gäller under förutsättning att övrig finansiering ordnas enligt ansökan.")
    points.append(f"{decision.general_terms} gäller för projektet.")
    return tuple(points)


def proposal_points(case: Case) -> tuple[str, ...]:
    """The proposal as the memo states it: the case file's own wording (checked, see
    :func:`proposal_problems`), or the wording written from the figures."""
    return tuple(case.decision.proposal) if case.decision.proposal else generated_proposal(case)


def decision_points(case: Case) -> tuple[str, tuple[str, ...]]:
    """A decided or rejected case's decision: "<who> beslutar att" and its points, from the figures in force."""
    if case.state is CaseState.PROPOSAL:
        raise ValueError("a proposal has no decision")
    decision = case.decision
    who = case.status.decided_by if case.status and case.status.decided_by else case.decision_maker.name
    intro = f"{who} beslutar att"
    if case.state is CaseState.REJECTED:
        return intro, (f"avslå ansökan om medfinansiering till projektet {case.title}.",)
    points = [
        f"bevilja medfinansiering till projektet {case.title} med {share_words(case.share_percent_in_force)} av "
        f"redovisade och godkända kostnader, dock max {fmt.kronor_words(case.max_amount_in_force)},"
    ]
    if decision.advance is not None:
        reasons = _advance_reasons(case)
        points.append(
            f"bevilja förskott med {fmt.kronor_words(decision.advance.amount)}"
            + (f" (särskilda skäl: {reasons})," if reasons else ",")
        )
    points.append(f"projektstödet finansieras med medel från {_appropriation(case)},")
    if decision.conditional_on_other_financing:
        points.append("beslutet gäller under förutsättning att övrig finansiering ordnas enligt ansökan,")
    points.append(f"{decision.general_terms} gäller för projektet.")
    return intro, tuple(points)


# --- Checking a hand-written proposal against the figures ---------------------------------

_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:procent\b|%)")
_KRONOR = re.compile(r"(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)\s*(?:kronor|kr)\b")
_GRANTS = re.compile(r"^(.+?)\s+(?:beviljar|avslår)\b")
_DASHES = re.compile(r"\s*[\u2010-\u2015\u2212-]\s*")
_SPACE = re.compile(r"\s+")
FIX = "Rätta förslaget, eller ta bort decision.proposal så skrivs förslaget från siffrorna."


def _normalised(text: str) -> str:
    """For comparing names: case, dashes and the spaces around them, and runs of white space ignored."""
    return _SPACE.sub(" ", _DASHES.sub("-", text.casefold())).strip()


def _percentages(text: str) -> list[Decimal]:
    found = []
    for match in _PERCENT.finditer(text):
        try:
            found.append(Decimal(match.group(1).replace(",", ".")))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            continue
    return found


def _amounts(text: str) -> list[int]:
    return [int(re.sub(r"\D", "", match.group(1))) for match in _KRONOR.finditer(text)]


def proposal_problems(case: Case) -> list[FieldProblem]:
    """What a hand-written proposal states differently from the case's figures; empty when it agrees.

    Each point's share (``… procent`` or ``… %``) must be the proposal's share, each amount
    in kronor its maximum (or the advance), the one who grants (``<name> beviljar``) the
    decision-maker, and the project must be named; a proposal to grant must state the share
    and the maximum.
    """
    points = case.decision.proposal
    if not points:
        return []
    decision, dm = case.decision, case.decision_maker.name
    share, maximum = decision.share_percent, decision.max_amount
    allowed_amounts = {maximum} | ({decision.advance.amount} if decision.advance else set())
    problems: list[FieldProblem] = []
    for index, point in enumerate(points):
        where = field_path("decision", "proposal", index)
        for stated in _percentages(point):
            if stated != share:
                problems.append(
                    FieldProblem(
                        where,
                        f"förslaget anger {share_words(stated)}, men andelen i "
                        f"decision.share_percent är {share_words(share)}. {FIX}",
                    )
                )
        for amount in _amounts(point):
            if amount not in allowed_amounts:
                problems.append(
                    FieldProblem(
                        where,
                        f"förslaget anger {fmt.kronor_words(amount)}, men maxbeloppet i "
                        f"decision.max_amount är {fmt.kronor_words(maximum)}. {FIX}",
                    )
                )
        granting = _GRANTS.match(point.strip())
        if granting and not _normalised(granting.group(1)).endswith(_normalised(dm)):
            problems.append(
                FieldProblem(where, f"förslaget låter {granting.group(1)} bevilja, men beslutsfattaren är {dm}. {FIX}")
            )
    text = " ".join(points)
    missing = []
    if _normalised(dm) not in _normalised(text):
        missing.append(f"beslutsfattaren {dm}")
    if _normalised(case.title) not in _normalised(text):
        missing.append(f"projektet {case.title}")
    rejects = case.narrative is not None and case.narrative.recommendation is Recommendation.REJECT
    if not rejects:
        if not _percentages(text):
            missing.append(f"andelen {share_words(share)}")
        if maximum not in _amounts(text):
            missing.append(f"maxbeloppet {fmt.kronor_words(maximum)}")
    if missing:
        problems.append(FieldProblem("decision.proposal", f"förslaget nämner inte {_listing(missing)}. {FIX}"))
    return problems


# --- What is still to write ---------------------------------------------------------------

NARRATIVE_SECTIONS = (
    ("description", "Ärendebeskrivning: bakgrund"),
    ("aims", "Ärendebeskrivning: projektets mål"),
    ("expected_results_short_term", "Ärendebeskrivning: förväntade resultat på kort sikt"),
    ("expected_results_long_term", "Ärendebeskrivning: förväntade resultat på lång sikt"),
    ("motivation.legal", "Beslutsmotivering: legal"),
    ("motivation.economic", "Beslutsmotivering: ekonomisk"),
    ("motivation.strategic", "Beslutsmotivering: strategisk"),
    ("recommendation", "Sammanfattande bedömning: rekommendation (bifall, avslag eller delvis bifall)"),
    ("attachments", "Bilagor i ärendet"),
)
"""The memo's sections an analyst writes (field path under ``narrative``, Swedish name), in the memo's order.
The strategic context and the summary assessment's own text are optional additions and not listed."""


def unwritten_sections(case: Case) -> list[tuple[str, str]]:
    """The sections of :data:`NARRATIVE_SECTIONS` (path, name) that the case file leaves out, in the memo's order."""
    missing = []
    for path, name in NARRATIVE_SECTIONS:
        value: object = case.narrative
        for part in path.split("."):
            value = getattr(value, part, None) if value is not None else None
        if value is None:
            missing.append((path, name))
    return missing


# A memo text this long, word for word in two cases, was copied with a case file: a short one
# ("Ansökan finns bilagd i ärendet.") may well be shared. A title this long names one document
# ("Tjänsteskrivelse" alone may name many).
COPIED_TEXT_CHARS = 80
COPIED_TITLE_CHARS = 40
# At most this many other cases are named for one shared part; the rest are counted.
NAMED_OTHERS = 3


def _narrative_text(case: Case, path: str) -> str | None:
    value: object = case.narrative
    for part in path.split("."):
        value = getattr(value, part, None) if value is not None else None
    return value if isinstance(value, str) else None


def _comparable_parts(case: Case) -> list[tuple[tuple[str, str], str]]:
    """((field, value), how the check names it) for each part of ``case`` that another case
    should not have word for word."""
    document = case.source_document
    parts = []
    if document.file is not None:
        parts.append((("file", document.file), f"källdokumentet {document.file} anges också av"))
    if len(document.title.strip()) >= COPIED_TITLE_CHARS:
        parts.append((("title", document.title.strip()), "källdokumentets titel (source_document.title) finns också i"))
    parts += [
        (
            ("correction", correction.reason.strip()),
            f"rättelse {number} av källdokumentet (source_document.corrections) finns också i",
        )
        for number, correction in enumerate(document.corrections, start=1)
        if len(correction.reason.strip()) >= COPIED_TEXT_CHARS
    ]
    texts = [("summary", "Sammanfattningen", case.summary)]
    texts += [
        (f"narrative.{path}", name, _narrative_text(case, path))
        for path, name in (*NARRATIVE_SECTIONS, ("strategic_context", "Strategisk kontext"))
    ]
    parts += [
        ((field_name, text.strip()), f"{name} ({field_name}) är samma text som i")
        for field_name, name, text in texts
        if text is not None and len(text.strip()) >= COPIED_TEXT_CHARS
    ]
    return parts


def texts_shared_with_other_cases(cases: list[Case]) -> dict[str, list[str]]:
    """Per case id, what it has word for word in common with other cases, in Swedish: its
    source document (the file, a long title, a correction's reason), its summary and each
    long memo text. Each decision has a memo of its own, so a case file copied from another
    and not fully rewritten carries the other case's words into the new decision; this says
    where, before the board reads them. One pass over the cases (an index of every part), so
    a check of thousands of cases stays linear."""
    parts = {case.id: _comparable_parts(case) for case in cases}
    holders: dict[tuple[str, str], list[str]] = {}
    for case_id, case_parts in parts.items():
        for key, _ in case_parts:
            holders.setdefault(key, []).append(case_id)
    shared: dict[str, list[str]] = {}
    for case_id, case_parts in parts.items():
        found = []
        for key, said in case_parts:
            others = [other for other in holders[key] if other != case_id]
            if not others:
                continue
            named = ", ".join(others[:NAMED_OTHERS])
            rest = f" och {len(others) - NAMED_OTHERS} till" if len(others) > NAMED_OTHERS else ""
            found.append(f"{said} {'ärendet' if len(others) == 1 else 'ärendena'} {named}{rest}")
        if found:
            shared[case_id] = found
    return shared


def deviations(case: Case, cap: CapAnalysis) -> tuple[str, ...]:
    """Deviations in the decision's figures, stated plainly: a maximum above the amount applied for, a
    maximum that binds within the financing plan, a decision that departs from the proposal."""
    found = []
    applied = case.amount_applied_for
    if cap.max_amount > applied:
        found.append(
            f"Maxbeloppet {fmt.kronor(cap.max_amount)} är högre än det sökta beloppet {fmt.kronor(applied)} "
            f"(skillnad {fmt.kronor(cap.max_amount - applied)})."
        )
    if cap.cap_binds_within_plan:
        found.append(
            f"Andelen {fmt.percent(cap.decided_share)} av hela finansieringen {fmt.kronor(cap.total)} är "
            f"{fmt.kronor(cap.share_of_total)}, mer än maxbeloppet: maxbeloppet begränsar stödet när godkända "
            f"kostnader överstiger {fmt.kronor(cap.threshold_kronor)}."
        )
    if case.status and (case.status.decided_share_percent or case.status.decided_max_amount):
        found.append(
            f"Beslutet avviker från förslaget: förslaget var {fmt.percent(case.decision.share_percent)}, högst "
            f"{fmt.kronor(case.decision.max_amount)}; beslutet är {fmt.percent(cap.decided_share)}, högst "
            f"{fmt.kronor(cap.max_amount)}."
        )
    return tuple(found)
