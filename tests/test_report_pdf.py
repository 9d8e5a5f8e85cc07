"""The case report page as PDF/A (casebook.render.report_pdf), read back with pypdf."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import re
import shutil

import pytest
from bs4 import BeautifulSoup
from conftest import REFERENCE_DIR, REFERENCE_EPOCH, REPO, SPIN_PATH
from memo_text import pdf_spans
from pypdf import PdfReader

from bench.generate import case_with_many_lines
from casebook.domain import formatting as fmt
from casebook.domain.clock import as_of_date
from casebook.domain.errors import CaseFileError, UserError
from casebook.domain.evaluation import evaluate_case
from casebook.engine import artifacts, audit, documents
from casebook.engine.documents import write_report, write_reports
from casebook.engine.paths import CASE_TEMPLATE, ProjectPaths, installed_package_dir
from casebook.render import document, follow_up_view, report_pdf, typst_pdf
from casebook.render.case_view import CaseView
from casebook.render.report_pdf import build_report, render_report_pdf, table_data

EPOCH = 1764460800  # 2025-11-30 00:00:00 UTC
CREATED = dt.datetime.fromtimestamp(EPOCH, dt.UTC)
HOSTILE = REPO / "tests" / "hostile" / "fiktiv-injektion.yaml"


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, line breaks as spaces except after a hyphen, where a line broke inside a word (no-break spaces kept)."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"[ \t\n]+", " ", text.replace("-\n", "-"))


def loose(text: str) -> str:
    """Text compared without regard to which spaces are no-break spaces."""
    return re.sub(r"\s+", " ", text.replace("\N{NO-BREAK SPACE}", " ")).strip()


def compact(text: str) -> str:
    """Text without any white space: cells whose lines break after ``/`` or ``-`` still compare."""
    return re.sub(r"\s", "", text)


@pytest.fixture(scope="module")
def spin_view() -> CaseView:
    return CaseView(evaluate_case(SPIN_PATH, REFERENCE_DIR, as_of=as_of_date()))


@pytest.fixture(scope="module")
def spin_audit(spin_view) -> dict:
    return audit.audit_record(
        ProjectPaths.at(REPO),
        CASE_TEMPLATE,
        "rjh-2025-spin",
        spin_view.evaluated.source_sha256,
        "0123abc",
        [{"commit": "0123abc", "date": "2025-11-30", "message": "Ärendet registrerat", "fields": ["+"]}],
        dt.datetime(2025, 11, 30, tzinfo=dt.UTC),
    )


@pytest.fixture(scope="module")
def spin_pdf(spin_view, spin_audit) -> bytes:
    return render_report_pdf(build_report(spin_view, spin_audit), SPIN_PATH.read_bytes(), CREATED)


def test_spin_figures_from_the_decision_document_are_in_the_pdf(spin_pdf):
    text = pdf_text(spin_pdf)
    for figure in (
        "6\N{NO-BREAK SPACE}200\N{NO-BREAK SPACE}285\N{NO-BREAK SPACE}kr",
        "12,10\N{NO-BREAK SPACE}%",
        "750\N{NO-BREAK SPACE}000\N{NO-BREAK SPACE}kr",
    ):
        assert figure in text
    assert fmt.kronor(6200285) in text and fmt.kronor(750000) in text


def test_verdict_and_attention_open_the_pdf(spin_view, spin_pdf):
    first_page = loose(PdfReader(io.BytesIO(spin_pdf)).pages[0].extract_text())
    for sentence in spin_view.verdict_sentences():
        assert loose(sentence) in first_page
    flags = spin_view.attention_sentences()
    assert len(flags) == 2
    assert "2 regler kräver uppmärksamhet:" in first_page
    for _, sentence in flags:
        assert loose(sentence) in first_page


def test_every_rule_with_source_outcome_and_evidence_is_in_the_pdf(spin_view, spin_pdf):
    text = loose(pdf_text(spin_pdf))
    for result in spin_view.results:
        for value in (result.rule.title, result.rule.source, result.outcome.value, result.evidence):
            assert loose(value) in text, value


@pytest.mark.parametrize("with_audit", [False, True])
def test_every_column_of_every_page_table_is_in_the_pdf(spin_view, spin_audit, with_audit):
    compliance = table_data(spin_view.compliance())
    assert compliance["header"] == ["Regel", "Källa", "Typ", "Utfall", "Underlag"]
    assert all(len(row) == 5 for row in compliance["rows"])
    report = build_report(spin_view, spin_audit if with_audit else None)
    text = compact(pdf_text(render_report_pdf(report, SPIN_PATH.read_bytes(), CREATED)))
    tables = [b for s in report["sections"] for b in s["blocks"] if b["kind"] == "table"]
    assert len(tables) >= 9
    for table in tables:
        assert compact("".join(table["header"])) in text, table["caption"]
        for row in table["rows"]:
            assert compact("".join(row)) in text, row  # every cell, in the page's column order


def test_wide_tables_get_landscape_pages_and_the_rest_portrait(spin_pdf):
    boxes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(io.BytesIO(spin_pdf)).pages]
    assert boxes[0] == pytest.approx((595.28, 841.89), abs=0.1)  # A4 portrait
    assert pytest.approx(next(b for b in boxes if b[0] > b[1]), abs=0.1) == (841.89, 595.28)  # A4 landscape
    landscape_text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(spin_pdf)).pages if p.mediabox.width > p.mediabox.height
    )
    assert "Regelkontroller: utfall och underlag per regel" in landscape_text


def test_audit_trail_lists_every_sha256_of_the_audit_record(spin_audit, spin_pdf):
    text = pdf_text(spin_pdf)
    hashes = [entry["sha256"] for entry in spin_audit["inputs"]]
    assert hashlib.sha256(SPIN_PATH.read_bytes()).hexdigest() in hashes
    assert len(hashes) >= 4
    for sha256 in hashes:
        assert sha256 in text
    assert "Revisionsspår: vad sidan är beräknad från" in text
    assert "Ärendet lades till." in text  # the change history, in Swedish


def test_without_an_audit_record_the_case_files_sha256_is_given(spin_view):
    text = pdf_text(render_report_pdf(build_report(spin_view, None), SPIN_PATH.read_bytes(), CREATED))
    assert hashlib.sha256(SPIN_PATH.read_bytes()).hexdigest() in text
    assert "Revisionsspår: vad sidan är beräknad från" not in text


def test_pdf_is_pdf_a_3b_in_swedish_with_the_case_file_attached(spin_pdf):
    reader = PdfReader(io.BytesIO(spin_pdf))
    xmp = reader.xmp_metadata.stream.get_data().decode("utf-8")
    assert re.search(r"<pdfaid:part>3</pdfaid:part>", xmp)
    assert re.search(r"<pdfaid:conformance>B</pdfaid:conformance>", xmp)
    assert "<rdf:li>sv-SE</rdf:li>" in xmp
    assert reader.attachments["rjh-2025-spin.yaml"] == [SPIN_PATH.read_bytes()]


def test_the_pdf_is_typsts_document_with_its_objects_packed_into_under_half_the_bytes(
    spin_view, spin_audit, spin_pdf, monkeypatch
):
    monkeypatch.setattr(typst_pdf, "pack_objects", lambda pdf: pdf)
    unpacked = render_report_pdf(build_report(spin_view, spin_audit), SPIN_PATH.read_bytes(), CREATED)
    assert b"/StructElem" in unpacked and b"/StructElem" not in spin_pdf
    assert len(spin_pdf) < 0.55 * len(unpacked)
    typst_made, published = PdfReader(io.BytesIO(unpacked)), PdfReader(io.BytesIO(spin_pdf))
    assert pdf_text(spin_pdf) == pdf_text(unpacked)
    assert published.xmp_metadata.stream.get_data() == typst_made.xmp_metadata.stream.get_data()
    assert published.attachments == typst_made.attachments
    assert [page.mediabox for page in published.pages] == [page.mediabox for page in typst_made.pages]


def test_same_inputs_give_the_same_bytes(spin_view, spin_audit, spin_pdf):
    again = render_report_pdf(
        build_report(CaseView(evaluate_case(SPIN_PATH, REFERENCE_DIR, as_of=as_of_date())), spin_audit),
        SPIN_PATH.read_bytes(),
        CREATED,
    )
    assert again == spin_pdf
    later = render_report_pdf(
        build_report(spin_view, spin_audit), SPIN_PATH.read_bytes(), CREATED + dt.timedelta(days=1)
    )
    assert later != spin_pdf


def test_written_only_when_its_inputs_change(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    evaluated = evaluate_case(SPIN_PATH, REFERENCE_DIR, as_of=as_of_date())
    first = write_report(evaluated, tmp_path)
    assert first.regenerated and first.pdf == tmp_path / "rjh-2025-spin.pdf"
    written = first.pdf.read_bytes()
    assert not write_report(evaluated, tmp_path).regenerated
    assert write_report(
        evaluated,
        tmp_path,
        {"inputs": [], "commit": "abc", "versions": {}, "executed_at": "x", "as_of": "2025-11-30", "history": []},
    ).regenerated
    assert write_report(evaluated, tmp_path).regenerated
    assert first.pdf.read_bytes() == written
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH + 86400))
    assert write_report(evaluated, tmp_path).regenerated
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind


def test_an_up_to_date_report_is_recognised_without_building_it(tmp_path, monkeypatch):
    """Checking 1 000 unchanged reports must not build 1 000 reports (the key is made from the inputs)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    evaluated = evaluate_case(SPIN_PATH, REFERENCE_DIR, as_of=as_of_date())
    assert write_report(evaluated, tmp_path).regenerated

    def no_building(*args, **kwargs):
        raise AssertionError("the report was built although nothing changed")

    monkeypatch.setattr(report_pdf, "build_report", no_building)
    assert not write_report(evaluated, tmp_path).regenerated
    assert not write_reports(tmp_path / "site", [evaluated], cache_dir=tmp_path)[0].regenerated


