"""Compliance rules: SPIN's outcomes one by one, and one fictional case per broken rule."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import pickle
import shutil

import pytest
import yaml
from conftest import REFERENCE_DIR, REPO, SPIN_PATH, evaluate_case

from casebook.cli import main
from casebook.domain.clock import as_of_date
from casebook.domain.finance import financing_figures
from casebook.domain.model import Case, RuleSetId
from casebook.domain.reference import load_national_agencies, load_regional_actors
from casebook.domain.rules import RULES, CaseContext, Outcome, call, evaluate, follow_up, ordinance
from casebook.domain.rules.framework import registered_rule, rules_of

FAILING = {o for o in Outcome if o.needs_attention}

SPIN_OUTCOMES = {
    "finansiering-lika-kostnader": Outcome.NOT_APPLICABLE,
    "egen-rad-lika-sokt-belopp": Outcome.MET,
    "beslutad-andel": Outcome.MET,
    "maxbelopp-mot-sokt-belopp": Outcome.REVIEW,
    "5-paragraf-per-beslutsfattare": Outcome.MET,
    "5-paragraf-sammanlagt": Outcome.MET,
    "1-paragraf-avgransning": Outcome.JUDGEMENT,
    "2-paragraf-statsstod": Outcome.JUDGEMENT,
    "3-paragraf-regional-strategi": Outcome.JUDGEMENT,
    "5-paragraf-driftsstod": Outcome.JUDGEMENT,
    # The memo restates 6 § but records no judgement on it: a gap to look at, not a breach.
    "6-paragraf-foretagsstod": Outcome.MISSING_JUDGEMENT,
    "datum-ordning": Outcome.MET,
    "uppfoljning-indikator": Outcome.MET,
    "11-paragraf-forskott": Outcome.NOT_APPLICABLE,
    "villkor-ovrig-finansiering": Outcome.MET,
    "utlysning-projektagare-rua": Outcome.MET,
    "utlysning-minst-tva-regioner": Outcome.MET,
    "utlysning-myndigheter-involverade": Outcome.MET,
}


@pytest.mark.parametrize("rule_id", SPIN_OUTCOMES)
def test_spin_outcome(spin, rule_id):
    assert evaluate_case(spin)[rule_id].outcome is SPIN_OUTCOMES[rule_id]


def test_spin_is_checked_against_every_rule(spin):
    # The follow-up rules apply only to cases that record a follow-up (tests/test_follow_up_rules.py).
    assert (
        set(evaluate_case(spin)) == {r.id for r in RULES if r.rule_set is not RuleSetId.FOLLOW_UP} == set(SPIN_OUTCOMES)
    )


def test_spin_max_amount_deviation_names_both_amounts(spin):
    evidence = evaluate_case(spin)["maxbelopp-mot-sokt-belopp"].evidence
    assert "750\xa0000\xa0kr är 1\xa0kr högre än sökt belopp 749\xa0999\xa0kr" in evidence
    assert "6\xa0198\xa0347\xa0kr" in evidence


def test_spin_passes_5_paragraph_through_the_tillvaxtverket_clause(spin):
    evidence = evaluate_case(spin)["5-paragraf-sammanlagt"].evidence
    assert "Tillväxtverket 48,38\xa0%" in evidence
    assert "Region Jämtland Härjedalen 12,10\xa0%" in evidence
    assert "sammanlagt 3\xa0749\xa0999\xa0kr = 60,48\xa0%" in evidence
    assert "tillåtet upp till 100 procent eftersom Tillväxtverket och minst en annan beslutsfattare" in evidence
    assert "84,67\xa0%" in evidence  # if the other regions' money were 1:1 money too


def test_spin_judgements_show_their_text(spin):
    evidence = evaluate_case(spin)["5-paragraf-driftsstod"].evidence
    assert "Projektet utgör inte driftstöd." in evidence


def test_fictional_base_case_meets_every_rule(fictional_base):
    results = evaluate_case(fictional_base)
    assert {rid: r.outcome for rid, r in results.items() if r.outcome in FAILING} == {}


def _line(data: dict, financier: str) -> dict:
    return next(line for line in data["financing_plan"] if line["financier"] == financier)


def _drop_assessment(topic: str):
    def mutate(data: dict) -> None:
        data["assessments"] = [a for a in data["assessments"] if a["topic"] != topic]

    return mutate


def _costs_differ(data):
    data["total_costs"] = 2_100_000


def _own_line_differs(data):
    data["amount_applied_for"] = 450_000


def _share_differs(data):
    data["decision"]["share_percent"] = "20.50"


def _cap_above_applied(data):
    data["decision"]["max_amount"] = 450_000


def _one_decision_maker_over_half(data):
    _line(data, "Tillväxtverket")["amount"] = 1_100_000
    _line(data, "Region Gävleborg")["amount"] = 300_000


def _together_over_half_without_tillvaxtverket(data):
    _line(data, "Tillväxtverket")["kind"] = "other_public"
    _line(data, "Region Gävleborg")["kind"] = "regional_grant_2003_596"
    _line(data, "Region Gävleborg")["amount"] = 700_000
    _line(data, "Tillväxtverket")["amount"] = 700_000
    _line(data, "Fiktiva Exempelbolaget AB")["amount"] = 200_000


def _received_after_start(data):
    data["dates"]["application_received"] = data["dates"]["project_start"].replace(day=2)
    data["dates"]["decision"] = data["dates"]["project_start"].replace(day=3)  # a decision comes after the application


def _no_indicator(data):
    data["indicators"] = []


def _advance_too_large(data):
    data["decision"]["advance"]["amount"] = 250_000


def _unconfirmed_without_condition(data):
    _line(data, "Tillväxtverket")["confirmed"] = False


def _owner_not_rua(data):
    data["applicant"]["name"] = "Fiktiva föreningen Exempel"


def _single_region(data):
    data["partners"] = []


def _no_agencies(data):
    data["involved_agencies"] = []


BREAKERS = {
    "finansiering-lika-kostnader": _costs_differ,
    "egen-rad-lika-sokt-belopp": _own_line_differs,
    "beslutad-andel": _share_differs,
    "maxbelopp-mot-sokt-belopp": _cap_above_applied,
    "5-paragraf-per-beslutsfattare": _one_decision_maker_over_half,
    "5-paragraf-sammanlagt": _together_over_half_without_tillvaxtverket,
    "1-paragraf-avgransning": _drop_assessment("separation_from_operations"),
    "2-paragraf-statsstod": _drop_assessment("state_aid"),
    "3-paragraf-regional-strategi": _drop_assessment("regional_strategy"),
    "5-paragraf-driftsstod": _drop_assessment("operating_support"),
    "6-paragraf-foretagsstod": _drop_assessment("business_support_measures"),
    "datum-ordning": _received_after_start,
    "uppfoljning-indikator": _no_indicator,
    "11-paragraf-forskott": _advance_too_large,
    "villkor-ovrig-finansiering": _unconfirmed_without_condition,
    "utlysning-projektagare-rua": _owner_not_rua,
    "utlysning-minst-tva-regioner": _single_region,
    "utlysning-myndigheter-involverade": _no_agencies,
}


def test_every_rule_has_a_breaking_case():
    # The follow-up rules are broken one by one in tests/test_follow_up_rules.py.
    assert set(BREAKERS) == {r.id for r in RULES if r.rule_set is not RuleSetId.FOLLOW_UP}


@pytest.mark.parametrize("rule_id", BREAKERS)
def test_breaking_one_rule_fails_exactly_that_rule(fictional_base, rule_id):
    data = copy.deepcopy(fictional_base.model_dump())
    BREAKERS[rule_id](data)
    results = evaluate_case(Case.model_validate(data))
    failing = {rid for rid, r in results.items() if r.outcome in FAILING}
    assert failing == {rule_id}


def test_a_negative_judgement_is_not_met(fictional_base):
    data = copy.deepcopy(fictional_base.model_dump())
    next(a for a in data["assessments"] if a["topic"] == "operating_support")["met"] = False
    assert evaluate_case(Case.model_validate(data))["5-paragraf-driftsstod"].outcome is Outcome.NOT_MET


def test_tillvaxtverket_clause_still_caps_at_one_hundred_percent(fictional_base):
    data = copy.deepcopy(fictional_base.model_dump())
    data["total_costs"] = 1_000_000  # grants under the ordinance 1 200 000 > 100 % of costs
    result = evaluate_case(Case.model_validate(data))["5-paragraf-sammanlagt"]
    assert result.outcome is Outcome.NOT_MET and "över 100 procent" in result.evidence


def test_advance_needs_special_reasons(fictional_base):
    data = copy.deepcopy(fictional_base.model_dump())
    data["decision"]["advance"]["special_reasons"] = None
    result = evaluate_case(Case.model_validate(data))["11-paragraf-forskott"]
    assert result.outcome is Outcome.NOT_MET and "särskilda skäl anges inte" in result.evidence


def test_advance_ceiling_is_400_000(fictional_base):
    data = copy.deepcopy(fictional_base.model_dump())
    data["decision"]["max_amount"] = 1_000_000
    data["amount_applied_for"] = 1_000_000
    _line(data, "Region Dalarna")["amount"] = 1_000_000
    data["decision"]["advance"]["amount"] = 400_001
    result = evaluate_case(Case.model_validate(data))["11-paragraf-forskott"]
    assert result.outcome is Outcome.NOT_MET and "mer än 400" in result.evidence


@pytest.mark.parametrize(
    ("advance", "max_amount", "amounts"),
    [
        (150_000, 400_000, "Förskott 150\xa0000\xa0kr av beviljat stöd högst 400\xa0000\xa0kr."),
        (200_000, 400_000, "Förskott 200\xa0000\xa0kr av beviljat stöd högst 400\xa0000\xa0kr."),
        (400_000, 800_000, "Förskott 400\xa0000\xa0kr av beviljat stöd högst 800\xa0000\xa0kr."),
    ],
    ids=["under-half", "exactly-half", "exactly-half-and-the-ceiling"],
)
def test_an_advance_of_at_most_half_and_at_most_400_000_is_met(fictional_base, advance, max_amount, amounts):
    data = copy.deepcopy(fictional_base.model_dump())
    data["decision"]["max_amount"] = max_amount
    data["decision"]["advance"]["amount"] = advance
    result = evaluate_case(Case.model_validate(data))["11-paragraf-forskott"]
    assert (result.outcome, result.evidence) == (
        Outcome.MET,
        amounts + ' Särskilda skäl: "Fiktivt skäl – projektägaren saknar likviditet för projektets första kvartal.".',
    )


def test_every_rule_names_its_legal_source_and_wording():
    for rule in RULES:
        assert rule.source and rule.wording and rule.requires and rule.title, rule.id
    five = [r for r in RULES if r.id.startswith("5-paragraf")]
    assert all("SFS 2009:674" in r.wording for r in five)


def test_needing_attention_is_exactly_not_met_missing_judgement_and_review():
    assert {Outcome.NOT_MET, Outcome.MISSING_JUDGEMENT, Outcome.REVIEW} == FAILING


@pytest.mark.parametrize(
    "topic,rule_id",
    [("business_support_measures", "6-paragraf-foretagsstod"), ("operating_support", "5-paragraf-driftsstod")],
)
def test_a_judgement_not_recorded_is_missing_not_a_breach(fictional_base, topic, rule_id):
    data = copy.deepcopy(fictional_base.model_dump())
    _drop_assessment(topic)(data)
    result = evaluate_case(Case.model_validate(data))[rule_id]
    assert result.outcome is Outcome.MISSING_JUDGEMENT
    assert result.outcome.value == "Bedömning saknas"
    assert "betyder inte att kravet är brutet" in result.evidence


def test_spin_6_paragraph_reads_missing_judgement(spin):
    result = evaluate_case(spin)["6-paragraf-foretagsstod"]
    assert result.outcome.value == "Bedömning saknas" and result.outcome.needs_attention


def test_tillvaxtverket_with_only_regional_public_money_does_not_pass_through_the_clause(fictional_base):
    """Regression: Tillväxtverket 1 100 000 kr and one region's money that is not 1:1 money.

    No other decision-maker grants under the ordinance, so the 100 % clause does not apply.
    """
    data = copy.deepcopy(fictional_base.model_dump())
    _line(data, "Tillväxtverket")["amount"] = 1_100_000
    _line(data, "Region Dalarna")["kind"] = "regional_public"
    _line(data, "Region Gävleborg")["amount"] = 300_000
    result = evaluate_case(Case.model_validate(data))["5-paragraf-sammanlagt"]
    assert result.outcome is Outcome.NOT_MET
    assert "0 andra beslutsfattare" in result.evidence
    assert "tillåtet upp till 100 procent" not in result.evidence


def test_the_clause_needs_tillvaxtverket_by_identity_not_by_the_kind_of_money(fictional_base):
    """The base plan (Tillväxtverket 40 % + Region Dalarna 20 %) passes only through the clause;
    without Tillväxtverket in the reference data the same national line does not count."""
    figures = financing_figures(fictional_base)
    actors = load_regional_actors(REFERENCE_DIR)
    with_agency = CaseContext(
        fictional_base, figures, actors, load_national_agencies(REFERENCE_DIR), as_of=as_of_date()
    )
    without = CaseContext(fictional_base, figures, actors, (), as_of=as_of_date())
    by_id = {r.rule.id: r for r in evaluate(with_agency)}
    assert by_id["5-paragraf-sammanlagt"].outcome is Outcome.MET
    result = {r.rule.id: r for r in evaluate(without)}["5-paragraf-sammanlagt"]
    assert result.outcome is Outcome.NOT_MET and "Tillväxtverket beviljar inte" in result.evidence


def test_tillvaxtverket_is_known_by_its_alias(fictional_base):
    data = copy.deepcopy(fictional_base.model_dump())
    _line(data, "Tillväxtverket")["financier"] = "Verket för näringslivsutveckling"
    data["total_costs"] = 2_000_000
    _line(data, "Verket för näringslivsutveckling")["amount"] = 800_000
    _line(data, "Region Gävleborg")["amount"] = 200_000
    _line(data, "Fiktiva Exempelbolaget AB")["amount"] = 600_000
    data["decision"]["share_percent"] = "20.00"
    result = evaluate_case(Case.model_validate(data))["5-paragraf-sammanlagt"]
    assert result.outcome is Outcome.MET, result.evidence


def test_national_money_from_another_agency_is_an_input_error(tmp_path, capsys):
    root = tmp_path / "repo"
    (root / "data" / "cases").mkdir(parents=True)
    shutil.copytree(REFERENCE_DIR, root / "data" / "reference")
    data = yaml.safe_load(SPIN_PATH.read_text(encoding="utf-8"))
    data["id"] = "fiktiv-trafikverket"
    data["financing_plan"][0]["financier"] = "Trafikverket"
    (root / "data" / "cases" / "fiktiv-trafikverket.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )
    assert main(["--root", str(root), "check"]) == 2
    out, err = capsys.readouterr()
    assert "fiktiv-trafikverket.yaml" in err and "financing_plan, post 1, financier" in err
    assert "'Trafikverket' har slaget national_grant_2003_596" in err and "national_agencies.yaml" in err
    assert "Traceback" not in out + err


def test_a_recorded_judgement_is_quoted_with_who_made_it_and_where(spin, fictional_base):
    assert evaluate_case(spin)["5-paragraf-driftsstod"].evidence == (
        '"Projektet utgör inte driftstöd." (Region Jämtland Härjedalen, tjänsteskrivelse, Beslutsmotivering – Legal)'
    )
    assert evaluate_case(fictional_base)["5-paragraf-driftsstod"].evidence == (
        '"Fiktiv bedömning av driftsstöd." (Fiktiv handläggare)'
    )  # no section recorded
    assert evaluate_case(spin)["6-paragraf-foretagsstod"].evidence == (
        "Ärendet registrerar ingen bedömning av detta. Det betyder inte att kravet är brutet, "
        "men regeln kan inte avgöras förrän handläggarens bedömning finns."
    )


def test_the_audit_trail_lists_every_module_of_the_rule_package():
    """A page's audit trail gives the SHA-256 of each file its rules come from; a new rule module must be among them."""
    from casebook.engine.audit import RULE_FILES

    package = REPO / "casebook" / "domain" / "rules"
    assert sorted(name for _, name in RULE_FILES) == sorted(path.name for path in package.glob("*.py"))


