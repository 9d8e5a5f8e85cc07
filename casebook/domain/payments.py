"""Payment arithmetic after the decision, exact, and where a case stands in its follow-up.

What the decision-maker pays is worked out from the cumulative approved costs, never per
request, so rounding cannot add up and the result does not depend on how the same costs
are split over requests:

- entitled after request *n* = share × approved costs of requests 1..n, rounded down to
  whole kronor, at most the decided maximum (:func:`casebook.domain.finance.payable`);
- while the final report has not come in, a part of the maximum is withheld where the
  case's general terms say so (``follow_up.terms.withheld_until_final_report_percent`` of
  the maximum, rounded down to whole kronor): the withheld part is paid with the first
  request received on or after the day the final report came in;
- an advance (11 §) is paid first and counted against later payments: request *n* pays
  what it is entitled to beyond everything paid before it, the advance included, never
  less than nothing.

Amounts are whole kronor (``int``); the share is the decided ``Decimal`` percentage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from enum import Enum

from casebook.domain.finance import HUNDRED, payable
from casebook.domain.model import Case, CaseState, PaymentRequest


def withheld_amount(max_amount: int, percent: Decimal | None) -> int:
    """The part of the maximum withheld until the final report, rounded down to whole kronor."""
    if percent is None:
        return 0
    return int((percent * max_amount / HUNDRED).to_integral_value(rounding=ROUND_DOWN))


@dataclass(frozen=True)
class PaymentLine:
    """One reviewed payment request and the computation of what it pays."""

    number: int  # 1-based position in the case file
    request: PaymentRequest
    cumulative_approved: int  # approved costs of this and every earlier request
    by_share_exact: Decimal  # share × cumulative approved costs, unrounded
    entitled: int  # rounded down to whole kronor, at most the maximum
    ceiling: int  # the maximum, less what is withheld until the final report
    paid_before: int  # the advance and every earlier request's payment
    advance_counted: int  # part of the advance that this request's entitlement covers
    payable: int  # what this request pays

    @property
    def limit(self) -> int:
        """What may have been paid in all once this request is paid."""
        return min(self.entitled, self.ceiling)

    @property
    def cumulative_payable(self) -> int:
        return self.paid_before + self.payable

    @property
    def is_paid(self) -> bool:
        return self.request.paid is not None


@dataclass(frozen=True)
class PaymentSchedule:
    """Every reviewed payment request of a case in order, with the totals."""

    share: Decimal
    max_amount: int
    advance: int  # the advance paid, 0 when none
    withheld: int  # withheld until the final report, 0 when the terms say nothing
    lines: tuple[PaymentLine, ...]
    pending: tuple[int, ...]  # 1-based numbers of requests not yet reviewed

    @property
    def approved_total(self) -> int:
        return self.lines[-1].cumulative_approved if self.lines else 0

    @property
    def payable_total(self) -> int:
        """The advance and every reviewed request's payment, paid or not yet."""
        return self.advance + sum(line.payable for line in self.lines)

    @property
    def paid_total(self) -> int:
        """The advance and the payments of requests recorded as paid."""
        return self.advance + sum(line.payable for line in self.lines if line.is_paid)

    @property
    def remaining(self) -> int:
        """What is left of the decided maximum after everything payable."""
        return self.max_amount - self.payable_total

    @property
    def advance_unsettled(self) -> int:
        """The part of the advance that approved costs do not yet cover."""
        entitled = self.lines[-1].entitled if self.lines else 0
        return max(0, self.advance - entitled)

    @property
    def cap_reached(self) -> bool:
        return self.payable_total >= self.max_amount


