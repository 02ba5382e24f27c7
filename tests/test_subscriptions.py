"""Subscriptions: double opt-in, signed links, manage, unsubscribe, and refusing bad input."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import replace
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest
from digest_fixtures import EDITION_DAY, SEND_AT, fill_feed
from sqlalchemy import func, select

from paperboy.config import Settings
from paperboy.domain.subscriptions import Subscription
from paperboy.mail import outbox_dir
from paperboy.services.digests import schedule as digests
from paperboy.services.digests import subscriptions as subs
from paperboy.services.digests.subscriptions import SubscriptionError, SubscriptionLinkRefused
from paperboy.store import Database
from paperboy.store.schema import subscription

NOW = datetime(2026, 11, 19, 12, 0)


def outbox(settings: Settings) -> list[EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for path in sorted(outbox_dir(settings).glob("*.eml"))
    ]


def link_token(message: EmailMessage, path: str) -> str:
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    [token] = re.findall(re.escape(path) + r"\?token=([A-Za-z0-9_.-]+)", body)
    return token


def subscribe_and_confirm(
    db: Database, settings: Settings, address: str = "ada@example.org", **kw
) -> subs.Subscription:  # type: ignore[no-untyped-def]
    kw.setdefault("kind", "trending")
    kw.setdefault("frequency", "daily")
    subs.subscribe(db, settings, address, now=NOW, **kw)
    token = link_token(outbox(settings)[-1], "/subscriptions/confirm")
    return subs.confirm(db, settings, token, now=NOW)


def test_subscribing_mails_a_confirmation_link_and_nothing_else_until_it_is_used(
    db: Database, settings: Settings
) -> None:
    fill_feed(db)
    pending = subs.subscribe(db, settings, " Ada@Example.ORG ", "trending", "daily", now=NOW)
    assert pending.status == "pending" and pending.email == "ada@example.org"
    [mail] = outbox(settings)
    assert mail["To"] == "ada@example.org" and "Daily trending papers" in mail["Subject"]
    digests.create_editions(db, settings, EDITION_DAY, kinds=["trending"], frequencies=["daily"], now=SEND_AT)
    assert digests.send_due(db, settings, now=SEND_AT).total("sent") == 0
    assert len(outbox(settings)) == 1, "an unconfirmed address gets only the confirmation"

    active = subs.confirm(db, settings, link_token(mail, "/subscriptions/confirm"), now=NOW)
    assert active.status == "active" and active.confirmed_at == NOW
    next_day = EDITION_DAY + timedelta(days=1)
    fill_feed(db, day=next_day, prefix="2612")
    digests.create_editions(db, settings, next_day, kinds=["trending"], frequencies=["daily"], now=SEND_AT)
    assert digests.send_due(db, settings, now=SEND_AT + timedelta(days=1)).total("sent") == 1


def test_subscribing_twice_keeps_one_row_and_an_active_one_gets_its_manage_link(
    db: Database, settings: Settings
) -> None:
    first = subscribe_and_confirm(db, settings)
    again = subs.subscribe(db, settings, "ADA@example.org", "trending", "daily", now=NOW)
    assert again.id == first.id and again.status == "active"
    mail = outbox(settings)[-1]
    assert "already" in mail["Subject"]
    address, listed = subs.subscriptions_for_manage_token(
        db, settings, link_token(mail, "/subscriptions/manage")
    )
    assert address == "ada@example.org" and [s.id for s in listed] == [first.id]
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(subscription)).scalar() == 1


def test_a_saved_search_keeps_its_query_and_filters_and_describes_itself(
    db: Database, settings: Settings
) -> None:
    sub = subs.subscribe(
        db, settings, "ada@example.org", "search", "weekly", query="graph neural networks",
        filters={"category": "cs.LG", "mode": "hybrid", "after": "", "before": "2027-01-31"}, now=NOW,
    )  # fmt: skip
    assert sub.filters == {"category": "cs.LG", "mode": "hybrid", "before": "2027-01-31"}
    assert sub.describe() == 'Weekly alert: "graph neural networks" in cs.LG before 2027-01-31'
    other = subs.subscribe(db, settings, "ada@example.org", "search", "weekly", query="transformers", now=NOW)
    assert other.id != sub.id


@pytest.mark.parametrize(
    "address", ["", "not-an-address", "ada@", "ada@example", "a b@example.org", "x" * 250 + "@example.org"]
)
def test_invalid_addresses_are_refused_with_a_clear_message(
    db: Database, settings: Settings, address: str
) -> None:
    with pytest.raises(SubscriptionError) as refused:
        subs.subscribe(db, settings, address, "trending", "daily")
    assert refused.value.field == "email" and str(refused.value)
    assert not outbox_dir(settings).exists()


@pytest.mark.parametrize("breaker", ["\r\n", "\n", "\r", "\x00", "\t"])
@pytest.mark.parametrize("field", ["email", "query", "category", "after", "mode"])
def test_line_breaks_and_control_characters_in_any_field_are_refused(
    db: Database, settings: Settings, field: str, breaker: str
) -> None:
    values = {"email": "ada@example.org", "query": "graph networks"}
    filters = {"category": "cs.LG", "after": "2026-01-01", "mode": "keyword"}
    injected = f"{breaker}Bcc: victim@example.org"
    if field in values:
        values[field] += injected
    else:
        filters[field] += injected
    with pytest.raises(SubscriptionError) as refused:
        subs.subscribe(
            db, settings, values["email"], "search", "daily", query=values["query"], filters=filters
        )
    assert refused.value.field == field
    assert not outbox_dir(settings).exists()


def test_an_oversized_query_is_refused_with_the_limit(db: Database, settings: Settings) -> None:
    with pytest.raises(SubscriptionError, match="at most 500") as refused:
        subs.subscribe(db, settings, "ada@example.org", "search", "daily", query="neural " * 100)
    assert refused.value.field == "query"


@pytest.mark.parametrize(
    ("query", "filters", "field", "says"),
    [
        ("", {}, "query", "needs a search query"),
        ("after:2026-13-01 graphs", {}, "query", "cannot be searched"),
        ("graphs", {"category": "not a category!"}, "category", "category"),
        ("graphs", {"after": "yesterday"}, "after", "YYYY-MM-DD"),
        ("graphs", {"mode": "psychic"}, "mode", "hybrid, keyword, semantic"),
        ("graphs", {"colour": "blue"}, "query", "Unknown filter"),
        ("graphs", {"after": "2026-05-01", "before": "2026-01-01"}, "after", "nothing could match"),
        # Hole 3: a saved search holding an out-of-range date broke every later edition.
        ("graphs before:9999-12-31", {}, "query", "out of range"),
        ("graphs", {"before": "9999-12-31"}, "before", "1900-01-01 to 2199-12-31"),
        ("graphs", {"after": "0001-01-01"}, "after", "1900-01-01 to 2199-12-31"),
    ],
)
def test_unusable_saved_searches_say_which_field_and_why(
    db: Database, settings: Settings, query: str, filters: dict[str, str], field: str, says: str
) -> None:
    with pytest.raises(SubscriptionError, match=says) as refused:
        subs.subscribe(db, settings, "ada@example.org", "search", "daily", query=query, filters=filters)
    assert refused.value.field == field


def test_unknown_kinds_and_frequencies_are_refused(db: Database, settings: Settings) -> None:
    with pytest.raises(SubscriptionError) as kind:
        subs.subscribe(db, settings, "ada@example.org", "hourly-gossip", "daily")
    with pytest.raises(SubscriptionError) as frequency:
        subs.subscribe(db, settings, "ada@example.org", "trending", "hourly")
    assert (kind.value.field, frequency.value.field) == ("kind", "frequency")


def test_altered_expired_and_misdirected_links_are_refused(db: Database, settings: Settings) -> None:
    subs.subscribe(db, settings, "ada@example.org", "trending", "daily", now=NOW)
    token = link_token(outbox(settings)[-1], "/subscriptions/confirm")
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(SubscriptionLinkRefused, match="not valid"):
        subs.confirm(db, settings, altered, now=NOW)
    with pytest.raises(SubscriptionLinkRefused, match="expired"):
        subs.confirm(db, settings, token, now=NOW + timedelta(days=8))
    with pytest.raises(SubscriptionLinkRefused, match="not for unsubscribing"):
        subs.unsubscribe(db, settings, token)
    with pytest.raises(SubscriptionLinkRefused):
        subs.confirm(db, replace(settings, secret_key="another-site-key-" * 3), token, now=NOW)
    assert subs.confirm(db, settings, token, now=NOW + timedelta(days=6)).status == "active"


def test_the_manage_link_changes_frequency_pauses_resumes_and_deletes(
    db: Database, settings: Settings
) -> None:
    sub = subscribe_and_confirm(db, settings)
    token = link_token_of(subs.manage_url(settings, sub))
    assert subs.update_subscription(db, settings, token, sub.id, frequency="weekly").frequency == "weekly"
    paused = subs.update_subscription(db, settings, token, sub.id, paused=True)
    assert paused.status == "paused" and paused.pause_reason == "by subscriber"
    assert subs.update_subscription(db, settings, token, sub.id, paused=False).status == "active"
    assert subs.delete_subscription(db, settings, token, sub.id) == ("ada@example.org", [])
    # Nothing is left for the link to open.
    with pytest.raises(SubscriptionLinkRefused, match="opens nothing"):
        subs.subscriptions_for_manage_token(db, settings, token)


def test_a_manage_link_cannot_touch_another_addresss_subscriptions(db: Database, settings: Settings) -> None:
    theirs = subscribe_and_confirm(db, settings, "grace@example.org")
    mine = link_token_of(subs.manage_url(settings, subscribe_and_confirm(db, settings, "ada@example.org")))
    with pytest.raises(SubscriptionLinkRefused):
        subs.update_subscription(db, settings, mine, theirs.id, paused=True)
    with pytest.raises(SubscriptionLinkRefused):
        subs.delete_subscription(db, settings, mine, theirs.id)


def test_changing_to_a_frequency_already_held_is_refused(db: Database, settings: Settings) -> None:
    daily = subscribe_and_confirm(db, settings, frequency="daily")
    subscribe_and_confirm(db, settings, frequency="weekly")
    token = link_token_of(subs.manage_url(settings, daily))
    with pytest.raises(SubscriptionError, match="already have") as refused:
        subs.update_subscription(db, settings, token, daily.id, frequency="weekly")
    assert refused.value.field == "frequency"


def test_unsubscribing_is_idempotent_and_a_new_subscribe_starts_over(
    db: Database, settings: Settings
) -> None:
    sub = subscribe_and_confirm(db, settings)
    token = link_token_of(subs.unsubscribe_url(settings, sub))
    assert subs.unsubscribe(db, settings, token).status == "unsubscribed"
    assert subs.unsubscribe(db, settings, token).status == "unsubscribed"
    again = subs.subscribe(db, settings, "ada@example.org", "trending", "daily", now=NOW)
    assert again.id == sub.id and again.status == "pending"
    assert "Confirm" in outbox(settings)[-1]["Subject"]
    # A new opt-in: the links of the row's earlier life work no more, the new mail's do.
    with pytest.raises(SubscriptionLinkRefused, match="earlier life"):
        subs.unsubscribe(db, settings, token)
    with pytest.raises(SubscriptionLinkRefused, match="earlier life"):
        subs.confirm(db, settings, link_token(outbox(settings)[0], "/subscriptions/confirm"), now=NOW)
    assert (
        subs.confirm(db, settings, link_token(outbox(settings)[-1], "/subscriptions/confirm"), now=NOW).id
        == sub.id
    )


def test_links_follow_the_base_url_scheme(settings: Settings) -> None:
    secure = replace(settings, base_url="https://papers.example.org/")
    sub = Subscription(
        7,
        "ada@example.org",
        "trending",
        "daily",
        None,
        {},
        "active",
        None,
        NOW,
        NOW,
        None,
        0,
        None,
        "trending:daily:ada@example.org",
        "s" * 22,
        "m" * 22,
    )
    assert subs.unsubscribe_url(secure, sub).startswith("https://papers.example.org/unsubscribe?token=")
    assert subs.manage_url(secure, sub).startswith("https://papers.example.org/subscriptions/manage?")
    assert subs.confirm_url(secure, sub).startswith("https://papers.example.org/subscriptions/confirm?")


# -- attacks on the signed links ----------------------------------------------------------


def manage_token_mailed_to(db: Database, settings: Settings, address: str) -> str:
    """The manage link's token, as the "you already have this" mail gives it to the address."""
    subs.subscribe(db, settings, address, "trending", "daily", now=NOW)
    mail = outbox(settings)[-1]
    assert mail["To"] == address and "already" in mail["Subject"]
    return link_token(mail, "/subscriptions/manage")