def test_the_report_key_covers_the_code_the_renderers_and_a_follow_ups_build_date(tmp_path, monkeypatch):
    evaluated = evaluate_case(SPIN_PATH, REFERENCE_DIR, as_of=as_of_date())

    def shared_inputs(package_dir=None):
        return documents.shared_inputs(REFERENCE_DIR, documents.REPORT_RENDERERS, package_dir)

    def report_key(evaluated, shared):
        return documents.report_inputs(evaluated, None, None, shared).key()

    shared = shared_inputs()
    key = report_key(evaluated, shared)
    package = shutil.copytree(
        installed_package_dir(), tmp_path / "casebook", ignore=shutil.ignore_patterns("__pycache__")
    )
    (package / "render" / "templates" / "report.typ").open("a", encoding="utf-8").write("\n// ändrad\n")
    assert report_key(evaluated, shared_inputs(package)) != key
    monkeypatch.setattr(artifacts.metadata, "version", lambda name: "0.0.0")
    assert report_key(evaluated, shared_inputs()) != key
    monkeypatch.undo()
    # SPIN has no follow-up: its report does not change with the build date; a follow-up's does.
    next_day = evaluated.as_of + dt.timedelta(days=1)
    assert report_key(dataclasses.replace(evaluated, as_of=next_day), shared) == key
    follow_up = evaluate_case(
        REPO / "tests" / "cases" / "fiktiv-uppfoljning-sen.yaml", REFERENCE_DIR, as_of=evaluated.as_of
    )
    later = report_key(follow_up, shared)
    assert report_key(dataclasses.replace(follow_up, as_of=next_day), shared) != later


