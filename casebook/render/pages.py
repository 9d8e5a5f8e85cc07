"""Generated book content: the case list, the organisation pages, the rule catalogue, the
accessibility statement's contact, the open-data list and the verification result.

The hand-written pages in ``book/`` include these files; the build writes them into the
staged source tree under ``book/_generated/`` (one page per organisation under
``book/organisationer/``). Files under ``book/_generated/extra`` are copied to the site's
root (Sphinx's ``html_extra_path``), so open data, case files and source documents have
stable URLs such as ``data/beslut.csv`` and ``data/arenden/<id>.yaml``.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections import Counter
from pathlib import Path

from casebook.domain import formatting as fmt
from casebook.domain.evaluation import EvaluatedCase
from casebook.domain.model import Case, CaseState
from casebook.domain.reference import Publisher
from casebook.domain.rules import RULES, Outcome
from casebook.render.feed import FEED_FILE, atom_feed
from casebook.render.giving360 import LEFT_OUT_REASONS, left_out
from casebook.render.markup import escape_myst, inline_html, page_table
from casebook.render.opendata import (
    CASE_FILES,
    GIVING360,
    RESULTS,
    SOURCES,
    published_files,
    published_folders,
    source_document_file,
)
from casebook.render.slugs import slug as ascii_slug

GENERATED = Path("book") / "_generated"
OPEN_DATA = GENERATED / "extra" / "data"
"""Where :func:`casebook.render.opendata.write_open_data` writes everything published under ``data/``."""
SITE_CONTEXT = "publisher.json"
"""The publisher as every page's footer shows it, read by casebook/engine/site_extension.py."""


def case_file_url(case_id: str) -> str:
    """The published case file, relative to the site root."""
    return f"data/{CASE_FILES}/{case_id}.yaml"


def memo_url(case_id: str) -> str:
    """The published memo (PDF/A) of a case, relative to the site root."""
    return f"memo/{case_id}.pdf"


def report_pdf_url(case_id: str) -> str:
    """The published PDF/A of a case's report page, relative to the site root."""
    return f"rapport/{case_id}.pdf"


def source_document_url(evaluated: EvaluatedCase) -> str | None:
    """Where a reader finds the source document: the published copy, else the case's own link."""
    if source_document_file(evaluated) is not None:
        return f"data/{SOURCES}/{evaluated.case.source_document.file}"
    url = evaluated.case.source_document.url
    return url if url and url.startswith(("https://", "http://")) else None


def _link(url: str, text: str) -> str:
    """A link in a generated table: ``url`` relative to the page, ``text`` case or rule text."""
    return f'<a href="{html.escape(url)}">{inline_html(text)}</a>'


def _site_link(path: str, text: str) -> str:
    """A link from a page in ``book/`` to a file at the site's root."""
    return _link(f"../{path}", text)


def _case_link(case: Case, prefix: str = "") -> str:
    """A link to a case's page; ``prefix`` leads from the page to ``book/``."""
    return _link(f"{prefix}cases/{case.id}.html", case.title)


ORGANISATIONS = Path("book") / "organisationer"
"""One generated page per organisation (decision-maker, project owner, partner, financier)."""


def _listed_date(report: EvaluatedCase) -> dt.date:
    dates = report.case.dates
    return dates.decision if dates.decision is not None else dates.application_received


def _date_cell(report: EvaluatedCase) -> str:
    """The date :func:`newest_first` sorts by as ``<time>`` (the sort key of
    book/_static/casebook-sort.js; never broken across lines): the decision date, else the
    application's, then marked "(ansökan)"."""
    date = _listed_date(report)
    note = "" if report.case.dates.decision is not None else " (ansökan)"
    return f'<time datetime="{date.isoformat()}">{inline_html(fmt.date(date))}</time>{note}'


def newest_first(reports: list[EvaluatedCase]) -> list[EvaluatedCase]:
    """By decision date, else application date, newest first; the case id breaks ties."""
    by_id = sorted(reports, key=lambda r: r.case.id)
    return sorted(by_id, key=_listed_date, reverse=True)


def organisation_slug(name: str) -> str:
    """The page name of an organisation: ``Region Jämtland Härjedalen`` → ``region-jamtland-harjedalen``,
    the slug its 360Giving id uses too (:mod:`casebook.render.slugs`).

    It depends on the name alone, so a case page can link its organisations without knowing
    the other cases. Names that come out the same (``Region Ö`` and ``Region O``) share one
    page, which names each of them (:func:`write_organisation_pages`).
    """
    return ascii_slug(name) or "organisation"


