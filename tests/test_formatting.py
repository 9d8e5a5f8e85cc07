"""Swedish display formatting (Babel), with half-up rounding done before formatting."""

import datetime as dt
from decimal import Decimal

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
