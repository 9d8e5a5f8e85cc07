"""The decision memo: its content in the source memo's order and words, the Word document, the
PDF/A, the command and incremental writing.

SPIN's figures are asserted exactly as the decision document states them; Swedish amounts
carry no-break spaces (U+00A0), as the domain formats them. How much of the source memo's
wording the files reproduce is measured in ``test_memo_source.py``; the Word document as
LibreOffice lays it out is checked in ``test_memo_libreoffice.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import re
import shutil
import time
import zipfile
from pathlib import Path

import pikepdf
import pytest
from bs4 import BeautifulSoup
from conftest import REFERENCE_DIR, REFERENCE_EPOCH, REPO, SPIN_PATH
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from memo_text import docx_text, pdf_pages, pdf_spans, pdf_text
from pypdf import PdfReader

from bench.generate import case_with_many_lines
from casebook.cli import main
from casebook.domain import formatting as fmt
from casebook.domain import narrative
from casebook.domain.clock import as_of_date
from casebook.domain.evaluation import evaluate_case
from casebook.domain.wording import proposal_problems
from casebook.engine import artifacts, audit, documents
from casebook.engine.documents import write_memo
from casebook.engine.paths import installed_package_dir
from casebook.render import memo as memo_module
from casebook.render import typst_pdf
from casebook.render.memo import (
    ANNEX_TITLE,
    CELL_PADDING_CM,
    CHARACTER_CM,
    NumberedList,
    Paragraph,
    Subheading,
    Table,
    Text,
    build_memo,
    column_widths,
    render_docx,
    render_pdf,
)

NBSP = "\N{NO-BREAK SPACE}"
SPIN_TOTAL = f"6{NBSP}200{NBSP}285{NBSP}kr"
SPIN_SHARE = f"12,10{NBSP}%"
SPIN_MAX = f"750{NBSP}000{NBSP}kr"
SPIN_APPLIED = f"749{NBSP}999{NBSP}kr"
EPOCH = 1764460800  # 2025-11-30 00:00:00 UTC
CREATED = dt.datetime.fromtimestamp(EPOCH, dt.UTC)
HOSTILE = REPO / "tests" / "hostile" / "fiktiv-injektion.yaml"
FICTIONAL_BASE = REPO / "tests" / "cases" / "fiktiv-bas.yaml"
PUBLISHER = "Region Jämtland Härjedalen"  # data/reference/publisher.yaml

# The source memo's proposal ("Regiondirektörens förslag"), point by point, as the source writes it
# but for its line breaks; the title is written "SPIN-Strategisk" there and "SPIN – Strategisk" in the case.
SOURCE_PROPOSAL = (
    f"Region Jämtland Härjedalen beviljar medfinansiering till projektet SPIN – Strategisk Planering i Norr med "
    f"12,10{NBSP}procent av redovisade och godkända kostnader, dock max 750{NBSP}000{NBSP}kronor.",
    "Projektstödet finansieras med medel från anslag 1:1 Regionala utvecklingsåtgärder.",
    "Beslutet gäller under förutsättning att övrig finansiering ordnas enligt ansökan.",
    "Region Jämtland Härjedalens Allmänna villkor för stöd till projekt (RUN/640/2017) gäller för projektet.",
)


def blocks_text(blocks) -> list[str]:
    """The text of memo blocks, one string per paragraph, list item, table row or narrative block."""
    parts = []
    for block in blocks:
        if isinstance(block, (Paragraph, Subheading)):
            parts.append(block.text)
        elif isinstance(block, NumberedList):
            parts += block.items
        elif isinstance(block, Text):
            parts += narrative.plain_text(block.blocks).split("\n")
        else:
            parts += [block.caption, *block.header, *("\t".join(row) for row in block.texts())]
    return parts


def memo_text(memo, annex: bool = True) -> str:
    """Every piece of text in the memo, one per line; the annex only when asked."""
    parts = [memo.title, *(f"{label}: {value}" for label, value in memo.header)]
    for section in memo.sections:
        parts += [section.title, *blocks_text(section.blocks)]
    parts += [f"{s.name}, {s.title}" for s in memo.signatures] + list(memo.copy_to)
    if annex:
        parts += [memo.annex.title, *blocks_text(memo.annex.blocks)]
    return "\n".join(parts)


def section(memo, title):
    return next(s for s in memo.sections if s.title == title)


def _project_with(tmp_path: Path, case_text: str, name: str = "rjh-2025-spin") -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    shutil.copytree(REPO / "data" / "sources", root / "data" / "sources")  # the source document SPIN names
    (root / "data" / "cases").mkdir(parents=True)
    (root / "data" / "cases" / f"{name}.yaml").write_text(case_text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def spin_evaluated():
    return evaluate_case(SPIN_PATH, as_of=as_of_date())


@pytest.fixture(scope="module")
def spin_memo(spin_evaluated):
    return build_memo(spin_evaluated, PUBLISHER)


@pytest.fixture(scope="module")
def spin_pdf(spin_memo) -> bytes:
    return render_pdf(spin_memo, SPIN_PATH.read_bytes(), CREATED)


@pytest.fixture(scope="module")
def spin_docx(spin_memo) -> bytes:
    return render_docx(spin_memo, CREATED)


@pytest.fixture(scope="module")
def decided_memo(tmp_path_factory):
    """The fictional base case (decided, with an advance) decided at a lower share than proposed."""
    text = FICTIONAL_BASE.read_text(encoding="utf-8").replace(
        "  decision_reference: FIKTIV RUN 1/2099 § 1\n",
        "  decision_reference: FIKTIV RUN 1/2099 § 1\n  decided_share_percent: 18.00\n",
    )
    assert "decided_share_percent" in text
    path = tmp_path_factory.mktemp("decided") / "fiktiv-bas.yaml"
    path.write_text(text, encoding="utf-8")
    return build_memo(evaluate_case(path, REFERENCE_DIR, as_of=as_of_date()))


# --- Content, in the source memo's order ----------------------------------------------------


def test_memo_follows_the_source_memos_order(spin_memo):
    assert spin_memo.title == "Medfinansiering till projekt SPIN – Strategisk Planering i Norr"
    assert [s.title for s in spin_memo.sections] == [
        "Ärendebeskrivning",
        "Legala förutsättningar för stöd",
        "Beslutsmotivering",
        "Sammanfattande bedömning av ansökan",
        "Uppföljning, utvärdering och rapportering",
        "Förslag till beslut",
    ]
    assert [(s.name, s.title) for s in spin_memo.signatures] == [
        ("Sara Lewerentz", "Regiondirektör"),
        ("Lena Persson", "Områdeschef Hållbar tillväxt"),
    ]
    assert spin_memo.copy_to == ("Region Västernorrland",)
    assert spin_memo.annex.title == ANNEX_TITLE == "Bilaga för handläggaren: att uppmärksamma (ingår inte i beslutet)"
    assert spin_memo.annex.blocks[0].text.startswith(
        "Den här bilagan är ett arbetsunderlag för handläggaren. Den ingår inte"
    )


def test_spin_header_is_a_proposal_not_decided_yet(spin_memo):
    header = dict(spin_memo.header)
    assert header == {
        "Beslutsfattare": "Region Jämtland Härjedalen",
        "Diarienummer": "Ej angivet",
        "Handling": "Tjänsteskrivelse, förslag till beslut",
        "Beslutsdatum": "Inte beslutat ännu",
        "Ansökan inkom": "9 september 2025",
    }
    assert (spin_memo.kind, spin_memo.reference, spin_memo.publisher) == (
        "Tjänsteskrivelse",
        "Ärende rjh-2025-spin",
        PUBLISHER,
    )


def test_the_description_opens_with_sentences_written_from_the_figures(spin_memo):
    blocks = section(spin_memo, "Ärendebeskrivning").blocks
    assert blocks[0].text == (
        f"Region Västernorrland inkom den 9 september 2025 med en ansökan om 749{NBSP}999{NBSP}kronor i medfinansiering "
        "till projektet SPIN – Strategisk Planering i Norr. Projekttiden är 3 november 2025 till 30 september 2027. "
        "Övrig finansiering kommer enligt projektets totala finansieringsplan från Tillväxtverket, nationella medel med "
        f"3{NBSP}000{NBSP}000{NBSP}kronor, Region Västerbotten 750{NBSP}000{NBSP}kronor, Region Norrbotten "
        f"750{NBSP}000{NBSP}kronor och Region Västernorrland 950{NBSP}286{NBSP}kronor."
    )
    texts = blocks_text(blocks)
    assert texts[1] == "Ansökan finns bilagd i ärendet."
    assert texts[2].startswith("Projektet är en del av ett regeringsuppdrag med syfte att ge Tillväxtverket")
    assert "1) Har ökat sin kapacitet till regional strategisk planering" in "\n".join(texts)
    assert "– Relevanta och systematiska planeringsprocesser på regional nivå" in texts
    assert (
        "2) Projektet bidrar också till bättre planeringsprocesser på kommunal nivå genom att hantera "
        "gränsöverskridande och mellankommunala synergier och utmaningar i en utvecklad regional "
        "planeringsprocess."
    ) in texts  # the source's truncated "där det." is left out, and noted in the annex


def test_spin_figures_are_in_the_memo(spin_memo):
    text = memo_text(spin_memo, annex=False)
    for figure in (
        SPIN_TOTAL,
        SPIN_SHARE,
        SPIN_MAX,
        SPIN_APPLIED,
        f"750{NBSP}234{NBSP}kr",
        f"6{NBSP}198{NBSP}347{NBSP}kr",
    ):
        assert figure in text
    plan = next(b for b in section(spin_memo, "Ärendebeskrivning").blocks if isinstance(b, Table))
    assert plan.texts()[-1][:4] == ("Summa", "", SPIN_TOTAL, f"100,00{NBSP}%")
    assert ("Tillväxtverket", f"3{NBSP}000{NBSP}000{NBSP}kr", f"48,38{NBSP}%") == (
        plan.texts()[0][0],
        *plan.texts()[0][2:4],
    )


def test_spin_proposal_is_written_from_the_figures_in_the_source_memos_words(spin_memo):
    (points,) = section(spin_memo, "Förslag till beslut").blocks
    assert points.items == SOURCE_PROPOSAL
    source = re.sub(r"\s+", " ", (REPO / "data" / "sources" / "000_2bcbd58892294728.txt").read_text(encoding="utf-8"))
    for point in SOURCE_PROPOSAL:  # word for word the source's, but for the title's dash
        assert point.replace(NBSP, " ").replace("SPIN – Strategisk", "SPIN- Strategisk") in source


def test_the_legal_conditions_are_the_source_memos_and_the_law_in_its_own_words(spin_memo):
    blocks = section(spin_memo, "Legala förutsättningar för stöd").blocks
    paragraphs = [b.text for b in blocks if isinstance(b, Paragraph)]
    assert paragraphs[0].startswith(
        "Projektstöd får beviljas enligt förordning (2003:596) om bidrag för "
        "projektverksamhet inom den regionala utvecklingspolitiken."
    )
    assert paragraphs[2].startswith(
        "Bidrag får lämnas med högst 50 procent av utgifterna för projektet. Om "
        "Tillväxtverket och minst en annan beslutsfattare"
    )
    (table,) = [b for b in blocks if isinstance(b, Table)]
    assert table.header == ("Källa", "Vad källan kräver")
    requirements = dict(table.texts())
    assert requirements["5 § förordning (2003:596)"] == "Bidrag får inte utgöra driftsstöd."
    assert requirements["5 § tredje meningen förordning (2003:596)"] == (
        '"Varje beslutsfattare får dock besluta om bidrag med högst 50 procent av utgifterna för projektet."'
    )
    for requirement in requirements.values():  # the law's words, never the rule engine's
        assert not re.search(r"Bedömning (enligt handläggare|saknas)|Ej uppfyllt|regelkatalog|casebook", requirement)


def test_the_motivation_has_its_three_parts_and_the_strategic_context(spin_memo):
    blocks = section(spin_memo, "Beslutsmotivering").blocks
    assert [b.text for b in blocks if isinstance(b, Subheading)] == ["Legal", "Ekonomisk", "Strategisk"]
    texts = blocks_text(blocks)
    assert texts[1].startswith("Projektet är avgränsat mot den ordinarie verksamheten")
    strategic = texts[texts.index("Strategisk") + 1 :]
    assert strategic[0].startswith("Inget strategiskt utlåtande har tagits fram i denna ansökan")
    assert strategic[1].startswith("I maj 2024 gav regeringen Tillväxtverket, Boverket, Trafikverket")
    assert not any("Bedömt av" in text for text in texts)


def test_the_summary_assessment_ends_in_the_recommendation(spin_memo):
    assert blocks_text(section(spin_memo, "Sammanfattande bedömning av ansökan").blocks) == [
        "Utifrån ovan sammanvägda bedömning föreslår vi bifall på ansökan."
    ]


def test_follow_up_is_in_the_source_memos_words_with_a_swedish_date(spin_memo):
    assert blocks_text(section(spin_memo, "Uppföljning, utvärdering och rapportering").blocks) == [
        "Projektet ska redovisa följande nationell indikator:",
        "3 stycken kunskapsunderlag",
        "Stödmottagaren ska vid rapportering i samband med ansökan om utbetalning rapportera utfall på "
        "uppföljningsindikatorn samt delge övrig information som är relevant för uppföljning och utvärdering av "
        "projektet. Stödmottagaren ska slutrapportera senast 30 september 2027.",
    ]


def test_the_document_has_no_internal_words(spin_memo, decided_memo):
    for memo in (spin_memo, decided_memo):
        body = memo_text(memo, annex=False)
        assert not re.search(
            r"casebook|ärendefil|regelkatalog|regelkontroll|Bedömt av|Bedömning (enligt|saknas)", body, re.IGNORECASE
        )
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", memo_text(memo))  # no field names, annex included


# --- The annex for the officer ---------------------------------------------------------------


def test_annex_states_the_maximum_above_the_amount_applied_for(spin_memo):
    assert (
        f"Avvikelse: Maxbeloppet {SPIN_MAX} är högre än det sökta beloppet {SPIN_APPLIED} (skillnad 1{NBSP}kr)."
        in blocks_text(spin_memo.annex.blocks)
    )


def test_annex_lists_the_corrections_of_the_source_document(spin_memo):
    (table,) = [b for b in spin_memo.annex.blocks if isinstance(b, Table) and b.header[0] == "Källan skriver"]
    assert [row[:2] for row in table.texts()] == [
        ("Tillväxtverket, nationella medel med 3000 000 kronor", "3 000 000 kronor"),
        ("Projekttiden är 2025-11-03- till 2027-09-30.", "Projekttiden är 2025-11-03 till 2027-09-30."),
        ("… i en utvecklad regional planeringsprocess där det.", "… i en utvecklad regional planeringsprocess."),
    ]


def test_annex_names_the_missing_6_paragraph_judgement(spin_memo):
    texts = blocks_text(spin_memo.annex.blocks)
    assert "Ärendet registrerar ingen bedömning av: Företagsstödsåtgärder (6 §)." in texts
    assert any(
        t.startswith(
            "Bedömning saknas: Inga åtgärder som omfattas av företagsstödsförordningarna "
            "(6 § förordning (2003:596)). Ärendet registrerar ingen bedömning av detta."
        )
        for t in texts
    )


@pytest.mark.parametrize("path", [SPIN_PATH, FICTIONAL_BASE, HOSTILE], ids=lambda p: p.stem)
def test_annex_lists_exactly_the_results_needing_attention_and_every_result(path):
    evaluated = evaluate_case(path, REFERENCE_DIR, as_of=as_of_date())
    memo = build_memo(evaluated)
    texts = blocks_text(memo.annex.blocks)
    attention = [r for r in evaluated.results if r.outcome.needs_attention]
    assert [
        t
        for t in texts
        if t.startswith(tuple(f"{o.value}: " for o in {r.outcome for r in attention}))
        and not t.startswith("Avvikelse: ")
    ] == [f"{r.outcome.value}: {r.rule.title} ({r.rule.source}). {r.evidence}" for r in attention]
    (every,) = [b for b in memo.annex.blocks if isinstance(b, Table) and b.header == ("Regel", "Källa", "Utfall")]
    assert list(every.texts()) == [(r.rule.title, r.rule.source, r.outcome.value) for r in evaluated.results]


# --- Proposal, decision and rejection ---------------------------------------------------------


def test_a_decided_case_gives_the_decision_in_the_same_structure(decided_memo):
    assert decided_memo.kind == "Beslut"
    assert [s.title for s in decided_memo.sections][-1] == "Beslut"
    header = dict(decided_memo.header)
    assert (header["Handling"], header["Beslutsdatum"], header["Beslutat av"], header["Beslutets referens"]) == (
        "Beslut",
        "15 februari 2017",
        "Fiktiv regional utvecklingsnämnd",
        "FIKTIV RUN 1/2099 § 1",
    )
    intro, points, when = section(decided_memo, "Beslut").blocks
    assert intro.text == "Fiktiv regional utvecklingsnämnd beslutar att"
    assert points.items == (
        f"bevilja medfinansiering till projektet FIKTIVT TESTÄRENDE – Samverkan i Exempelbygd med 18,00{NBSP}procent "
        f"av redovisade och godkända kostnader, dock max 400{NBSP}000{NBSP}kronor,",
        f"bevilja förskott med 100{NBSP}000{NBSP}kronor (särskilda skäl: Fiktivt skäl – projektägaren saknar "
        "likviditet för projektets första kvartal),",
        "projektstödet finansieras med medel från anslag 1:1 Regionala utvecklingsåtgärder,",
        "Fiktiva allmänna villkor (FIKTIV 0/2099) gäller för projektet.",
    )
    assert when.text == "Beslutet fattades den 15 februari 2017 (FIKTIV RUN 1/2099 § 1)."
    assert "Förslag till beslut" not in memo_text(decided_memo, annex=False)
    assert (
        f"Avvikelse: Beslutet avviker från förslaget: förslaget var 20,00{NBSP}%, högst 400{NBSP}000{NBSP}kr; "
        f"beslutet är 18,00{NBSP}%, högst 400{NBSP}000{NBSP}kr."
    ) in blocks_text(decided_memo.annex.blocks)


def test_a_decided_advance_and_its_special_reasons_are_in_the_decision_and_the_law(decided_memo):
    legal = blocks_text(section(decided_memo, "Legala förutsättningar för stöd").blocks)
    assert any(
        t.startswith(
            "Bidrag betalas ut i efterhand mot redovisade utgifter. Förskott får lämnas om det finns särskilda skäl"
        )
        for t in legal
    )
    amounts = dict(
        next(
            b
            for b in section(decided_memo, "Ärendebeskrivning").blocks
            if isinstance(b, Table) and b.header == ("Uppgift", "Värde")
        ).texts()
    )
    assert amounts["Förskott"] == f"100{NBSP}000{NBSP}kr"


def test_a_rejected_case_rejects(tmp_path):
    text = FICTIONAL_BASE.read_text(encoding="utf-8").replace("  state: decided\n", "  state: rejected\n")
    path = tmp_path / "fiktiv-bas.yaml"
    path.write_text(text, encoding="utf-8")
    intro, points, _ = section(build_memo(evaluate_case(path, REFERENCE_DIR, as_of=as_of_date())), "Beslut").blocks
    assert points.items == (
        "avslå ansökan om medfinansiering till projektet FIKTIVT TESTÄRENDE – Samverkan i Exempelbygd.",
    )


def test_a_recommendation_to_reject_proposes_a_rejection(tmp_path):
    text = SPIN_PATH.read_text(encoding="utf-8").replace("  recommendation: bifall", "  recommendation: avslag")
    memo = build_memo(
        evaluate_case(_project_with(tmp_path, text) / "data" / "cases" / "rjh-2025-spin.yaml", as_of=as_of_date())
    )
    assert section(memo, "Förslag till beslut").blocks[0].items == (
        "Region Jämtland Härjedalen avslår ansökan om medfinansiering till projektet SPIN – Strategisk Planering i Norr.",
    )
    assert blocks_text(section(memo, "Sammanfattande bedömning av ansökan").blocks) == [
        "Utifrån ovan sammanvägda bedömning föreslår vi avslag på ansökan."
    ]


# --- A hand-written proposal is checked against the figures ----------------------------------

HAND_WRITTEN = """  proposal:
    - >-
      Region Jämtland Härjedalen beviljar medfinansiering till projektet SPIN-Strategisk
      Planering i Norr med 12,10 procent av redovisade och godkända kostnader, dock max
      750 000 kronor.
    - Projektstödet finansieras med medel från anslag 1:1 Regionala utvecklingsåtgärder.
    - Beslutet gäller under förutsättning att övrig finansiering ordnas enligt ansökan.
    - >-
      Region Jämtland Härjedalens Allmänna villkor för stöd till projekt (RUN/640/2017)
      gäller för projektet.
