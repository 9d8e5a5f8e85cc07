"""Command line: ``python -m casebook build | check``.

User errors print a short Swedish message and exit with 2, without a traceback; a case
notebook or book build that fails exits with 1. Nothing is published unless all succeeded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from casebook.build import BuildFailed, build_site, validate_all
from casebook.errors import UserError
from casebook.execute import TEMPLATE, refresh_template_outputs

EXIT_USER_ERROR = 2
EXIT_BUILD_FAILED = 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="casebook", description="Granskningsbara rapporter om medfinansieringsbeslut.")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="projektets rot (standard: aktuell katalog)")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="validera, kör alla ärenden och bygg webbplatsen")
    build.add_argument("--output", type=Path, default=Path("_build/html"), help="var webbplatsen skrivs (standard: _build/html)")
    commands.add_parser("check", help="validera alla ärendefiler utan att köra något")
    commands.add_parser(
        "refresh-notebook", help="kör mallen notebooks/case_report.ipynb och spara dess utdata (för nbval)"
    )
    args = parser.parse_args(argv)

    console = Console(stderr=True)
    try:
        if args.command == "check":
            reports = validate_all(args.root)
            console.print(f"{len(reports)} ärendefiler är giltiga.")
        elif args.command == "refresh-notebook":
            refresh_template_outputs(args.root)
            console.print(f"Utdata sparade i {TEMPLATE}.")
        else:
            build_site(args.root, args.output, console)
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USER_ERROR
    except BuildFailed as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BUILD_FAILED
    return 0