def test_a_result_as_the_open_data_record(spin):
    """The record of one result in the open-data results files: every key, each with its value."""
    result = evaluate_case(spin)["5-paragraf-per-beslutsfattare"]
    assert result.as_dict() == {
        "rule_id": "5-paragraf-per-beslutsfattare",
        "rule_set": "forordning-2003-596",
        "title": "Varje beslutsfattare högst 50 procent",
        "source": "5 § tredje meningen förordning (2003:596)",
        "wording": "5 § i lydelse enligt SFS 2009:674",
        "kind": "Krav",
        "outcome": "Uppfyllt",
        "evidence": result.evidence,
        "source_url": "https://lagen.nu/2003:596#P5",
    }
    assert result.evidence


def test_each_rule_module_lists_its_own_rules_and_a_rule_travels_as_its_id():
    """Pickling a rule (the evaluation cache, the workers) looks it up again by module and id."""
    for module in (ordinance, call, follow_up):
        assert module.RULES and rules_of(module.__name__) == module.RULES
        assert {r.check.__module__ for r in module.RULES} == {module.__name__}
    assert sorted(r.id for r in RULES) == sorted(r.id for m in (ordinance, call, follow_up) for r in m.RULES)
    for r in RULES:
        assert registered_rule(r.check.__module__, r.id) is r
        assert pickle.loads(pickle.dumps(r)) is r
    with pytest.raises(LookupError, match=r"^unknown rule 'okänd-regel'$"):
        registered_rule(ordinance.__name__, "okänd-regel")
    other = dataclasses.replace(RULES[0], title="En annan regel")
    with pytest.raises(pickle.PicklingError, match=rf"^rule '{RULES[0].id}' is not the registered rule of that id$"):
        pickle.dumps(other)