"""


def _spin_with_proposal(proposal: str = HAND_WRITTEN, **replacements: str) -> str:
    text = SPIN_PATH.read_text(encoding="utf-8").replace("  advance: null\n", proposal + "  advance: null\n", 1)
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_a_hand_written_proposal_that_agrees_with_the_figures_is_used_as_written(tmp_path, capsys):
    root = _project_with(tmp_path, _spin_with_proposal())
    assert main(["--root", str(root), "check"]) == 0
    memo = build_memo(evaluate_case(root / "data" / "cases" / "rjh-2025-spin.yaml", as_of=as_of_date()))
    items = section(memo, "Förslag till beslut").blocks[0].items
    assert items[0].startswith(
        "Region Jämtland Härjedalen beviljar medfinansiering till projektet SPIN-Strategisk Planering"
    )


COPY_WITH_OTHER_FIGURES = {
    # SPIN copied to another decision-maker with another share and maximum, as in the issue.
    'decision_maker:\n  name: Region Jämtland Härjedalen\n  organisation_number: "232100-0214"': (
        "decision_maker:\n  name: Region Dalarna"
    ),
    "  - financier: Region Jämtland Härjedalen\n    kind: regional_grant_2003_596\n    amount: 749999": (
        "  - financier: Region Dalarna\n    kind: regional_grant_2003_596\n    amount: 1200000"
    ),
    "amount_applied_for: 749999": "amount_applied_for: 1200000",
    "share_percent: 12.10": "share_percent: 18.04",
    "max_amount: 750000": "max_amount: 1200000",
    "general_terms: Region Jämtland Härjedalens Allmänna villkor för stöd till projekt (RUN/640/2017)": (
        "general_terms: Region Dalarnas allmänna villkor (FIKTIV 1/2099)"
    ),
}


def test_a_copy_of_spin_with_other_figures_and_spins_proposal_fails_check_naming_file_and_field(tmp_path, capsys):
    root = _project_with(
        tmp_path,
        _spin_with_proposal(**COPY_WITH_OTHER_FIGURES).replace("id: rjh-2025-spin", "id: fiktiv-kopia"),
        name="fiktiv-kopia",
    )
    assert main(["--root", str(root), "check"]) == 2
    err = capsys.readouterr().err
    assert "fiktiv-kopia.yaml" in err and "Traceback" not in err
    assert (
        f"decision.proposal, post 1: förslaget anger 12,10{NBSP}procent, men andelen i decision.share_percent är "
        f"18,04{NBSP}procent."
    ) in err
    assert (
        f"förslaget anger 750{NBSP}000{NBSP}kronor, men maxbeloppet i decision.max_amount är 1{NBSP}200{NBSP}000{NBSP}kronor"
        in err
    )
    assert "förslaget låter Region Jämtland Härjedalen bevilja, men beslutsfattaren är Region Dalarna" in err
    assert main(["--root", str(root), "build"]) == 2  # and so it can never be published
    assert not (root / "_build" / "html").exists()


def test_a_copy_of_spin_with_other_figures_never_publishes_spins_wording(tmp_path):
    text = SPIN_PATH.read_text(encoding="utf-8")
    for old, new in COPY_WITH_OTHER_FIGURES.items():
        text = text.replace(old, new)
    root = _project_with(tmp_path, text.replace("id: rjh-2025-spin", "id: fiktiv-kopia"), name="fiktiv-kopia")
    memo = build_memo(evaluate_case(root / "data" / "cases" / "fiktiv-kopia.yaml", as_of=as_of_date()))
    items = section(memo, "Förslag till beslut").blocks[0].items
    assert items[0] == (
        f"Region Dalarna beviljar medfinansiering till projektet SPIN – Strategisk Planering i Norr med "
        f"18,04{NBSP}procent av redovisade och godkända kostnader, dock max 1{NBSP}200{NBSP}000{NBSP}kronor."
    )
    assert items[-1] == "Region Dalarnas allmänna villkor (FIKTIV 1/2099) gäller för projektet."
    body = memo_text(memo, annex=False)
    assert f"12,10{NBSP}procent" not in body and f"dock max 750{NBSP}000" not in body and "RUN/640/2017" not in body
    assert "Region Jämtland Härjedalen beviljar" not in body


@pytest.mark.parametrize(
    ("replacements", "problem"),
    [
        ({"12,10 procent": "12,1 %"}, None),  # the same share, written otherwise
        ({"12,10 procent": "12,00 procent"}, f"decision.proposal, post 1: förslaget anger 12,00{NBSP}procent"),
        ({"750 000 kronor": "75 000 kronor"}, f"decision.proposal, post 1: förslaget anger 75{NBSP}000{NBSP}kronor"),
        (
            {"      Region Jämtland Härjedalen beviljar": "      Region Västernorrland beviljar"},
            "decision.proposal, post 1: förslaget låter Region Västernorrland bevilja",
        ),
        (
            {"till projektet SPIN-Strategisk\n      Planering i Norr": "till projektet"},
            "decision.proposal: förslaget nämner inte projektet SPIN – Strategisk Planering i Norr",
        ),
        (
            {"med 12,10 procent av": "med en andel av"},
            f"decision.proposal: förslaget nämner inte andelen 12,10{NBSP}procent",
        ),
    ],
    ids=["same-share", "other-share", "other-maximum", "other-decision-maker", "no-project", "no-share"],
)
def test_each_figure_of_a_hand_written_proposal_is_checked(tmp_path, replacements, problem):
    proposal = HAND_WRITTEN
    for old, new in replacements.items():
        assert old in proposal, old
        proposal = proposal.replace(old, new)
    root = _project_with(tmp_path, _spin_with_proposal(proposal))
    from casebook.domain.case_file import load_case

    problems = [
        f"{p.field}: {p.message}"
        for p in proposal_problems(load_case(root / "data" / "cases" / "rjh-2025-spin.yaml", as_of=as_of_date()))
    ]
    if problem is None:
        assert problems == []
    else:
        assert problems[0].startswith(problem), problems
        assert all(
            p.endswith("Rätta förslaget, eller ta bort decision.proposal så skrivs förslaget från siffrorna.")
            for p in problems
        )


# --- Column widths ---------------------------------------------------------------------------


def test_every_column_is_as_wide_as_its_longest_word_and_the_table_fills_the_text_width(spin_memo):
    tables = [b for s in (*spin_memo.sections, spin_memo.annex) for b in s.blocks if isinstance(b, Table)]
    assert len(tables) >= 5
    for table in tables:
        widths = column_widths(table)
        assert sum(widths) == pytest.approx(memo_module.TEXT_WIDTH_CM, abs=0.05)
        least = [
            CHARACTER_CM * max(len(word) for cell in column for word in cell.split(" ")) + CELL_PADDING_CM
            for column in zip(table.header, *table.texts(), strict=True)
        ]
        assert sum(least) <= memo_module.TEXT_WIDTH_CM, table.caption  # SPIN's longest words all fit
        for width, at_least in zip(widths, least, strict=True):
            assert width >= at_least - 0.01, table.caption
    plan = next(t for t in tables if t.header[0] == "Finansiär")
    finansiar, slag, belopp, andel, bekraftad = column_widths(plan)
    assert finansiar >= CHARACTER_CM * len("Västernorrland") + CELL_PADDING_CM  # never "Västernorrlan|d"
    assert len({round(w, 1) for w in column_widths(plan)}) > 1  # not equal widths


# --- Word document ----------------------------------------------------------------------------


def test_docx_is_a4_with_the_margins_page_numbers_and_the_case_reference(spin_docx):
    document = Document(io.BytesIO(spin_docx))
    (page,) = document.sections
    # Word stores lengths in twentieths of a point: within a twip of the centimetres.
    assert (page.page_width.cm, page.page_height.cm) == (pytest.approx(21.0, abs=0.002), pytest.approx(29.7, abs=0.002))
    margins = (page.left_margin.cm, page.right_margin.cm, page.top_margin.cm, page.bottom_margin.cm)
    assert margins == pytest.approx((2.5, 2.0, 2.5, 2.0), abs=0.002)
    assert page.header.paragraphs[0].text == "Region Jämtland Härjedalen\tTjänsteskrivelse\tÄrende rjh-2025-spin"
    footer = page.footer.paragraphs[0]._p
    fields = [f.get(qn("w:instr")).strip() for f in footer.iter(qn("w:fldSimple"))]
    assert fields == ["PAGE", "NUMPAGES"]
    words = "".join(t.text for t in footer.iter(qn("w:t")))
    assert words == "Sida 1 av 1"  # the fields' placeholders, replaced by Word and LibreOffice when laid out


def test_docx_holds_the_spin_figures_and_the_annex(spin_docx):
    text = docx_text(spin_docx)
    for figure in (SPIN_TOTAL, SPIN_SHARE, SPIN_MAX):
        assert figure in text
    annex = text.split(ANNEX_TITLE)[1]
    assert f"Maxbeloppet {SPIN_MAX} är högre än det sökta beloppet {SPIN_APPLIED}" in annex
    assert "6 § förordning (2003:596)" in annex


def test_docx_uses_swedish_styles_and_keeps_headings_and_captions_with_what_follows(spin_docx):
    document = Document(io.BytesIO(spin_docx))
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:lang")).get(qn("w:val")) == "sv-SE"
    assert document.core_properties.language == "sv-SE"
    settings = document.settings.element
    assert settings.find(qn("w:defaultTabStop")).getnext().tag == qn("w:autoHyphenation")  # where the schema puts it
    assert settings.find(qn("w:themeFontLang")).get(qn("w:val")) == "sv-SE"
    assert settings.find(qn("w:decimalSymbol")).get(qn("w:val")) == ","
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "Ärendebeskrivning",
        "Legala förutsättningar för stöd",
        "Beslutsmotivering",
        "Sammanfattande bedömning av ansökan",
        "Uppföljning, utvärdering och rapportering",
        "Förslag till beslut",
        ANNEX_TITLE,
    ]
    for name in ("Title", "Heading 1", "Heading 2", "Caption"):
        assert document.styles[name].paragraph_format.keep_with_next is True, name
    captions = [p for p in document.paragraphs if p.style.name == "Caption"]
    assert captions and all(p.paragraph_format.keep_with_next for p in captions)
    amount_cells = [
        cell.paragraphs[0]
        for table in document.tables
        for row in table.rows
        for cell in row.cells
        if cell.text == SPIN_TOTAL
    ]
    assert amount_cells and all(p.style.name == "Belopp" for p in amount_cells)
    assert document.styles["Belopp"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT


def test_docx_keeps_the_proposal_and_the_signature_block_together(spin_docx):
    paragraphs = Document(io.BytesIO(spin_docx)).paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.text == "Förslag till beslut")
    end = next(i for i, p in enumerate(paragraphs) if p.text == "Utdrag till")
    block = paragraphs[start:end]
    assert [p.text for p in block[-3:]] == [
        "I tjänsten",
        "Sara Lewerentz\nRegiondirektör",
        "Lena Persson\nOmrådeschef Hållbar tillväxt",
    ]
    assert all(p.paragraph_format.keep_with_next or p.style.name == "Heading 1" for p in block[:-1])
    assert all(p.paragraph_format.keep_together for p in block[-2:])


def test_docx_narrative_is_laid_out_as_text_with_its_emphasis_and_lists(tmp_path):
    text = SPIN_PATH.read_text(encoding="utf-8").replace(
        "  aims: |-\n",
        "  aims: |-\n    Ett *viktigt* mål och **#pagebreak() {{ x }} $y$**.\n\n    3. tredje\n    4. fjärde\n\n",
    )
    evaluated = evaluate_case(
        _project_with(tmp_path, text) / "data" / "cases" / "rjh-2025-spin.yaml", as_of=as_of_date()
    )
    memo = build_memo(evaluated)
    document = Document(io.BytesIO(render_docx(memo, CREATED)))
    paragraph = next(p for p in document.paragraphs if p.text.startswith("Ett viktigt mål"))
    assert paragraph.text == "Ett viktigt mål och #pagebreak() {{ x }} $y$."
    assert [(r.text, bool(r.italic), bool(r.bold)) for r in paragraph.runs] == [
        ("Ett ", False, False),
        ("viktigt", True, False),
        (" mål och ", False, False),
        ("#pagebreak() {{ x }} $y$", False, True),
        (".", False, False),
    ]
    numbered = [p.text for p in document.paragraphs if p.text.endswith(("tredje", "fjärde"))]
    assert numbered == ["3.\ttredje", "4.\tfjärde"]  # numbered as written, not continuing another list
    pdf = pdf_text(render_pdf(memo, evaluated.source.read_bytes(), CREATED))
    assert "Ett viktigt mål och #pagebreak() {{ x }} $y$." in pdf and "3. tredje 4. fjärde" in pdf


def test_docx_properties_name_the_publisher_and_the_title_and_no_template_is_left(spin_docx):
    properties = Document(io.BytesIO(spin_docx)).core_properties
    assert (properties.title, properties.author, properties.last_modified_by) == (
        "Medfinansiering till projekt SPIN – Strategisk Planering i Norr",
        PUBLISHER,
        PUBLISHER,
    )
    assert properties.subject == "Tjänsteskrivelse: Medfinansiering till projekt SPIN – Strategisk Planering i Norr"
    assert properties.comments == ""
    with zipfile.ZipFile(io.BytesIO(spin_docx)) as archive:
        names = archive.namelist()
        assert not [n for n in names if n.startswith(("customXml/", "docProps/thumbnail"))]
        assert archive.read("docProps/app.xml").decode().endswith(f"<Company>{PUBLISHER}</Company></Properties>")
        package = b"".join(archive.read(name) for name in names)
    for residue in (b"python-docx", b"Microsoft Macintosh Word", b"thumbnail", b"customXml", b"casebook"):
        assert residue not in package, residue
    Document(io.BytesIO(spin_docx))  # and it still opens


def test_docx_tables_have_fixed_columns_fitted_to_their_content(spin_docx, spin_memo):
    document = Document(io.BytesIO(spin_docx))
    plan = next(t for t in document.tables if t.rows[0].cells[0].text == "Finansiär")
    assert plan._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    expected = column_widths(next(b for b in section(spin_memo, "Ärendebeskrivning").blocks if isinstance(b, Table)))
    assert [round(c.width.cm, 2) for c in plan.rows[1].cells] == pytest.approx(list(expected), abs=0.01)


def test_docx_is_deterministic_and_dated_from_the_given_time(spin_memo, spin_docx):
    assert render_docx(spin_memo, CREATED) == spin_docx
    with zipfile.ZipFile(io.BytesIO(spin_docx)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2025, 11, 30, 0, 0, 0)}
    properties = Document(io.BytesIO(spin_docx)).core_properties
    assert properties.created.replace(tzinfo=dt.UTC) == CREATED
    assert properties.modified.replace(tzinfo=dt.UTC) == CREATED


# --- PDF/A -----------------------------------------------------------------------------------


def test_pdf_holds_the_spin_figures(spin_pdf):
    text = pdf_text(spin_pdf)
    for figure in ("6 200 285 kr", "12,10 %", "750 000 kr"):
        assert figure.replace(" ", NBSP) in text
    annex = text.split(ANNEX_TITLE)[-1]
    assert f"Maxbeloppet {SPIN_MAX} är högre än det sökta beloppet {SPIN_APPLIED}" in annex
    assert "6 § förordning (2003:596)" in annex


def test_pdf_is_a4_with_page_numbers_and_the_case_reference_on_every_page(spin_pdf):
    reader = PdfReader(io.BytesIO(spin_pdf))
    pages = pdf_pages(spin_pdf)
    assert {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages} == {(595, 842)}
    for number, text in enumerate(pages, start=1):
        assert f"Sida {number} av {len(pages)}" in text
        assert text.startswith("Region Jämtland Härjedalen Tjänsteskrivelse Ärende rjh-2025-spin")


@pytest.mark.parametrize("added_sentences", [0, 8, 16, 24])
def test_pdf_keeps_the_proposal_and_the_signatures_on_one_page(tmp_path, added_sentences):
    """Longer text before it moves the proposal down the page, until it would otherwise break."""
    added = "".join(
        f"    Mening {i} som gör bedömningen längre än i källan, för att flytta förslaget.\n"
        for i in range(added_sentences)
    )
    text = SPIN_PATH.read_text(encoding="utf-8").replace(
        "  recommendation: bifall", "  summary_assessment: |-\n    Bedömning.\n" + added + "  recommendation: bifall"
    )
    path = _project_with(tmp_path, text) / "data" / "cases" / "rjh-2025-spin.yaml"
    pdf = render_pdf(build_memo(evaluate_case(path, as_of=as_of_date())), path.read_bytes(), CREATED)
    (page,) = [re.sub(r"\s+", " ", text) for text in pdf_pages(pdf) if "I tjänsten" in text]
    for words in ("Förslag till beslut", "dock max 750", "gäller för projektet.", "Sara Lewerentz", "Lena Persson"):
        assert words in page


def test_pdf_identifies_itself_as_pdf_a_3a_and_pdf_ua_1(spin_pdf):
    xmp = PdfReader(io.BytesIO(spin_pdf)).xmp_metadata.stream.get_data().decode("utf-8")
    assert re.search(r"<pdfaid:part>3</pdfaid:part>", xmp)
    assert re.search(r"<pdfaid:conformance>A</pdfaid:conformance>", xmp)
    assert re.search(r"<pdfuaid:part>1</pdfuaid:part>", xmp)
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
    assert reader.metadata.title == "Medfinansiering till projekt SPIN – Strategisk Planering i Norr"
    assert reader.metadata.author == PUBLISHER
    roles = structure_roles(reader)
    assert roles.count("/H1") == 1 and roles.count("/H2") == 7  # title; six sections and the annex
    assert "/Table" in roles and "/L" in roles
    fonts = [font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()]
    descriptors = [d.get_object()["/FontDescriptor"] for f in fonts for d in f.get("/DescendantFonts", [f])]
    assert descriptors and all({"/FontFile2", "/FontFile3"} & set(d.keys()) for d in descriptors)
    assert all("LibertinusSerif" in str(d["/FontName"]) for d in descriptors)


def structure_roles(reader: PdfReader) -> list[str]:
    """The roles of the PDF's structure tree (the tagged reading order), depth first."""
    roles = []

    def walk(node) -> None:
        node = node.get_object()
        if hasattr(node, "get") and "/S" in node:
            roles.append(str(node["/S"]))
        kids = node.get("/K") if hasattr(node, "get") else None
        for kid in kids if isinstance(kids, list) else ([kids] if kids is not None else []):
            if hasattr(kid.get_object(), "get"):
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return roles


