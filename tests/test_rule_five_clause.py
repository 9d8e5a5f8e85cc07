"""5 § second sentence: over 50 percent is allowed only when Tillväxtverket AND at least one
other decision-maker grant under the ordinance. Tillväxtverket alone does not open the clause."""

from __future__ import annotations

import copy

from conftest import evaluate_case

from casebook.domain.model import Case
from casebook.domain.rules import Outcome

RULE = "5-paragraf-sammanlagt"


def _tillvaxtverket_at_sixty_percent(fictional_base, region_kind: str) -> Case:
    data = copy.deepcopy(fictional_base.model_dump())
    plan = {line["financier"]: line for line in data["financing_plan"]}
    plan["Tillväxtverket"]["amount"] = 1_200_000  # 60 % of the stated costs, 2 000 000 kr
    plan["Region Dalarna"]["kind"] = region_kind
    return Case.model_validate(data)


def test_tillvaxtverket_with_no_other_decision_maker_does_not_open_the_clause(fictional_base):
    case = _tillvaxtverket_at_sixty_percent(fictional_base, "regional_public")
    result = evaluate_case(case)[RULE]
    assert result.outcome is Outcome.NOT_MET
    assert "över 50 procent utan att Tillväxtverket och en annan beslutsfattare båda beviljar bidrag" in result.evidence


def test_tillvaxtverket_with_another_decision_maker_opens_the_clause(fictional_base):
    case = _tillvaxtverket_at_sixty_percent(fictional_base, "regional_grant_2003_596")
    result = evaluate_case(case)[RULE]
    assert result.outcome is Outcome.MET
    assert "minst en annan beslutsfattare (1 st.: Region Dalarna)" in result.evidence
