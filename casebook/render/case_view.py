"""What a case page shows: tables, charts and glued values, ready for the notebook.

The notebook calls :func:`prepare` and then one method of the :class:`CaseView` per
section. The view reads an :class:`~casebook.domain.evaluation.EvaluatedCase`; it computes
nothing of its own. All text that comes
from a case file is HTML-escaped in tables and glued as plain text, so it is displayed
literally and never interpreted as markup.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from IPython.display import HTML, SVG

from casebook.domain import formatting as fmt
from casebook.domain import narrative, wording
from casebook.domain.case_file import case_file_of
from casebook.domain.errors import CaseFileChanged, CaseFileError
from casebook.domain.evaluation import EvaluatedCase, evaluate_case
from casebook.domain.finance import FinancingFigures, payable
from casebook.domain.model import Case, CaseState
from casebook.domain.reference import Publisher, load_publisher, reference_dir_for
from casebook.domain.rules import Outcome, RuleResult, first_sentence
from casebook.render import charts, follow_up_view, pages
from casebook.render.document import Day, Kind, Link, Table, amount, cell, date, percent, table
from casebook.render.markup import keep_figures_together, narrative_html
from casebook.render.tables import html_table, styled_table

NO_AUDIT = "Anteckningsboken kördes utanför bygget; revisionsspåret fylls i av bygget."
NOT_DECIDED = "Inte beslutat ännu"
NO_NARRATIVE = "Ärendet beskriver inte projektet utöver sammanfattningen i tabellen nedan."

NARRATIVE_ON_THE_PAGE = (
    ("description", "Bakgrund"),
    ("aims", "Projektets mål"),
    ("expected_results_short_term", "Förväntade resultat på kort sikt"),
    ("expected_results_long_term", "Förväntade resultat på lång sikt"),
)
"""The narrative's sections the case page shows below the verdict, with their headings."""


class GluedText:
    """A value glued as plain text: MyST-NB shows its ``text/plain`` form without quotes."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(self.text)


def _show_and_glue(name: str, chart: SVG) -> None:
    """Display ``chart`` as an ordinary output that MyST-NB also finds under ``name``.

    One copy in the notebook serves both readers: JupyterLab shows it in its cell, and the
    site shows it as the ``{glue:figure}`` (the cell itself is removed from the page). A chart
    glued without being displayed would be stored a second time, under a MIME type only
    MyST-NB reads: 16 kB of every case's notebook.
    """
    from myst_nb import glue

    glue(name, chart, display=True)


SITE_ROOT = "../../"
"""From a case page (``book/cases/<id>.html``) to the site's root, where open data and sources are."""


def _organisation(name: str) -> Link:
    """An organisation's name linked to its page on the site (``book/organisationer/``)."""
    return Link(name, f"../organisationer/{pages.organisation_slug(name)}.html")


_MARKUP_LOOKALIKES = str.maketrans(
    {
        "<": "\N{SINGLE LEFT-POINTING ANGLE QUOTATION MARK}",
        ">": "\N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}",
        "&": "\N{FULLWIDTH AMPERSAND}",
    }
)


def _inert(text: str) -> str:
    """Text that stays text even where a tool inserts it as HTML: ``<`` ``>`` ``&`` become look-alikes."""
    return text.translate(_MARKUP_LOOKALIKES)


def rule_anchor(rule_id: str) -> str:
    """The id of a rule's row in the case page's rule table."""
    return f"regel-{rule_id}"


# The case file's top-level fields as a reader knows them (casebook.domain.model.Case).
FIELD_NAMES = {
    "schema_version": "formatversion",
    "id": "ärende-id",
    "title": "projektets namn",
    "reference": "diarienummer",
    "summary": "sammanfattning",
    "decision_maker": "beslutsfattare",
    "applicant": "sökande",
    "partners": "samverkansparter",
    "involved_agencies": "medverkande myndigheter",
    "rule_sets": "regeluppsättningar",
    "dates": "datum",
    "amount_applied_for": "sökt belopp",
    "total_costs": "totala kostnader",
    "stated_total_financing": "angiven total finansiering",
    "financing_plan": "finansieringsplan",
    "decision": "beslutsförslag",
    "status": "läge och beslut",
    "assessments": "bedömningar",
    "indicators": "indikatorer",
    "signatories": "undertecknare",
    "source_document": "källdokument",
    "follow_up": "uppföljning",
    "narrative": "beslutsunderlagets text",
    "#": "kommentarer",
}


