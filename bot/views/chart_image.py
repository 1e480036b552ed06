"""A chart block drawn as a PNG (matplotlib, no display needed), for platforms that show
pictures: Slack uploads it beside the digest, Teams puts it in the card."""

from __future__ import annotations

import io

# A bare Figure draws with the Agg backend into memory: no pyplot, no display, no global state.
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.messages import Chart

COLOURS = ("#2c7a4b", "#c0562b", "#2c4a6e", "#8a6d1f")


def chart_png(chart: Chart, *, dpi: int = 100) -> bytes:
    """Grouped bars, one group per week, one colour per series, with a legend."""
    figure = Figure(figsize=(6.4, 2.8), dpi=dpi)
    axes = figure.subplots()
    count = max(1, len(chart.series))
    width = 0.8 / count
    positions = range(len(chart.labels))
    for index, series in enumerate(chart.series):
        offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
        axes.bar(offsets, series.values, width, label=series.name, color=COLOURS[index % 4])
    axes.set_xticks(list(positions), [label[5:] for label in chart.labels], fontsize=8)
    axes.set_title(chart.title, fontsize=10)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize=8, frameon=False)
    # Fixed margins: measuring the labels for a tight layout costs a whole extra drawing.
    figure.subplots_adjust(left=0.07, right=0.98, top=0.88, bottom=0.13)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
