"""The rules of förordning (2003:596): the financing plan and the decision's arithmetic, the
handling officer's recorded judgements (1–3, 5 and 6 §§), dates, indicators, the advance
(11 §) and the condition on the other financing. Decisions that are comparisons of money are
made in integers, never on rounded percentages.
"""

from __future__ import annotations

from collections.abc import Callable

from casebook.domain import formatting as fmt
from casebook.domain.finance import percent
from casebook.domain.model import AssessmentTopic, Case, FinancierKind, RuleSetId
from casebook.domain.payments import case_schedule
from casebook.domain.rules.framework import (
    ORDINANCE,
    WORDING_UNVERIFIED,
    CaseContext,
    Finding,
    Outcome,
    RuleKind,
    law_url,
    rule,
    rules_of,
)

WORDING_2009_674 = "5 § i lydelse enligt SFS 2009:674"
ADVANCE_CEILING = 400_000

TILLVAXTVERKET = "Tillväxtverket"
"""The agency that 5 § names; identified by its entry in the reference data, not by a line's kind."""


# --- Financing plan and decision arithmetic --------------------------------------------


@rule(
    id="finansiering-lika-kostnader",
    rule_set=RuleSetId.ORDINANCE_2003_596,
    title="Finansieringsplanen balanserar mot kostnaderna",
    source="8 § " + ORDINANCE,
    wording=WORDING_UNVERIFIED,
    requires="Ansökan ska innehålla budget och finansieringsplan; finansieringen ska täcka de budgeterade kostnaderna.",
    law="Ansökan ska innehålla en budget och en finansieringsplan för projektet.",
    source_url=law_url(8),
    kind=RuleKind.REQUIREMENT,
    applies_when="När ärendet anger projektets totala kostnader.",
)
def _financing_equals_costs(ctx: CaseContext) -> Finding:
    total, costs = ctx.figures.total_financing, ctx.case.total_costs
    if costs is None:
        return Finding(
            Outcome.NOT_APPLICABLE,
            f"Ärendet anger inga totala kostnader. Finansieringen, {fmt.kronor(total)}, används som projektets utgifter.",
        )
    if total == costs:
        return Finding(Outcome.MET, f"Finansiering {fmt.kronor(total)} = kostnader {fmt.kronor(costs)}.")
    return Finding(
        Outcome.NOT_MET,
        f"Finansiering {fmt.kronor(total)} ≠ kostnader {fmt.kronor(costs)} (skillnad {fmt.kronor(total - costs)}).",
    )


@rule(
    id="egen-rad-lika-sokt-belopp",
    rule_set=RuleSetId.ORDINANCE_2003_596,
    title="Beslutsfattarens rad i finansieringsplanen är lika med sökt belopp",
    source="8 § " + ORDINANCE,
    wording=WORDING_UNVERIFIED,
    requires="Finansieringsplanen ska stämma med ansökan: beslutsfattarens rad ska vara det sökta beloppet.",
    source_url=law_url(8),
    kind=RuleKind.REQUIREMENT,
    applies_when="Alltid.",
)
def _own_line_equals_applied(ctx: CaseContext) -> Finding:
    own, applied = ctx.figures.own.amount, ctx.case.amount_applied_for
    evidence = (
        f"{ctx.case.decision_maker.name} i finansieringsplanen {fmt.kronor(own)}, sökt belopp {fmt.kronor(applied)}."
    )
    return Finding(Outcome.MET if own == applied else Outcome.NOT_MET, evidence)


@rule(
    id="beslutad-andel",
    rule_set=RuleSetId.ORDINANCE_2003_596,
    title="Beslutad andel stämmer med finansieringsplanen",
    source="Beslutsförslaget (andel av redovisade och godkända kostnader)",
    wording="avrundning till två decimaler, se metodsidan",
    requires="Beslutad andel ska vara beslutsfattarens belopp delat med total finansiering, avrundat till två decimaler.",
    kind=RuleKind.REQUIREMENT,
    applies_when="Alltid.",
)
def _decided_share(ctx: CaseContext) -> Finding:
    f = ctx.figures
    computed, decided = f.computed_share_rounded, ctx.case.decision.share_percent
    evidence = (
        f"{fmt.kronor(f.own.amount)} / {fmt.kronor(f.total_financing)} = {fmt.percent(f.own.share, 4)}, "
        f"avrundat {fmt.percent(computed)}; beslutad andel {fmt.percent(decided)}."
    )
    return Finding(Outcome.MET if decided == computed else Outcome.REVIEW, evidence)


