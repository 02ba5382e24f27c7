"""Queries behind the daily feed: which papers were on which days."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, case, exists, func, literal, or_, select

from paperboy.domain.records import FeedListing, StoredPaper
from paperboy.store.papers import row_to_stored_paper
from paperboy.store.schema import comment, entry, paper, vote

# How a list can be ordered. "signals" is for lists without votes (trending's fallback):
# comments, then submissions, then recency.
SORTS = ("trending", "newest", "discussed", "signals")


def ranked_papers_between(
    conn: Connection,
    first_day: date,
    last_day: date,
    limit: int,
    offset: int,
    weights: Mapping[date, float] | None = None,
    sort: str = "trending",
    category: str | None = None,
) -> tuple[list[FeedListing], int]:
    """Papers listed in [first_day, last_day], in the order `sort` names, and how many there are.

    "trending" is the best trending score first, then newest: weights gives, per first day
    on the list, what one vote is worth (see paperboy.rank.trending); the score is
    votes * weights[first_day], votes being community votes plus the highest upvote count
    of any of the paper's entries. Without weights every vote is worth 1 (most votes first).
    "newest" is by publication (or first seen) date; "discussed" most comments first, then
    votes; "signals" comments, then submissions, then newest. category keeps the papers
    listed in a category (cs.CV) or an archive (cs). Listings hidden by a moderator and
    withdrawn papers are left out. Returns the page of listings and the total.
    """
    if sort not in SORTS:
        raise ValueError(f"sort {sort!r} is not one of {', '.join(SORTS)}")
    grouped = visible_papers_between(first_day, last_day)
    in_range = select(entry.c.paper_id).where(entry.c.day.between(first_day, last_day))
    community = (
        select(vote.c.paper_id, func.count().label("n"))
        .where(vote.c.paper_id.in_(in_range))
        .group_by(vote.c.paper_id)
        .subquery()
    )
    # A source's upvotes belong to the paper, whichever day they were counted on: the
    # feed shows the same total as the paper page and the answer to a vote.
    external = (
        select(entry.c.paper_id, func.max(entry.c.external_upvotes).label("n"))
        .where(entry.c.paper_id.in_(in_range))
        .group_by(entry.c.paper_id)
        .subquery()
    )
    discussion = (
        select(comment.c.paper_id, func.count().label("n"))
        .where(comment.c.paper_id.in_(in_range), comment.c.hidden.is_(False))
        .group_by(comment.c.paper_id)
        .subquery()
    )
    community_votes = func.coalesce(community.c.n, 0)
    external_upvotes = func.coalesce(external.c.n, 0)
    comment_count = func.coalesce(discussion.c.n, 0).label("comment_count")
    votes = (external_upvotes + community_votes).label("votes")
    if weights:
        weight = case({d: w for d, w in weights.items()}, value=grouped.c.first_day, else_=0.0)
        score = (votes * weight).label("score")
    else:
        score = (votes * 1.0).label("score")
    recency = func.coalesce(paper.c.published, paper.c.first_seen)
    order = {
        "trending": (score.desc(), recency.desc()),
        "newest": (recency.desc(),),
        "discussed": (comment_count.desc(), votes.desc(), recency.desc()),
        "signals": (comment_count.desc(), grouped.c.submissions.desc(), recency.desc()),
    }[sort]
    conditions = [paper.c.withdrawn.is_(False)]
    if category:
        conditions.append(in_category(category))
    rows = conn.execute(
        select(
            paper,
            votes,
            score,
            comment_count,
            grouped.c.submissions,
            grouped.c.first_day,
            grouped.c.submitted_by,
        )
        .join(grouped, grouped.c.paper_id == paper.c.id)
        .outerjoin(community, community.c.paper_id == paper.c.id)
        .outerjoin(external, external.c.paper_id == paper.c.id)
        .outerjoin(discussion, discussion.c.paper_id == paper.c.id)
        .where(*conditions)
        .order_by(*order, paper.c.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    listings = [
        FeedListing(
            stored=row_to_stored_paper(r),
            first_day=r.first_day,
            submitted_by=r.submitted_by,
            votes=int(r.votes or 0),
            score=float(r.score or 0.0),
            comments=int(r.comment_count or 0),
            submissions=int(r.submissions or 0),
        )
        for r in rows
    ]
    if offset == 0 and len(rows) < limit:
        return listings, len(listings)  # the whole list: no need to count it again
    total = conn.execute(
        select(func.count())
        .select_from(grouped)
        .join(paper, paper.c.id == grouped.c.paper_id)
        .where(*conditions)
    ).scalar_one()
    return listings, int(total)


def in_category(category: str) -> Any:
    """A condition: the paper is listed in the category (cs.CV), or in the archive (cs)."""
    padded = literal(" ") + paper.c.categories + literal(" ")
    # Categories are letters, digits, dots and hyphens (checked by the caller): no LIKE wildcards.
    if "." in category:
        return padded.like(f"% {category} %")
    return or_(padded.like(f"% {category} %"), padded.like(f"% {category}.%"))


def categories_between(conn: Connection, first_day: date, last_day: date) -> list[tuple[str, ...]]:
    """The categories (primary first) of every visible paper listed in [first_day, last_day],
    one tuple per paper, for counting categories."""
    grouped = visible_papers_between(first_day, last_day)
    fields = conn.execute(
        select(paper.c.categories)
        .join(grouped, grouped.c.paper_id == paper.c.id)
        .where(paper.c.withdrawn.is_(False))
    ).scalars()
    return [tuple((field or "").split()) for field in fields]


def primary_categories_by_day(
    conn: Connection, first_day: date, last_day: date
) -> list[tuple[date, str, int]]:
    """(day first listed, primary category, papers) for the visible papers listed in
    [first_day, last_day]: a few thousand rows for a month, however many papers."""
    grouped = visible_papers_between(first_day, last_day)
    rows = conn.execute(
        select(grouped.c.first_day, paper.c.primary_category, func.count())
        .join(grouped, grouped.c.paper_id == paper.c.id)
        .where(paper.c.withdrawn.is_(False), paper.c.primary_category.is_not(None))
        .group_by(grouped.c.first_day, paper.c.primary_category)
    )
    return [(day, category, int(count)) for day, category, count in rows]


def keywords_by_day(conn: Connection, first_day: date, last_day: date) -> list[tuple[date, list[str]]]:
    """(day first listed, key phrases) of each visible paper listed in [first_day, last_day]
    that has them: one short row a paper, a few thousand for a month."""
    grouped = visible_papers_between(first_day, last_day)
    rows = conn.execute(
        select(grouped.c.first_day, paper.c.keywords)
        .join(grouped, grouped.c.paper_id == paper.c.id)
        .where(paper.c.withdrawn.is_(False), paper.c.keywords.is_not(None))
    )
    return [(day, list(keywords)) for day, keywords in rows if keywords]


def visible_papers_between(first_day: date, last_day: date) -> Any:
    """A subquery: per paper listed in the range and not hidden, its highest external
    upvotes (upvotes), first day, a submitter's name and how many entries name a submitter."""
    # Correlated on paper_id (indexed), so the cost follows the range, not the whole table.
    other = entry.alias("other")
    hidden = exists().where(other.c.paper_id == entry.c.paper_id, other.c.hidden.is_(True))
    return (
        select(
            entry.c.paper_id,
            func.max(entry.c.external_upvotes).label("upvotes"),
            func.min(entry.c.day).label("first_day"),
            func.max(entry.c.submitted_by).label("submitted_by"),
            func.count(entry.c.submitted_by).label("submissions"),
        )
        .where(entry.c.day.between(first_day, last_day), ~hidden)
        .group_by(entry.c.paper_id)
        .subquery()
    )


