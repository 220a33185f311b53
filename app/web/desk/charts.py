"""Bar charts drawn on the server as SVG: no script, each one described by its title and a
sentence for screen readers, and always shown next to the table of its figures."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 260
#: room for the value above each bar and the label below it
TOP, BOTTOM, SIDE = 24, 40, 8


@dataclass(frozen=True)
class Bar:
    label: str
    #: the label drawn under the bar (the table beside gives the full one)
    short: str
    text: str
    x: float
    y: float
    width: float
    height: float

    @property
    def middle(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    #: what the chart shows, in one sentence (the accessible name's description)
    summary: str
    bars: list[Bar]
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM


def bar_chart(
    id: str,
    title: str,
    points: Sequence[tuple[str, str, float | None]],
    text: Callable[[float], str],
    *,
    maximum: float | None = None,
) -> BarChart:
    """One bar per (label, short label, value); a missing value draws no bar and says « sans objet »."""
    values = [v for _, _, v in points if v is not None]
    top = maximum if maximum is not None else max(values, default=0) or 1
    slot = (WIDTH - 2 * SIDE) / max(len(points), 1)
    room = HEIGHT - TOP - BOTTOM
    bars = []
    for i, (label, short, value) in enumerate(points):
        height = room * (value or 0) / top
        bars.append(
            Bar(
                label=label,
                short=short,
                text=text(value) if value is not None else "sans objet",
                x=SIDE + i * slot + slot * 0.15,
                y=TOP + room - height,
                width=slot * 0.7,
                height=height,
            )
        )
    summary = (
        f"{title} : " + ", ".join(f"{b.label} : {b.text}" for b in bars) + "." if bars else f"{title} : aucune donnée."
    )
    return BarChart(id, title, summary, bars)