@rule(
    id="maxbelopp-mot-sokt-belopp",
    rule_set=RuleSetId.ORDINANCE_2003_596,
    title="Maxbeloppet överstiger inte sökt belopp",
    source='Beslutsförslaget ("dock max") mot ansökan',
    wording="beslutsförslagets formulering",
    requires="Maxbeloppet ska inte vara högre än det sökta beloppet; en skillnad ska förklaras.",
    kind=RuleKind.REQUIREMENT,
    applies_when="Alltid.",
)
def _max_amount_vs_applied(ctx: CaseContext) -> Finding:
    cap, applied = ctx.case.decision.max_amount, ctx.case.amount_applied_for
    c = ctx.figures.cap
    binding = f" Andelen gånger total finansiering är {fmt.kronor(c.share_of_total)}, " + (
        f"över maxbeloppet: taket nås när godkända kostnader överstiger {fmt.kronor(c.threshold_kronor)}."
        if c.cap_binds_within_plan
        else "inom maxbeloppet."
    )
    if cap > applied:
        return Finding(
            Outcome.REVIEW,
            f"Maxbeloppet {fmt.kronor(cap)} är {fmt.kronor(cap - applied)} högre än sökt belopp {fmt.kronor(applied)}."
            + binding,
        )
    return Finding(Outcome.MET, f"Maxbeloppet {fmt.kronor(cap)}, sökt belopp {fmt.kronor(applied)}." + binding)


# --- 5 §: shares of the project's costs ---------------------------------------------------


@rule(
    id="5-paragraf-per-beslutsfattare",
    rule_set=RuleSetId.ORDINANCE_2003_596,
    title="Varje beslutsfattare högst 50 procent",
    source="5 § tredje meningen " + ORDINANCE,
    wording=WORDING_2009_674,
    requires='"Varje beslutsfattare får dock besluta om bidrag med högst 50 procent av utgifterna för projektet."',
    law='"Varje beslutsfattare får dock besluta om bidrag med högst 50 procent av utgifterna för projektet."',
    source_url=law_url(5),
    kind=RuleKind.REQUIREMENT,
    applies_when="Alltid.",
)
def _five_per_decision_maker(ctx: CaseContext) -> Finding:
    f = ctx.figures
    costs = f.project_costs
    parts = [
        f"{s.financier} {fmt.kronor(s.amount)} = {fmt.percent(percent(s.amount, costs))}" for s in f.ordinance.lines
    ]
    over = [s.financier for s in f.ordinance.lines if 2 * s.amount > costs]
    if ctx.case.share_percent_in_force > 50 and ctx.case.decision_maker.name not in over:
        over.append(ctx.case.decision_maker.name)
    evidence = f"Av projektets utgifter {fmt.kronor(costs)}: " + "; ".join(parts) + "."
    if over:
        return Finding(Outcome.NOT_MET, evidence + " Över 50 procent: " + ", ".join(over) + ".")
    return Finding(Outcome.MET, evidence + " Alla högst 50 procent.")