def test_hostile_case_text_is_printed_as_written(tmp_path):
    hostile = tmp_path / "fiktiv-injektion.yaml"
    title = 'title: "FIKTIVT #pagebreak() #set page(width: 3cm) #sys.inputs.at(\\"case_file\\") *fet* $x$ <script>x</script>"'
    text = re.sub(r"(?m)^title: .*$", lambda _: title, HOSTILE.read_text(encoding="utf-8"))
    # The hand-written proposal names the old title, so check would refuse it: the proposal is written from the figures.
    hostile.write_text(re.sub(r"(?m)^  proposal:\n    - .*\n", "", text), encoding="utf-8")
    view = CaseView(evaluate_case(hostile, REFERENCE_DIR, as_of=as_of_date()))
    pdf = render_report_pdf(build_report(view, None), hostile.read_bytes(), CREATED)
    text = pdf_text(pdf)
    assert 'FIKTIVT #pagebreak() #set page(width: 3cm) #sys.inputs.at("case_file") *fet* $x$ <script>x</script>' in text
    assert '<img src="x" onerror="window.__pwned = \'summary\'">' in text
    assert "{{ villkor }}" in text
    assert "[Klicka](javascript:window.__pwned='link')" in text
    widths = {round(float(p.mediabox.width)) for p in PdfReader(io.BytesIO(pdf)).pages}
    assert widths <= {595, 842}  # no page was resized by case text