def is_listing_hidden(conn: Connection, paper_id: int) -> bool:
    """Whether a moderator took the paper off the lists."""
    found = conn.execute(
        select(entry.c.id).where(entry.c.paper_id == paper_id, entry.c.hidden.is_(True)).limit(1)
    ).first()
    return found is not None


def user_entry_submitter(conn: Connection, day: date, paper_id: int) -> str | None:
    """Who submitted the paper on day (the community entry's name), or None."""
    return conn.execute(
        select(entry.c.submitted_by).where(
            entry.c.day == day, entry.c.paper_id == paper_id, entry.c.origin == "user"
        )
    ).scalar()


def origins_of(
    conn: Connection, paper_ids: list[int], first_day: date, last_day: date
) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if not paper_ids:
        return found
    rows = conn.execute(
        select(entry.c.paper_id, entry.c.origin)
        .where(entry.c.paper_id.in_(paper_ids), entry.c.day.between(first_day, last_day))
        .order_by(entry.c.id)
    )
    for paper_id, origin in rows:
        found.setdefault(paper_id, [])
        if origin not in found[paper_id]:
            found[paper_id].append(origin)
    return found


def newest_entry_id(conn: Connection) -> int:
    """The id of the newest feed entry (0 when there is none): it moves whenever a paper is listed."""
    return int(conn.execute(select(func.max(entry.c.id))).scalar() or 0)


def latest_day(conn: Connection, not_after: date | None = None) -> date | None:
    query = select(func.max(entry.c.day))
    if not_after is not None:
        query = query.where(entry.c.day <= not_after)
    return conn.execute(query).scalar()


def neighbour_days(conn: Connection, first_day: date, last_day: date) -> tuple[date | None, date | None]:
    """The nearest days with entries before first_day and after last_day."""
    before = conn.execute(select(func.max(entry.c.day)).where(entry.c.day < first_day)).scalar()
    after = conn.execute(select(func.min(entry.c.day)).where(entry.c.day > last_day)).scalar()
    return before, after


def papers_between(conn: Connection, first_day: date, last_day: date) -> list[StoredPaper]:
    """Every visible, live paper listed in [first_day, last_day], by id (without feed
    entries): what a map of the period is drawn from."""
    grouped = visible_papers_between(first_day, last_day)
    rows = conn.execute(
        select(paper)
        .join(grouped, grouped.c.paper_id == paper.c.id)
        .where(paper.c.withdrawn.is_(False))
        .order_by(paper.c.id)
    )
    return [row_to_stored_paper(r) for r in rows]
