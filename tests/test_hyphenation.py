"""Soft hyphens in long Swedish words, and nowhere else (casebook.render.hyphenation)."""

from __future__ import annotations

from casebook.render.hyphenation import SOFT_HYPHEN, hyphenate_html, hyphenate_text, without_soft_hyphens

SHY = SOFT_HYPHEN


def test_long_swedish_words_get_the_dictionarys_hyphenation_points():
    assert hyphenate_text("Finansieringsplan") == f"Fi{SHY}nan{SHY}si{SHY}e{SHY}rings{SHY}plan"
    assert hyphenate_text("Region Jämtland Härjedalen.") == f"Region Jämtland Här{SHY}je{SHY}da{SHY}len."
    assert hyphenate_text("Beslut om bidrag") == "Beslut om bidrag"  # short words stay whole


def test_numbers_dates_amounts_addresses_and_identifiers_are_never_touched():
    for text in (
        "2025-11-03",
        "750\N{NO-BREAK SPACE}000\N{NO-BREAK SPACE}kr",
        "12,10\N{NO-BREAK SPACE}%",
        "https://lagen.nu/2003:596#P5",
        "oppnadata@example.invalid",
        "rjh-2025-spin.yaml",
        "www.tillganglighetsredogorelse.se",
        "casebook_search_part_pages",
        "Finansieringsplan2025",
        "data/regelutfall/rjh-2025-spin.json",
    ):
        assert hyphenate_text(text) == text, text


def test_only_text_is_hyphenated_never_markup_code_or_marked_elements():
    markup = (
        '<p class="Finansieringsplanen" title="Finansieringsplanen">Finansieringsplanen '
        '<code>Finansieringsplanen</code> <time datetime="2025-11-03">2025-11-03</time> '
        '<span class="casebook-hash x">Finansieringsplanen<span>Finansieringsplanen</span>Finansieringsplanen</span> '
        '<a href="https://example.invalid/Finansieringsplanen">https://example.invalid/Finansieringsplanen</a> '
        "<br>Finansieringsplanen<!-- Finansieringsplanen --></p>"
        "<script>const Finansieringsplanen = 1;</script><pre>Finansieringsplanen\n</pre>Finansieringsplanen"
    )
    hyphenated = f"Fi{SHY}nan{SHY}si{SHY}e{SHY}rings{SHY}pla{SHY}nen"
    result = hyphenate_html(markup)
    assert result.count(hyphenated) == 3  # the paragraph's text, after <br>, after </pre>
    assert result.startswith('<p class="Finansieringsplanen" title="Finansieringsplanen">')
    for kept in (
        "<code>Finansieringsplanen</code>",
        "Finansieringsplanen<span>Finansieringsplanen</span>Finansieringsplanen</span>",
        "const Finansieringsplanen",
        "<pre>Finansieringsplanen\n</pre>",
        "<!-- Finansieringsplanen -->",
        '<time datetime="2025-11-03">2025-11-03</time>',
    ):
        assert kept in result, kept
    # The address in the link's text is no word: whole, but free to break anywhere in a narrow column.
    assert '><span class="casebook-breakable">https://example.invalid/Finansieringsplanen</span></a>' in result


def test_dates_in_text_are_kept_on_one_line_and_short_tokens_left_alone():
    assert hyphenate_html("<p>Tid 2025-11-03 – 2027-09-30.</p>") == (
        '<p>Tid <span class="casebook-date">2025-11-03</span> – <span class="casebook-date">2027-09-30</span>.</p>'
    )
    assert hyphenate_html("<p>RUN/640/2017 och a@b.se</p>") == "<p>RUN/640/2017 och a@b.se</p>"


def test_the_search_index_reads_the_words_whole():
    assert without_soft_hyphens(f"Fi{SHY}nan&shy;sie&#173;rings&#xad;plan") == "Finansieringsplan"


def test_hidden_elements_and_the_search_indexs_values_are_left_as_they_are():
    markup = (
        '<div hidden data-pagefind-ignore><span data-pagefind-sort="datum">2025-09-09</span>'
        '<span data-pagefind-meta="beslutsfattare">Region Jämtland Härjedalen</span></div>'
        '<span data-pagefind-filter="Projektägare">Region Västernorrland</span>'
    )
    assert hyphenate_html(markup) == markup
