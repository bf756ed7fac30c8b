"""Chart geometry for the dashboard, drawn as plain SVG by the templates.

Charts are computed on the server, so the page needs no chart library and no
script: each bar is an SVG link to the complaint list filtered to what it
counts (drill-down), with a <title> for pointer and screen-reader users. Two
shapes cover the dashboard: stacked columns over time and stacked horizontal
bars per enterprise or region. Colours are CSS classes `c0`..`c9` assigned in
legend order, so a category keeps its colour across charts.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

PALETTE_SIZE = 10


@dataclass(frozen=True)
class Segment:
    key: str  # the series (e.g. category code); picks the colour
    value: float
    href: str  # where a click on this segment leads
    title: str  # the tooltip / accessible name


@dataclass(frozen=True)
class Group:
    label: str
    href: str
    segments: tuple[Segment, ...]

    @property
    def total(self) -> float:
        return sum(s.value for s in self.segments)


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    css: str
    href: str
    title: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    href: str = ""


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    rects: tuple[Rect, ...]
    texts: tuple[Text, ...]
    grid: tuple[tuple[float, float, float, float], ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not self.rects


def colours(keys: Sequence[str]) -> dict[str, str]:
    """Give each series key its CSS colour class, in legend order."""
    return {k: f"c{i % PALETTE_SIZE}" for i, k in enumerate(keys)}


def nice_step(value: float, most: int = 5) -> float:
    """The axis step: 1, 2 or 5 times a power of ten, at least 1 (counts are whole)."""
    if value <= most:
        return 1.0
    rough = value / most
    power = 10 ** math.floor(math.log10(rough))
    for step in (1, 2, 5, 10):
        if rough <= step * power:
            return float(step * power)
    return float(10 * power)


def nice_max(value: float) -> float:
    """Round an axis maximum up to a whole number of steps."""
    step = nice_step(value)
    return max(step, math.ceil(value / step) * step)


def _fmt(value: float) -> str:
    return f"{value:g}" if value < 1000 else f"{value:,.0f}"


def columns(
    groups: Sequence[Group],
    palette: dict[str, str],
    *,
    width: int = 720,
    height: int = 240,
) -> Chart:
    """Stack each group's segments into a column; groups run left to right."""
    left, bottom, top = 40, 36, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    top_value = nice_max(max((g.total for g in groups), default=0))
    slot = plot_w / max(len(groups), 1)
    bar_w = max(min(slot * 0.7, 48), 2)
    rects: list[Rect] = []
    texts: list[Text] = []
    grid = []
    step = nice_step(top_value)
    for i in range(int(top_value / step) + 1):
        value = step * i
        y = top + plot_h - plot_h * value / top_value
        grid.append((left, y, width - 10, y))
        texts.append(Text(left - 4, y + 4, _fmt(value), "end"))
    label_every = max(1, math.ceil(len(groups) / 12))
    for i, group in enumerate(groups):
        x = left + slot * i + (slot - bar_w) / 2
        y = top + plot_h
        for seg in group.segments:
            if seg.value <= 0:
                continue
            h = plot_h * seg.value / top_value
            y -= h
            rects.append(
                Rect(x, y, bar_w, h, palette.get(seg.key, "c0"), seg.href, seg.title)
            )
        if i % label_every == 0:
            texts.append(
                Text(
                    x + bar_w / 2,
                    height - bottom + 16,
                    group.label,
                    "middle",
                    group.href,
                )
            )
    return Chart(width, height, tuple(rects), tuple(texts), tuple(grid))


def bars(
    groups: Sequence[Group],
    palette: dict[str, str],
    *,
    width: int = 720,
    label_width: int = 220,
    row: int = 26,
    top_value: float | None = None,
    suffix: str = "",
) -> Chart:
    """Stack each group's segments into a horizontal bar; one row per group."""
    plot_w = width - label_width - 60
    height = max(row * len(groups), row) + 8
    top_value = top_value or nice_max(max((g.total for g in groups), default=0))
    rects: list[Rect] = []
    texts: list[Text] = []
    for i, group in enumerate(groups):
        y = 4 + row * i
        x = float(label_width)
        texts.append(
            Text(label_width - 8, y + row / 2 + 4, group.label, "end", group.href)
        )
        for seg in group.segments:
            if seg.value <= 0:
                continue
            w = plot_w * min(seg.value, top_value) / top_value
            rects.append(
                Rect(
                    x,
                    y + 3,
                    w,
                    row - 8,
                    palette.get(seg.key, "c0"),
                    seg.href,
                    seg.title,
                )
            )
            x += w
        texts.append(Text(x + 6, y + row / 2 + 4, _fmt(group.total) + suffix))
    return Chart(width, height, tuple(rects), tuple(texts))