def test_an_old_confirm_link_of_a_deleted_subscription_cannot_confirm_the_next_persons(
    db: Database, settings: Settings
) -> None:
    # Mallory subscribes, keeps her confirmation link, and deletes the subscription (the newest row).
    mallory = subscribe_and_confirm(db, settings, "mallory@example.org")
    old_confirm = link_token(outbox(settings)[0], "/subscriptions/confirm")
    subs.delete_subscription(
        db, settings, manage_token_mailed_to(db, settings, "mallory@example.org"), mallory.id
    )
    # Ada subscribes next, to a private saved search, and has not confirmed yet.
    ada = subs.subscribe(
        db, settings, "ada@example.org", "search", "weekly", query="my secret project", now=NOW
    )
    with pytest.raises(SubscriptionLinkRefused):
        subs.confirm(db, settings, old_confirm, now=NOW)
    with db.connect() as conn:
        assert (
            conn.execute(select(subscription.c.status).where(subscription.c.id == ada.id)).scalar()
            == "pending"
        )


def test_an_old_unsubscribe_link_of_a_deleted_subscription_cannot_unsubscribe_the_next_person(
    db: Database, settings: Settings
) -> None:
    mallory = subscribe_and_confirm(db, settings, "mallory@example.org")
    old_unsubscribe = link_token_of(subs.unsubscribe_url(settings, mallory))
    subs.delete_subscription(
        db, settings, manage_token_mailed_to(db, settings, "mallory@example.org"), mallory.id
    )
    ada = subscribe_and_confirm(db, settings, "ada@example.org")
    with pytest.raises(SubscriptionLinkRefused):
        subs.unsubscribe(db, settings, old_unsubscribe)
    with db.connect() as conn:
        assert (
            conn.execute(select(subscription.c.status).where(subscription.c.id == ada.id)).scalar()
            == "active"
        )


