"""The topic map drawn on the server as inline SVG, in the manner of charts.py: no script,
no style attributes (the CSP is unchanged), colours from CSS classes (.topic-0 ...), so
dark mode is the stylesheet's.

Each paper is an <a> to its page holding a circle with a <title> (the hover text). Keyboard
users Tab through the points; a point's caption (its title) sits in a strip under the
plot, hidden until the point is focused or hovered, so it never hides other points. Topic
names are drawn last, at the middle of their points. The page lists the topics and their
papers beside the picture for readers who cannot see it."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
from markupsafe import Markup, escape

from paperboy.domain.text import clip
from paperboy.domain.topics import fit_box
from paperboy.services.insight.topic_map import TopicMap
from paperboy.web.cards import paper_path

WIDTH = 1000
PLOT_HEIGHT = 620
CAPTION_ROOM = 34  # the strip under the plot where a focused point's title appears
MARGIN = 16
PALETTE_SIZE = 12  # .topic-0 .. .topic-11 in style.css; more topics reuse colours
RADIUS = 3.2
CAPTION_CHARS = 105


def map_svg(found: TopicMap, highlighted: Collection[int] | None = None, svg_id: str = "topic-map") -> Markup:
    """The map; with `highlighted` (paper ids), those points are marked and the others dimmed."""
    if not found.points:
        return Markup("")
    raw = np.array([[p.x, p.y] for p in found.points], dtype=float)
    placed = fit_box(raw, WIDTH, PLOT_HEIGHT, MARGIN)
    height = PLOT_HEIGHT + CAPTION_ROOM
    caption_y = PLOT_HEIGHT + CAPTION_ROOM - 12
    names = [t.name for t in found.topics]
    classes = " highlighting" if highlighted is not None else ""
    parts = [
        f'<svg class="topic-map{classes}" id="{escape(svg_id)}" viewBox="0 0 {WIDTH} {height}" '
        f'role="group" aria-labelledby="{escape(svg_id)}-title">',
        f'<title id="{escape(svg_id)}-title">Map of {len(found.points):,} papers in '
        f"{len(found.topics)} topics; each point links to its paper</title>",
        f'<rect class="caption-strip" x="0" y="{PLOT_HEIGHT}" width="{WIDTH}" height="{CAPTION_ROOM}"/>',
        f'<text class="caption-hint" x="{MARGIN}" y="{caption_y}">Point at a paper, or Tab to it, '
        "to read its title</text>",
    ]
    for point, (x, y) in zip(found.points, placed.tolist(), strict=True):
        hit = highlighted is not None and point.paper_id in highlighted
        topic_name = names[point.topic] if point.topic < len(names) else ""
        # The caption names the topic too; the hover title is the paper's alone (size: a
        # busy week is 2,400 points, and every byte here is sent 2,400 times).
        caption = escape(clip(f"{point.title} · {topic_name}", CAPTION_CHARS))
        parts.append(
            f'<a class="point topic-{point.topic % PALETTE_SIZE}{" hit" if hit else ""}" '
            f'href="{escape(paper_path(point.key))}">'
            f'<circle cx="{x:.0f}" cy="{y:.0f}" r="{RADIUS * (1.6 if hit else 1):.1f}">'
            f"<title>{escape(point.title)}</title></circle>"
            f'<text class="caption" x="{MARGIN}" y="{caption_y}">{caption}</text></a>'
        )
    for topic, (x, y) in _label_places(found, placed):
        parts.append(
            f'<text class="topic-label" x="{x:.1f}" y="{y:.1f}" text-anchor="middle">'
            f"{escape(clip(found.topics[topic].labels[0], 32))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _label_places(found: TopicMap, placed: np.ndarray) -> list[tuple[int, tuple[float, float]]]:
    """Where each named topic's label goes: the median of its points, kept inside the plot."""
    assignments = np.array([p.topic for p in found.points])
    places = []
    for topic in found.topics:
        members = placed[assignments == topic.number]
        if not topic.labels or len(members) == 0:
            continue
        x, y = np.median(members, axis=0)
        places.append(
            (topic.number, (float(np.clip(x, 90, WIDTH - 90)), float(np.clip(y, 18, PLOT_HEIGHT - 6))))
        )
    return places