def test_pdf_is_typsts_document_with_its_objects_packed_into_about_half_the_bytes(spin_memo, spin_pdf, monkeypatch):
    monkeypatch.setattr(typst_pdf, "pack_objects", lambda pdf: pdf)
    unpacked = render_pdf(spin_memo, SPIN_PATH.read_bytes(), CREATED)
    # Typst writes each structure element as a plain object; packed, none is left in the open.
    assert b"/StructElem" in unpacked and b"/StructElem" not in spin_pdf
    assert len(spin_pdf) < 0.6 * len(unpacked)
    typst_made, published = PdfReader(io.BytesIO(unpacked)), PdfReader(io.BytesIO(spin_pdf))
    assert pdf_text(spin_pdf) == pdf_text(unpacked)
    assert structure_roles(published) == structure_roles(typst_made)
    assert published.xmp_metadata.stream.get_data() == typst_made.xmp_metadata.stream.get_data()
    assert published.metadata == typst_made.metadata
    assert published.attachments == typst_made.attachments
    assert published.trailer["/ID"][0] == typst_made.trailer["/ID"][0]
    assert published.pdf_header == typst_made.pdf_header == "%PDF-1.7"
    # PDF/A: the XMP metadata stream stays unfiltered (ISO 19005), packing or not.
    with pikepdf.open(io.BytesIO(spin_pdf)) as packed:
        assert "/Filter" not in packed.Root.Metadata.stream_dict


