"""Comments on papers: every SQL query comments need."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from paperboy.domain.accounts import shown_name
from paperboy.domain.community import Comment
from paperboy.store.schema import comment, paper, user


def _with_author() -> Any:
    return (
        select(comment, paper.c.key.label("paper_key"), user.c.email, user.c.display_name)
        .join(paper, paper.c.id == comment.c.paper_id)
        .join(user, user.c.id == comment.c.user_id)
    )


def insert_comment(
    conn: Connection, paper_id: int, user_id: int, body: str, parent_id: int | None, now: datetime
) -> int:
    """Add a comment; return its id."""
    return int(
        conn.execute(
            comment.insert()
            .values(
                paper_id=paper_id,
                user_id=user_id,
                parent_id=parent_id,
                body=body,
                created_at=now,
                hidden=False,
            )
            .returning(comment.c.id)
        ).scalar_one()
    )


def get_comment(conn: Connection, comment_id: int) -> Comment | None:
    """The comment, with its paper's key and its author's shown name, or None."""
    row = conn.execute(_with_author().where(comment.c.id == comment_id)).first()
    return None if row is None else _row_to_comment(row)


def comments_of_paper(conn: Connection, paper_id: int, include_hidden: bool) -> list[Comment]:
    """The paper's comments, oldest first."""
    query = _with_author().where(comment.c.paper_id == paper_id)
    if not include_hidden:
        query = query.where(comment.c.hidden.is_(False))
    return [_row_to_comment(r) for r in conn.execute(query.order_by(comment.c.created_at, comment.c.id))]


def _row_to_comment(row: Any) -> Comment:
    return Comment(
        id=row.id,
        paper_id=row.paper_id,
        paper_key=row.paper_key,
        user_id=row.user_id,
        author=shown_name(row.display_name, row.email),
        body=row.body,
        created_at=row.created_at,
        edited_at=row.edited_at,
        hidden=bool(row.hidden),
        parent_id=row.parent_id,
    )


def set_body(conn: Connection, comment_id: int, body: str, edited_at: datetime) -> None:
    conn.execute(update(comment).where(comment.c.id == comment_id).values(body=body, edited_at=edited_at))


def set_hidden(conn: Connection, comment_id: int, hidden: bool) -> bool:
    """Hide or show the comment; False if there is no such comment."""
    result = conn.execute(update(comment).where(comment.c.id == comment_id).values(hidden=hidden))
    return result.rowcount > 0


def delete_comment(conn: Connection, comment_id: int) -> None:
    """Delete the comment and (by the foreign key's cascade) its replies."""
    # SQLite cascades only with foreign keys on; delete replies explicitly so both backends agree.
    conn.execute(delete(comment).where(comment.c.parent_id == comment_id))
    conn.execute(delete(comment).where(comment.c.id == comment_id))


def comment_counts(conn: Connection, paper_ids: Sequence[int]) -> dict[int, int]:
    """Visible comments per paper (papers without any are left out)."""
    if not paper_ids:
        return {}
    rows = conn.execute(
        select(comment.c.paper_id, func.count().label("n"))
        .where(comment.c.paper_id.in_(list(paper_ids)), comment.c.hidden.is_(False))
        .group_by(comment.c.paper_id)
    )
    return {r.paper_id: int(r.n) for r in rows}
