"""Upvotes: one per user per paper, toggled, exact under any number of concurrent requests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from paperboy.domain import PaperRef
from paperboy.domain.accounts import User
from paperboy.domain.clock import naive_utc, utcnow
from paperboy.services.community.access import acting_member, paper_ref
from paperboy.services.rate_limits import check_and_record
from paperboy.store import Database
from paperboy.store import votes as store


@dataclass(frozen=True)
class VoteState:
    """After a vote: whether the user now votes for the paper, and the total the feed shows.

    votes = community votes + the highest upvote count a source gave the paper.
    """

    paper_key: str
    voted: bool
    votes: int


def toggle_vote(db: Database, user: User, paper_key: str, ip: str, now: datetime | None = None) -> VoteState:
    """Vote for the paper, or take the vote back if the user had voted already.

    Raises NotAllowed (banned), NotFound (no such paper) or RateLimited.
    """
    return _vote(db, user, paper_key, None, ip, now)


def set_vote(
    db: Database, user: User, paper_key: str, voted: bool, ip: str, now: datetime | None = None
) -> VoteState:
    """Make the user's vote for the paper be `voted`; doing it twice changes nothing."""
    return _vote(db, user, paper_key, voted, ip, now)


def voted_papers(db: Database, user_id: int, paper_ids: Sequence[int]) -> set[int]:
    """Which of paper_ids the user has voted for."""
    with db.connect() as conn:
        return store.voted_among(conn, user_id, paper_ids)


def vote_totals(db: Database, paper_ids: Sequence[int]) -> dict[int, int]:
    """The total each paper shows (community votes + the most a source gave it), 0 if none."""
    with db.connect() as conn:
        community = store.vote_counts(conn, paper_ids)
        external = store.external_upvote_counts(conn, paper_ids)
    return {pid: community.get(pid, 0) + external.get(pid, 0) for pid in paper_ids}


def vote_state(db: Database, paper_key: str, viewer: User | None = None) -> VoteState:
    """The paper's total votes, and whether viewer (if any) has voted for it."""
    with db.connect() as conn:
        return vote_state_of(conn, paper_ref(conn, paper_key), viewer)


def vote_state_of(conn: Connection, paper: PaperRef, viewer: User | None) -> VoteState:
    """vote_state for a paper already found (a page that has resolved its paper once)."""
    voted = viewer is not None and store.has_voted(conn, viewer.id, paper.id)
    return VoteState(paper.key, voted, _total(conn, paper.id))


def _vote(
    db: Database, user: User, paper_key: str, wanted: bool | None, ip: str, now: datetime | None
) -> VoteState:
    moment = naive_utc(now) if now else utcnow()
    with db.transaction() as conn:
        member = acting_member(conn, user)
        paper = paper_ref(conn, paper_key)
        check_and_record(conn, "vote", member.id, ip, moment)
        if wanted is None:
            # Delete first: if there was nothing to take back, this is a new vote.
            voted = not store.remove_vote(conn, member.id, paper.id)
            if voted:
                store.add_vote(conn, member.id, paper.id, moment)
        elif wanted:
            store.add_vote(conn, member.id, paper.id, moment)
            voted = True
        else:
            store.remove_vote(conn, member.id, paper.id)
            voted = False
        return VoteState(paper.key, voted, _total(conn, paper.id))


def _total(conn: Connection, paper_id: int) -> int:
    return store.count_votes(conn, paper_id) + store.external_upvotes(conn, paper_id)
