"""A subscription to a digest or a saved-search alert, and what one may be."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# What a subscription can be about, and how often it is sent.
KINDS = ("trending", "search", "for_you")
FREQUENCIES = ("daily", "weekly")
# A for-you digest: how many papers (FOR_YOU_COUNTS), and the least fused score (a sum of
# z-scores over the period's papers: 0 is the average paper for the reader, 2 well above it).
FOR_YOU_COUNTS = (5, 50)
FOR_YOU_DEFAULT_COUNT = 10
FOR_YOU_SCORES = (-5.0, 10.0)


@dataclass(frozen=True)
class Subscription:
    """One subscription as stored and as pages show it. filters is a dict of strings
    (possibly empty): mode, category, after, before."""

    id: int
    email: str
    kind: str
    frequency: str
    query: str | None
    filters: dict[str, str]
    status: str
    pause_reason: str | None
    created_at: datetime
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None
    bounces: int
    alert_watermark: datetime | None
    dedupe_key: str
    # What its links sign: its own secret, and its address's manage secret; never shown.
    secret: str = field(repr=False)
    manage_secret: str = field(repr=False)

    def describe(self) -> str:
        """'Daily trending papers', or 'Weekly alert: "graph neural networks" in cs.LG'."""
        return describe(self.kind, self.frequency, self.query, self.filters)


def describe(kind: str, frequency: str, query: str | None, filters: dict[str, str]) -> str:
    """A subscription in a few words, for pages and subject lines."""
    how_often = frequency.capitalize()
    if kind == "trending":
        return f"{how_often} trending papers"
    if kind == "for_you":
        text = f"{how_often} papers for you (top {filters.get('count', FOR_YOU_DEFAULT_COUNT)}"
        if float(filters.get("min_score", "-inf")) > FOR_YOU_SCORES[0]:
            text += f", score at least {filters['min_score']}"
        return text + ")"
    text = f'{how_often} alert: "{query}"'
    if filters.get("category"):
        text += f" in {filters['category']}"
    if filters.get("after"):
        text += f" after {filters['after']}"
    if filters.get("before"):
        text += f" before {filters['before']}"
    return text
