"""The follow-up on a case page: status line, payment requests, cumulative chart, results.

Every function takes an :class:`~casebook.domain.evaluation.EvaluatedCase` and returns
``None`` when the case records no follow-up, so the notebook cell shows nothing at all.
The figures come from :mod:`casebook.domain.payments`; this module only formats them.
"""

from __future__ import annotations

import html
from decimal import Decimal

import matplotlib.pyplot as plt
from IPython.display import HTML, SVG
from matplotlib.dates import num2date
from matplotlib.ticker import FuncFormatter

from casebook.domain import formatting as fmt
from casebook.domain.evaluation import EvaluatedCase
from casebook.domain.finance import percent
from casebook.domain.payments import PaymentLine, PaymentSchedule, Stage, case_schedule, stage
from casebook.render import charts
from casebook.render.document import Kind, Paragraph, Table, amount, cell, table
from casebook.render.tables import html_table


def status(evaluated: EvaluatedCase) -> Paragraph | None:
    """Where the case stands, with what is paid of the maximum, as of the build date."""
    case = evaluated.case
    s = case_schedule(case)
    if s is None:
        return None
    today = evaluated.as_of
    current = stage(case, today)
    parts = [f"{current.label}."]
    left = "outnyttjat" if current is Stage.CLOSED else "kvar"
    parts.append(
        f"Utbetalt {fmt.kronor(s.paid_total)} av maxbeloppet {fmt.kronor(s.max_amount)} "
        f"({fmt.percent(percent(s.paid_total, s.max_amount))}); att betala sammanlagt {fmt.kronor(s.payable_total)}, "
        f"{left} {fmt.kronor(s.remaining)}."
    )
    if s.cap_reached:
        parts.append("Maxbeloppet är nått.")
    due = case.dates.final_report_due
    report = case.follow_up.final_report
    if report is not None and report.received is not None:
        parts.append(f"Slutrapporten inkom {fmt.date(report.received)} (sista dag {fmt.date(due)}).")
    elif current is Stage.FINAL_REPORT_OVERDUE:
        parts.append(
            f"Slutrapporten skulle ha kommit in senast {fmt.date(due)} och är {(today - due).days} dagar försenad."
        )
    elif due is not None:
        parts.append(f"Slutrapporten ska komma in senast {fmt.date(due)}.")
    if case.follow_up.closed is not None:
        parts.append(f"Ärendet avslutades {fmt.date(case.follow_up.closed)}.")
    return Paragraph(" ".join(parts), lead=f"Läge per byggdatum {fmt.date(today)}:")


def status_line(evaluated: EvaluatedCase) -> HTML | None:
    """:func:`status` as the case page shows it."""
    paragraph = status(evaluated)
    if paragraph is None:
        return None
    return HTML(
        f'<p class="casebook-status"><strong>{html.escape(paragraph.lead)}</strong> {html.escape(paragraph.text)}</p>'
    )


def _exact_kronor(value: Decimal) -> str:
    """An exact amount: whole kronor as such, otherwise with two decimals (rounded for display only)."""
    return fmt.kronor(value) if value == value.to_integral_value() else f"{fmt.number(value, 2)}\N{NO-BREAK SPACE}kr"


def _computation(s: PaymentSchedule, line: PaymentLine) -> str:
    """One request's computation in words and figures, as the method page describes it."""
    exact = line.by_share_exact
    rounded_down = int(exact)  # exact is never negative, so int() rounds down
    text = f"{fmt.percent(s.share)} × {fmt.kronor(line.cumulative_approved)} = {_exact_kronor(exact)}"
    if exact != rounded_down:
        text += f", nedåt till hela kronor {fmt.kronor(rounded_down)}"
    if rounded_down > s.max_amount:
        text += f", högst maxbeloppet {fmt.kronor(s.max_amount)}"
    if line.ceiling < line.entitled:
        text += f", högst {fmt.kronor(line.ceiling)} före slutrapporten"
    if line.limit < line.paid_before:
        return text + f"; betalt tidigare {fmt.kronor(line.paid_before)} är mer, så {fmt.kronor(line.payable)}"
    text += f"; − betalt tidigare {fmt.kronor(line.paid_before)}"
    if line.advance_counted:
        text += " (förskottet inräknat)"
    return text + f" = {fmt.kronor(line.payable)}"