def test_the_creation_moment_is_read_back_from_the_packed_pdf_and_a_damaged_one_gives_none(spin_pdf):
    assert typst_pdf.creation_moment(spin_pdf) == CREATED
    assert typst_pdf.creation_moment(spin_pdf[: len(spin_pdf) // 2]) is None
    assert typst_pdf.creation_moment(b"%PDF-1.7 inte en pdf") is None


def test_pdf_is_byte_identical_for_the_same_inputs(spin_memo, spin_pdf):
    assert render_pdf(spin_memo, SPIN_PATH.read_bytes(), CREATED) == spin_pdf
    later = render_pdf(spin_memo, SPIN_PATH.read_bytes(), CREATED + dt.timedelta(days=1))
    assert later != spin_pdf  # the date is really taken from the given time


def test_hostile_case_text_is_printed_literally():
    evaluated = evaluate_case(HOSTILE, REFERENCE_DIR, as_of=as_of_date())
    pdf = render_pdf(build_memo(evaluated), HOSTILE.read_bytes(), CREATED)
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == "Medfinansiering till projekt " + evaluated.case.title
    text = pdf_text(pdf)
    for literal in (
        "{{ ersattning }} |sub| **fet**",
        "```{raw} html",
        "{{ villkor }}",
        "<script>window.__pwned = 'assessment'</script>",
    ):
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
    evaluated = evaluate_case(case_path, as_of=as_of_date())
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
    assert sorted(p.name for p in out.iterdir()) == [
        "rjh-2025-spin.docx",
        "rjh-2025-spin.memo-key",
        "rjh-2025-spin.pdf",
    ]
    assert SPIN_TOTAL in pdf_text((out / "rjh-2025-spin.pdf").read_bytes())
    assert "Beslutsunderlaget för rjh-2025-spin har skrivits: _build/memo/rjh-2025-spin.docx" in capsys.readouterr().err
    assert main(["--root", str(project), "memo", "rjh-2025-spin"]) == 0
    assert "Beslutsunderlaget för rjh-2025-spin är oförändrat (inga indata har ändrats): " in capsys.readouterr().err


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
        # Refused by the same validation as `casebook check`, before anything is written.
        ('"SPIN \\x0b slut"', "title (rad 6): tecknet U+000B (tecken 6) är inte tillåtet: ett styrtecken"),
        ('"SPIN \\U0001F680"', "title (rad 6): tecknet U+1F680 (tecken 6) är inte tillåtet: ett tecken som typsnitten"),
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
    written = write_memo(
        evaluate_case(project / "data" / "cases" / "rjh-2025-spin.yaml", as_of=as_of_date()), project / "memo"
    )
    with zipfile.ZipFile(written.docx) as archive:
        parts = b"".join(archive.read(name) for name in archive.namelist())
    reader = PdfReader(written.pdf)
    pdf = pdf_text(written.pdf.read_bytes()) + str(reader.metadata) + str(reader.xmp_metadata.stream.get_data())
    for machine_path in (str(project), str(REPO)):
        assert machine_path.encode() not in parts
        assert machine_path not in pdf
    assert "casebook" not in pdf_text(written.pdf.read_bytes()) and "rjh-2025-spin.yaml" not in pdf_text(
        written.pdf.read_bytes()
    )


def test_memo_is_regenerated_only_when_an_input_changes(project, monkeypatch):
    case_path = project / "data" / "cases" / "rjh-2025-spin.yaml"
    out = project / "memo"
    first = write_memo(evaluate_case(case_path, as_of=as_of_date()), out)
    assert first.regenerated
    assert not write_memo(evaluate_case(case_path, as_of=as_of_date()), out).regenerated

    case_path.write_text(case_path.read_text(encoding="utf-8") + "\n# en kommentar\n", encoding="utf-8")
    assert write_memo(evaluate_case(case_path, as_of=as_of_date()), out).regenerated
    attached = PdfReader(out / "rjh-2025-spin.pdf").attachments["rjh-2025-spin.yaml"][0]
    assert attached == case_path.read_bytes()

    (project / "data" / "reference" / "regional_actors.yaml").open("a", encoding="utf-8").write("\n# ändrad\n")
    assert write_memo(evaluate_case(case_path, as_of=as_of_date()), out).regenerated

    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH + 86400))
    assert write_memo(evaluate_case(case_path, as_of=as_of_date()), out).regenerated

    # The site's memo (PDF only) and the officer's (with the Word draft) are different entries.
    without_draft = write_memo(evaluate_case(case_path, as_of=as_of_date()), out, draft=False)
    assert without_draft.regenerated and without_draft.docx is None
    with_draft = write_memo(evaluate_case(case_path, as_of=as_of_date()), out)
    assert with_draft.regenerated and with_draft.docx == out / "rjh-2025-spin.docx"
    assert not write_memo(evaluate_case(case_path, as_of=as_of_date()), out).regenerated


