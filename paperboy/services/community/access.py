"""Checks every community action starts with: who is acting (re-read), and on which paper."""

from __future__ import annotations

from sqlalchemy import Connection

from paperboy.domain import PaperRef, paper_key
from paperboy.domain.accounts import User
from paperboy.services.community.errors import NotAllowed, NotFound
from paperboy.store import accounts as account_store
from paperboy.store import papers as paper_store

SUSPENDED = "Your account is suspended, so you cannot submit, vote or comment."


def acting_member(conn: Connection, user: User) -> User:
    """The user as the store has them now; NotAllowed if the account is gone or banned.

    Read inside the action's transaction, so a ban takes effect on the next request
    even when the caller still holds an older User.
    """
    current = account_store.find_user(conn, user.id)
    if current is None:
        raise NotAllowed("Your account no longer exists; sign in again.")
    if current.banned:
        raise NotAllowed(SUSPENDED)
    return current


def acting_admin(conn: Connection, user: User) -> User:
    """The user re-read; NotAllowed unless they are an admin in good standing."""
    current = account_store.find_user(conn, user.id)
    if current is None or current.banned or not current.is_admin:
        raise NotAllowed("Only an admin can moderate.")
    return current


def paper_ref(conn: Connection, identifier: str) -> PaperRef:
    """The stored paper with this key (an arXiv id in any usual form works too); NotFound if none."""
    text = (identifier or "").strip()[:300]
    key = paper_key(text)
    found = paper_store.paper_ref_by_key(conn, key)
    if found is not None:
        return found
    raise NotFound(f"There is no paper {text[:80]!r} here; check the id.", field="paper_key")
