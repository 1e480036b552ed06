"""A chart block drawn as a PNG, for platforms that show pictures: Slack uploads it beside the
digest, Teams puts it in the card.

Drawn with Pillow straight onto a raster (rectangles, lines and FreeType text, all in C): a
few milliseconds a chart, where matplotlib's artists, tick machinery and layout took 60–140 ms
for the same small bar chart."""

from __future__ import annotations

import asyncio
import io
import logging
import math
import multiprocessing
import os
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Final

from PIL import Image, ImageDraw, ImageFont

from bot.messages import Chart

log = logging.getLogger("compact.chart")

COLOURS = ("#2c7a4b", "#c0562b", "#2c4a6e", "#8a6d1f")  # the series, in turn
SIZE_INCHES: Final = (6.4, 2.8)  # 640 × 280 pixels at the default 100 dpi
MOST_Y_STEPS: Final = 8  # y ticks: at most this many intervals, each 1, 2 or 5 × 10ⁿ

# The picture's palette: the background, the axes, the grid, the series, then 248 shades
# from the background to the text's ink for anti-aliased text (drawn only on the background).
WHITE, AXIS, GRID, FIRST_SERIES, FIRST_SHADE = 0, 1, 2, 3, 3 + len(COLOURS)
_INK: Final = (0x22, 0x22, 0x22)
_SHADES: Final = 256 - FIRST_SHADE


def _palette() -> list[int]:
    fixed: list[tuple[int, ...]] = [(255, 255, 255), (0x55, 0x55, 0x55), (0xE6, 0xE6, 0xE6)]
    fixed += [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in COLOURS]
    shades = [
        tuple(round(255 + (ink - 255) * n / (_SHADES - 1)) for ink in _INK) for n in range(_SHADES)
    ]
    return [channel for colour in (*fixed, *shades) for channel in colour]


PALETTE: Final = _palette()
# Text coverage (0-255) to its palette shade, and to "covered or not".
_SHADE_OF: Final = [FIRST_SHADE + round(v * (_SHADES - 1) / 255) for v in range(256)]
_COVERED: Final = [255 if v else 0 for v in range(256)]

_renderers: list[Executor] = []
# The last charts drawn: a digest goes to each of its partnership's channels (Slack and
# Teams, say), and each gateway asks for the same picture.
_drawn: OrderedDict[Chart, bytes] = OrderedDict()
DRAWN_KEPT: Final = 32


