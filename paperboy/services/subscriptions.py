"""Subscriptions: double opt-in, signed links to confirm, manage and unsubscribe.

Nothing but the confirmation mail goes to an address before it confirms. Links carry an
HMAC (under the site's secret key) of their purpose and what they point at, so they need
no stored token: a confirmation link lasts CONFIRM_LINK_DAYS, manage and unsubscribe links
last as long as the subscription.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import orjson

from paperboy.config import Settings
from paperboy.digest.compose import already_subscribed_message, confirmation_message
from paperboy.domain.clock import naive_utc, utcnow
from paperboy.mail import deliver
from paperboy.search.query import QuerySyntaxError, parse_query
from paperboy.secret_key import resolve_secret_key
from paperboy.services.accounts import AccountError, normalise_email
from paperboy.store import Database
from paperboy.store import subscriptions as store
from paperboy.store.subscriptions import SubscriptionRow

KINDS = ("trending", "search")
FREQUENCIES = ("daily", "weekly")
MODES = ("keyword", "semantic", "hybrid")
FILTERS = ("mode", "category", "after", "before")
QUERY_MAX = 500
TOKEN_MAX = 400
CONFIRM_LINK_DAYS = 7

_CATEGORY = re.compile(r"^[a-z][a-z-]*(\.[a-z][a-z-]*)?$", re.IGNORECASE)
_PURPOSES = {"confirm": "c", "manage": "m", "unsubscribe": "u"}


class SubscriptionError(ValueError):
    """A subscription request cannot be done; the message says why and what to do.

    field names what was wrong: "email", "query", "kind", "frequency", "token", or a
    filter ("mode", "category", "after", "before").
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SubscriptionLinkRefused(SubscriptionError):
    """A confirm, manage or unsubscribe link is not valid (altered, expired, or for nothing)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="token")


@dataclass(frozen=True)
class Subscription:
    """A subscription as pages show it."""

    id: int
    email: str
    kind: str
    frequency: str
    query: str | None
    filters: dict[str, str]
    status: str
    pause_reason: str | None
    created_at: datetime
    confirmed_at: datetime | None

    def describe(self) -> str:
        """'Daily trending papers', or 'Weekly alert: "graph neural networks" in cs.LG'."""
        return describe(self.kind, self.frequency, self.query, self.filters)


def describe(kind: str, frequency: str, query: str | None, filters: dict[str, str]) -> str:
    """A subscription in a few words, for pages and subject lines."""
    how_often = frequency.capitalize()
    if kind == "trending":
        return f"{how_often} trending papers"
    text = f'{how_often} alert: "{query}"'
    if filters.get("category"):
        text += f" in {filters['category']}"
    if filters.get("after"):
        text += f" after {filters['after']}"
    if filters.get("before"):
        text += f" before {filters['before']}"
    return text


def _public(row: SubscriptionRow) -> Subscription:
    return Subscription(
        id=row.id,
        email=row.email,
        kind=row.kind,
        frequency=row.frequency,
        query=row.query,
        filters=dict(row.filters),
        status=row.status,
        pause_reason=row.pause_reason,
        created_at=row.created_at,
        confirmed_at=row.confirmed_at,
    )


# -- checking what was asked -------------------------------------------------------------


def _refuse_control_characters(value: str, field: str, label: str) -> None:
    # Controls and line separators (U+2028, U+2029: str.splitlines() splits there too) have no
    # business in a query; mail would put them on one line anyway (paperboy.mail.header_text).
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp"):
            raise SubscriptionError(
                f"The {label} contains a control character or line separator ({ch!r}); "
                "remove line breaks and tabs.",
                field,
            )


def _check_email(email: str) -> str:
    if not isinstance(email, str):
        raise SubscriptionError("Enter your email address.", "email")
    _refuse_control_characters(email, "email", "email address")
    try:
        return normalise_email(email)
    except AccountError as exc:
        raise SubscriptionError(str(exc), "email") from None


def check_query(query: str | None) -> str:
    """A saved search's query, trimmed; SubscriptionError(field="query") if it cannot be used."""
    text = (query or "").strip()
    if not text:
        raise SubscriptionError("A saved-search alert needs a search query; type what to look for.", "query")
    if len(text) > QUERY_MAX:
        raise SubscriptionError(
            f"The query is {len(text)} characters long; an alert's query has at most {QUERY_MAX}.", "query"
        )
    _refuse_control_characters(text, "query", "query")
    try:
        parse_query(text)
    except QuerySyntaxError as exc:
        raise SubscriptionError(f"The query cannot be searched: {exc.message}.", "query") from None
    return text


