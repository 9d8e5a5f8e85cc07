"""The portfolio: every case at a glance, with totals by decision-maker, financier kind and year.

Sums are exact (int64 kronor in pandas, far below its limit). The year of a case is the
year of its decision, or the year its application came in when the decision date is not
known.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable
from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, SVG

from casebook.domain import formatting as fmt
from casebook.domain.evaluation import EvaluatedCase
from casebook.domain.finance import percent
from casebook.domain.model import CaseState
from casebook.domain.payments import Stage, case_schedule, stage
from casebook.domain.rules import Outcome
from casebook.render import charts
from casebook.render.case_view import GluedText
from casebook.render.tables import styled_table

CLOSING_SOON_DAYS = 90
"""A decided case whose project ends within this many days of the build date is closing soon."""


def _year(report: EvaluatedCase) -> int:
    dates = report.case.dates
    return (dates.decision or dates.application_received).year


@dataclass(frozen=True)
class Portfolio:
    reports: tuple[EvaluatedCase, ...]
    as_of: dt.date  # the build date: where each case stands, what is overdue or closing soon

    def cases_frame(self) -> pd.DataFrame:
        rows = []
        for r in self.reports:
            case, cap = r.case, r.figures.cap
            outcomes = [x.outcome for x in r.results]
            rows.append(
                {
                    "case_id": case.id,
                    "title": case.title,
                    "decision_maker": case.decision_maker.name,
                    "owner": case.applicant.name,
                    "start": case.dates.project_start,
                    "end": case.dates.project_end,
                    "year": _year(r),
                    "state": case.state.value,
                    "state_label": case.state.label,
                    "share": cap.decided_share,
                    "max_amount": cap.max_amount,
                    # Granted and proposed maximums apart: a proposal is never counted as granted.
                    "granted": cap.max_amount if case.state is CaseState.DECIDED else 0,
                    "proposed": cap.max_amount if case.state is CaseState.PROPOSAL else 0,
                    "total_financing": r.figures.total_financing,
                    "not_met": outcomes.count(Outcome.NOT_MET),
                    "missing_judgement": outcomes.count(Outcome.MISSING_JUDGEMENT),
                    "review": outcomes.count(Outcome.REVIEW),
                    "rules": len(outcomes),
                }
            )
        frame = pd.DataFrame(rows)
        for column in (
            "max_amount",
            "granted",
            "proposed",
            "total_financing",
            "not_met",
            "missing_judgement",
            "review",
            "rules",
            "year",
        ):
            frame[column] = frame[column].astype("int64")
        return frame

    def lines_frame(self) -> pd.DataFrame:
        rows = [
            {"case_id": r.case.id, "kind": s.line.kind.label, "amount": s.amount}
            for r in self.reports
            for s in r.figures.shares
        ]
        frame = pd.DataFrame(rows)
        frame["amount"] = frame["amount"].astype("int64")
        return frame

    def glue_values(self) -> dict[str, GluedText]:
        cases = self.cases_frame()
        state = cases["state"]
        values = {
            "portfolio_cases": fmt.plural(len(cases), "ärende", "ärenden"),
            "portfolio_granted_cases": fmt.plural(
                int((state == CaseState.DECIDED.value).sum()), "beviljat ärende", "beviljade ärenden"
            ),
            "portfolio_decided": fmt.kronor(int(cases["granted"].sum())),
            "portfolio_proposal_cases": fmt.plural(
                int((state == CaseState.PROPOSAL.value).sum()), "förslag till beslut", "förslag till beslut"
            ),
            "portfolio_proposed": fmt.kronor(int(cases["proposed"].sum())),
            "portfolio_rejected_cases": fmt.plural(
                int((state == CaseState.REJECTED.value).sum()), "avslaget ärende", "avslagna ärenden"
            ),
            "portfolio_financing": fmt.kronor(int(cases["total_financing"].sum())),
            "portfolio_attention": fmt.plural(
                int(((cases["not_met"] + cases["missing_judgement"] + cases["review"]) > 0).sum()), "ärende", "ärenden"
            ),
        }
        return {name: GluedText(text) for name, text in values.items()}

    def glue_all(self) -> None:
        from myst_nb import glue

        for name, value in self.glue_values().items():
            glue(name, value, display=False)
        glue("portfolio_year_chart", self.year_chart(), display=False)
        glue("portfolio_kind_chart", self.kind_chart(), display=False)

    def cases_table(self) -> HTML:
        """All cases, each linked to its page; titles are escaped before linking."""
        c = self.cases_frame()
        table = pd.DataFrame(
            {
                "Projekt": [
                    f'<a href="cases/{i}.html">{html.escape(t)}</a>'
                    for i, t in zip(c["case_id"], c["title"], strict=True)
                ],
                "Beslutsfattare": c["decision_maker"].map(html.escape),
                "Projektägare": c["owner"].map(html.escape),
                "Projekttid": [f"{fmt.date(s)} – {fmt.date(e)}" for s, e in zip(c["start"], c["end"], strict=True)],
                "Läge": c["state_label"].map(html.escape),
                "Maxbelopp": c["max_amount"].map(fmt.kronor),
                "Andel": c["share"].map(fmt.percent),
                "Regelkontroller": [
                    f"{n} ej uppfyllda, {m} med bedömning som saknas, {v} att granska av {t}"
                    for n, m, v, t in zip(c["not_met"], c["missing_judgement"], c["review"], c["rules"], strict=True)
                ],
            }
        )
        return styled_table(table, f"Alla ärenden ({len(c)} st.)", "portfolio-cases", escape=False)

    def _totals_by(self, column: str, heading: str) -> pd.DataFrame:
        """Number of cases, granted and (apart) proposed maximums, and project financing per value of ``column``."""
        grouped = (
            self.cases_frame()
            .groupby(column, sort=True)
            .agg(
                cases=("case_id", "size"),
                granted=("granted", "sum"),
                proposed=("proposed", "sum"),
                financing=("total_financing", "sum"),
            )
        )
        return pd.DataFrame(
            {
                heading: [str(key) for key in grouped.index],
                "Ärenden": grouped["cases"].map(fmt.number).to_numpy(),
                "Beviljat, högst": grouped["granted"].map(fmt.kronor).to_numpy(),
                "Föreslaget, inte beslutat": grouped["proposed"].map(fmt.kronor).to_numpy(),
                "Projektens finansiering": grouped["financing"].map(fmt.kronor).to_numpy(),
            }
        )

    def by_decision_maker_table(self) -> HTML:
        table = self._totals_by("decision_maker", "Beslutsfattare")
        return styled_table(table, "Summor per beslutsfattare", "portfolio-decision-makers")

    def by_kind_table(self) -> HTML:
        lines = self.lines_frame()
        grouped = lines.groupby("kind", sort=True)["amount"].sum()
        total = int(grouped.sum())
        table = pd.DataFrame(
            {
                "Slag av medel": grouped.index,
                "Belopp": grouped.map(fmt.kronor).to_numpy(),
                "Andel": [fmt.percent(percent(int(v), total)) for v in grouped],
            }
        )
        return styled_table(table, "Finansiering per slag av medel, alla ärenden", "portfolio-kinds")

    def by_year_table(self) -> HTML:
        table = self._totals_by("year", "År")
        return styled_table(table, "Summor per år (beslutsår, annars året ansökan kom in)", "portfolio-years")

    # --- follow-up: decided, paid and remaining (casebook.domain.payments) ---------------

    def follow_up_frame(self) -> pd.DataFrame:
        """One row per decided case: decided maximum, paid, remaining, and where it stands today.

        Paid amounts are known only for cases that record a follow-up; the others are counted
        apart (``recorded`` is False) rather than taken as nothing paid.
        """
        today = self.as_of
        rows = []
        for r in self.reports:
            case = r.case
            if case.state is not CaseState.DECIDED:
                continue
            schedule = case_schedule(case)
            current = stage(case, today)
            paid = schedule.paid_total if schedule else 0
            closed = current is Stage.CLOSED
            rows.append(
                {
                    "case_id": case.id,
                    "title": case.title,
                    "decision_maker": case.decision_maker.name,
                    "year": _year(r),
                    "decided": case.max_amount_in_force,
                    "recorded": schedule is not None,
                    "paid": paid,
                    "remaining": 0 if closed or schedule is None else case.max_amount_in_force - paid,
                    "unused": case.max_amount_in_force - paid if closed else 0,
                    "stage": current.label,
                    "overdue": current is Stage.FINAL_REPORT_OVERDUE,
                    "project_end": case.dates.project_end,
                    "final_report_due": case.dates.final_report_due,
                    "closing_soon": not closed and 0 <= (case.dates.project_end - today).days <= CLOSING_SOON_DAYS,
                }
            )
        columns = [
            "case_id",
            "title",
            "decision_maker",
            "year",
            "decided",
            "recorded",
            "paid",
            "remaining",
            "unused",
            "stage",
            "overdue",
            "project_end",
            "final_report_due",
            "closing_soon",
        ]
        frame = pd.DataFrame(rows, columns=columns)
        for column in ("year", "decided", "paid", "remaining", "unused"):
            frame[column] = frame[column].astype("int64")
        for column in ("recorded", "overdue", "closing_soon"):  # typed even when empty, for boolean selection
            frame[column] = frame[column].astype("bool")
        return frame

    def _follow_up_totals_by(self, column: str, heading: str, caption: str, table_id: str) -> HTML:
        frame = self.follow_up_frame()
        grouped = frame.groupby(column, sort=True).agg(
            cases=("case_id", "size"),
            unrecorded=("recorded", lambda r: int((~r).sum())),
            decided=("decided", "sum"),
            paid=("paid", "sum"),
            remaining=("remaining", "sum"),
            unused=("unused", "sum"),
        )
        table = pd.DataFrame(
            {
                heading: [str(key) for key in grouped.index],
                "Ärenden": grouped["cases"].map(fmt.number).to_numpy(),
                "Utan registrerad uppföljning": grouped["unrecorded"].map(fmt.number).to_numpy(),
                "Beviljat": grouped["decided"].map(fmt.kronor).to_numpy(),
                "Utbetalt": grouped["paid"].map(fmt.kronor).to_numpy(),
                "Kvar, högst": grouped["remaining"].map(fmt.kronor).to_numpy(),
                "Outnyttjat (avslutade)": grouped["unused"].map(fmt.kronor).to_numpy(),
            }
        )
        return styled_table(table, caption, table_id)

    def follow_up_by_decision_maker_table(self) -> HTML:
        return self._follow_up_totals_by(
            "decision_maker",
            "Beslutsfattare",
            "Beviljade ärenden per beslutsfattare: beviljat maxbelopp; utbetalt och kvar för ärenden som registrerar uppföljning",
            "portfolio-payments-decision-makers",
        )

    def follow_up_by_year_table(self) -> HTML:
        return self._follow_up_totals_by(
            "year",
            "Beslutsår",
            "Beviljade ärenden per beslutsår: beviljat maxbelopp; utbetalt och kvar för ärenden som registrerar uppföljning",
            "portfolio-payments-years",
        )

    def overdue_final_reports_table(self) -> HTML:
        """Cases whose final report has not come in by its due date, as of the build date."""
        today = self.as_of
        frame = self.follow_up_frame()
        overdue = frame[frame["overdue"]]
        if overdue.empty:
            return HTML(
                '<p class="casebook-status">Ingen slutrapport är försenad bland de ärenden som registrerar '
                "uppföljning (bedömt per byggdatum).</p>"
            )
        table = pd.DataFrame(
            {
                "Projekt": [
                    f'<a href="cases/{i}.html">{html.escape(t)}</a>'
                    for i, t in zip(overdue["case_id"], overdue["title"], strict=True)
                ],
                "Beslutsfattare": overdue["decision_maker"].map(html.escape).to_numpy(),
                "Sista dag": overdue["final_report_due"].map(fmt.date).to_numpy(),
                "Dagar försenad": [fmt.number((today - due).days) for due in overdue["final_report_due"]],
            }
        )
        return styled_table(
            table,
            f"Försenade slutrapporter per byggdatum {fmt.date(today)} ({len(overdue)} st.)",
            "portfolio-overdue",
            escape=False,
        )

    def closing_soon_table(self) -> HTML:
        """Decided, open cases whose project ends within :data:`CLOSING_SOON_DAYS` days of the build date."""
        today = self.as_of
        frame = self.follow_up_frame()
        soon = frame[frame["closing_soon"]].sort_values(["project_end", "case_id"])
        if soon.empty:
            return HTML(
                f'<p class="casebook-status">Inget beviljat projekt slutar inom {CLOSING_SOON_DAYS} dagar '
                "(bedömt per byggdatum).</p>"
            )
        table = pd.DataFrame(
            {
                "Projekt": [
                    f'<a href="cases/{i}.html">{html.escape(t)}</a>'
                    for i, t in zip(soon["case_id"], soon["title"], strict=True)
                ],
                "Projektslut": soon["project_end"].map(fmt.date).to_numpy(),
                "Slutrapport senast": soon["final_report_due"].map(fmt.date).to_numpy(),
                "Kvar att betala, högst": soon["remaining"].map(fmt.kronor).to_numpy(),
                "Läge": soon["stage"].map(html.escape).to_numpy(),
            }
        )
        return styled_table(
            table,
            f"Projekt som slutar inom {CLOSING_SOON_DAYS} dagar från byggdatum {fmt.date(today)}",
            "portfolio-closing-soon",
            escape=False,
        )

    def year_chart(self) -> SVG:
        """Granted maximums per year, and proposed ones stacked on top in another colour and pattern."""
        c = self.cases_frame()
        grouped = c.groupby("year", sort=True)[["granted", "proposed"]].sum()
        years = [str(y) for y in grouped.index]
        with plt.rc_context(charts.STYLE):
            figure, axes = plt.subplots(figsize=(7.5, 3.5))
            axes.bar(years, grouped["granted"].to_numpy(), color=charts.BAR_COLOUR, label="Beviljat")
            axes.bar(
                years,
                grouped["proposed"].to_numpy(),
                bottom=grouped["granted"].to_numpy(),
                color="white",
                edgecolor=charts.HIGHLIGHT_COLOUR,
                hatch="//",
                label="Föreslaget, inte beslutat",
            )
            axes.yaxis.set_major_formatter(charts.kronor_axis)
            axes.set_ylabel("Högsta belopp (kronor)")
            axes.set_xlabel("År")
            axes.legend(frameon=False)
            return charts.to_svg(figure)

    def kind_chart(self) -> SVG:
        lines = self.lines_frame()
        grouped = lines.groupby("kind", sort=True)["amount"].sum().sort_values()
        with plt.rc_context(charts.STYLE):
            figure, axes = plt.subplots(figsize=(7.5, 0.5 * len(grouped) + 1.2))
            axes.barh(range(len(grouped)), grouped.to_numpy(), color=charts.BAR_COLOUR)
            axes.set_yticks(range(len(grouped)), [charts.plain(k) for k in grouped.index])
            axes.xaxis.set_major_locator(charts.MaxNLocator(nbins=4))
            axes.xaxis.set_major_formatter(charts.kronor_axis)
            axes.set_xlabel("Kronor")
            return charts.to_svg(figure)


def portfolio_of(cases: Iterable[EvaluatedCase], as_of: dt.date | str) -> Portfolio:
    """The portfolio of ``cases`` (evaluated, in the order shown: by file name, as
    :func:`casebook.engine.validate.evaluated_cases` gives them), judged as of the build date
    ``as_of`` (a date, or ``YYYY-MM-DD`` as the build passes it to the notebook)."""
    return Portfolio(tuple(cases), as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of))
