"""The daily feed and trending: a day's, week's, month's or the last week's papers, ranked by
the trending score (paperboy.rank.trending), votes fading with age."""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from paperboy.domain import Paper
from paperboy.domain.clock import naive_utc, utcnow
from paperboy.domain.errors import InvalidRequest
from paperboy.rank.trending import day_weights
from paperboy.store import Database
from paperboy.store import feed as feed_store
from paperboy.store import votes as vote_store

Period = Literal["day", "week", "month"]
PERIODS: tuple[Period, ...] = ("day", "week", "month")
# The orders a reader can choose; trending's fallback also uses "signals" (store/feed.py).
Sort = Literal["trending", "newest", "discussed"]
SORTS: tuple[Sort, ...] = ("trending", "newest", "discussed")
# The API's page size limit.
MAX_PER_PAGE = 100
# The most papers one list may hold: a whole day (a real arXiv day has 300 to 1,300) fits.
MAX_LIST = 3000


@dataclass(frozen=True)
class FeedItem:
    """A paper on a list. upvotes and votes are both the total shown: community votes plus
    the highest upvote count a source gave it; voted says whether the viewer voted."""

    paper_id: int
    key: str
    paper: Paper
    upvotes: int
    first_day: date
    submitted_by: str | None
    origins: tuple[str, ...]
    votes: int = 0
    voted: bool = False
    comments: int = 0
    score: float = 0.0
    # Entries that name who submitted the paper (a member, or Hugging Face's submitter).
    submissions: int = 0


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
    sort: str = "trending"
    # The category (or archive) the list is limited to, if any.
    category: str | None = None
    # Every category listed in the period and how many papers it has, most first (asked for).
    categories: tuple[tuple[str, int], ...] = ()
    # Trending without votes: the newest day ranked by the signals there are (see trending.py).
    fallback: bool = False
    # With categories: how many papers the period has whatever the category.
    period_total: int = 0

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


def feed_page(
    db: Database,
    day: date,
    period: Period = "day",
    page: int = 1,
    per_page: int = 30,
    viewer_id: int | None = None,
    now: datetime | None = None,
    sort: str = "trending",
    category: str | None = None,
    with_categories: bool = False,
) -> FeedPage:
    """One page of the feed for the period around day, ranked by the trending score
    evaluated at the end of the period (or now, for the period still running), or by
    `sort` ("newest", "discussed"); `category` keeps one category's papers, and
    with_categories counts every category of the period for filter chips."""
    if period not in PERIODS:
        raise InvalidRequest(f"period {period!r} is not one of {', '.join(PERIODS)}")
    if sort not in SORTS:
        raise InvalidRequest(f"sort {sort!r} is not one of {', '.join(SORTS)}")
    first, last = period_bounds(day, period)
    end_of_period = datetime.combine(last + timedelta(days=1), time())
    at = min(naive_utc(now) if now else utcnow(), end_of_period)
    return ranked_page(
        db, period, first, last, at, page, per_page, viewer_id, sort, category, with_categories
    )


def ranked_page(
    db: Database,
    period: Period,
    first: date,
    last: date,
    at: datetime,
    page: int,
    per_page: int,
    viewer_id: int | None,
    sort: str = "trending",
    category: str | None = None,
    with_categories: bool = False,
    fallback: bool = False,
) -> FeedPage:
    """Papers listed in [first, last] in `sort` order (the trending score at `at` by default),
    with the viewer's votes. A fixed number of queries whatever the list's length."""
    if page < 1:
        raise InvalidRequest(f"page {page} is not a positive number")
    if not 1 <= per_page <= MAX_LIST:
        raise InvalidRequest(f"per_page {per_page} is outside 1..{MAX_LIST}")
    weights = day_weights(first, last, at)
    with db.connect() as conn:
        listings, total = feed_store.ranked_papers_between(
            conn, first, last, per_page, (page - 1) * per_page, weights, sort, category
        )
        ids = [listing.stored.id for listing in listings]
        origins = feed_store.origins_of(conn, ids, first, last)
        previous_day, next_day = feed_store.neighbour_days(conn, first, last)
        voted = vote_store.voted_among(conn, viewer_id, ids) if viewer_id is not None else set()
        fields: list[tuple[str, ...]] = []
        if with_categories and category is None and len(listings) == total:
            # The whole period is in hand: count it here.
            fields = [listing.stored.paper.categories for listing in listings]
        elif with_categories:
            fields = feed_store.categories_between(conn, first, last)
    items = tuple(
        FeedItem(
            paper_id=listing.stored.id,
            key=listing.stored.key,
            paper=listing.stored.paper,
            upvotes=listing.votes,
            first_day=listing.first_day,
            submitted_by=listing.submitted_by,
            origins=tuple(origins.get(listing.stored.id, ())),
            votes=listing.votes,
            voted=listing.stored.id in voted,
            comments=listing.comments,
            score=listing.score,
            submissions=listing.submissions,
        )
        for listing in listings
    )
    return FeedPage(
        period,
        first,
        last,
        items,
        total,
        page,
        per_page,
        previous_day,
        next_day,
        sort=sort,
        category=category,
        categories=count_categories(fields),
        fallback=fallback,
        period_total=len(fields),
    )


def count_categories(fields: Sequence[Sequence[str]]) -> tuple[tuple[str, int], ...]:
    """(category, papers listed in it), most papers first, then by name; fields holds each
    paper's categories."""
    counts = Counter(category for field in fields for category in dict.fromkeys(field))
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
