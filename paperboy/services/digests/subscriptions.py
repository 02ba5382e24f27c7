"""Subscriptions: double opt-in, signed links to confirm, manage and unsubscribe.

Nothing but the confirmation mail goes to an address before it confirms. Links are signed
(itsdangerous, under the site's secret key) and name their purpose, what they point at and
a random secret stored with it, so a link works only for the row it was mailed for: ids
are never reused, and a row subscribed again gets a new secret. Confirm and unsubscribe
links carry the subscription's id and secret; a confirmation link lasts CONFIRM_LINK_DAYS,
an unsubscribe link as long as its subscription. A manage link carries the address and the
address's manage secret, which its confirmed subscriptions share: a subscription takes it
when it is confirmed, and once the address has no confirmed subscription left (all deleted
or unsubscribed) its manage links open nothing and the next one confirmed starts a new
secret, so an old manage link never opens what comes after. Pending subscriptions, which
anyone can make for any address, neither keep a manage link alive nor inherit one.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import orjson
from itsdangerous import BadSignature, URLSafeSerializer

from paperboy.config import Settings
from paperboy.domain.categories import is_category
from paperboy.domain.clock import DAY_RANGE, day_in_range, naive_utc, utcnow
from paperboy.domain.errors import UserFacingError
from paperboy.domain.search_modes import MODES
from paperboy.domain.subscriptions import (
    FOR_YOU_COUNTS,
    FOR_YOU_DEFAULT_COUNT,
    FOR_YOU_SCORES,
    FREQUENCIES,
    KINDS,
    Subscription,
    describe,
)
from paperboy.mail import deliver
from paperboy.mail.notices import already_subscribed_message, confirmation_message
from paperboy.search.query import QuerySyntaxError, parse_query
from paperboy.secret_key import resolve_secret_key
from paperboy.services.accounts import AccountError, normalise_email
from paperboy.services.rate_limits import check_and_record_mail
from paperboy.store import Database
from paperboy.store import subscriptions as store
from paperboy.store.schema import new_link_secret

FILTERS = ("mode", "category", "after", "before")
QUERY_MAX = 500
# A manage link carries the address (up to 254 characters), so its token can pass 400.
TOKEN_MAX = 600
CONFIRM_LINK_DAYS = 7

_PURPOSES = {"confirm": "c", "manage": "m", "unsubscribe": "u"}


class SubscriptionError(UserFacingError, ValueError):
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
            if not is_category(value):
                raise SubscriptionError(
                    f"The category {value[:40]!r} is not like cs.LG or cs (an arXiv category).", name
                )
        else:
            try:
                day = date.fromisoformat(value)
            except ValueError:
                raise SubscriptionError(
                    f"The {name} filter {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-01-31.",
                    name,
                ) from None
            if not day_in_range(day):
                raise SubscriptionError(
                    f"The {name} filter {value} is out of range; use a date from {DAY_RANGE}.", name
                )
            value = day.isoformat()
        checked[name] = value
    if "after" in checked and "before" in checked and checked["after"] > checked["before"]:
        raise SubscriptionError(
            f"after {checked['after']} is later than before {checked['before']}; nothing could match.",
            "after",
        )
    return checked


def check_for_you_options(options: dict[str, Any] | None) -> dict[str, str]:
    """A for-you digest's options, "count" (5-50, default 10) and "min_score" (a number, default
    none), checked and written back as strings; SubscriptionError naming the one at fault."""
    given = dict(options or {})
    unknown = sorted(set(given) - {"count", "min_score"})
    if unknown:
        raise SubscriptionError(
            f"Unknown option {str(unknown[0])[:40]!r}; a for-you digest takes count and min_score.", "query"
        )
    low, high = FOR_YOU_COUNTS
    raw_count = str(given.get("count") or FOR_YOU_DEFAULT_COUNT).strip()
    if not raw_count.isdigit() or not low <= int(raw_count) <= high:
        raise SubscriptionError(f"The number of papers must be a whole number from {low} to {high}.", "count")
    checked = {"count": str(int(raw_count))}
    raw_score = str(given.get("min_score") or "").strip()
    if raw_score:
        try:
            score = float(raw_score)
        except ValueError:
            score = float("nan")
        if not FOR_YOU_SCORES[0] <= score <= FOR_YOU_SCORES[1]:
            raise SubscriptionError(
                f"The minimum score must be a number from {FOR_YOU_SCORES[0]:g} to {FOR_YOU_SCORES[1]:g} "
                "(0 is the day's average paper for you; 2 is well above it).",
                "min_score",
            )
        checked["min_score"] = f"{score:g}"
    return checked


def _dedupe_key(email: str, kind: str, frequency: str, query: str | None, filters: dict[str, str]) -> str:
    identity = orjson.dumps([email, kind, frequency, query or "", filters], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(identity).hexdigest()


# -- signed links ------------------------------------------------------------------------

_SALT = "paperboy.subscription-link"
_WHAT = {"confirm": "confirmation", "manage": "manage", "unsubscribe": "unsubscribe"}
_DOING = {"confirm": "confirming", "manage": "managing subscriptions", "unsubscribe": "unsubscribing"}
# What follows the purpose in each kind of token: (id, secret, expiry), (id, secret), (address, secret).
_SHAPES: dict[str, tuple[type, ...]] = {"c": (int, str, int), "u": (int, str), "m": (str, str)}
_EPOCH = datetime(1970, 1, 1)


@lru_cache(maxsize=16)
def _serializer(settings: Settings) -> URLSafeSerializer:
    # An edition signs two links per reader; read the key file once, not thousands of times.
    return URLSafeSerializer(
        resolve_secret_key(settings), salt=_SALT, signer_kwargs={"digest_method": hashlib.sha256}
    )


def make_token(settings: Settings, purpose: str, *fields: str | int) -> str:
    """A URL-safe signed token: its purpose, then what it is for (see _SHAPES)."""
    return str(_serializer(settings).dumps([_PURPOSES[purpose], *fields]))


def read_token(settings: Settings, token: str, purpose: str, now: datetime | None = None) -> list[Any]:
    """The fields of a token that is genuine, meant for purpose, well formed and unexpired."""
    what = _WHAT[purpose]
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
        raise SubscriptionLinkRefused(f"This {what} link is incomplete; open the link from the mail in full.")
    try:
        fields = _serializer(settings).loads(token.strip())
    except BadSignature:
        # Altered, cut short, signed under another key, or made before links carried secrets.
        raise SubscriptionLinkRefused(
            f"This {what} link is not valid (it may have been cut short, or be from before links "
            "changed); open the link from the newest mail in full."
        ) from None
    if (
        not isinstance(fields, list)
        or not fields
        or not isinstance(fields[0], str)
        or fields[0] not in _SHAPES
    ):
        raise SubscriptionLinkRefused(f"This {what} link is not valid; open the link from the mail in full.")
    if fields[0] != _PURPOSES[purpose]:
        raise SubscriptionLinkRefused(
            f"This link is not for {_DOING[purpose]}; open the link from the mail in full."
        )
    shape = _SHAPES[fields[0]]
    rest = fields[1:]
    if len(rest) != len(shape) or not all(
        isinstance(v, t) and not isinstance(v, bool) for v, t in zip(rest, shape, strict=True)
    ):
        raise SubscriptionLinkRefused(f"This {what} link is not valid; open the link from the mail in full.")
    if purpose == "confirm" and naive_utc(now or utcnow()) > _EPOCH + timedelta(seconds=rest[2]):
        raise SubscriptionLinkRefused(
            f"This confirmation link has expired (they last {CONFIRM_LINK_DAYS} days); "
            "subscribe again to get a new one."
        )
    return rest


def _link(settings: Settings, path: str, token: str) -> str:
    return f"{settings.effective_base_url}{path}?{urlencode({'token': token})}"


def confirm_url(settings: Settings, sub: Subscription, now: datetime | None = None) -> str:
    """The double opt-in link, valid for CONFIRM_LINK_DAYS from now."""
    expires = naive_utc(now or utcnow()) + timedelta(days=CONFIRM_LINK_DAYS)
    stamp = int((expires - _EPOCH).total_seconds())
    return _link(
        settings, "/subscriptions/confirm", make_token(settings, "confirm", sub.id, sub.secret, stamp)
    )


def manage_url(settings: Settings, sub: Subscription) -> str:
    """The page listing every subscription of sub's address, where each can be changed."""
    token = make_token(settings, "manage", sub.email, sub.manage_secret)
    return _link(settings, "/subscriptions/manage", token)


