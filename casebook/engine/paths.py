"""Every path of a casebook project, in one place.

A project is a folder with case files, reference data, notebook templates and book
sources; everything the build writes goes under its ``_build`` folder. Modules ask a
:class:`ProjectPaths` for a path instead of joining folder names themselves, and none of
them derives a path from its own file's location.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import casebook
from casebook.domain.case_file import CASE_SUFFIX, is_case_file_name, list_case_files

__all__ = ["CASE_SUFFIX", "ProjectPaths"]
# The notebook templates, relative to the project (as the audit trail and published notebooks name them).
CASE_TEMPLATE = Path("notebooks") / "case_report.ipynb"
PORTFOLIO_TEMPLATE = Path("notebooks") / "portfolio.ipynb"
# Where executed notebooks go in the staged book.
CASE_PAGES = Path("book") / "cases"
PORTFOLIO_PAGE = Path("book") / "portfolio.ipynb"
# Other spellings of a YAML file: named in an error rather than silently skipped.
OTHER_YAML_SUFFIXES = (".yml", ".YAML", ".YML", ".Yaml", ".Yml")


def installed_package_dir() -> Path:
    """The folder of the installed ``casebook`` package, as the import system found it."""
    return Path(next(iter(casebook.__path__))).resolve()


@dataclass(frozen=True)
class ProjectPaths:
    """The paths of the project under ``root`` (absolute) and of the package that builds it."""

    root: Path
    package_dir: Path = field(default_factory=installed_package_dir)

    @classmethod
    def at(cls, root: Path) -> ProjectPaths:
        return cls(Path(root).resolve())

    # --- Inputs ---------------------------------------------------------------------------

    @property
    def cases_dir(self) -> Path:
        return self.root / "data" / "cases"

    @property
    def sources_dir(self) -> Path:
        """The source documents that case files name (``source_document.file``), published with the site."""
        return self.root / "data" / "sources"

    @property
    def reference_dir(self) -> Path:
        return self.root / "data" / "reference"

    def case_file(self, case_id: str) -> Path:
        return self.cases_dir / f"{case_id}{CASE_SUFFIX}"

    def case_files(self) -> list[Path]:
        """Case files in a stable order (by file name); hidden files (``._x.yaml``) are none."""
        return list_case_files(self.cases_dir)

    def unreadable_case_files(self) -> list[Path]:
        """Entries named as case files (``<id>.yaml``) that are no file to read: a folder, a FIFO,
        a symbolic link to nothing or to itself. :meth:`case_files` leaves them out."""
        if not self.cases_dir.is_dir():
            return []
        return sorted(p for p in self.cases_dir.iterdir() if is_case_file_name(p.name) and not p.is_file())

    def misnamed_case_files(self) -> list[Path]:
        """YAML files in the cases folder whose suffix is not ``.yaml`` (hidden files aside)."""
        if not self.cases_dir.is_dir():
            return []
        return sorted(
            p for p in self.cases_dir.iterdir() if p.suffix in OTHER_YAML_SUFFIXES and not p.name.startswith(".")
        )

    def reference_files(self) -> list[Path]:
        return sorted(self.reference_dir.glob("*.yaml"))

    @property
    def book_sources(self) -> tuple[Path, ...]:
        """What Jupyter Book reads besides the generated pages."""
        return (self.root / "_config.yml", self.root / "_toc.yml", self.root / "book")

    def package_sources(self) -> list[Path]:
        """The package's Python files: the code of a notebook whose cells are not all plain Python (``cache.notebook_code``)."""
        return sorted(self.package_dir.rglob("*.py"))

    def inside(self, path: Path) -> bool:
        """Whether ``path``, its symbolic links followed, is a file of this project.

        A case file that links to a file elsewhere is refused rather than read: whatever it
        points to would be published, and its values echoed in error messages.
        """
        return Path(path).resolve().is_relative_to(self.root)

    def relative(self, path: Path) -> str:
        """``path`` as shown to readers: relative to the project (or the package), with ``/``."""
        path = Path(path)
        if path.is_relative_to(self.package_dir):
            return (Path("casebook") / path.relative_to(self.package_dir)).as_posix()
        return path.relative_to(self.root).as_posix()

    # --- What the build writes ----------------------------------------------------------

    @property
    def build_dir(self) -> Path:
        return self.root / "_build"

    @property
    def site(self) -> Path:
        """The published site: a symbolic link to the current version (see ``casebook.engine.publish``)."""
        return self.build_dir / "html"

    @property
    def cache_dir(self) -> Path:
        return self.build_dir / "cache" / "cases"

    @property
    def evaluation_cache(self) -> Path:
        """The evaluated cases of the last build (``casebook.engine.validate.EvaluationCache``)."""
        return self.build_dir / "cache" / "evaluated.pickle"

    @property
    def memo_cache_dir(self) -> Path:
        """The site's memos (PDF/A) with the key each was written under."""
        return self.build_dir / "cache" / "memo"

    @property
    def report_cache_dir(self) -> Path:
        """Generated case report PDFs with the key each was written under."""
        return self.build_dir / "cache" / "rapport"

    @property
    def shard_dir(self) -> Path:
        """One shard's cache entries (``casebook build --shard``), laid out as ``_build/cache``."""
        return self.build_dir / "shard"

    @property
    def failed_dir(self) -> Path:
        return self.build_dir / "failed"

    @property
    def site_work(self) -> Path:
        return self.build_dir / "site"

    @property
    def verification_file(self) -> Path:
        return self.build_dir / "verification.json"

    @property
    def lock_file(self) -> Path:
        return self.build_dir / ".lock"