def payment_requests(evaluated: EvaluatedCase) -> Table | None:
    """Each payment request with its computation; the advance first, the totals last."""
    case = evaluated.case
    s = case_schedule(case)
    if s is None:
        return None
    rows = []
    if s.advance:
        rows.append(
            (
                "Förskott",
                "–",
                "Beslutat förskott (11 §), räknas av mot senare utbetalningar",
                amount(s.advance),
                fmt.date(case.follow_up.advance.paid),
            )
        )
    lines = {line.number: line for line in s.lines}
    for number, request in enumerate(case.follow_up.payment_requests, start=1):
        line = lines.get(number)
        approved = fmt.kronor(request.approved_costs) if request.approved_costs is not None else "under granskning"
        rows.append(
            (
                f"{number}: {fmt.date(request.period_start)} – {fmt.date(request.period_end)}, inkom {fmt.date(request.received)}",
                f"redovisade {fmt.kronor(request.reported_costs)}, godkända {approved}",
                _computation(s, line) if line else "beräknas när kostnaderna är granskade",
                amount(line.payable) if line else cell("–", kind=Kind.AMOUNT),
                fmt.date(request.paid) if request.paid else "inte utbetald",
            )
        )
    reported = sum(r.reported_costs for r in case.follow_up.payment_requests)
    rows.append(
        (
            "Summa",
            f"redovisade {fmt.kronor(reported)}, godkända {fmt.kronor(s.approved_total)}",
            f"kvar av maxbeloppet {fmt.kronor(s.remaining)}",
            amount(s.payable_total),
            f"utbetalt {fmt.kronor(s.paid_total)}",
        )
    )
    caption = (
        f"Utbetalningsbegäranden och beräkningen av varje utbetalning: {fmt.percent(s.share)} av de sammanlagda "
        f"godkända kostnaderna, högst {fmt.kronor(s.max_amount)}"
    )
    if s.withheld:
        caption += f", varav {fmt.kronor(s.withheld)} hålls inne till slutrapporten"
    return table(
        caption + ".",
        ("Begäran: period och dag den kom in", "Kostnader", "Beräkning", "Att betala", "Utbetald"),
        rows,
        total=True,
    )


def payment_requests_table(evaluated: EvaluatedCase) -> HTML | None:
    requests = payment_requests(evaluated)
    return html_table(requests, "payment-requests") if requests is not None else None


def cumulative_chart(evaluated: EvaluatedCase) -> SVG | None:
    """What has been paid in all, over time, against the maximum (paid requests only)."""
    case = evaluated.case
    s = case_schedule(case)
    if s is None:
        return None
    events = []
    if s.advance:
        events.append((case.follow_up.advance.paid, s.advance))
    events += [(line.request.paid, line.payable) for line in s.lines if line.is_paid]
    events.sort(key=lambda event: event[0])
    dates = [case.dates.decision] + [d for d, _ in events]
    totals = [0]
    for _, paid in events:
        totals.append(totals[-1] + paid)
    with plt.rc_context(charts.STYLE):
        figure, axes = plt.subplots(figsize=(7.5, 3.8))
        axes.step(
            dates, totals, where="post", color=charts.BAR_COLOUR, linewidth=2, marker="o", label="Utbetalt sammanlagt"
        )
        axes.axhline(
            s.max_amount,
            color=charts.HIGHLIGHT_COLOUR,
            linestyle="--",
            linewidth=1,
            label=f"Maxbelopp {fmt.kronor(s.max_amount)}",
        )
        if s.withheld:
            axes.axhline(
                s.max_amount - s.withheld,
                color="#555555",
                linestyle=":",
                linewidth=1,
                label=f"Högst före slutrapporten {fmt.kronor(s.max_amount - s.withheld)}",
            )
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: _iso_date(value)))
        axes.yaxis.set_major_formatter(charts.kronor_axis)
        axes.set_ylim(0, s.max_amount * 1.2)
        axes.set_ylabel("Kronor")
        axes.set_xlabel("Utbetalningsdag")
        axes.legend(loc="lower right", fontsize=8, frameon=False)
        figure.autofmt_xdate()
        return charts.to_svg(figure)


def _iso_date(value: float) -> str:
    return fmt.date(num2date(value).date())


def indicator_outcomes(evaluated: EvaluatedCase) -> Table | None:
    """Each indicator's target and the reported outcome, when there is one."""
    case = evaluated.case
    if case.follow_up is None:
        return None
    outcomes = {o.indicator: o for o in case.follow_up.indicator_outcomes}
    rows = []
    for indicator in case.indicators:
        outcome = outcomes.get(indicator.name)
        reached = cell(
            fmt.percent(percent(outcome.outcome, indicator.target), 0)
            if outcome is not None and indicator.target > 0
            else "–",
            kind=Kind.PERCENT,
        )
        rows.append(
            (
                indicator.name,
                f"{fmt.number(indicator.target)} {indicator.unit}",
                f"{fmt.number(outcome.outcome)} {indicator.unit}" if outcome else "inte redovisat",
                reached,
                cell(fmt.date(outcome.reported) if outcome else "–", kind=Kind.DATE),
            )
        )
    return table("Indikatorernas utfall mot målen", ("Indikator", "Mål", "Utfall", "Av målet", "Redovisat"), rows)


def indicator_outcomes_table(evaluated: EvaluatedCase) -> HTML | None:
    outcomes = indicator_outcomes(evaluated)
    return html_table(outcomes, "indicator-outcomes") if outcomes is not None else None
