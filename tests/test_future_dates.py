"""What has happened cannot be dated after the build date: a mistyped year is a Swedish error
naming the field (exit 2), never a payment counted as made. Planned dates may lie ahead."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
import yaml
from conftest import REFERENCE_DIR, REPO

from casebook.cli import main
from casebook.domain.clock import as_of_date
from casebook.domain.errors import CaseFileError
from casebook.domain.evaluation import evaluate_case

CASES = REPO / "tests" / "cases"
BUILD_DAY = dt.date(2019, 6, 30)  # after every event of the fictional follow-up cases
NEXT_DAY = BUILD_DAY + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def build_day(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2019, 6, 30, 12, tzinfo=dt.UTC).timestamp())))


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data) -> bool:  # PyYAML's signature
        return True


def _with(tmp_path, name: str, change) -> object:
    document = yaml.safe_load((CASES / f"{name}.yaml").read_text(encoding="utf-8"))
    change(document)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.dump(document, Dumper=_NoAliases, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _set(*keys):
    def change(document):
        node = document
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = NEXT_DAY

    return change


def _refused(path) -> list[tuple[str, str]]:
    with pytest.raises(CaseFileError) as raised:
        evaluate_case(path, REFERENCE_DIR, as_of=as_of_date())
    return [(p.field, p.message) for p in raised.value.problems]


@pytest.mark.parametrize(
    ("name", "keys", "field"),
    [
        ("fiktiv-uppfoljning-tak", ("dates", "application_received"), "dates.application_received"),
        ("fiktiv-uppfoljning-tak", ("dates", "decision"), "dates.decision"),
        ("fiktiv-uppfoljning-forskott", ("follow_up", "advance", "paid"), "follow_up.advance.paid"),
        (
            "fiktiv-uppfoljning-tak",
            ("follow_up", "payment_requests", 3, "received"),
            "follow_up.payment_requests, post 4, received",
        ),
        (
            "fiktiv-uppfoljning-tak",
            ("follow_up", "payment_requests", 3, "paid"),
            "follow_up.payment_requests, post 4, paid",
        ),
        ("fiktiv-uppfoljning-avslutad", ("follow_up", "final_report", "received"), "follow_up.final_report.received"),
        ("fiktiv-uppfoljning-avslutad", ("follow_up", "final_report", "approved"), "follow_up.final_report.approved"),
        (
            "fiktiv-uppfoljning-avslutad",
            ("follow_up", "indicator_outcomes", 0, "reported"),
            "follow_up.indicator_outcomes, post 1, reported",
        ),
        ("fiktiv-uppfoljning-avslutad", ("follow_up", "closed"), "follow_up.closed"),
    ],
    ids=lambda value: value if isinstance(value, str) and "." in value else None,
)
def test_an_event_after_the_build_date_is_refused_by_its_field(tmp_path, name, keys, field):
    path = _with(tmp_path, name, _set(*keys))
    problems = _refused(path)
    assert (
        field,
        "2019-07-01 är efter byggdatum 2019-06-30: det som har hänt kan inte ha ett datum i framtiden (fel årtal?)",
    ) in problems


@pytest.mark.parametrize(
    "keys",
    [("dates", "project_end"), ("dates", "final_report_due"), ("follow_up", "terms", "last_payment_request")],
    ids=lambda keys: ".".join(keys),
)
def test_a_planned_date_may_lie_ahead(tmp_path, keys):
    path = _with(tmp_path, "fiktiv-uppfoljning-tak", _set(*keys))
    assert evaluate_case(path, REFERENCE_DIR, as_of=as_of_date()).case.id == "fiktiv-uppfoljning-tak"


def test_an_event_on_the_build_date_is_accepted(tmp_path):
    def change(document):
        document["follow_up"]["closed"] = BUILD_DAY

    assert (
        evaluate_case(
            _with(tmp_path, "fiktiv-uppfoljning-avslutad", change), REFERENCE_DIR, as_of=as_of_date()
        ).case.follow_up.closed
        == BUILD_DAY
    )


def test_check_names_the_future_payment_and_runs_nothing(tmp_path, capsys):
    root = tmp_path / "repo"
    (root / "data" / "cases").mkdir(parents=True)
    shutil.copytree(REFERENCE_DIR, root / "data" / "reference")
    path = _with(tmp_path, "fiktiv-uppfoljning-tak", _set("follow_up", "payment_requests", 0, "paid"))
    path.rename(root / "data" / "cases" / path.name)
    assert main(["--root", str(root), "check"]) == 2
    err = capsys.readouterr().err
    written = (root / "data" / "cases" / path.name).read_text(encoding="utf-8").splitlines()
    line = next(number for number, text in enumerate(written, 1) if "2019-07-01" in text)
    assert f"follow_up.payment_requests, post 1, paid (rad {line}): 2019-07-01 är efter byggdatum 2019-06-30" in err
    assert "Traceback" not in err


def test_a_malformed_build_date_is_a_swedish_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "igår")
    assert main(["--root", str(REPO), "check"]) == 2
    assert "SOURCE_DATE_EPOCH ska vara ett heltal" in capsys.readouterr().err
