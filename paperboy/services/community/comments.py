"""Comments on papers: Markdown source text stored as typed, edited and deleted by its author.

Rendering and sanitising the Markdown is the web layer's job; here the text is only checked.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection

from paperboy.domain import PaperRef
from paperboy.domain.accounts import User
from paperboy.domain.clock import naive_utc, utcnow
from paperboy.domain.community import Comment
from paperboy.services.community.access import acting_member, paper_ref
from paperboy.services.community.errors import CommunityError, NotAllowed, NotFound
from paperboy.services.rate_limits import check_and_record
from paperboy.store import Database
from paperboy.store import accounts as account_store
from paperboy.store import comments as store

BODY_MAX = 10_000
_ALLOWED_CONTROLS = {"\n", "\t"}


def clean_body(body: str) -> str:
    """The comment text trimmed, with Windows line ends made plain; CommunityError if unusable."""
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise CommunityError("Write something before posting the comment.", field="body")
    if len(text) > BODY_MAX:
        raise CommunityError(
            f"A comment has at most {BODY_MAX:,} characters; this one has {len(text):,}. Shorten it.",
            field="body",
        )
    bad = next((c for c in text if unicodedata.category(c) == "Cc" and c not in _ALLOWED_CONTROLS), None)
    if bad is not None:
        raise CommunityError(
            f"The comment contains the control character {bad!r}; remove it and post again.", field="body"
        )
    return text


def add_comment(
    db: Database,
    user: User,
    paper_key: str,
    body: str,
    ip: str,
    parent_id: int | None = None,
    now: datetime | None = None,
) -> Comment:
    """Post a comment (or, with parent_id, a reply to a top-level comment on the same paper)."""
    text = clean_body(body)
    moment = naive_utc(now) if now else utcnow()
    with db.transaction() as conn:
        member = acting_member(conn, user)
        paper = paper_ref(conn, paper_key)
        if parent_id is not None:
            parent = store.get_comment(conn, parent_id)
            if parent is None or parent.paper_id != paper.id or parent.hidden:
                raise NotFound("The comment you are replying to is not on this paper.", field="parent_id")
            if parent.parent_id is not None:
                raise CommunityError("Reply to the first comment of the thread; replies are one level deep.",
                                     field="parent_id")  # fmt: skip
        check_and_record(conn, "comment", member.id, ip, moment)
        comment_id = store.insert_comment(conn, paper.id, member.id, text, parent_id, moment)
        return _found(store.get_comment(conn, comment_id))


def edit_comment(
    db: Database, user: User, comment_id: int, body: str, now: datetime | None = None
) -> Comment:
    """Change the text of one's own comment; edited_at records when."""
    text = clean_body(body)
    moment = naive_utc(now) if now else utcnow()
    with db.transaction() as conn:
        member = acting_member(conn, user)
        found = _visible_comment(conn, comment_id, member)
        if found.user_id != member.id:
            raise NotAllowed("You can edit only your own comments.")
        store.set_body(conn, comment_id, text, moment)
        return _found(store.get_comment(conn, comment_id))


def delete_comment(db: Database, user: User, comment_id: int) -> None:
    """Delete one's own comment (an admin may delete anyone's), with its replies."""
    with db.transaction() as conn:
        member = acting_member(conn, user)
        found = _visible_comment(conn, comment_id, member)
        if found.user_id != member.id and not member.is_admin:
            raise NotAllowed("You can delete only your own comments.")
        store.delete_comment(conn, comment_id)


def comments_for(db: Database, paper_key: str, viewer: User | None = None) -> list[Comment]:
    """The paper's comments, oldest first; hidden ones only when the viewer is an admin."""
    with db.connect() as conn:
        return comments_of(conn, paper_ref(conn, paper_key), viewer)


def comments_of(conn: Connection, paper: PaperRef, viewer: User | None) -> list[Comment]:
    """comments_for a paper already found (a page that has resolved its paper once)."""
    admin = False
    if viewer is not None:
        current = account_store.find_user(conn, viewer.id)
        admin = current is not None and current.is_admin and not current.banned
    return store.comments_of_paper(conn, paper.id, include_hidden=admin)


def get_comment(db: Database, comment_id: int, viewer: User | None = None) -> Comment:
    """One comment; NotFound if there is none (or it is hidden and the viewer is no admin)."""
    with db.connect() as conn:
        found = store.get_comment(conn, comment_id)
        admin = viewer is not None and viewer.is_admin
        if found is None or (found.hidden and not admin):
            raise NotFound(f"There is no comment {comment_id}.", field="comment_id")
        return found


def comment_count(db: Database, paper_ids: Sequence[int]) -> dict[int, int]:
    """Visible comments per paper id (0 for papers without any)."""
    with db.connect() as conn:
        found = store.comment_counts(conn, paper_ids)
    return {pid: found.get(pid, 0) for pid in paper_ids}


def _visible_comment(conn: Connection, comment_id: int, member: User) -> Comment:
    found = store.get_comment(conn, comment_id)
    if found is None or (found.hidden and not member.is_admin):
        raise NotFound(f"There is no comment {comment_id}; it may have been deleted.", field="comment_id")
    return found


def _found(comment: Comment | None) -> Comment:
    # Read back inside the transaction that wrote it, so it is there.
    assert comment is not None
    return comment
