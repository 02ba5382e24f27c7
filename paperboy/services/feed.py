"""The daily feed: a day's, week's or month's papers, most upvoted first."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from paperboy.domain import Paper
from paperboy.store import Database
from paperboy.store import feed as feed_store
from paperboy.store.papers import row_to_paper

Period = Literal["day", "week", "month"]
PERIODS: tuple[Period, ...] = ("day", "week", "month")
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class FeedItem:
    paper_id: int
    key: str
    paper: Paper
    upvotes: int
    first_day: date
    submitted_by: str | None
    origins: tuple[str, ...]


@dataclass(frozen=True)
class FeedPage:
    period: Period
    first_day: date
    last_day: date
    items: tuple[FeedItem, ...]
    total: int
    page: int
    per_page: int
    # Nearest earlier and later days that have papers, for previous/next links.
    previous_day: date | None
    next_day: date | None

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def period_bounds(day: date, period: Period) -> tuple[date, date]:
    """The days a period around day covers: the day, its Monday-to-Sunday week, its month."""
    if period == "day":
        return day, day
    if period == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def latest_feed_day(db: Database, not_after: date | None = None) -> date | None:
    """The most recent day that has papers (arXiv announces nothing at weekends)."""
    with db.connect() as conn:
        return feed_store.latest_day(conn, not_after)


def feed_page(db: Database, day: date, period: Period = "day", page: int = 1, per_page: int = 30) -> FeedPage:
    """One page of the feed for the period around day."""
    if period not in PERIODS:
        raise ValueError(f"period {period!r} is not one of {', '.join(PERIODS)}")
    if page < 1:
        raise ValueError(f"page {page} is not a positive number")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"per_page {per_page} is outside 1..{MAX_PER_PAGE}")
    first, last = period_bounds(day, period)
    with db.connect() as conn:
        rows, total = feed_store.ranked_papers_between(conn, first, last, per_page, (page - 1) * per_page)
        origins = feed_store.origins_of(conn, [r.id for r in rows], first, last)
        previous_day, next_day = feed_store.neighbour_days(conn, first, last)
    items = tuple(
        FeedItem(
            paper_id=r.id,
            key=r.key,
            paper=row_to_paper(r),
            upvotes=int(r.upvotes or 0),
            first_day=r.first_day,
            submitted_by=r.submitted_by,
            origins=tuple(origins.get(r.id, ())),
        )
        for r in rows
    )
    return FeedPage(period, first, last, items, total, page, per_page, previous_day, next_day)
