"""The case file format: SPIN loads exactly; bad files give errors naming file and field."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from conftest import SPIN_PATH
from pydantic import ValidationError

from casebook.domain.case_file import load_case
from casebook.domain.clock import as_of_date
from casebook.domain.errors import CaseFileError
from casebook.domain.model import Case, FinancierKind, RuleSetId, case_json_schema
from casebook.domain.yaml_reader import read_yaml


def test_spin_case_captures_the_decision_memo(spin):
    assert spin.title == "SPIN – Strategisk Planering i Norr"
    assert spin.decision_maker.name == "Region Jämtland Härjedalen"
    assert spin.decision_maker.organisation_number == "232100-0214"
    assert spin.applicant.name == "Region Västernorrland"
    assert spin.amount_applied_for == 749_999
    assert spin.dates.application_received == dt.date(2025, 9, 9)
    assert (spin.dates.project_start, spin.dates.project_end) == (dt.date(2025, 11, 3), dt.date(2027, 9, 30))
    assert spin.dates.final_report_due == dt.date(2027, 9, 30)
    assert spin.decision.share_percent == Decimal("12.10")
    assert isinstance(spin.decision.share_percent, Decimal)
    assert spin.decision.max_amount == 750_000
    assert spin.decision.appropriation == "Anslag 1:1 Regionala utvecklingsåtgärder"
    assert "RUN/640/2017" in spin.decision.general_terms
    assert spin.decision.conditional_on_other_financing is True
    assert [(i.name, i.target) for i in spin.indicators] == [("Kunskapsunderlag", Decimal(3))]
    assert [s.name for s in spin.signatories] == ["Sara Lewerentz", "Lena Persson"]
    assert spin.own_line.kind is FinancierKind.REGIONAL_GRANT_2003_596
    assert spin.rule_sets == [RuleSetId.ORDINANCE_2003_596, RuleSetId.STRATEGIC_PLANNING_CALL_2025]


def test_money_is_never_float(spin):
    for line in spin.financing_plan:
        assert type(line.amount) is int


def _write(tmp_path, text: str, name: str = "rjh-2025-spin.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


SPIN_TEXT = SPIN_PATH.read_text(encoding="utf-8")

BAD_EDITS = [
    # (description, old, new, field named in the error, words in the message)
    ("money as a decimal", "amount: 950286", "amount: 950286.50", "financing_plan, post 4, amount", "heltal"),
    ("money as text", "amount_applied_for: 749999", "amount_applied_for: mycket", "amount_applied_for", "heltal"),
    ("negative amount", "    amount: 3000000", "    amount: -3000000", "financing_plan, post 1, amount", "större än 0"),
    ("absurd amount", "    amount: 3000000", "    amount: 30000000000000", "financing_plan, post 1, amount", "högst"),
    ("zero amount", "max_amount: 750000", "max_amount: 0", "decision.max_amount", "större än 0"),
    ("share over 100", "share_percent: 12.10", "share_percent: 112.10", "decision.share_percent", "högst 100"),
    ("unknown financier kind", "kind: own_funds", "kind: egna_pengar", "financing_plan, post 4, kind", "okänt värde"),
    ("missing field", "amount_applied_for: 749999\n", "", "amount_applied_for", "saknas"),
    ("misspelt field", "total_costs: null", "total_cost: null", "total_cost", "okänt fält"),
    ("bad date", "project_start: 2025-11-03", "project_start: 2025-13-03", "dates.project_start", "datum"),
    (
        "bad organisation number",
        '"232100-0214"\napplicant',
        '"2321000214"\napplicant',
        "decision_maker.organisation_number",
        "NNNNNN-NNNN",
    ),
    ("unknown rule set", "- forordning-2003-596", "- forordning-1999-1", "rule_sets, post 1", "okänt värde"),
    ("id not the file name", "id: rjh-2025-spin", "id: rjh-2025-annat", "id", "filnamnet"),
    ("id escaping the folder", "id: rjh-2025-spin", "id: ../x", "id", "små bokstäver"),
    (
        "decision maker missing from plan",
        "  - financier: Region Jämtland Härjedalen\n",
        "  - financier: Region Jämtland\n",
        "financing_plan",
        "exakt en rad",
    ),
    ("malformed YAML", "title: SPIN", "title: [SPIN", "rad ", "ogiltig YAML"),
]


@pytest.mark.parametrize(("description", "old", "new", "field", "words"), BAD_EDITS, ids=[b[0] for b in BAD_EDITS])
def test_bad_case_file_names_the_file_and_field(tmp_path, description, old, new, field, words):
    assert old in SPIN_TEXT, description
    path = _write(tmp_path, SPIN_TEXT.replace(old, new, 1))
    with pytest.raises(CaseFileError) as raised:
        load_case(path, as_of=as_of_date())
    message = raised.value.render()
    assert str(path) in message
    assert field in message and words in message


def test_a_tab_after_a_colon_is_a_space_but_a_tab_that_indents_is_named(tmp_path):
    """libyaml reads a tab between a key and its value as white space (as YAML allows); a
    tab used to indent is an error that says it is a tab."""
    assert (
        load_case(
            _write(tmp_path, SPIN_TEXT.replace("amount_applied_for: ", "amount_applied_for:\t", 1)), as_of=as_of_date()
        ).amount_applied_for
        == 749_999
    )
    indented = SPIN_TEXT.replace(
        "  - financier: Region Jämtland Härjedalen\n", "\t- financier: Region Jämtland Härjedalen\n", 1
    )
    with pytest.raises(CaseFileError, match="tabbtecken"):
        load_case(_write(tmp_path, indented), as_of=as_of_date())


def test_empty_file(tmp_path):
    with pytest.raises(CaseFileError, match="filen är tom"):
        load_case(_write(tmp_path, ""), as_of=as_of_date())


def test_not_utf8(tmp_path):
    path = tmp_path / "rjh-2025-spin.yaml"
    path.write_bytes(SPIN_TEXT.encode("latin-1", errors="replace"))
    with pytest.raises(CaseFileError, match="inte giltig UTF-8"):
        load_case(path, as_of=as_of_date())


def test_a_list_instead_of_a_mapping(tmp_path):
    with pytest.raises(CaseFileError, match="YAML-mappning"):
        load_case(_write(tmp_path, "- a\n- b\n"), as_of=as_of_date())


def test_json_schema_is_valid_json_and_describes_the_case():
    schema = json.loads(json.dumps(case_json_schema()))
    assert schema["$schema"].endswith("2020-12/schema")
    assert {"id", "financing_plan", "decision", "assessments"} <= set(schema["properties"])
    assert set(schema["required"]) >= {"id", "title", "financing_plan", "decision"}


def test_model_is_frozen(spin):
    with pytest.raises(ValidationError, match="frozen_instance"):
        spin.title = "annat"  # type: ignore[misc]
    assert isinstance(spin, Case)


def test_the_own_line_follows_a_copy_that_replaces_the_plan_or_the_decision_maker(spin):
    assert spin.own_line.financier == spin.decision_maker.name == "Region Jämtland Härjedalen"
    reordered = spin.model_copy(update={"financing_plan": list(reversed(spin.financing_plan))})
    assert reordered.own_line is spin.own_line  # the same line object, found in the new plan
    other = next(line for line in spin.financing_plan if line is not spin.own_line)
    renamed = spin.model_copy(
        update={"decision_maker": spin.decision_maker.model_copy(update={"name": other.financier})}
    )
    assert renamed.own_line is other
    assert spin.own_line.financier == "Region Jämtland Härjedalen"


def test_a_financier_named_three_times_is_named_once_in_the_error(tmp_path):
    text = SPIN_PATH.read_text(encoding="utf-8")
    for other in ("Region Västerbotten", "Region Norrbotten"):
        text = text.replace(f"  - financier: {other}\n", "  - financier: Tillväxtverket\n")
    path = tmp_path / "rjh-2025-spin.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CaseFileError) as error:
        load_case(path, as_of=as_of_date())
    assert [(p.field, p.message) for p in error.value.problems] == [
        ("financing_plan", "finansiären förekommer mer än en gång: Tillväxtverket")
    ]


def test_an_ampersand_in_text_is_text_and_a_nested_alias_is_refused():
    assert read_yaml("summary: FoU & innovation\nlista: [a, b]\n") == {
        "summary": "FoU & innovation",
        "lista": ["a", "b"],
    }
    laughs = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    with pytest.raises(Exception, match="YAML-alias"):
        read_yaml(laughs)


def test_a_field_with_a_problem_is_named_with_its_line_and_a_missing_one_with_its_mapping_s(tmp_path):
    lines = SPIN_PATH.read_text(encoding="utf-8").splitlines()
    decision, maximum = lines.index("decision:") + 1, lines.index("  max_amount: 750000") + 1
    wrong = tmp_path / "rjh-2025-spin.yaml"
    wrong.write_text("\n".join(lines).replace("  max_amount: 750000", "  max_amount: -1") + "\n", encoding="utf-8")
    with pytest.raises(CaseFileError) as error:
        load_case(wrong, as_of=as_of_date())
    assert [(p.field, p.line) for p in error.value.problems] == [("decision.max_amount", maximum)]
    assert f"  - decision.max_amount (rad {maximum}): " in str(error.value)
    wrong.write_text("\n".join(line for line in lines if line != "  max_amount: 750000") + "\n", encoding="utf-8")
    with pytest.raises(CaseFileError) as error:
        load_case(wrong, as_of=as_of_date())
    assert [(p.field, p.line) for p in error.value.problems] == [("decision.max_amount", decision)]
