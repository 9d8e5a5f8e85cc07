"""What a 360Giving grant says of the application and of who the organisations are: the cases of
issue 20's mutation run that no test held (the applied amount; which organisation number wins)."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt

from conftest import FICTIONAL_BASE_PATH, REFERENCE_DIR

from casebook.domain.clock import as_of_date
from casebook.domain.evaluation import EvaluatedCase, evaluate_case
from casebook.domain.model import Case
from casebook.domain.reference import load_national_agencies, load_publisher, load_regional_actors
from casebook.render.giving360 import OrganisationIds, grant
from casebook.render.opendata_tables import CaseFileTimes, DataHistory, OrganisationNumbers

MODIFIED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _evaluated(**changes) -> EvaluatedCase:
    evaluated = evaluate_case(FICTIONAL_BASE_PATH, REFERENCE_DIR, as_of=as_of_date())
    data = copy.deepcopy(evaluated.case.model_dump())
    data.update(changes)
    return dataclasses.replace(evaluated, case=Case.model_validate(data))


def _ids(*reports: EvaluatedCase) -> OrganisationIds:
    numbers = OrganisationNumbers(
        list(reports), load_regional_actors(REFERENCE_DIR), load_national_agencies(REFERENCE_DIR)
    )
    return OrganisationIds(numbers, load_publisher(REFERENCE_DIR))


def test_the_amount_applied_for_is_the_case_files_not_the_awarded_one():
    report = _evaluated(amount_applied_for=432_100)
    history = DataHistory({report.case.id: CaseFileTimes(MODIFIED, MODIFIED)}, 1)
    record = grant(report, _ids(report), load_publisher(REFERENCE_DIR), history)
    assert (record["amountAppliedFor"], record["amountAwarded"]) == (432_100, 400_000)


def test_the_reference_datas_organisation_number_wins_then_the_first_case_files_by_id():
    # Region Dalarna has a number in the reference data; Region Gävleborg has none there.
    first = _evaluated(
        decision_maker={"name": "Region Dalarna", "organisation_number": "212000-0001"},
        applicant={"name": "Region Gävleborg", "organisation_number": "232100-0198"},
    )
    later = _evaluated(id="fiktiv-cesar", applicant={"name": "Region Gävleborg", "organisation_number": "232100-9918"})
    ids = _ids(first, later)
    assert ids.id_for("Region Dalarna") == "SE-ON-232100-0180"  # the reference data's, not the case file's
    assert ids.id_for("Region Gävleborg") == "SE-ON-232100-0198"  # fiktiv-bas's: the first case file by id
    assert _ids(later, first).id_for("Region Gävleborg") == "SE-ON-232100-0198"  # whatever the order given