def check_filters(filters: dict[str, Any] | None) -> dict[str, str]:
    """A saved search's filters (mode, category, after, before) checked; blank ones dropped."""
    checked: dict[str, str] = {}
    for name, raw in (filters or {}).items():
        if name not in FILTERS:
            raise SubscriptionError(
                f"Unknown filter {str(name)[:40]!r}; an alert can filter by {', '.join(FILTERS)}.", "query"
            )
        value = str(raw if raw is not None else "").strip()
        if not value:
            continue
        _refuse_control_characters(value, name, f"{name} filter")
        if len(value) > 64:
            raise SubscriptionError(f"The {name} filter is too long (at most 64 characters).", name)
        if name == "mode":
            if value not in MODES:
                raise SubscriptionError(f"Search mode {value!r} is not one of {', '.join(MODES)}.", name)
        elif name == "category":
            if not _CATEGORY.match(value):
                raise SubscriptionError(
                    f"The category {value[:40]!r} is not like cs.LG or cs (an arXiv category).", name
                )
        else:
            try:
                value = date.fromisoformat(value).isoformat()
            except ValueError:
                raise SubscriptionError(
                    f"The {name} filter {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-01-31.",
                    name,
                ) from None
        checked[name] = value
    if "after" in checked and "before" in checked and checked["after"] > checked["before"]:
        raise SubscriptionError(
            f"after {checked['after']} is later than before {checked['before']}; nothing could match.",
            "after",
        )
    return checked


def _dedupe_key(email: str, kind: str, frequency: str, query: str | None, filters: dict[str, str]) -> str:
    identity = orjson.dumps([email, kind, frequency, query or "", filters], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(identity).hexdigest()


# -- signed links ------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=16)
def _key(settings: Settings) -> bytes:
    # An edition signs two links per reader; read the key file once, not thousands of times.
    return resolve_secret_key(settings)


def _signature(settings: Settings, payload: str) -> str:
    digest = hmac.new(_key(settings), b"subscription-link:" + payload.encode(), hashlib.sha256)
    return _b64(digest.digest()[:18])


def make_token(settings: Settings, purpose: str, subject: str, expires: datetime | None = None) -> str:
    """A URL-safe signed token: purpose, what it is for (an id or an address), and its expiry."""
    stamp = str(int((naive_utc(expires) - datetime(1970, 1, 1)).total_seconds())) if expires else "0"
    payload = f"{_PURPOSES[purpose]}.{_b64(subject.encode())}.{stamp}"
    return f"{payload}.{_signature(settings, payload)}"


def read_token(settings: Settings, token: str, purpose: str, now: datetime | None = None) -> str:
    """What a token is for, if it is genuine, meant for purpose, and unexpired."""
    what = {"confirm": "confirmation", "manage": "manage", "unsubscribe": "unsubscribe"}[purpose]
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
        raise SubscriptionLinkRefused(f"This {what} link is incomplete; open the link from the mail in full.")
    parts = token.strip().split(".")
    if len(parts) != 4 or parts[0] != _PURPOSES[purpose]:
        doing = {"confirm": "confirming", "manage": "managing subscriptions", "unsubscribe": "unsubscribing"}
        raise SubscriptionLinkRefused(
            f"This link is not for {doing[purpose]}; open the link from the mail in full."
        )
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3], _signature(settings, payload)):
        raise SubscriptionLinkRefused(
            f"This {what} link is not valid (it may have been cut short); "
            "open the link from the mail in full."
        )
    if parts[2] != "0":
        expires = datetime(1970, 1, 1) + timedelta(seconds=int(parts[2]))
        if naive_utc(now or utcnow()) > expires:
            raise SubscriptionLinkRefused(
                f"This confirmation link has expired (they last {CONFIRM_LINK_DAYS} days); "
                "subscribe again to get a new one."
            )
    return _unb64(parts[1]).decode()


