"""Reading a case file: its text (size, UTF-8), the strict YAML, the model's validation, and
every problem as a :class:`FieldProblem` in Swedish naming the field. The format itself is
:mod:`casebook.domain.model`.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

from babel.dates import get_month_names
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from casebook.domain.errors import CaseFileError, FieldProblem, UserError, field_path, printable
from casebook.domain.model import AS_OF, CASE_ID_PATTERN, Case, FieldValueError
from casebook.domain.yaml_reader import YamlProblem, decode_utf8, line_of, read_yaml, value_lines

MAX_CASE_FILE_BYTES = 1_000_000
CASE_SUFFIX = ".yaml"


def is_case_file_name(name: str) -> bool:
    """Whether a file named ``name`` in the cases folder is a case file: ``<id>.yaml``, its name not
    starting with a dot (``._x.yaml``, macOS's metadata on other file systems, or a draft
    ``.utkast.yaml`` the analyst has hidden, is no case)."""
    return name.endswith(CASE_SUFFIX) and not name.startswith(".")


def list_case_files(cases_dir: str | Path) -> list[Path]:
    """The case files in ``cases_dir`` in a stable order (by file name): the one listing that
    check, build, serve, verify and the portfolio notebook all use."""
    folder = Path(cases_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if is_case_file_name(p.name) and p.is_file())


def load_case(path: str | Path, *, as_of: dt.date) -> Case:
    """Read and validate one case file; raise :class:`CaseFileError` naming file and fields.

    ``as_of``: the build date (the caller's, fixed once: :func:`casebook.domain.clock.as_of_date`);
    nothing that has happened may be dated after it.
    """
    path = Path(path)
    raw = read_case_text(path)
    try:
        document = read_yaml(raw)
    except YamlProblem as exc:
        raise CaseFileError(path, [FieldProblem(exc.place, exc.message)]) from None
    if not isinstance(document, dict):
        raise CaseFileError(
            path, [FieldProblem("(hela filen)", "filen ska innehålla en YAML-mappning med ärendets fält")]
        )
    try:
        case = Case.model_validate(document, context={AS_OF: as_of})
    except ValidationError as exc:
        lines = value_lines(raw)
        raise CaseFileError(path, [_field_problem(error, lines) for error in exc.errors()]) from None
    if case.id != path.stem:
        raise CaseFileError(
            path, [FieldProblem("id", f"'{case.id}' ska vara samma som filnamnet '{printable(path.stem, 80)}'")]
        )
    return case


def case_file_of(case: str | Path, start: Path | None = None) -> Path:
    """The case file that ``case`` names: a path as it is, or a case id (``rjh-2025-spin``)
    looked up as ``data/cases/<id>.yaml`` in ``start`` (by default the working directory) or
    the nearest folder above it that has one.

    So a notebook run by papermill or in JupyterLab finds its case from the project's root as
    well as from ``notebooks/``.
    """
    text = str(case)
    if not re.fullmatch(CASE_ID_PATTERN, text):
        return Path(case)
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        candidate = folder / "data" / "cases" / f"{text}.yaml"
        if candidate.is_file():
            return candidate
    raise UserError(f"Ärendet '{text}' finns inte: ingen data/cases/{text}.yaml i {start} eller någon mapp ovanför.")


def read_case_text(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CaseFileError(path, [FieldProblem("(fil)", f"kan inte läsas: {exc.strerror}")]) from None
    if size == 0:
        raise CaseFileError(path, [FieldProblem("(hela filen)", "filen är tom")])
    if size > MAX_CASE_FILE_BYTES:
        raise CaseFileError(
            path, [FieldProblem("(hela filen)", f"filen är {size} byte, största tillåtna är {MAX_CASE_FILE_BYTES}")]
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CaseFileError(path, [FieldProblem("(fil)", f"kan inte läsas: {exc.strerror}")]) from None
    try:
        return decode_utf8(data)
    except YamlProblem as exc:
        raise CaseFileError(path, [FieldProblem(exc.place, exc.message)]) from None


_SWEDISH_MESSAGES = {
    "missing": "fältet saknas",
    "extra_forbidden": "okänt fält (stavfel?)",
    "int_type": "ska vara ett heltal (kronor)",
    "int_parsing": "ska vara ett heltal (kronor)",
    "int_from_float": "ska vara ett heltal (kronor), utan decimaler",
    "bool_type": "ska vara true eller false",
    "string_type": "ska vara text",
    "string_too_short": "får inte vara tomt",
    "string_too_long": "är för långt",
    "string_pattern_mismatch": "har fel form",
    "date_type": "ska vara ett datum på formen ÅÅÅÅ-MM-DD",
    "date_from_datetime_parsing": "ska vara ett datum på formen ÅÅÅÅ-MM-DD",
    "date_parsing": "ska vara ett datum på formen ÅÅÅÅ-MM-DD",
    "list_type": "ska vara en lista",
    "model_type": "ska vara en mappning med fält",
    "model_attributes_type": "ska vara en mappning med fält",
    "enum": "har ett okänt värde",
    "decimal_type": "ska vara ett tal",
    "decimal_parsing": "ska vara ett tal",
    "decimal_max_places": "har för många decimaler",
    "decimal_max_digits": "har för många siffror",
}


TO_FILL = {
    "title": "projektets namn, som i ansökan",
    "summary": "en eller två meningar om projektet, för ärendelistan",
    "decision_maker.name": "den region eller myndighet som beslutar om bidraget",
    "applicant.name": "den som sökte, projektägaren",
    "dates.application_received": "dagen ansökan kom in, ÅÅÅÅ-MM-DD",
    "dates.project_start": "projektperiodens första dag, ÅÅÅÅ-MM-DD",
    "dates.project_end": "projektperiodens sista dag, ÅÅÅÅ-MM-DD",
    "amount_applied_for": "sökt belopp i hela kronor",
    "financing_plan[].financier": "finansiärens namn; beslutsfattaren ska ha en rad",
    "financing_plan[].kind": "slag av medel, t.ex. regional_grant_2003_596",
    "financing_plan[].amount": "finansiärens belopp i hela kronor",
    "decision.share_percent": "andel av redovisade och godkända kostnader i procent med två decimaler, t.ex. 20.00",
    "decision.max_amount": 'högsta belopp i hela kronor, "dock max"',
    "decision.appropriation": "anslaget som bidraget betalas från",
    "decision.general_terms": "de allmänna villkor som gäller, med diarienummer",
    "decision.conditional_on_other_financing": "true om beslutet gäller under förutsättning att övrig finansiering ordnas",
    "source_document.title": "beslutsunderlagets titel",
}
"""What a required field that is still ``null`` asks for (``casebook new`` writes such blanks);
list positions are written ``[]``."""


def _field_problem(error: ErrorDetails, lines: dict[tuple[str | int, ...], int]) -> FieldProblem:
    location = tuple(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    shown_value = kind not in ("missing", "text_character") and not isinstance(value, (dict, list))
    if kind == "value_error":
        cause = ctx.get("error")
        message = str(cause if cause is not None else error["msg"])
        if isinstance(cause, FieldValueError):
            location += cause.field
    elif kind in ("follow_up_inconsistent", "not_in_future"):  # names its field below the error's location
        location += tuple(ctx["field"])
        message = ctx["problem"]
        shown_value = False
    elif kind == "text_character" or kind == "markdown_subset":
        message = ctx["problem"]
    elif (
        error.get("input", "") is None and kind != "extra_forbidden"
    ):  # null where a value is required: still to fill in
        key = "".join("[]" if isinstance(part, int) else f".{part}" for part in location).lstrip(".")
        guidance = TO_FILL.get(key)
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
    elif kind == "too_short":
        message = f"ska ha minst {ctx.get('min_length')} post(er)"
    elif kind == "enum":
        message = f"har ett okänt värde; tillåtna är: {str(ctx.get('expected')).replace(' or ', ' eller ')}"
    elif kind == "string_pattern_mismatch" and location[-1:] == ("id",):
        message = "ska bestå av små bokstäver a–z, siffror och bindestreck (högst 64 tecken)"
    elif kind == "string_pattern_mismatch":
        message = "har fel form (organisationsnummer skrivs NNNNNN-NNNN)"
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
