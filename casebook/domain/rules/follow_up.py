"""Rules for the follow-up after the decision (rule set ``uppfoljning``).

The rule set applies by itself to every case whose file records a follow-up (only decided
cases may, see ``casebook.domain.model``). The limits of an advance are checked by the
11 § rule in ``casebook.domain.rules.ordinance``, which also reports how the advance was settled.

Where a limit comes from the case's general terms rather than the ordinance, the rule says
so: the terms are recorded in the case file (``follow_up.terms``), never assumed. A final
report is judged late against the build date (``CaseContext.as_of``, fixed once per build),
and the evidence says which date that was.
"""

from __future__ import annotations

from casebook.domain import formatting as fmt
from casebook.domain.model import RuleSetId
from casebook.domain.payments import case_schedule
from casebook.domain.rules.framework import (
    ORDINANCE,
    WORDING_UNVERIFIED,
    CaseContext,
    Finding,
    Outcome,
    RuleKind,
    rule,
    rules_of,
)

NO_FOLLOW_UP = Finding(Outcome.NOT_APPLICABLE, "Ingen uppföljning är registrerad i ärendet.")


def _terms_name(ctx: CaseContext) -> str:
    """The general terms, with the place in them the case file records."""
    terms = ctx.case.follow_up.terms if ctx.case.follow_up else None
    return terms.source if terms else ctx.case.decision.general_terms


@rule(
    id="uppfoljning-utbetalning-inom-andel-och-tak",
    rule_set=RuleSetId.FOLLOW_UP,
    title="Utbetalningar inom beslutad andel och maxbelopp",
    source='Beslutet ("procent av redovisade och godkända kostnader, dock max"); 11 § ' + ORDINANCE,
    wording="beslutets formulering; 11 § " + WORDING_UNVERIFIED,
    requires=(
        "Bidrag betalas ut i efterhand mot redovisade och godkända kostnader: sammanlagt högst beslutad andel av "
        "de godkända kostnaderna, avrundat nedåt till hela kronor, och högst maxbeloppet; förskott räknas av. "
        "Det som enligt de allmänna villkoren hålls inne till slutrapporten betalas inte före den. "
        "Godkända kostnader utöver projektets kostnader i finansieringsplanen (8 §), och ett förskott som godkända "
        "kostnader inte täcker när ärendet avslutas, är avvikelser att granska."
    ),
    kind=RuleKind.REQUIREMENT,
    applies_when="När ärendet registrerar uppföljning. Beloppen räknas fram ur beslutet och de godkända kostnaderna "
    "(casebook.domain.payments), så gränserna hålls per konstruktion; underlaget visar beräkningen.",
)
def _payments_within_share_and_cap(ctx: CaseContext) -> Finding:
    s = case_schedule(ctx.case)
    if s is None:
        return NO_FOLLOW_UP
    if not s.lines and not s.advance:
        return Finding(Outcome.NOT_APPLICABLE, "Ingen utbetalningsbegäran är granskad och inget förskott är utbetalt.")
    evidence = (
        f"Godkända kostnader sammanlagt {fmt.kronor(s.approved_total)} × {fmt.percent(s.share)} = "
        f"{fmt.kronor(s.lines[-1].entitled if s.lines else 0)} (avrundat nedåt, högst maxbeloppet {fmt.kronor(s.max_amount)})."
    )
    if s.advance:
        evidence += f" Förskott {fmt.kronor(s.advance)} räknas av."
    if s.withheld:
        evidence += f" {fmt.kronor(s.withheld)} hålls inne till slutrapporten enligt {_terms_name(ctx)}."
    evidence += (
        f" Att betala sammanlagt {fmt.kronor(s.payable_total)}, varav utbetalt {fmt.kronor(s.paid_total)};"
        f" kvar av maxbeloppet {fmt.kronor(s.remaining)}."
    )
    if s.pending:
        evidence += f" Under granskning, inte medräknade: begäran {', '.join(str(n) for n in s.pending)}."
    if ctx.case.follow_up is not None and ctx.case.follow_up.closed is not None and s.advance_unsettled:
        return Finding(
            Outcome.REVIEW,
            evidence + f" Ärendet är avslutat men förskottet täcks inte av godkända kostnader med "
            f"{fmt.kronor(s.advance_unsettled)}: de allmänna villkoren avgör om det ska betalas tillbaka.",
        )
    budget = ctx.figures.project_costs
    if s.approved_total > budget:
        return Finding(
            Outcome.REVIEW,
            evidence + f" De godkända kostnaderna är {fmt.kronor(s.approved_total - budget)} mer än "
            f"projektets kostnader i finansieringsplanen, {fmt.kronor(budget)}: granska avvikelsen mot budgeten.",
        )
    return Finding(Outcome.MET, evidence)