def _link(settings: Settings, path: str, token: str) -> str:
    return f"{settings.effective_base_url}{path}?{urlencode({'token': token})}"


def confirm_url(settings: Settings, sub: Subscription | SubscriptionRow, now: datetime | None = None) -> str:
    """The double opt-in link, valid for CONFIRM_LINK_DAYS from now."""
    expires = naive_utc(now or utcnow()) + timedelta(days=CONFIRM_LINK_DAYS)
    return _link(settings, "/subscriptions/confirm", make_token(settings, "confirm", str(sub.id), expires))


def manage_url(settings: Settings, email: str) -> str:
    """The page listing every subscription of an address, where each can be changed."""
    return _link(settings, "/subscriptions/manage", make_token(settings, "manage", email.lower()))


def unsubscribe_url(settings: Settings, sub: Subscription | SubscriptionRow) -> str:
    """The RFC 8058 one-click target (a POST there unsubscribes; https when base_url is)."""
    return _link(settings, "/unsubscribe", make_token(settings, "unsubscribe", str(sub.id)))


def _id_from(settings: Settings, token: str, purpose: str, now: datetime | None = None) -> int:
    subject = read_token(settings, token, purpose, now)
    if not subject.isdigit():
        raise SubscriptionLinkRefused("This link does not point at a subscription.")
    return int(subject)


# -- the operations pages call -----------------------------------------------------------


