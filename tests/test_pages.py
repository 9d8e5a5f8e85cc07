"""Generated page content that does not need a site build."""

from __future__ import annotations

import dataclasses
import re

import pytest
from conftest import REPO, SPIN_PATH
from html_table import ids, markdown_blocks, read_table

from casebook.domain.clock import as_of_date
from casebook.domain.evaluation import evaluate_case
from casebook.domain.reference import Publisher
from casebook.domain.rules import RULES
from casebook.render.markup import escape_myst, keep_figures_together, page_table
from casebook.render.pages import (
    accessibility_contact,
    case_table,
    newest_first,
    organisation_index,
    organisation_page,
    organisation_slug,
    organisation_slugs,
    rule_catalogue,
    source_code,
    write_organisation_pages,
)

NBSP = "\N{NO-BREAK SPACE}"


PUBLISHER = Publisher(
    name="Region Exempel (fiktiv)",
    organisation_number="232100-0180",
    contact_email="tillganglighet@example.invalid",
    site_url="https://example.invalid/casebook/",
    grant_id_prefix="360G-fiktiv",
    org_id_scheme="SE-ON",
)


def test_the_accessibility_contact_is_the_one_the_publisher_sets():
    text = accessibility_contact(PUBLISHER.model_copy(update={"phone": "010-000 00 00"}))
    assert text.startswith("Kontakta Region Exempel \\(fiktiv\\): e-post <tillganglighet@example.invalid>")
    assert "telefon 010\\-000 00 00" in text


def test_without_a_telephone_number_the_contact_is_the_e_mail_address():
    text = accessibility_contact(PUBLISHER)
    assert "e-post <tillganglighet@example.invalid>. Vi svarar" in text and "telefon" not in text


def test_the_method_page_names_the_repository_or_says_there_is_none():
    assert "<https://example.invalid/casebook>" in source_code(
        PUBLISHER.model_copy(update={"repository_url": "https://example.invalid/casebook"})
    )
    assert "har inte angett något offentligt arkiv" in source_code(PUBLISHER)


def test_figures_in_case_text_never_break():
    assert keep_figures_together("dock max 750 000 kronor, 12,10 % och 3 regioner") == (
        f"dock max 750{NBSP}000{NBSP}kronor, 12,10{NBSP}% och 3 regioner"
    )
    assert NBSP in escape_myst("750 000 kr")


# --- The case list and the organisation pages ---------------------------------------------

FICTIONAL = REPO / "tests" / "cases"


def _fictional_and_spin():
    """The three fictional base cases (the follow-up cases have tests of their own) and SPIN."""
    names = ("fiktiv-bas", "fiktiv-norr", "fiktiv-syd")
    reports = [
        evaluate_case(FICTIONAL / f"{name}.yaml", REPO / "data" / "reference", as_of=as_of_date()) for name in names
    ]
    return reports + [evaluate_case(SPIN_PATH, as_of=as_of_date())]


def test_the_case_list_is_newest_first_by_decision_else_application_date():
    order = [r.case.id for r in newest_first(_fictional_and_spin())]
    # SPIN is a proposal whose application came in 2025-09-09; fiktiv-bas and fiktiv-syd were
    # both decided 2017-02-15 (ties by id), fiktiv-norr 2016-02-15.
    assert order == ["rjh-2025-spin", "fiktiv-bas", "fiktiv-syd", "fiktiv-norr"]


def test_the_case_list_shows_date_parties_amount_and_flags():
    table = read_table(case_table(_fictional_and_spin()))
    assert table.caption.startswith("Alla ärenden (4 ärenden), nyaste först")
    spin_row = table.row_with("SPIN")
    # The state has a column of its own; the date says when it is the application's.
    assert spin_row[:2] == ["2025-09-09 (ansökan)", "Förslag till beslut"]
    assert spin_row[3:5] == ["Region Jämtland Härjedalen", "Region Västernorrland"]
    assert spin_row[5] == f"föreslaget: 12,10{NBSP}%, högst 750{NBSP}000{NBSP}kr"
    assert spin_row[6] == "Avvikelse att granska, Bedömning saknas: 2 av 18 (regelutfall som JSON)"
    assert table.links_of_row_with("SPIN") == [
        "cases/rjh-2025-spin.html",
        "organisationer/region-jamtland-harjedalen.html",
        "organisationer/region-vasternorrland.html",
        "../data/regelutfall/rjh-2025-spin.json",
    ]