def test_memo_key_covers_the_template_and_the_renderer_versions(project, tmp_path, monkeypatch):
    evaluated = evaluate_case(project / "data" / "cases" / "rjh-2025-spin.yaml", as_of=as_of_date())
    reference = project / "data" / "reference"

    def key(package_dir=None):
        shared = documents.shared_inputs(reference, documents.memo_renderers(draft=True), package_dir)
        return documents.memo_inputs(evaluated, CREATED, shared).key()

    package = shutil.copytree(
        installed_package_dir(), tmp_path / "casebook", ignore=shutil.ignore_patterns("__pycache__")
    )
    assert key(package) == key()  # the package's files are named within the package, not by where it lies
    (package / "render" / "templates" / "memo.typ").open("a", encoding="utf-8").write("\n// ändrad\n")
    assert key(package) != key()
    original = key()
    monkeypatch.setattr(artifacts.metadata, "version", lambda name: "0.0.0")
    assert key() != original


def test_the_memo_and_report_keys_cover_the_code_they_run_not_the_pages_or_the_builds(project, tmp_path):
    evaluated = evaluate_case(project / "data" / "cases" / "rjh-2025-spin.yaml", as_of=as_of_date())
    reference = project / "data" / "reference"
    package = shutil.copytree(
        installed_package_dir(), tmp_path / "casebook", ignore=shutil.ignore_patterns("__pycache__")
    )

    def keys() -> tuple[str, str]:
        memo = documents.shared_inputs(reference, documents.memo_renderers(draft=False), package)
        report = documents.shared_inputs(reference, documents.REPORT_RENDERERS, package)
        return (
            documents.memo_inputs(evaluated, CREATED, memo, draft=False).key(),
            documents.report_inputs(evaluated, None, CREATED, report).key(),
        )

    before = keys()
    for module in ("render/portfolio.py", "engine/build.py", "engine/site.py", "engine/search_parts.js"):
        (package / module).open("a", encoding="utf-8").write("\n# ändrad\n")
        assert keys() == before, module
    for module in ("render/memo.py", "render/report_pdf.py", "domain/finance.py", "render/templates/memo.typ"):
        (package / module).open("a", encoding="utf-8").write("\n# ändrad\n")
        after = keys()
        assert after[0] != before[0] and after[1] != before[1], module  # each renderer is imported by documents
        before = after


