"""Command line: ``python -m casebook build | check | new | serve | verify | export | refresh-notebook | memo``.

User errors print a short Swedish message and exit with 2, without a traceback (a mistyped
command too: argparse's own messages come from the catalogue in ``casebook/locale``); a case
notebook or book build that fails exits with 1; Ctrl-C, SIGTERM or SIGHUP stops a build
within seconds and exits with 130. Nothing is published unless all succeeded.

Engine modules are imported inside the commands that need them: ``check`` imports only
the domain and validation, so it never loads pandas, matplotlib, papermill or IPython.
"""

from __future__ import annotations

import argparse
import gettext
import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from rich.console import Console

from casebook.domain import clock
from casebook.domain import formatting as fmt
from casebook.domain.errors import CaseFileError, UserError
from casebook.engine.paths import ProjectPaths

EXIT_USER_ERROR = 2
EXIT_BUILD_FAILED = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


@contextmanager
def _argparse_in_swedish() -> Iterator[None]:
    """argparse's own words (the usage line, the headings of ``--help``, the errors of a
    mistyped command) in Swedish while the block runs. argparse passes each of them through
    its module's ``_`` and ``ngettext`` (gettext's); these point at the catalogue
    ``locale/sv/LC_MESSAGES/argparse.mo``, compiled from ``argparse.po`` beside it, and are
    put back afterwards, so that no other user of argparse in the process is changed."""
    with resources.files("casebook").joinpath("locale", "sv", "LC_MESSAGES", "argparse.mo").open("rb") as catalogue:
        swedish = gettext.GNUTranslations(catalogue)
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = swedish.gettext, swedish.ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


def _whole_number(least: int, most: int | None = None):
    """An argument type: a whole number from ``least`` (to ``most``), refused in Swedish."""

    def whole_number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} är inget heltal") from None
        if value < least or (most is not None and value > most):
            bounds = f"från {least} till {most}" if most is not None else f"minst {least}"
            raise argparse.ArgumentTypeError(f"ska vara {bounds}, inte {value}")
        return value

    return whole_number


# A notebook's time limit at most: a day (beyond it, and infinity, a kernel that hangs is never stopped).
MAX_TIMEOUT_SECONDS = 86_400


def _seconds(text: str) -> float:
    """An argument type: a number of seconds above zero and at most a day (a decimal comma too)."""
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} är inget antal sekunder") from None
    if not 0 < value <= MAX_TIMEOUT_SECONDS:  # also NaN and infinity
        raise argparse.ArgumentTypeError(f"ska vara fler än 0 och högst {MAX_TIMEOUT_SECONDS} sekunder, inte {text}")
    return value


