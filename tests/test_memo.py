"""The decision memo: its content, the Word draft, the PDF/A, the command and incremental writing.

SPIN's figures are asserted exactly as the decision document states them; Swedish amounts
carry no-break spaces (U+00A0), as the domain formats them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import REFERENCE_DIR, REPO, SPIN_PATH, casebook, copy_project
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from pypdf import PdfReader

from casebook.cli import main
from casebook.domain.evaluation import evaluate_case
from casebook.engine import audit
from casebook.render import memo as memo_module
from casebook.render import typst_pdf
from casebook.render.memo import NumberedList, Paragraph, Subheading, Table, build_memo, render_docx, render_pdf, write_memo

NBSP = "\N{NO-BREAK SPACE}"
SPIN_TOTAL = f"6{NBSP}200{NBSP}285{NBSP}kr"
SPIN_SHARE = f"12,10{NBSP}%"
SPIN_MAX = f"750{NBSP}000{NBSP}kr"
SPIN_APPLIED = f"749{NBSP}999{NBSP}kr"
EPOCH = 1764460800  # 2025-11-30 00:00:00 UTC
CREATED = dt.datetime.fromtimestamp(EPOCH, dt.UTC)
HOSTILE = REPO / "tests" / "hostile" / "fiktiv-injektion.yaml"
FICTIONAL_BASE = REPO / "tests" / "cases" / "fiktiv-bas.yaml"


def memo_text(memo) -> str:
    """Every piece of text in the memo, one per line."""
    parts = [memo.title, *(f"{label}: {value}" for label, value in memo.header)]
    for section in (*memo.sections, memo.annex):
        parts.append(section.title)
        for block in section.blocks:
            if isinstance(block, (Paragraph, Subheading)):
                parts.append(block.text)
            elif isinstance(block, NumberedList):
                parts += block.items
            else:
                parts += [block.caption, *block.header, *("\t".join(row) for row in block.rows)]
    parts += [f"{s.name}, {s.title}" for s in memo.signatures]
    return "\n".join(parts)


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with Typst's hyphenation and line breaks undone (no-break spaces kept)."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"[ \t\n]+", " ", text.replace("\N{SOFT HYPHEN}\n", "").replace("-\n", "-"))


def annex_table(memo) -> Table:
    return next(b for b in memo.annex.blocks if isinstance(b, Table))


@pytest.fixture(scope="module")
def spin_evaluated():
    return evaluate_case(SPIN_PATH)


@pytest.fixture(scope="module")
def spin_memo(spin_evaluated):
    return build_memo(spin_evaluated)


@pytest.fixture(scope="module")
def spin_pdf(spin_memo) -> bytes:
    return render_pdf(spin_memo, SPIN_PATH.read_bytes(), CREATED)


@pytest.fixture(scope="module")
def spin_docx(spin_memo) -> bytes:
    return render_docx(spin_memo, CREATED)


# --- Content ------------------------------------------------------------------------------


def test_memo_follows_the_source_memo_structure(spin_memo):
    assert spin_memo.title == "Medfinansiering till projekt SPIN – Strategisk Planering i Norr"
    assert [s.title for s in spin_memo.sections] == [
        "Förslag till beslut", "Ärendebeskrivning", "Legala förutsättningar", "Beslutsmotivering",
        "Uppföljning, utvärdering och rapportering",
    ]
    assert [(s.name, s.title) for s in spin_memo.signatures] == [
        ("Sara Lewerentz", "Regiondirektör"), ("Lena Persson", "Områdeschef Hållbar tillväxt"),
    ]
    assert spin_memo.copy_to == ("Region Västernorrland",)
    assert spin_memo.annex.title == "Bilaga: Att uppmärksamma"


def test_spin_header_is_a_proposal_without_an_invented_date(spin_memo):
    header = dict(spin_memo.header)
    assert header["Beslutsfattare"] == "Region Jämtland Härjedalen"
    assert header["Status"] == "Förslag till beslut"
    assert header["Diarienummer"] == "uppgift saknas i ärendefilen"
    assert not re.search(r"\d{4}-\d{2}-\d{2}", header["Beslutsdatum"])
    assert header["Ansökan inkom"] == "2025-09-09"


def test_spin_figures_are_in_the_memo(spin_memo):
    text = memo_text(spin_memo)
    for figure in (SPIN_TOTAL, SPIN_SHARE, SPIN_MAX, SPIN_APPLIED, f"750{NBSP}234{NBSP}kr", f"6{NBSP}198{NBSP}347{NBSP}kr"):
        assert figure in text
    assert "Region Västernorrland inkom den 2025-09-09 med en ansökan om " + SPIN_APPLIED in text
    plan = next(b for b in spin_memo.sections[1].blocks if isinstance(b, Table))
    assert plan.rows[-1][:4] == ("Summa", "", SPIN_TOTAL, f"100,00{NBSP}%")
    assert ("Tillväxtverket", f"3{NBSP}000{NBSP}000{NBSP}kr", f"48,38{NBSP}%") == (plan.rows[0][0], *plan.rows[0][2:4])


def test_proposal_and_assessments_come_from_the_case_file(spin_memo, spin_evaluated):
    case = spin_evaluated.case
    proposal = spin_memo.sections[0].blocks[0]
    assert isinstance(proposal, NumberedList) and proposal.items == tuple(case.decision.proposal)
    (motivation,) = [s for s in spin_memo.sections if s.title == "Beslutsmotivering"]
    paragraphs = [b.text for b in motivation.blocks if isinstance(b, Paragraph)]
    for assessment in case.assessments:
        assert assessment.text in paragraphs


def test_annex_states_the_maximum_above_the_amount_applied_for(spin_memo):
    annex = memo_text_of_section(spin_memo.annex)
    assert (
        f"Avvikelse: Maxbeloppet {SPIN_MAX} är högre än det sökta beloppet {SPIN_APPLIED} (skillnad 1{NBSP}kr)."
        in annex
    )


def memo_text_of_section(section) -> str:
    return "\n".join(b.text for b in section.blocks if isinstance(b, Paragraph))


def test_annex_names_the_missing_6_paragraph_judgement(spin_memo):
    rows = annex_table(spin_memo).rows
    six = [row for row in rows if row[1] == "6 § förordning (2003:596)"]
    assert len(six) == 1
    assert six[0][0] == "Inga åtgärder som omfattas av företagsstödsförordningarna"
    assert "Ärendet registrerar ingen bedömning av detta" in six[0][3]
    assert "Ärendet registrerar ingen bedömning av: Företagsstödsåtgärder (6 §)." in memo_text_of_section(spin_memo.annex)


@pytest.mark.parametrize("path", [SPIN_PATH, FICTIONAL_BASE, HOSTILE], ids=lambda p: p.stem)
def test_annex_lists_exactly_the_results_needing_attention(path):
    evaluated = evaluate_case(path, REFERENCE_DIR)
    memo = build_memo(evaluated)
    expected = [(r.rule.title, r.rule.source, r.outcome.value, r.evidence) for r in evaluated.results if r.outcome.needs_attention]
    tables = [b for b in memo.annex.blocks if isinstance(b, Table)]
    assert [list(row) for t in tables for row in t.rows] == [list(row) for row in expected]


def test_decided_case_shows_its_decision_date_and_a_decision_that_differs(tmp_path):
    text = FICTIONAL_BASE.read_text(encoding="utf-8").replace("schema_version: 1", "schema_version: 2") + (
        "status:\n  state: decided\n  decided_by: Fiktiva regionala utvecklingsnämnden\n"
        "  decision_reference: FIKTIV § 12\n  decided_share_percent: 18.00\n"
    )
    path = tmp_path / "fiktiv-bas.yaml"
    path.write_text(text, encoding="utf-8")
    memo = build_memo(evaluate_case(path, REFERENCE_DIR))
    header = dict(memo.header)
    assert (header["Status"], header["Beslutsdatum"], header["Beslutat av"], header["Beslutets referens"]) == (
        "Beviljat", "2099-02-15", "Fiktiva regionala utvecklingsnämnden", "FIKTIV § 12",
    )
    assert header["Diarienummer"] == "FIKTIV 1/2099"
    assert (
        f"Avvikelse: Beslutet avviker från förslaget: förslaget var 20,00{NBSP}%, högst 400{NBSP}000{NBSP}kr; "
        f"beslutet är 18,00{NBSP}%, högst 400{NBSP}000{NBSP}kr." in memo_text_of_section(memo.annex)
    )


# --- Word draft ---------------------------------------------------------------------------


def docx_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_docx_holds_the_spin_figures_and_the_annex(spin_docx):
    document = Document(io.BytesIO(spin_docx))
    text = docx_text(document)
    for figure in (SPIN_TOTAL, SPIN_SHARE, SPIN_MAX):
        assert figure in text
    assert f"Maxbeloppet {SPIN_MAX} är högre än det sökta beloppet {SPIN_APPLIED}" in text
    assert "6 § förordning (2003:596)" in text.split("Bilaga: Att uppmärksamma")[1]


def test_docx_uses_swedish_styles(spin_docx):
    document = Document(io.BytesIO(spin_docx))
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:lang")).get(qn("w:val")) == "sv-SE"
    assert document.core_properties.language == "sv-SE"
    settings = document.settings.element
    assert settings.find(qn("w:defaultTabStop")).getnext().tag == qn("w:autoHyphenation")  # where the schema puts it
    assert settings.find(qn("w:themeFontLang")).get(qn("w:val")) == "sv-SE"
    assert settings.find(qn("w:decimalSymbol")).get(qn("w:val")) == ","
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == ["Förslag till beslut", "Ärendebeskrivning"]
    amount_cells = [
        cell.paragraphs[0] for table in document.tables for row in table.rows for cell in row.cells
        if cell.text == SPIN_TOTAL
    ]
    assert amount_cells and all(p.style.name == "Belopp" for p in amount_cells)
    assert document.styles["Belopp"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT


def test_docx_is_deterministic_and_dated_from_the_given_time(spin_memo, spin_docx):
    assert render_docx(spin_memo, CREATED) == spin_docx
    with zipfile.ZipFile(io.BytesIO(spin_docx)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2025, 11, 30, 0, 0, 0)}
    properties = Document(io.BytesIO(spin_docx)).core_properties
    assert properties.created.replace(tzinfo=dt.UTC) == CREATED
    assert properties.modified.replace(tzinfo=dt.UTC) == CREATED


# --- PDF/A --------------------------------------------------------------------------------


def test_pdf_holds_the_spin_figures(spin_pdf):
    text = pdf_text(spin_pdf)
    for figure in ("6 200 285 kr", "12,10 %", "750 000 kr"):
        assert figure.replace(" ", NBSP) in text
    annex = text.split("Bilaga: Att uppmärksamma")[-1]
    assert f"Maxbeloppet {SPIN_MAX} är högre än det sökta beloppet {SPIN_APPLIED}" in annex
    assert "6 § förordning (2003:596)" in annex


def test_pdf_identifies_itself_as_pdf_a_3b(spin_pdf):
    xmp = PdfReader(io.BytesIO(spin_pdf)).xmp_metadata.stream.get_data().decode("utf-8")
    assert re.search(r"<pdfaid:part>3</pdfaid:part>", xmp)
    assert re.search(r"<pdfaid:conformance>B</pdfaid:conformance>", xmp)
    assert "<rdf:li>sv-SE</rdf:li>" in xmp


def test_pdf_carries_the_case_file_with_the_audit_trails_sha256(spin_pdf):
    attachments = PdfReader(io.BytesIO(spin_pdf)).attachments
    assert list(attachments) == ["rjh-2025-spin.yaml"]
    (attached,) = attachments["rjh-2025-spin.yaml"]
    assert hashlib.sha256(attached).hexdigest() == audit.sha256_file(SPIN_PATH)


def test_pdf_is_swedish_tagged_and_embeds_its_fonts(spin_pdf):
    reader = PdfReader(io.BytesIO(spin_pdf))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "sv-SE"
    assert bool(catalog["/MarkInfo"]["/Marked"])
    roles = []

    def walk(node) -> None:
        node = node.get_object()
        if hasattr(node, "get") and "/S" in node:
            roles.append(str(node["/S"]))
        kids = node.get("/K") if hasattr(node, "get") else None
        for kid in kids if isinstance(kids, list) else ([kids] if kids is not None else []):
            if hasattr(kid.get_object(), "get"):
                walk(kid)

    walk(catalog["/StructTreeRoot"])
    assert roles.count("/H1") == 1 and roles.count("/H2") == 6  # title; five sections and the annex
    assert "/Table" in roles
    fonts = [font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()]
    descriptors = [d.get_object()["/FontDescriptor"] for f in fonts for d in f.get("/DescendantFonts", [f])]
    assert descriptors and all({"/FontFile2", "/FontFile3"} & set(d.keys()) for d in descriptors)
    assert all("LibertinusSerif" in str(d["/FontName"]) for d in descriptors)


def test_pdf_is_byte_identical_for_the_same_inputs(spin_memo, spin_pdf):
    assert render_pdf(spin_memo, SPIN_PATH.read_bytes(), CREATED) == spin_pdf
    later = render_pdf(spin_memo, SPIN_PATH.read_bytes(), CREATED + dt.timedelta(days=1))
    assert later != spin_pdf  # the date is really taken from the given time


def test_hostile_case_text_is_printed_literally():
    evaluated = evaluate_case(HOSTILE, REFERENCE_DIR)
    pdf = render_pdf(build_memo(evaluated), HOSTILE.read_bytes(), CREATED)
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == "Medfinansiering till projekt " + evaluated.case.title
    text = pdf_text(pdf)
    for literal in ("{{ ersattning }} |sub| **fet**", "```{raw} html", "{{ villkor }}", "$\\alpha$"):
        assert literal in text


def test_typst_markup_in_case_text_is_not_evaluated(tmp_path):
    project = tmp_path / "data"
    shutil.copytree(REPO / "data", project)
    case_path = project / "cases" / "rjh-2025-spin.yaml"
    hostile = '"#pagebreak() = Injicerad rubrik *fet* $x^2$ #{1 + 1} ] \\\\"'
    case_path.write_text(
        case_path.read_text(encoding="utf-8").replace("title: SPIN – Strategisk Planering i Norr", f"title: {hostile}"),
        encoding="utf-8",
    )
    evaluated = evaluate_case(case_path)
    pdf = render_pdf(build_memo(evaluated), case_path.read_bytes(), CREATED)
    reader = PdfReader(io.BytesIO(pdf))
    assert "#pagebreak() = Injicerad rubrik *fet* $x^2$ #{1 + 1} ] \\" in pdf_text(pdf)
    headings = [item.title for item in reader.outline if not isinstance(item, list)]
    assert not any(h.startswith("Injicerad") for h in headings)


# --- Command line and incremental writing --------------------------------------------------


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    shutil.copytree(REPO / "data", tmp_path / "data")
    return tmp_path


def test_memo_command_writes_docx_and_pdf(project, capsys):
    assert main(["--root", str(project), "memo", "rjh-2025-spin"]) == 0
    out = project / "_build" / "memo"
    assert sorted(p.name for p in out.iterdir()) == ["rjh-2025-spin.docx", "rjh-2025-spin.memo-key", "rjh-2025-spin.pdf"]
    assert SPIN_TOTAL in pdf_text((out / "rjh-2025-spin.pdf").read_bytes())
    assert "Beslutsunderlaget för rjh-2025-spin skrivna" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("case_id", "message"),
    [("finns-inte", "Okänt ärende 'finns-inte'"), ("../../etc/passwd", "Ogiltigt ärende-id '../../etc/passwd'")],
)
def test_memo_command_refuses_a_bad_id(project, capsys, case_id, message):
    assert main(["--root", str(project), "memo", case_id, "--output", str(project / "ut")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (project / "ut").exists()


def test_memo_command_reports_a_bad_case_file(project, capsys):
    (project / "data" / "cases" / "trasig.yaml").write_text("id: trasig\n", encoding="utf-8")
    assert main(["--root", str(project), "memo", "trasig"]) == 2
    assert "Fel i" in capsys.readouterr().err
    assert not (project / "_build" / "memo").exists()


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ('"SPIN \\x0b slut"', "title: innehåller styrtecknet U+000B"),
        ('"SPIN \\U0001F680"', "kan inte skrivas som PDF/A: ett tecken i ärendefilen rjh-2025-spin.yaml finns inte"),
    ],
    ids=["control-character", "character-without-glyph"],
)
def test_memo_command_refuses_text_it_cannot_write(project, capsys, title, message):
    case_path = project / "data" / "cases" / "rjh-2025-spin.yaml"
    case_path.write_text(
        case_path.read_text(encoding="utf-8").replace("title: SPIN – Strategisk Planering i Norr", f"title: {title}"),
        encoding="utf-8",
    )
    assert main(["--root", str(project), "memo", "rjh-2025-spin"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (project / "_build" / "memo").exists()


def test_memo_command_refuses_a_malformed_source_date_epoch(project, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "igår")
    assert main(["--root", str(project), "memo", "rjh-2025-spin"]) == 2
    assert "SOURCE_DATE_EPOCH ska vara ett heltal" in capsys.readouterr().err
    assert not (project / "_build" / "memo").exists()


def test_memo_files_name_no_machine_path(project):
    written = write_memo(evaluate_case(project / "data" / "cases" / "rjh-2025-spin.yaml"), project / "memo")
    with zipfile.ZipFile(written.docx) as archive:
        parts = b"".join(archive.read(name) for name in archive.namelist())
    reader = PdfReader(written.pdf)
    pdf = pdf_text(written.pdf.read_bytes()) + str(reader.metadata) + str(reader.xmp_metadata.stream.get_data())
    for machine_path in (str(project), str(REPO)):
        assert machine_path.encode() not in parts
        assert machine_path not in pdf
    assert "Skrivet av casebook från ärendefilen rjh-2025-spin.yaml." in pdf


def test_memo_is_regenerated_only_when_an_input_changes(project, monkeypatch):
    case_path = project / "data" / "cases" / "rjh-2025-spin.yaml"
    out = project / "memo"
    first = write_memo(evaluate_case(case_path), out)
    assert first.regenerated
    assert not write_memo(evaluate_case(case_path), out).regenerated

    case_path.write_text(case_path.read_text(encoding="utf-8") + "\n# en kommentar\n", encoding="utf-8")
    assert write_memo(evaluate_case(case_path), out).regenerated
    attached = PdfReader(out / "rjh-2025-spin.pdf").attachments["rjh-2025-spin.yaml"][0]
    assert attached == case_path.read_bytes()

    (project / "data" / "reference" / "regional_actors.yaml").open("a", encoding="utf-8").write("\n# ändrad\n")
    assert write_memo(evaluate_case(case_path), out).regenerated

    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH + 86400))
    assert write_memo(evaluate_case(case_path), out).regenerated


def test_memo_key_covers_the_template_and_the_renderer_versions(project, monkeypatch):
    evaluated = evaluate_case(project / "data" / "cases" / "rjh-2025-spin.yaml")
    reference = project / "data" / "reference"
    key = memo_module.memo_key(evaluated, reference, CREATED)
    real_files = memo_module.package_files
    monkeypatch.setattr(
        memo_module, "package_files",
        lambda: [(n, d + b"x" if n.endswith(".typ") else d) for n, d in real_files()],
    )
    assert memo_module.memo_key(evaluated, reference, CREATED) != key
    monkeypatch.undo()
    monkeypatch.setattr(typst_pdf.metadata, "version", lambda name: "0.0.0")
    assert memo_module.memo_key(evaluated, reference, CREATED) != key


def test_write_memos_copies_cached_memos_into_the_site(project):
    evaluated = [evaluate_case(project / "data" / "cases" / "rjh-2025-spin.yaml")]
    site, cache_dir = project / "site" / "memo", project / "cache"
    written = memo_module.write_memos(site, evaluated, cache_dir=cache_dir)
    assert [w.regenerated for w in written] == [True]
    assert sorted(p.name for p in site.iterdir()) == ["rjh-2025-spin.docx", "rjh-2025-spin.pdf"]
    assert (site / "rjh-2025-spin.pdf").read_bytes() == (cache_dir / "rjh-2025-spin.pdf").read_bytes()
    assert [w.regenerated for w in memo_module.write_memos(site, evaluated, cache_dir=cache_dir)] == [False]
    (cache_dir / "borttaget-arende.pdf").write_bytes(b"%PDF")  # the memo of a case since removed
    memo_module.write_memos(project / "site2", evaluated, cache_dir=cache_dir)
    assert sorted(p.name for p in cache_dir.iterdir()) == [
        "rjh-2025-spin.docx", "rjh-2025-spin.memo-key", "rjh-2025-spin.pdf",
    ]


@pytest.mark.e2e
def test_site_build_publishes_each_cases_memo(tmp_path):

    root = copy_project(tmp_path / "project")
    completed = casebook(root, "build", env={"SOURCE_DATE_EPOCH": str(EPOCH)})
    assert completed.returncode == 0, completed.stderr
    published = root / "_build" / "html" / "memo"
    assert sorted(p.name for p in published.iterdir()) == ["rjh-2025-spin.docx", "rjh-2025-spin.pdf"]
    page = root / "_build" / "html" / "book" / "cases" / "rjh-2025-spin.html"
    links = {a["href"] for a in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select("main a[href]")}
    assert {"../../memo/rjh-2025-spin.pdf", "../../memo/rjh-2025-spin.docx"} <= links  # downloads on the case page
    for href in ("../../memo/rjh-2025-spin.pdf", "../../memo/rjh-2025-spin.docx"):
        assert (page.parent / href).resolve().is_file()
    pdf = (published / "rjh-2025-spin.pdf").read_bytes()
    assert pdf == render_pdf(build_memo(evaluate_case(root / "data" / "cases" / "rjh-2025-spin.yaml")),
                             SPIN_PATH.read_bytes(), CREATED)
