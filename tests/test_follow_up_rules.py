"""Rules of the follow-up (rule set ``uppfoljning``): exact outcomes and evidence."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from conftest import REPO, evaluate_case

from casebook.domain.case_file import load_case
from casebook.domain.clock import as_of_date
from casebook.domain.model import Case, RuleSetId
from casebook.domain.rules import RULES, Outcome, applicable_rule_sets

CASES = REPO / "tests" / "cases"
FOLLOW_UP_RULES = [r.id for r in RULES if r.rule_set is RuleSetId.FOLLOW_UP]


def _case(name: str) -> Case:
    return load_case(CASES / f"fiktiv-uppfoljning-{name}.yaml", as_of=as_of_date())


def _changed(case: Case, **follow_up) -> Case:
    data = copy.deepcopy(case.model_dump())
    data["follow_up"].update(follow_up)
    return Case.model_validate(data)


def _result(case: Case, rule_id: str) -> tuple[Outcome, str]:
    result = evaluate_case(case)[rule_id]
    return result.outcome, result.evidence


def test_the_rule_set_has_four_rules_each_with_its_source():
    assert FOLLOW_UP_RULES == [
        "uppfoljning-utbetalning-inom-andel-och-tak",
        "uppfoljning-slutrapport-i-tid",
        "uppfoljning-efter-projekttiden",
        "uppfoljning-indikatorutfall",
    ]
    for r in RULES:
        if r.rule_set is RuleSetId.FOLLOW_UP:
            assert r.source and r.wording and r.requires


def test_the_general_terms_are_named_where_a_limit_comes_from_them():
    by_id = {r.id: r for r in RULES}
    assert "inte från förordningen" in by_id["uppfoljning-slutrapport-i-tid"].wording
    assert "förordningen anger ingen sådan frist" in by_id["uppfoljning-efter-projekttiden"].wording
    assert "allmänna villkor" in by_id["uppfoljning-efter-projekttiden"].source


def test_the_rule_set_applies_only_to_cases_with_a_follow_up(spin, fictional_base):
    assert RuleSetId.FOLLOW_UP not in applicable_rule_sets(spin)
    assert RuleSetId.FOLLOW_UP not in applicable_rule_sets(fictional_base)
    assert applicable_rule_sets(_case("tak"))[-1] is RuleSetId.FOLLOW_UP
    assert not set(FOLLOW_UP_RULES) & set(evaluate_case(spin))
    assert set(FOLLOW_UP_RULES) <= set(evaluate_case(_case("tak")))


def test_payments_up_to_the_cap():
    assert _result(_case("tak"), "uppfoljning-utbetalning-inom-andel-och-tak") == (
        Outcome.MET,
        "Godkända kostnader sammanlagt 2\xa0000\xa0000\xa0kr × 20,00\xa0% = 400\xa0000\xa0kr (avrundat nedåt, högst "
        "maxbeloppet 400\xa0000\xa0kr). 40\xa0000\xa0kr hålls inne till slutrapporten enligt Fiktiva allmänna villkor "
        "(FIKTIV 0/2099), punkt 7 och 8. Att betala sammanlagt 400\xa0000\xa0kr, varav utbetalt 400\xa0000\xa0kr; kvar av "
        "maxbeloppet 0\xa0kr.",
    )


def test_approved_costs_above_the_budget_are_a_deviation_to_review():
    data = copy.deepcopy(_case("tak").model_dump())
    data["follow_up"]["payment_requests"][3]["approved_costs"] = 110_000  # 2 050 000 kr approved of 2 000 000 kr
    outcome, evidence = _result(Case.model_validate(data), "uppfoljning-utbetalning-inom-andel-och-tak")
    assert outcome is Outcome.REVIEW
    assert "× 20,00\xa0% = 400\xa0000\xa0kr" in evidence  # 410 000 kr by the share, held at the maximum
    assert evidence.endswith(
        "De godkända kostnaderna är 50\xa0000\xa0kr mer än projektets kostnader i finansieringsplanen, "
        "2\xa0000\xa0000\xa0kr: granska avvikelsen mot budgeten."
    )


def test_a_closed_case_with_an_advance_not_covered_by_approved_costs_is_reviewed():
    data = copy.deepcopy(_case("forskott").model_dump())
    data["follow_up"]["payment_requests"] = data["follow_up"]["payment_requests"][:1]  # 300 000 kr approved → 60 000 kr
    data["follow_up"]["closed"] = dt.date(2101, 3, 1)
    outcome, evidence = _result(Case.model_validate(data), "uppfoljning-utbetalning-inom-andel-och-tak")
    assert outcome is Outcome.REVIEW
    assert evidence.endswith(
        "Ärendet är avslutat men förskottet täcks inte av godkända kostnader med 40\xa0000\xa0kr: "
        "de allmänna villkoren avgör om det ska betalas tillbaka."
    )


def test_payments_after_an_advance_with_one_request_under_review():
    outcome, evidence = _result(_case("forskott"), "uppfoljning-utbetalning-inom-andel-och-tak")
    assert outcome is Outcome.MET
    assert "Förskott 100\xa0000\xa0kr räknas av." in evidence
    assert (
        "Att betala sammanlagt 144\xa0000\xa0kr, varav utbetalt 144\xa0000\xa0kr; kvar av maxbeloppet 256\xa0000\xa0kr."
        in evidence
    )
    assert evidence.endswith("Under granskning, inte medräknade: begäran 3.")


def test_the_payment_rule_word_for_word_with_an_advance_and_nothing_or_everything_under_review():
    rule_id = "uppfoljning-utbetalning-inom-andel-och-tak"
    assert _result(_case("forskott"), rule_id) == (
        Outcome.MET,
        "Godkända kostnader sammanlagt 720\xa0000\xa0kr × 20,00\xa0% = 144\xa0000\xa0kr (avrundat nedåt, högst "
        "maxbeloppet 400\xa0000\xa0kr). Förskott 100\xa0000\xa0kr räknas av. Att betala sammanlagt 144\xa0000\xa0kr, "
        "varav utbetalt 144\xa0000\xa0kr; kvar av maxbeloppet 256\xa0000\xa0kr. Under granskning, inte medräknade: "
        "begäran 3.",
    )
    data = copy.deepcopy(_case("forskott").model_dump())
    for request in data["follow_up"]["payment_requests"]:
        request["approved_costs"] = request["paid"] = None
    assert _result(Case.model_validate(data), rule_id) == (
        Outcome.MET,
        "Godkända kostnader sammanlagt 0\xa0kr × 20,00\xa0% = 0\xa0kr (avrundat nedåt, högst maxbeloppet "
        "400\xa0000\xa0kr). Förskott 100\xa0000\xa0kr räknas av. Att betala sammanlagt 100\xa0000\xa0kr, varav "
        "utbetalt 100\xa0000\xa0kr; kvar av maxbeloppet 300\xa0000\xa0kr. Under granskning, inte medräknade: "
        "begäran 1, 2, 3.",
    )
    assert _result(_changed(_case("forskott"), payment_requests=[], advance=None), rule_id) == (
        Outcome.NOT_APPLICABLE,
        "Ingen utbetalningsbegäran är granskad och inget förskott är utbetalt.",
    )


def test_no_payment_request_recorded_leaves_the_project_period_rule_not_applicable():
    assert _result(_changed(_case("forskott"), payment_requests=[]), "uppfoljning-efter-projekttiden") == (
        Outcome.NOT_APPLICABLE,
        "Ingen utbetalningsbegäran är registrerad.",
    )


def test_the_advance_rule_reports_how_the_advance_was_settled():
    outcome, evidence = _result(_case("forskott"), "11-paragraf-forskott")
    assert outcome is Outcome.MET
    assert (
        "Utbetalt 2017-03-10; avräknat mot godkända kostnader 100\xa0000\xa0kr, kvar att avräkna 0\xa0kr." in evidence
    )
    early = _changed(
        _case("forskott"), payment_requests=_case("forskott").model_dump()["follow_up"]["payment_requests"][:1]
    )
    assert (
        "avräknat mot godkända kostnader 60\xa0000\xa0kr, kvar att avräkna 40\xa0000\xa0kr."
        in _result(early, "11-paragraf-forskott")[1]
    )


def test_an_advance_over_the_ordinance_limits_is_still_not_met():
    data = copy.deepcopy(_case("forskott").model_dump())
    data["decision"]["advance"]["amount"] = 250_000  # more than half of 400 000 kr
    outcome, evidence = _result(Case.model_validate(data), "11-paragraf-forskott")
    assert outcome is Outcome.NOT_MET and "mer än hälften av stödet" in evidence


def test_a_final_report_received_late():
    assert _result(_case("sen"), "uppfoljning-slutrapport-i-tid") == (
        Outcome.NOT_MET,
        "Slutrapporten inkom 2019-04-12, sista dag 2019-02-28. Den kom in 43 dagar för sent.",
    )


def test_a_final_report_received_in_time():
    assert _result(_case("avslutad"), "uppfoljning-slutrapport-i-tid") == (
        Outcome.MET,
        "Slutrapporten inkom 2019-01-20, sista dag 2019-02-28.",
    )


def test_a_case_without_the_final_reports_due_date_is_reviewed():
    data = copy.deepcopy(_case("avslutad").model_dump())
    data["dates"]["final_report_due"] = None
    assert _result(Case.model_validate(data), "uppfoljning-slutrapport-i-tid") == (
        Outcome.REVIEW,
        "Ärendet anger ingen sista dag för slutrapporten (dates.final_report_due).",
    )


def test_a_missing_final_report_is_overdue_as_of_the_build_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2101, 3, 10, tzinfo=dt.UTC).timestamp())))
    assert _result(_case("forskott"), "uppfoljning-slutrapport-i-tid") == (
        Outcome.NOT_MET,
        "Slutrapporten har inte kommit in; sista dag var 2101-02-28. Försenad med 10 dagar per byggdatum 2101-03-10.",
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2101, 2, 28, tzinfo=dt.UTC).timestamp())))
    assert _result(_case("forskott"), "uppfoljning-slutrapport-i-tid") == (
        Outcome.NOT_APPLICABLE,
        "Slutrapporten har inte kommit in och är inte försenad per byggdatum 2101-02-28: sista dag 2101-02-28.",
    )


def test_a_request_after_the_terms_last_day():
    assert _result(_case("sen"), "uppfoljning-efter-projekttiden") == (
        Outcome.NOT_MET,
        "Projekttiden slutar 2018-12-31. Begäran 2 kom in efter sista dag 2019-02-28 enligt Fiktiva allmänna villkor "
        "(FIKTIV 0/2099), punkt 8.",
    )


def test_a_request_after_the_project_within_the_terms():
    outcome, evidence = _result(_case("tak"), "uppfoljning-efter-projekttiden")
    assert outcome is Outcome.MET
    assert evidence.endswith(
        "Efter projekttiden kom begäran 4 (2019-01-30), inom sista dag 2019-02-28 enligt "
        "Fiktiva allmänna villkor (FIKTIV 0/2099), punkt 7 och 8."
    )


def test_a_request_after_the_project_when_the_terms_are_not_recorded_is_reviewed_not_invented():
    case = _changed(_case("tak"), terms={"source": "Fiktiva allmänna villkor (FIKTIV 0/2099)"})
    outcome, evidence = _result(case, "uppfoljning-efter-projekttiden")
    assert outcome is Outcome.REVIEW and "ärendefilen anger inte villkorens sista dag" in evidence


def test_costs_reported_after_the_project_period():
    data = copy.deepcopy(_case("tak").model_dump())
    data["follow_up"]["payment_requests"][3]["period_end"] = dt.date(2019, 1, 15)
    outcome, evidence = _result(Case.model_validate(data), "uppfoljning-efter-projekttiden")
    assert outcome is Outcome.NOT_MET and "Begäran 4 redovisar kostnader efter projekttiden." in evidence


def test_indicator_outcomes_reported_with_the_final_report():
    assert _result(_case("tak"), "uppfoljning-indikatorutfall") == (
        Outcome.MET,
        "Fiktiva underlag: utfall 3 av mål 2 stycken.",
    )
    assert _result(_case("sen"), "uppfoljning-indikatorutfall") == (
        Outcome.NOT_MET,
        "Inget utfall är redovisat. Utfall saknas för: Fiktiva underlag.",
    )


def test_indicator_outcomes_are_not_required_before_the_final_report():
    outcome, evidence = _result(_case("forskott"), "uppfoljning-indikatorutfall")
    assert outcome is Outcome.NOT_APPLICABLE and "redovisas med slutrapporten" in evidence


@pytest.mark.parametrize("name", ["tak", "forskott", "avslutad"])
def test_the_well_kept_fictional_cases_need_no_attention_from_follow_up_rules(name, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764460800")  # 2025-11-30: before every fictional due date
    results = evaluate_case(_case(name))
    assert [i for i in FOLLOW_UP_RULES + ["11-paragraf-forskott"] if results[i].outcome.needs_attention] == []


def _requests_changed(name: str, changes: dict[int, dict], **follow_up) -> Case:
    """The fictional case with some payment requests (numbered from 1) changed."""
    data = copy.deepcopy(_case(name).model_dump())
    for number, fields in changes.items():
        data["follow_up"]["payment_requests"][number - 1].update(fields)
    data["follow_up"].update(follow_up)
    return Case.model_validate(data)


def test_two_requests_after_the_project_without_terms_are_reviewed_word_for_word():
    case = _requests_changed("tak", {3: {"received": dt.date(2019, 1, 10), "paid": dt.date(2019, 2, 1)}}, terms=None)
    assert _result(case, "uppfoljning-efter-projekttiden") == (
        Outcome.REVIEW,
        "Projekttiden slutar 2018-12-31. Begäran 3 (2019-01-10), 4 (2019-01-30) kom in efter projekttiden; "
        "ärendefilen anger inte villkorens sista dag (follow_up.terms.last_payment_request): kontrollera mot de "
        "allmänna villkoren.",
    )


def test_two_requests_after_the_project_within_the_terms_word_for_word():
    case = _requests_changed("tak", {3: {"received": dt.date(2019, 1, 10), "paid": dt.date(2019, 2, 1)}})
    assert _result(case, "uppfoljning-efter-projekttiden") == (
        Outcome.MET,
        "Projekttiden slutar 2018-12-31. Efter projekttiden kom begäran 3 (2019-01-10), 4 (2019-01-30), inom sista "
        "dag 2019-02-28 enligt Fiktiva allmänna villkor (FIKTIV 0/2099), punkt 7 och 8.",
    )


def test_two_requests_with_costs_after_the_project_and_after_the_terms_last_day_word_for_word():
    third = {"period_end": dt.date(2019, 1, 2), "received": dt.date(2019, 1, 10), "paid": dt.date(2019, 2, 1)}
    fourth = {"period_start": dt.date(2019, 1, 3), "period_end": dt.date(2019, 1, 5)}
    terms = {"source": "Fiktiva allmänna villkor (FIKTIV 0/2099), punkt 8", "last_payment_request": dt.date(2019, 1, 8)}
    case = _requests_changed("tak", {3: third, 4: fourth}, terms=terms)
    assert _result(case, "uppfoljning-efter-projekttiden") == (
        Outcome.NOT_MET,
        "Projekttiden slutar 2018-12-31. Begäran 3, 4 redovisar kostnader efter projekttiden; begäran 3, 4 kom in "
        "efter sista dag 2019-01-08 enligt Fiktiva allmänna villkor (FIKTIV 0/2099), punkt 8.",
    )


def _indicators_changed(name: str, indicators: list[dict], outcomes: list[dict]) -> Case:
    data = copy.deepcopy(_case(name).model_dump())
    data["indicators"] = indicators
    data["follow_up"]["indicator_outcomes"] = outcomes
    return Case.model_validate(data)


def _indicator(name: str, target: int) -> dict:
    return {"name": name, "target": target, "unit": "stycken", "kind": "Fiktiv indikator"}


def test_two_indicators_reported_and_two_missing_word_for_word():
    indicators = [_indicator(n, 2) for n in ("Underlag A", "Underlag B", "Underlag C", "Underlag D")]
    outcomes = [
        {"indicator": "Underlag A", "outcome": 3, "reported": dt.date(2019, 1, 30)},
        {"indicator": "Underlag B", "outcome": 1, "reported": dt.date(2019, 1, 30)},
    ]
    assert _result(_indicators_changed("tak", indicators, outcomes), "uppfoljning-indikatorutfall") == (
        Outcome.NOT_MET,
        "Underlag A: utfall 3 av mål 2 stycken; Underlag B: utfall 1 av mål 2 stycken. Utfall saknas för: "
        "Underlag C, Underlag D.",
    )


def test_a_case_without_an_indicator_target_has_no_outcome_to_report():
    case = _indicators_changed("tak", [_indicator("Fiktiva underlag", 0)], [])
    assert _result(case, "uppfoljning-indikatorutfall") == (
        Outcome.NOT_APPLICABLE,
        "Ärendet har ingen indikator med målvärde.",
    )


def test_indicator_outcomes_before_the_final_report_word_for_word():
    assert _result(_case("forskott"), "uppfoljning-indikatorutfall") == (
        Outcome.NOT_APPLICABLE,
        "Inget utfall är redovisat. Utfallet redovisas med slutrapporten, som inte har kommit in.",
    )
