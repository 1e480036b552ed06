"""A chart block drawn as a PNG (matplotlib, no display needed), for platforms that show
pictures: Slack uploads it beside the digest, Teams puts it in the card."""

from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
import os
from collections import OrderedDict
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Final

from bot.messages import Chart

log = logging.getLogger("compact.chart")

COLOURS = ("#2c7a4b", "#c0562b", "#2c4a6e", "#8a6d1f")
_renderers: list[Executor] = []
# The last charts drawn: a digest goes to each of its partnership's channels (Slack and
# Teams, say), and each gateway asks for the same picture.
_drawn: OrderedDict[Chart, bytes] = OrderedDict()
DRAWN_KEPT: Final = 32


async def render_chart(chart: Chart) -> bytes:
    """`chart_png` in a worker process.

    Drawing takes tens of milliseconds of pure Python, holding the interpreter lock: in a
    thread it would stall the event loop, so a fan-out of digests at 09:00 on Monday would
    delay every Slack acknowledgement and Teams reply the process owes. Worker processes
    draw beside the loop, on the other cores. If the pool breaks, the chart is drawn in a
    thread rather than lost.
    """
    if (png := _drawn.get(chart)) is not None:
        return png
    loop = asyncio.get_running_loop()
    renderer = _renderer()
    try:
        png = await loop.run_in_executor(renderer, chart_png, chart)
    except BrokenProcessPool:
        log.warning("the chart process pool broke; drawing in a thread instead")
        if _renderers and _renderers[0] is renderer:  # not a new pool made meanwhile
            _renderers.clear()
            renderer.shutdown(wait=False, cancel_futures=True)
        png = await asyncio.to_thread(chart_png, chart)
    _drawn[chart] = png
    if len(_drawn) > DRAWN_KEPT:
        _drawn.popitem(last=False)
    return png


def _renderer() -> Executor:
    """One pool per process, started on first use (most processes never draw a chart)."""
    if not _renderers:
        # spawn: a forked child of an asyncio process with threads may inherit held locks.
        workers = max(1, min(2, os.cpu_count() or 1))
        _renderers.append(
            ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        )
    return _renderers[0]


def chart_png(chart: Chart, *, dpi: int = 100) -> bytes:
    """Grouped bars, one group per week, one colour per series, with a legend."""
    # Imported here: matplotlib costs most processes (every CLI command) a second to import,
    # and only the chart workers draw. A bare Figure draws with Agg into memory, no pyplot.
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
    # A fixed title position: placing it automatically measures every tick label first.
    axes.set_title(chart.title, fontsize=10, y=1.0, pad=6)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize=8, frameon=False)
    # Fixed margins: measuring the labels for a tight layout costs a whole extra drawing.
    figure.subplots_adjust(left=0.07, right=0.98, top=0.88, bottom=0.13)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