def organisation_slugs(reports: list[EvaluatedCase]) -> dict[str, str]:
    """The page name (:func:`organisation_slug`) of every organisation named in the cases."""
    return {name: organisation_slug(name) for name in sorted({name for r in reports for name in _organisations_of(r)})}


def _organisations_of(report: EvaluatedCase) -> set[str]:
    case = report.case
    return {
        case.decision_maker.name,
        case.applicant.name,
        *(p.name for p in case.partners),
        *(line.financier for line in case.financing_plan),
    }


def _flags(report: EvaluatedCase) -> str:
    attention = report.needing_attention
    outcomes = sorted({r.outcome.value for r in attention})
    count = f"{len(attention)} av {len(report.results)}"
    return inline_html(", ".join(outcomes) + ": " + count) if outcomes else count


def case_table(reports: list[EvaluatedCase], slugs: dict[str, str] | None = None) -> str:
    """The case list: newest first, with date, state, parties, amount and attention flags."""
    slugs = slugs if slugs is not None else organisation_slugs(reports)
    rows = []
    for r in newest_first(reports):
        case = r.case
        rows.append(
            [
                # Sort keys for book/_static/casebook-sort.js: the ISO date and the exact maximum in kronor.
                _date_cell(r),
                inline_html(case.state.label),
                _case_link(case),
                _organisation_link(case.decision_maker.name, slugs, "organisationer/"),
                _organisation_link(case.applicant.name, slugs, "organisationer/"),
                f'<data value="{granted_or_proposed(case)}">' + inline_html(amount_label(case)) + "</data>",
                _flags(r) + " " + _site_link(f"data/{RESULTS}/{case.id}.json", "(regelutfall som JSON)"),
            ]
        )
    header = ["Datum", "Läge", "Projekt", "Beslutsfattare", "Projektägare", "Belopp", "Regler att granska"]
    caption = (
        f"Alla ärenden ({fmt.plural(len(reports), 'ärende', 'ärenden')}), nyaste först "
        "(efter beslutsdatum, annars datum då ansökan kom in)"
    )
    # The first SORTABLE_COLUMNS columns get sort buttons from book/_static/casebook-sort.js.
    return page_table(
        caption, header, rows, "arenden", css_class=f"casebook-sortable casebook-sortable-{SORTABLE_COLUMNS}"
    )


# Date, state, title, decision-maker, owner and amount: the columns a reader can sort the case list by.
SORTABLE_COLUMNS = 6


def amount_label(case: Case) -> str:
    """The amount as the case's state allows it to be named: granted, only proposed, or rejected."""
    amount = f"{fmt.percent(case.share_percent_in_force)}, högst {fmt.kronor(case.max_amount_in_force)}"
    if case.state is CaseState.PROPOSAL:
        return f"föreslaget: {amount}"
    if case.state is CaseState.REJECTED:
        return "avslaget: inget beviljat"
    return f"beviljat: {amount}"


def granted_or_proposed(case: Case) -> int:
    """The case list's sort key for the amount: the maximum granted or proposed, 0 for a rejection."""
    return 0 if case.state is CaseState.REJECTED else case.max_amount_in_force


def _organisation_link(name: str, slugs: dict[str, str], prefix: str) -> str:
    return _link(f"{prefix}{slugs[name]}.html", name)


def cases_by_organisation(reports: list[EvaluatedCase]) -> dict[str, list[EvaluatedCase]]:
    """Each organisation's cases, newest first: read once for all of them (a page per
    organisation that filtered every case again cost organisations × cases)."""
    found: dict[str, list[EvaluatedCase]] = {}
    for report in newest_first(reports):
        for name in _organisations_of(report):
            found.setdefault(name, []).append(report)
    return found


def organisation_index(reports: list[EvaluatedCase], slugs: dict[str, str]) -> str:
    """Every organisation with a link to its page and its number of cases."""
    by_organisation = cases_by_organisation(reports)
    rows = []
    for name in sorted(slugs, key=str.lower):
        count = len(by_organisation.get(name, []))
        rows.append([_organisation_link(name, slugs, "organisationer/"), fmt.plural(count, "ärende", "ärenden")])
    return page_table("Organisationer i ärendena", ["Organisation", "Ärenden"], rows, "organisationer")