def unsubscribe_url(settings: Settings, sub: Subscription) -> str:
    """The RFC 8058 one-click target (a POST there unsubscribes; https when base_url is)."""
    return _link(settings, "/unsubscribe", make_token(settings, "unsubscribe", sub.id, sub.secret))


def _row_of(
    conn: Any, settings: Settings, token: str, purpose: str, now: datetime | None = None
) -> Subscription:
    """The subscription a confirm or unsubscribe link was made for; refused if gone or renewed."""
    subscription_id, secret = read_token(settings, token, purpose, now)[:2]
    row = store.find(conn, subscription_id)
    if row is None:
        raise SubscriptionLinkRefused(
            "This subscription was deleted; subscribe again if you want it."
            if purpose == "confirm"
            else "This subscription was deleted already; nothing more will be sent."
        )
    if not hmac.compare_digest(row.secret.encode(), secret.encode()):
        raise SubscriptionLinkRefused(
            f"This {_WHAT[purpose]} link is for an earlier life of this subscription (it was "
            "unsubscribed and subscribed again since); use the link from the newest mail."
        )
    return row


def _live_rows_of_manage_token(conn: Any, settings: Settings, token: str) -> tuple[str, list[Subscription]]:
    """The address of a manage link and its subscriptions (pending ones too), if it still opens them."""
    address, secret = read_token(settings, token, "manage")
    if not _opens(conn, address, secret):
        raise SubscriptionLinkRefused(
            "This manage link opens nothing any more: the subscriptions it was for were deleted or "
            "unsubscribed since. Use the manage link from a newer mail, or subscribe again."
        )
    return address, store.for_email(conn, address)


