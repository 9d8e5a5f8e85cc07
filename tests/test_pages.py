"""Generated page content that does not need a site build."""

from __future__ import annotations

from casebook.render.markup import escape_myst, keep_figures_together
from casebook.render.pages import accessibility_contact

NBSP = "\N{NO-BREAK SPACE}"


def _config(**publisher) -> dict:
    return {"sphinx": {"config": {"html_context": {"publisher": publisher}}}}


def test_the_accessibility_contact_is_the_one_the_publisher_sets():
    text = accessibility_contact(_config(name="Region Exempel (fiktiv)", email="tillganglighet@example.invalid",
                                         phone="010-000 00 00"))
    assert text.startswith("Kontakta Region Exempel \\(fiktiv\\): e-post <tillganglighet@example.invalid>")
    assert "telefon 010\\-000 00 00" in text


def test_without_a_contact_the_statement_says_so_and_where_to_turn():
    text = accessibility_contact(_config(name="Regionernas handläggare", email=None, phone=None))
    assert "har ännu inte angett någon egen kontaktväg" in text and "registrator" in text


def test_figures_in_case_text_never_break():
    assert keep_figures_together("dock max 750 000 kronor, 12,10 % och 3 regioner") == (
        f"dock max 750{NBSP}000{NBSP}kronor, 12,10{NBSP}% och 3 regioner")
    assert NBSP in escape_myst("750 000 kr")