def _role_summary(name: str, mine: list[EvaluatedCase]) -> list[str]:
    """One sentence per role the organisation has in the cases, none for a role it does not have."""
    sentences = []
    deciding = [r.case for r in mine if r.case.decision_maker.name == name]
    if deciding:
        totals: Counter = Counter()  # granted and proposed maximums, by state; counts of each
        for case in deciding:
            if case.state is not CaseState.REJECTED:
                totals[case.state] += case.max_amount_in_force
            totals[(case.state, "count")] += 1
        sentences.append(_as_decision_maker(totals))
    owning = [r for r in mine if r.case.applicant.name == name]
    if owning:
        sentences.append(f"Som projektägare i {fmt.plural(len(owning), 'ärende', 'ärenden')}.")
    partnering = [r for r in mine if any(p.name == name for p in r.case.partners)]
    if partnering:
        sentences.append(f"Som samverkanspart i {fmt.plural(len(partnering), 'ärende', 'ärenden')}.")
    financing = [line.amount for r in mine for line in r.case.financing_plan if line.financier == name]
    if financing:
        sentences.append(
            f"Som finansiär i projektens finansieringsplaner: {fmt.kronor(sum(financing))} sammanlagt "
            f"i {fmt.plural(len(financing), 'ärende', 'ärenden')}."
        )
    return sentences


def organisation_page(name: str, reports: list[EvaluatedCase]) -> str:
    """One organisation's cases in each of its roles, with totals (exact sums of whole kronor)."""
    return _organisation_page([name], cases_by_organisation(reports))


def _organisation_page(names: list[str], by_organisation: dict[str, list[EvaluatedCase]]) -> str:
    """The page of the names that share a page name: a section for each when there are several."""
    if len(names) == 1:
        body = _organisation_body(names[0], by_organisation.get(names[0], []), "arenden")
    else:
        body = "\n".join(
            f"## {escape_myst(name)}\n\n" + _organisation_body(name, by_organisation.get(name, []), f"arenden-{number}")
            for number, name in enumerate(names, start=1)
        )
    return f"---\norphan: true\n---\n\n# {escape_myst(' / '.join(names))}\n\n{body}"


def _organisation_body(name: str, mine: list[EvaluatedCase], table_id: str) -> str:
    """``mine``: the organisation's cases, newest first."""
    rows = []
    for r in mine:
        case = r.case
        roles = []
        if case.decision_maker.name == name:
            roles.append(f"beslutsfattare, {amount_label(case)}")
        if case.applicant.name == name:
            roles.append("projektägare")
        if any(p.name == name for p in case.partners):
            roles.append("samverkanspart")
        line = next((line for line in case.financing_plan if line.financier == name), None)
        if line is not None:
            roles.append(f"finansiär, {fmt.kronor(line.amount)}")
        rows.append(
            [
                _date_cell(r),
                inline_html(case.state.label),
                _case_link(case, "../"),
                inline_html("; ".join(roles)),
                _flags(r),
            ]
        )
    summary = " ".join(
        [f"{name} förekommer i {fmt.plural(len(mine), 'ärende', 'ärenden')}.", *_role_summary(name, mine)]
    )
    table = page_table(
        f"Ärenden där {name} förekommer, nyaste först",
        ["Datum", "Läge", "Projekt", "Roll", "Regler att granska"],
        rows,
        table_id,
    )
    return f"{escape_myst(summary)}\n\n{table}"


def _as_decision_maker(totals: Counter) -> str:
    """Granted and proposed money as a decision-maker, each named for what it is: a proposal is never counted as granted."""
    granted, proposed = totals[(CaseState.DECIDED, "count")], totals[(CaseState.PROPOSAL, "count")]
    rejected = totals[(CaseState.REJECTED, "count")]
    parts = [
        f"beviljat högst {fmt.kronor(totals[CaseState.DECIDED])} sammanlagt i "
        f"{fmt.plural(granted, 'beviljat ärende', 'beviljade ärenden')}"
        if granted
        else "inget beviljat"
    ]
    if proposed:
        parts.append(
            f"föreslaget men inte beslutat ännu högst {fmt.kronor(totals[CaseState.PROPOSAL])} i "
            f"{fmt.plural(proposed, 'förslag till beslut', 'förslag till beslut')}"
        )
    if rejected:
        parts.append(fmt.plural(rejected, "avslaget ärende", "avslagna ärenden"))
    return "Som beslutsfattare: " + "; ".join(parts) + "."