def _opens(conn: Any, address: str, manage_secret: str) -> bool:
    """Whether a manage secret is that of one of the address's confirmed subscriptions."""
    current = store.confirmed_manage_secrets(conn, address)
    return any([hmac.compare_digest(s.encode(), manage_secret.encode()) for s in current])


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
    ip: str = "",
) -> Subscription:
    """Ask for a subscription: a pending one (or the same one again) and a confirmation mail.

    An address that already has this exact subscription gets a mail with its manage link
    instead, never a second row. Raises SubscriptionError naming the field at fault, or
    RateLimited past the "subscribe_mail" limits (per inbox and per client address ip);
    a request refused for a bad field is not counted.
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
    elif kind == "for_you":
        text, checked = None, check_for_you_options(filters)
    else:
        text, checked = None, {}
    key = _dedupe_key(address, kind, frequency, text, checked)
    check_and_record_mail(db, "subscribe_mail", address, ip, now)
    with db.transaction() as conn:
        row = store.find_by_key(conn, key)
        if row is None:
            row = store.insert_pending(
                conn, email=address, kind=kind, frequency=frequency, query=text, filters=checked,
                dedupe_key=key, now=now, secret=new_link_secret(),
                # In no link until confirmed, when it joins the address's manage secret (if any).
                manage_secret=new_link_secret(),
            )  # fmt: skip
        elif row.status == "unsubscribed":
            # Subscribing again is a new opt-in: the links of the row's earlier life stop working.
            store.set_fields(
                conn, row.id, status="pending", unsubscribed_at=None, pause_reason=None, bounces=0,
                secret=new_link_secret(), manage_secret=new_link_secret(),
            )  # fmt: skip
            row = store.find(conn, row.id)
            assert row is not None
    description = describe(row.kind, row.frequency, row.query, row.filters)
    if row.status == "pending":
        message = confirmation_message(
            settings, address, description, confirm_url(settings, row, now), CONFIRM_LINK_DAYS
        )
    else:
        message = already_subscribed_message(settings, address, description, manage_url(settings, row))
    deliver(settings, message)
    return row


def confirm(db: Database, settings: Settings, token: str, now: datetime | None = None) -> Subscription:
    """Use a confirmation link: the subscription becomes active (again confirming changes nothing)."""
    now = naive_utc(now or utcnow())
    with db.transaction() as conn:
        row = _row_of(conn, settings, token, "confirm", now)
        if row.status == "unsubscribed":
            raise SubscriptionLinkRefused("You unsubscribed from this since; subscribe again if you want it.")
        if row.status == "pending":
            # An alert starts with papers first seen after the moment it was confirmed. It joins
            # the manage secret of the address's other confirmed subscriptions, if there are any;
            # else its own (fresh, never yet in a link) starts a new one.
            shared = store.confirmed_manage_secrets(conn, row.email)
            store.set_fields(
                conn, row.id, status="active", confirmed_at=now, alert_watermark=now,
                manage_secret=shared[0] if shared else row.manage_secret,
            )  # fmt: skip
            confirmed = store.find(conn, row.id)
            assert confirmed is not None
            row = confirmed
    return row


def subscriptions_for_manage_token(
    db: Database, settings: Settings, token: str
) -> tuple[str, list[Subscription]]:
    """The address a manage link is for, and its subscriptions (all but unsubscribed ones).

    Refused once the address has no live subscription left that shares the link's secret.
    """
    with db.connect() as conn:
        address, rows = _live_rows_of_manage_token(conn, settings, token)
    return address, rows


def live_manage_url(db: Database, settings: Settings, sub: Subscription) -> str | None:
    """sub's manage link, if it still opens something (None once the address has nothing live)."""
    with db.connect() as conn:
        opens = _opens(conn, sub.email, sub.manage_secret)
    return manage_url(settings, sub) if opens else None