@rule(
    id="5-paragraf-sammanlagt",
    rule_set=RuleSetId.ORDINANCE_2003_596,
    title="Bidrag enligt förordningen sammanlagt högst 50 procent (100 procent med Tillväxtverket)",
    source="5 § första och andra meningen " + ORDINANCE,
    wording=WORDING_2009_674,
    requires=(
        '"Bidrag enligt denna förordning får lämnas med högst 50 procent av utgifterna för projektet. '
        "Om Tillväxtverket och minst en annan beslutsfattare enligt denna förordning beslutar om bidrag för "
        'samma projekt, får bidrag lämnas med upp till 100 procent av utgifterna för projektet."'
    ),
    law=(
        '"Bidrag enligt denna förordning får lämnas med högst 50 procent av utgifterna för projektet. '
        "Om Tillväxtverket och minst en annan beslutsfattare enligt denna förordning beslutar om bidrag för "
        'samma projekt, får bidrag lämnas med upp till 100 procent av utgifterna för projektet."'
    ),
    source_url=law_url(5),
    kind=RuleKind.REQUIREMENT,
    applies_when="Alltid.",
)
def _five_together(ctx: CaseContext) -> Finding:
    f, o = ctx.figures, ctx.figures.ordinance
    costs = f.project_costs
    parts = ", ".join(f"{s.financier} {fmt.percent(percent(s.amount, costs))}" for s in o.lines)
    evidence = (
        f"Bidrag enligt förordningen: {parts}; sammanlagt {fmt.kronor(o.total_amount)} = "
        f"{fmt.percent(o.share)} av utgifterna {fmt.kronor(costs)}."
    )
    other_regional = [s for s in f.shares if s.line.kind is FinancierKind.REGIONAL_PUBLIC]
    if other_regional:
        extra = sum(s.amount for s in other_regional)
        evidence += (
            f" Regionala medel som inte anges som 1:1-medel ({', '.join(s.financier for s in other_regional)}, "
            f"{fmt.kronor(extra)}) är inte medräknade; med dem blir summan "
            f"{fmt.percent(percent(o.total_amount + extra, costs))}."
        )
    if 2 * o.total_amount <= costs:
        return Finding(Outcome.MET, evidence + " Högst 50 procent (5 § första meningen).")
    agency = next((a for a in ctx.national_agencies if a.name == TILLVAXTVERKET), None)
    tillvaxtverket = [s for s in o.lines if agency is not None and s.financier in agency.names]
    others = sorted({s.financier for s in o.lines} - {s.financier for s in tillvaxtverket})
    clause = bool(tillvaxtverket) and len(others) >= 1
    if clause and o.total_amount <= costs:
        return Finding(
            Outcome.MET,
            evidence + " Över 50 procent men tillåtet upp till 100 procent eftersom Tillväxtverket och minst en annan "
            f"beslutsfattare ({len(others)} st.: {', '.join(others)}) beslutar om bidrag för projektet (5 § andra meningen).",
        )
    if clause:
        reason = "över 100 procent"
    else:
        reason = (
            "över 50 procent utan att Tillväxtverket och en annan beslutsfattare båda beviljar bidrag "
            f"(Tillväxtverket {'beviljar' if tillvaxtverket else 'beviljar inte'}; {len(others)} andra beslutsfattare "
            "beviljar bidrag enligt förordningen)"
        )
    return Finding(Outcome.NOT_MET, evidence + f" Sammanlagt {reason}.")


# --- Recorded judgements ------------------------------------------------------------------


def _judgement(topic: AssessmentTopic) -> Callable[[CaseContext], Finding]:
    def check(ctx: CaseContext) -> Finding:
        assessment = ctx.case.assessment(topic)
        if assessment is None:
            return Finding(
                Outcome.MISSING_JUDGEMENT,
                "Ärendet registrerar ingen bedömning av detta. Det betyder inte att kravet är brutet, "
                "men regeln kan inte avgöras förrän handläggarens bedömning finns.",
            )
        evidence = f'"{assessment.text}" ({assessment.assessed_by}'
        evidence += f", {assessment.source_section})" if assessment.source_section else ")"
        return Finding(Outcome.JUDGEMENT if assessment.met else Outcome.NOT_MET, evidence)

    return check


