"""``casebook new <id>``: a blank case file to fill in, with Swedish guidance for every field.

The file has every field and every section of the memo, each blank (``null`` or an empty
list) unless one value fits every case under the ordinance (the rule set, the state
appropriation, a proposal not yet decided). It holds nothing from another case: copying a
real case was the only way to start, and copied wording could outlive the figures it was
written for. ``casebook check`` then names each field still to fill in and each section of
the memo still to write.
"""

from __future__ import annotations

import re
from pathlib import Path

from casebook.domain.errors import UserError
from casebook.domain.model import CASE_ID_PATTERN, SCHEMA_VERSION
from casebook.engine.paths import CASE_SUFFIX, ProjectPaths

TEMPLATE = """\
# Ärendefil för {case_id}. Fyll i den från ansökan och beslutsunderlaget (tjänsteskrivelsen).
# Belopp skrivs i hela kronor (400000), andelar i procent med två decimaler (20.00) och datum
# som ÅÅÅÅ-MM-DD. Ett fält som är null ska fyllas i, eller stå kvar som null där det är tillåtet;
# `casebook check` säger vad som återstår. Fälten beskrivs på webbplatsens sida
# Ärendefilens format.
schema_version: {schema_version}
id: {case_id}
# Projektets namn, som i ansökan.
title: null
# Diarienummer; null tills ärendet har ett.
reference: null
# En eller två meningar om projektet, för ärendelistan och ärendets sida.
summary: null

# --- Parterna -----------------------------------------------------------------------------
# Beslutsfattaren: den region eller myndighet som beslutar om bidraget.
decision_maker:
  name: null
  organisation_number: null  # NNNNNN-NNNN, eller null
# Sökanden, som också är projektägare.
applicant:
  name: null
  organisation_number: null
# Samverkansparterna, en rad per part:  - name: ...
partners: []
# Länsstyrelser och nationella myndigheter som involveras i projektet.
involved_agencies: []
# Regeluppsättningarna ärendet prövas mot: förordning (2003:596), och utlysningen
# (utlysning-strategisk-planering-2025) när ärendet hör till den.
rule_sets:
  - forordning-2003-596

# --- Datum ----------------------------------------------------------------------------------
dates:
  application_received: null  # dagen ansökan kom in
  project_start: null
  project_end: null
  final_report_due: null  # sista dag för slutrapporten, eller null
  decision: null  # beslutsdatum; null så länge ärendet är ett förslag till beslut

# --- Belopp och finansieringsplan -------------------------------------------------------------
amount_applied_for: null  # sökt belopp
total_costs: null  # projektets totala kostnader, eller null om underlaget bara ger finansieringen
# En rad per finansiär, i underlagets ordning; beslutsfattaren ska ha exakt en rad, med samma
# namn som decision_maker. Slag av medel (kind): national_grant_2003_596, regional_grant_2003_596,
# regional_public, own_funds, other_public, eu_funds eller private. confirmed: true när
# finansieringen är bekräftad. note: en kort anmärkning, eller utelämnad.
financing_plan:
  - financier: null
    kind: regional_grant_2003_596
    amount: null
    confirmed: false

# --- Förslaget till beslut ----------------------------------------------------------------------
decision:
  share_percent: null  # andel av redovisade och godkända kostnader, t.ex. 20.00
  max_amount: null  # högsta belopp ("dock max"), hela kronor
  appropriation: Anslag 1:1 Regionala utvecklingsåtgärder  # anslaget som bidraget betalas från
  general_terms: null  # de allmänna villkor som gäller, med deras diarienummer
  conditional_on_other_financing: null  # true om beslutet gäller under förutsättning att övrig finansiering ordnas
  advance: null  # förskott: amount (hela kronor) och special_reasons (de särskilda skälen), eller null
  # Förslagets punkter skrivs från siffrorna ovan, med beslutsunderlagets formuleringar. Skriv egna
  # punkter (proposal: en lista) bara om de behövs; check godtar dem bara om de anger samma andel,
  # maxbelopp, beslutsfattare och projekt som fälten ovan.
# Förslag till beslut tills beslutet är fattat; se sidan Ärendefilens format för beviljade och
# avslagna ärenden.
status:
  state: proposal

# --- Handläggarens bedömningar (regelkontrollerna läser dem) -------------------------------------
# En post per bedömning: topic (separation_from_operations, state_aid, regional_strategy,
# operating_support, business_support_measures eller cost_effectiveness), met (true eller false),
# text (bedömningen med beslutsunderlagets ord), assessed_by (vem som bedömde).
assessments: []

# --- Uppföljning och underskrift -------------------------------------------------------------------
# Indikatorer:  - {{name: ..., target: ..., unit: stycken, kind: Nationell indikator}}
indicators: []
# Undertecknare, i underlagets ordning:  - {{name: ..., title: ...}}
signatories: []

# --- Källdokumentet ------------------------------------------------------------------------------
source_document:
  title: null  # beslutsunderlagets titel
  file: null  # filens namn i data/sources/, när dokumentet finns där
  url: null  # eller en adress där det kan läsas
  # Fel i källdokumentet som ärendefilen rättar: source (vad källan skriver), recorded (vad som
  # står här) och reason (varför). Då syns skillnaden på ärendets sida och i beslutsunderlaget.
  corrections: []

# --- Beslutsunderlagets text ---------------------------------------------------------------------
# Varje avsnitt är Markdown: stycken, punktlistor (- ), numrerade listor (1. eller 1)), *kursiv*
# och **fetstil**. Inga rubriker, länkar, bilder, HTML eller kod: rubrikerna skriver
# beslutsunderlaget självt. Skriv flera rader med |- och indrag, så här:
#   description: |-
#     Första stycket.
#
#     Andra stycket.
narrative:
  # Ärendebeskrivning. Meningarna om vem som sökte, när, hur mycket, projekttiden och den övriga
  # finansieringen skrivs från siffrorna; här skrivs bakgrunden.
  description: null
  # Ärendebeskrivning: projektets syfte och mål.
  aims: null
  # Ärendebeskrivning: förväntade resultat på kort sikt.
  expected_results_short_term: null
  # Ärendebeskrivning: förväntade resultat på lång sikt.
  expected_results_long_term: null
  # Beslutsmotivering i tre delar: Legal, Ekonomisk och Strategisk.
  motivation:
    legal: null
    economic: null
    strategic: null
  # Beslutsmotivering: det strategiska sammanhanget (ett uppdrag från regeringen, en utlysning),
  # efter den strategiska delen; eller null.
  strategic_context: null
  # Sammanfattande bedömning av ansökan (eller null), och rekommendationen: bifall, avslag eller
  # delvis_bifall. Meningen "Utifrån ovan sammanvägda bedömning föreslår vi … på ansökan." skrivs
  # från rekommendationen.
  summary_assessment: null
  recommendation: null
  # Vad som finns bilagt i ärendet, t.ex. ansökan.
  attachments: null
  # Utdrag till: vem som får en kopia av beslutet; en tom lista betyder sökanden.
  copy_to: []
"""


def new_case(paths: ProjectPaths, case_id: str) -> Path:
    """Write the blank case file of ``case_id``; a :class:`UserError` in Swedish when the id is
    not valid or the file (or another file with that id) already exists."""
    if not re.fullmatch(CASE_ID_PATTERN, case_id):
        raise UserError(
            f"Ogiltigt ärende-id '{case_id}': ett id består av små bokstäver a–z, siffror och bindestreck "
            "(högst 64 tecken) och börjar med en bokstav eller siffra, t.ex. region-2026-projekt."
        )
    path = paths.cases_dir / f"{case_id}{CASE_SUFFIX}"
    if path.exists() or path.is_symlink():
        raise UserError(
            f"{paths.relative(path)} finns redan; ingenting skrevs. Välj ett annat id eller redigera filen."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite a file made meanwhile
        handle.write(TEMPLATE.format(case_id=case_id, schema_version=SCHEMA_VERSION))
    return path
