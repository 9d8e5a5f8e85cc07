"""`casebook check` says what needs attention: per case, the rules not met or needing review and
the memo's sections still to write. Exit 0: a flag is not an input error."""

from __future__ import annotations

import shutil

from conftest import FICTIONAL_BASE_PATH, REPO, SPIN_PATH

from casebook.cli import main

NBSP = "\N{NO-BREAK SPACE}"


def _project(tmp_path, **cases: str):
    root = tmp_path / "repo"
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    shutil.copytree(REPO / "data" / "sources", root / "data" / "sources")  # the source document the cases name
    (root / "data" / "cases").mkdir(parents=True)
    for name, text in cases.items():
        (root / "data" / "cases" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root


def test_check_lists_spins_rules_needing_attention_and_exits_0(tmp_path, capsys):
    root = _project(tmp_path, **{"rjh-2025-spin": SPIN_PATH.read_text(encoding="utf-8")})
    assert main(["--root", str(root), "check"]) == 0
    err = capsys.readouterr().err
    assert "1 ärendefil är giltig." in err
    assert "Att uppmärksamma före bygget (inga fel i filerna, bygget kan köras):" in err
    assert "rjh-2025-spin (data/cases/rjh-2025-spin.yaml): 2 av 18 regler kräver uppmärksamhet" in err
    assert (
        f'  - Avvikelse att granska: Maxbeloppet överstiger inte sökt belopp (Beslutsförslaget ("dock max") mot '
        f"ansökan). Maxbeloppet 750{NBSP}000{NBSP}kr är 1{NBSP}kr högre än sökt belopp 749{NBSP}999{NBSP}kr."
    ) in err
    assert (
        "  - Bedömning saknas: Inga åtgärder som omfattas av företagsstödsförordningarna "
        "(6 § förordning (2003:596)). Ärendet registrerar ingen bedömning av detta."
    ) in err
    assert "Att skriva i beslutsunderlaget" not in err  # SPIN writes every section


def test_check_shows_financing_that_does_not_equal_the_costs(tmp_path, capsys):
    """The issue's case: check said "giltiga" and only the built page showed the problem."""
    text = FICTIONAL_BASE_PATH.read_text(encoding="utf-8").replace("total_costs: 2000000", "total_costs: 2100000")
    root = _project(tmp_path, **{"fiktiv-bas": text})
    assert main(["--root", str(root), "check"]) == 0
    err = capsys.readouterr().err
    assert "fiktiv-bas (data/cases/fiktiv-bas.yaml): 1 av 18 regler kräver uppmärksamhet" in err
    assert (
        f"  - Ej uppfyllt: Finansieringsplanen balanserar mot kostnaderna (8 § förordning (2003:596)). Finansiering "
        f"2{NBSP}000{NBSP}000{NBSP}kr ≠ kostnader 2{NBSP}100{NBSP}000{NBSP}kr (skillnad −100{NBSP}000{NBSP}kr)."
    ) in err
    assert "  Att skriva i beslutsunderlaget: Ärendebeskrivning: bakgrund (narrative.description);" in err


def test_check_says_so_when_nothing_needs_attention(tmp_path, capsys):
    text = (
        SPIN_PATH.read_text(encoding="utf-8")
        .replace("max_amount: 750000", "max_amount: 749999")
        .replace(
            "assessments:\n",
            "assessments:\n  - {topic: business_support_measures, met: true, text: Inga sådana åtgärder., "
            "assessed_by: Fiktiv handläggare}\n",
            1,
        )
    )
    root = _project(tmp_path, **{"rjh-2025-spin": text})
    assert main(["--root", str(root), "check"]) == 0
    err = capsys.readouterr().err
    assert "Ingen regel kräver uppmärksamhet och inget avsnitt av beslutsunderlaget saknas." in err
    assert "Att uppmärksamma" not in err


def test_case_text_in_the_listing_is_printed_as_written_never_read_as_markup(tmp_path, capsys):
    text = FICTIONAL_BASE_PATH.read_text(encoding="utf-8").replace(
        "applicant:\n  name: Region Gävleborg\n", 'applicant:\n  name: "[bold]Fiktiv[/bold] AB"\n'
    )
    root = _project(tmp_path, **{"fiktiv-bas": text})
    assert main(["--root", str(root), "check"]) == 0
    assert "[bold]Fiktiv[/bold] AB finns inte bland de 21 aktörerna" in capsys.readouterr().err


def test_check_names_what_a_copied_case_file_still_shares_with_the_case_it_was_copied_from(tmp_path, capsys):
    """A case file copied from SPIN and given a new id, title and figures but not new texts would
    carry SPIN's memo and source document into the new decision: check names each shared part,
    for both cases, and still exits 0 (the analyst may be halfway through rewriting)."""
    spin = SPIN_PATH.read_text(encoding="utf-8")
    copy = spin.replace("id: rjh-2025-spin", "id: rjh-2026-kopia", 1).replace(
        "title: SPIN – Strategisk Planering i Norr", "title: Kompetenslyft Mittnorden", 1
    )
    assert copy.count("rjh-2026-kopia") == 1 and "Kompetenslyft Mittnorden" in copy
    root = _project(tmp_path, **{"rjh-2025-spin": spin, "rjh-2026-kopia": copy})
    assert main(["--root", str(root), "check"]) == 0
    err = capsys.readouterr().err
    copied = err.split("rjh-2026-kopia (data/cases/rjh-2026-kopia.yaml):", 1)[1].split("\n\n", 1)[0]
    lines = copied.splitlines()
    start = lines.index("  Samma som i ett annat ärende (kopierad ärendefil? varje beslut har sitt eget underlag):")
    assert lines[start + 1 : start + 5] == [
        "  - källdokumentet 000_2bcbd58892294728.txt anges också av ärendet rjh-2025-spin",
        "  - källdokumentets titel (source_document.title) är densamma som i ärendet rjh-2025-spin",
        "  - rättelse 1 av källdokumentet (source_document.corrections) finns också i ärendet rjh-2025-spin",
        "  - rättelse 2 av källdokumentet (source_document.corrections) finns också i ärendet rjh-2025-spin",
    ]
    assert "  - Sammanfattningen (summary) är samma text som i ärendet rjh-2025-spin" in lines
    assert "  - Ärendebeskrivning: bakgrund (narrative.description) är samma text som i ärendet rjh-2025-spin" in lines
    assert "  - källdokumentet 000_2bcbd58892294728.txt anges också av ärendet rjh-2026-kopia" in err  # and SPIN's


def test_short_shared_texts_and_cases_of_their_own_are_not_named(tmp_path, capsys):
    root = _project(
        tmp_path,
        **{
            "rjh-2025-spin": SPIN_PATH.read_text(encoding="utf-8"),
            "fiktiv-bas": FICTIONAL_BASE_PATH.read_text(encoding="utf-8"),
        },
    )
    assert main(["--root", str(root), "check"]) == 0
    assert "Samma som i ett annat ärende" not in capsys.readouterr().err