def test_the_call_rules_name_what_they_found(spin, fictional_base):
    """The evidence of the call's three rules, word for word: SPIN's four regions and its agency."""
    results = evaluate_case(spin)
    assert results["utlysning-projektagare-rua"].evidence == (
        "Region Västernorrland är regionalt utvecklingsansvarig (länskod 22)."
    )
    assert results["utlysning-minst-tva-regioner"].evidence == (
        "Regionalt utvecklingsansvariga i projektet: Region Jämtland Härjedalen, Region Norrbotten, "
        "Region Västerbotten, Region Västernorrland (4 st.)."
    )
    assert results["utlysning-myndigheter-involverade"].evidence == "Involverade: Tillväxtverket."
    data = copy.deepcopy(fictional_base.model_dump())
    _single_region(data)
    _no_agencies(data)
    results = evaluate_case(Case.model_validate(data))
    assert results["utlysning-minst-tva-regioner"].evidence == (
        "Regionalt utvecklingsansvariga i projektet: Region Gävleborg (1 st.)."
    )
    assert results["utlysning-myndigheter-involverade"].evidence == (
        "Inga länsstyrelser eller nationella aktörer är angivna (rekommendation, rådgivande)."
    )
    _owner_not_rua(data)
    results = evaluate_case(Case.model_validate(data))
    assert (
        results["utlysning-minst-tva-regioner"].evidence == "Regionalt utvecklingsansvariga i projektet: inga (0 st.)."
    )


