"""User errors: problems an analyst can fix, reported without a traceback."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class UserError(Exception):
    """An error caused by input, shown to the user as a short Swedish message (exit code 2)."""


class CaseFileError(UserError):
    """A data file (case or reference data) that cannot be read or does not follow its format."""

    def __init__(self, path: Path, problems: list[FieldProblem]):
        self.path = Path(path)
        self.problems = problems
        super().__init__(self.render())

    def __reduce__(self):
        # Rebuilt from its fields, not its message: a worker process (documents rendered in
        # parallel) hands the error back to the build pickled.
        return type(self), (self.path, self.problems)

    def render(self, max_problems: int = 15) -> str:
        lines = [f"Fel i {self.path}:"]
        lines += [f"  - {p.field}: {p.message}" for p in self.problems[:max_problems]]
        if len(self.problems) > max_problems:
            lines.append(f"  … och {len(self.problems) - max_problems} fel till")
        return "\n".join(lines)
