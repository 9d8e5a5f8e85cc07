"""Write ``casebook/domain/repertoire.py``: the characters the PDF/A documents can show.

The memo and the report PDF are set in Typst's bundled fonts only (Libertinus Serif, then
DejaVu Sans Mono; Typst falls back to its other bundled fonts, New Computer Modern and its
Math). PDF/A forbids a missing glyph, so a case file with a character none of them has
could not be built: ``casebook check`` refuses it (``casebook.domain.text``), and for that
it needs this list. Run after upgrading Typst (the ``typst`` package)::

    .venv/bin/python tools/font_repertoire.py > casebook/domain/repertoire.py

How: Typst embeds its fonts in its library; they are cut out of it (each font file is
found by its header and table directory) and their character maps read with FreeType
(matplotlib's ``ft2font``). A character is in the repertoire when, in each of the four
styles (regular, bold, italic, bold italic), one of the fonts of that style maps it;
combining marks must be mapped by Libertinus Serif and DejaVu Sans Mono alike, since Typst
shapes a base letter and its marks with one font. Then every character of the list is set
in a PDF/A with the templates' font settings, in all four styles, and a character that
Typst still refuses is left out. ``tests/test_text_fields.py`` checks the list against Typst.
"""

from __future__ import annotations

import re
import struct
import sys
import tempfile
import unicodedata
from pathlib import Path

import typst
from matplotlib import ft2font

from casebook.render.typst_pdf import FONTS, json_input

STYLES = {
    "regular": ("Regular", "Book"),
    "bold": ("Bold",),
    "italic": ("Italic", "Oblique"),
    "bold italic": ("Bold Italic", "BoldItalic", "Bold Oblique"),
}
# The bundled math font has no italic; Typst takes its nearest style.
NEAREST = {"NewComputerModernMath": {"italic": "Regular", "bold italic": "Bold"}}
PROBE = b"""#set text(font: json(bytes(sys.inputs.fonts)), lang: "sv")
#let s = json(bytes(sys.inputs.text))
#s #text(weight: "bold", s) #emph(s) #strong(emph(s))
"""
_REFUSED = re.compile(r'the text `"(.*)"` could not be displayed', re.S)


def embedded_fonts() -> dict[tuple[str, str], dict[int, int]]:
    """(family, style) → character map of every font embedded in Typst's library."""
    library = Path(typst.__file__).parent
    data = b"".join(path.read_bytes() for path in sorted(library.glob("_typst*")))
    fonts = {}
    for signature in (b"OTTO", b"\x00\x01\x00\x00"):
        for match in re.finditer(re.escape(signature), data):
            start = match.start()
            (tables,) = struct.unpack(">H", data[start + 4 : start + 6])
            if not 8 <= tables <= 40:
                continue
            records = [struct.unpack(">4sIII", data[start + 12 + 16 * i : start + 28 + 16 * i]) for i in range(tables)]
            tags = [tag for tag, *_ in records]
            if not all(tag.isascii() and tag.decode("ascii").isprintable() for tag in tags) or b"cmap" not in tags:
                continue
            end = max(offset + length for _, _, offset, length in records)
            with tempfile.NamedTemporaryFile(suffix=".otf") as handle:
                handle.write(data[start : start + end])
                handle.flush()
                try:
                    font = ft2font.FT2Font(handle.name)
                except (RuntimeError, OSError):
                    continue
                fonts[(font.family_name, font.style_name)] = font.get_charmap()
    return fonts


def candidates() -> list[int]:
    """Assigned, visible characters: no control, format, separator, surrogate or private-use code point."""
    return [
        code
        for code in range(0x20, 0x110000)
        if unicodedata.category(chr(code)) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
    ]


def mapped(fonts: dict[tuple[str, str], dict[int, int]]) -> set[int]:
    by_style = []
    for style, names in STYLES.items():
        codes: set[int] = set()
        for (family, font_style), charmap in fonts.items():
            if font_style in names or NEAREST.get(family, {}).get(style) == font_style:
                codes |= {code for code, glyph in charmap.items() if glyph}
        by_style.append(codes)
    shown = set.intersection(*by_style)
    primary = [
        {code for code, glyph in charmap.items() if glyph}
        for (family, _), charmap in fonts.items()
        if family in ("Libertinus Serif", "DejaVu Sans Mono")
    ]
    both = set.intersection(*primary)
    return {
        code
        for code in candidates()
        if code in shown and (not unicodedata.category(chr(code)).startswith("M") or code in both)
    }


_COMPILER = typst.Compiler(ignore_system_fonts=True)


def refused(codes: list[int]) -> int | None:
    """A character of ``codes`` that Typst cannot set in a PDF/A, or ``None`` when it sets them all."""
    text = " ".join(chr(code) for code in codes)
    try:
        _COMPILER.compile(
            PROBE,
            format="pdf",
            pdf_standards=["a-3b"],
            sys_inputs={"text": json_input(text), "fonts": json_input(FONTS)},
        )
    except typst.TypstError as error:
        found = _REFUSED.search(error.message)
        if found and len(found.group(1)) == 1 and ord(found.group(1)) in codes:
            return ord(found.group(1))
        raise
    return None


def confirmed(codes: set[int]) -> list[int]:
    """``codes`` less any character that Typst refuses (set 512 at a time)."""
    kept = sorted(codes)
    for start in range(0, len(kept), 512):
        chunk = kept[start : start + 512]
        while (code := refused(chunk)) is not None:
            print(f"Typst refuses U+{code:04X}; left out", file=sys.stderr)
            chunk.remove(code)
            codes.discard(code)
    return sorted(codes)


def ranges(codes: list[int]) -> list[tuple[int, int]]:
    result: list[list[int]] = []
    for code in codes:
        if result and result[-1][1] == code - 1:
            result[-1][1] = code
        else:
            result.append([code, code])
    return [(first, last) for first, last in result]


def main() -> None:
    codes = confirmed(mapped(embedded_fonts()))
    print('"""The characters that the PDF/A documents can show, as (first, last) code point ranges.')
    print()
    version = typst.__version__ if hasattr(typst, "__version__") else ""
    print(f"Generated by tools/font_repertoire.py from the fonts bundled with typst {version}".rstrip())
    print(f"({len(codes)} characters); do not edit. See ``casebook.domain.text``.")
    print('"""')
    print()
    print("SHOWN_RANGES = (")
    for first, last in ranges(codes):
        print(f"    (0x{first:04X}, 0x{last:04X}),")
    print(")")


if __name__ == "__main__":
    main()
