"""User errors: problems an analyst can fix, reported without a traceback."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from casebook.domain.text import UNPRINTABLE

MAX_PROBLEMS = 20
"""Problems shown per file; the rest are counted (a file with 60 000 unknown keys is one screen)."""
MAX_FIELD = 120
MAX_MESSAGE = 400


def field_path(*parts: str | int) -> str:
    """A field's place in a file, as messages name it: list positions counted from 1.

    ``("financing_plan", 4, "amount")`` → ``financing_plan, post 5, amount``: the fifth entry.
    """
    text = ""
    after_position = False
    for part in parts:
        if isinstance(part, int):
            text += f", post {part + 1}" if text else f"post {part + 1}"
            after_position = True
        else:
            text += (", " if after_position else ".") + str(part) if text else str(part)
            after_position = False
    return text


def printable(text: str, limit: int) -> str:
    """``text`` safe to print: unprintable characters as ``U+XXXX``, at most ``limit`` characters."""
    # An ESC sequence echoed from a case file would recolour the terminal, a bidi override reorder the line.
    text = UNPRINTABLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str
    line: int | None = None  # where in the file the field is, or the mapping it belongs in


class UserError(Exception):
    """An error caused by input, shown to the user as a short Swedish message (exit code 2)."""


class CaseFileError(UserError):
    """A data file (case or reference data) that cannot be read or does not follow its format."""

    def __init__(self, path: Path, problems: list[FieldProblem]):
        self.path = Path(path)
        self.problems = problems
        super().__init__(self.render())

    def __reduce__(self) -> tuple[type[CaseFileError], tuple[Path, list[FieldProblem]]]:
        # Rebuilt from its fields, not its message: a worker process (documents rendered in
        # parallel) hands the error back to the build pickled.
        return type(self), (self.path, self.problems)

    def render(self, max_problems: int = MAX_PROBLEMS, root: Path | None = None) -> str:
        """The file and its first ``max_problems`` problems, each on one line; the rest counted.

        ``root``: the project's folder; a file inside it is named relative to it
        (``data/cases/x.yaml``), as the rest of the tool names files.
        """
        shown = self.path
        if root is not None and shown.is_absolute() and shown.is_relative_to(root):
            shown = shown.relative_to(root)
        lines = [f"Fel i {printable(shown.as_posix(), MAX_MESSAGE)}:"]
        lines += [
            f"  - {printable(p.field, MAX_FIELD)}{f' (rad {p.line})' if p.line is not None else ''}: "
            f"{printable(p.message, MAX_MESSAGE)}"
            for p in self.problems[:max_problems]
        ]
        if len(self.problems) > max_problems:
            lines.append(f"  … och {len(self.problems) - max_problems} fel till i samma fil")
        return "\n".join(lines)


class CaseFileChanged(UserError):
    """A case file whose bytes are no longer those its case was evaluated from: edited (or
    removed) while a build that had read it was still at work."""

    def __init__(self, path: Path):
        self.path = Path(path)
        super().__init__(
            f"Ärendefilen {printable(self.path.as_posix(), MAX_MESSAGE)} ändrades medan bygget körde: "
            "den har inte längre de byte som bygget kontrollerade och räknade på."
        )

    def __reduce__(self) -> tuple[type[CaseFileChanged], tuple[Path]]:
        return type(self), (self.path,)  # rebuilt in the build from a worker's pickle, as CaseFileError
