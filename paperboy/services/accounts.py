"""Accounts: sign-in by emailed link, sessions, display names and the admin role."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from paperboy.config import Settings
from paperboy.domain.accounts import User
from paperboy.domain.clock import utcnow as utc_now
from paperboy.domain.errors import UserFacingError
from paperboy.mail import deliver
from paperboy.mail.notices import sign_in_message
from paperboy.services.rate_limits import check_and_record_mail
from paperboy.store import Database
from paperboy.store import accounts as store

SIGN_IN_LINK_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(days=30)
DISPLAY_NAME_MAX = 50
EMAIL_MAX = 254

# Deliberately simple: a local part and a dotted domain, no spaces, quotes or comments.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
# Refused in names: characters that reorder text around a name (bidi overrides, isolates and
# marks), and those that break lines (controls, line and paragraph separators).
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_LINE_BREAKING = {"Cc", "Zl", "Zp"}
# Dropped from names: characters that draw nothing, so "Ada" plus one of them would pass
# for Ada: format characters (zero-width spaces and joiners, the BOM, soft hyphens, tag
# characters), private-use and unassigned code points, and letters that are blank (the
# Hangul fillers, which NFKC maps to U+1160, and the blank Braille pattern).
_INVISIBLE_CATEGORIES = {"Cf", "Co", "Cn"}
_BLANK_LETTERS = set("\u115f\u1160\u3164\uffa0\u2800")


class AccountError(UserFacingError, ValueError):
    """A request about an account cannot be done; the message says why and what to do."""

    field: str | None = None


class InvalidEmail(AccountError):
    field = "email"


class SignInLinkRefused(AccountError):
    field = "token"


class InvalidDisplayName(AccountError):
    field = "display_name"


class AccountBanned(AccountError):
    pass


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie value (only ever held by the browser) and who it is for."""

    session_token: str
    user: User
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(text: str) -> str:
    """The address lower-cased and trimmed; InvalidEmail with the reason if it is not one."""
    address = text.strip()
    if not address:
        raise InvalidEmail("Enter your email address.")
    if len(address) > EMAIL_MAX:
        raise InvalidEmail(
            f"An email address has at most {EMAIL_MAX} characters; this one has {len(address)}."
        )
    if not _EMAIL.match(address) or "=?" in address:
        # "=?" starts an RFC 2047 encoded word, which mail readers would decode in a header.
        raise InvalidEmail(
            f"{address[:100]!r} is not an email address we can send to; it should look like name@example.org."
        )
    return address.lower()


def sign_in_link(settings: Settings, token: str) -> str:
    return f"{settings.effective_base_url}/sign-in/complete?{urlencode({'token': token})}"