def test_the_financing_rules_show_their_arithmetic_word_for_word(spin, fictional_base):
    """The evidence of the four financing rules: SPIN (no total costs; the maximum 1 kr above the
    amount applied for), the fictional base case, and the base case with every one of them broken."""
    ids = ["finansiering-lika-kostnader", "egen-rad-lika-sokt-belopp", "beslutad-andel", "maxbelopp-mot-sokt-belopp"]

    def evidence(case: Case) -> list[tuple[Outcome, str]]:
        results = evaluate_case(case)
        return [(results[i].outcome, results[i].evidence) for i in ids]

    assert evidence(spin) == [
        (
            Outcome.NOT_APPLICABLE,
            "Ärendet anger inga totala kostnader. Finansieringen, 6\xa0200\xa0285\xa0kr, används som projektets utgifter.",
        ),
        (
            Outcome.MET,
            "Region Jämtland Härjedalen i finansieringsplanen 749\xa0999\xa0kr, sökt belopp 749\xa0999\xa0kr.",
        ),
        (
            Outcome.MET,
            "749\xa0999\xa0kr / 6\xa0200\xa0285\xa0kr = 12,0962\xa0%, avrundat 12,10\xa0%; beslutad andel 12,10\xa0%.",
        ),
        (
            Outcome.REVIEW,
            "Maxbeloppet 750\xa0000\xa0kr är 1\xa0kr högre än sökt belopp 749\xa0999\xa0kr. Andelen gånger total "
            "finansiering är 750\xa0234\xa0kr, över maxbeloppet: taket nås när godkända kostnader överstiger "
            "6\xa0198\xa0347\xa0kr.",
        ),
    ]
    assert evidence(fictional_base) == [
        (Outcome.MET, "Finansiering 2\xa0000\xa0000\xa0kr = kostnader 2\xa0000\xa0000\xa0kr."),
        (Outcome.MET, "Region Dalarna i finansieringsplanen 400\xa0000\xa0kr, sökt belopp 400\xa0000\xa0kr."),
        (
            Outcome.MET,
            "400\xa0000\xa0kr / 2\xa0000\xa0000\xa0kr = 20,0000\xa0%, avrundat 20,00\xa0%; beslutad andel 20,00\xa0%.",
        ),
        (
            Outcome.MET,
            "Maxbeloppet 400\xa0000\xa0kr, sökt belopp 400\xa0000\xa0kr. Andelen gånger total finansiering är "
            "400\xa0000\xa0kr, inom maxbeloppet.",
        ),
    ]
    data = copy.deepcopy(fictional_base.model_dump())
    _costs_differ(data)
    _own_line_differs(data)
    _share_differs(data)
    assert evidence(Case.model_validate(data)) == [
        (
            Outcome.NOT_MET,
            "Finansiering 2\xa0000\xa0000\xa0kr ≠ kostnader 2\xa0100\xa0000\xa0kr (skillnad −100\xa0000\xa0kr).",
        ),
        (Outcome.NOT_MET, "Region Dalarna i finansieringsplanen 400\xa0000\xa0kr, sökt belopp 450\xa0000\xa0kr."),
        (
            Outcome.REVIEW,
            "400\xa0000\xa0kr / 2\xa0000\xa0000\xa0kr = 20,0000\xa0%, avrundat 20,00\xa0%; beslutad andel 20,50\xa0%.",
        ),
        (
            # 20,50 % of 2 000 000 kr is 410 000 kr; the cap of 400 000 kr binds above 400 000 / 0,205 = 1 951 219,5 kr.
            Outcome.MET,
            "Maxbeloppet 400\xa0000\xa0kr, sökt belopp 450\xa0000\xa0kr. Andelen gånger total finansiering är "
            "410\xa0000\xa0kr, över maxbeloppet: taket nås när godkända kostnader överstiger 1\xa0951\xa0219\xa0kr.",
        ),
    ]


