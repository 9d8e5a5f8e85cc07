"""Compliance rules: each with its legal source, the wording it implements, and a check.

A rule turns a case (and its computed figures) into one outcome with evidence in Swedish.
Rules are grouped in rule sets; a case names the rule sets that apply to it. What a rule is
lives in :mod:`.framework`; the rules themselves in :mod:`.ordinance` (förordning 2003:596),
:mod:`.call` (the call for strategic planning) and :mod:`.follow_up` (payments, the final
report, indicator outcomes); this module holds the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from casebook.domain.model import Case, RuleSetId
from casebook.domain.rules import call, follow_up, ordinance
from casebook.domain.rules.framework import (
    LAW_TEXT_URL,
    ORDINANCE,
    WORDING_UNVERIFIED,
    CaseContext,
    Finding,
    Outcome,
    Rule,
    RuleKind,
    RuleResult,
    law_url,
)

__all__ = [
    "LAW_TEXT_URL",
    "ORDINANCE",
    "RULES",
    "WORDING_UNVERIFIED",
    "CaseContext",
    "Finding",
    "Outcome",
    "Rule",
    "RuleKind",
    "RuleResult",
    "applicable_rule_sets",
    "evaluate",
    "first_sentence",
    "law_url",
    "rule_by_id",
    "rules_for",
]

RULES: list[Rule] = [*ordinance.RULES, *call.RULES, *follow_up.RULES]
"""The catalogue, in the order pages and open data list the rules: the ordinance's, the call's, then the follow-up's."""


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9\"])")


def first_sentence(text: str) -> str:
    """The first sentence of an evidence text (sentences end with . ! or ? before a capital)."""
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def rules_for(rule_sets: Iterable[RuleSetId]) -> list[Rule]:
    """The rules of the named rule sets, in catalogue order."""
    wanted = set(rule_sets)
    return [r for r in RULES if r.rule_set in wanted]


def applicable_rule_sets(case: Case) -> list[RuleSetId]:
    """The case's rule sets, and the follow-up rule set when the case records a follow-up."""
    follow_up = (
        [RuleSetId.FOLLOW_UP] if case.follow_up is not None and RuleSetId.FOLLOW_UP not in case.rule_sets else []
    )
    return [*case.rule_sets, *follow_up]


def evaluate(ctx: CaseContext) -> list[RuleResult]:
    """One result per rule of the case's rule sets (see :func:`applicable_rule_sets`)."""
    results = []
    for r in rules_for(applicable_rule_sets(ctx.case)):
        finding = r.check(ctx)
        results.append(RuleResult(r, finding.outcome, finding.evidence))
    return results


def rule_by_id(rule_id: str) -> Rule:
    """The catalogue's rule ``rule_id``; ``LookupError`` when there is none."""
    found = next((r for r in RULES if r.id == rule_id), None)
    if found is None:
        raise LookupError(f"unknown rule {rule_id!r}")
    return found