async def render_chart(chart: Chart) -> bytes:
    """`chart_png` in a worker process.

    Drawing holds the interpreter lock for a few milliseconds; in a fan-out of thousands of
    digests that still adds up to seconds the event loop would spend away from Slack
    acknowledgements and Teams replies, so worker processes draw beside the loop, on the other
    cores. If the pool breaks, the chart is drawn in a thread rather than lost.
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


@dataclass(frozen=True, slots=True)
class Box:
    """The plotting area, in pixels (y grows downwards, as in the image)."""

    left: int
    top: int
    right: int
    bottom: int


def chart_png(chart: Chart, *, dpi: int = 100) -> bytes:
    """Grouped bars, one group per week, one colour per series; the title on the left and
    the legend on the right above the bars, so the legend never hides a bar."""
    scale = dpi / 72  # font sizes are in points, as they were with matplotlib
    width, height = round(SIZE_INCHES[0] * dpi), round(SIZE_INCHES[1] * dpi)
    small, large = round(8 * scale), round(10 * scale)  # font sizes in pixels
    # A palette image: each pixel is an index into PALETTE (8 colours, then the shades
    # of anti-aliased text), a third of the bytes of RGB to compress.
    image = Image.new("L", (width, height), WHITE)
    draw = ImageDraw.Draw(image)
    top_value = max((max(s.values, default=0) for s in chart.series), default=0)
    ticks = y_ticks(top_value)
    pad = round(6 * scale)
    box = Box(
        left=pad * 2 + max(_text_width(str(tick), small) for tick in ticks),
        top=round(height * 0.15),
        right=width - round(width * 0.02),
        bottom=height - round(height * 0.13),
    )
    _draw_y_axis(image, draw, box, ticks, small, pad)
    _draw_bars(image, draw, box, chart, ticks[-1], small, pad)
    _text(image, (box.left, box.top // 2), chart.title, large, "lm")
    _draw_legend(image, draw, box, chart, small, pad)
    image.putpalette(PALETTE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def y_ticks(top_value: int) -> list[int]:
    """Whole-number ticks from 0 to the first 5 % above `top_value` (so the tallest bar does
    not touch the top), 1, 2 or 5 × 10ⁿ apart, at most `MOST_Y_STEPS` intervals (as
    matplotlib's integer locator chose)."""
    reach = top_value * 1.05
    step = 1
    while True:
        for multiple in (1, 2, 5):
            if math.ceil(reach / (step * multiple)) <= MOST_Y_STEPS:
                size = step * multiple
                return [size * n for n in range(max(1, math.ceil(reach / size)) + 1)]
        step *= 10


def _draw_y_axis(
    image: Image.Image,
    draw: ImageDraw.ImageDraw,
    box: Box,
    ticks: Sequence[int],
    font: int,
    pad: int,
) -> None:
    """Faint grid lines at each tick, the tick labels right-aligned, the axis line."""
    tick = max(2, pad // 2)
    for value in ticks:
        y = _y(box, value, ticks[-1])
        if value:
            draw.line((box.left, y, box.right, y), fill=GRID)
        draw.line((box.left - tick, y, box.left, y), fill=AXIS)
        _text(image, (box.left - tick - 2, y), str(value), font, "rm")
    draw.line((box.left, box.top, box.left, box.bottom), fill=AXIS)


def _draw_bars(
    image: Image.Image,
    draw: ImageDraw.ImageDraw,
    box: Box,
    chart: Chart,
    top: int,
    font: int,
    pad: int,
) -> None:
    """One slot per label: its series' bars side by side over 80 % of it, the label below."""
    slot = (box.right - box.left) / max(1, len(chart.labels))
    bar = slot * 0.8 / max(1, len(chart.series))
    for position, label in enumerate(chart.labels):
        start = box.left + slot * position + slot * 0.1
        for index, series in enumerate(chart.series):
            if (value := series.values[position]) > 0:
                x0, x1 = round(start + bar * index), round(start + bar * (index + 1)) - 1
                draw.rectangle((x0, _y(box, value, top), x1, box.bottom), fill=_series(index))
        centre = round(box.left + slot * (position + 0.5))
        draw.line((centre, box.bottom, centre, box.bottom + pad // 2), fill=AXIS)
        _text(image, (centre, box.bottom + pad), label[5:], font, "mt")  # 2026-11-23 → 11-23
    draw.line((box.left, box.bottom, box.right, box.bottom), fill=AXIS)


def _draw_legend(
    image: Image.Image, draw: ImageDraw.ImageDraw, box: Box, chart: Chart, font: int, pad: int
) -> None:
    """A swatch and a name per series, right-aligned on the title's line."""
    swatch = round(font * 0.9)
    middle = box.top // 2
    x = box.right
    for index in reversed(range(len(chart.series))):
        name = chart.series[index].name
        x -= _text_width(name, font)
        _text(image, (x, middle), name, font, "lm")
        x -= pad // 2 + swatch
        corner = (x, middle - swatch // 2)
        draw.rectangle((*corner, x + swatch - 1, corner[1] + swatch - 1), fill=_series(index))
        x -= pad * 2


def _y(box: Box, value: int, top: int) -> int:
    return round(box.bottom - (box.bottom - box.top) * value / max(1, top))


def _series(index: int) -> int:
    return FIRST_SERIES + index % len(COLOURS)


def _text(image: Image.Image, at: tuple[int, int], text: str, pixels: int, anchor: str) -> None:
    """`text` in INK on the white background, placed as `anchor` says (Pillow's anchors)."""
    if not text:
        return
    shades, mask, (dx, dy) = _rendered(text, pixels, anchor)
    image.paste(shades, (at[0] + dx, at[1] + dy), mask)


@lru_cache(maxsize=2048)
def _rendered(
    text: str, pixels: int, anchor: str
) -> tuple[Image.Image, Image.Image, tuple[int, int]]:
    """A text drawn once per process (the same titles, names, weeks and numbers come back in
    every chart): its pixels as palette shades, where it covers, and its offset from the
    anchor."""
    font = _font(pixels)
    left, top, right, bottom = (math.floor(v) for v in font.getbbox(text, anchor=anchor))
    coverage = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(coverage).text((-left, -top), text, fill=255, font=font, anchor=anchor)
    return coverage.point(_SHADE_OF), coverage.point(_COVERED), (left, top)


@lru_cache(maxsize=2048)
def _text_width(text: str, pixels: int) -> int:
    return math.ceil(_font(pixels).getlength(text))


@cache
def _font(pixels: int) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (the face matplotlib drew these charts in) at `pixels`, loaded once per
    size and process; Pillow's own scalable face where DejaVu cannot be found."""
    for path in _font_files():
        if path.is_file():
            return ImageFont.truetype(str(path), pixels)
    fallback = ImageFont.load_default(pixels)
    if not isinstance(fallback, ImageFont.FreeTypeFont):
        raise RuntimeError("charts need Pillow built with FreeType")
    return fallback


def _font_files() -> list[Path]:
    """Where DejaVu Sans is: matplotlib's own copy (found without importing matplotlib,
    which takes a second), then Debian's."""
    spec = find_spec("matplotlib")
    folders = (spec.submodule_search_locations or []) if spec else []
    files = [Path(folder) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf" for folder in folders]
    return [*files, Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")]
