"""Swedish organisation numbers: form, the legal-person rule and the Luhn check digit, in the
case files, the reference data and `casebook check`, and the JSON Schema that states the
same rule for the open data (a property test against the Python rule)."""

from __future__ import annotations

import re
import shutil

import jsonschema
import pytest
from conftest import REFERENCE_DIR, SPIN_PATH, casebook, copy_project
from hypothesis import given, settings
from hypothesis import strategies as st

from casebook.domain import organisation_number
from casebook.domain.case_file import load_case
from casebook.domain.clock import as_of_date
from casebook.domain.errors import CaseFileError
from casebook.domain.reference import load_national_agencies, load_publisher, load_regional_actors

# Numbers whose check digit is right, each stated by a public source: the reference data's
# sources, and the examples on a public page about organisation numbers (Stockholms stad, Saab AB).
VALID = ["232100-0214", "232100-0180", "232100-0016", "202100-6149", "212000-0142", "556036-0793"]


def luhn_valid(digits: str) -> bool:
    """The Luhn check, written here independently of the package: double every second digit from the right."""
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


@pytest.mark.parametrize("number", VALID)
def test_numbers_from_sources_are_valid(number):
    assert organisation_number.problem(number) is None


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("232100-0215", "fel kontrollsiffra"),
        ("232100-0000", "fel kontrollsiffra"),
        ("2321000214", "NNNNNN-NNNN"),
        ("232100 0214", "NNNNNN-NNNN"),
        ("２３２１００-０２１４", "NNNNNN-NNNN"),  # full-width digits are digits to Python, not to the rule
        ("811218-9876", "personnummer"),  # a personal identity number (third digit 1), Luhn-valid
    ],
)
def test_wrong_numbers_are_named_in_swedish(number, fragment):
    assert fragment in organisation_number.problem(number)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_the_check_digit_completes_any_nine_digits(nine):
    digits = nine + str(organisation_number.check_digit(nine))
    assert luhn_valid(digits)
    assert sum(luhn_valid(nine + str(d)) for d in range(10)) == 1


SCHEMA = jsonschema.Draft202012Validator(organisation_number.json_schema())


@settings(max_examples=500)
@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_the_json_schema_accepts_exactly_the_valid_numbers(digits):
    number = f"{digits[:6]}-{digits[6:]}"
    assert SCHEMA.is_valid(number) == (organisation_number.problem(number) is None)


@settings(max_examples=300)
@given(st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda d: d[2] not in "01"))
def test_the_json_schema_accepts_every_valid_number(nine):
    digits = nine + str(organisation_number.check_digit(nine))
    number = f"{digits[:6]}-{digits[6:]}"
    assert SCHEMA.is_valid(number)
    assert not SCHEMA.is_valid(number[:-1] + str((int(number[-1]) + 1) % 10))  # every other last digit is wrong


def test_the_json_schema_rejects_other_forms():
    for number in ("2321000214", "232100-02140", "232100-021", "a32100-0214", "232100-0214 ", "811218-9876"):
        assert not SCHEMA.is_valid(number), number


def test_every_number_in_the_reference_data_is_valid_and_has_a_source():
    organisations = (*load_regional_actors(REFERENCE_DIR), *load_national_agencies(REFERENCE_DIR))
    numbered = [o for o in organisations if o.organisation_number]
    assert len(numbered) == 8
    assert all(o.source and organisation_number.problem(o.organisation_number) is None for o in numbered)
    publisher = load_publisher(REFERENCE_DIR)
    assert organisation_number.problem(publisher.organisation_number) is None


def test_a_case_file_with_a_wrong_check_digit_is_refused(tmp_path):
    case = tmp_path / SPIN_PATH.name
    case.write_text(
        SPIN_PATH.read_text(encoding="utf-8").replace('"232100-0214"', '"232100-0215"', 1), encoding="utf-8"
    )
    with pytest.raises(CaseFileError) as caught:
        load_case(case, as_of=as_of_date())
    assert caught.value.problems[0].field == "decision_maker.organisation_number"
    assert (
        "fel kontrollsiffra" in caught.value.problems[0].message and "'232100-0215'" in caught.value.problems[0].message
    )


def test_check_names_a_wrong_check_digit_in_a_case_file_the_reference_data_and_the_publisher(tmp_path):
    root = copy_project(tmp_path / "repo")
    case = root / "data" / "cases" / SPIN_PATH.name
    case.write_text(
        case.read_text(encoding="utf-8").replace(
            'organisation_number: "232100-0214"', 'organisation_number: "232100-0241"', 1
        ),
        encoding="utf-8",
    )
    done = casebook(root, "check")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert re.search(
        r"decision_maker\.organisation_number \(rad 15\): har fel kontrollsiffra .*'232100-0241'", done.stderr
    ), done.stderr

    shutil.copy2(SPIN_PATH, case)
    actors = root / "data" / "reference" / "regional_actors.yaml"
    actors.write_text(actors.read_text(encoding="utf-8").replace('"232100-0180"', '"232100-0189"'), encoding="utf-8")
    done = casebook(root, "check")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    line = next(i for i, text in enumerate(actors.read_text(encoding="utf-8").splitlines(), 1) if "232100-0189" in text)
    assert re.search(
        rf"regional_actors\.yaml:\n  - post \d+, organisation_number \(rad {line}\): har fel kontrollsiffra "
        r".*'232100-0189'",
        done.stderr,
    ), done.stderr

    shutil.copy2(REFERENCE_DIR / "regional_actors.yaml", actors)
    publisher = root / "data" / "reference" / "publisher.yaml"
    publisher.write_text(
        publisher.read_text(encoding="utf-8").replace('"232100-0214"', '"232100-0241"'), encoding="utf-8"
    )
    done = casebook(root, "check")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    line = next(
        i for i, text in enumerate(publisher.read_text(encoding="utf-8").splitlines(), 1) if "232100-0241" in text
    )
    assert re.search(
        rf"publisher\.yaml:\n  - organisation_number \(rad {line}\): har fel kontrollsiffra .*'232100-0241'",
        done.stderr,
    ), done.stderr


def test_the_table_schema_pattern_is_the_form_of_the_same_rule():
    """A Table Schema pattern cannot count a check digit: it states the form, the legal-person rule included."""
    from casebook.render.datapackage import field
    from casebook.render.opendata_tables import DECISION_COLUMNS

    column = next(c for c in DECISION_COLUMNS if c.name == "applicant_organisation_number")
    form = field(column)["constraints"]["pattern"]
    assert (
        re.fullmatch(form, "232100-0214")
        and not re.fullmatch(form, "811218-9876")
        and not re.fullmatch(form, "2321000214")
    )
