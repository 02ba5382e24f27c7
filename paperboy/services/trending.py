"""Trending: the papers listed in the last week, highest trending score first.

Before anyone has voted, a score ranks nothing, so trending never shows a blank or
arbitrary page: it shows the newest day's papers ranked by the signals there are
(comments, then submissions, then recency) and says so (`FeedPage.fallback`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from paperboy.domain.clock import naive_utc, utcnow
from paperboy.services.feed import FeedPage, ranked_page
from paperboy.store import Database
from paperboy.store import feed as feed_store

# /trending covers the papers listed in the last 7 days, today (UTC) included.
TRENDING_DAYS = 7


def trending_page(
    db: Database, now: datetime | None = None, page: int = 1, per_page: int = 30, viewer_id: int | None = None
) -> FeedPage:
    """The papers listed in the last 7 days, ranked by the trending score at now.

    The page's period is "week"; first_day and last_day say which days it covers. When no
    paper of those days has a vote, it is the newest day's papers instead (period "day",
    fallback True), most discussed first, then the ones someone submitted, then newest.
    """
    at = naive_utc(now) if now else utcnow()
    last = at.date()
    first = last - timedelta(days=TRENDING_DAYS - 1)
    if _has_votes(db, first, last):
        return ranked_page(db, "week", first, last, at, page, per_page, viewer_id)
    with db.connect() as conn:
        newest = feed_store.latest_day(conn, not_after=last)
    if newest is None:
        return ranked_page(db, "week", first, last, at, page, per_page, viewer_id)
    return ranked_page(
        db, "day", newest, newest, at, page, per_page, viewer_id, sort="signals", fallback=True
    )


def _has_votes(db: Database, first: date, last: date) -> bool:
    with db.connect() as conn:
        listings, _ = feed_store.ranked_papers_between(conn, first, last, 1, 0)
    return bool(listings) and listings[0].votes > 0