@pytest.mark.e2e
def test_site_build_publishes_and_links_each_cases_report_pdf(reference_project):
    root = reference_project  # SPIN, built by the session at REFERENCE_EPOCH
    assert int(REFERENCE_EPOCH) == EPOCH
    site = root / "_build" / "html"
    assert sorted(p.name for p in (site / "rapport").iterdir()) == ["rjh-2025-spin.pdf"]
    page = site / "book" / "cases" / "rjh-2025-spin.html"
    links = {a["href"] for a in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select("main a[href]")}
    assert "../../rapport/rjh-2025-spin.pdf" in links
    assert (page.parent / "../../rapport/rjh-2025-spin.pdf").resolve().is_file()
    text = pdf_text((site / "rapport" / "rjh-2025-spin.pdf").read_bytes())
    # The build handed in the page's own audit record: its trail, with every input's SHA-256.
    assert "Revisionsspår: vad sidan är beräknad från" in text
    assert hashlib.sha256((root / "data" / "cases" / "rjh-2025-spin.yaml").read_bytes()).hexdigest() in text
    for path in sorted((root / "data" / "reference").glob("*.yaml")):
        assert hashlib.sha256(path.read_bytes()).hexdigest() in text
    cached = root / "_build" / "cache" / "rapport" / "rjh-2025-spin.pdf"
    assert cached.read_bytes() == (site / "rapport" / "rjh-2025-spin.pdf").read_bytes()


@pytest.mark.parametrize(
    ("title", "error", "message"),
    [
        (
            "SPIN \x0b slut",
            CaseFileError,
            "title: innehåller styrtecknet U+000B, som inte kan skrivas i ärenderapporten",
        ),
        (
            "SPIN \U0001f680",
            UserError,
            "Ärenderapporten för rjh-2025-spin kan inte skrivas som PDF/A: ett tecken i ärendefilen rjh-2025-spin.yaml finns inte",
        ),
    ],
    ids=["control-character", "character-without-glyph"],
)
def test_text_a_pdf_a_cannot_hold_is_a_swedish_error_and_nothing_is_written(tmp_path, title, error, message):
    # `casebook check` refuses both titles; made in code, past the check, they test the writer's own guard.
    spin = evaluate_case(SPIN_PATH, REFERENCE_DIR, as_of=as_of_date())
    evaluated = dataclasses.replace(spin, case=spin.case.model_copy(update={"title": title}))
    out = tmp_path / "rapport"
    with pytest.raises(error) as raised:
        write_report(evaluated, out)
    assert message in str(raised.value)
    assert not out.exists()