class _CommandsFormatter(argparse.HelpFormatter):
    """argparse's help, with the commands listed right under their heading: argparse puts the
    commands' placeholder ("kommando") on a line of its own above them, like a command."""

    def _format_action(self, action: argparse.Action) -> str:
        if isinstance(action, argparse._SubParsersAction):
            return "".join(self._format_action(command) for command in action._get_subactions())
        return super()._format_action(action)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="casebook",
        description="Granskningsbara rapporter om medfinansieringsbeslut.",
        formatter_class=_CommandsFormatter,
    )
    parser.add_argument(
        "--root", type=Path, metavar="MAPP", default=Path.cwd(), help="projektets rot (standard: aktuell katalog)"
    )
    commands = parser.add_subparsers(dest="command", metavar="kommando", title="kommandon", required=True)
    build = commands.add_parser("build", help="validera, kör alla ärenden och bygg webbplatsen")
    build.add_argument(
        "--output", type=Path, metavar="MAPP", default=None, help="var webbplatsen publiceras (standard: _build/html)"
    )
    build.add_argument(
        "--jobs",
        type=_whole_number(1),
        metavar="ANTAL",
        default=None,
        help="antal ärenden som körs, och dokument som skrivs, samtidigt (standard: två ärenden och ett dokument per kärna)",
    )
    build.add_argument(
        "--fresh-kernels",
        action="store_true",
        help="starta varje kärna från början i stället för att grena den från en förladdad process (långsammare)",
    )
    build.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SEKUNDER",
        default=None,
        help="längsta tid i sekunder för att köra en anteckningsbok (standard: 600)",
    )
    build.add_argument(
        "--summary", type=Path, metavar="FIL", default=None, help="skriv en sammanfattning av bygget som JSON hit"
    )
    build.add_argument("--wait", action="store_true", help="vänta på ett pågående bygge i stället för att avbryta")
    build.add_argument(
        "--shard",
        metavar="I/K",
        default=None,
        help="kör bara del I av K av ärendena (stabilt efter ärende-id) in i cachen; ingen webbplats byggs",
    )
    build.add_argument(
        "--assemble",
        action="store_true",
        help="bygg webbplatsen av sammanslagna delbyggen i _build/cache; kör bara portföljen",
    )
    build.add_argument(
        "--publish",
        action="store_true",
        help="bygg för publicering: stoppa om data/reference/publisher.yaml har platshållare (example.invalid)",
    )
    commands.add_parser(
        "check", help="validera alla ärendefiler utan att köra något, och visa vad som behöver uppmärksammas"
    )
    new = commands.add_parser("new", help="skriv en tom ärendefil att fylla i, med vägledning för varje fält")
    new.add_argument("case_id", metavar="ärende-id", help="det nya ärendets id, t.ex. region-2026-projekt")
    serve = commands.add_parser(
        "serve", help="bygg, visa webbplatsen lokalt och bygg om (och ladda om sidan) när en källfil ändras"
    )
    serve.add_argument(
        "--port", type=_whole_number(1, 65535), default=8000, help="porten på 127.0.0.1 (standard: 8000)"
    )
    serve.add_argument(
        "--jobs",
        type=_whole_number(1),
        metavar="ANTAL",
        default=None,
        help="antal ärenden som körs, och dokument som skrivs, samtidigt (standard: två ärenden och ett dokument per kärna)",
    )
    verify = commands.add_parser(
        "verify",
        help="kör om alla publicerade ärendesidor och jämför dem, deras figurer, öppna data, beslutsunderlag och "
        "rapporter med det publicerade; visa resultatet på webbplatsen",
    )
    verify.add_argument(
        "--site",
        type=Path,
        metavar="MAPP",
        default=None,
        help="webbplatsen att verifiera (standard: _build/html; för en kopia skrivs resultatet bara i kopian)",
    )
    verify.add_argument("--wait", action="store_true", help="vänta på ett pågående bygge i stället för att avbryta")
    commands.add_parser("refresh-notebook", help="kör mallarna i notebooks/ och spara deras utdata (för nbval)")
    export = commands.add_parser(
        "export", help="kopiera den byggda webbplatsen som vanliga filer till en mapp, för valfri webbserver"
    )
    export.add_argument("target", metavar="MAPP", type=Path, help="en ny eller tom mapp")
    memo = commands.add_parser(
        "memo", help="skriv beslutsunderlaget för ett ärende: Word-utkast (.docx) och PDF/A (.pdf)"
    )
    memo.add_argument("case_id", metavar="ärende-id", help="ärendets id, t.ex. rjh-2025-spin")
    memo.add_argument(
        "--output",
        type=Path,
        metavar="MAPP",
        default=Path("_build/memo"),
        help="var filerna skrivs (standard: _build/memo)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    with _argparse_in_swedish():
        args = _parser().parse_args(argv)
    paths = ProjectPaths.at(args.root)
    console = Console(stderr=True)
    try:
        if args.command == "check":
            from casebook.engine.validate import attention_report, validate_all

            cases = validate_all(paths, clock.as_of_date())  # a command reads the clock; the rest takes its date
            console.print(f"{fmt.plural(len(cases), 'ärendefil är giltig', 'ärendefiler är giltiga')}.")
            # The command's report, so on standard output (`casebook check > granskning.txt`), where
            # every message about the run goes to standard error. Plain text (case text is never read
            # as rich markup), exit 0: a flag is not an input error.
            print(attention_report(paths, cases))
            return 0
        if args.command == "new":
            from casebook.engine.new_case import new_case

            written = new_case(paths, args.case_id)
            console.print(
                f"Skrev {paths.relative(written)}. Fyll i fälten och kör casebook check: den säger vad som återstår.",
                soft_wrap=True,
                markup=False,
            )
            return 0
        if args.command == "export":
            from casebook.engine.export import export_site

            copied = export_site(paths, args.target)
            console.print(
                f"Webbplatsen exporterad till {args.target}: {fmt.plural(copied, 'fil', 'filer')}.",
                soft_wrap=True,
                markup=False,
            )
            return 0
        if args.command == "memo":
            _memo(paths.root, args.case_id, args.output, console)
            return 0
        if args.command == "refresh-notebook":
            from casebook.engine.execute import TEMPLATES, refresh_template_outputs
            from casebook.engine.zygote import kernel_environment

            with kernel_environment():  # the same kernel environment as the build's
                for template in TEMPLATES:
                    refresh_template_outputs(paths.root, template)
                    console.print(f"Utdata sparade i {template}.")
            return 0
        if args.command == "serve":
            return _interruptible(lambda: _serve(args, paths, console), paths.site, paths.root, ends_on_stop=True)
        site = getattr(args, "output", None) or getattr(args, "site", None)
        site = (paths.root / site if site else paths.site).absolute()
        return _interruptible(lambda: _build_or_verify(args, paths, console), site, paths.root)
    except CaseFileError as exc:  # the file named relative to the project, as everywhere else
        print(exc.render(root=paths.root), file=sys.stderr)
        return EXIT_USER_ERROR
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USER_ERROR


def _interruptible(command, site: Path, root: Path, ends_on_stop: bool = False) -> int:
    """Run ``command`` with Ctrl-C, SIGTERM and SIGHUP turned into one clean stop (exit 130).

    The first signal raises ``KeyboardInterrupt`` where the build is; further signals are
    ignored while it stops its workers and kernels. The one line printed says whether the
    published ``site`` changed: a signal that comes after the new version was swapped in
    must not claim the site is unchanged. ``ends_on_stop``: the command takes a stop as its
    normal end (``serve``), so returning after one is not an interruption.
    """
    import os

    from casebook.engine import lifetime
    from casebook.engine.build import BuildInterrupted
    from casebook.engine.lifetime import STOP_SIGNALS

    def published() -> str | None:
        return os.readlink(site) if site.is_symlink() else None

    def interrupt(_signum, _frame) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        lifetime.request_stop()  # kept even if Python drops the exception below (lifetime.stop_if_requested)
        raise KeyboardInterrupt

    before = published()
    lifetime.clear_stop()
    previous = {s: signal.signal(s, interrupt) for s in STOP_SIGNALS}
    try:
        status = command()
        if not ends_on_stop:
            lifetime.stop_if_requested()  # a stop whose exception was lost still ends as a stop
        return status
    except (BuildInterrupted, KeyboardInterrupt, Exception) as exc:
        if not isinstance(exc, (BuildInterrupted, KeyboardInterrupt)) and not lifetime.stop_requested():
            raise
        # After a stop signal, any exception is the stop: its KeyboardInterrupt can surface as
        # another, as when it comes while a C extension is being imported (matplotlib's
        # ``_path``: "ImportError: initialization failed", raised from it; tests/test_faults.py).
        done = str(exc) if isinstance(exc, BuildInterrupted) else "Bygget avbröts"
        changed = published() != before
        shown = site.relative_to(root) if site.is_relative_to(root) else site
        print(
            f"{done}; den nya webbplatsen hann publiceras i {shown} före avbrottet."
            if changed
            else f"{done}; webbplatsen är oförändrad.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        lifetime.clear_stop()


def _build_or_verify(args: argparse.Namespace, paths: ProjectPaths, console: Console) -> int:
    from casebook.engine.build import BuildFailed
    from casebook.engine.publish import project_lock

    try:
        if args.command == "verify":
            site = (paths.root / args.site).absolute() if args.site else paths.site
            if site.resolve() != paths.site.resolve():
                return _verify_copy(paths, site, console)  # writes into the copy only: no lock, nothing in _build
            with project_lock(paths.lock_file, wait=args.wait):
                return _verify(paths, console)
        return _build(args, paths, console)
    except BuildFailed as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BUILD_FAILED


def _build(args: argparse.Namespace, paths: ProjectPaths, console: Console) -> int:
    from casebook.engine.build import BuildOptions, Kernels, Shard, build_shard, build_site
    from casebook.engine.execute import DEFAULT_TIMEOUT

    if args.shard is not None and args.assemble:
        raise UserError("--shard och --assemble kan inte användas tillsammans: kör delbyggena först, sedan --assemble.")
    options = BuildOptions(
        jobs=args.jobs,
        kernels=Kernels.FRESH if args.fresh_kernels else Kernels.FORKED,
        timeout=args.timeout or DEFAULT_TIMEOUT,
        wait=args.wait,
        assemble=args.assemble,
        publish=args.publish,
        moment=clock.now(),  # the build's one moment, read here once: every case is judged on its date
    )
    if args.shard is not None:
        summary = build_shard(paths, Shard.parse(args.shard), console, options)
    else:
        summary = build_site(paths, args.output, console, options)
    if args.summary:
        args.summary.write_text(json.dumps(summary.as_dict(), indent=2) + "\n", encoding="utf-8")
    return 0


def _serve(args: argparse.Namespace, paths: ProjectPaths, console: Console) -> int:
    """Serve until Ctrl-C or SIGTERM; the last published site stays in place."""
    from casebook.engine.build import BuildInterrupted, BuildOptions, CodeChanged
    from casebook.engine.serve import serve

    try:
        serve(paths, args.port, console, BuildOptions(jobs=args.jobs, wait=True))  # each build fixes its own moment
    except (KeyboardInterrupt, BuildInterrupted):
        print("casebook serve avslutades; den senast byggda webbplatsen finns kvar i _build/html.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except CodeChanged:
        # Its kept processes (and this one) run the earlier code: start afresh with the new.
        print(
            "Paketets kod (eller de installerade paketen) har ändrats; casebook serve startar om med den nya koden …",
            file=sys.stderr,
            flush=True,
        )
        sys.stdout.flush()
        os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
    return 0


def _verify(paths: ProjectPaths, console: Console) -> int:
    """Verify the project's own site, record the result and republish the site so it shows the result."""
    from casebook.engine import lifetime
    from casebook.engine.build import BuildOptions, build_site
    from casebook.engine.publish import check_output
    from casebook.engine.verify import verify_site, write_verification

    check_output(paths.site)  # republished below: refused before the work if it is not ours
    moment = clock.now()  # one moment for the verification and the build that republishes it
    results = verify_site(paths, paths.site, clock.date_of(moment), console, own_site=True)
    lifetime.stop_if_requested()  # a stop whose exception was dropped: nothing written
    write_verification(paths.verification_file, results, moment)
    code = _report_verification(results, console)
    build_site(paths, paths.site, console, BuildOptions(moment=moment))
    return code


def _verify_copy(paths: ProjectPaths, site: Path, console: Console) -> int:
    """Verify a copy of a site; the result is written into the copy (``verification.json``), nowhere else."""
    from casebook.engine import lifetime
    from casebook.engine.verify import RECORD_NAME, verify_site, write_verification

    moment = clock.now()
    results = verify_site(paths, site, clock.date_of(moment), console)
    lifetime.stop_if_requested()  # a stop whose exception was dropped: nothing written into the copy
    write_verification(site / RECORD_NAME, results, moment)
    console.print(f"Resultatet finns i {site / RECORD_NAME}.", soft_wrap=True, markup=False)
    return _report_verification(results, console)


def _report_verification(results, console: Console) -> int:
    for r in results:
        status = "reproducerad" if r.reproduced else f"INTE reproducerad ({'; '.join(r.failed_cells)})"
        console.print(
            f"{r.case_id}: {status} ({fmt.plural(r.cells, 'cell jämförd', 'celler jämförda')})",
            soft_wrap=True,
            markup=False,
        )
    failed = [r.case_id for r in results if not r.reproduced]
    if failed:
        console.print(
            f"{len(failed)} av {fmt.plural(len(results), 'ärende', 'ärenden')} reproducerades inte: {', '.join(failed)}",
            soft_wrap=True,
        )
        return EXIT_BUILD_FAILED
    console.print(
        "Det publicerade ärendet reproducerades."
        if len(results) == 1
        else f"Alla {len(results)} publicerade ärenden reproducerades."
    )
    return 0


def _memo(root: Path, case_id: str, output: Path, console: Console) -> None:
    """Write one case's memo; imported here so other commands never load Typst or python-docx."""
    from casebook.domain.evaluation import evaluate_case
    from casebook.engine.documents import memo_case_file, write_memo

    output = output if output.is_absolute() else root / output
    written = write_memo(evaluate_case(memo_case_file(root, case_id), as_of=clock.as_of_date()), output, draft=True)
    assert written.docx is not None  # asked for with the draft
    shown = output.relative_to(root) if output.is_relative_to(root) else output
    state = "har skrivits" if written.regenerated else "är oförändrat (inga indata har ändrats)"
    console.print(
        f"Beslutsunderlaget för {case_id} {state}: {shown / written.docx.name} och {shown / written.pdf.name}.",
        soft_wrap=True,
        markup=False,
    )
