"""The digest chart's picture: a PNG of the agreed size whose bars stand where the numbers
say, one colour per series, with its words drawn (read back pixel by pixel with Pillow)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.messages import Chart, Series
from bot.views.chart_image import COLOURS, chart_png, y_ticks

WEEKS = ("2026-11-09", "2026-11-16", "2026-11-23")


def a_chart(celebrated: tuple[int, ...], callouts: tuple[int, ...]) -> Chart:
    return Chart(
        "Clauses celebrated and call-outs raised, week by week",
        WEEKS[: len(celebrated)],
        (Series("celebrated", celebrated), Series("call-outs", callouts)),
    )


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def rgb(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def bars(image: Image.Image, colour: str) -> list[tuple[int, int]]:
    """(middle column, height in pixels) of each run of columns painted `colour` below the
    header (the legend's swatches are in the top eighth), left to right."""
    wanted = rgb(colour)
    pixels = image.load()
    assert pixels is not None
    heights = [
        sum(1 for y in range(image.height // 8, image.height) if pixels[x, y] == wanted)
        for x in range(image.width)
    ]
    runs: list[tuple[int, int]] = []
    start = None
    for x, height in enumerate([*heights, 0]):
        if height and start is None:
            start = x
        elif not height and start is not None:
            runs.append(((start + x - 1) // 2, max(heights[start:x])))
            start = None
    return runs


def dark_columns(image: Image.Image, rows: range) -> set[int]:
    """Columns with text-dark pixels in `rows` (text is near-black; the axes are grey)."""
    grey = image.convert("L").load()
    assert grey is not None
    return {x for x in range(image.width) for y in rows if grey[x, y] < 60}


def test_the_chart_is_a_png_of_the_agreed_size() -> None:
    assert decoded(chart_png(a_chart((3, 5), (1, 0)))).size == (640, 280)
    assert decoded(chart_png(a_chart((3, 5), (1, 0)), dpi=200)).size == (1280, 560)


def test_each_bar_stands_in_its_week_as_tall_as_its_number() -> None:
    image = decoded(chart_png(a_chart((12, 0, 6), (1, 3, 0))))
    celebrated, callouts = bars(image, COLOURS[0]), bars(image, COLOURS[1])
    assert len(celebrated) == 2  # nothing drawn for a week with none
    assert len(callouts) == 2
    (week1, tall), (week3, short) = celebrated
    (week1_callouts, one), (week2_callouts, three) = callouts
    # Within a week the series stand side by side, in order; the weeks go left to right.
    assert week1 < week1_callouts < week2_callouts < week3
    assert tall == pytest.approx(2 * short, abs=2)
    assert three == pytest.approx(3 * one, abs=2)
    assert tall > three


def test_the_same_scale_holds_across_charts() -> None:
    """A bar of 10 on an axis up to 20 is half as tall as one of 20 on the same axis."""
    image = decoded(chart_png(a_chart((10, 20), (0, 0))))
    (_, ten), (_, twenty) = bars(image, COLOURS[0])
    assert twenty == pytest.approx(2 * ten, abs=2)
    assert bars(image, COLOURS[1]) == []


def test_the_legend_shows_each_series_colour_above_the_bars() -> None:
    image = decoded(chart_png(a_chart((4, 5), (0, 0))))
    header = image.crop((0, 0, image.width, image.height // 8))
    colours = {colour for _, colour in header.getcolors(maxcolors=65536) or []}
    assert rgb(COLOURS[0]) in colours
    assert rgb(COLOURS[1]) in colours  # a series with no bars still has its legend entry


def test_the_title_and_each_week_are_written() -> None:
    image = decoded(chart_png(a_chart((4, 5, 6), (1, 1, 1))))
    title_row = dark_columns(image, range(0, image.height // 8))
    assert len(title_row) > image.width // 3  # a long title, left of the legend
    below_axis = dark_columns(image, range(image.height * 9 // 10, image.height))
    for (celebrated, _), (callouts, _) in zip(
        bars(image, COLOURS[0]), bars(image, COLOURS[1]), strict=True
    ):
        middle = (celebrated + callouts) // 2
        assert any(abs(x - middle) < 10 for x in below_axis)  # the week's date under its bars


def test_a_chart_of_nothing_but_zeros_still_draws() -> None:
    image = decoded(chart_png(a_chart((0, 0), (0, 0))))
    assert image.size == (640, 280)
    assert bars(image, COLOURS[0]) == []


@pytest.mark.parametrize(
    ("top_value", "ticks"),
    [
        (0, [0, 1]),
        (3, [0, 1, 2, 3, 4]),
        (15, [0, 2, 4, 6, 8, 10, 12, 14, 16]),
        (30, [0, 5, 10, 15, 20, 25, 30, 35]),
        (1234, [0, 200, 400, 600, 800, 1000, 1200, 1400]),
    ],
)
def test_the_value_axis_has_a_few_round_ticks_above_the_tallest_bar(
    top_value: int, ticks: list[int]
) -> None:
    assert y_ticks(top_value) == ticks
