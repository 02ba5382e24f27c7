"""A paper page's community part, its votes and its comments, read for a paper the page
has already found: one lookup of the paper per page, not one per part."""

from __future__ import annotations

from dataclasses import dataclass

from paperboy.domain import PaperRef, StoredPaper
from paperboy.domain.accounts import User
from paperboy.domain.community import Comment
from paperboy.services.community.comments import comments_of
from paperboy.services.community.votes import VoteState, vote_state_of
from paperboy.store import Database


@dataclass(frozen=True)
class Discussion:
    vote: VoteState
    comments: list[Comment]  # oldest first; hidden ones only for an admin


def discussion_of(db: Database, stored: StoredPaper, viewer: User | None) -> Discussion:
    """The stored paper's votes and comments as viewer sees them, in one connection."""
    paper = PaperRef(stored.id, stored.key)
    with db.connect() as conn:
        return Discussion(vote_state_of(conn, paper, viewer), comments_of(conn, paper, viewer))
