"""Why a data file's values were refused, in Swedish, for the analyst who edits it by hand:
pydantic's validation errors and the operating system's read errors, each a
:class:`~casebook.domain.errors.FieldProblem` naming the field and its line. One translation
for case files and reference data alike.

A validation error of a kind not listed here is shown as pydantic words it (in English):
``tests/test_field_problems.py`` writes a value of every YAML type into every field of a case
file and of the reference data (two levels deep) and checks that no message is English.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import errno
import re
from collections.abc import Mapping
from decimal import Decimal

from babel.dates import get_month_names
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from casebook.domain import organisation_number
from casebook.domain.errors import FieldProblem, field_path, printable
from casebook.domain.model import FieldValueError
from casebook.domain.yaml_reader import line_of, value_lines

_SWEDISH_MESSAGES = {
    "missing": "fältet saknas",
    "extra_forbidden": "okänt fält (stavfel?)",
    "int_type": "ska vara ett heltal (kronor)",
    "int_parsing": "ska vara ett heltal (kronor)",
    "int_from_float": "ska vara ett heltal (kronor), utan decimaler",
    "bool_type": "ska vara true eller false",
    "bool_parsing": "ska vara true eller false",
    "string_type": "ska vara text",
    "string_too_short": "får inte vara tomt",
    "string_too_long": "är för långt",
    "string_pattern_mismatch": "har fel form",
    "date_type": "ska vara ett datum på formen ÅÅÅÅ-MM-DD",
    "date_from_datetime_parsing": "ska vara ett datum på formen ÅÅÅÅ-MM-DD",
    "date_parsing": "ska vara ett datum på formen ÅÅÅÅ-MM-DD",
    "list_type": "ska vara en lista",
    "tuple_type": "ska vara en lista",
    "model_type": "ska vara en mappning med fält",
    "model_attributes_type": "ska vara en mappning med fält",
    "enum": "har ett okänt värde",
    "decimal_type": "ska vara ett tal",
    "decimal_parsing": "ska vara ett tal",
    "decimal_max_places": "har för många decimaler",
    "decimal_max_digits": "har för många siffror",
    "decimal_whole_digits": "har för många siffror före decimaltecknet",
}


FORMS = {
    "id": "ska bestå av små bokstäver a–z, siffror och bindestreck (högst 64 tecken)",
    "organisation_number": organisation_number.WRITTEN_AS,
    "contact_email": "ska vara en e-postadress",
    "site_url": "ska vara en https-adress som slutar med /",
    "repository_url": "ska vara en https-adress som inte slutar med /",
    "phone": "ska vara ett telefonnummer, till exempel 010-000 00 00",
    "county_code": "ska vara två siffror",
    "nuts_code": "ska vara en svensk NUTS 3-kod, SE och tre siffror",
    "grant_id_prefix": "ska vara ett 360Giving-prefix: 360G- följt av bokstäver, siffror och bindestreck",
    "org_id_scheme": "ska vara en lista i org-id.guide, till exempel SE-ON",
}
"""The form a field with a pattern must have, by the field's name (case files and reference data)."""

_OS_REASONS = {
    errno.ENOENT: "filen finns inte",
    errno.EACCES: "behörighet saknas",
    errno.EPERM: "behörighet saknas",
    errno.EISDIR: "det är en mapp, inte en fil",
    errno.ENOTDIR: "en del av sökvägen är inte en mapp",
    errno.ELOOP: "för många symboliska länkar i sökvägen",
    errno.ENAMETOOLONG: "namnet är för långt",
    errno.EIO: "läsfel på disken",
    errno.EMFILE: "för många öppna filer",
    errno.ENFILE: "för många öppna filer",
    errno.EADDRINUSE: "adressen används redan av ett annat program",
    errno.EADDRNOTAVAIL: "adressen finns inte på den här datorn",
}


def os_reason(exc: OSError) -> str:
    """Why the operating system refused, in Swedish; as the system words it when the reason is a rare one."""
    return _OS_REASONS.get(exc.errno, exc.strerror or str(exc)) if exc.errno is not None else str(exc)


def unreadable(exc: OSError) -> FieldProblem:
    """A file that could not be read."""
    return FieldProblem("(fil)", f"kan inte läsas: {os_reason(exc)}")


def field_problems(exc: ValidationError, raw: str, to_fill: Mapping[str, str] | None = None) -> list[FieldProblem]:
    """Each of the errors of validating the YAML text ``raw`` as a problem naming its field and
    line (a missing field: the line of the mapping it belongs in). ``to_fill``: what a required
    field that is still ``null`` asks for, by its path with list positions written ``[]``."""
    lines = value_lines(raw)
    return [_field_problem(error, lines, to_fill or {}) for error in exc.errors()]


