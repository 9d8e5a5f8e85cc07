"""A corpus of bad case files: each gives a one-screen error naming the file and the field,
exit code 2, no traceback, and nothing executed (tests/bad_cases/expectations.yaml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, SPIN_PATH

from casebook.cli import main

BAD = REPO / "tests" / "bad_cases"
EXPECTATIONS = yaml.safe_load((BAD / "expectations.yaml").read_text(encoding="utf-8"))


def test_the_corpus_has_at_least_25_bad_files():
    assert len(EXPECTATIONS) >= 25
    assert sorted(p.stem for p in BAD.glob("*.yaml") if p.name != "expectations.yaml") == sorted(EXPECTATIONS)


def _project_with(tmp_path: Path, *case_files: Path) -> Path:
    root = tmp_path / "repo"
    (root / "data" / "cases").mkdir(parents=True)
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    shutil.copytree(REPO / "data" / "sources", root / "data" / "sources")  # the source document SPIN names
    for case in case_files:
        shutil.copy2(case, root / "data" / "cases" / case.name)
    return root


def _assert_clear_error(capsys, root: Path, field: str, message: str, file_name: str) -> None:
    code = main(["--root", str(root), "build"])
    out, err = capsys.readouterr()
    assert code == 2
    assert file_name in err and field in err and message in err, err
    assert "Traceback" not in out + err
    assert len(err.splitlines()) <= 25  # one screen
    assert not (root / "_build").exists()  # nothing executed, nothing published


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_bad_case_file(tmp_path, capsys, name):
    expected = EXPECTATIONS[name]
    root = _project_with(tmp_path, BAD / f"{name}.yaml", SPIN_PATH)
    _assert_clear_error(capsys, root, expected["field"], expected["message"], f"{name}.yaml")


def test_a_very_large_file(tmp_path, capsys):
    huge = tmp_path / "bad-huge-file.yaml"
    huge.write_text(
        SPIN_PATH.read_text(encoding="utf-8").replace("id: rjh-2025-spin", "id: bad-huge-file")
        + "# "
        + "x" * 1_100_000
        + "\n",
        encoding="utf-8",
    )
    root = _project_with(tmp_path, huge)
    _assert_clear_error(capsys, root, "(hela filen)", "största tillåtna", "bad-huge-file.yaml")


def test_two_files_with_the_same_case_id(tmp_path, capsys):
    copy = tmp_path / "rjh-2025-spin-kopia.yaml"
    copy.write_text(SPIN_PATH.read_text(encoding="utf-8"), encoding="utf-8")  # still says id: rjh-2025-spin
    root = _project_with(tmp_path, SPIN_PATH, copy)
    _assert_clear_error(
        capsys, root, "id", "'rjh-2025-spin' finns redan i rjh-2025-spin.yaml", "rjh-2025-spin-kopia.yaml"
    )


@pytest.mark.parametrize("suffix", [".yml", ".YAML"])
def test_a_case_file_with_another_yaml_suffix_is_named_not_ignored(tmp_path, capsys, suffix):
    other = tmp_path / f"fiktiv-annan{suffix}"
    other.write_text(
        SPIN_PATH.read_text(encoding="utf-8").replace("id: rjh-2025-spin", "id: fiktiv-annan"), encoding="utf-8"
    )
    root = _project_with(tmp_path, SPIN_PATH, other)
    _assert_clear_error(capsys, root, "(filnamn)", "byt namn till fiktiv-annan.yaml", f"fiktiv-annan{suffix}")
    assert main(["--root", str(root), "check"]) == 2


def test_check_imports_no_pandas_matplotlib_papermill_or_ipython():
    code = (
        "import sys\n"
        "from casebook.cli import main\n"
        f"assert main(['--root', {str(REPO)!r}, 'check']) == 0\n"
        "print(sorted(m for m in ('pandas', 'matplotlib', 'papermill', 'IPython', 'nbformat') if m in sys.modules))\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().splitlines()[-1] == "[]"  # after the report check prints


def test_every_bad_file_is_reported_at_once(tmp_path, capsys):
    names = ["bad-unknown-kind", "bad-missing-title", "bad-negative-amount"]
    root = _project_with(tmp_path, *(BAD / f"{n}.yaml" for n in names))
    assert main(["--root", str(root), "check"]) == 2
    err = capsys.readouterr().err
    assert all(f"{n}.yaml" in err for n in names)


def test_no_case_files_at_all(tmp_path, capsys):
    root = _project_with(tmp_path)
    assert main(["--root", str(root), "check"]) == 2
    assert "Inga ärendefiler" in capsys.readouterr().err


def test_a_case_file_linking_outside_the_project_is_refused_and_not_read(tmp_path, capsys):
    outside = tmp_path / "elsewhere" / "hemlig.yaml"
    outside.parent.mkdir()
    outside.write_text(
        SPIN_PATH.read_text(encoding="utf-8")
        .replace("id: rjh-2025-spin", "id: fiktiv-lank")
        .replace("SPIN – Strategisk Planering i Norr", "HEMLIG TITEL"),
        encoding="utf-8",
    )
    root = _project_with(tmp_path, SPIN_PATH)
    (root / "data" / "cases" / "fiktiv-lank.yaml").symlink_to(outside)
    inside = root / "data" / "cases" / "fiktiv-inne.yaml"  # a link within the project is an ordinary file
    inside.symlink_to(root / "data" / "cases" / "rjh-2025-spin.yaml")
    _assert_clear_error(capsys, root, "(fil)", "symbolisk länk till en fil utanför projektet", "fiktiv-lank.yaml")
    assert main(["--root", str(root), "check"]) == 2
    err = capsys.readouterr().err
    assert "HEMLIG" not in err and str(outside) not in err
    assert "fiktiv-inne.yaml" in err  # its id is SPIN's: named as a duplicate, so it was read


def test_reference_data_linking_outside_the_project_is_refused(tmp_path, capsys):
    root = _project_with(tmp_path, SPIN_PATH)
    moved = tmp_path / "publisher.yaml"
    (root / "data" / "reference" / "publisher.yaml").rename(moved)
    (root / "data" / "reference" / "publisher.yaml").symlink_to(moved)
    _assert_clear_error(capsys, root, "(fil)", "symbolisk länk till en fil utanför projektet", "publisher.yaml")


def test_a_file_with_sixty_thousand_unknown_keys_is_one_screen(tmp_path, capsys):
    flood = tmp_path / "bad-flood.yaml"
    text = SPIN_PATH.read_text(encoding="utf-8").replace("id: rjh-2025-spin", "id: bad-flood")
    flood.write_text(text + "".join(f"k{n}: 1\n" for n in range(60_000)), encoding="utf-8")
    root = _project_with(tmp_path, flood)
    _assert_clear_error(capsys, root, "k0", "okänt fält", "bad-flood.yaml")
    assert main(["--root", str(root), "check"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 + 20 + 1 + 2  # the file, 20 problems, the count, the closing line
    assert "… och 59980 fel till i samma fil" in err


def test_long_values_and_keys_are_never_echoed_whole(tmp_path, capsys):
    long = tmp_path / "bad-long.yaml"
    text = SPIN_PATH.read_text(encoding="utf-8").replace("id: rjh-2025-spin", "id: bad-long")
    text = text.replace("title: SPIN – Strategisk Planering i Norr", "title: " + "t" * 5000)
    long.write_text(text + "x" * 1000 + ": " + "y" * 5000 + "\n", encoding="utf-8")  # libyaml's longest key
    root = _project_with(tmp_path, long)
    assert main(["--root", str(root), "check"]) == 2
    err = capsys.readouterr().err
    title_line = next(number for number, line in enumerate(text.splitlines(), 1) if line.startswith("title: "))
    assert f"title (rad {title_line}): är för långt" in err and "okänt fält" in err
    assert "x" * 200 not in err and "t" * 100 not in err and "y" * 100 not in err
    assert max(len(line) for line in err.splitlines()) < 700


def test_a_number_of_thousands_of_digits_is_refused_without_a_traceback(tmp_path, capsys):
    long = tmp_path / "bad-digits.yaml"
    long.write_text(
        SPIN_PATH.read_text(encoding="utf-8")
        .replace("id: rjh-2025-spin", "id: bad-digits")
        .replace("amount_applied_for: 749999", "amount_applied_for: " + "9" * 5000),
        encoding="utf-8",
    )
    _assert_clear_error(
        capsys, _project_with(tmp_path, long), "rad 37, kolumn 21", "talet har 5000 siffror", "bad-digits.yaml"
    )


def test_an_escape_sequence_is_never_printed_raw(tmp_path, capsys):
    root = _project_with(tmp_path, BAD / "bad-escape-sequence.yaml")
    (root / "data" / "cases" / "bad-escape-sequence.yaml").write_text(
        (BAD / "bad-escape-sequence.yaml")
        .read_text(encoding="utf-8")
        .replace("id: bad-escape-sequence", 'id: "x\\e[31m"'),
        encoding="utf-8",
    )
    assert main(["--root", str(root), "check"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "<U+001B>" in err


def test_export_without_a_built_site_says_to_build_first(tmp_path, capsys):
    root = _project_with(tmp_path, SPIN_PATH)
    assert main(["--root", str(root), "export", str(tmp_path / "ut")]) == 2
    assert "Ingen byggd webbplats i _build/html; bygg den först (make site)." in capsys.readouterr().err


@pytest.mark.parametrize("hidden", ["._rjh-2025-spin.yaml", ".utkast.yaml", "._fiktiv.yml"])
def test_hidden_files_in_the_cases_folder_are_no_cases(tmp_path, capsys, hidden):
    """macOS's ``._x.yaml`` (binary metadata) and a hidden draft are ignored by check, build,
    serve and the portfolio alike: every one lists case files through ``list_case_files``."""
    import watchfiles

    from casebook.domain.case_file import list_case_files
    from casebook.engine import serve as serve_module
    from casebook.engine.paths import ProjectPaths

    root = _project_with(tmp_path, SPIN_PATH)
    cases = root / "data" / "cases"
    (cases / hidden).write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \xff\xfe: [")
    assert main(["--root", str(root), "check"]) == 0, capsys.readouterr().err
    assert hidden not in capsys.readouterr().err
    paths = ProjectPaths.at(root)
    assert [p.name for p in paths.case_files()] == ["rjh-2025-spin.yaml"]
    assert paths.misnamed_case_files() == []
    assert [p.name for p in list_case_files(cases)] == ["rjh-2025-spin.yaml"]
    sources = serve_module._Sources(paths)
    assert not sources.relevant(watchfiles.Change.modified, str(paths.cases_dir / hidden))
    assert sources.relevant(watchfiles.Change.modified, str(paths.cases_dir / "rjh-2025-spin.yaml"))
    changes = [(watchfiles.Change.added, str(paths.cases_dir / hidden))]
    changes.append((watchfiles.Change.modified, str(paths.cases_dir / "rjh-2025-spin.yaml")))
    assert serve_module.previewable_case_files(changes, paths) == [paths.cases_dir / "rjh-2025-spin.yaml"]


@pytest.mark.parametrize("command", [["check"], ["build"], ["memo", "bad-amount-text"]])
def test_an_error_names_the_file_relative_to_the_project(tmp_path, capsys, command):
    root = _project_with(tmp_path, BAD / "bad-amount-text.yaml")
    assert main(["--root", str(root), *command]) == 2
    err = capsys.readouterr().err
    assert "Fel i data/cases/bad-amount-text.yaml:" in err, err
    assert str(tmp_path) not in err


SPIN_TEXT = SPIN_PATH.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("written", "field", "message"),
    [
        # A: a quoted value that would be right unquoted says so.
        (
            'project_start: "2025-11-03"',
            "dates.project_start",
            'ska vara ett datum utan citattecken: skriv 2025-11-03, inte "2025-11-03"',
        ),
        (
            "amount_applied_for: '600000'",
            "amount_applied_for",
            'ska vara ett heltal (kronor) utan citattecken: skriv 600000, inte "600000"',
        ),
        # B: a date that does not exist, quoted or not.
        (
            "project_start: 2025-02-30",
            "dates.project_start",
            "2025-02-30 finns inte i kalendern (februari 2025 har 28 dagar)",
        ),
        (
            'project_start: "2024-02-30"',
            "dates.project_start",
            "2024-02-30 finns inte i kalendern (februari 2024 har 29 dagar)",
        ),
        ("project_start: 2025-13-01", "dates.project_start", "2025-13-01 finns inte i kalendern (månad 13 finns inte)"),
        (
            "project_start: 2025-11-03 10:00",
            "dates.project_start",
            "ska vara ett datum utan klockslag: skriv 2025-11-03",
        ),
        (
            "project_start: 2025-11-03T10:00:00",
            "dates.project_start",
            "ska vara ett datum utan klockslag: skriv 2025-11-03",
        ),
        ("project_start: 2025-02-30 10:00", "dates.project_start", "ska vara ett datum på formen ÅÅÅÅ-MM-DD"),
        # C: amounts with spaces, öre, a decimal part, dots or "kr".
        ("amount_applied_for: 1 500 000", "amount_applied_for", "skriv hela kronor utan mellanrum, t.ex. 1500000"),
        ("amount_applied_for: 1500000,50", "amount_applied_for", "skriv hela kronor, utan ören, t.ex. 1500000"),
        ("amount_applied_for: 1500000.50", "amount_applied_for", "skriv hela kronor, utan ören, t.ex. 1500000"),
        ("amount_applied_for: 1 500 000,50", "amount_applied_for", "utan ören och utan mellanrum, t.ex. 1500000"),
        (
            "amount_applied_for: 1500000.00",
            "amount_applied_for",
            "ska vara ett heltal (kronor) utan decimaler: skriv 1500000",
        ),
        ("amount_applied_for: 1.500.000", "amount_applied_for", "skriv hela kronor utan punkter, t.ex. 1500000"),
        ("amount_applied_for: 1 500 000 kr", "amount_applied_for", "skriv bara talet, utan kr, t.ex. 1500000"),
        # Still the general message where nothing more can be said.
        (
            "project_start: 2025-2-3",
            "dates.project_start",
            "ska vara ett datum på formen ÅÅÅÅ-MM-DD (värde: '2025-2-3')",
        ),
        (
            "amount_applied_for: sjuhundratusen",
            "amount_applied_for",
            "ska vara ett heltal (kronor) (värde: 'sjuhundratusen')",
        ),
        ("amount_applied_for: '017'", "amount_applied_for", "ska vara ett heltal (kronor) (värde: '017')"),
        # The edges: December's last day, spaces inside the quotes, a whole number that is no amount.
        (
            "project_start: 2025-12-32",
            "dates.project_start",
            "2025-12-32 finns inte i kalendern (december 2025 har 31 dagar)",
        ),
        (
            "amount_applied_for: ' 600000 '",
            "amount_applied_for",
            'ska vara ett heltal (kronor) utan citattecken: skriv 600000, inte " 600000 "',
        ),
        ("schema_version: '4'", "schema_version", 'ska vara ett heltal utan citattecken: skriv 4, inte "4"'),
    ],
)
def test_a_typed_field_says_how_to_write_its_value(tmp_path, capsys, written, field, message):
    key = written.split(":")[0]
    line = next(line for line in SPIN_TEXT.splitlines() if line.strip().startswith(f"{key}:"))
    indent = line[: len(line) - len(line.lstrip())]
    case = tmp_path / "rjh-2025-spin.yaml"
    case.write_text(SPIN_TEXT.replace(line, indent + written, 1), encoding="utf-8")
    root = _project_with(tmp_path, case)
    assert main(["--root", str(root), "check"]) == 2
    err = capsys.readouterr().err
    number = SPIN_TEXT.splitlines().index(line) + 1  # the line of the value, where the analyst looks
    assert f"  - {field} (rad {number}): " in err and message in err, err
    assert "Traceback" not in err


def test_a_utf16_case_or_reference_file_says_to_save_it_as_utf8(tmp_path, capsys):
    case = tmp_path / "rjh-2025-spin.yaml"
    case.write_text(SPIN_TEXT, encoding="utf-16")  # "Unicode" as Notepad once saved it, with its BOM
    root = _project_with(tmp_path, case)
    _assert_clear_error(
        capsys, root, "(hela filen)", "filen är sparad som UTF-16; spara den som UTF-8", "rjh-2025-spin.yaml"
    )
    root = _project_with(tmp_path / "second", SPIN_PATH)  # another folder: reference data is cached by folder
    publisher = root / "data" / "reference" / "publisher.yaml"
    publisher.write_text(publisher.read_text(encoding="utf-8"), encoding="utf-16-le")
    assert main(["--root", str(root), "check"]) == 2
    err = capsys.readouterr().err
    assert "Fel i data/reference/publisher.yaml:" in err and "spara den som UTF-8" in err, err


@pytest.mark.parametrize(
    ("named", "message"),
    [
        ("finns-inte.txt", "filen finns-inte.txt finns inte i data/sources/; lägg den där"),
        ("../cases/rjh-2025-spin.yaml", "ska vara namnet på en fil i data/sources/, utan mapp"),
    ],
)
@pytest.mark.parametrize("command", ["check", "build"])
def test_a_source_document_that_is_not_in_data_sources_is_refused(tmp_path, capsys, named, message, command):
    case = tmp_path / "rjh-2025-spin.yaml"
    case.write_text(SPIN_TEXT.replace("file: 000_2bcbd58892294728.txt", f"file: {named}", 1), encoding="utf-8")
    assert f"file: {named}" in case.read_text(encoding="utf-8")
    root = _project_with(tmp_path, case)
    assert main(["--root", str(root), command]) == 2
    err = capsys.readouterr().err
    assert "Fel i data/cases/rjh-2025-spin.yaml:\n  - source_document.file: " + message in err, err
    assert "Traceback" not in err and not (root / "_build").exists()


def test_a_case_without_a_source_document_file_needs_no_data_sources(tmp_path, capsys):
    case = tmp_path / "rjh-2025-spin.yaml"
    case.write_text(SPIN_TEXT.replace("  file: 000_2bcbd58892294728.txt\n", "", 1), encoding="utf-8")
    root = _project_with(tmp_path, case)
    shutil.rmtree(root / "data" / "sources")
    assert main(["--root", str(root), "check"]) == 0, capsys.readouterr().err


def test_a_folder_named_like_a_case_file_is_no_case_and_check_says_why(tmp_path, capsys):
    """Not read as a case, and not passed over in silence either (see tests/test_field_problems.py)."""
    from casebook.domain.case_file import list_case_files

    root = _project_with(tmp_path, SPIN_PATH)
    (root / "data" / "cases" / "arkiv.yaml").mkdir()
    assert list_case_files(root / "data" / "cases") == [root / "data" / "cases" / "rjh-2025-spin.yaml"]
    assert main(["--root", str(root), "check"]) == 2
    assert (
        "Fel i data/cases/arkiv.yaml:\n  - (fil): kan inte läsas: det är en mapp, inte en fil"
        in capsys.readouterr().err
    )


def test_a_source_document_named_dot_dot_or_naming_a_folder_is_refused(tmp_path, capsys):
    """``..`` is a name without a folder in it (Path('..').name), but names data/, not a file
    in data/sources/; a folder in data/sources/ is no source document either."""
    case = tmp_path / "rjh-2025-spin.yaml"
    for named, message in (
        ("..", "ska vara namnet på en fil i data/sources/, utan mapp (värde: '..')"),
        ("bilagor", "filen bilagor finns inte i data/sources/; lägg den där"),
    ):
        case.write_text(SPIN_TEXT.replace("file: 000_2bcbd58892294728.txt", f"file: {named}", 1), encoding="utf-8")
        root = _project_with(tmp_path / named.replace(".", "punkt"), case)
        (root / "data" / "sources" / "bilagor").mkdir()
        assert main(["--root", str(root), "check"]) == 2
        err = capsys.readouterr().err
        assert "Fel i data/cases/rjh-2025-spin.yaml:\n  - source_document.file: " + message in err, err