def subscribe(
    db: Database,
    settings: Settings,
    email: str,
    kind: str,
    frequency: str,
    query: str | None = None,
    filters: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Subscription:
    """Ask for a subscription: a pending one (or the same one again) and a confirmation mail.

    An address that already has this exact subscription gets a mail with its manage link
    instead, never a second row. Raises SubscriptionError naming the field at fault.
    Rate limits on these mails are the caller's job.
    """
    now = naive_utc(now or utcnow())
    address = _check_email(email)
    if kind not in KINDS:
        raise SubscriptionError(f"Kind {str(kind)[:40]!r} is not one of {', '.join(KINDS)}.", "kind")
    if frequency not in FREQUENCIES:
        raise SubscriptionError(
            f"Frequency {str(frequency)[:40]!r} is not one of {', '.join(FREQUENCIES)}.", "frequency"
        )
    if kind == "search":
        text: str | None = check_query(query)
        checked = check_filters(filters)
    else:
        text, checked = None, {}
    key = _dedupe_key(address, kind, frequency, text, checked)
    with db.transaction() as conn:
        row = store.find_by_key(conn, key)
        if row is None:
            row = store.insert_pending(
                conn, email=address, kind=kind, frequency=frequency, query=text, filters=checked,
                dedupe_key=key, now=now,
            )  # fmt: skip
        elif row.status == "unsubscribed":
            store.set_fields(
                conn, row.id, status="pending", unsubscribed_at=None, pause_reason=None, bounces=0
            )
            row = store.find(conn, row.id)
            assert row is not None
    description = describe(row.kind, row.frequency, row.query, row.filters)
    if row.status == "pending":
        message = confirmation_message(
            settings, address, description, confirm_url(settings, row, now), CONFIRM_LINK_DAYS
        )
    else:
        message = already_subscribed_message(settings, address, description, manage_url(settings, address))
    deliver(settings, message)
    return _public(row)


def confirm(db: Database, settings: Settings, token: str, now: datetime | None = None) -> Subscription:
    """Use a confirmation link: the subscription becomes active (again confirming changes nothing)."""
    now = naive_utc(now or utcnow())
    subscription_id = _id_from(settings, token, "confirm", now)
    with db.transaction() as conn:
        row = store.find(conn, subscription_id)
        if row is None:
            raise SubscriptionLinkRefused("This subscription was deleted; subscribe again if you want it.")
        if row.status == "unsubscribed":
            raise SubscriptionLinkRefused("You unsubscribed from this since; subscribe again if you want it.")
        if row.status == "pending":
            # An alert starts with papers first seen after the moment it was confirmed.
            store.set_fields(conn, row.id, status="active", confirmed_at=now, alert_watermark=now)
            row = store.find(conn, row.id)
            assert row is not None
    return _public(row)


def subscriptions_for_manage_token(
    db: Database, settings: Settings, token: str
) -> tuple[str, list[Subscription]]:
    """The address a manage link is for, and its subscriptions (all but unsubscribed ones)."""
    address = read_token(settings, token, "manage")
    with db.connect() as conn:
        rows = store.for_email(conn, address)
    return address, [_public(r) for r in rows]


def _owned(conn: Any, settings: Settings, token: str, subscription_id: int) -> SubscriptionRow:
    address = read_token(settings, token, "manage")
    row = store.find(conn, int(subscription_id))
    if row is None or row.email != address or row.status == "unsubscribed":
        raise SubscriptionLinkRefused("That subscription is not among this address's subscriptions.")
    return row


def update_subscription(
    db: Database,
    settings: Settings,
    token: str,
    subscription_id: int,
    frequency: str | None = None,
    paused: bool | None = None,
) -> Subscription:
    """Change one subscription of the manage link's address: its frequency, or pause/resume it."""
    if frequency is not None and frequency not in FREQUENCIES:
        raise SubscriptionError(
            f"Frequency {str(frequency)[:40]!r} is not one of {', '.join(FREQUENCIES)}.", "frequency"
        )
    with db.transaction() as conn:
        row = _owned(conn, settings, token, subscription_id)
        values: dict[str, Any] = {}
        if frequency is not None and frequency != row.frequency:
            key = _dedupe_key(row.email, row.kind, frequency, row.query, row.filters)
            clash = store.find_by_key(conn, key)
            if clash is not None and clash.status != "unsubscribed":
                raise SubscriptionError(
                    f"You already have this as a {frequency} subscription; delete one of the two instead.",
                    "frequency",
                )
            if clash is not None:
                store.remove(conn, clash.id)
            values.update(frequency=frequency, dedupe_key=key)
        if paused is True and row.status == "active":
            values.update(status="paused", pause_reason="by subscriber")
        elif paused is False and row.status == "paused":
            values.update(status="active", pause_reason=None, bounces=0)
        elif paused is not None and row.status == "pending":
            raise SubscriptionError(
                "This subscription is not confirmed yet; open the confirmation link from the mail first.",
                "token",
            )
        if values:
            store.set_fields(conn, row.id, **values)
        updated = store.find(conn, row.id)
        assert updated is not None
    return _public(updated)


def delete_subscription(db: Database, settings: Settings, token: str, subscription_id: int) -> None:
    """Remove one subscription of the manage link's address, with its delivery history."""
    with db.transaction() as conn:
        row = _owned(conn, settings, token, subscription_id)
        store.remove(conn, row.id)


def unsubscribe(db: Database, settings: Settings, token: str, now: datetime | None = None) -> Subscription:
    """Use an unsubscribe link (RFC 8058 one-click, or the link in the mail). Doing it twice is fine."""
    now = naive_utc(now or utcnow())
    subscription_id = _id_from(settings, token, "unsubscribe")
    with db.transaction() as conn:
        row = store.find(conn, subscription_id)
        if row is None:
            raise SubscriptionLinkRefused("This subscription was deleted already; nothing more will be sent.")
        if row.status != "unsubscribed":
            store.set_fields(conn, row.id, status="unsubscribed", unsubscribed_at=now)
            row = store.find(conn, row.id)
            assert row is not None
    return _public(row)
