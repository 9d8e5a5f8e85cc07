"""Command line: ``python -m casebook build | check``.

User errors print a short Swedish message and exit with 2, without a traceback; a case
notebook or book build that fails exits with 1. Nothing is published unless all succeeded.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from rich.console import Console

from casebook.engine.build import BuildFailed, build_site, validate_all, verification_file
from casebook.domain.errors import UserError
from casebook.engine.execute import TEMPLATES, refresh_template_outputs
from casebook.engine.verify import verify_site, write_verification

EXIT_USER_ERROR = 2
EXIT_BUILD_FAILED = 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="casebook", description="Granskningsbara rapporter om medfinansieringsbeslut.")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="projektets rot (standard: aktuell katalog)")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="validera, kör alla ärenden och bygg webbplatsen")
    build.add_argument("--output", type=Path, default=Path("_build/html"), help="var webbplatsen skrivs (standard: _build/html)")
    build.add_argument("--jobs", type=int, default=None, help="antal ärenden som körs samtidigt (standard: antal kärnor)")
    build.add_argument(
        "--fresh-kernels", action="store_true",
        help="starta varje kärna från början i stället för att grena den från en förladdad process (långsammare)",
    )
    build.add_argument("--summary", type=Path, default=None, help="skriv en sammanfattning av bygget som JSON hit")
    commands.add_parser("check", help="validera alla ärendefiler utan att köra något")
    verify = commands.add_parser(
        "verify", help="kör om alla publicerade ärendesidor, jämför utdata (nbval) och visa resultatet på webbplatsen"
    )
    verify.add_argument("--site", type=Path, default=Path("_build/html"), help="webbplatsen att verifiera")
    commands.add_parser(
        "refresh-notebook", help="kör mallarna i notebooks/ och spara deras utdata (för nbval)"
    )
    memo = commands.add_parser("memo", help="skriv beslutsunderlaget för ett ärende: Word-utkast (.docx) och PDF/A (.pdf)")
    memo.add_argument("case_id", metavar="ärende-id", help="ärendets id, t.ex. rjh-2025-spin")
    memo.add_argument("--output", type=Path, default=Path("_build/memo"), help="var filerna skrivs (standard: _build/memo)")
    args = parser.parse_args(argv)

    console = Console(stderr=True)
    try:
        if args.command == "check":
            reports = validate_all(args.root)
            console.print(f"{len(reports)} ärendefiler är giltiga.")
        elif args.command == "verify":
            return _verify(args.root.resolve(), args.site, console)
        elif args.command == "memo":
            _memo(args.root, args.case_id, args.output, console)
        elif args.command == "refresh-notebook":
            for template in TEMPLATES:
                refresh_template_outputs(args.root, template)
                console.print(f"Utdata sparade i {template}.")
        else:
            summary = build_site(args.root, args.output, console, jobs=args.jobs, fork_kernels=not args.fresh_kernels)
            if args.summary:
                args.summary.write_text(json.dumps(asdict(summary), indent=2) + "\n", encoding="utf-8")
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USER_ERROR
    except BuildFailed as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BUILD_FAILED
    return 0


def _verify(root: Path, site: Path, console: Console) -> int:
    """Verify, record the result, and republish the site so it shows the result."""
    site = site if site.is_absolute() else root / site
    results = verify_site(root, site)
    write_verification(verification_file(root), results)
    for r in results:
        status = "reproducerad" if r.reproduced else f"INTE reproducerad ({', '.join(r.failed_cells)})"
        console.print(f"{r.case_id}: {status} ({r.cells} celler jämförda)", soft_wrap=True, markup=False)
    build_site(root, site, console)
    failed = [r.case_id for r in results if not r.reproduced]
    if failed:
        console.print(f"{len(failed)} av {len(results)} ärenden reproducerades inte: {', '.join(failed)}", soft_wrap=True)
        return EXIT_BUILD_FAILED
    console.print(f"Alla {len(results)} publicerade ärenden reproducerades.")
    return 0


def _memo(root: Path, case_id: str, output: Path, console: Console) -> None:
    """Write one case's memo; imported here so other commands never load Typst or python-docx."""
    from casebook.render.memo import memo_case_file, write_memo
    from casebook.domain.evaluation import evaluate_case

    root = root.resolve()
    output = output if output.is_absolute() else root / output
    written = write_memo(evaluate_case(memo_case_file(root, case_id)), output)
    shown = output.relative_to(root) if output.is_relative_to(root) else output
    state = "skrivna" if written.regenerated else "oförändrade (inga indata har ändrats)"
    console.print(f"Beslutsunderlaget för {case_id} {state}: {shown / written.docx.name} och {shown / written.pdf.name}.",
                  soft_wrap=True, markup=False)