def test_the_agencies_rule_names_every_agency(fictional_base):
    data = copy.deepcopy(fictional_base.model_dump())
    data["involved_agencies"] = ["Länsstyrelsen i Exempel län (fiktiv)", "Tillväxtverket"]
    assert evaluate_case(Case.model_validate(data))["utlysning-myndigheter-involverade"].evidence == (
        "Involverade: Länsstyrelsen i Exempel län (fiktiv), Tillväxtverket."
    )


def test_the_5_paragraph_rules_word_for_word(spin, fictional_base):
    """Both 5 § rules' evidence: SPIN (through the Tillväxtverket clause, its other regions' money
    named), the fictional base case, a decided share of exactly 50 % (not over), one decision
    maker over half and the decided share over 50 % (both named), and two regions over half
    together without Tillväxtverket."""
    per, together = "5-paragraf-per-beslutsfattare", "5-paragraf-sammanlagt"

    def changed(*changes, share=None) -> dict[str, tuple[Outcome, str]]:
        data = copy.deepcopy(fictional_base.model_dump())
        for change in changes:
            change(data)
        if share is not None:
            data["decision"]["share_percent"] = share
        results = evaluate_case(Case.model_validate(data))
        return {i: (results[i].outcome, results[i].evidence) for i in (per, together)}

    results = evaluate_case(spin)
    assert (results[per].outcome, results[per].evidence) == (
        Outcome.MET,
        "Av projektets utgifter 6\xa0200\xa0285\xa0kr: Tillväxtverket 3\xa0000\xa0000\xa0kr = 48,38\xa0%; "
        "Region Jämtland Härjedalen 749\xa0999\xa0kr = 12,10\xa0%. Alla högst 50 procent.",
    )
    assert results[together].evidence == (
        "Bidrag enligt förordningen: Tillväxtverket 48,38\xa0%, Region Jämtland Härjedalen 12,10\xa0%; sammanlagt "
        "3\xa0749\xa0999\xa0kr = 60,48\xa0% av utgifterna 6\xa0200\xa0285\xa0kr. Regionala medel som inte anges som "
        "1:1-medel (Region Västerbotten, Region Norrbotten, 1\xa0500\xa0000\xa0kr) är inte medräknade; med dem blir "
        "summan 84,67\xa0%. Över 50 procent men tillåtet upp till 100 procent eftersom Tillväxtverket och minst en "
        "annan beslutsfattare (1 st.: Region Jämtland Härjedalen) beslutar om bidrag för projektet (5 § andra "
        "meningen)."
    )
    base = {
        per: (
            Outcome.MET,
            "Av projektets utgifter 2\xa0000\xa0000\xa0kr: Tillväxtverket 800\xa0000\xa0kr = 40,00\xa0%; "
            "Region Dalarna 400\xa0000\xa0kr = 20,00\xa0%. Alla högst 50 procent.",
        ),
        together: (
            Outcome.MET,
            "Bidrag enligt förordningen: Tillväxtverket 40,00\xa0%, Region Dalarna 20,00\xa0%; sammanlagt "
            "1\xa0200\xa0000\xa0kr = 60,00\xa0% av utgifterna 2\xa0000\xa0000\xa0kr. Över 50 procent men tillåtet upp "
            "till 100 procent eftersom Tillväxtverket och minst en annan beslutsfattare (1 st.: Region Dalarna) "
            "beslutar om bidrag för projektet (5 § andra meningen).",
        ),
    }
    assert changed() == base
    assert changed(share="50.00") == base  # exactly half is allowed
    assert changed(_one_decision_maker_over_half, share="50.50")[per] == (
        Outcome.NOT_MET,
        "Av projektets utgifter 2\xa0000\xa0000\xa0kr: Tillväxtverket 1\xa0100\xa0000\xa0kr = 55,00\xa0%; "
        "Region Dalarna 400\xa0000\xa0kr = 20,00\xa0%. Över 50 procent: Tillväxtverket, Region Dalarna.",
    )
    assert changed(_together_over_half_without_tillvaxtverket)[together] == (
        Outcome.NOT_MET,
        "Bidrag enligt förordningen: Region Dalarna 20,00\xa0%, Region Gävleborg 35,00\xa0%; sammanlagt "
        "1\xa0100\xa0000\xa0kr = 55,00\xa0% av utgifterna 2\xa0000\xa0000\xa0kr. Sammanlagt över 50 procent utan att "
        "Tillväxtverket och en annan beslutsfattare båda beviljar bidrag (Tillväxtverket beviljar inte; 2 andra "
        "beslutsfattare beviljar bidrag enligt förordningen).",
    )


