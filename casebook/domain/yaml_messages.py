"""PyYAML's syntax errors in Swedish, for an analyst who edits a case file by hand.

PyYAML names a problem in English ("mapping values are not allowed in this context"), and
the wording depends on the parser: libyaml (``CSafeLoader``, what the reader uses when
PyYAML has it) and PyYAML's pure-Python scanner and parser say the same thing in different
words. :data:`PROBLEMS` has both wordings of the problems an analyst can plausibly meet;
``%r`` and ``%d`` stand for the value PyYAML formats into its message. Every key is a
problem string of the installed PyYAML (its Python sources or its compiled libyaml module),
checked by ``tests/test_yaml_reader.py``, so a PyYAML that rewords one makes that test
fail instead of the message silently falling back to English. A problem not listed here is
shown as PyYAML wrote it.
"""

from __future__ import annotations

import re
from functools import cache

QUOTE_IT = "sätt citattecken runt värdet"
CHARACTER = "<tecknet>"
"""Stands for the character where PyYAML stopped (:func:`in_swedish`)."""
_INDENT = "kontrollera indraget (fält på samma nivå ska börja i samma kolumn)"
_KEY_MISSING = (
    f"raden passar inte in i mappningen ovanför: {_INDENT}, och att en text i citattecken "
    "inte fortsätter efter det avslutande citattecknet"
)
_DASH = f"en rad i listan börjar inte med -: {_INDENT}"
_DASH_HERE = f"en listpost (-) kan inte stå här: {_INDENT}, eller {QUOTE_IT} om det börjar med -"
_NOT_CLOSED_SEQUENCE = f"en lista inom [ ] stängs aldrig med ]: lägg till ], eller {QUOTE_IT} om det börjar med ["
_NOT_CLOSED_MAPPING = (
    f"en mappning inom {{ }} stängs aldrig med }}: lägg till }}, eller {QUOTE_IT} om det börjar med {{"
)
_NAME_AFTER = f"efter & eller * ska ett namn stå: {QUOTE_IT} om tecknet är text"
_ESCAPE = (
    "okänd kombination med \\ i en text inom dubbla citattecken: skriv \\\\ för ett bakstreck, "
    "eller använd enkla citattecken ('…')"
)
_BLOCK = f"efter | eller > ska raden ta slut: skriv texten på raderna under, eller {QUOTE_IT}"

PROBLEMS: dict[str, str] = {
    # A colon and a space inside a plain value, or a line indented under a value.
    "mapping values are not allowed in this context": (
        f"ett kolon följt av mellanslag i ett värde: {QUOTE_IT} (eller rätta indraget, om raden är ett eget fält)"
    ),
    "mapping values are not allowed here": (
        f"ett kolon följt av mellanslag i ett värde: {QUOTE_IT} (eller rätta indraget, om raden är ett eget fält)"
    ),
    # A value that starts with @ or ` (reserved in YAML), or a stray character.
    "found character that cannot start any token": f"ett värde kan inte börja med {CHARACTER}: {QUOTE_IT}",
    "found character %r that cannot start any token": f"ett värde kan inte börja med {CHARACTER}: {QUOTE_IT}",
    "found a tab character that violates indentation": "ett tabbtecken: dra in med mellanslag",
    "found a tab character where an indentation space is expected": "ett tabbtecken: dra in med mellanslag",
    # A line with no colon in a mapping.
    "could not find expected ':'": "raden saknar kolon: skriv fält: värde (kolon och mellanslag efter fältets namn)",
    # A line that does not line up with the fields above it.
    "did not find expected key": _KEY_MISSING,
    "expected <block end>, but found %r": _KEY_MISSING,
    "did not find expected '-' indicator": _DASH,
    "block sequence entries are not allowed in this context": _DASH_HERE,
    "sequence entries are not allowed here": _DASH_HERE,
    "mapping keys are not allowed here": f"ett ? kan inte stå här: {QUOTE_IT}",
    # Quotes and brackets left open.
    "found unexpected end of stream": "filen tar slut mitt i ett värde: ett avslutande citattecken saknas",
    "found unexpected document indicator": (
        "en rad som börjar med --- eller ... mitt i en text: ett avslutande citattecken saknas"
    ),
    "found unexpected document separator": (
        "en rad som börjar med --- eller ... mitt i en text: ett avslutande citattecken saknas"
    ),
    "did not find expected ',' or ']'": _NOT_CLOSED_SEQUENCE,
    "expected ',' or ']', but got %r": _NOT_CLOSED_SEQUENCE,
    "did not find expected ',' or '}'": _NOT_CLOSED_MAPPING,
    "expected ',' or '}', but got %r": _NOT_CLOSED_MAPPING,
    "found unexpected ':'": f"ett kolon inom [ ] eller {{ }}: {QUOTE_IT}",
    "did not find expected node content": f"här saknas ett värde: {QUOTE_IT} om det börjar med ], }} eller ,",
    "expected the node content, but found %r": f"här saknas ett värde: {QUOTE_IT} om det börjar med ], }} eller ,",
    # Characters with a meaning in YAML at the start of a value.
    "found unknown escape character": _ESCAPE,
    "found unknown escape character %r": _ESCAPE,
    "did not find expected alphabetic or numeric character": _NAME_AFTER,
    "expected alphabetic or numeric character, but found %r": _NAME_AFTER,
    "found undefined tag handle": f"en tagg som YAML inte känner till: {QUOTE_IT} om det börjar med !",
    "found undefined tag handle %r": f"en tagg som YAML inte känner till: {QUOTE_IT} om det börjar med !",
    "did not find expected comment or line break": _BLOCK,
    "expected chomping or indentation indicators, but found %r": _BLOCK,
    "found unknown directive name": f"en rad som börjar med % läses som ett YAML-direktiv: {QUOTE_IT}",
    "could not determine a constructor for the tag %r": f"värdet läses i YAML som något annat än text: {QUOTE_IT}",
    # More than one document, an anchor named twice.
    "did not find expected <document start>": (
        "filen fortsätter efter en rad med ... (som avslutar ett YAML-dokument): ta bort raden"
    ),
    "expected '<document start>', but found %r": (
        "filen fortsätter efter en rad med ... (som avslutar ett YAML-dokument): ta bort raden"
    ),
    "but found another document": (
        "filen har mer än ett YAML-dokument: ta bort raden med --- (en ärendefil är ett enda dokument)"
    ),
    "second occurrence": "ankaret (&namn) står två gånger; ta bort det andra",
}


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple(
        (re.compile(re.escape(key).replace("%r", ".+?").replace("%d", "[0-9]+")), swedish)
        for key, swedish in PROBLEMS.items()
    )


def in_swedish(problem: str, character: str | None = None, context: str | None = None) -> str | None:
    """PyYAML's ``problem`` in Swedish, with how to mend it; ``None`` if it is not in :data:`PROBLEMS`.

    ``character``: the one where PyYAML stopped, named in the message where it matters;
    ``context``: PyYAML's (``while parsing a block collection``), which tells a list's line
    from a mapping's where the pure-Python parser words both alike.
    """
    swedish = PROBLEMS.get(problem)
    if swedish is None:
        swedish = next((swedish for pattern, swedish in _patterns() if pattern.fullmatch(problem)), None)
    if swedish is None:
        return None
    if swedish == _KEY_MISSING and context == "while parsing a block collection":
        swedish = _DASH
    shown = f"tecknet {character}" if character and character.isprintable() and not character.isspace() else "tecknet"
    return swedish.replace(CHARACTER, shown)
