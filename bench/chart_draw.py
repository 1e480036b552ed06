"""One digest chart's drawing time: the matplotlib figure it used to be, and the Pillow
raster it is now, interleaved in one run (so both see the same machine).

    python bench/chart_draw.py [--charts 200] [--write DIR]

Each of `--charts` charts has eight weeks of random counts (as a digest with a year of
history has); each is drawn both ways, PNG bytes included, in this process (a chart worker
does exactly this). Prints p50 / p99 / max per chart and the PNG sizes; `--write` keeps one
picture of each kind to look at.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

from common import percentiles

from bot import words
from bot.messages import Chart, Series
from bot.views.chart_image import COLOURS, chart_png


def matplotlib_png(chart: Chart, *, dpi: int = 100) -> bytes:
    """The chart as `bot/views/chart_image.py` drew it until issue 14 (kept for comparison)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(6.4, 2.8), dpi=dpi)
    axes = figure.subplots()
    count = max(1, len(chart.series))
    width = 0.8 / count
    positions = range(len(chart.labels))
    for index, series in enumerate(chart.series):
        offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
        axes.bar(offsets, series.values, width, label=series.name, color=COLOURS[index % 4])
    axes.set_xticks(list(positions), [label[5:] for label in chart.labels], fontsize=8)
    axes.set_title(chart.title, fontsize=10, y=1.0, pad=6)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize=8, frameon=False)
    figure.subplots_adjust(left=0.07, right=0.98, top=0.88, bottom=0.13)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def a_chart(rng: random.Random) -> Chart:
    """Eight weeks ending on a random Monday of the year, random counts."""
    end = date(2026, 1, 5) + timedelta(weeks=rng.randrange(52))
    weeks = tuple((end - timedelta(weeks=7 - n)).isoformat() for n in range(8))
    celebrated = tuple(rng.randint(0, 30) for _ in weeks)
    callouts = tuple(rng.choice((0, 0, 0, 1, 1, 2, 3)) for _ in weeks)
    return Chart(
        words.DIGEST_CHART_TITLE,
        weeks,
        (
            Series(words.DIGEST_CHART_CELEBRATED, celebrated),
            Series(words.DIGEST_CHART_CALLOUTS, callouts),
        ),
    )


def main(args: argparse.Namespace) -> None:
    rng = random.Random(14)
    charts = [a_chart(rng) for _ in range(args.charts)]
    drawers = {"matplotlib (before)": matplotlib_png, "Pillow (after)": chart_png}
    for draw in drawers.values():  # imports, fonts loaded: what a worker has done once
        draw(charts[0])
    times: dict[str, list[float]] = {name: [] for name in drawers}
    sizes: dict[str, list[int]] = {name: [] for name in drawers}
    for chart in charts:
        for name, draw in drawers.items():
            began = time.perf_counter()
            png = draw(chart)
            times[name].append(time.perf_counter() - began)
            sizes[name].append(len(png))
    print(f"one chart drawn, PNG included, over {args.charts} charts (target about 30 ms)")
    for name in drawers:
        p50, p99, most = percentiles(times[name])
        size = statistics.median(sizes[name]) / 1024
        print(
            f"  {name:20} p50 {p50:6.1f} ms, p99 {p99:6.1f} ms, max {most:6.1f} ms; {size:.1f} KiB"
        )
    if args.write:
        folder = Path(args.write)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "chart-matplotlib.png").write_bytes(matplotlib_png(charts[0]))
        (folder / "chart-pillow.png").write_bytes(chart_png(charts[0]))
        print(f"  pictures in {folder}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--charts", type=int, default=200)
    parser.add_argument("--write", default="")
    main(parser.parse_args())
