"""The site's Atom feed (RFC 4287) of new and changed decisions: ``beslut.atom`` at the site root.

One entry per case and state: a case that goes from proposal to decision gets a new entry
(its id names the state), so a feed reader shows the decision as news even when it has
already shown the proposal. Each entry's title says in Swedish what is proposed or decided,
by whom and how much; its id is the case page's address with the state as fragment,
stable across builds.

Dates come from the data only, so the same data gives the same feed, byte for byte: an
entry's ``published`` is the date of its state (the decision date, else the date the
application came in), its ``updated`` the later of that and the last commit that changed
the case file (from the audit trail; uncommitted changes have no date and do not count).
The feed's ``updated`` is the newest entry's.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from casebook.domain import formatting as fmt
from casebook.domain.evaluation import EvaluatedCase
from casebook.domain.model import Case, CaseState
from casebook.domain.reference import Publisher

FEED_FILE = "beslut.atom"
FEED_TITLE = "Nya och ändrade beslut om medfinansiering"
ATOM = "http://www.w3.org/2005/Atom"
# A feed must have an updated date; with no case at all, the data gives none.
NO_DATE = dt.date(1970, 1, 1)


def entry_title(case: Case) -> str:
    """``Beviljat: Region X, högst 750 000 kr (12,10 %) – Projekt``, in the case's state."""
    who = case.decision_maker.name
    amount = f"högst {fmt.kronor(case.max_amount_in_force)} ({fmt.percent(case.share_percent_in_force)})"
    if case.state is CaseState.REJECTED:
        what = f"{who} avslår ansökan"
    elif case.state is CaseState.PROPOSAL:
        what = f"{who}, {amount}, inte beslutat ännu"
    else:
        what = f"{who}, {amount}"
    return f"{case.state.label}: {what} – {case.title}"


def _state_date(case: Case) -> dt.date:
    return case.dates.decision if case.dates.decision is not None else case.dates.application_received


def _last_change(history: list[dict[str, str]]) -> dt.date | None:
    dates = [dt.date.fromisoformat(entry["date"]) for entry in history if entry.get("date")]
    return max(dates, default=None)


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    element.text = text
    return element


def _link(parent: ET.Element, href: str, rel: str, media_type: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}link", {"rel": rel, "type": media_type, "href": href})


def atom_feed(reports: list[EvaluatedCase], publisher: Publisher, histories: dict[str, list[dict[str, str]]]) -> bytes:
    """The feed as UTF-8 XML; ``histories``: each case file's commits (``casebook.engine.audit``)."""
    site = publisher.site_url
    entries = []
    for report in reports:
        case = report.case
        published = _state_date(case)
        changed = _last_change(histories.get(case.id) or [])
        updated = max(published, changed) if changed is not None else published
        entries.append((updated, case, published))
    entries.sort(key=lambda entry: (-entry[0].toordinal(), entry[1].id))

    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "sv"})
    _text(feed, "id", f"{site}{FEED_FILE}")
    _text(feed, "title", FEED_TITLE)
    _text(
        feed,
        "subtitle",
        f"Förslag till beslut och beslut om medfinansiering enligt förordning (2003:596), från {publisher.name}.",
    )
    _text(feed, "updated", _timestamp(entries[0][0] if entries else NO_DATE))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", publisher.name)
    _text(author, "uri", site)
    _link(feed, f"{site}{FEED_FILE}", "self", "application/atom+xml")
    _link(feed, f"{site}book/case_list.html", "alternate", "text/html")
    for updated, case, published in entries:
        page = f"{site}book/cases/{case.id}.html"
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", f"{page}#{case.state.value}")
        _text(entry, "title", entry_title(case))
        _text(entry, "published", _timestamp(published))
        _text(entry, "updated", _timestamp(updated))
        _link(entry, page, "alternate", "text/html")
        _text(entry, "summary", case.summary)
        ET.SubElement(entry, f"{{{ATOM}}}category", {"term": case.state.value, "label": case.state.label})
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
