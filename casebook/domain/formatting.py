"""Swedish display formatting, through Babel.

This is the only place where figures are rounded for display. Rounding is half away from
zero (``ROUND_HALF_UP``), done before Babel formats the number, because Babel itself rounds
half to even. Babel's Swedish locale groups digits with a no-break space (U+00A0), so a
figure is never split across lines.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, format_decimal, get_minus_sign_symbol, parse_pattern

LOCALE = "sv_SE"
# Parsed once: given by name, Babel parsed the locale and the pattern again for every number,
# which was a third of evaluating a case (rule evidence formats some 20 figures a case).
_SWEDISH = Locale.parse(LOCALE)
_MINUS = get_minus_sign_symbol(_SWEDISH)


@cache
def _grouped(decimals: int) -> NumberPattern:
    return parse_pattern("#,##0" + ("." + "0" * decimals if decimals else ""))


def number(value: int | Decimal, decimals: int = 0) -> str:
    """``6200285`` → ``6 200 285``; ``Decimal('12.0962')``, 2 → ``12,10``; ``-5`` → ``−5``.

    Negative numbers get the locale's minus sign (U+2212 for Swedish): Babel's formatting
    writes a hyphen-minus, which is not how Swedish typography writes a negative number.
    """
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    # Already rounded to the pattern's decimals: Babel's own quantizing (half to even) would
    # change nothing, and cost most of the formatting.
    text = format_decimal(abs(rounded), format=_grouped(decimals), locale=_SWEDISH, decimal_quantization=False)
    return _MINUS + text if rounded < 0 else text


def kronor(value: int | Decimal) -> str:
    """Money in whole kronor: ``6 200 285 kr``."""
    return f"{number(value)}\N{NO-BREAK SPACE}kr"


def percent(value: Decimal, decimals: int = 2) -> str:
    """A percentage given in percent (not as a fraction): ``12,10 %``."""
    return f"{number(value, decimals)}\N{NO-BREAK SPACE}%"


@lru_cache(maxsize=8192)  # a site lists thousands of cases on a few hundred distinct dates; Babel is slow
def date(value: dt.date | None) -> str:
    """ISO dates, as Swedish public documents write them: ``2025-11-03``."""
    return "uppgift saknas" if value is None else format_date(value, format="yyyy-MM-dd", locale=LOCALE)


@lru_cache(maxsize=8192)
def long_date(value: dt.date) -> str:
    """Dates in running text, as Swedish prose writes them: ``9 september 2025``."""
    return format_date(value, format="d MMMM y", locale=LOCALE)


def kronor_words(value: int) -> str:
    """Money in running text, as decisions write it: ``750 000 kronor``."""
    return f"{number(value)}\N{NO-BREAK SPACE}kronor"


def yes_no(value: bool) -> str:
    return "Ja" if value else "Nej"


def plural(count: int, singular: str, plural_form: str) -> str:
    """A count with the right Swedish form: ``1 ärende``, ``2 ärenden``, ``0 ärenden``."""
    return f"{number(count)} {singular if count == 1 else plural_form}"
