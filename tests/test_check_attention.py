"""`casebook check` says what needs attention: per case, the rules not met or needing review and
the memo's sections still to write. Exit 0: a flag is not an input error."""

from __future__ import annotations

import shutil

from conftest import FICTIONAL_BASE_PATH, REPO, SPIN_PATH

from casebook.cli import main
from casebook.domain.model import Narrative
from casebook.domain.wording import COPIED_TEXT_CHARS, COPIED_TITLE_CHARS, texts_shared_with_other_cases

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
    captured = capsys.readouterr()
    out = captured.out
    # The report on standard output (`casebook check > granskning.txt` keeps it), the run's message on standard error.
    assert "1 ärendefil är giltig." in captured.err and "1 ärendefil är giltig." not in out
    assert "Att uppmärksamma" not in captured.err
    assert out.startswith("Att uppmärksamma före bygget (inga fel i filerna, bygget kan köras):")
    assert "rjh-2025-spin (data/cases/rjh-2025-spin.yaml): 2 av 18 regler kräver uppmärksamhet" in out
    assert (
        f'  - Avvikelse att granska: Maxbeloppet överstiger inte sökt belopp (Beslutsförslaget ("dock max") mot '
        f"ansökan). Maxbeloppet 750{NBSP}000{NBSP}kr är 1{NBSP}kr högre än sökt belopp 749{NBSP}999{NBSP}kr."
    ) in out
    assert (
        "  - Bedömning saknas: Inga åtgärder som omfattas av företagsstödsförordningarna "
        "(6 § förordning (2003:596)). Ärendet registrerar ingen bedömning av detta."
    ) in out
    assert "Att skriva i beslutsunderlaget" not in out  # SPIN writes every section


def test_check_shows_financing_that_does_not_equal_the_costs(tmp_path, capsys):
    """The issue's case: check said "giltiga" and only the built page showed the problem."""
    text = FICTIONAL_BASE_PATH.read_text(encoding="utf-8").replace("total_costs: 2000000", "total_costs: 2100000")
    root = _project(tmp_path, **{"fiktiv-bas": text})
    assert main(["--root", str(root), "check"]) == 0
    out = capsys.readouterr().out
    assert "fiktiv-bas (data/cases/fiktiv-bas.yaml): 1 av 18 regler kräver uppmärksamhet" in out
    assert (
        f"  - Ej uppfyllt: Finansieringsplanen balanserar mot kostnaderna (8 § förordning (2003:596)). Finansiering "
        f"2{NBSP}000{NBSP}000{NBSP}kr ≠ kostnader 2{NBSP}100{NBSP}000{NBSP}kr (skillnad −100{NBSP}000{NBSP}kr)."
    ) in out
    assert "  Att skriva i beslutsunderlaget: Ärendebeskrivning: bakgrund (narrative.description);" in out


def _spin_needing_no_attention() -> str:
    """SPIN's case file with every rule met: the maximum within the amount applied for, and the
    business-support measures assessed."""
    return (
        SPIN_PATH.read_text(encoding="utf-8")
        .replace("max_amount: 750000", "max_amount: 749999")
        .replace(
            "assessments:\n",
            "assessments:\n  - {topic: business_support_measures, met: true, text: Inga sådana åtgärder., "
            "assessed_by: Fiktiv handläggare}\n",
            1,
        )
    )


def test_check_says_so_when_nothing_needs_attention(tmp_path, capsys):
    text = _spin_needing_no_attention()
    root = _project(tmp_path, **{"rjh-2025-spin": text})
    assert main(["--root", str(root), "check"]) == 0
    out = capsys.readouterr().out
    assert "Ingen regel kräver uppmärksamhet och inget avsnitt av beslutsunderlaget saknas." in out
    assert "Att uppmärksamma" not in out


def test_case_text_in_the_listing_is_printed_as_written_never_read_as_markup(tmp_path, capsys):
    text = FICTIONAL_BASE_PATH.read_text(encoding="utf-8").replace(
        "applicant:\n  name: Region Gävleborg\n", 'applicant:\n  name: "[bold]Fiktiv[/bold] AB"\n'
    )
    root = _project(tmp_path, **{"fiktiv-bas": text})
    assert main(["--root", str(root), "check"]) == 0
    assert "[bold]Fiktiv[/bold] AB finns inte bland de 21 aktörerna" in capsys.readouterr().out


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
    out = capsys.readouterr().out
    copied = out.split("rjh-2026-kopia (data/cases/rjh-2026-kopia.yaml):", 1)[1].split("\n\n", 1)[0]
    lines = copied.splitlines()
    start = lines.index("  Samma som i ett annat ärende (kopierad ärendefil? varje beslut har sitt eget underlag):")
    assert lines[start + 1 : start + 5] == [
        "  - källdokumentet 000_2bcbd58892294728.txt anges också av ärendet rjh-2025-spin",
        "  - källdokumentets titel (source_document.title) finns också i ärendet rjh-2025-spin",
        "  - rättelse 1 av källdokumentet (source_document.corrections) finns också i ärendet rjh-2025-spin",
        "  - rättelse 2 av källdokumentet (source_document.corrections) finns också i ärendet rjh-2025-spin",
    ]
    assert "  - Sammanfattningen (summary) är samma text som i ärendet rjh-2025-spin" in lines
    assert "  - Ärendebeskrivning: bakgrund (narrative.description) är samma text som i ärendet rjh-2025-spin" in lines
    assert "  - källdokumentet 000_2bcbd58892294728.txt anges också av ärendet rjh-2026-kopia" in out  # and SPIN's


