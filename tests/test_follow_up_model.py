"""The follow-up section of the case file: optional, strict, and errors that name the field."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from conftest import FICTIONAL_BASE_PATH, REPO, SPIN_PATH

from casebook.domain.case_file import load_case
from casebook.domain.clock import as_of_date
from casebook.domain.errors import CaseFileError
from casebook.domain.model import FOLLOW_UP_SINCE_VERSION, SCHEMA_VERSION, CaseState

FOLLOW_UP_CASES = sorted((REPO / "tests" / "cases").glob("fiktiv-uppfoljning-*.yaml"))
TAK = REPO / "tests" / "cases" / "fiktiv-uppfoljning-tak.yaml"


def test_the_schema_version_was_bumped_for_the_follow_up():
    assert FOLLOW_UP_SINCE_VERSION == 3 <= SCHEMA_VERSION


def test_older_files_without_follow_up_stay_valid(spin, fictional_base, tmp_path):
    assert spin.follow_up is None
    assert fictional_base.schema_version == 2 and fictional_base.follow_up is None
    # A version 1 file had no status block: with a decision date it reads as decided.
    text = FICTIONAL_BASE_PATH.read_text(encoding="utf-8").replace("schema_version: 2", "schema_version: 1")
    version_1 = "\n".join(
        line
        for line in text.splitlines()
        if not line.startswith(("status:", "  state:", "  decided_by:", "  decision_reference:"))
    )
    path = tmp_path / "fiktiv-bas.yaml"
    path.write_text(version_1 + "\n", encoding="utf-8")
    old = load_case(path, as_of=as_of_date())
    assert old.schema_version == 1 and old.status is None and old.state is CaseState.DECIDED


@pytest.mark.parametrize("path", FOLLOW_UP_CASES, ids=lambda p: p.stem)
def test_every_fictional_follow_up_case_is_marked_and_valid(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# FICTIONAL test case.")
    case = load_case(path, as_of=as_of_date())
    assert case.follow_up is not None and case.title.startswith("FIKTIVT TESTÄRENDE")


def test_there_are_four_follow_up_cases():
    assert [p.stem for p in FOLLOW_UP_CASES] == [
        "fiktiv-uppfoljning-avslutad",
        "fiktiv-uppfoljning-forskott",
        "fiktiv-uppfoljning-sen",
        "fiktiv-uppfoljning-tak",
    ]


def test_the_follow_up_is_read_as_written():
    follow_up = load_case(TAK, as_of=as_of_date()).follow_up
    assert len(follow_up.payment_requests) == 4
    first = follow_up.payment_requests[0]
    assert (first.period_start, first.period_end, first.received, first.paid) == (
        dt.date(2017, 3, 1),
        dt.date(2017, 8, 31),
        dt.date(2017, 9, 20),
        dt.date(2017, 10, 15),
    )
    assert (first.reported_costs, first.approved_costs) == (620_000, 600_000)
    assert str(follow_up.terms.withheld_until_final_report_percent) == "10"
    assert follow_up.final_report.received == dt.date(2019, 1, 30)


class _NoAliases(yaml.SafeDumper):
    """Case files refuse YAML aliases, so a test document must be written without them."""

    def ignore_aliases(self, data) -> bool:  # PyYAML's signature
        return True


def _write(tmp_path, document: dict, name: str = "fiktiv-uppfoljning-tak"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.dump(document, Dumper=_NoAliases, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _tak() -> dict:
    return yaml.safe_load(TAK.read_text(encoding="utf-8"))


def _problems(path) -> list[tuple[str, str]]:
    with pytest.raises(CaseFileError) as caught:
        load_case(path, as_of=as_of_date())
    return [(p.field, p.message) for p in caught.value.problems]


def test_a_request_paid_before_it_came_in(tmp_path):
    document = _tak()
    document["follow_up"]["payment_requests"][2]["paid"] = dt.date(2018, 9, 1)
    assert _problems(_write(tmp_path, document)) == [
        ("follow_up.payment_requests, post 3, paid", "utbetald 2018-09-01, före den dag begäran inkom 2018-09-15")
    ]


def test_a_period_that_ends_before_it_starts(tmp_path):
    document = _tak()
    document["follow_up"]["payment_requests"][0]["period_end"] = dt.date(2017, 2, 1)
    [(field, message)] = _problems(_write(tmp_path, document))
    assert field == "follow_up.payment_requests, post 1, period_end" and "före periodens början 2017-03-01" in message


def test_a_closed_case_with_an_unpaid_request(tmp_path):
    document = _tak()
    document["follow_up"]["payment_requests"][3].pop("paid")
    document["follow_up"]["closed"] = dt.date(2019, 6, 1)
    assert _problems(_write(tmp_path, document)) == [
        (
            "follow_up.payment_requests, post 4, paid",
            "ärendet är avslutat (follow_up.closed) men begäran är inte utbetald",
        )
    ]


def test_an_indicator_outcome_given_twice(tmp_path):
    document = _tak()
    document["follow_up"]["indicator_outcomes"].append(dict(document["follow_up"]["indicator_outcomes"][0]))
    assert _problems(_write(tmp_path, document)) == [
        ("follow_up.indicator_outcomes, post 2, indicator", "utfall för 'Fiktiva underlag' är redan angivet")
    ]


def test_negative_approved_costs_name_the_field(tmp_path):
    document = _tak()
    document["follow_up"]["payment_requests"][1]["approved_costs"] = -1
    [(field, message)] = _problems(_write(tmp_path, document))
    assert field == "follow_up.payment_requests, post 2, approved_costs" and message.startswith("ska vara minst 0")


def test_an_unknown_follow_up_field_is_refused(tmp_path):
    document = _tak()
    document["follow_up"]["payment_requests"][0]["amount_paid"] = 120000
    [(field, message)] = _problems(_write(tmp_path, document))
    assert field == "follow_up.payment_requests, post 1, amount_paid" and "okänt fält" in message


def test_a_rejected_case_cannot_have_a_follow_up(tmp_path):
    document = _tak()
    document["status"] = {"state": "rejected", "decided_by": "Fiktiv nämnd"}
    assert _problems(_write(tmp_path, document)) == [
        ("follow_up", "uppföljning finns bara för beviljade ärenden; ärendet är avslaget")
    ]


def test_spin_stays_a_proposal_without_payments():
    text = SPIN_PATH.read_text(encoding="utf-8")
    assert "follow_up" not in text and load_case(SPIN_PATH, as_of=as_of_date()).follow_up is None
    assert FICTIONAL_BASE_PATH.exists()
