"""What a case page says before anything else: the verdict block, and tables that reflow.

These tests read the view's HTML directly (no site build, no browser); the browser tests
check that the block is on the first screen.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import FICTIONAL_BASE_PATH, REPO, SPIN_PATH

from casebook.domain import formatting as fmt
from casebook.domain.clock import as_of_date
from casebook.render import charts
from casebook.render.case_view import first_sentence, prepare, rule_anchor

NBSP = "\N{NO-BREAK SPACE}"
HOSTILE = REPO / "tests" / "hostile" / "fiktiv-injektion.yaml"


def _soup(html_output) -> BeautifulSoup:
    return BeautifulSoup(html_output.data, "html.parser")


def test_spin_verdict_states_the_proposal_the_maximum_the_period_and_the_flags():
    view = prepare(SPIN_PATH, as_of=as_of_date())
    verdict = _soup(view.verdict())
    text = verdict.get_text(" ", strip=True)
    assert verdict.p.strong.get_text() == "Förslag till beslut"
    for expected in (
        "(inte beslutat ännu): Region Jämtland Härjedalen föreslås bevilja",
        f"12,10{NBSP}%",
        f"dock högst 750{NBSP}000{NBSP}kr",
        "Anslag 1:1 Regionala utvecklingsåtgärder",
        f"Om förslaget beslutas betalas som mest 750{NBSP}000{NBSP}kr ut",
        "Projekttid 2025-11-03 – 2027-09-30",
        "övrig finansiering ordnas enligt ansökan",
        "RUN/640/2017",
        "2 regler kräver uppmärksamhet",
    ):
        assert expected in text, expected
    assert "Som mest betalas" not in text and "beviljar" not in text  # a proposal is never worded as decided
    flags = [(a["href"], a.get_text(" ", strip=True)) for a in verdict.select("li a")]
    assert flags == [
        (
            "#regel-maxbelopp-mot-sokt-belopp",
            f"Avvikelse att granska: Maxbeloppet 750{NBSP}000{NBSP}kr är 1{NBSP}kr högre än sökt belopp 749{NBSP}999{NBSP}kr.",
        ),
        (
            "#regel-6-paragraf-foretagsstod",
            "Bedömning saknas: 6 § förordning (2003:596), inga åtgärder som omfattas av företagsstödsförordningarna.",
        ),
    ]


def test_every_verdict_flag_links_to_a_row_of_the_rule_table():
    view = prepare(SPIN_PATH, as_of=as_of_date())
    table = _soup(view.compliance_table())
    row_ids = {tr.get("id") for tr in table.select("tbody tr")}
    assert row_ids == {rule_anchor(r.rule.id) for r in view.results}
    for link in _soup(view.verdict()).select("li a"):
        assert link["href"][1:] in row_ids


def test_a_decided_case_names_the_date(tmp_path):
    view = prepare(FICTIONAL_BASE_PATH, REPO / "data" / "reference", as_of=as_of_date())
    text = _soup(view.verdict()).get_text(" ", strip=True)
    assert text.startswith(
        f"Beviljat 2017-02-15 av Fiktiv regional utvecklingsnämnd: Region Dalarna beviljar 20,00{NBSP}%"
    )
    assert f"Som mest betalas 400{NBSP}000{NBSP}kr ut." in text and "Om förslaget beslutas" not in text
    assert "Ingen regel kräver uppmärksamhet." in text


def test_a_rejected_case_pays_nothing(tmp_path):
    data = yaml.safe_load(FICTIONAL_BASE_PATH.read_text(encoding="utf-8"))
    data["schema_version"] = 2
    data["status"] = {"state": "rejected", "decided_by": "Fiktiva regionala utvecklingsnämnden"}
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "fiktiv-bas.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    text = _soup(
        prepare(cases / "fiktiv-bas.yaml", REPO / "data" / "reference", as_of=as_of_date()).verdict()
    ).get_text(" ", strip=True)
    assert text.startswith("Avslaget 2017-02-15 av Fiktiva regionala utvecklingsnämnden")
    assert "betalar inget ut" in text and "%" not in text


def test_case_text_in_the_verdict_is_escaped():
    html_output = prepare(HOSTILE, REPO / "data" / "reference", as_of=as_of_date()).verdict().data
    assert "<script" not in html_output and "<img" not in html_output


def test_tables_have_one_header_row_and_a_cell_per_column_without_per_cell_labels():
    """The browser labels each cell from the one header row (casebook-tables.js), so every row
    needs a cell per header; the labels themselves are not stored in the notebook."""
    view = prepare(SPIN_PATH, as_of=as_of_date())
    for table_html in (view.compliance_table(), view.financing_table(), view.audit_table(None)):
        table = _soup(table_html)
        headers = [th.get_text() for th in table.select("thead tr th")]
        assert len(table.select("thead tr")) == 1 and headers
        for row in table.select("tbody tr"):
            assert len(row.find_all("td")) == len(headers)
        assert not table.select("[data-label], [role]")


def test_first_sentence_stops_before_the_next_capital():
    assert (
        first_sentence("Maxbeloppet 750 000 kr är högre. Andelen gånger total är 1 kr.")
        == "Maxbeloppet 750 000 kr är högre."
    )
    assert first_sentence("Regioner (2 st.) samverkar.") == "Regioner (2 st.) samverkar."


def test_plural_forms_are_swedish():
    assert fmt.plural(1, "ärende", "ärenden") == "1 ärende"
    assert fmt.plural(2, "ärende", "ärenden") == "2 ärenden"
    assert fmt.plural(0, "ärende", "ärenden") == "0 ärenden"


def test_negative_amounts_have_a_true_minus_sign():
    assert fmt.kronor(-1_500) == f"\N{MINUS SIGN}1{NBSP}500{NBSP}kr"
    assert not re.search("-", fmt.kronor(-1_500))


def test_showing_a_chart_displays_it_and_glues_that_same_output(monkeypatch):
    import myst_nb

    glued = []
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display=True: glued.append((name, value, display)))
    report = prepare(SPIN_PATH, as_of=as_of_date())
    report.show_financing_chart()
    report.show_payment_chart()
    assert [(name, display) for name, _, display in glued] == [("financing_chart", True), ("payment_chart", True)]
    assert glued[0][1].data == report.financing_chart().data and glued[1][1].data.startswith("<svg")


def test_each_chart_is_stored_once_shown_in_its_cell_and_glued_for_the_site():
    """JupyterLab shows the chart in its cell; the site finds the same output by its glue name.
    The template is stored executed for SPIN (nbval compares it), so this is what a build stores."""
    notebook = nbformat.read(REPO / "notebooks" / "case_report.ipynb", as_version=4)
    images = [
        (output.output_type, output.get("metadata", {}).get("scrapbook", {}).get("name"), sorted(output.data))
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if any("svg" in mime for mime in output.get("data", {}))
    ]
    assert images == [
        ("display_data", "financing_chart", ["image/svg+xml", "text/plain"]),
        ("display_data", "payment_chart", ["image/svg+xml", "text/plain"]),
    ]


# --- The narrative below the verdict, and the words of a proposal -------------------------------


def _facts(view) -> dict[str, str]:
    return {
        row.find_all("td")[0].get_text(): row.find_all("td")[1].get_text()
        for row in _soup(view.facts_table()).select("tbody tr")
    }


def test_a_proposal_has_no_decision_date_yet_and_a_decided_case_has_its_date():
    assert _facts(prepare(SPIN_PATH, as_of=as_of_date()))["Beslutsdatum"] == "Inte beslutat ännu"
    assert (
        _facts(prepare(FICTIONAL_BASE_PATH, REPO / "data" / "reference", as_of=as_of_date()))["Beslutsdatum"]
        == "2017-02-15"
    )


def test_spin_page_shows_description_aims_and_expected_results():
    block = _soup(prepare(SPIN_PATH, as_of=as_of_date()).narrative())
    assert [h.get_text() for h in block.select("h3")] == [
        "Bakgrund",
        "Projektets mål",
        "Förväntade resultat på kort sikt",
        "Förväntade resultat på lång sikt",
    ]
    text = block.get_text(" ", strip=True)
    assert text.startswith("Bakgrund Projektet är en del av ett regeringsuppdrag med syfte att ge Tillväxtverket")
    assert "SPIN är ett samverkansprojekt mellan fyra regioner" in text
    long_term = block.select("ol")[-1]
    first, second = (li.get_text(" ", strip=True) for li in long_term.find_all("li", recursive=False))
    assert first.startswith("Förbättrad strategisk kapacitet hos regioner") and second.startswith(
        "Projektet bidrar också"
    )
    assert len(long_term.select("ul > li")) == 5


def test_the_narrative_on_the_page_is_inert_text_with_its_emphasis(tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    text = SPIN_PATH.read_text(encoding="utf-8").replace(
        "  aims: |-\n",
        "  aims: |-\n    Ett *viktigt* mål: {{ x }} $y$ a < b & c `kod`\n\n".replace(" `kod`", " \\`kod\\`"),
    )
    (cases / "rjh-2025-spin.yaml").write_text(text, encoding="utf-8")
    html_output = (
        prepare(cases / "rjh-2025-spin.yaml", REPO / "data" / "reference", as_of=as_of_date()).narrative().data
    )
    assert "Ett <em>viktigt</em> mål: {{ x }} $y$ a &lt; b &amp; c `kod`" in html_output


def test_a_case_without_a_narrative_says_so():
    text = _soup(prepare(FICTIONAL_BASE_PATH, REPO / "data" / "reference", as_of=as_of_date()).narrative()).get_text(
        " ", strip=True
    )
    assert text == "Ärendet beskriver inte projektet utöver sammanfattningen i tabellen nedan."


def test_the_proposal_table_shows_the_wording_written_from_the_figures():
    rows = [
        [td.get_text() for td in tr.find_all("td")]
        for tr in _soup(prepare(SPIN_PATH, as_of=as_of_date()).proposal_table()).select("tbody tr")
    ]
    assert rows[0] == [
        "1",
        "Region Jämtland Härjedalen beviljar medfinansiering till projektet SPIN – Strategisk Planering "
        f"i Norr med 12,10{NBSP}procent av redovisade och godkända kostnader, dock max 750{NBSP}000{NBSP}kronor.",
    ]
    assert len(rows) == 4


def test_the_source_documents_errors_are_listed_on_the_page():
    rows = [
        [td.get_text() for td in tr.find_all("td")]
        for tr in _soup(prepare(SPIN_PATH, as_of=as_of_date()).source_corrections_table()).select("tbody tr")
    ]
    assert [row[0] for row in rows] == [
        "Tillväxtverket, nationella medel med 3000{NBSP}000{NBSP}kronor".replace("{NBSP}", NBSP),
        "Projekttiden är 2025-11-03- till 2027-09-30.",
        "… i en utvecklad regional planeringsprocess där det.",
    ]
    assert (
        prepare(FICTIONAL_BASE_PATH, REPO / "data" / "reference", as_of=as_of_date()).source_corrections_table() is None
    )


def _drawing(svg: str) -> list:
    """What an SVG draws: each element's tag, its attributes without the rotation by -0 degrees
    matplotlib writes, and its text, in document order; the metadata block left out."""
    tree = ElementTree.fromstring(svg)
    for parent in list(tree.iter()):
        for child in list(parent):
            if child.tag.endswith("}metadata"):
                parent.remove(child)
    return [
        (
            element.tag,
            {k: v for k, v in element.attrib.items() if not (k == "transform" and v.startswith("rotate(-0 "))},
            (element.text or "").strip(),
        )
        for element in tree.iter()
    ]


@pytest.mark.parametrize("chart", ["financing_chart", "payment_chart"])
def test_a_chart_is_stored_without_what_draws_nothing_and_draws_the_same(monkeypatch, chart):
    """Both charts are published twice per case (notebook and image): no metadata block, no
    indentation and no rotation by -0 degrees, and still the same drawing as matplotlib's SVG."""
    report = prepare(SPIN_PATH, as_of=as_of_date())
    trimmed = getattr(report, chart)().data
    monkeypatch.setattr(charts, "_INDENTATION", re.compile("(?!x)x"))
    monkeypatch.setattr(charts, "_NO_ROTATION", re.compile("(?!x)x"))
    monkeypatch.setattr(charts, "NO_METADATA", {"Date": None, "Creator": None})
    untrimmed = getattr(report, chart)().data
    assert "<metadata" not in trimmed and "<metadata" in untrimmed
    assert "\n " not in trimmed and 'transform="rotate(-0 ' not in trimmed
    assert len(trimmed) < 0.8 * len(untrimmed)
    assert _drawing(trimmed) == _drawing(untrimmed)


def test_the_audit_tables_values_are_hash_cells_and_its_texts_are_not():
    """The audit trail's values (hashes, the commit) are cells of class casebook-hash, which may
    break anywhere; the labels beside them are not."""
    audit = {
        "inputs": [{"label": "Ärendefilen", "path": "data/cases/x.yaml", "sha256": "ab" * 32}],
        "commit": "c" * 40,
        "versions": {"casebook": "1.0"},
        "executed_at": "2026-12-05T00:00:00Z",
        "as_of": "2026-12-05",
    }
    table = _soup(prepare(SPIN_PATH, as_of=as_of_date()).audit_table(audit))
    rows = table.select("tbody tr")
    assert rows and all(row.find_all("td")[1].get("class") == ["casebook-hash"] for row in rows)
    assert not any(row.find_all("td")[0].get("class") for row in rows)
