"""Users, sign-in tokens and sessions: every SQL query accounts need."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from paperboy.domain.accounts import User
from paperboy.store.schema import session, sign_in_token, user


def _user(row: Any) -> User:
    return User(
        id=row.id,
        email=row.email,
        display_name=row.display_name,
        role=row.role,
        created_at=row.created_at,
        banned=bool(row.banned),
    )


def find_user_by_email(conn: Connection, email: str) -> User | None:
    row = conn.execute(select(user).where(user.c.email == email)).first()
    return _user(row) if row else None


def find_user(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(user).where(user.c.id == user_id)).first()
    return _user(row) if row else None


def get_or_create_user(conn: Connection, email: str, now: datetime) -> User:
    """The user with this (lower-cased) address, created as a member if new."""
    found = find_user_by_email(conn, email)
    if found:
        return found
    try:
        # A savepoint, so losing a race with another sign-in keeps the transaction usable.
        with conn.begin_nested():
            conn.execute(user.insert().values(email=email, role="member", created_at=now, banned=False))
    except IntegrityError:
        pass
    created = find_user_by_email(conn, email)
    assert created is not None
    return created


def list_users(conn: Connection) -> list[User]:
    return [_user(r) for r in conn.execute(select(user).order_by(user.c.id))]


def set_display_name(conn: Connection, user_id: int, name: str | None) -> None:
    conn.execute(update(user).where(user.c.id == user_id).values(display_name=name))


def set_role(conn: Connection, user_id: int, role: str) -> None:
    conn.execute(update(user).where(user.c.id == user_id).values(role=role))


def add_sign_in_token(
    conn: Connection, token_hash: str, email: str, now: datetime, expires_at: datetime
) -> None:
    conn.execute(
        sign_in_token.insert().values(
            token_hash=token_hash, email=email, created_at=now, expires_at=expires_at
        )
    )


TokenClaim = Literal["claimed", "unknown", "used", "expired"]


def claim_sign_in_token(conn: Connection, token_hash: str, now: datetime) -> tuple[TokenClaim, str | None]:
    """Mark the token used if it is unused and unexpired; say why not otherwise.

    One conditional UPDATE, so two requests racing with the same link cannot both win.
    """
    claimed = conn.execute(
        update(sign_in_token)
        .where(
            sign_in_token.c.token_hash == token_hash,
            sign_in_token.c.used_at.is_(None),
            sign_in_token.c.expires_at > now,
        )
        .values(used_at=now)
    )
    row = conn.execute(select(sign_in_token).where(sign_in_token.c.token_hash == token_hash)).first()
    if claimed.rowcount == 1 and row is not None:
        return "claimed", row.email
    if row is None:
        return "unknown", None
    if row.used_at is not None:
        return "used", row.email
    return "expired", row.email


def end_other_sign_in_tokens(conn: Connection, email: str, keep_hash: str, now: datetime) -> None:
    """Mark the address's other unused sign-in tokens used: one link used ends them all."""
    conn.execute(
        update(sign_in_token)
        .where(
            sign_in_token.c.email == email,
            sign_in_token.c.token_hash != keep_hash,
            sign_in_token.c.used_at.is_(None),
        )
        .values(used_at=now)
    )


def delete_expired(conn: Connection, now: datetime) -> None:
    """Forget expired sessions and sign-in tokens (used ones too, once expired)."""
    conn.execute(delete(session).where(session.c.expires_at <= now))
    conn.execute(delete(sign_in_token).where(sign_in_token.c.expires_at <= now))


def add_session(conn: Connection, id_hash: str, user_id: int, now: datetime, expires_at: datetime) -> None:
    conn.execute(
        session.insert().values(id_hash=id_hash, user_id=user_id, created_at=now, expires_at=expires_at)
    )


def find_session_user(conn: Connection, id_hash: str, now: datetime) -> User | None:
    """The user of an unexpired session, or None (banned users have no usable sessions)."""
    row = conn.execute(
        select(user)
        .join(session, session.c.user_id == user.c.id)
        .where(session.c.id_hash == id_hash, session.c.expires_at > now, user.c.banned.is_(False))
    ).first()
    return _user(row) if row else None


def delete_session(conn: Connection, id_hash: str) -> None:
    conn.execute(delete(session).where(session.c.id_hash == id_hash))


def count_sessions(conn: Connection, user_id: int) -> int:
    return int(conn.execute(select(func.count()).where(session.c.user_id == user_id)).scalar_one())