def test_the_case_list_has_a_state_column_among_its_sortable_columns():
    header = read_table(case_table(_fictional_and_spin())).header
    assert header == ["Datum", "Läge", "Projekt", "Beslutsfattare", "Projektägare", "Belopp", "Regler att granska"]


def test_case_text_in_a_generated_table_is_text_on_one_line_never_markup():
    """Case text is escaped as HTML, and its line breaks (a blank line would end MyST's raw
    HTML block and turn the rest of the table into Markdown) become spaces."""
    spin = _fictional_and_spin()[-1]
    title = "<script>alert(1)</script> & [länk](https://example.invalid)\n\n* punkt"
    hostile = dataclasses.replace(spin, case=spin.case.model_copy(update={"title": title}))
    markup = case_table([hostile])
    assert "<script>" not in markup and "\n\n" not in markup.rstrip()
    assert read_table(markup).rows[0][2] == "<script>alert(1)</script> & [länk](https://example.invalid) * punkt"


def test_case_text_in_a_generated_caption_is_text_on_one_line_never_markup():
    """An organisation's name is in its page's caption. MyST's include splits the generated
    page with str.splitlines, so any of these, doubled, would be a blank line there that ends
    the raw HTML block and turns the rest of the table into Markdown."""
    for separator in ["\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029"]:
        name = f"<script>alert(1)</script>{separator} {separator}*Bolaget*"
        markup = page_table(f"Ärenden där {name} förekommer", ["Projekt"], [["x"]], "arenden")
        assert "<script>" not in markup
        assert all(line.strip(" \t") for line in markup.rstrip().splitlines()), repr(separator)
        assert read_table(markup).caption == "Ärenden där <script>alert(1)</script> *Bolaget* förekommer"


def test_a_generated_header_is_text_never_markup():
    """Header cells are text, escaped as the caption is: the browser takes each one's text as
    its column's label (casebook-tables.js)."""
    markup = page_table("Tabell", ["Belopp <i>kr</i> & moms"], [["x"]], "t")
    assert "<i>" not in markup
    assert read_table(markup).header == ["Belopp <i>kr</i> & moms"]


def test_a_cell_with_a_blank_line_as_myst_reads_it_is_refused():
    """Cells are HTML as given: one that would end MyST's raw HTML block is an error, not a broken page."""
    for blank in ["\n\n", "\n \t\n", "\r\r", "\r\n\r\n", "\u2028\u2028", "\x0c\x0c", "\x85\x85"]:
        with pytest.raises(ValueError, match="blank line"):
            page_table("Tabell", ["Projekt"], [[f"a{blank}b"]], "t")


def test_an_organisation_page_lists_its_cases_and_exact_totals():
    reports = _fictional_and_spin()
    page = organisation_page("Region Dalarna", reports).replace("\\", "")
    assert page.startswith("---\norphan: true\n---\n\n# Region Dalarna\n")
    # Decision-maker in fiktiv-bas (400 000 kr) and fiktiv-syd (410 000 kr), both decided.
    assert f"Som beslutsfattare: beviljat högst 810{NBSP}000{NBSP}kr sammanlagt i 2 beviljade ärenden." in page
    assert "Region Dalarna förekommer i 2 ärenden" in page
    cases = read_table(page).links
    assert [row[2] for row in cases] == [["../cases/fiktiv-bas.html"], ["../cases/fiktiv-syd.html"]]


