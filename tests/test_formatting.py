"""Swedish display formatting (Babel), with half-up rounding done before formatting."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from casebook.domain import formatting as fmt

NBSP = "\N{NO-BREAK SPACE}"


def test_kronor_groups_thousands_with_no_break_spaces():
    assert fmt.kronor(6_200_285) == f"6{NBSP}200{NBSP}285{NBSP}kr"
    assert fmt.kronor(Decimal("750234.485")) == f"750{NBSP}234{NBSP}kr"


def test_percent_has_decimal_comma_and_two_decimals():
    assert fmt.percent(Decimal("12.0962020")) == f"12,10{NBSP}%"
    assert fmt.percent(Decimal("12.0962020"), 4) == f"12,0962{NBSP}%"


def test_display_rounding_is_half_up_not_babels_half_even():
    assert fmt.percent(Decimal("12.005")) == f"12,01{NBSP}%"
    assert fmt.number(Decimal("2.5")) == "3"


def test_dates_are_iso_and_missing_dates_say_so():
    assert fmt.date(dt.date(2025, 11, 3)) == "2025-11-03"
    assert fmt.date(None) == "uppgift saknas"


def test_negative_numbers_have_the_swedish_minus_sign():
    assert fmt.number(-5) == "\N{MINUS SIGN}5"
    assert fmt.kronor(-1_250_000) == f"\N{MINUS SIGN}1{NBSP}250{NBSP}000{NBSP}kr"


@settings(max_examples=300)
@given(
    value=st.decimals(min_value=-(10**13), max_value=10**13, allow_nan=False, allow_infinity=False, places=6),
    decimals=st.integers(min_value=0, max_value=4),
)
def test_the_pattern_parsed_once_formats_as_babel_does_by_name(value, decimals):
    """The locale and pattern are parsed once (a third of evaluating a case went to parsing them
    again for every figure); the text is what Babel writes given them by name."""
    rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    by_name = format_decimal(abs(rounded), format=pattern, locale="sv_SE")
    assert fmt.number(value, decimals) == ("\N{MINUS SIGN}" + by_name if rounded < 0 else by_name)