_JUDGEMENTS = [
    (
        "1-paragraf-avgransning",
        AssessmentTopic.SEPARATION_FROM_OPERATIONS,
        "Projektet är avgränsat från ordinarie verksamhet",
        "1 § " + ORDINANCE,
        "Ett projekt är en insats som är avgränsad från den ordinarie verksamheten i fråga om tid, ekonomi och arbetsinsats.",
    ),
    (
        "2-paragraf-statsstod",
        AssessmentTopic.STATE_AID,
        "Inget statligt stöd; företagsriktade aktiviteter endast ringa och allmänfrämjande",
        "2 § " + ORDINANCE,
        "Stöd som är statligt stöd enligt artikel 107.1 FEUF bör inte lämnas; aktiviteter som riktar sig direkt till "
        "företag får endast vara av ringa och allmänfrämjande karaktär.",
    ),
    (
        "3-paragraf-regional-strategi",
        AssessmentTopic.REGIONAL_STRATEGY,
        "Överensstämmer med den regionala utvecklingsstrategin",
        "3 § " + ORDINANCE,
        "En regions projektmedel ska användas i enlighet med den regionala utvecklingsstrategin.",
    ),
    (
        "5-paragraf-driftsstod",
        AssessmentTopic.OPERATING_SUPPORT,
        "Bidraget utgör inte driftsstöd",
        "5 § " + ORDINANCE,
        "Bidrag får inte utgöra driftsstöd.",
    ),
    (
        "6-paragraf-foretagsstod",
        AssessmentTopic.BUSINESS_SUPPORT_MEASURES,
        "Inga åtgärder som omfattas av företagsstödsförordningarna",
        "6 § " + ORDINANCE,
        "Bidrag får inte lämnas till åtgärder som omfattas av förordningarna om företagsstöd (kommersiell service, "
        "statligt stöd till forskning, utveckling och innovation, regionalt företagsstöd, regionalt investeringsstöd).",
    ),
]

for _id, _topic, _title, _source, _requires in _JUDGEMENTS:
    rule(
        id=_id,
        rule_set=RuleSetId.ORDINANCE_2003_596,
        title=_title,
        source=_source,
        wording=WORDING_2009_674 if _id.startswith("5-") else WORDING_UNVERIFIED,
        requires=_requires + " Bedömning enligt handläggare när ärendet registrerar handläggarens bedömning med "
        "motivering; Bedömning saknas när ingen bedömning är registrerad; Ej uppfyllt när bedömningen är att kravet "
        "inte är uppfyllt.",
        kind=RuleKind.JUDGEMENT,
        applies_when="Alltid.",
        law=_requires,
        source_url=law_url(int(_source.split(" ")[0])),
    )(_judgement(_topic))


# --- Dates, follow-up, advance, conditions ------------------------------------------------


@rule(
    id="datum-ordning",
    rule_set=RuleSetId.ORDINANCE_2003_596,
    title="Datumen är i rätt ordning",
    source="Formell kontroll av ärendets datum",
    wording="ärendets uppgifter",
    requires=(
        "Ansökan inkommen före projektstart och slutrapport tidigast vid projektets slut. "
        "(Att projektet slutar efter att det börjar kontrolleras redan när ärendefilen läses.)"
    ),
    kind=RuleKind.REQUIREMENT,
    applies_when="Alltid; slutrapportdatumet när det anges.",
)
def _dates(ctx: CaseContext) -> Finding:
    d = ctx.case.dates
    problems = []
    if not d.application_received < d.project_start:
        problems.append("ansökan inkom inte före projektstart")
    if d.final_report_due is not None and d.final_report_due < d.project_end:
        problems.append("slutrapporten ska lämnas före projektets slut")
    evidence = (
        f"Ansökan inkom {fmt.date(d.application_received)}, projekttid {fmt.date(d.project_start)}–"
        f"{fmt.date(d.project_end)}, slutrapport senast {fmt.date(d.final_report_due)}."
    )
    if problems:
        return Finding(Outcome.NOT_MET, evidence + " " + "; ".join(problems).capitalize() + ".")
    return Finding(Outcome.MET, evidence)


@rule(
    id="uppfoljning-indikator",
    rule_set=RuleSetId.ORDINANCE_2003_596,
    title="Minst en uppföljningsindikator med målvärde",
    source="Uppföljning enligt beslutsunderlaget",
    wording="beslutsunderlagets avsnitt om uppföljning",
    requires="Projektet ska redovisa minst en indikator med ett målvärde större än noll.",
    kind=RuleKind.REQUIREMENT,
    applies_when="Alltid.",
)
def _indicator(ctx: CaseContext) -> Finding:
    with_target = [i for i in ctx.case.indicators if i.target > 0]
    if not with_target:
        return Finding(Outcome.NOT_MET, "Ingen indikator med målvärde är registrerad.")
    listed = "; ".join(f"{i.name}: {fmt.number(i.target)} {i.unit} ({i.kind})" for i in with_target)
    return Finding(Outcome.MET, listed + ".")