def test_the_dates_indicator_advance_and_conditions_rules_word_for_word(spin, fictional_base):
    """SPIN, the fictional base case, and the base case with every problem of these rules at once:
    the application received on the day the project starts, the final report due before the project
    ends, indicators with targets 1, 0 and 3 (0 is no target), an advance of more than half the
    grant without special reasons, two lines not confirmed and no condition in the decision."""
    ids = ["datum-ordning", "uppfoljning-indikator", "11-paragraf-forskott", "villkor-ovrig-finansiering"]

    def evidence(case: Case) -> list[tuple[Outcome, str]]:
        results = evaluate_case(case)
        return [(results[i].outcome, results[i].evidence) for i in ids]

    assert evidence(spin) == [
        (Outcome.MET, "Ansökan inkom 2025-09-09, projekttid 2025-11-03–2027-09-30, slutrapport senast 2027-09-30."),
        (Outcome.MET, "Kunskapsunderlag: 3 stycken (Nationell indikator)."),
        (Outcome.NOT_APPLICABLE, "Inget förskott begärs; stödet betalas ut i efterhand."),
        (
            Outcome.MET,
            "Inte bekräftad: Tillväxtverket 3\xa0000\xa0000\xa0kr, Region Västerbotten 750\xa0000\xa0kr, Region "
            "Norrbotten 750\xa0000\xa0kr, Region Västernorrland 950\xa0286\xa0kr. Beslutet gäller under förutsättning "
            "att övrig finansiering ordnas.",
        ),
    ]
    assert evidence(fictional_base) == [
        (Outcome.MET, "Ansökan inkom 2017-01-10, projekttid 2017-03-01–2018-12-31, slutrapport senast 2019-02-28."),
        (Outcome.MET, "Fiktiva underlag: 2 stycken (Fiktiv indikator)."),
        (
            Outcome.MET,
            'Förskott 100\xa0000\xa0kr av beviljat stöd högst 400\xa0000\xa0kr. Särskilda skäl: "Fiktivt skäl – '
            'projektägaren saknar likviditet för projektets första kvartal.".',
        ),
        (Outcome.NOT_APPLICABLE, "All övrig finansiering är bekräftad."),
    ]
    data = copy.deepcopy(fictional_base.model_dump())
    data["dates"]["application_received"] = data["dates"]["decision"] = data["dates"]["project_start"]
    data["dates"]["final_report_due"] = dt.date(2018, 12, 30)
    data["indicators"] = [
        {"name": "A", "target": 1, "unit": "st", "kind": "Fiktiv 1"},
        {"name": "B", "target": 0, "unit": "st", "kind": "Fiktiv 2"},
        {"name": "C", "target": 3, "unit": "möten", "kind": "Fiktiv 3"},
    ]
    data["decision"]["advance"] = {"amount": 250_000, "special_reasons": None}
    _unconfirmed_without_condition(data)
    _line(data, "Fiktiva Exempelbolaget AB")["confirmed"] = False
    assert evidence(Case.model_validate(data)) == [
        (
            Outcome.NOT_MET,
            "Ansökan inkom 2017-03-01, projekttid 2017-03-01–2018-12-31, slutrapport senast 2018-12-30. Ansökan inkom "
            "inte före projektstart; slutrapporten ska lämnas före projektets slut.",
        ),
        (Outcome.MET, "A: 1 st (Fiktiv 1); C: 3 möten (Fiktiv 3)."),
        (
            Outcome.NOT_MET,
            "Förskott 250\xa0000\xa0kr av beviljat stöd högst 400\xa0000\xa0kr. Brister: mer än hälften av stödet "
            "(400\xa0000\xa0kr); särskilda skäl anges inte.",
        ),
        (
            Outcome.NOT_MET,
            "Inte bekräftad: Tillväxtverket 800\xa0000\xa0kr, Fiktiva Exempelbolaget AB 200\xa0000\xa0kr. Beslutet är "
            "inte villkorat av den.",
        ),
    ]
    _no_indicator(data)
    assert evidence(Case.model_validate(data))[1] == (Outcome.NOT_MET, "Ingen indikator med målvärde är registrerad.")