def write_organisation_pages(source_root: Path, reports: list[EvaluatedCase], slugs: dict[str, str]) -> None:
    """One page per page name; names that share a page name each get a section of it."""
    folder = source_root / ORGANISATIONS
    folder.mkdir(parents=True, exist_ok=True)
    by_slug: dict[str, list[str]] = {}
    for name, slug in sorted(slugs.items()):
        by_slug.setdefault(slug, []).append(name)
    by_organisation = cases_by_organisation(reports)
    for slug, names in by_slug.items():
        text = _organisation_page(names, by_organisation)
        (folder / f"{slug}.md").write_text(text, encoding="utf-8")


def rule_catalogue(reports: list[EvaluatedCase]) -> str:
    counts: dict[str, Counter] = {rule.id: Counter() for rule in RULES}
    for report in reports:
        for result in report.results:
            counts[result.rule.id][result.outcome] += 1
    rows = []
    for rule in RULES:
        c = counts[rule.id]
        tally = "; ".join(f"{o.value}: {c[o]}" for o in Outcome if c[o]) or "Inga ärenden"
        source = _link(rule.source_url, rule.source) if rule.source_url else inline_html(rule.source)
        rows.append(
            [
                f'<code class="literal">{inline_html(rule.id)}</code>',  # styled as MyST's inline code
                inline_html(rule.title),
                source + " " + inline_html(f"({rule.wording})"),
                inline_html(rule.requires),
                inline_html(rule.kind.value),
                inline_html(rule.applies_when),
                inline_html(tally),
            ]
        )
    header = ["Id", "Regel", "Källa och lydelse", "Vad källan kräver", "Typ", "Gäller", "Utfall i ärendena"]
    # Seven columns of prose do not fit a text column: each rule is a card at every width.
    return page_table(f"Regelkatalog: {len(RULES)} regler", header, rows, "regler", css_class="casebook-cards")


def open_data_table(reports: list[EvaluatedCase], data_dir: Path) -> str:
    """The open-data files written into ``data_dir``, and which cases the 360Giving file leaves out and why."""
    rows = [
        [_site_link(f"data/{f.name}", f.name), inline_html(f.format.replace("_", "/")), inline_html(f.description)]
        for f in published_files(data_dir)
    ]
    rows += [
        [inline_html(f"data/{folder}/"), inline_html(formats), inline_html(description)]
        for folder, formats, description in published_folders(data_dir)
    ]
    table = page_table("Öppna data att ladda ner", ["Fil", "Format", "Innehåll"], rows, "oppna-data")
    return table + giving360_summary(reports, data_dir) + "\n"


def giving360_summary(reports: list[EvaluatedCase], data_dir: Path) -> str:
    """How many cases are grants in the written 360Giving file, and how many are left out and why.

    Names the file only when it was written: with no grant there is no file (the standard
    requires at least one grant)."""
    path = data_dir / GIVING360
    grants = json.loads(path.read_text(encoding="utf-8"))["grants"] if path.is_file() else []
    granted = {g["x_caseId"] for g in grants}
    cases = fmt.plural(len(reports), "ärende", "ärenden")
    if granted:
        text = f"**360Giving:** {len(granted)} av {cases} är bidrag som utgivaren har beviljat och finns i {GIVING360}."
    else:
        text = (
            f"**360Giving:** inget av {cases} är ett bidrag som utgivaren har beviljat, så ingen 360Giving-fil "
            "publiceras (standarden kräver minst ett bidrag)."
        )
    reasons = left_out(reports, granted)
    if reasons:
        text += " Utanför filen: " if granted else " "
        text += "; ".join(f"{n} {LEFT_OUT_REASONS[key]}" for key, n in sorted(reasons.items())) + "."
    return text + "\n"