@rule(
    id="11-paragraf-forskott",
    rule_set=RuleSetId.ORDINANCE_2003_596,
    title=f"Förskott högst hälften av stödet och högst {fmt.kronor(ADVANCE_CEILING)}, med särskilda skäl",
    source="11 § " + ORDINANCE,
    wording=WORDING_UNVERIFIED,
    requires="Bidrag betalas ut i efterhand. Förskott kräver särskilda skäl och får vara högst hälften av beviljat stöd och högst 400 000 kronor.",
    law="Bidrag betalas ut i efterhand. Förskott kräver särskilda skäl och får vara högst hälften av beviljat stöd och högst 400 000 kronor.",
    source_url=law_url(11),
    kind=RuleKind.REQUIREMENT,
    applies_when="När förskott begärs.",
)
def _advance(ctx: CaseContext) -> Finding:
    advance = ctx.case.decision.advance
    if advance is None:
        return Finding(Outcome.NOT_APPLICABLE, "Inget förskott begärs; stödet betalas ut i efterhand.")
    granted = ctx.case.max_amount_in_force
    problems = []
    if 2 * advance.amount > granted:
        problems.append(f"mer än hälften av stödet ({fmt.kronor(granted)})")
    if advance.amount > ADVANCE_CEILING:
        problems.append(f"mer än {fmt.kronor(ADVANCE_CEILING)}")
    if not advance.special_reasons:
        problems.append("särskilda skäl anges inte")
    evidence = f"Förskott {fmt.kronor(advance.amount)} av beviljat stöd högst {fmt.kronor(granted)}."
    evidence += _advance_settlement(ctx.case)
    if problems:
        return Finding(Outcome.NOT_MET, evidence + " Brister: " + "; ".join(problems) + ".")
    return Finding(Outcome.MET, evidence + f' Särskilda skäl: "{advance.special_reasons}".')


def _advance_settlement(case: Case) -> str:
    """How a paid advance has been counted against approved costs (``casebook.domain.payments``)."""
    schedule, follow_up = case_schedule(case), case.follow_up
    if schedule is None or follow_up is None or follow_up.advance is None:
        return ""
    unsettled = schedule.advance_unsettled
    return (
        f" Utbetalt {fmt.date(follow_up.advance.paid)}; avräknat mot godkända kostnader "
        f"{fmt.kronor(schedule.advance - unsettled)}, kvar att avräkna {fmt.kronor(unsettled)}."
    )


@rule(
    id="villkor-ovrig-finansiering",
    rule_set=RuleSetId.ORDINANCE_2003_596,
    title="Beslutet villkoras av övrig finansiering som inte är bekräftad",
    source="Beslutsförslaget; 8 § " + ORDINANCE + " (finansieringsplan)",
    wording="beslutsförslagets villkor",
    requires="När övrig finansiering inte är bekräftad ska beslutet gälla under förutsättning att den ordnas.",
    source_url=law_url(8),
    kind=RuleKind.REQUIREMENT,
    applies_when="När någon annan finansiering än beslutsfattarens egen inte är bekräftad.",
)
def _conditional(ctx: CaseContext) -> Finding:
    unconfirmed = ctx.figures.unconfirmed
    if not unconfirmed:
        return Finding(Outcome.NOT_APPLICABLE, "All övrig finansiering är bekräftad.")
    listed = ", ".join(f"{line.financier} {fmt.kronor(line.amount)}" for line in unconfirmed)
    if ctx.case.decision.conditional_on_other_financing:
        return Finding(
            Outcome.MET, f"Inte bekräftad: {listed}. Beslutet gäller under förutsättning att övrig finansiering ordnas."
        )
    return Finding(Outcome.NOT_MET, f"Inte bekräftad: {listed}. Beslutet är inte villkorat av den.")


RULES = rules_of(__name__)
