"""Reference data: the 21 regionally responsible actors (RUA), lag (2010:630), the
national agencies that grant under förordning (2003:596), and who publishes the site."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from casebook.domain.errors import CaseFileError, FieldProblem
from casebook.domain.field_problems import field_problems, unreadable
from casebook.domain.organisation_number import OrganisationNumber
from casebook.domain.text import ShortText, line_text
from casebook.domain.yaml_reader import YamlProblem, decode_utf8, read_yaml


class _KnownOrganisation(BaseModel):
    """An organisation in the reference data, known by its name or an alias."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ShortText
    organisation_number: OrganisationNumber | None = None
    aliases: tuple[ShortText, ...] = ()
    source: ShortText | None = None
    """Where the organisation number was taken from; required when a number is given."""

    @model_validator(mode="after")
    def _number_has_a_source(self) -> _KnownOrganisation:
        if self.organisation_number and not self.source:
            raise ValueError(f"{self.name}: organisationsnumret saknar källa (fältet source)")
        return self

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class RegionalActor(_KnownOrganisation):
    """One of the 21 regionally responsible actors."""

    county_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]
    nuts_code: Annotated[str, StringConstraints(pattern=r"^SE[0-9]{3}$")] | None = None
    """The county as a NUTS 3 region (Eurostat), for the open data's geographic coverage."""
    is_region: bool = True


class NationalAgency(_KnownOrganisation):
    """An agency granting national money under 2003:596 (Tillväxtverket)."""


class Publisher(BaseModel):
    """Who publishes the site and its open data, and where the site lives.

    The open-data files name the publisher (360Giving package, data package, DCAT-AP-SE
    catalogue) and link to the site's pages, so both must be stated, never guessed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ShortText
    organisation_number: OrganisationNumber
    """Identifies the publisher in every format: dataportal.se, 360Giving, the data package."""
    contact_email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$"), AfterValidator(line_text)]
    site_url: Annotated[str, StringConstraints(pattern=r"^https://[^\s]+/$"), AfterValidator(line_text)]
    """The published site's address, ending with ``/``; open-data links are built from it."""
    grant_id_prefix: Annotated[str, StringConstraints(pattern=r"^360G-[A-Za-z0-9]+(-[A-Za-z0-9]+)*$")]
    """The 360Giving prefix of grant ids (``360G-...``): the one 360Giving registered for the publisher."""
    org_id_scheme: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}-[A-Z]+$")]
    """The org-id.guide list the organisation numbers belong to (``SE-ON``: Swedish organisation numbers)."""
    phone: Annotated[str, StringConstraints(pattern=r"^[0-9+][0-9 -]{4,20}$"), AfterValidator(line_text)] | None = None
    """A telephone number for readers (the footer, the accessibility statement), besides ``contact_email``."""
    repository_url: (
        Annotated[str, StringConstraints(pattern=r"^https://[^\s]+[^/\s]$"), AfterValidator(line_text)] | None
    ) = None
    """The public repository of the code and the case files, without a trailing ``/``: the
    "Källkod" link of every page; each change of a case file links ``<repository_url>/commit/<id>``
    (the form of GitHub, GitLab and Gitea)."""

    def commit_url(self, commit: str) -> str | None:
        """Where a reader sees the change made by ``commit``, when the repository is known."""
        return f"{self.repository_url}/commit/{commit}" if self.repository_url and commit else None

    def placeholders(self) -> list[str]:
        """The fields that still hold a placeholder: an address under a domain reserved for
        examples and tests (RFC 2606, RFC 6761), such as the repository's ``example.invalid``."""
        addresses = (
            ("contact_email", self.contact_email),
            ("site_url", self.site_url),
            ("repository_url", self.repository_url),
        )
        return [name for name, value in addresses if value and _PLACEHOLDER_DOMAIN.search(value)]


# example.com, example.net, example.org and any name under .example, .invalid, .localhost or .test.
_PLACEHOLDER_DOMAIN = re.compile(
    r"[@./]((?:[^@./\s]+\.)*example\.(?:com|net|org)|(?:[^@/\s]*\.)?(?:example|invalid|localhost|test))(?:[/:]|$)",
    re.IGNORECASE,
)


def reference_dir_for(case_path: str | Path) -> Path:
    """Reference data lives beside the cases folder: ``data/cases/x.yaml`` → ``data/reference``."""
    return Path(case_path).parent.parent / "reference"


@lru_cache(maxsize=8)
def load_regional_actors(reference_dir: Path) -> tuple[RegionalActor, ...]:
    """The 21 RUA from ``regional_actors.yaml``."""
    return _load_list(Path(reference_dir) / "regional_actors.yaml", RegionalActor)


@lru_cache(maxsize=8)
def load_national_agencies(reference_dir: Path) -> tuple[NationalAgency, ...]:
    """Agencies granting national money under 2003:596, from ``national_agencies.yaml``."""
    return _load_list(Path(reference_dir) / "national_agencies.yaml", NationalAgency)


@lru_cache(maxsize=8)
def load_publisher(reference_dir: Path) -> Publisher:
    """The site's publisher from ``publisher.yaml``."""
    path = Path(reference_dir) / "publisher.yaml"
    raw, document = _read(path)
    try:
        return Publisher.model_validate(document)
    except ValidationError as exc:
        raise CaseFileError(path, field_problems(exc, raw)) from None


def _read(path: Path) -> tuple[str, object]:
    """The text of a reference file and its YAML document, read by the same strict reader as case files."""
    try:
        raw = decode_utf8(path.read_bytes())
        return raw, read_yaml(raw)
    except OSError as exc:
        raise CaseFileError(path, [unreadable(exc)]) from None
    except YamlProblem as exc:
        raise CaseFileError(path, [FieldProblem(exc.place, exc.message)]) from None


_Model = TypeVar("_Model", bound=BaseModel)


def _load_list(path: Path, model: type[_Model]) -> tuple[_Model, ...]:
    raw, document = _read(path)
    try:
        items = TypeAdapter(list[model]).validate_python(document)  # type: ignore[valid-type]  # a model chosen at run time
    except ValidationError as exc:
        raise CaseFileError(path, field_problems(exc, raw)) from None
    return tuple(items)
