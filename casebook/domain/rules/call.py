"""The rules of the call for strategic regional planning (May 2024), as the decision memo of
SPIN restates its conditions."""

from __future__ import annotations

from collections.abc import Iterable

from casebook.domain.model import RuleSetId
from casebook.domain.reference import RegionalActor
from casebook.domain.rules.framework import CaseContext, Finding, Outcome, RuleKind, rule, rules_of

CALL = "Utlysning: genomförandeprojekt inom regeringsuppdraget om strategisk planering (maj 2024)"
CALL_WORDING = "utlysningens villkor så som de återges i beslutsunderlaget för SPIN"


# --- The call: strategic regional planning ------------------------------------------------


def _actor_named(name: str, actors: Iterable[RegionalActor]) -> RegionalActor | None:
    return next((a for a in actors if name in a.names), None)


@rule(
    id="utlysning-projektagare-rua",
    rule_set=RuleSetId.STRATEGIC_PLANNING_CALL_2025,
    title="Projektägaren är en av de 21 regionalt utvecklingsansvariga aktörerna",
    source=CALL,
    wording=CALL_WORDING,
    requires='"Projekten ska ledas av en projektägare från någon av de 21 regionalt utvecklingsansvariga aktörerna."',
    law='"Projekten ska ledas av en projektägare från någon av de 21 regionalt utvecklingsansvariga aktörerna."',
    kind=RuleKind.REQUIREMENT,
    applies_when="Ärenden inom utlysningen.",
)
def _owner_is_rua(ctx: CaseContext) -> Finding:
    owner = ctx.case.applicant.name
    actor = _actor_named(owner, ctx.regional_actors)
    if actor is None:
        return Finding(
            Outcome.NOT_MET, f"{owner} finns inte bland de {len(ctx.regional_actors)} aktörerna i referensdata."
        )
    return Finding(Outcome.MET, f"{owner} är regionalt utvecklingsansvarig (länskod {actor.county_code}).")


@rule(
    id="utlysning-minst-tva-regioner",
    rule_set=RuleSetId.STRATEGIC_PLANNING_CALL_2025,
    title="Minst två regioner samverkar",
    source=CALL,
    wording=CALL_WORDING,
    requires='Projekten "ska genomföras i samverkan mellan minst två regioner".',
    law='Projekten "ska genomföras i samverkan mellan minst två regioner".',
    kind=RuleKind.REQUIREMENT,
    applies_when="Ärenden inom utlysningen.",
)
def _two_regions(ctx: CaseContext) -> Finding:
    names = [ctx.case.applicant.name, *(p.name for p in ctx.case.partners)]
    regions = sorted({a.name for n in names if (a := _actor_named(n, ctx.regional_actors))})
    evidence = f"Regionalt utvecklingsansvariga i projektet: {', '.join(regions) or 'inga'} ({len(regions)} st.)."
    return Finding(Outcome.MET if len(regions) >= 2 else Outcome.NOT_MET, evidence)


@rule(
    id="utlysning-myndigheter-involverade",
    rule_set=RuleSetId.STRATEGIC_PLANNING_CALL_2025,
    title="Länsstyrelser eller nationella aktörer involveras",
    source=CALL,
    wording=CALL_WORDING,
    requires='"Berörda Länsstyrelser och relevanta nationella aktörer bör involveras."',
    law='"Berörda Länsstyrelser och relevanta nationella aktörer bör involveras."',
    kind=RuleKind.RECOMMENDATION,
    applies_when="Ärenden inom utlysningen.",
)
def _agencies(ctx: CaseContext) -> Finding:
    agencies = ctx.case.involved_agencies
    if not agencies:
        return Finding(
            Outcome.REVIEW, "Inga länsstyrelser eller nationella aktörer är angivna (rekommendation, rådgivande)."
        )
    return Finding(Outcome.MET, "Involverade: " + ", ".join(agencies) + ".")


RULES = rules_of(__name__)