def test_write_reports_publishes_copies_and_forgets_removed_cases(tmp_path):
    site, cache_dir = tmp_path / "site" / "rapport", tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / "borttaget.pdf").write_bytes(b"%PDF gammal")
    (cache_dir / "borttaget.report-key").write_text("gammal")
    written = write_reports(site, [evaluate_case(SPIN_PATH, REFERENCE_DIR, as_of=as_of_date())], cache_dir=cache_dir)
    assert [w.pdf for w in written] == [cache_dir / "rjh-2025-spin.pdf"]
    assert sorted(p.name for p in cache_dir.iterdir()) == ["rjh-2025-spin.pdf", "rjh-2025-spin.report-key"]
    assert sorted(p.name for p in site.iterdir()) == ["rjh-2025-spin.pdf"]
    published = (site / "rjh-2025-spin.pdf").read_bytes()
    assert published == written[0].pdf.read_bytes()
    reader = PdfReader(io.BytesIO(published))
    everything = pdf_text(published) + str(reader.metadata) + reader.xmp_metadata.stream.get_data().decode("utf-8")
    assert str(REPO) not in everything and str(tmp_path) not in everything  # no machine path


def test_a_follow_up_is_in_the_pdf_with_every_payment_column(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))  # the day the follow-up is judged on
    view = CaseView(
        evaluate_case(REPO / "tests" / "cases" / "fiktiv-uppfoljning-forskott.yaml", REFERENCE_DIR, as_of=as_of_date())
    )
    report = build_report(view, None)
    (follow_up,) = [s for s in report["sections"] if s["title"] == "Uppföljning"]
    kinds = [b["kind"] for b in follow_up["blocks"]]
    assert kinds.count("paragraph") == 1 and kinds.count("table") == 3  # status, targets, payments, indicator outcomes
    payments = next(b for b in follow_up["blocks"] if b["kind"] == "table" and b["header"][0].startswith("Begäran"))
    assert payments["header"] == [
        "Begäran: period och dag den kom in",
        "Kostnader",
        "Beräkning",
        "Att betala",
        "Utbetald",
    ]
    text = compact(pdf_text(render_report_pdf(report, view.evaluated.source.read_bytes(), CREATED)))
    status = next(b for b in follow_up["blocks"] if b["kind"] == "paragraph")
    assert status["text"].startswith("Läge per byggdatum 2025-11-30:")
    assert compact(status["text"]) in text
    for row in payments["rows"]:
        assert compact("".join(row)) in text


LONG_TABLE_LINES = 300
"""Financing lines enough for a table that runs over several pages."""
AMOUNT = re.compile("[0-9][0-9\N{NO-BREAK SPACE}]*\N{NO-BREAK SPACE}kr")


@pytest.fixture(scope="module")
def many_lines(tmp_path_factory):
    return evaluate_case(
        case_with_many_lines(tmp_path_factory.mktemp("lines"), LONG_TABLE_LINES), REFERENCE_DIR, as_of=as_of_date()
    )


@pytest.mark.parametrize("template", ["report.typ", "memo.typ"])
def test_the_templates_lay_out_a_tables_rows_as_data_without_a_function_per_cell(template):
    """A function called once per cell that captured the table was hashed with the whole table
    on every call: the PDF of 10 000 financing lines took time in proportion to their square
    (issue #20; ``python -m bench.line_growth`` measures it). Rows go to Typst as data, and
    alignment is the table's, by column."""
    source = typst_pdf.template_bytes(template).decode("utf-8")
    assert "align: t.numeric.map(" in source
    assert not re.search(r"t\.rows(\.enumerate\(\))?\.map\(", source)
    assert "table.cell(" not in source


def test_a_long_table_runs_over_pages_with_its_header_on_each_and_its_figures_right_aligned(many_lines):
    pdf = render_report_pdf(build_report(CaseView(many_lines)), many_lines.source.read_bytes(), CREATED)
    spans = pdf_spans(pdf)
    fictional = {s.financier for s in many_lines.figures.shares if s.financier.startswith("Fiktiv finansiär")}
    cells = [(page, text) for page, text, _, _ in spans if text in fictional]  # the table's, not the verdict's prose
    assert len(cells) == len(fictional) > 250 and {text for _, text in cells} == fictional
    pages = sorted({page for page, _ in cells})
    assert len(pages) >= 5 and pages == list(range(pages[0], pages[-1] + 1))
    header = {page for page, text, _, font in spans if text == "Slag av medel" and "Bold" in font}
    assert set(pages) <= header  # the header row repeated on every page the table runs over
    # On a page of financing lines only, each amount ends at the column's right edge: a longer one starts further left.
    starts = {(len(text), round(x, 1)) for page, text, x, _ in spans if page == pages[2] and AMOUNT.fullmatch(text)}
    assert len({length for length, _ in starts}) >= 2
    assert len(starts) == len({length for length, _ in starts})  # one start per length
    xs = [x for _, x in sorted(starts)]
    assert all(shorter > longer for shorter, longer in zip(xs, xs[1:], strict=False))


