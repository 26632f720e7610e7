"""Leads per day per treatment as stacked bars: geometry for an inline SVG. Pure.

Drawn on the server so the admin page needs no script and no CDN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

WIDTH = 720
HEIGHT = 180
# Label size in viewBox units. The stylesheet never draws the chart narrower than
# WIDTH CSS pixels (it scrolls sideways on a phone instead), so a unit is at least
# a pixel and the labels at least FONT_SIZE px (a test checks the two agree).
FONT_SIZE = 12
LEFT = 36  # room for the y-axis labels
RIGHT = 20  # room for half of the last date label ("11月26日")
BOTTOM = 22  # room for the date labels
TOP = 8
DAYS = 30
COLOURS = ("#0f766e", "#b54708", "#5b4bb7", "#a61b4a")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: date
    series: str
    count: int
    colour: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class DayTick:
    """A date on the x axis; the template formats it in the page's language."""

    position: float
    day: date


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[DayTick, ...]
    legend: tuple[tuple[str, str], ...]  # (series, colour)
    total: int
    baseline: float
    left: int
    font_size: int = FONT_SIZE


def last_days(today: date, days: int = DAYS) -> list[date]:
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def daily_chart(
    days: Sequence[date], series: Sequence[str], counts: Mapping[tuple[date, str], int]
) -> Chart:
    """Stacked bars, one per day, one segment per series with leads that day."""
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(days), 1)
    peak = max((sum(counts.get((d, s), 0) for s in series) for d in days), default=0)
    scale_top = _nice_ceiling(peak)
    bars: list[Bar] = []
    for index, day in enumerate(days):
        stacked = 0
        for number, name in enumerate(series):
            count = counts.get((day, name), 0)
            if count == 0:
                continue
            height = plot_height * count / scale_top
            y = TOP + plot_height - plot_height * (stacked + count) / scale_top
            x = LEFT + index * slot + slot * 0.15
            colour = COLOURS[number % len(COLOURS)]
            bars.append(Bar(x, y, slot * 0.7, height, day, name, count, colour))
            stacked += count
    y_ticks = tuple(
        Tick(TOP + plot_height - plot_height * value / scale_top, str(value))
        for value in (0, scale_top // 2, scale_top)
    )
    x_ticks = tuple(
        DayTick(LEFT + index * slot + slot / 2, day)
        for index, day in enumerate(days)
        if (len(days) - 1 - index) % 7 == 0
    )
    legend = tuple((name, COLOURS[n % len(COLOURS)]) for n, name in enumerate(series))
    total = sum(counts.get((d, s), 0) for d in days for s in series)
    return Chart(
        WIDTH, HEIGHT, tuple(bars), y_ticks, x_ticks, legend, total, TOP + plot_height, LEFT
    )


def _nice_ceiling(value: int) -> int:
    """An even number at or above `value` (at least 2), so the mid tick is whole."""
    return max(2, value + value % 2)