def describe_change(change: dict) -> str:
    """A change of the case file in Swedish, from the fields it touched (``casebook.engine.audit``)."""
    if not change.get("commit"):
        return change.get("message") or "Ändringar som inte är incheckade"
    fields = change.get("fields") or []
    if "+" in fields:
        return "Ärendet lades till."
    names = [FIELD_NAMES.get(field, field) for field in fields if field != "-"]
    if not names:
        return "Inga uppgifter ändrades (filen fick nytt namn eller ny form)."
    if names == ["kommentarer"]:
        return "Bara kommentarer i filen ändrades; inga uppgifter."
    return "Ändrade uppgifter: " + ", ".join(names) + "."


@dataclass(frozen=True)
class CaseView:
    """The HTML tables, SVG charts and glued values of one evaluated case."""

    evaluated: EvaluatedCase

    @property
    def case(self) -> Case:
        return self.evaluated.case

    @property
    def figures(self) -> FinancingFigures:
        return self.evaluated.figures

    @property
    def results(self) -> tuple[RuleResult, ...]:
        return self.evaluated.results

    # --- values for the Markdown text ---------------------------------------------------

    def glue_values(self) -> dict[str, GluedText]:
        """Every figure quoted in the report's text, formatted for display."""
        f, c, case = self.figures, self.figures.cap, self.case
        values = {
            "title": case.title,
            "decision_maker": case.decision_maker.name,
            "applicant": case.applicant.name,
            "amount_applied_for": fmt.kronor(case.amount_applied_for),
            "total_financing": fmt.kronor(f.total_financing),
            "own_amount": fmt.kronor(f.own.amount),
            "own_share_exact": fmt.percent(f.own.share, 4),
            "computed_share": fmt.percent(f.computed_share_rounded),
            "decided_share": fmt.percent(c.decided_share),
            "max_amount": fmt.kronor(c.max_amount),
            "share_of_total": fmt.kronor(c.share_of_total),
            "cap_threshold": fmt.kronor(c.threshold_kronor),
            "cap_binds": "binder" if c.cap_binds_within_plan else "binder inte",
            "ordinance_share": fmt.percent(f.ordinance.share),
            "public_share": fmt.percent(f.public_share),
            "project_start": fmt.date(case.dates.project_start),
            "project_end": fmt.date(case.dates.project_end),
            "final_report_due": fmt.date(case.dates.final_report_due),
            "rules_total": str(len(self.results)),
            "rules_attention": str(len(self.evaluated.needing_attention)),
        }
        return {name: GluedText(text) for name, text in values.items()}

    def glued_values_table(self) -> HTML:
        """Every value the text quotes, by its glue name: what an analyst in plain JupyterLab
        reads instead of the ``{glue:text}`` roles, which only the site build fills in."""
        rows = [(name, value.text) for name, value in self.glue_values().items()]
        frame = pd.DataFrame(rows, columns=["Namn i texten", "Värde"])
        return styled_table(frame, "Värdena som texten citerar (glue)", "glued-values")

    def glue_all(self) -> None:
        """Glue every value the text quotes for MyST-NB's ``{glue:text}``. The charts are glued
        where the notebook shows them (:meth:`show_financing_chart`, :meth:`show_payment_chart`)."""
        from myst_nb import glue

        for name, value in self.glue_values().items():
            glue(name, value, display=False)

    def show_financing_chart(self) -> None:
        """The financing chart, shown and glued for the site's ``{glue:figure} financing_chart``."""
        _show_and_glue("financing_chart", self.financing_chart())

    def show_payment_chart(self) -> None:
        """The payment chart, shown and glued for the site's ``{glue:figure} payment_chart``."""
        _show_and_glue("payment_chart", self.payment_chart())

    # --- the verdict, first on the page --------------------------------------------------

    def attention_sentences(self) -> list[tuple[str, str]]:
        """(rule id, one plain sentence) for each rule a reader must look at."""
        sentences = []
        for r in self.evaluated.needing_attention:
            if r.outcome is Outcome.MISSING_JUDGEMENT:
                title = r.rule.title[0].lower() + r.rule.title[1:]
                text = f"{r.outcome.value}: {r.rule.source}, {title}."
            else:
                text = f"{r.outcome.value}: {first_sentence(r.evidence)}"
            sentences.append((r.rule.id, text))
        return sentences

    def verdict_sentences(self) -> list[str]:
        """What is proposed or decided, the most that can be paid, the period and the conditions."""
        case, d = self.case, self.case.dates
        dm, status = case.decision_maker.name, case.status
        period = f"Projekttid {fmt.date(d.project_start)} – {fmt.date(d.project_end)}."
        if case.state is CaseState.REJECTED:
            by = f" av {status.decided_by}" if status and status.decided_by else ""
            return [
                f"{case.state.label} {fmt.date(d.decision)}{by}: {dm} beviljar inget bidrag och betalar inget ut.",
                period,
            ]
        decision = case.decision
        if case.state is CaseState.PROPOSAL:
            # A proposal grants nothing yet: it is never worded as if it were decided.
            first = f"{case.state.label} (inte beslutat ännu): {dm} föreslås bevilja"
            paid = f"Om förslaget beslutas betalas som mest {fmt.kronor(case.max_amount_in_force)} ut."
        else:
            by = f" av {status.decided_by}" if status and status.decided_by else ""
            first = f"{case.state.label} {fmt.date(d.decision)}{by}: {dm} beviljar"
            paid = f"Som mest betalas {fmt.kronor(case.max_amount_in_force)} ut."
        sentences = [
            f"{first} {fmt.percent(case.share_percent_in_force)} av redovisade och godkända kostnader, "
            f"dock högst {fmt.kronor(case.max_amount_in_force)} ({decision.appropriation}).",
            f"{paid} {period}",
        ]
        conditions = []
        if decision.conditional_on_other_financing:
            conditions.append("övrig finansiering ordnas enligt ansökan")
        conditions.append(decision.general_terms + " gäller")
        sentences.append("Villkor: " + "; ".join(conditions) + ".")
        return sentences

    def verdict(self) -> HTML:
        """The decision and its flags in a few plain sentences, for the top of the page."""
        sentences = self.verdict_sentences()
        label = self.case.state.label
        # The state ("Förslag till beslut", "Beviljat", "Avslaget") opens the block, in bold.
        first = f"<strong>{html.escape(label)}</strong>{html.escape(sentences[0][len(label) :])}"
        paragraphs = f"<p>{first}</p>" + "".join(
            f"<p>{html.escape(keep_figures_together(text))}</p>" for text in sentences[1:]
        )
        flags = self.attention_sentences()
        if flags:
            count = fmt.plural(len(flags), "regel kräver", "regler kräver")
            items = "".join(
                f'<li><a href="#{rule_anchor(rule_id)}">{html.escape(keep_figures_together(text))}</a></li>'
                for rule_id, text in flags
            )
            attention = f'<p class="casebook-verdict-flags-title">{count} uppmärksamhet:</p><ul>{items}</ul>'
        else:
            attention = '<p class="casebook-verdict-flags-title">Ingen regel kräver uppmärksamhet.</p>'
        return HTML(
            '<div class="casebook-verdict" role="region" aria-label="Beslutet i korthet">'
            f"{paragraphs}{attention}{self._search_filters()}</div>"
        )

    def _search_filters(self) -> str:
        """What the site's search (Pagefind) filters and sorts case pages by; not shown."""
        case, dates = self.case, self.case.dates
        day = dates.decision or dates.application_received
        filters = {
            "Beslutsfattare": case.decision_maker.name,
            "Projektägare": case.applicant.name,
            "År": str(day.year),
            "Regler att granska": "Kräver uppmärksamhet" if self.evaluated.needing_attention else "Inga",
            "Läge": case.state.label,
        }
        # Pagefind's interface writes filter values into the page as HTML, after decoding any
        # escaping, so markup characters from case text become look-alike angle brackets there.
        spans = "".join(
            f'<span data-pagefind-filter="{html.escape(k)}">{html.escape(_inert(v))}</span>' for k, v in filters.items()
        )
        spans += f'<span data-pagefind-sort="datum">{day.isoformat()}</span>'
        # What a search result shows besides the title (book/_static/casebook-search.js).
        meta = {
            "datum": fmt.date(day) + ("" if dates.decision is not None else " (ansökan)"),
            "lage": case.state.label,
            "beslutsfattare": case.decision_maker.name,
            "belopp": "inget bidrag"
            if case.state is CaseState.REJECTED
            else f"{fmt.percent(case.share_percent_in_force)}, högst {fmt.kronor(case.max_amount_in_force)}",
        }
        spans += "".join(f'<span data-pagefind-meta="{k}">{html.escape(v)}</span>' for k, v in meta.items())
        # data-pagefind-ignore keeps these words out of the full-text index; filters and meta still count.
        return f"<div hidden data-pagefind-ignore>{spans}</div>"

    # --- tables -----------------------------------------------------------------------

    def facts(self) -> Table:
        case, d = self.case, self.case.dates
        partners = [
            part for i, p in enumerate(case.partners) for part in ((", ",) if i else ()) + (_organisation(p.name),)
        ]
        rows = [
            ("Projekt", case.title),
            ("Diarienummer", case.reference or "anges inte i beslutsunderlaget"),
            ("Läge", case.state.label),
            ("Beslutsfattare", cell(_organisation(case.decision_maker.name))),
            ("Sökande och projektägare", cell(_organisation(case.applicant.name))),
            ("Samverkansparter", cell(*partners) if partners else "inga angivna"),
            ("Sökt belopp", amount(case.amount_applied_for)),
            ("Ansökan inkom", date(d.application_received)),
            ("Projekttid", cell(Day(d.project_start), " – ", Day(d.project_end), kind=Kind.DATE)),
            ("Beslutsdatum", date(d.decision) if case.state is not CaseState.PROPOSAL else NOT_DECIDED),
            ("Anslag", case.decision.appropriation),
            ("Allmänna villkor", case.decision.general_terms),
            ("Sammanfattning", case.summary),
        ]
        return table("Ärendet i korthet", ("Uppgift", "Värde"), rows)

    def facts_table(self) -> HTML:
        return html_table(self.facts(), "facts")

    def financing(self) -> Table:
        f = self.figures
        rows = [
            (
                cell(_organisation(s.financier)),
                s.line.kind.label,
                amount(s.amount),
                percent(s.share),
                fmt.yes_no(s.line.confirmed),
            )
            for s in f.shares
        ]
        rows.append(("Summa", "", amount(f.total_financing), percent(sum(s.share for s in f.shares)), ""))
        caption = f"Projektets finansieringsplan, {fmt.kronor(f.total_financing)}. Andelar av total finansiering, två decimaler."
        return table(caption, ("Finansiär", "Slag av medel", "Belopp", "Andel", "Bekräftad"), rows, total=True)

    def financing_table(self) -> HTML:
        return html_table(self.financing(), "financing")

    def decision(self) -> Table:
        f, c = self.figures, self.figures.cap
        rows = [
            ("Beslutsfattarens belopp i finansieringsplanen", amount(f.own.amount)),
            ("Total finansiering", amount(f.total_financing)),
            ("Beräknad andel (belopp / total)", percent(f.own.share, 4)),
            ("Beräknad andel avrundad till två decimaler", percent(f.computed_share_rounded)),
            ("Beslutad andel", percent(c.decided_share)),
            ("Beslutad andel × total finansiering", amount(c.share_of_total)),
            ('Maxbelopp ("dock max")', amount(c.max_amount)),
            ("Maxbeloppet binder inom finansieringsplanen", fmt.yes_no(c.cap_binds_within_plan)),
            ("Taket nås när godkända kostnader överstiger", amount(c.threshold_kronor)),
        ]
        return table("Beslutsförslagets beräkning, steg för steg", ("Steg", "Värde"), rows)

    def decision_table(self) -> HTML:
        return html_table(self.decision(), "decision")

    def payment(self) -> Table:
        """The payment curve's data, so the chart is not the only way to read it."""
        f, c = self.figures, self.figures.cap
        points = sorted({f.total_financing * k // 4 for k in (1, 2, 3, 4)} | {c.threshold_kronor})
        rows = [(amount(x), amount(payable(x, c.decided_share, c.max_amount))) for x in points]
        return table("Utbetalning vid olika nivåer av godkända kostnader", ("Godkända kostnader", "Utbetalning"), rows)

    def payment_table(self) -> HTML:
        return html_table(self.payment(), "payment")

    def proposal(self) -> Table:
        """The proposal's points: the case file's own wording, or the wording written from the figures."""
        points = wording.proposal_points(self.case)
        rows = [(cell(str(i), kind=Kind.NUMBER), text) for i, text in enumerate(points, start=1)]
        return table("Förslaget till beslut, punkt för punkt", ("Punkt", "Förslag"), rows)

    def proposal_table(self) -> HTML:
        return html_table(self.proposal(), "proposal")

    def source_corrections(self) -> Table | None:
        """Errors in the source document that the case file corrects; ``None`` when there are none."""
        corrections = self.case.source_document.corrections
        if not corrections:
            return None
        return table(
            "Rättelser av källdokumentet: där ärendefilen avviker från det och varför",
            ("Källdokumentet skriver", "Ärendefilen anger", "Skäl"),
            [(c.source, c.recorded, c.reason) for c in corrections],
        )

    def source_corrections_table(self) -> HTML | None:
        corrections = self.source_corrections()
        return html_table(corrections, "source-corrections") if corrections is not None else None

    # --- the narrative, below the verdict ------------------------------------------------

    def narrative(self) -> HTML:
        """The project's description, aims and expected results, as the case file writes them.

        Built from the parsed text only (:func:`casebook.render.markup.narrative_html`), so
        the case file's Markdown can never become markup of the page's own.
        """
        written = self.case.narrative
        parts = []
        for field, heading in NARRATIVE_ON_THE_PAGE:
            text = getattr(written, field) if written is not None else None
            if text:
                parts.append(f"<h3>{html.escape(heading)}</h3>{narrative_html(narrative.parse(text))}")
        if not parts:
            parts.append(f"<p>{html.escape(NO_NARRATIVE)}</p>")
        return HTML('<div class="casebook-narrative">' + "".join(parts) + "</div>")

    def narrative_blocks(self) -> list[tuple[str, tuple[narrative.Block, ...]]]:
        """(heading, blocks) of each narrative section the page shows, for the report PDF."""
        written = self.case.narrative
        return [
            (heading, narrative.parse(text))
            for field, heading in NARRATIVE_ON_THE_PAGE
            if written is not None and (text := getattr(written, field))
        ]

    def follow_up(self) -> Table:
        case, d = self.case, self.case.dates
        rows = [(i.name, f"{fmt.number(i.target)} {i.unit}", i.kind) for i in case.indicators]
        rows += [
            ("Projektslut", cell(fmt.date(d.project_end), kind=Kind.DATE), "Datum"),
            ("Slutrapport senast", cell(fmt.date(d.final_report_due), kind=Kind.DATE), "Datum"),
        ]
        return table("Indikatorer och datum för uppföljning", ("Uppföljning", "Mål eller datum", "Slag"), rows)

    def follow_up_table(self) -> HTML:
        return html_table(self.follow_up(), "follow-up")

    def compliance(self) -> Table:
        """Every rule with its outcome and evidence; the legal source links to the law text."""
        rows = [
            (r.rule.title, cell(Link(r.rule.source, r.rule.source_url)), r.rule.kind.value, r.outcome.value, r.evidence)
            for r in self.results
        ]
        return table(
            "Regelkontroller: utfall och underlag per regel", ("Regel", "Källa", "Typ", "Utfall", "Underlag"), rows
        )

    def compliance_table(self) -> HTML:
        # Five columns of prose do not fit a text column: each rule is a block, its title and
        # outcome on the first line, source and kind beneath, then the evidence in full width.
        return html_table(
            self.compliance(),
            "compliance",
            row_ids=[rule_anchor(r.rule.id) for r in self.results],
            css_class="casebook-rule-table",
        )

    def compliance_counts(self) -> Table:
        counts = [(o.value, cell(str(sum(r.outcome is o for r in self.results)), kind=Kind.NUMBER)) for o in Outcome]
        return table("Sammanfattning av regelkontrollerna", ("Utfall", "Antal regler"), counts)

    def compliance_summary(self) -> HTML:
        return html_table(self.compliance_counts(), "compliance-summary")

    def signatories(self) -> Table:
        """Who signed, the source document (linked where the site publishes it) and the case file."""
        rows = [(s.name, s.title) for s in self.case.signatories]
        document_url = pages.source_document_url(self.evaluated)
        if document_url and not document_url.startswith("http"):
            document_url = SITE_ROOT + document_url
        rows.append(("Källdokument", cell(Link(self.case.source_document.title, document_url))))
        case_file = pages.case_file_url(self.case.id)
        rows.append(
            (
                "Ärendefil",
                cell(
                    Link(f"{self.case.id}.yaml", SITE_ROOT + case_file),
                    " (samma fil som SHA-256-summan i revisionsspåret gäller)",
                ),
            )
        )
        rows.append(
            (
                "Beslutsunderlag skrivet från ärendefilen",
                cell(Link("PDF/A för arkivering", SITE_ROOT + pages.memo_url(self.case.id))),
            )
        )
        rows.append(
            (
                "Den här ärenderapporten",
                cell(Link("PDF/A för arkivering", SITE_ROOT + pages.report_pdf_url(self.case.id))),
            )
        )
        return table("Undertecknare och källa", ("Namn", "Roll"), rows)

    def signatories_table(self) -> HTML:
        return html_table(self.signatories(), "signatories")

    def audit(self, audit: dict | None) -> Table:
        """Input hashes, commit, versions, execution time and build date (see ``casebook.engine.audit``)."""
        if audit is None:
            return table("Revisionsspår", ("Uppgift", "Värde"), [("Revisionsspår", NO_AUDIT)])
        rows = [
            (f"SHA-256 för {i['label'].lower()} ({i['path']})", cell(i["sha256"], kind=Kind.HASH))
            for i in audit["inputs"]
        ]
        rows.append(("Git-commit", audit["commit"] or "okänd (bygget kördes utanför ett git-arkiv)"))
        rows += [(f"Version av {name}", version) for name, version in audit["versions"].items()]
        rows.append(("Körd (UTC)", audit["executed_at"]))
        rows.append(("Byggdatum som sidan bedöms per", audit["as_of"]))
        return table("Revisionsspår: vad sidan är beräknad från", ("Uppgift", "Värde"), rows)

    def audit_table(self, audit: dict | None) -> HTML:
        return html_table(
            self.audit(audit), "audit", column_classes=None if audit is None else {"Värde": "casebook-hash"}
        )

    def history(self, audit: dict | None) -> Table:
        """Each change of the case file, newest first: its date, what it changed (in Swedish, not
        the developer's commit message) and, when the repository is known, a link to the change."""
        history = (audit or {}).get("history") or []
        publisher = self._publisher()
        rows = []
        for h in history:
            commit = h.get("commit") or ""
            url = publisher.commit_url(commit) if publisher else None
            where = cell(Link(f"Visa ändringen ({commit})", url)) if url else commit or "–"
            day = date(dt.date.fromisoformat(h["date"])) if h.get("date") else cell("–", kind=Kind.DATE)
            rows.append((day, describe_change(h), where))
        if not rows:
            rows = [
                (
                    cell("–", kind=Kind.DATE),
                    NO_AUDIT if audit is None else "Ärendefilen finns inte i versionshistoriken",
                    "–",
                )
            ]
        return table(
            "Ändringar av ärendefilen, nyaste först",
            ("Datum", "Vad som ändrades i ärendefilen", "Ändringen i projektets arkiv"),
            rows,
        )

    def history_table(self, audit: dict | None) -> HTML:
        return html_table(self.history(audit), "history")

    def _publisher(self) -> Publisher | None:
        """The site's publisher (``publisher.yaml`` beside the case's reference data), if it can be read."""
        try:
            return load_publisher(reference_dir_for(self.evaluated.source))
        except CaseFileError:
            return None

    # --- follow-up (casebook.render.follow_up_view); nothing is shown without one -------

    def follow_up_status(self) -> HTML | None:
        return follow_up_view.status_line(self.evaluated)

    def payment_requests_table(self) -> HTML | None:
        return follow_up_view.payment_requests_table(self.evaluated)

    def cumulative_payment_chart(self) -> SVG | None:
        return follow_up_view.cumulative_chart(self.evaluated)

    def indicator_outcomes_table(self) -> HTML | None:
        return follow_up_view.indicator_outcomes_table(self.evaluated)

    # --- charts -----------------------------------------------------------------------

    def financing_chart(self) -> SVG:
        return charts.financing_plan_chart(self.figures, self.case.decision_maker.name)

    def payment_chart(self) -> SVG:
        return charts.payment_chart(self.figures)


def prepare(
    case: str | Path, reference_dir: str | Path | None = None, *, as_of: dt.date | str, sha256: str | None = None
) -> CaseView:
    """Evaluate one case (see :func:`~casebook.domain.evaluation.evaluate_case`) and view it.

    ``case``: a case file's path, or a case id looked up in the project the working directory
    is in (:func:`~casebook.domain.case_file.case_file_of`). ``as_of``: the build date the case is
    judged on, a date or ``YYYY-MM-DD`` (as the build passes it to the notebook). ``sha256``:
    the SHA-256 of the bytes the build checked and keys this page by; the bytes read here must
    have it, or :class:`~casebook.domain.errors.CaseFileChanged` is raised (the file was saved
    meanwhile: the page would show other bytes than its audit trail names and be cached under
    their key). None, run by hand: not compared.
    """
    as_of = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of)
    evaluated = evaluate_case(case_file_of(case), reference_dir, as_of=as_of)
    if sha256 is not None and evaluated.source_sha256 != sha256:
        raise CaseFileChanged(evaluated.source)
    return CaseView(evaluated)
