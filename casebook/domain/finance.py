"""Exact financing-plan arithmetic.

Amounts are whole kronor (``int``). Shares are ``Decimal`` percentages computed with 28
significant digits and never rounded here: rounding happens only where a rule of the
decision says so (the decided share is stated with two decimals) and in ``formatting``.
Comparisons that decide an outcome (such as "at most 50 %") are done in integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from casebook.domain.model import Case, FinancierKind, FinancingLine

HUNDRED = Decimal(100)
DECIDED_SHARE_DECIMALS = Decimal("0.01")
"""Decisions state the share in percent with two decimals ("12,10 procent")."""


def percent(part: int, whole: int) -> Decimal:
    """``part`` as a percentage of ``whole`` (unrounded)."""
    if whole <= 0:
        raise ValueError("the whole must be positive")
    return Decimal(part) * HUNDRED / Decimal(whole)


def round_share(share: Decimal) -> Decimal:
    """Round a percentage the way decisions state it: two decimals, half away from zero."""
    return share.quantize(DECIDED_SHARE_DECIMALS, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class FinancingShare:
    line: FinancingLine
    share: Decimal  # percent of total financing, unrounded

    @property
    def financier(self) -> str:
        return self.line.financier

    @property
    def amount(self) -> int:
        return self.line.amount


@dataclass(frozen=True)
class CapAnalysis:
    """How the decided share and the maximum amount interact."""

    decided_share: Decimal
    max_amount: int
    total: int
    share_of_total: Decimal  # decided share × total, exact
    cap_binds_within_plan: bool  # share × total exceeds the maximum amount
    threshold: Decimal  # approved costs at which share × costs equals the maximum, exact

    @property
    def threshold_kronor(self) -> int:
        """The threshold in whole kronor, rounded down: above it the cap binds."""
        return int(self.threshold.to_integral_value(rounding=ROUND_DOWN))


@dataclass(frozen=True)
class OrdinanceGrants:
    """Grants under förordning (2003:596) in the financing plan, for 5 §."""

    lines: tuple[FinancingShare, ...]
    total_amount: int
    share: Decimal
    other_decision_makers: int


@dataclass(frozen=True)
class FinancingFigures:
    total_financing: int
    project_costs: int  # total costs when stated, otherwise total financing (see method page)
    shares: tuple[FinancingShare, ...]
    own: FinancingShare
    computed_share_rounded: Decimal
    cap: CapAnalysis
    ordinance: OrdinanceGrants
    public_amount: int
    private_amount: int
    unconfirmed: tuple[FinancingLine, ...]

    @property
    def public_share(self) -> Decimal:
        return percent(self.public_amount, self.total_financing)


def payable(approved_costs: int, decided_share: Decimal, max_amount: int) -> int:
    """What the decision-maker pays for reported approved costs.

    Share × costs, rounded down to whole kronor so that it never exceeds the share, and at
    most the maximum amount.
    """
    if approved_costs < 0:
        raise ValueError("approved costs cannot be negative")
    by_share = int((decided_share * approved_costs / HUNDRED).to_integral_value(rounding=ROUND_DOWN))
    return min(by_share, max_amount)


def financing_figures(case: Case) -> FinancingFigures:
    """Compute every figure of the financing plan and decision for one case."""
    total = sum(line.amount for line in case.financing_plan)
    shares = tuple(FinancingShare(line, percent(line.amount, total)) for line in case.financing_plan)
    own_line = case.own_line
    own = next(s for s in shares if s.line is own_line)
    project_costs = case.total_costs or total
    decided, max_amount = case.share_percent_in_force, case.max_amount_in_force
    share_of_total = decided * total / HUNDRED
    cap = CapAnalysis(
        decided_share=decided,
        max_amount=max_amount,
        total=total,
        share_of_total=share_of_total,
        cap_binds_within_plan=share_of_total > max_amount,
        threshold=Decimal(max_amount) * HUNDRED / decided,
    )
    ordinance_lines = tuple(s for s in shares if s.line.kind.is_grant_under_ordinance)
    ordinance_amount = sum(s.amount for s in ordinance_lines)
    ordinance = OrdinanceGrants(
        lines=ordinance_lines,
        total_amount=ordinance_amount,
        share=percent(ordinance_amount, project_costs),
        other_decision_makers=sum(1 for s in ordinance_lines if s.line.kind is FinancierKind.REGIONAL_GRANT_2003_596),
    )
    public_amount = sum(line.amount for line in case.financing_plan if line.kind.is_public)
    return FinancingFigures(
        total_financing=total,
        project_costs=project_costs,
        shares=shares,
        own=own,
        computed_share_rounded=round_share(own.share),
        cap=cap,
        ordinance=ordinance,
        public_amount=public_amount,
        private_amount=total - public_amount,
        unconfirmed=tuple(line for line in case.financing_plan if not line.confirmed and line is not own_line),
    )