@pytest.mark.parametrize("changed", ["typst", "pikepdf", "libqpdf"])
def test_the_site_memos_key_covers_what_writes_and_packs_the_pdf_but_not_python_docx(project, monkeypatch, changed):
    evaluated = evaluate_case(project / "data" / "cases" / "rjh-2025-spin.yaml", as_of=as_of_date())
    reference = project / "data" / "reference"

    def key(draft: bool) -> str:
        shared = documents.shared_inputs(reference, documents.memo_renderers(draft))
        return documents.memo_inputs(evaluated, CREATED, shared, draft).key()

    before = key(False), key(True)
    real_version = artifacts.metadata.version
    monkeypatch.setattr(
        artifacts.metadata, "version", lambda name: "0.0.0" if name == "python-docx" else real_version(name)
    )
    assert key(False) == before[0] and key(True) != before[1]  # a new python-docx changes only the officer's memo
    if changed == "libqpdf":
        monkeypatch.setattr(documents.pikepdf, "__libqpdf_version__", "0.0.0")
    else:
        monkeypatch.setattr(
            artifacts.metadata, "version", lambda name: "0.0.0" if name == changed else real_version(name)
        )
    assert key(False) != before[0]


def test_packing_the_same_pdf_twice_gives_the_same_bytes_a_second_apart(spin_pdf):
    # qpdf's own file identifier would be seeded with the time; the packed file's is its content's.
    first = typst_pdf.pack_objects(spin_pdf)
    time.sleep(1.1)
    assert typst_pdf.pack_objects(spin_pdf) == first