def test_the_5_paragraph_total_in_each_of_its_branches_word_for_word(fictional_base):
    """At most half (only Region Dalarna under the ordinance), through the clause with two other
    decision makers, over 100 percent, and Tillväxtverket alone over half."""

    def together(change) -> tuple[Outcome, str]:
        data = copy.deepcopy(fictional_base.model_dump())
        change(data)
        result = evaluate_case(Case.model_validate(data))["5-paragraf-sammanlagt"]
        return result.outcome, result.evidence

    def only_region_dalarna(data):
        _line(data, "Tillväxtverket")["kind"] = "other_public"

    def gavleborg_too(data):
        _line(data, "Region Gävleborg")["kind"] = "regional_grant_2003_596"

    def costs_of_one_million(data):
        data["total_costs"] = 1_000_000

    def tillvaxtverket_alone(data):
        _one_decision_maker_over_half(data)
        _line(data, "Region Dalarna")["kind"] = "other_public"

    prefix = "Bidrag enligt förordningen: "
    assert together(only_region_dalarna) == (
        Outcome.MET,
        prefix
        + "Region Dalarna 20,00\xa0%; sammanlagt 400\xa0000\xa0kr = 20,00\xa0% av utgifterna 2\xa0000\xa0000\xa0kr. "
        "Högst 50 procent (5 § första meningen).",
    )
    assert together(gavleborg_too) == (
        Outcome.MET,
        prefix + "Tillväxtverket 40,00\xa0%, Region Dalarna 20,00\xa0%, Region Gävleborg 30,00\xa0%; sammanlagt "
        "1\xa0800\xa0000\xa0kr = 90,00\xa0% av utgifterna 2\xa0000\xa0000\xa0kr. Över 50 procent men tillåtet upp till "
        "100 procent eftersom Tillväxtverket och minst en annan beslutsfattare (2 st.: Region Dalarna, Region "
        "Gävleborg) beslutar om bidrag för projektet (5 § andra meningen).",
    )
    assert together(costs_of_one_million) == (
        Outcome.NOT_MET,
        prefix
        + "Tillväxtverket 80,00\xa0%, Region Dalarna 40,00\xa0%; sammanlagt 1\xa0200\xa0000\xa0kr = 120,00\xa0% av "
        "utgifterna 1\xa0000\xa0000\xa0kr. Sammanlagt över 100 procent.",
    )
    assert together(tillvaxtverket_alone) == (
        Outcome.NOT_MET,
        prefix + "Tillväxtverket 55,00\xa0%; sammanlagt 1\xa0100\xa0000\xa0kr = 55,00\xa0% av utgifterna "
        "2\xa0000\xa0000\xa0kr. Sammanlagt över 50 procent utan att Tillväxtverket och en annan beslutsfattare båda "
        "beviljar bidrag (Tillväxtverket beviljar; 0 andra beslutsfattare beviljar bidrag enligt förordningen).",
    )