def link_token_of(url: str) -> str:
    [token] = re.findall(r"\?token=([A-Za-z0-9_.-]+)$", url)
    return token


def test_a_manage_link_stops_working_once_every_subscription_of_the_address_is_gone(
    db: Database, settings: Settings
) -> None:
    first = subscribe_and_confirm(db, settings)
    old_manage = manage_token_mailed_to(db, settings, "ada@example.org")
    subs.delete_subscription(db, settings, old_manage, first.id)
    # The address subscribes again later: perhaps it belongs to someone else by now.
    subscribe_and_confirm(db, settings, kind="search", query="my secret project")
    with pytest.raises(SubscriptionLinkRefused):
        subs.subscriptions_for_manage_token(db, settings, old_manage)


def test_a_pending_subscription_anyone_can_make_does_not_keep_an_old_manage_link_alive(
    db: Database, settings: Settings
) -> None:
    # Mallory holds Ada's manage link (a forwarded digest, say) and, before Ada deletes her
    # subscription to cut her off, subscribes Ada's address to something else: a pending row.
    mine = subscribe_and_confirm(db, settings)
    leaked = link_token_of(subs.manage_url(settings, mine))
    subs.subscribe(db, settings, "ada@example.org", "search", "daily", query="bait", now=NOW)
    subs.delete_subscription(db, settings, leaked, mine.id)
    with pytest.raises(SubscriptionLinkRefused, match="opens nothing"):
        subs.subscriptions_for_manage_token(db, settings, leaked)
    # Ada confirming the pending one later gives a new manage link; the leaked one stays dead.
    confirmed = subs.confirm(
        db, settings, link_token(outbox(settings)[-1], "/subscriptions/confirm"), now=NOW
    )
    assert subs.subscriptions_for_manage_token(
        db, settings, link_token_of(subs.manage_url(settings, confirmed))
    )
    with pytest.raises(SubscriptionLinkRefused, match="opens nothing"):
        subs.subscriptions_for_manage_token(db, settings, leaked)


def test_deleting_one_of_several_keeps_the_manage_link_and_lists_pending_ones_too(
    db: Database, settings: Settings
) -> None:
    daily = subscribe_and_confirm(db, settings, frequency="daily")
    weekly = subscribe_and_confirm(db, settings, frequency="weekly")
    pending = subs.subscribe(db, settings, "ada@example.org", "search", "daily", query="graphs", now=NOW)
    # Both confirmed ones share one manage link, whichever mail it came from.
    assert subs.manage_url(settings, daily) == subs.manage_url(settings, weekly)
    token = link_token_of(subs.manage_url(settings, weekly))
    address, left = subs.delete_subscription(db, settings, token, daily.id)
    assert address == "ada@example.org" and [s.id for s in left] == [weekly.id, pending.id]
    assert subs.delete_subscription(db, settings, token, pending.id)[1] == [
        subs.subscriptions_for_manage_token(db, settings, token)[1][0]
    ]