def test_short_shared_texts_and_cases_of_their_own_are_not_named(tmp_path, capsys):
    root = _project(
        tmp_path,
        **{
            "rjh-2025-spin": SPIN_PATH.read_text(encoding="utf-8"),
            "fiktiv-bas": FICTIONAL_BASE_PATH.read_text(encoding="utf-8"),
        },
    )
    assert main(["--root", str(root), "check"]) == 0
    assert "Samma som i ett annat ärende" not in capsys.readouterr().out


def test_a_copied_case_needing_no_other_attention_is_still_named(tmp_path, capsys):
    """Two cases with every rule met and every section written, one a copy of the other: the
    listing is not skipped because nothing else needs attention."""
    text = _spin_needing_no_attention()
    copy = text.replace("id: rjh-2025-spin", "id: rjh-2026-kopia", 1)
    root = _project(tmp_path, **{"rjh-2025-spin": text, "rjh-2026-kopia": copy})
    assert main(["--root", str(root), "check"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Ingen regel kräver uppmärksamhet" not in out
    for case_id, other in (("rjh-2025-spin", "rjh-2026-kopia"), ("rjh-2026-kopia", "rjh-2025-spin")):
        assert f"{case_id} (data/cases/{case_id}.yaml): 0 av " in out, out
        assert f"källdokumentet 000_2bcbd58892294728.txt anges också av ärendet {other}" in out


def _case(spin, case_id: str, *, file: str | None = None, title: str = "Ett eget underlag", **narrative: str):
    """SPIN under another id, with only the given memo texts, a summary and a source document of its own."""
    return spin.model_copy(
        update={
            "id": case_id,
            "summary": f"Sammanfattning för {case_id}.",
            "source_document": spin.source_document.model_copy(
                update={"file": file, "title": title, "corrections": []}
            ),
            "narrative": Narrative(**narrative),
        }
    )


def test_a_memo_text_is_named_from_the_copied_text_length_on(spin):
    long_enough = "a" * COPIED_TEXT_CHARS
    shared = texts_shared_with_other_cases(
        [_case(spin, "ett", title="Ett", aims=long_enough), _case(spin, "tva", title="Två", aims=long_enough)]
    )
    assert shared["ett"] == ["Ärendebeskrivning: projektets mål (narrative.aims) är samma text som i ärendet tva"]
    too_short = long_enough[1:]
    assert (
        texts_shared_with_other_cases(
            [_case(spin, "ett", title="Ett", aims=too_short), _case(spin, "tva", title="Två", aims=too_short)]
        )
        == {}
    )


def test_a_memo_text_copied_with_other_whitespace_around_it_is_still_named(spin):
    text = "Projektet stärker den regionala planeringen i hela länet och samverkan mellan kommunerna."
    assert len(text) >= COPIED_TEXT_CHARS
    shared = texts_shared_with_other_cases(
        [
            _case(spin, "ett", title="Ett", strategic_context=text),
            _case(spin, "tva", title="Två", strategic_context="  " + text + "\n"),
        ]
    )
    assert shared == {
        "ett": ["Strategisk kontext (narrative.strategic_context) är samma text som i ärendet tva"],
        "tva": ["Strategisk kontext (narrative.strategic_context) är samma text som i ärendet ett"],
    }


def test_a_shared_source_document_is_named_by_its_file_and_by_its_title_when_no_file_is_named(spin):
    same_file = texts_shared_with_other_cases(
        [_case(spin, "ett", file="underlag.pdf", title="Samma"), _case(spin, "tva", file="underlag.pdf", title="Samma")]
    )
    assert same_file["ett"][0] == "källdokumentet underlag.pdf anges också av ärendet tva"
    title = "Tjänsteskrivelse – Medfinansiering till projektet X"
    assert len(title) >= COPIED_TITLE_CHARS
    no_file = texts_shared_with_other_cases([_case(spin, "ett", title=title), _case(spin, "tva", title=title)])
    assert len(no_file["tva"]) == 1, no_file  # no file to name: "källdokumentet None" is no finding
    assert no_file["tva"][0] == "källdokumentets titel (source_document.title) finns också i ärendet ett"
    assert texts_shared_with_other_cases([_case(spin, "ett", title="Ett"), _case(spin, "tva", title="Två")]) == {}
    # A short title names no one document: many cases may share "Tjänsteskrivelse".
    short = "Tjänsteskrivelse"
    assert texts_shared_with_other_cases([_case(spin, "ett", title=short), _case(spin, "tva", title=short)]) == {}


def test_a_part_shared_by_many_cases_names_three_and_counts_the_rest(spin):
    cases = [_case(spin, f"fall-{i}", file="gemensam.pdf") for i in range(6)]
    assert texts_shared_with_other_cases(cases)["fall-0"] == [
        "källdokumentet gemensam.pdf anges också av ärendena fall-1, fall-2, fall-3 och 2 till"
    ]
