"""The case narrative (schema_version 4): a safe subset of Markdown, refused outside it with a
Swedish error naming file and field; older files still read; the blank file of `casebook new`."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml
from conftest import FICTIONAL_BASE_PATH, REPO, SPIN_PATH

from casebook.cli import main
from casebook.domain import narrative
from casebook.domain.case_file import load_case
from casebook.domain.clock import as_of_date
from casebook.domain.errors import CaseFileError
from casebook.domain.model import NARRATIVE_SINCE_VERSION, SCHEMA_VERSION, Recommendation, case_json_schema
from casebook.domain.narrative import ListBlock, Paragraph, Run

FOLLOW_UP_V3 = REPO / "tests" / "cases" / "fiktiv-uppfoljning-tak.yaml"
HOSTILE = REPO / "tests" / "hostile" / "fiktiv-injektion.yaml"


# --- The Markdown subset ------------------------------------------------------------------


def test_paragraphs_lists_and_emphasis_are_parsed_into_plain_blocks():
    blocks = narrative.parse(
        "Projektet *ska* leda till:\n\n1) Ökad **kapacitet**\n   - på regional nivå\n   - i kommunerna\n2) Bättre\nplanering\n"
    )
    assert blocks == (
        Paragraph((Run("Projektet "), Run("ska", emphasis=True), Run(" leda till:"))),
        ListBlock(
            True,
            1,
            ")",
            (
                (
                    Paragraph((Run("Ökad "), Run("kapacitet", strong=True))),
                    ListBlock(
                        False, 1, "", ((Paragraph((Run("på regional nivå"),)),), (Paragraph((Run("i kommunerna"),)),))
                    ),
                ),
                (Paragraph((Run("Bättre planering"),)),),  # a line break inside a paragraph is a space
            ),
        ),
    )
    assert narrative.plain_text(blocks) == (
        "Projektet ska leda till:\n1) Ökad kapacitet\n– på regional nivå\n– i kommunerna\n2) Bättre planering"
    )


def test_a_numbered_list_keeps_the_number_it_starts_with():
    (block,) = narrative.parse("3. tredje\n4. fjärde")
    assert (block.ordered, block.start, block.delimiter, len(block.items)) == (True, 3, ".", 2)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("# Rubrik", "en rubrik (#)"),
        ("Rubrik\n======", "en rubrik (#)"),
        ("Text <b>fet</b>", "HTML"),
        ("<div>\nblock\n</div>", "HTML"),
        ("```{raw} html\n<script>x</script>\n```", "ett kodblock eller direktiv"),
        (":::{note}\nx\n:::\n\n```{eval-rst}\nx\n```", "ett kodblock eller direktiv"),
        ("{sub-ref}`today`", "kod eller en roll"),
        ("[länk](https://example.invalid)", "en länk"),
        ("![bild](x.png)", "en bild"),
        ("> citat", "ett citatblock"),
        ("Stycke\n\n---\n\nStycke", "en horisontell linje"),
        ("Stycke\n\n    indraget", "ett indraget kodblock"),
    ],
)
def test_markdown_outside_the_subset_is_refused_naming_what_and_where(text, named):
    with pytest.raises(narrative.MarkdownNotAllowed) as error:
        narrative.parse(text)
    message = str(error.value)
    assert named in message and "Tillåtet är stycken" in message
    assert re.search(r"på textens rad \d+", message)


def test_text_that_looks_like_markup_elsewhere_stays_text():
    text = "{{ ersattning }} |sub| $x^2$ #pagebreak() #set page(width: 3cm) a < b & c \\*inte kursiv\\*"
    (paragraph,) = narrative.parse(text)
    assert paragraph.runs == (
        Run("{{ ersattning }} |sub| $x^2$ #pagebreak() #set page(width: 3cm) a < b & c *inte kursiv*"),
    )


# --- The case file ------------------------------------------------------------------------


def _with_narrative(tmp_path, narrative_yaml: str, version: int = SCHEMA_VERSION):
    text = FICTIONAL_BASE_PATH.read_text(encoding="utf-8").replace("schema_version: 2", f"schema_version: {version}")
    path = tmp_path / "fiktiv-bas.yaml"
    path.write_text(text + narrative_yaml, encoding="utf-8")
    return path


def test_the_schema_version_was_bumped_for_the_narrative():
    assert NARRATIVE_SINCE_VERSION == SCHEMA_VERSION == 4
    properties = case_json_schema()["properties"]
    assert "narrative" in properties and case_json_schema()["title"] == "Ärendefil (casebook, schema_version 4)"


@pytest.mark.parametrize("path", [FICTIONAL_BASE_PATH, HOSTILE, FOLLOW_UP_V3], ids=lambda p: p.stem)
def test_files_of_older_versions_still_load(path):
    case = load_case(path, as_of=as_of_date())
    assert case.schema_version in (2, 3) and case.narrative is None


def test_a_version_2_or_3_file_with_a_narrative_is_refused_naming_the_version(tmp_path):
    path = _with_narrative(tmp_path, "narrative:\n  aims: Mål.\n", version=3)
    with pytest.raises(CaseFileError) as error:
        load_case(path, as_of=as_of_date())
    line = len(FICTIONAL_BASE_PATH.read_text(encoding="utf-8").splitlines()) + 1  # "narrative:", appended
    assert f"narrative (rad {line}): narrative kräver schema_version 4 eller senare" in str(error.value)


def test_spin_carries_every_section_of_its_memo(spin):
    n = spin.narrative
    assert n.recommendation is Recommendation.APPROVE and n.recommendation.label == "bifall"
    assert n.attachments == "Ansökan finns bilagd i ärendet."
    assert n.copy_to == ["Region Västernorrland"]
    for text in (
        n.description,
        n.aims,
        n.expected_results_short_term,
        n.expected_results_long_term,
        n.motivation.legal,
        n.motivation.economic,
        n.motivation.strategic,
        n.strategic_context,
    ):
        assert narrative.parse(text)
    assert [c.source for c in spin.source_document.corrections] == [
        "Tillväxtverket, nationella medel med 3000 000 kronor",
        "Projekttiden är 2025-11-03- till 2027-09-30.",
        "… i en utvecklad regional planeringsprocess där det.",
    ]


def test_markdown_outside_the_subset_in_a_case_file_is_an_error_naming_file_and_field(tmp_path, capsys):
    root = tmp_path / "repo"
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    (root / "data" / "cases").mkdir(parents=True)
    text = SPIN_PATH.read_text(encoding="utf-8").replace("  aims: |-\n", "  aims: |-\n    <script>x</script>\n\n")
    (root / "data" / "cases" / "rjh-2025-spin.yaml").write_text(text, encoding="utf-8")
    assert main(["--root", str(root), "check"]) == 2
    err = capsys.readouterr().err
    line = text.splitlines().index("  aims: |-") + 1
    assert "rjh-2025-spin.yaml" in err
    assert f"narrative.aims (rad {line}): Markdown som inte är tillåten på textens rad 1: HTML" in err
    assert "Traceback" not in err


def test_an_unknown_recommendation_is_named(tmp_path):
    with pytest.raises(CaseFileError) as error:
        load_case(_with_narrative(tmp_path, "narrative:\n  recommendation: ja\n"), as_of=as_of_date())
    line = len(FICTIONAL_BASE_PATH.read_text(encoding="utf-8").splitlines()) + 2  # under "narrative:"
    assert (
        f"narrative.recommendation (rad {line}): har ett okänt värde; tillåtna är: 'bifall', 'delvis_bifall' "
        "eller 'avslag'" in str(error.value)
    )


# --- casebook new -------------------------------------------------------------------------


SPIN_MARKERS = (
    "SPIN",
    "Jämtland",
    "Västernorrland",
    "Västerbotten",
    "Norrbotten",
    "Lewerentz",
    "Persson",
    "RUN/640/2017",
    "749999",
    "750000",
    "12.10",
    "regeringsuppdrag",
    "planeringsprocess",
    "2025-",
)


@pytest.fixture
def empty_project(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    return root


def test_new_writes_a_blank_case_file_with_every_section_and_nothing_of_spin(empty_project, capsys):
    assert main(["--root", str(empty_project), "new", "fiktiv-ny"]) == 0
    assert "Skrev data/cases/fiktiv-ny.yaml" in capsys.readouterr().err
    text = (empty_project / "data" / "cases" / "fiktiv-ny.yaml").read_text(encoding="utf-8")
    assert not [marker for marker in SPIN_MARKERS if marker in text]
    data = yaml.safe_load(text)
    assert data["schema_version"] == SCHEMA_VERSION and data["id"] == "fiktiv-ny"
    spin = yaml.safe_load(SPIN_PATH.read_text(encoding="utf-8"))
    assert set(spin) - {"stated_total_financing"} <= set(data)  # every top-level field of a full case
    assert set(data["narrative"]) == {
        "description",
        "aims",
        "expected_results_short_term",
        "expected_results_long_term",
        "motivation",
        "strategic_context",
        "summary_assessment",
        "recommendation",
        "attachments",
        "copy_to",
    }
    assert set(data["narrative"]["motivation"]) == {"legal", "economic", "strategic"}
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert len(comments) > 40 and all(" the " not in line for line in comments)  # guidance, in Swedish


def test_check_explains_what_is_still_to_fill_in(empty_project, capsys):
    main(["--root", str(empty_project), "new", "fiktiv-ny"])
    capsys.readouterr()
    assert main(["--root", str(empty_project), "check"]) == 2
    err = capsys.readouterr().err
    for field, guidance in [
        ("title", "projektets namn"),
        ("decision_maker.name", "den region eller myndighet"),
        ("dates.application_received", "dagen ansökan kom in"),
        ("financing_plan, post 1, amount", "finansiärens belopp"),
        ("decision.share_percent", "andel av redovisade och godkända kostnader"),
        ("decision.conditional_on_other_financing", "true om beslutet gäller"),
        ("source_document.title", "beslutsunderlagets titel"),
    ]:
        assert re.search(rf"  - {re.escape(field)} \(rad [0-9]+\): ska fyllas i \({re.escape(guidance)}", err), field
    written = (empty_project / "data" / "cases" / "fiktiv-ny.yaml").read_text(encoding="utf-8").splitlines()
    title_line = next(number for number, line in enumerate(written, 1) if line.startswith("title:"))
    assert f"  - title (rad {title_line}): ska fyllas i" in err
    assert "… och" not in err  # every blank is listed
    assert "Traceback" not in err


def test_a_filled_in_new_case_passes_check_and_lists_the_sections_still_to_write(empty_project, capsys):
    main(["--root", str(empty_project), "new", "fiktiv-ny"])
    path = empty_project / "data" / "cases" / "fiktiv-ny.yaml"
    filled = {
        "title: null": "title: Fiktivt projekt",
        "summary: null": "summary: Ett fiktivt projekt.",
        "decision_maker:\n  name: null": "decision_maker:\n  name: Region Dalarna",
        "applicant:\n  name: null": "applicant:\n  name: Region Gävleborg",
        "application_received: null": "application_received: 2017-01-10",
        "project_start: null": "project_start: 2017-03-01",
        "project_end: null": "project_end: 2018-12-31",
        "amount_applied_for: null": "amount_applied_for: 200000",
        "  - financier: null": "  - financier: Region Dalarna",
        "    amount: null": "    amount: 200000",
        "share_percent: null": "share_percent: 100.00",
        "max_amount: null": "max_amount: 200000",
        "general_terms: null": "general_terms: Fiktiva villkor",
        "conditional_on_other_financing: null": "conditional_on_other_financing: false",
        "  title: null  # beslutsunderlagets titel": "  title: Fiktivt underlag",
        "  aims: null": "  aims: Fiktiva mål.",
    }
    text = path.read_text(encoding="utf-8")
    for old, new in filled.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["--root", str(empty_project), "check"]) == 0
    report = capsys.readouterr().out  # check's report, on standard output
    assert "Att skriva i beslutsunderlaget: Ärendebeskrivning: bakgrund (narrative.description);" in report
    assert "projektets mål" not in report  # written
    assert (
        "Sammanfattande bedömning: rekommendation (bifall, avslag eller delvis bifall) (narrative.recommendation)"
        in report
    )


@pytest.mark.parametrize(
    ("case_id", "message"),
    [
        ("rjh-2025-spin", "data/cases/rjh-2025-spin.yaml finns redan; ingenting skrevs"),
        ("../utanför", "Ogiltigt ärende-id '../utanför'"),
        ("Stora-Bokstäver", "Ogiltigt ärende-id"),
    ],
)
def test_new_never_overwrites_and_refuses_a_bad_id(empty_project, capsys, case_id, message):
    (empty_project / "data" / "cases").mkdir()
    shutil.copy2(SPIN_PATH, empty_project / "data" / "cases" / "rjh-2025-spin.yaml")
    assert main(["--root", str(empty_project), "new", case_id]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert (empty_project / "data" / "cases" / "rjh-2025-spin.yaml").read_bytes() == SPIN_PATH.read_bytes()
    assert sorted(p.name for p in (empty_project / "data" / "cases").iterdir()) == ["rjh-2025-spin.yaml"]