def _owned(conn: Any, settings: Settings, token: str, subscription_id: int) -> Subscription:
    _, rows = _live_rows_of_manage_token(conn, settings, token)
    for row in rows:
        if row.id == int(subscription_id):
            return row
    raise SubscriptionLinkRefused("That subscription is not among this address's subscriptions.")


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
    return updated


def delete_subscription(
    db: Database, settings: Settings, token: str, subscription_id: int
) -> tuple[str, list[Subscription]]:
    """Remove one subscription of the manage link's address, with its delivery history.

    Returns the address and what the link still opens: nothing once the address has no
    confirmed subscription left.
    """
    with db.transaction() as conn:
        row = _owned(conn, settings, token, subscription_id)
        store.remove(conn, row.id)
        secret = read_token(settings, token, "manage")[1]
        left = store.for_email(conn, row.email) if _opens(conn, row.email, secret) else []
    return row.email, left


def unsubscribe(db: Database, settings: Settings, token: str, now: datetime | None = None) -> Subscription:
    """Use an unsubscribe link (RFC 8058 one-click, or the link in the mail). Doing it twice is fine."""
    now = naive_utc(now or utcnow())
    with db.transaction() as conn:
        row = _row_of(conn, settings, token, "unsubscribe")
        if row.status != "unsubscribed":
            store.set_fields(conn, row.id, status="unsubscribed", unsubscribed_at=now)
            done = store.find(conn, row.id)
            assert done is not None
            row = done
    return row