def _field_problem(
    error: ErrorDetails, lines: dict[tuple[str | int, ...], int], to_fill: Mapping[str, str]
) -> FieldProblem:
    location = tuple(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    shown_value = kind not in ("missing", "text_character") and not isinstance(value, (dict, list, type(None)))
    if kind == "value_error":
        cause = ctx.get("error")
        message = str(cause if cause is not None else error["msg"])
        if isinstance(cause, FieldValueError):
            location += cause.field
    elif kind == "invalid_key":  # a key that is not text: its location ends with the key, not a list position
        location = location[:-1]
        key = str(value).lower() if isinstance(value, bool) else printable(str(value), 60)
        message = f"okänt fält {key} (ett fälts namn är text, inte ett tal eller true/false)"
        shown_value = False
    elif kind in ("follow_up_inconsistent", "not_in_future"):  # names its field below the error's location
        location += tuple(ctx["field"])
        message = ctx["problem"]
        shown_value = False
    elif kind == "text_character" or kind == "markdown_subset":
        message = ctx["problem"]
    elif (
        error.get("input", "") is None and kind != "extra_forbidden" and location
    ):  # null where a value is required: still to fill in (an empty file is the wrong kind of file)
        key = "".join("[]" if isinstance(part, int) else f".{part}" for part in location).lstrip(".")
        guidance = to_fill.get(key)
        return FieldProblem(
            field_path(*location), "ska fyllas i" + (f" ({guidance})" if guidance else ""), line_of(location, lines)
        )
    elif kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        bound = next(iter(ctx.values()))
        relation = {
            "greater_than": "större än",
            "greater_than_equal": "minst",
            "less_than": "mindre än",
            "less_than_equal": "högst",
        }[kind]
        message = f"ska vara {relation} {bound}"
    elif kind == "string_too_long" and "max_length" in ctx:
        message = f"är för långt (högst {ctx['max_length']} tecken)"
    elif kind == "too_short":
        message = f"ska ha minst {ctx.get('min_length')} post(er)"
    elif kind == "enum":
        message = f"har ett okänt värde; tillåtna är: {str(ctx.get('expected')).replace(' or ', ' eller ')}"
    elif kind == "string_pattern_mismatch" and location and str(location[-1]) in FORMS:
        message = FORMS[str(location[-1])]
    elif (typed := _typed_value_problem(kind, value, location)) is not None:
        message, shown_value = typed, False  # the message quotes the value itself
    else:
        message = _SWEDISH_MESSAGES.get(kind, error["msg"])
    shown = f" (värde: {_shorten(value)})" if shown_value else ""
    return FieldProblem(field_path(*location) or "(hela filen)", message + shown, line_of(location, lines))


_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_WHOLE_NUMBER = re.compile(r"[+-]?(?:0|[1-9][0-9]*)")
_GROUP_SPACES = re.compile(r"[ \u00a0\u202f]")


def _typed_value_problem(kind: str, value: object, location: tuple[int | str, ...]) -> str | None:
    """What is wrong with the value of a date or whole-number field, and how to write it, where
    the value says more than "wrong form": quoted (``"2025-11-03"`` is text, not a date), a date
    that does not exist, an amount with spaces, öre or a decimal part. ``None``: nothing to add.

    A text that would be a valid date or whole number unquoted was quoted in the file: the
    strict reader turns an unquoted one into a date or number, and an impossible date
    (2025-02-30) into text.
    """
    if kind == "date_type" and isinstance(value, str) and (match := _ISO_DATE.fullmatch(value)):
        year, month, day = (int(part) for part in match.groups())
        try:
            dt.date(year, month, day)
        except ValueError:
            if not 1 <= month <= 12:
                return f"ska vara ett datum som finns: {value} finns inte i kalendern (månad {month} finns inte)"
            days = calendar.monthrange(year, month)[1] if year >= 1 else 31
            return (
                f"ska vara ett datum som finns: {value} finns inte i kalendern "
                f"({get_month_names('wide', locale='sv')[month]} {year} har {days} dagar)"
            )
        return f'ska vara ett datum utan citattecken: skriv {value}, inte "{value}"'
    if kind == "date_type" and isinstance(value, dt.datetime):
        return f"ska vara ett datum utan klockslag: skriv {value.date().isoformat()}"
    if kind == "date_type" and isinstance(value, str) and re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]", value):
        with contextlib.suppress(ValueError):
            return f"ska vara ett datum utan klockslag: skriv {dt.date.fromisoformat(value[:10]).isoformat()}"
    if kind != "int_type" or isinstance(value, bool):
        return None
    what = "ett heltal" if location[-1:] == ("schema_version",) else "ett heltal (kronor)"
    if isinstance(value, Decimal) and value.is_finite():
        whole = int(value)
        if value == whole:
            return f"ska vara {what} utan decimaler: skriv {whole}"
        return f"ska vara {what}: skriv hela kronor, utan ören, t.ex. {whole}"
    if not isinstance(value, str) or len(value) > 60:
        return None
    text = value.strip()
    if _WHOLE_NUMBER.fullmatch(text):
        return f'ska vara {what} utan citattecken: skriv {text}, inte "{value}"'
    spaced = _GROUP_SPACES.search(text) is not None
    digits = _GROUP_SPACES.sub("", text)
    if re.fullmatch(r"[0-9]+(?:[.,][0-9]+)?\s*(?:kr|kronor|SEK|:-)", digits, re.IGNORECASE):
        number = re.match(r"[0-9]+(?:[.,][0-9]+)?", digits)
        assert number is not None
        return f"ska vara {what}: skriv bara talet, utan kr, t.ex. {re.split(r'[.,]', number.group())[0]}"
    if re.fullmatch(r"[0-9]+[.,][0-9]+", digits):
        without = "utan ören och utan mellanrum" if spaced else "utan ören"
        return f"ska vara {what}: skriv hela kronor, {without}, t.ex. {re.split(r'[.,]', digits)[0]}"
    if spaced and digits.isascii() and digits.isdigit():
        return f"ska vara {what}: skriv hela kronor utan mellanrum, t.ex. {digits}"
    if re.fullmatch(r"[0-9]{1,3}(?:\.[0-9]{3})+", digits):
        return f"ska vara {what}: skriv hela kronor utan punkter, t.ex. {digits.replace('.', '')}"
    return None


def _shorten(value: object, limit: int = 60) -> str:
    text = f"'{value}'" if isinstance(value, str) else str(value)
    return printable(re.sub(r"\s+", " ", text), limit)
