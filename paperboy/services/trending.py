"""Trending: the papers listed in the last week, highest trending score first."""

from __future__ import annotations

from datetime import datetime, timedelta

from paperboy.domain.clock import naive_utc, utcnow
from paperboy.services.feed import FeedPage, ranked_page
from paperboy.store import Database

# /trending covers the papers listed in the last 7 days, today (UTC) included.
TRENDING_DAYS = 7


def trending_page(
    db: Database, now: datetime | None = None, page: int = 1, per_page: int = 30, viewer_id: int | None = None
) -> FeedPage:
    """The papers listed in the last 7 days, ranked by the trending score at now.

    The page's period is "week"; first_day and last_day say which days it covers.
    """
    at = naive_utc(now) if now else utcnow()
    last = at.date()
    first = last - timedelta(days=TRENDING_DAYS - 1)
    return ranked_page(db, "week", first, last, at, page, per_page, viewer_id)