def test_write_memos_copies_cached_memos_into_the_site(project):
    evaluated = [evaluate_case(project / "data" / "cases" / "rjh-2025-spin.yaml", as_of=as_of_date())]
    site, cache_dir = project / "site" / "memo", project / "cache"
    written = documents.write_memos(site, evaluated, cache_dir=cache_dir)
    assert [w.regenerated for w in written] == [True]
    assert sorted(p.name for p in site.iterdir()) == ["rjh-2025-spin.pdf"]  # no Word draft on the site
    assert (site / "rjh-2025-spin.pdf").read_bytes() == (cache_dir / "rjh-2025-spin.pdf").read_bytes()
    assert [w.regenerated for w in documents.write_memos(site, evaluated, cache_dir=cache_dir)] == [False]
    (cache_dir / "borttaget-arende.pdf").write_bytes(b"%PDF")  # the memo of a case since removed
    documents.write_memos(project / "site2", evaluated, cache_dir=cache_dir)
    assert sorted(p.name for p in cache_dir.iterdir()) == [
        "rjh-2025-spin.memo-key",
        "rjh-2025-spin.pdf",
    ]


@pytest.mark.e2e
def test_site_build_publishes_each_cases_memo(reference_project):
    root = reference_project  # SPIN, built by the session at REFERENCE_EPOCH
    assert int(REFERENCE_EPOCH) == EPOCH
    published = root / "_build" / "html" / "memo"
    assert sorted(p.name for p in published.iterdir()) == ["rjh-2025-spin.pdf"]
    page = root / "_build" / "html" / "book" / "cases" / "rjh-2025-spin.html"
    links = {a["href"] for a in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select("main a[href]")}
    assert "../../memo/rjh-2025-spin.pdf" in links  # the download on the case page
    assert not any(href.startswith("../../memo/") and href.endswith(".docx") for href in links)  # the officer's
    assert (page.parent / "../../memo/rjh-2025-spin.pdf").resolve().is_file()
    pdf = (published / "rjh-2025-spin.pdf").read_bytes()
    case_file = root / "data" / "cases" / "rjh-2025-spin.yaml"
    assert pdf == render_pdf(build_memo(evaluate_case(case_file, as_of=as_of_date())), case_file.read_bytes(), CREATED)