def test_an_organisation_page_states_only_the_roles_the_organisation_has():
    reports = _fictional_and_spin()
    owner = organisation_page("Region Västernorrland", reports).replace("\\", "")
    assert "Som projektägare i 1 ärende." in owner
    assert f"Som finansiär i projektens finansieringsplaner: 950{NBSP}286{NBSP}kr sammanlagt i 1 ärende." in owner
    assert "beslutsfattare" not in owner.lower()
    assert f"0{NBSP}kr" not in owner
    # A decision-maker of a proposal only: its amount is named as proposed (wording: tests/test_state_words.py).
    deciding = organisation_page("Region Jämtland Härjedalen", reports).replace("\\", "")
    assert "Som beslutsfattare: inget beviljat; föreslaget men inte beslutat ännu" in deciding
    assert "Som samverkanspart i 1 ärende." in deciding


def test_organisation_names_become_safe_page_names_that_depend_on_the_name_alone():
    reports = _fictional_and_spin()
    slugs = organisation_slugs(reports)
    assert slugs["Region Jämtland Härjedalen"] == "region-jamtland-harjedalen"
    assert len(set(slugs.values())) == len(slugs)
    assert all(re.fullmatch(r"[a-z0-9-]+", slug) for slug in slugs.values())
    # The same page name with or without the other cases: a case page can link it on its own.
    assert organisation_slugs(reports[-1:])["Region Jämtland Härjedalen"] == organisation_slug(
        "Region Jämtland Härjedalen"
    )


def test_names_with_the_same_page_name_share_a_page_that_names_each(tmp_path):
    reports = _fictional_and_spin()
    slugs = {**organisation_slugs(reports), "Region Jamtland Harjedalen": "region-jamtland-harjedalen"}
    write_organisation_pages(tmp_path, reports, slugs)
    page = (
        (tmp_path / "book" / "organisationer" / "region-jamtland-harjedalen.md")
        .read_text(encoding="utf-8")
        .replace("\\", "")
    )
    assert "# Region Jamtland Harjedalen / Region Jämtland Härjedalen" in page
    assert "## Region Jamtland Harjedalen" in page and "## Region Jämtland Härjedalen" in page


def test_the_case_list_s_two_tables_are_each_one_html_block_with_an_id_of_its_own():
    reports = _fictional_and_spin()
    slugs = organisation_slugs(reports)
    page = case_table(reports, slugs) + organisation_index(reports, slugs)  # both included in case_list.md
    blocks = markdown_blocks(page)
    assert [kind for kind, _ in blocks] == ["html_block", "html_block"]
    assert all(text.count("<table") == 1 and text.rstrip().endswith("</div>") for _, text in blocks)
    assert ids(page) == ["T_arenden", "T_organisationer"]


def test_a_shared_organisation_page_gives_each_name_its_section_and_table(tmp_path):
    reports = _fictional_and_spin()
    slugs = {**organisation_slugs(reports), "Region Jamtland Harjedalen": "region-jamtland-harjedalen"}
    write_organisation_pages(tmp_path, reports, slugs)
    page = (tmp_path / "book" / "organisationer" / "region-jamtland-harjedalen.md").read_text(encoding="utf-8")
    kinds = [kind for kind, _ in markdown_blocks(page.split("---\n", 2)[2])]
    assert kinds == ["text", "text", "text", "html_block", "text", "text", "html_block"]
    assert ids(page) == ["T_arenden-1", "T_arenden-2"]


def test_the_rule_catalogue_names_each_rule_its_source_and_the_wording_it_implements():
    table = read_table(rule_catalogue(_fictional_and_spin()))
    assert table.header == [
        "Id",
        "Regel",
        "Källa och lydelse",
        "Vad källan kräver",
        "Typ",
        "Gäller",
        "Utfall i ärendena",
    ]
    assert [row[0] for row in table.rows] == [rule.id for rule in RULES]
    for rule, row, links in zip(RULES, table.rows, table.links, strict=True):
        assert row[1] == keep_figures_together(rule.title)
        assert row[2] == keep_figures_together(f"{rule.source} ({rule.wording})")
        assert links[2] == ([rule.source_url] if rule.source_url else [])
    markup = rule_catalogue(_fictional_and_spin())
    assert markup.count('<code class="literal">') == len(RULES)  # styled as MyST's inline code
    assert 'class="table casebook-cards"' in markup
