"""The Atom feed of new and changed decisions (casebook.render.feed), read back with feedparser
and checked against the elements RFC 4287 requires."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import feedparser
from conftest import REFERENCE_DIR, REPO, SPIN_PATH

from casebook.domain.clock import as_of_date
from casebook.domain.evaluation import evaluate_case
from casebook.domain.reference import load_publisher
from casebook.render.feed import ATOM, atom_feed

PUBLISHER = load_publisher(REFERENCE_DIR)  # site_url https://example.invalid/casebook/
NBSP = "\N{NO-BREAK SPACE}"
RFC_3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def _reports():
    paths = [
        SPIN_PATH,
        REPO / "tests" / "cases" / "fiktiv-bas.yaml",
        REPO / "tests" / "opendata_cases" / "fiktiv-avslag.yaml",
    ]
    return [evaluate_case(path, REFERENCE_DIR, as_of=as_of_date()) for path in paths]


def test_a_feed_reader_reads_one_entry_per_case_and_state_with_swedish_titles():
    parsed = feedparser.parse(atom_feed(_reports(), PUBLISHER, {}))
    assert parsed.bozo == 0 and parsed.version == "atom10"
    assert parsed.feed.language == "sv" and parsed.feed.author == "Region Jämtland Härjedalen"
    titles = {entry.id: entry.title for entry in parsed.entries}
    page = "https://example.invalid/casebook/book/cases/"
    assert titles == {
        f"{page}fiktiv-bas.html#decided": f"Beviljat: Region Dalarna, högst 400{NBSP}000{NBSP}kr (20,00{NBSP}%) "
        "– FIKTIVT TESTÄRENDE – Samverkan i Exempelbygd",
        f"{page}fiktiv-avslag.html#rejected": titles[f"{page}fiktiv-avslag.html#rejected"],
        f"{page}rjh-2025-spin.html#proposal": f"Förslag till beslut: Region Jämtland Härjedalen, högst 750{NBSP}000{NBSP}kr (12,10{NBSP}%), "
        "inte beslutat ännu – SPIN – Strategisk Planering i Norr",
    }
    assert (
        titles[f"{page}fiktiv-avslag.html#rejected"].startswith("Avslaget: ")
        and "avslår ansökan" in titles[f"{page}fiktiv-avslag.html#rejected"]
    )
    for entry in parsed.entries:
        assert entry.link == entry.id.split("#")[0]


def test_every_element_rfc_4287_requires_is_there_and_dates_come_from_the_data():
    root = ET.fromstring(atom_feed(_reports(), PUBLISHER, {}))
    atom = f"{{{ATOM}}}"
    for required in ("id", "title", "updated", "author"):
        assert len(root.findall(atom + required)) == 1, required  # atom:feed: exactly one each
    assert root.find(f"{atom}link[@rel='self']").get("href") == "https://example.invalid/casebook/beslut.atom"
    entries = root.findall(atom + "entry")
    assert len(entries) == 3
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert len(entry.findall(atom + required)) == 1, required
        assert entry.find(f"{atom}link[@rel='alternate']") is not None and entry.find(atom + "summary").text
        assert RFC_3339.fullmatch(entry.find(atom + "updated").text)
    ids = [entry.find(atom + "id").text for entry in entries]
    assert len(set(ids)) == len(ids) and all(i.startswith("https://") for i in ids)
    # Newest first; SPIN's proposal is dated by its application, the decided case by its decision.
    updated = [entry.find(atom + "updated").text for entry in entries]
    assert updated == sorted(updated, reverse=True)
    assert root.find(atom + "updated").text == updated[0]
    spin = next(e for e in entries if e.find(atom + "id").text.endswith("rjh-2025-spin.html#proposal"))
    assert spin.find(atom + "published").text == "2025-09-09T00:00:00Z"


def test_a_later_change_of_the_case_file_updates_its_entry_and_the_output_is_the_same_every_time():
    reports = _reports()
    history = {
        "rjh-2025-spin": [
            {"commit": "", "date": "", "message": "x"},
            {"commit": "abc1234", "date": "2026-01-05", "message": "y", "fields": ["dates"]},
        ]
    }
    first = atom_feed(reports, PUBLISHER, history)
    assert first == atom_feed(reports, PUBLISHER, history)
    parsed = feedparser.parse(first)
    spin = next(e for e in parsed.entries if e.id.endswith("#proposal"))
    assert spin.updated == "2026-01-05T00:00:00Z" and spin.published == "2025-09-09T00:00:00Z"
    assert (
        parsed.feed.updated == "2026-01-05T00:00:00Z"
    )  # the newest entry: SPIN's change, after fiktiv-avslag's decision (2017-02-21)
    # No date of the build: every date in the feed is one of the data's.
    data_dates = {"2026-01-05"} | {
        d.isoformat() for r in reports for d in (r.case.dates.decision, r.case.dates.application_received) if d
    }
    assert set(re.findall(r"\d{4}-\d\d-\d\d", first.decode())) <= data_dates


def test_a_site_with_no_case_still_has_a_valid_feed():
    parsed = feedparser.parse(atom_feed([], PUBLISHER, {}))
    assert parsed.bozo == 0 and parsed.entries == [] and parsed.feed.updated == "1970-01-01T00:00:00Z"