def schedule(
    requests: list[PaymentRequest] | tuple[PaymentRequest, ...],
    share: Decimal,
    max_amount: int,
    advance: int = 0,
    withheld: int = 0,
    final_report_received: dt.date | None = None,
) -> PaymentSchedule:
    """Compute what each reviewed request pays (see the module docstring for the rules)."""
    if not 0 <= advance <= max_amount:
        raise ValueError("the advance must be between 0 and the maximum amount")
    if not 0 <= withheld <= max_amount:
        raise ValueError("the withheld amount must be between 0 and the maximum amount")
    lines: list[PaymentLine] = []
    pending: list[int] = []
    cumulative, paid_before, settled_before = 0, advance, 0
    for number, request in enumerate(requests, start=1):
        if request.approved_costs is None:
            pending.append(number)
            continue
        cumulative += request.approved_costs
        entitled = payable(cumulative, share, max_amount)
        released = final_report_received is not None and final_report_received <= request.received
        ceiling = max_amount if released else max_amount - withheld
        due = max(0, min(entitled, ceiling) - paid_before)
        settled = min(advance, min(entitled, ceiling))
        lines.append(
            PaymentLine(
                number=number,
                request=request,
                cumulative_approved=cumulative,
                by_share_exact=share * cumulative / HUNDRED,
                entitled=entitled,
                ceiling=ceiling,
                paid_before=paid_before,
                advance_counted=max(0, settled - settled_before),
                payable=due,
            )
        )
        paid_before += due
        settled_before = max(settled_before, settled)
    return PaymentSchedule(share, max_amount, advance, withheld, tuple(lines), tuple(pending))


def case_schedule(case: Case) -> PaymentSchedule | None:
    """The payment schedule of a case with a recorded follow-up, else ``None``."""
    follow_up = case.follow_up
    if follow_up is None:
        return None
    max_amount = case.max_amount_in_force
    advance = case.decision.advance.amount if follow_up.advance is not None and case.decision.advance else 0
    terms = follow_up.terms
    report = follow_up.final_report
    return schedule(
        follow_up.payment_requests,
        case.share_percent_in_force,
        max_amount,
        advance=min(advance, max_amount),
        withheld=withheld_amount(max_amount, terms.withheld_until_final_report_percent if terms else None),
        final_report_received=report.received if report else None,
    )


class Stage(str, Enum):
    """Where a case stands, for its status line and the portfolio."""

    PROPOSAL = "proposal"
    REJECTED = "rejected"
    DECIDED = "decided"
    IN_PROGRESS = "in_progress"
    FINAL_REPORT_DUE = "final_report_due"
    FINAL_REPORT_OVERDUE = "final_report_overdue"
    FINAL_REPORT_RECEIVED = "final_report_received"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS = {
    Stage.PROPOSAL: "Förslag till beslut",
    Stage.REJECTED: "Avslaget",
    Stage.DECIDED: "Beviljat",
    Stage.IN_PROGRESS: "Pågår",
    Stage.FINAL_REPORT_DUE: "Projektet slut, slutrapport väntas",
    Stage.FINAL_REPORT_OVERDUE: "Slutrapporten är försenad",
    Stage.FINAL_REPORT_RECEIVED: "Slutrapport inkommen, ej avslutat",
    Stage.CLOSED: "Avslutat",
}


def stage(case: Case, today: dt.date) -> Stage:
    """Where ``case`` stands on ``today`` (the build date, :func:`casebook.domain.clock.as_of_date`).

    A final report is overdue only when the case records the follow-up, the report has not
    come in and its due date (``dates.final_report_due``) has passed: a case without a
    recorded follow-up is never called late.
    """
    if case.state is CaseState.PROPOSAL:
        return Stage.PROPOSAL
    if case.state is CaseState.REJECTED:
        return Stage.REJECTED
    follow_up = case.follow_up
    if follow_up is None:
        return Stage.DECIDED
    if follow_up.closed is not None:
        return Stage.CLOSED
    report = follow_up.final_report
    if report is not None and report.received is not None:
        return Stage.FINAL_REPORT_RECEIVED
    due = case.dates.final_report_due
    if due is not None and today > due:
        return Stage.FINAL_REPORT_OVERDUE
    if today > case.dates.project_end:
        return Stage.FINAL_REPORT_DUE
    paid = follow_up.advance is not None or any(r.paid is not None for r in follow_up.payment_requests)
    return Stage.IN_PROGRESS if paid else Stage.DECIDED
