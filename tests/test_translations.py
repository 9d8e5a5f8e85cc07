"""The Swedish message catalogue of the site's interface (book/_locale/sv)."""

from __future__ import annotations

import gettext
import io

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from conftest import REPO

CATALOGUE = REPO / "book" / "_locale" / "sv" / "LC_MESSAGES"


def test_every_message_is_translated():
    with (CATALOGUE / "sphinx.po").open("rb") as po:
        catalogue = read_po(po, locale="sv")
    untranslated = [m.id for m in catalogue if m.id and not m.string]
    assert len(catalogue) >= 30 and untranslated == []


def test_the_committed_mo_file_is_the_compiled_po_file():
    """Sphinx reads the .mo file (gettext_auto_build is off): it must say what the .po file says."""
    with (CATALOGUE / "sphinx.po").open("rb") as po:
        expected = {m.id: m.string for m in read_po(po, locale="sv") if m.id}
    with (CATALOGUE / "sphinx.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    assert {message: compiled.gettext(message) for message in expected} == expected


def test_compiling_the_po_file_gives_the_committed_bytes():
    """Sphinx recompiles a .po file newer than its .mo into the build's source mirror; the bytes
    must not change, or every build after it would look like a changed site (dates are fixed
    in the catalogue's header for this)."""
    with (CATALOGUE / "sphinx.po").open("rb") as po:
        catalogue = read_po(po, locale="sv")
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    assert compiled.getvalue() == (CATALOGUE / "sphinx.mo").read_bytes()