def test_a_title_and_reference_longer_than_words_property_limit_are_shortened_only_in_the_properties(spin_memo):
    title, reference = "Projekt " + "långt namn " * 45, "Dnr " + "RUN/2017/" * 55
    assert len(title) > 255 and len(reference) > 255  # as long as a case file allows
    docx = render_docx(dataclasses.replace(spin_memo, title=title, reference=reference), CREATED)
    document = Document(io.BytesIO(docx))
    properties = document.core_properties
    assert len(properties.title) == len(properties.keywords) == len(properties.subject) == 255
    assert properties.title == title[:254].rstrip() + "…" and properties.keywords.startswith("Dnr RUN/2017/")
    assert title.strip() in "\n".join(p.text for p in document.paragraphs)  # the document itself keeps it whole


def test_a_long_financing_table_runs_over_pages_with_its_header_figures_right_aligned_and_the_sum_in_bold(tmp_path):
    evaluated = evaluate_case(case_with_many_lines(tmp_path, 300), REFERENCE_DIR, as_of=as_of_date())
    spans = pdf_spans(render_pdf(build_memo(evaluated), evaluated.source.read_bytes(), CREATED))
    fictional = {s.financier for s in evaluated.figures.shares if s.financier.startswith("Fiktiv finansiär")}
    lines = [(page, font) for page, text, _, font in spans if text in fictional]  # the table's cells, not the prose
    assert len(lines) == len(fictional) > 250 and all("Regular" in font for _, font in lines)
    pages = sorted({page for page, _ in lines})
    assert len(pages) >= 5
    assert set(pages) <= {page for page, text, _, font in spans if text == "Slag av medel" and "Bold" in font}
    # The total: in the sum row, in bold; then in the table of the support's amounts, not.
    assert [
        "Bold" in font
        for page, text, _, font in spans
        if text == fmt.kronor(evaluated.figures.total_financing) and page >= pages[-1]
    ] == [True, False]
    assert [text for _, text, _, font in spans if text == "Summa"] == ["Summa"]
    assert all("Bold" in font for _, text, _, font in spans if text == "Summa")
    amount = re.compile("[0-9][0-9\N{NO-BREAK SPACE}]*\N{NO-BREAK SPACE}kr")
    starts = {(len(text), round(x, 1)) for page, text, x, _ in spans if page == pages[2] and amount.fullmatch(text)}
    assert len({length for length, _ in starts}) >= 2 and len(starts) == len({length for length, _ in starts})
    xs = [x for _, x in sorted(starts)]
    assert all(shorter > longer for shorter, longer in zip(xs, xs[1:], strict=False))  # right-aligned
