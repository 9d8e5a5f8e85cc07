"""Charts as deterministic SVG.

A fixed ``svg.hashsalt`` and no ``Date`` metadata make the same figure give the same bytes
on every run, which nbval and the determinism tests rely on. Text stays text in the SVG
(``svg.fonttype: none``) so it is small, searchable and read by screen readers' tools.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from IPython.display import SVG
from matplotlib.ticker import FuncFormatter, MaxNLocator

from casebook.domain import formatting as fmt
from casebook.domain.finance import FinancingFigures, payable

STYLE = {
    "svg.hashsalt": "casebook",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# Colour-blind-safe and at least 3:1 against white (WCAG 1.4.11 for graphical objects).
BAR_COLOUR = "#1f5f8b"
HIGHLIGHT_COLOUR = "#b3541e"

kronor_axis = FuncFormatter(lambda value, _pos: fmt.number(Decimal(value).to_integral_value()))


def plain(text: str) -> str:
    """Text from case data shown literally: matplotlib would read ``$...$`` as math."""
    return text.replace("$", r"\$")


# No <metadata> block: matplotlib writes one (format, type, creator) unless each is None.
NO_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
# What matplotlib writes that draws nothing: the indentation before each tag (text content is
# escaped, so a "<" after spaces at a line's start is always a tag) and the rotation by -0
# degrees it gives every label.
_INDENTATION = re.compile(r"\n +(?=<)")
_NO_ROTATION = re.compile(r' transform="rotate\(-0 -?[\d.]+ -?[\d.]+\)"')


def to_svg(figure: plt.Figure) -> SVG:
    """Render and close a figure; the same figure always gives the same SVG bytes.

    Without what draws nothing (:data:`NO_METADATA`, indentation, rotations by -0 degrees):
    each chart is stored twice per case, in the published notebook and as the page's image,
    and these were a quarter of its bytes (docs/performance.md, "Published bytes per case").
    """
    buffer = io.StringIO()
    with plt.rc_context(STYLE):
        figure.savefig(buffer, format="svg", metadata=NO_METADATA, bbox_inches="tight")
    plt.close(figure)
    return SVG(_NO_ROTATION.sub("", _INDENTATION.sub("\n", buffer.getvalue())))


def financing_plan_chart(figures: FinancingFigures, decision_maker: str) -> SVG:
    """Horizontal bars, one per financier, the decision-maker highlighted."""
    with plt.rc_context(STYLE):
        names = [s.financier for s in figures.shares]
        amounts = [s.amount for s in figures.shares]
        colours = [HIGHLIGHT_COLOUR if n == decision_maker else BAR_COLOUR for n in names]
        figure, axes = plt.subplots(figsize=(7.5, 0.55 * len(names) + 1.2))
        positions = list(range(len(names)))[::-1]  # the plan's first line at the top
        bars = axes.barh(positions, amounts, color=colours)
        axes.set_yticks(positions, [plain(n) for n in names])
        labels = [f"{fmt.kronor(s.amount)} ({fmt.percent(s.share)})" for s in figures.shares]
        axes.bar_label(bars, labels=labels, padding=4)
        axes.xaxis.set_major_locator(MaxNLocator(nbins=4))
        axes.xaxis.set_major_formatter(kronor_axis)
        axes.set_xlabel("Kronor")
        axes.set_xlim(0, max(amounts) * 1.45)
        return to_svg(figure)


def payment_chart(figures: FinancingFigures) -> SVG:
    """What the decision-maker pays as a function of approved costs: share, then the cap."""
    cap = figures.cap
    with plt.rc_context(STYLE):
        top = max(figures.total_financing, cap.threshold_kronor) * 1.15
        xs = [0, cap.threshold_kronor, int(top)] if cap.threshold_kronor < top else [0, int(top)]
        ys = [payable(x, cap.decided_share, cap.max_amount) for x in xs]
        figure, axes = plt.subplots(figsize=(7.5, 4))
        axes.plot(
            xs,
            ys,
            color=BAR_COLOUR,
            linewidth=2,
            label=f"Utbetalning: {fmt.percent(cap.decided_share)} av godkända kostnader, högst maxbeloppet",
        )
        axes.axhline(
            cap.max_amount,
            color=HIGHLIGHT_COLOUR,
            linestyle="--",
            linewidth=1,
            label=f"Maxbelopp {fmt.kronor(cap.max_amount)}",
        )
        axes.axvline(
            figures.total_financing,
            color="#555555",
            linestyle=":",
            linewidth=1,
            label=f"Total finansiering {fmt.kronor(figures.total_financing)}",
        )
        axes.annotate(
            f"Taket nås vid {fmt.kronor(cap.threshold_kronor)}",
            xy=(cap.threshold_kronor, cap.max_amount),
            xytext=(0.05, 0.93),
            textcoords="axes fraction",
            arrowprops={"arrowstyle": "->", "color": "#333333"},
        )
        axes.xaxis.set_major_locator(MaxNLocator(nbins=5))
        axes.xaxis.set_major_formatter(kronor_axis)
        axes.yaxis.set_major_formatter(kronor_axis)
        axes.set_xlabel("Redovisade och godkända kostnader (kronor)")
        axes.set_ylabel("Utbetalning (kronor)")
        axes.set_xlim(0, top)
        axes.set_ylim(0, cap.max_amount * 1.25)
        axes.legend(loc="lower right", fontsize=8, frameon=False)
        return to_svg(figure)
