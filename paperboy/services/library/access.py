"""Who is acting on a library, and which paper: the checks every library action starts with."""

from __future__ import annotations

from sqlalchemy import Connection

from paperboy.domain import PaperRef
from paperboy.domain.accounts import User
from paperboy.services.community.access import paper_ref
from paperboy.services.community.errors import NotAllowed, NotFound
from paperboy.store import accounts as account_store

__all__ = ["NotAllowed", "NotFound", "PaperRef", "library_owner", "paper_ref", "user_by_email"]


def library_owner(conn: Connection, user: User) -> User:
    """The user re-read; NotAllowed if the account is gone. A suspended reader keeps a private library."""
    current = account_store.find_user(conn, user.id)
    if current is None:
        raise NotAllowed("Your account no longer exists; sign in again.")
    return current


def user_by_email(conn: Connection, email: str) -> User:
    """The account with this address (for the CLI); NotFound if there is none."""
    found = account_store.find_user_by_email(conn, email.strip().lower())
    if found is None:
        raise NotFound(
            f"There is no account for {email.strip()[:254]!r}; the reader signs in once to make one."
        )
    return found
