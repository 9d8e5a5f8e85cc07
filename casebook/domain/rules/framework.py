"""What a compliance rule is: its outcome, its metadata, the context it reads, and the registry.

The rule modules (:mod:`.ordinance`, :mod:`.call`, :mod:`.follow_up`) build on this module
and register their rules with :func:`rule`; the package (:mod:`casebook.domain.rules`) puts
them in its catalogue.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from casebook.domain.finance import FinancingFigures
from casebook.domain.model import Case, RuleSetId
from casebook.domain.reference import NationalAgency, RegionalActor


class Outcome(str, Enum):
    MET = "Uppfyllt"
    NOT_MET = "Ej uppfyllt"
    # A judgement rule with nothing recorded: not a breach, but the case cannot be relied on
    # until someone records the judgement.
    MISSING_JUDGEMENT = "Bedömning saknas"
    REVIEW = "Avvikelse att granska"
    JUDGEMENT = "Bedömning enligt handläggare"
    NOT_APPLICABLE = "Ej tillämplig"

    @property
    def needs_attention(self) -> bool:
        """Whether a reader must look at this outcome before relying on the case."""
        return self in (Outcome.NOT_MET, Outcome.MISSING_JUDGEMENT, Outcome.REVIEW)


class RuleKind(str, Enum):
    REQUIREMENT = "Krav"
    RECOMMENDATION = "Rekommendation (rådgivande)"
    JUDGEMENT = "Registrerad bedömning"


@dataclass(frozen=True)
class CaseContext:
    """Everything a rule may look at, the day it is judged on included: no rule reads the clock."""

    case: Case
    figures: FinancingFigures
    regional_actors: tuple[RegionalActor, ...]
    national_agencies: tuple[NationalAgency, ...]
    as_of: dt.date  # the build date (casebook.domain.clock.as_of_date, fixed once per build)


@dataclass(frozen=True)
class Finding:
    outcome: Outcome
    evidence: str


@dataclass(frozen=True)
class Rule:
    id: str
    rule_set: RuleSetId
    title: str
    source: str
    wording: str
    requires: str
    kind: RuleKind
    applies_when: str
    check: Callable[[CaseContext], Finding]
    source_url: str | None = None  # the law text, at the paragraph where possible
    law: str | None = None
    """What the law (or the call) itself says, quoted or paraphrased, for documents sent to a
    decision-maker; ``None`` for checks of the case's own figures and dates."""

    def __reduce__(self) -> tuple[Callable[[str, str], Rule], tuple[str, str]]:
        # Pickled as its id and the module that registers it: evaluated cases cross processes
        # (the evaluation cache, the workers that render documents), and a check is a function
        # that need not travel. Only a registered rule comes back as itself, so no other may be
        # pickled.
        module = self.check.__module__
        try:
            registered = registered_rule(module, self.id)
        except LookupError:
            registered = None
        if registered is not self:
            raise pickle.PicklingError(f"rule {self.id!r} is not the registered rule of that id")
        return registered_rule, (module, self.id)


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    outcome: Outcome
    evidence: str

    def as_dict(self) -> dict[str, str | None]:
        return {
            "rule_id": self.rule.id,
            "rule_set": self.rule.rule_set.value,
            "title": self.rule.title,
            "source": self.rule.source,
            "wording": self.rule.wording,
            "kind": self.rule.kind.value,
            "outcome": self.outcome.value,
            "evidence": self.evidence,
            "source_url": self.rule.source_url,
        }


ORDINANCE = "förordning (2003:596)"
"""Short form; the rule catalogue gives the full title: förordning (2003:596) om bidrag för
projektverksamhet inom den regionala utvecklingspolitiken."""
WORDING_UNVERIFIED = (
    "lydelse före SFS 2022:1470; ändringarna från 2023-01-01 är inte verifierade mot författningstexten"
)
LAW_TEXT_URL = "https://lagen.nu/2003:596"
"""The ordinance's consolidated text (lagen.nu, from Regeringskansliets rättsdatabaser); its
paragraphs have the anchors ``#P1``, ``#P2`` …"""


def law_url(paragraph: int) -> str:
    """A link to one paragraph of förordning (2003:596)."""
    return f"{LAW_TEXT_URL}#P{paragraph}"


REGISTERED: list[Rule] = []
"""Every rule registered so far, in the order its module defined it; the catalogue
(:data:`casebook.domain.rules.RULES`) orders them."""


def rules_of(module: str) -> list[Rule]:
    """The rules that ``module`` registered, in the order it defined them."""
    return [r for r in REGISTERED if r.check.__module__ == module]


def registered_rule(module: str, rule_id: str) -> Rule:
    """The rule ``rule_id`` that ``module`` registers (imported if need be); ``LookupError`` if none."""
    importlib.import_module(module)
    found = next((r for r in REGISTERED if r.id == rule_id), None)
    if found is None:
        raise LookupError(f"unknown rule {rule_id!r}")
    return found


def rule(**metadata: Any) -> Callable[[Callable[[CaseContext], Finding]], Callable[[CaseContext], Finding]]:
    """Register a check function as a rule with its metadata."""

    def register(check: Callable[[CaseContext], Finding]) -> Callable[[CaseContext], Finding]:
        REGISTERED.append(Rule(check=check, **metadata))
        return check

    return register
