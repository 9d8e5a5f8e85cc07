"""Swedish organisation numbers (*organisationsnummer*): the rules a number must meet, once,
for the case files, the reference data and the published JSON Schemas.

- **Form** ``NNNNNN-NNNN``: ten digits, a hyphen before the last four.
- **A legal person's number**: the third digit is at least 2 (lag 1974:174 om
  identitetsbeteckning för juridiska personer m.fl.; the "month" of an organisation number is
  always 20 or more, so that it is never taken for a personal identity number). A sole trader
  (*enskild firma*) uses the owner's personal identity number, which a published case file
  must not hold.
- **Check digit**: the tenth digit makes the Luhn sum of all ten a multiple of 10 (as in
  Peppol's rule SE-R-013 for Swedish organisation numbers).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, StringConstraints

FORM = r"^[0-9]{6}-[0-9]{4}$"
"""The written form, ASCII digits only (``\\d`` would also take other scripts' digits); :func:`problem` checks the rest."""

_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
"""The Luhn value of a digit in a doubled position: 2d, minus 9 when that is two digits."""


def luhn_sum(digits: str) -> int:
    """The Luhn sum of ten digits, the first, third, … doubled."""
    return sum(_DOUBLED[int(d)] if i % 2 == 0 else int(d) for i, d in enumerate(digits))


def check_digit(first_nine: str) -> int:
    """The check digit that completes nine digits to a valid number."""
    return -luhn_sum(first_nine + "0") % 10


WRITTEN_AS = "ska skrivas NNNNNN-NNNN"
"""How an organisation number that does not have its form is explained."""


def problem(number: str) -> str | None:
    """What is wrong with ``number`` as an organisation number, in Swedish, or ``None``."""
    digits = number.replace("-", "")
    if len(number) != 11 or number[6] != "-" or len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return WRITTEN_AS
    if digits[2] in "01":
        return (
            "är ett personnummer, inte ett organisationsnummer (tredje siffran är 0 eller 1): en enskild firmas "
            "nummer är ägarens personnummer och ska inte stå i en fil som publiceras; lämna fältet tomt"
        )
    if int(digits[9]) != check_digit(digits[:9]):
        return (
            "har fel kontrollsiffra (den sista siffran stämmer inte med de nio första enligt Luhn-algoritmen): "
            "kontrollera numret mot källan"
        )
    return None


def _checked(number: str) -> str:
    found = problem(number)
    if found:
        raise ValueError(found)
    return number


OrganisationNumber = Annotated[str, StringConstraints(pattern=FORM), AfterValidator(_checked)]
"""A valid organisation number, for pydantic models."""


# --- As a JSON Schema ------------------------------------------------------------------------
# A JSON Schema validator knows no check digits, but a regular expression can count modulo a
# number. Ten digits read as five pairs (doubled digit, plain digit): the Luhn sum is a
# multiple of 10 when the pairs' values sum to 0 modulo 2 and modulo 5. Each condition is a
# regular expression over the pairs, built from the automaton that counts modulo 2 or 5 by
# eliminating its states; the form pattern fixes the length and the hyphen's place.


def _pair_class(modulus: int, residue: int) -> str:
    """Two digits whose Luhn values sum to ``residue`` modulo ``modulus`` (an optional hyphen first)."""
    alternatives = []
    for first in range(modulus):
        doubled = "".join(str(d) for d in range(10) if _DOUBLED[d] % modulus == first)
        plain = "".join(str(d) for d in range(10) if d % modulus == (residue - first) % modulus)
        alternatives.append(f"[{doubled}][{plain}]")
    return "-?(?:" + "|".join(alternatives) + ")"


def _sum_is_zero(modulus: int) -> str:
    """A pattern matching a sequence of pairs whose values sum to 0 modulo ``modulus``."""
    edges: dict[tuple[int, int], str] = {}
    for state in range(modulus):
        for residue in range(modulus):
            edges[state, (state + residue) % modulus] = _pair_class(modulus, residue)
    live = list(range(modulus))
    for gone in range(1, modulus):  # eliminate every state but 0, the start and the end
        loop = edges.get((gone, gone))
        star = f"(?:{loop})*" if loop else ""
        live.remove(gone)
        for i in live:
            for j in live:
                if (i, gone) in edges and (gone, j) in edges:
                    path = f"(?:{edges[i, gone]}){star}(?:{edges[gone, j]})"
                    edges[i, j] = f"{edges[i, j]}|{path}" if (i, j) in edges else path
        edges = {k: v for k, v in edges.items() if gone not in k}
    return f"^(?:{edges[0, 0]})*$"


def json_schema() -> dict[str, Any]:
    """A JSON Schema (2020-12) accepting exactly the numbers :func:`problem` accepts."""
    return {
        "type": "string",
        "description": (
            "Svenskt organisationsnummer NNNNNN-NNNN med giltig kontrollsiffra (Luhn) och tredje siffran minst 2. "
            "Det första mönstret kontrollerar formen; de två andra att Luhn-summan är delbar med 2 och med 5, "
            "alltså med 10."
        ),
        "allOf": [
            {"pattern": r"^[0-9]{2}[2-9][0-9]{3}-[0-9]{4}$"},
            {"pattern": _sum_is_zero(2)},
            {"pattern": _sum_is_zero(5)},
        ],
    }
