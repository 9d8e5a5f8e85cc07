"""The command line speaks Swedish in argparse's own words too: the usage line, the headings
of ``--help`` and the errors of a mistyped command (casebook/locale/sv/LC_MESSAGES/argparse.po)."""

from __future__ import annotations

import argparse
import ast
import gettext
import inspect
import io

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from conftest import REPO

from casebook import cli

CATALOGUE = REPO / "casebook" / "locale" / "sv" / "LC_MESSAGES"
# Words of argparse's English messages that must not reach an analyst.
ENGLISH = (
    "usage:",
    "error:",
    "invalid choice",
    "invalid int",
    "is required",
    "required:",
    "options:",
    "positional arguments",
    "expected one",
    "unrecognized",
    "show this help",
)


@pytest.fixture(autouse=True)
def _argparse_restored(monkeypatch):
    """The command line points argparse's messages at the catalogue; other tests in this process keep argparse's own."""
    monkeypatch.setattr(argparse, "_", argparse._)
    monkeypatch.setattr(argparse, "ngettext", argparse.ngettext)


def _catalogue() -> dict:
    with (CATALOGUE / "argparse.po").open("rb") as po:
        return {message.id: message.string for message in read_po(po, locale="sv") if message.id}


def _argparse_messages() -> set:
    """Every message that the running Python's argparse passes through ``_`` or ``ngettext``."""
    messages = set()
    for node in ast.walk(ast.parse(inspect.getsource(argparse))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
            texts = tuple(
                arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            )
            if texts:
                messages.add(texts[0] if node.func.id == "_" else texts)
    return messages


def test_every_message_of_argparse_is_translated():
    catalogue = _catalogue()
    messages = _argparse_messages()
    assert len(messages) >= 30
    missing = [message for message in messages if not catalogue.get(message)]
    assert missing == []
    for message, translation in catalogue.items():  # the placeholders argparse fills in are kept
        singular = message[0] if isinstance(message, tuple) else message
        first = translation[0] if isinstance(translation, tuple) else translation
        assert sorted(part.split(")")[0] for part in singular.split("%(")[1:]) == sorted(
            part.split(")")[0] for part in first.split("%(")[1:]
        ), message


def test_the_committed_mo_file_is_the_compiled_po_file():
    with (CATALOGUE / "argparse.po").open("rb") as po:
        compiled = io.BytesIO()
        write_mo(compiled, read_po(po, locale="sv"))
    assert compiled.getvalue() == (CATALOGUE / "argparse.mo").read_bytes()
    with (CATALOGUE / "argparse.mo").open("rb") as mo:
        assert gettext.GNUTranslations(mo).gettext("usage: ") == "användning: "


def _run(capsys, *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        cli.main(list(argv))
    captured = capsys.readouterr()
    return exited.value.code, captured.out + captured.err


@pytest.mark.parametrize(
    ("argv", "last_line"),
    [
        (
            ["biuld"],
            "casebook: fel: kommando: okänt val 'biuld' (välj bland 'build', 'check', 'new', 'serve', 'verify', "
            "'refresh-notebook', 'export', 'memo')",
        ),
        (["build", "--jobs", "x"], "casebook build: fel: --jobs: 'x' är inget heltal"),
        (["build", "--jobs", "0"], "casebook build: fel: --jobs: ska vara minst 1, inte 0"),
        (
            ["build", "--timeout", "0"],
            "casebook build: fel: --timeout: ska vara fler än 0 och högst 86400 sekunder, inte 0",
        ),
        (
            ["build", "--timeout", "nan"],
            "casebook build: fel: --timeout: ska vara fler än 0 och högst 86400 sekunder, inte nan",
        ),
        (
            ["build", "--timeout", "inf"],
            "casebook build: fel: --timeout: ska vara fler än 0 och högst 86400 sekunder, inte inf",
        ),
        (["build", "--timeout", "tio"], "casebook build: fel: --timeout: 'tio' är inget antal sekunder"),
        (["serve", "--port", "70000"], "casebook serve: fel: --port: ska vara från 1 till 65535, inte 70000"),
        (["memo"], "casebook memo: fel: det här saknas: ärende-id"),
        (["build", "--wait=ja"], "casebook build: fel: --wait: flaggan tar inget värde (fick 'ja')"),
        (["--root"], "casebook: fel: --root: ett värde saknas"),
        (["check", "--snabbt"], "casebook: fel: okända argument: --snabbt"),
    ],
)
def test_a_mistyped_command_is_answered_in_swedish_with_exit_2(capsys, argv, last_line):
    code, output = _run(capsys, *argv)
    assert code == 2
    lines = output.strip().splitlines()
    assert lines[0].startswith("användning: casebook")
    assert lines[-1] == last_line
    assert not [word for word in ENGLISH if word in output.lower()], output


def test_help_is_swedish_from_usage_to_headings(capsys):
    code, output = _run(capsys, "--help")
    assert code == 0
    assert output.startswith("användning: casebook [-h] [--root MAPP] kommando ...")
    assert "\nflaggor:\n" in output and "\nkommandon:\n  build " in output  # no "kommando" line above them
    assert "\n  kommando\n" not in output and "\n  memo " in output
    assert "visa den här hjälpen och avsluta" in output
    code, output = _run(capsys, "build", "--help")
    assert "--timeout SEKUNDER" in output and "--jobs ANTAL" in output and "--output MAPP" in output
    code, output = _run(capsys, "memo", "--help")
    assert "\nargument:\n  ärende-id" in output
    for command in ("--help", "build --help", "memo --help", "serve --help", "verify --help", "export --help"):
        _, output = _run(capsys, *command.split())
        assert not [word for word in ENGLISH if word in output.lower()], (command, output)


def test_a_decimal_comma_gives_the_seconds_an_analyst_means():
    assert cli._parser().parse_args(["build", "--timeout", "1,5"]).timeout == 1.5
    assert cli._parser().parse_args(["build", "--jobs", "3"]).jobs == 3
    assert cli._parser().parse_args(["serve"]).port == 8000


def test_the_bounds_of_a_whole_number_are_accepted():
    assert cli._parser().parse_args(["build", "--jobs", "1"]).jobs == 1
    assert cli._parser().parse_args(["serve", "--port", "1"]).port == 1
    assert cli._parser().parse_args(["serve", "--port", "65535"]).port == 65535


def test_argparse_messages_with_a_number_are_swedish_too(capsys):
    """argparse words a count through ``ngettext`` ("expected 2 arguments"): no option of casebook
    takes two values today, so a parser that does is built here with the same catalogue."""
    parser = argparse.ArgumentParser(prog="prov")
    parser.add_argument("--par", nargs=2)
    with cli._argparse_in_swedish(), pytest.raises(SystemExit):
        parser.parse_args(["--par", "a"])
    assert capsys.readouterr().err.splitlines()[-1].endswith("--par: 2 värden behövs")


def test_argparse_is_swedish_only_while_the_command_line_parses(capsys):
    """Other users of argparse in the same process (a test runner, a library) keep its own words."""
    with pytest.raises(SystemExit):
        cli.main(["biuld"])
    capsys.readouterr()
    with pytest.raises(SystemExit):
        argparse.ArgumentParser(prog="annan").parse_args(["--x"])
    assert "usage: annan" in capsys.readouterr().err
