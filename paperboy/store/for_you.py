"""Queries behind the "for you" list: the papers of recent days, and a reader's upvotes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, select

from paperboy.domain.library import Follow, MarkedPaper, ReaderSignals
from paperboy.domain.records import ListedPaper, StoredPaper, VotedPaper
from paperboy.store.feed import visible_papers_between
from paperboy.store.papers import row_to_stored_paper
from paperboy.store.schema import feedback, follow, library_item, paper, user, vote


def listed_papers_between(conn: Connection, first_day: date, last_day: date, limit: int) -> list[ListedPaper]:
    """Papers listed in [first_day, last_day], not hidden nor withdrawn, newest first listing
    first, each with the first day it was listed there. At most limit (the newest), to bound
    the work."""
    listed = visible_papers_between(first_day, last_day)
    rows = conn.execute(
        select(paper, listed.c.first_day)
        .join(listed, listed.c.paper_id == paper.c.id)
        .where(paper.c.withdrawn.is_(False))
        .order_by(listed.c.first_day.desc(), paper.c.id.desc())
        .limit(limit)
    )
    return [ListedPaper(row_to_stored_paper(r), r.first_day) for r in rows]


def voted_papers(conn: Connection, user_id: int, limit: int) -> list[VotedPaper]:
    """The papers the reader upvoted, latest vote first, each with when."""
    rows = conn.execute(
        select(paper, vote.c.created_at.label("voted_at"))
        .join(vote, vote.c.paper_id == paper.c.id)
        .where(vote.c.user_id == user_id)
        .order_by(vote.c.created_at.desc(), paper.c.id.desc())
        .limit(limit)
    )
    return [VotedPaper(row_to_stored_paper(r), r.voted_at) for r in rows]


def readers_paper_texts(conn: Connection, limit: int) -> list[tuple[str, str]]:
    """(title, abstract) of the papers any reader saved or upvoted, newest paper first, at most
    limit: what the ranker's shared vocabulary is fitted on beside the candidates."""
    kept = select(library_item.c.paper_id.label("paper_id")).union(select(vote.c.paper_id.label("paper_id")))
    chosen = kept.subquery()
    rows = conn.execute(
        select(paper.c.title, paper.c.abstract)
        .join(chosen, chosen.c.paper_id == paper.c.id)
        .order_by(paper.c.id.desc())
        .limit(limit)
    )
    return [(r.title, r.abstract or "") for r in rows]


def papers_by_ids(conn: Connection, paper_ids: list[int]) -> list[StoredPaper]:
    """The stored papers with these ids (without feed entries), in no particular order."""
    found: list[StoredPaper] = []
    for start in range(0, len(paper_ids), 500):
        rows = conn.execute(select(paper).where(paper.c.id.in_(paper_ids[start : start + 500])))
        found.extend(row_to_stored_paper(r) for r in rows)
    return found


def users_by_emails(conn: Connection, emails: list[str]) -> dict[str, int]:
    """{address: user id} of the accounts with these addresses."""
    found: dict[str, int] = {}
    for start in range(0, len(emails), 500):
        rows = conn.execute(
            select(user.c.id, user.c.email).where(user.c.email.in_(emails[start : start + 500]))
        )
        found.update({r.email: r.id for r in rows})
    return found


def signals_of_users(conn: Connection, user_ids: list[int], feedback_kind: str) -> dict[int, ReaderSignals]:
    """Several readers' saved papers, upvotes, marks of feedback_kind and follows, by user id
    (every id asked, signals or not): a few queries for all of them, as a digest composes a
    batch of readers at once."""
    found = {uid: ReaderSignals() for uid in user_ids}
    for start in range(0, len(user_ids), 500):
        ids = user_ids[start : start + 500]
        for r in conn.execute(
            select(
                library_item.c.user_id, paper.c.key, paper.c.id, library_item.c.saved_at, library_item.c.tags
            )
            .join(paper, paper.c.id == library_item.c.paper_id)
            .where(library_item.c.user_id.in_(ids))
        ):
            found[r.user_id].saved.append(MarkedPaper(r.id, r.key, r.saved_at, tuple(r.tags or ())))
        for r in conn.execute(
            select(vote.c.user_id, paper.c.key, paper.c.id, vote.c.created_at)
            .join(paper, paper.c.id == vote.c.paper_id)
            .where(vote.c.user_id.in_(ids))
        ):
            found[r.user_id].upvoted.append(MarkedPaper(r.id, r.key, r.created_at))
        for r in conn.execute(
            select(feedback.c.user_id, paper.c.key, paper.c.id, feedback.c.created_at)
            .join(paper, paper.c.id == feedback.c.paper_id)
            .where(feedback.c.user_id.in_(ids), feedback.c.kind == feedback_kind)
        ):
            found[r.user_id].refused.append(MarkedPaper(r.id, r.key, r.created_at))
        for r in conn.execute(
            select(follow.c.user_id, follow.c.kind, follow.c.value, follow.c.created_at).where(
                follow.c.user_id.in_(ids)
            )
        ):
            found[r.user_id].follows.append(Follow(r.kind, r.value, r.created_at))
    return found