def request_sign_in(
    db: Database, settings: Settings, email: str, now: datetime | None = None, ip: str = ""
) -> str:
    """Mail a single-use sign-in link to email, valid for 15 minutes; return the normalised address.

    Anyone may ask: a new address gets an account when the link is used. The work is the
    same whatever the address (unknown, a member, banned), so neither the answer nor the
    time it takes tells them apart; a banned account's link signs nobody in.
    RateLimited past the "sign_in_mail" limits, per inbox and per client address ip.
    """
    now = now or utc_now()
    address = normalise_email(email)
    check_and_record_mail(db, "sign_in_mail", address, ip, now)  # banned or not, so the answer is alike
    token = secrets.token_urlsafe(32)
    with db.transaction() as conn:
        store.delete_expired(conn, now)
        store.add_sign_in_token(conn, _hash(token), address, now, now + SIGN_IN_LINK_LIFETIME)
    minutes = int(SIGN_IN_LINK_LIFETIME.total_seconds() // 60)
    deliver(settings, sign_in_message(settings, address, sign_in_link(settings, token), minutes))
    return address


def complete_sign_in(db: Database, token: str, now: datetime | None = None) -> SignedIn:
    """Use a sign-in link's token: a new 30-day session for its address (created if new)."""
    now = now or utc_now()
    if not token or len(token) > 200:
        raise SignInLinkRefused(_UNKNOWN_LINK)
    with db.transaction() as conn:
        outcome, email = store.claim_sign_in_token(conn, _hash(token), now)
        if outcome != "claimed" or email is None:
            raise SignInLinkRefused(_REFUSALS.get(outcome, _UNKNOWN_LINK))
        # One link used ends the others for the address, older and newer alike.
        store.end_other_sign_in_tokens(conn, email, _hash(token), now)
        account = store.get_or_create_user(conn, email, now)
        if account.banned:
            raise AccountBanned("This account is suspended; it cannot sign in.")
        session_token = secrets.token_urlsafe(32)
        expires_at = now + SESSION_LIFETIME
        store.add_session(conn, _hash(session_token), account.id, now, expires_at)
    return SignedIn(session_token, account, expires_at)


_UNKNOWN_LINK = "This sign-in link is not valid. Copy the whole link from the mail, or ask for a new one."
_REFUSALS = {
    "used": (
        "This sign-in link has already been used (or another link for this address was used "
        "since); each link works once. Ask for a new one."
    ),
    "expired": "This sign-in link has expired (links last 15 minutes). Ask for a new one.",
    "unknown": _UNKNOWN_LINK,
}


def user_for_session(db: Database, session_token: str, now: datetime | None = None) -> User | None:
    """The signed-in user of a session cookie's value, or None if it is unknown or expired."""
    if not session_token or len(session_token) > 200:
        return None
    with db.connect() as conn:
        return store.find_session_user(conn, _hash(session_token), now or utc_now())


def sign_out(db: Database, session_token: str) -> None:
    """End the session; signing out twice is harmless."""
    if session_token and len(session_token) <= 200:
        with db.transaction() as conn:
            store.delete_session(conn, _hash(session_token))


def _draws_nothing(ch: str) -> bool:
    return unicodedata.category(ch) in _INVISIBLE_CATEGORIES or ch in _BLANK_LETTERS


def _named(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, '')}".rstrip()


def clean_display_name(name: str) -> str | None:
    """The name NFKC-normalised, without invisible characters, spaces collapsed (None when blank).

    InvalidDisplayName if it breaks lines or reorders text, has nothing visible, or is too long.
    """
    # NFKC folds look-alike forms (fullwidth letters, ligatures, odd spaces) into plain ones.
    text = unicodedata.normalize("NFKC", name)
    if not text.strip():
        return None
    bad = [c for c in text if unicodedata.category(c) in _LINE_BREAKING or c in _BIDI_CONTROLS]
    if bad:
        raise InvalidDisplayName(
            f"A display name cannot contain control characters such as line breaks or "
            f"text-direction marks (found {_named(bad[0])}); use letters, digits, spaces and punctuation."
        )
    hidden = [c for c in text if _draws_nothing(c)]
    text = " ".join("".join(c for c in text if not _draws_nothing(c)).split())
    if not text:
        raise InvalidDisplayName(
            f"This display name has nothing visible in it, only invisible characters (such as "
            f"{_named(hidden[0])}); type a name, or leave the box empty to clear it."
        )
    if len(text) > DISPLAY_NAME_MAX:
        raise InvalidDisplayName(
            f"A display name has at most {DISPLAY_NAME_MAX} characters; this one has {len(text)}."
        )
    return text


def set_display_name(db: Database, user_id: int, name: str) -> User:
    """Set (or, with a blank name, clear) the name shown for the user."""
    cleaned = clean_display_name(name)
    with db.transaction() as conn:
        store.set_display_name(conn, user_id, cleaned)
        updated = store.find_user(conn, user_id)
    if updated is None:
        raise AccountError(f"There is no user with id {user_id}.")
    return updated


def promote(db: Database, email: str, now: datetime | None = None) -> User:
    """Make the address an admin, creating its account if it has none yet."""
    address = normalise_email(email)
    with db.transaction() as conn:
        account = store.get_or_create_user(conn, address, now or utc_now())
        store.set_role(conn, account.id, "admin")
        promoted = store.find_user(conn, account.id)
    assert promoted is not None
    return promoted


def list_users(db: Database) -> list[User]:
    with db.connect() as conn:
        return store.list_users(conn)