def verification_summary(verification: Path, reports: list[EvaluatedCase], cached_sha256: dict[str, str]) -> str:
    """The last verification's result for each published case notebook: whether it reproduced,
    when it was last re-executed and how many outputs were compared; marked stale when the
    notebook has changed since it was verified."""
    if not verification.is_file():
        return (
            "Ingen verifiering har körts för den här versionen av webbplatsen. Verifieringen körs varje vecka och "
            "vid varje release (GitHub Actions), och med `make verify` lokalt.\n"
        )
    data = json.loads(verification.read_text(encoding="utf-8"))
    verified_at = data["verified_at"].replace("T", " ").removesuffix("Z")
    by_case = {r["case_id"]: r for r in data["results"]}
    rows = []
    for report in reports:
        case_id = report.case.id
        result = by_case.get(case_id)
        if result is None:
            status, when, cells = "Inte verifierad", "–", "–"
        elif result["notebook_sha256"] != cached_sha256.get(case_id):
            status, when, cells = (
                "Inaktuell: anteckningsboken har körts om efter verifieringen",
                verified_at,
                str(result["cells"]),
            )
        else:
            status = (
                "Reproducerad" if result["reproduced"] else "Inte reproducerad: " + ", ".join(result["failed_cells"])
            )
            when, cells = verified_at, str(result["cells"])
        rows.append([_case_link(report.case), inline_html(status), inline_html(when), inline_html(cells)])
    reproduced = sum(
        1
        for report in reports
        if (r := by_case.get(report.case.id))
        and r["reproduced"]
        and r["notebook_sha256"] == cached_sha256.get(report.case.id)
    )
    caption = f"Verifiering {verified_at} (UTC): {reproduced} av {fmt.plural(len(reports), 'ärende', 'ärenden')} reproducerades"
    run_url = data.get("run_url")
    where = (
        (
            f"Den senaste verifieringen kördes {escape_myst(verified_at)} (UTC) i GitHub Actions: "
            f"[körningens logg och resultatfil]({run_url}).\n\n"
        )
        if isinstance(run_url, str) and run_url.startswith("https://")
        else f"Den senaste verifieringen kördes {escape_myst(verified_at)} (UTC) med `make verify`.\n\n"
    )
    return where + page_table(
        caption, ["Ärende", "Resultat", "Senast omkörd (UTC)", "Jämförda utdata"], rows, "verifiering"
    )


def accessibility_contact(publisher: Publisher) -> str:
    """The accessibility statement's contact paragraph, from ``publisher.yaml``."""
    ways = [f"e-post <{publisher.contact_email}>"]
    if publisher.phone:
        ways.append(f"telefon {escape_myst(publisher.phone)}")
    return f"Kontakta {escape_myst(publisher.name)}: {' eller '.join(ways)}. Vi svarar så snart vi kan.\n"


def source_code(publisher: Publisher) -> str:
    """The method page's paragraph on where the code and the case files are."""
    if not publisher.repository_url:
        return (
            "Utgivaren har inte angett något offentligt arkiv för koden (`repository_url` i "
            "`data/reference/publisher.yaml`). Varje ärendes datafil kan laddas ner från ärendesidan.\n"
        )
    return (
        f"Koden som räknar fram varje sida, ärendefilerna och deras ändringshistorik finns i projektets "
        f"arkiv: <{publisher.repository_url}>. Med en kopia av arkivet bygger `make site` samma webbplats, "
        "och varje ärendesida anger i sitt revisionsspår vilken version av koden som körde den.\n"
    )


def site_context(publisher: Publisher) -> dict[str, str | None]:
    """What every page's footer shows of the publisher (book/_templates/tillganglighet.html)."""
    return {
        "name": publisher.name,
        "email": publisher.contact_email,
        "phone": publisher.phone,
        "repository_url": publisher.repository_url,
    }


def write_generated(
    source_root: Path,
    reports: list[EvaluatedCase],
    verification: Path,
    cached_sha256: dict[str, str],
    publisher: Publisher,
    histories: dict[str, list[dict[str, str]]],
) -> None:
    """Write every generated file the hand-written pages include or link to; ``histories``:
    each case file's commits (the feed's dates of change)."""
    out = source_root / GENERATED
    (out / "extra").mkdir(parents=True, exist_ok=True)
    (out / "extra" / FEED_FILE).write_bytes(atom_feed(reports, publisher, histories))
    (out / "accessibility_contact.md").write_text(accessibility_contact(publisher), encoding="utf-8")
    (out / "source_code.md").write_text(source_code(publisher), encoding="utf-8")
    (out / SITE_CONTEXT).write_text(
        json.dumps(site_context(publisher), ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    slugs = organisation_slugs(reports)
    (out / "case_table.md").write_text(case_table(reports, slugs), encoding="utf-8")
    (out / "organisation_index.md").write_text(organisation_index(reports, slugs), encoding="utf-8")
    write_organisation_pages(source_root, reports, slugs)
    (out / "rule_catalogue.md").write_text(rule_catalogue(reports), encoding="utf-8")
    (out / "open_data_table.md").write_text(open_data_table(reports, source_root / OPEN_DATA), encoding="utf-8")
    (out / "verification.md").write_text(verification_summary(verification, reports, cached_sha256), encoding="utf-8")
