"""The build's time comes from one module: ``SOURCE_DATE_EPOCH`` is read and checked there only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import REPO

from casebook.domain import clock
from casebook.domain.errors import UserError


def test_source_date_epoch_fixes_the_moment_the_date_and_every_writer_reads_it(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764460800")  # 2025-11-30 00:00 UTC
    moment = dt.datetime(2025, 11, 30, tzinfo=dt.UTC)
    assert clock.fixed_moment() == clock.now() == moment and clock.as_of_date() == dt.date(2025, 11, 30)
    from casebook.render.opendata_tables import file_time
    from casebook.render.typst_pdf import creation_time

    assert (creation_time(), file_time(REPO / "README.md")) == (moment, moment)


@pytest.mark.parametrize("value", ["", None])
def test_unset_or_empty_is_the_current_time_in_whole_seconds(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    now = clock.now()
    assert clock.fixed_moment() is None and now.microsecond == 0 and now.tzinfo == dt.UTC
    assert before <= now <= dt.datetime.now(dt.UTC)


@pytest.mark.parametrize("value", ["1764460800.5", "-1", "i morgon"])
def test_a_malformed_value_is_a_swedish_error_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    with pytest.raises(UserError, match=f"SOURCE_DATE_EPOCH ska vara ett heltal.*inte '{re.escape(value)}'"):
        clock.now()


def test_no_other_module_reads_source_date_epoch():
    sources = list(REPO.joinpath("casebook").rglob("*.py"))
    readers = sorted(
        str(p.relative_to(REPO))
        for p in sources
        if p.name != "clock.py"
        and re.search(
            r"environ\.get\(\s*[\"']SOURCE_DATE_EPOCH|getenv\(\s*[\"']SOURCE_DATE_EPOCH", p.read_text(encoding="utf-8")
        )
    )
    assert readers == []


def test_the_fixed_epoch_is_handed_on_as_set_and_checked(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764460800")
    assert clock.fixed_epoch() == "1764460800"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "")
    assert clock.fixed_epoch() is None
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0x10")
    with pytest.raises(UserError):
        clock.fixed_epoch()