def test_a_columns_alignment_follows_its_cells_kinds_not_how_their_text_looks():
    table = document.table(
        "Tabell",
        ("Finansiär", "Belopp", "Andel", "Redovisat"),
        [
            (
                "12 345",
                document.amount(5000),
                document.cell("12,10\N{NO-BREAK SPACE}%", kind=document.Kind.PERCENT),
                document.cell("–", kind=document.Kind.DATE),
            ),
            (
                "2025",
                document.amount(5000),
                document.cell("–", kind=document.Kind.PERCENT),
                document.cell("–", kind=document.Kind.DATE),
            ),
        ],
    )
    # A name that looks like a figure stays flush left; a date column stays flush left even when every date is missing.
    assert table_data(table)["numeric"] == [False, True, True, False]
    assert table_data(table)["rows"][0] == [
        "12\N{NO-BREAK SPACE}345",
        "5\N{NO-BREAK SPACE}000\N{NO-BREAK SPACE}kr",
        "12,10\N{NO-BREAK SPACE}%",
        "–",
    ]


def _shown(html: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of one of the page's HTML tables, as the reader sees them."""
    soup = BeautifulSoup(html, "html.parser")

    def text(tag) -> str:  # runs of ASCII white space as one space, as a browser shows them; no-break spaces kept
        return re.sub(r"[ \t\n\r\f\v]+", " ", tag.get_text()).strip()

    return [text(th) for th in soup.select("th")], [
        [text(td) for td in tr.select("td")] for tr in soup.select("tbody tr")
    ]


@pytest.mark.parametrize(
    "case",
    [
        SPIN_PATH,
        REPO / "tests" / "cases" / "fiktiv-uppfoljning-forskott.yaml",
        REPO / "tests" / "hostile" / "fiktiv-injektion.yaml",
    ],
    ids=lambda p: p.stem,
)
def test_the_report_and_the_page_show_the_same_tables(case, spin_audit, monkeypatch):
    """One model, two layouts: every table of the report has the page's caption, header and cells."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    view = CaseView(evaluate_case(case, REFERENCE_DIR, as_of=as_of_date()))
    evaluated = view.evaluated
    pairs = [
        (view.facts(), view.facts_table()),
        (view.financing(), view.financing_table()),
        (view.proposal(), view.proposal_table()),
        (view.decision(), view.decision_table()),
        (view.payment(), view.payment_table()),
        (view.follow_up(), view.follow_up_table()),
        (view.compliance_counts(), view.compliance_summary()),
        (view.compliance(), view.compliance_table()),
        (view.signatories(), view.signatories_table()),
        (view.audit(spin_audit), view.audit_table(spin_audit)),
        (view.history(spin_audit), view.history_table(spin_audit)),
        (view.source_corrections(), view.source_corrections_table()),
        (follow_up_view.payment_requests(evaluated), view.payment_requests_table()),
        (follow_up_view.indicator_outcomes(evaluated), view.indicator_outcomes_table()),
    ]
    report = build_report(view, spin_audit)
    in_report = [b for s in report["sections"] for b in s["blocks"] if b["kind"] == "table"]
    shown = {model.caption: (model, page) for model, page in pairs if model is not None}
    assert [t["caption"] for t in in_report if t["caption"] in shown] == [t["caption"] for t in in_report]
    assert len(in_report) == len(shown) >= 11
    for data in in_report:
        model, page = shown[data["caption"]]
        assert (data["header"], data["rows"]) == _shown(page.data), model.caption
