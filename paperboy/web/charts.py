"""Small bar charts drawn on the server as inline SVG: no script, nothing the Content
Security Policy has to allow (presentation attributes, not style attributes), and colours
from the page's CSS classes (.chart .bar, .chart .tick), so dark mode is the stylesheet's.
Every bar carries a <title> (its value on hover); pages put a table beside the chart for
readers who cannot see it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

WIDTH = 720
HEIGHT = 180
AXIS_ROOM = 22  # below the bars, for the tick labels
TOP_ROOM = 14  # above the tallest bar, for its value
MAX_TICKS = 8


@dataclass(frozen=True, slots=True)
class Bar:
    tick: str  # short label under the axis, shown for some bars ("Mar 2025")
    label: str  # the bar's full description ("March 2025: 3 papers")
    value: int


def bar_chart(bars: Sequence[Bar], title: str, chart_id: str) -> Markup:
    """An SVG bar chart of `bars` in order, titled for screen readers by `title`."""
    if not bars:
        return Markup("")
    top = max(max(b.value for b in bars), 1)
    slot = WIDTH / len(bars)
    gap = min(slot * 0.2, 4.0)
    plot = HEIGHT - AXIS_ROOM - TOP_ROOM
    every = max(1, -(-len(bars) // MAX_TICKS))  # ceiling division
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<text class="tick" x="0" y="{TOP_ROOM - 3}">{top:,}</text>',
        f'<line class="axis" x1="0" y1="{HEIGHT - AXIS_ROOM}" x2="{WIDTH}" y2="{HEIGHT - AXIS_ROOM}"/>',
    ]
    for i, bar in enumerate(bars):
        height = plot * bar.value / top
        x = i * slot + gap / 2
        y = HEIGHT - AXIS_ROOM - height
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{max(slot - gap, 0.5):.1f}" '
            f'height="{height:.1f}"><title>{escape(bar.label)}</title></rect>'
        )
        if i % every == 0:
            parts.append(f'<text class="tick" x="{i * slot:.1f}" y="{HEIGHT - 6}">{escape(bar.tick)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _papers(n: int) -> str:
    return f"{n:,} paper{'' if n == 1 else 's'}"


def monthly_bars(months: Sequence[tuple[date, int]]) -> list[Bar]:
    return [Bar(f"{m:%b %Y}", f"{m:%B %Y}: {_papers(n)}", n) for m, n in months]


def weekly_bars(weeks: Sequence[tuple[date, int]]) -> list[Bar]:
    return [Bar(f"{w.day} {w:%b %y}", f"Week of {w.day} {w:%B %Y}: {_papers(n)}", n) for w, n in weeks]
