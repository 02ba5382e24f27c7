"""Moderation by admins: hide a comment or a listing, ban a user; each action is audited.

Every action writes its audit row in the same transaction as the change itself, so the
log never misses an action nor records one that did not happen.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from paperboy.domain.accounts import User
from paperboy.domain.clock import naive_utc, utcnow
from paperboy.domain.community import AuditEntry
from paperboy.services.accounts import AccountError, normalise_email
from paperboy.services.community.access import acting_admin, paper_ref
from paperboy.services.community.errors import CommunityError, NotAllowed, NotFound
from paperboy.store import Database
from paperboy.store import accounts as account_store
from paperboy.store import comments as comment_store
from paperboy.store import moderation as store

REASON_MAX = 1000
# The audit log's actor for actions taken with the command line.
OPERATOR = "cli"


def hide_comment(
    db: Database,
    admin: User,
    comment_id: int,
    reason: str = "",
    hidden: bool = True,
    now: datetime | None = None,
) -> None:
    """Hide a comment from everyone but admins (hidden=False shows it again)."""
    why = _clean_reason(reason)
    with db.transaction() as conn:
        actor = acting_admin(conn, admin)
        if not comment_store.set_hidden(conn, comment_id, hidden):
            raise NotFound(f"There is no comment {comment_id}.", field="comment_id")
        action = "hide_comment" if hidden else "unhide_comment"
        _audit(conn, actor.id, actor.email, action, "comment", str(comment_id), why, now)


def hide_listing(
    db: Database,
    admin: User,
    paper_key: str,
    reason: str = "",
    hidden: bool = True,
    now: datetime | None = None,
) -> None:
    """Take the paper off every list (day, week, month, trending); hidden=False puts it back."""
    why = _clean_reason(reason)
    with db.transaction() as conn:
        actor = acting_admin(conn, admin)
        paper = paper_ref(conn, paper_key)
        store.set_listing_hidden(conn, paper.id, hidden)
        action = "hide_listing" if hidden else "unhide_listing"
        _audit(conn, actor.id, actor.email, action, "paper", paper.key, why, now)


def ban_user(
    db: Database,
    admin: User,
    email_or_user_id: str | int,
    reason: str = "",
    banned: bool = True,
    now: datetime | None = None,
) -> User:
    """Suspend an account (ending its sessions) or, with banned=False, restore it.

    Returns the account as it now is. An admin cannot ban themselves.
    """
    why = _clean_reason(reason)
    with db.transaction() as conn:
        actor = acting_admin(conn, admin)
        target = _find_target(conn, email_or_user_id)
        if banned and target.id == actor.id:
            raise NotAllowed("You cannot ban yourself.", field="user")
        return _set_banned(conn, target, banned, actor.id, actor.email, why, now)


def ban_user_by_operator(
    db: Database,
    email_or_user_id: str | int,
    reason: str = "",
    banned: bool = True,
    now: datetime | None = None,
) -> User:
    """ban_user for whoever runs the command line (the operator): the audit names the actor OPERATOR."""
    why = _clean_reason(reason)
    with db.transaction() as conn:
        target = _find_target(conn, email_or_user_id)
        return _set_banned(conn, target, banned, None, OPERATOR, why, now)


def _set_banned(
    conn: Connection,
    target: User,
    banned: bool,
    actor_id: int | None,
    actor_email: str,
    reason: str,
    now: datetime | None,
) -> User:
    store.set_banned(conn, target.id, banned)
    if banned:
        store.delete_sessions(conn, target.id)
    action = "ban_user" if banned else "unban_user"
    _audit(conn, actor_id, actor_email, action, "user", target.email, reason, now)
    updated = account_store.find_user(conn, target.id)
    assert updated is not None
    return updated


def audit_log(db: Database, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    """Moderation actions, newest first."""
    if not 1 <= limit <= 1000:
        raise CommunityError(f"limit {limit} is outside 1..1000.", field="limit")
    if offset < 0:
        raise CommunityError(f"offset {offset} is negative.", field="offset")
    with db.connect() as conn:
        return store.audit_entries(conn, limit, offset)


def _find_target(conn: Connection, email_or_user_id: str | int) -> User:
    if isinstance(email_or_user_id, int) or str(email_or_user_id).strip().isdigit():
        found = account_store.find_user(conn, int(email_or_user_id))
    else:
        try:
            address = normalise_email(str(email_or_user_id))
        except AccountError as exc:
            raise CommunityError(str(exc), field="user") from None
        found = account_store.find_user_by_email(conn, address)
    if found is None:
        raise NotFound(f"There is no account {str(email_or_user_id)[:100]!r}.", field="user")
    return found


def _clean_reason(reason: str) -> str:
    text = (reason or "").strip()
    if len(text) > REASON_MAX:
        raise CommunityError(
            f"A reason has at most {REASON_MAX} characters; this one has {len(text)}.", field="reason"
        )
    return text


def _audit(
    conn: Connection,
    actor_id: int | None,
    actor_email: str,
    action: str,
    target_type: str,
    target_id: str,
    reason: str,
    now: datetime | None,
) -> None:
    moment = naive_utc(now) if now else utcnow()
    store.add_audit(conn, moment, actor_id, actor_email, action, target_type, target_id, reason)