@rule(
    id="uppfoljning-slutrapport-i-tid",
    rule_set=RuleSetId.FOLLOW_UP,
    title="Slutrapporten har kommit in senast sista dag",
    source="Beslutsunderlagets uppföljning (sista dag för slutrapport) och de allmänna villkor som anges i beslutet",
    wording="ärendets uppgifter; kravet kommer från beslutet och villkoren, inte från förordningen",
    requires="Slutrapporten ska ha kommit in senast den dag som anges i ärendet. Om den inte har kommit in bedöms det per byggdatum.",
    kind=RuleKind.REQUIREMENT,
    applies_when="När ärendet registrerar uppföljning.",
)
def _final_report_on_time(ctx: CaseContext) -> Finding:
    follow_up = ctx.case.follow_up
    if follow_up is None:
        return NO_FOLLOW_UP
    due = ctx.case.dates.final_report_due
    received = follow_up.final_report.received if follow_up.final_report else None
    if due is None:
        return Finding(Outcome.REVIEW, "Ärendet anger ingen sista dag för slutrapporten (dates.final_report_due).")
    if received is not None:
        late = (received - due).days
        evidence = f"Slutrapporten inkom {fmt.date(received)}, sista dag {fmt.date(due)}."
        if late > 0:
            return Finding(Outcome.NOT_MET, evidence + f" Den kom in {fmt.plural(late, 'dag', 'dagar')} för sent.")
        return Finding(Outcome.MET, evidence)
    today = ctx.as_of
    if today > due:
        return Finding(
            Outcome.NOT_MET,
            f"Slutrapporten har inte kommit in; sista dag var {fmt.date(due)}. "
            f"Försenad med {fmt.plural((today - due).days, 'dag', 'dagar')} per byggdatum {fmt.date(today)}.",
        )
    return Finding(
        Outcome.NOT_APPLICABLE,
        f"Slutrapporten har inte kommit in och är inte försenad per byggdatum {fmt.date(today)}: sista dag {fmt.date(due)}.",
    )


@rule(
    id="uppfoljning-efter-projekttiden",
    rule_set=RuleSetId.FOLLOW_UP,
    title="Utbetalningsbegäran efter projekttiden endast som villkoren medger",
    source="De allmänna villkor som anges i beslutet, så som ärendefilen återger dem (follow_up.terms)",
    wording="villkorens formulering; förordningen anger ingen sådan frist",
    requires=(
        "Kostnader ska höra till projekttiden. En utbetalningsbegäran som kommer in efter projektets slut godtas "
        "bara till den sista dag som de allmänna villkoren anger."
    ),
    kind=RuleKind.REQUIREMENT,
    applies_when="När ärendet registrerar uppföljning med utbetalningsbegäranden.",
)
def _after_project_period(ctx: CaseContext) -> Finding:
    follow_up = ctx.case.follow_up
    if follow_up is None:
        return NO_FOLLOW_UP
    if not follow_up.payment_requests:
        return Finding(Outcome.NOT_APPLICABLE, "Ingen utbetalningsbegäran är registrerad.")
    end = ctx.case.dates.project_end
    last = follow_up.terms.last_payment_request if follow_up.terms else None
    outside = [n for n, r in enumerate(follow_up.payment_requests, start=1) if r.period_end > end]
    after = [(n, r) for n, r in enumerate(follow_up.payment_requests, start=1) if r.received > end]
    evidence = f"Projekttiden slutar {fmt.date(end)}."
    problems = []
    if outside:
        problems.append(f"begäran {', '.join(map(str, outside))} redovisar kostnader efter projekttiden")
    late = [n for n, r in after if last is not None and r.received > last]
    if late:
        problems.append(
            f"begäran {', '.join(map(str, late))} kom in efter sista dag {fmt.date(last)} enligt {_terms_name(ctx)}"
        )
    if problems:
        text = "; ".join(problems)
        return Finding(Outcome.NOT_MET, f"{evidence} {text[0].upper()}{text[1:]}.")
    if after and last is None:
        listed = ", ".join(f"{n} ({fmt.date(r.received)})" for n, r in after)
        return Finding(
            Outcome.REVIEW,
            evidence + f" Begäran {listed} kom in efter projekttiden; ärendefilen anger inte villkorens sista dag "
            "(follow_up.terms.last_payment_request): kontrollera mot de allmänna villkoren.",
        )
    if after:
        listed = ", ".join(f"{n} ({fmt.date(r.received)})" for n, r in after)
        return Finding(
            Outcome.MET,
            evidence
            + f" Efter projekttiden kom begäran {listed}, inom sista dag {fmt.date(last)} enligt {_terms_name(ctx)}.",
        )
    return Finding(
        Outcome.MET, evidence + f" Alla {len(follow_up.payment_requests)} begäranden kom in under projekttiden."
    )


@rule(
    id="uppfoljning-indikatorutfall",
    rule_set=RuleSetId.FOLLOW_UP,
    title="Utfall redovisat för varje indikator",
    source="Beslutsunderlagets avsnitt om uppföljning; slutrapporten enligt de allmänna villkoren",
    wording="beslutsunderlagets avsnitt om uppföljning",
    requires="När slutrapporten har kommit in ska utfallet vara redovisat för varje indikator med målvärde.",
    kind=RuleKind.REQUIREMENT,
    applies_when="När ärendet registrerar uppföljning; krävs när slutrapporten har kommit in.",
)
def _indicator_outcomes(ctx: CaseContext) -> Finding:
    follow_up = ctx.case.follow_up
    if follow_up is None:
        return NO_FOLLOW_UP
    outcomes = {o.indicator: o for o in follow_up.indicator_outcomes}
    targets = [i for i in ctx.case.indicators if i.target > 0]
    reported = [
        f"{i.name}: utfall {fmt.number(outcomes[i.name].outcome)} av mål {fmt.number(i.target)} {i.unit}"
        for i in targets
        if i.name in outcomes
    ]
    missing = [i.name for i in targets if i.name not in outcomes]
    evidence = ("; ".join(reported) + ".") if reported else "Inget utfall är redovisat."
    report_in = follow_up.final_report is not None and follow_up.final_report.received is not None
    if not report_in and follow_up.closed is None:
        return Finding(
            Outcome.NOT_APPLICABLE, evidence + " Utfallet redovisas med slutrapporten, som inte har kommit in."
        )
    if not targets:
        return Finding(Outcome.NOT_APPLICABLE, "Ärendet har ingen indikator med målvärde.")
    if missing:
        return Finding(Outcome.NOT_MET, evidence + " Utfall saknas för: " + ", ".join(missing) + ".")
    return Finding(Outcome.MET, evidence)


RULES = rules_of(__name__)
