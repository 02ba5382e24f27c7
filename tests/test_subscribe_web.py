"""Subscription pages in process: subscribe, confirm, manage and unsubscribe by the mailed links.

The mail goes to the outbox folder (no SMTP set); tests/test_digest_end_to_end.py does
the whole flow against a real SMTP server.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from outbox_links import mailed_links
from sqlalchemy import func, select
from web_server import index_store

from paperboy.config import Settings
from paperboy.mail import outbox_dir
from paperboy.store import Database
from paperboy.store.schema import subscription
from paperboy.web import create_app

ONE_CLICK = {
    "content": b"List-Unsubscribe=One-Click",
    "headers": {"Content-Type": "application/x-www-form-urlencoded"},
}


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db), raise_server_exceptions=False) as test_client:
        yield test_client


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


def mailed_paths(settings: Settings, path: str) -> list[str]:
    """The path-and-query of every link to path in the outbox's mails, oldest mail first."""
    return [
        f"{parts.path}?{parts.query}" for parts in map(urlsplit, mailed_links(outbox_dir(settings), path))
    ]


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def stored_count(db: Database) -> int:
    with db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(subscription)).scalar_one())


def subscribe(client: TestClient, **fields: str):  # type: ignore[no-untyped-def]
    page = client.get("/subscribe")
    data = {"email": "ada@example.org", "kind": "trending", "frequency": "daily"} | fields
    return client.post("/subscribe", data=data | {"csrf_token": csrf_of(page.text)})


def confirm(client: TestClient, link: str):  # type: ignore[no-untyped-def]
    page = client.get(link)
    assert page.status_code == 200 and 'action="/subscriptions/confirm"' in page.text
    return client.post(
        "/subscriptions/confirm", data={"token": token_of(link), "csrf_token": csrf_of(page.text)}
    )


def manage(client: TestClient, link: str, **fields: str):  # type: ignore[no-untyped-def]
    page = client.get(link)
    data = {"token": token_of(link), "csrf_token": csrf_of(page.text)} | fields
    return client.post("/subscriptions/manage", data=data)


def test_every_page_has_the_compact_subscribe_form(client: TestClient) -> None:
    for path in ("/", "/search", "/sign-in", "/subscribe"):
        page = client.get(path).text
        assert 'class="subscribe-compact" method="post" action="/subscribe"' in page, path
        assert 'name="kind" value="trending"' in page and 'name="frequency"' in page


def test_the_header_form_subscribes_to_trending_papers(client: TestClient, settings: Settings) -> None:
    home = client.get("/")
    sent = client.post(
        "/subscribe",
        data={
            "email": "ada@example.org",
            "kind": "trending",
            "frequency": "weekly",
            "csrf_token": csrf_of(home.text),
        },
    )
    assert sent.status_code == 200 and "Check your inbox" in sent.text
    [link] = mailed_paths(settings, "/subscriptions/confirm")
    done = confirm(client, link)
    assert "Subscribed" in done.text and "Weekly trending papers" in done.text


def confirm_description(settings: Settings) -> str:
    """The subject and text of the newest mail, to see what it is about."""
    newest = max(outbox_dir(settings).glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    message = email.message_from_bytes(newest.read_bytes(), policy=email.policy.default)
    return f"{message['Subject']}\n{message.get_body(('plain',)).get_content()}"  # type: ignore[union-attr]


def test_subscribe_confirm_then_manage_by_the_mailed_links(
    client: TestClient, db: Database, settings: Settings
) -> None:
    sent = subscribe(client, email="Ada@Example.org")
    assert sent.status_code == 200 and "Check your inbox" in sent.text and "ada@example.org" in sent.text
    [link] = mailed_paths(settings, "/subscriptions/confirm")
    # Opening the link (as a mail scanner would) confirms nothing.
    page = client.get(link)
    assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"
    assert "pending" == subscription_status(db)
    done = confirm(client, link)
    assert done.status_code == 200 and "Subscribed" in done.text and "Daily" in done.text
    assert done.headers["referrer-policy"] == "no-referrer"
    assert subscription_status(db) == "active"
    manage_link = re.search(r'href="(https?://[^"]+/subscriptions/manage\?token=[^"]+)"', done.text)
    assert manage_link
    parts = urlsplit(html.unescape(manage_link.group(1)))
    listing = client.get(f"{parts.path}?{parts.query}")
    assert listing.status_code == 200 and listing.headers["cache-control"] == "no-store"
    assert "Subscriptions of ada@example.org" in listing.text and ">active<" in listing.text
    link = f"{parts.path}?{parts.query}"
    [subscription_id] = re.findall(r'name="subscription_id" value="(\d+)"', listing.text)[:1]

    weekly = manage(client, link, subscription_id=subscription_id, action="frequency", frequency="weekly")
    assert weekly.status_code == 200 and "Saved" in weekly.text and "Weekly" in weekly.text
    paused = manage(client, link, subscription_id=subscription_id, action="pause")
    assert paused.status_code == 200 and "Paused" in paused.text and subscription_status(db) == "paused"
    assert ">Resume<" in paused.text
    resumed = manage(client, link, subscription_id=subscription_id, action="resume")
    assert resumed.status_code == 200 and subscription_status(db) == "active"
    deleted = manage(client, link, subscription_id=subscription_id, action="delete")
    assert deleted.status_code == 200 and "Deleted" in deleted.text and "No subscriptions" in deleted.text
    assert subscription_status(db) in (None, "unsubscribed")


def subscription_of(db: Database, address: str = "ada@example.org"):  # type: ignore[no-untyped-def]
    """The address's one live subscription, as its links need it."""
    from paperboy.store import subscriptions as subscription_store

    with db.connect() as conn:
        [row] = subscription_store.for_email(conn, address)
    return row


def subscription_status(db: Database) -> str | None:
    with db.connect() as conn:
        return conn.execute(select(subscription.c.status)).scalar_one_or_none()


def test_without_smtp_the_sent_page_says_the_mail_is_in_the_outbox_folder(
    client: TestClient, settings: Settings
) -> None:
    sent = subscribe(client)
    assert sent.status_code == 200 and "Check your inbox" in sent.text
    note = re.search(r'<p class="outbox-note"[^>]*>(.*?)</p>', sent.text, re.S)
    assert note, "the page says where the mail went"
    text = html.unescape(re.sub(r"<[^>]+>", "", note.group(1)))
    assert "no mail server" in text and str(outbox_dir(settings)) in text


def test_the_answer_is_the_same_for_a_new_and_an_already_subscribed_address(
    client: TestClient, settings: Settings
) -> None:
    subscribe(client, email="known@example.org")
    confirm(client, mailed_paths(settings, "/subscriptions/confirm")[0])
    known = subscribe(client, email="known@example.org")
    unknown = subscribe(client, email="stranger@example.org")
    assert known.status_code == unknown.status_code == 200
    strip = lambda page: re.sub(r'value="[0-9a-f]+"|\S+@example\.org', "", page)  # noqa: E731
    assert strip(known.text) == strip(unknown.text)


def test_the_search_page_offers_to_email_new_papers_like_this(
    client: TestClient, db: Database, settings: Settings
) -> None:
    index_store(db, settings)
    results = client.get("/search?q=graph+neural+networks&mode=keyword&cat=cs.LG&after=2024-01-01")
    assert results.status_code == 200
    form = re.search(
        r'<form class="save-search" method="get" action="/subscribe">(.*?)</form>', results.text, re.S
    )
    assert form and "Email me new papers like this" in form.group(1)
    hidden = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(1)))
    assert hidden == {
        "kind": "search",
        "q": "graph neural networks",
        "mode": "keyword",
        "cat": "cs.LG",
        "after": "2024-01-01",
    }


def test_a_saved_search_keeps_its_query_and_filters(
    client: TestClient, db: Database, settings: Settings
) -> None:
    page = client.get(
        "/subscribe?kind=search&q=graph+neural+networks&mode=keyword&cat=cs.LG&after=2024-01-01"
    )
    assert page.status_code == 200 and "Email me new papers like this" in page.text
    assert 'value="graph neural networks"' in page.text and 'value="cs.LG"' in page.text
    assert re.search(r'value="search"\s+checked', page.text)
    sent = client.post(
        "/subscribe",
        data={
            "email": "ada@example.org",
            "kind": "search",
            "frequency": "weekly",
            "q": "graph neural networks",
            "mode": "keyword",
            "cat": "cs.LG",
            "after": "2024-01-01",
            "before": "",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert sent.status_code == 200, sent.text
    with db.connect() as conn:
        row = conn.execute(select(subscription)).one()
    assert (row.kind, row.frequency, row.query, row.status) == (
        "search",
        "weekly",
        "graph neural networks",
        "pending",
    )
    assert row.filters["mode"] == "keyword" and row.filters["category"] == "cs.LG"
    assert str(row.filters["after"]) == "2024-01-01" and not row.filters.get("before")
    assert "graph neural networks" in confirm_description(settings)


FIELD_WORDS = {"email": "address", "query": "query", "kind": "kind", "frequency": "frequency"}


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"email": "ada at example"}, "email", "not an email address"),
        ({"email": ""}, "email", "email"),
        ({"email": "a@b.org\r\nBcc: x@y.org"}, "email", ""),
        ({"kind": "search", "q": "graph\r\nBcc: x@y.org"}, "query", ""),
        # Line separators other than CR/LF raised a 500 when the mail's Subject was set.
        ({"kind": "search", "q": "graph\u2028Bcc: x@y.org"}, "query", "line separator"),
        ({"kind": "search", "q": "graph\u2029Bcc: x@y.org"}, "query", "line separator"),
        ({"kind": "search", "q": "graph\x85Bcc: x@y.org"}, "query", "control character"),
        ({"email": "=?utf-8?q?=0D=0ABcc=3A_x?=@example.org"}, "email", "not an email address"),
        ({"kind": "search", "q": "x" * 5000}, "query", "500"),
        ({"kind": "search", "q": ""}, "query", ""),
        ({"kind": "carrier pigeon"}, "kind", ""),
        ({"frequency": "hourly"}, "frequency", ""),
    ],
)
def test_a_bad_form_is_refused_with_the_reason_and_nothing_is_stored_or_sent(
    client: TestClient, db: Database, settings: Settings, fields: dict[str, str], field: str, words: str
) -> None:
    refused = subscribe(client, **fields)
    assert refused.status_code == 400, refused.text
    problem = re.search(
        r'<p class="problem" role="alert" id="subscribe-problem">(.*?)</p>', refused.text, re.S
    )
    assert problem, "the page says what is wrong"
    message = html.unescape(problem.group(1))
    assert words.lower() in message.lower()
    assert FIELD_WORDS[field] in message.lower()  # it names the field in the reader's words
    assert 'action="/subscribe"' in refused.text  # the form is there to fix and send again
    if field in ("email", "query"):
        assert 'aria-invalid="true"' in refused.text
    assert stored_count(db) == 0
    assert not list(outbox_dir(settings).glob("*.eml"))


def test_a_refused_query_is_shown_again_in_the_form(client: TestClient) -> None:
    refused = subscribe(client, kind="search", q="graph networks\tcat:cs.LG", frequency="weekly")
    assert refused.status_code == 400 and "control character" in refused.text
    assert 'value="graph networks\tcat:cs.LG"' in refused.text
    assert re.search(r'value="search"\s+checked', refused.text) and re.search(
        r'value="weekly"\s+checked', refused.text
    )


def test_confirmation_mail_is_rate_limited_per_address(client: TestClient, settings: Settings) -> None:
    # Refused forms send nothing and do not count.
    for _ in range(3):
        assert subscribe(client, kind="search", q="").status_code == 400
    for frequency in ("daily", "weekly", "daily"):
        assert subscribe(client, frequency=frequency).status_code == 200
    limited = subscribe(client, frequency="weekly")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "confirmation mails were sent to this address" in limited.text
    assert subscribe(client, email="grace@example.org").status_code == 200
    assert len(mailed_paths(settings, "/subscriptions/confirm")) == 4


def test_a_second_worker_does_not_give_an_address_a_fresh_subscribe_allowance(
    db: Database, settings: Settings, database_url: str
) -> None:
    from paperboy.store import open_database

    other_db = open_database(database_url)
    try:
        with (
            TestClient(create_app(settings, db)) as first,
            TestClient(create_app(settings, other_db)) as second,
        ):
            for frequency in ("daily", "weekly", "daily"):
                assert subscribe(first, frequency=frequency).status_code == 200
            refused = subscribe(second, frequency="weekly")
    finally:
        other_db.close()
    assert refused.status_code == 429 and "confirmation mails were sent to this address" in refused.text
    assert len(mailed_paths(settings, "/subscriptions/confirm")) == 3


def test_plus_addressed_variants_share_one_confirmation_mail_allowance(client: TestClient) -> None:
    for address in ("victim@example.org", "Victim+1@example.org", "victim+news@EXAMPLE.org"):
        assert subscribe(client, email=address).status_code == 200
    refused = subscribe(client, email="VICTIM+2@example.org")
    assert refused.status_code == 429 and "confirmation mails were sent to this address" in refused.text


@pytest.mark.parametrize("path", ["/subscribe", "/subscriptions/manage", "/subscriptions/confirm"])
def test_forms_without_the_csrf_token_are_refused(client: TestClient, db: Database, path: str) -> None:
    client.get("/subscribe")
    response = client.post(path, data={"email": "ada@example.org", "kind": "trending", "frequency": "daily"})
    assert response.status_code == 403 and "CSRF" in response.text
    assert stored_count(db) == 0


def tampered(token: str) -> str:
    middle = len(token) // 2
    return token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]


def test_forged_or_altered_links_are_refused(client: TestClient, settings: Settings, db: Database) -> None:
    subscribe(client)
    [link] = mailed_paths(settings, "/subscriptions/confirm")
    token = token_of(link)
    for bad in ("not-a-real-token", tampered(token), token + "x"):
        page = client.get("/subscriptions/confirm", params={"token": bad})
        refused = client.post("/subscriptions/confirm", data={"token": bad, "csrf_token": csrf_of(page.text)})
        assert refused.status_code == 400 and 'class="problem"' in refused.text, bad
        assert client.get("/subscriptions/manage", params={"token": bad}).status_code == 400
        assert client.post("/unsubscribe", params={"token": bad}, **ONE_CLICK).status_code == 400
    assert subscription_status(db) == "pending"
    # A confirmation token is no manage or unsubscribe token.
    assert client.get("/subscriptions/manage", params={"token": token}).status_code == 400
    assert client.post("/unsubscribe", params={"token": token}, **ONE_CLICK).status_code == 400


def test_one_click_unsubscribe_needs_no_cookie_and_can_be_repeated(db: Database, settings: Settings) -> None:
    from paperboy.services.digests import subscriptions

    app = create_app(settings, db)
    with TestClient(app) as browser:
        subscribe(browser)
        confirm(browser, mailed_paths(settings, "/subscriptions/confirm")[0])
    with db.connect() as conn:
        subscription_id = conn.execute(select(subscription.c.id)).scalar_one()
    [listed] = subscriptions.subscriptions_for_manage_token(
        db, settings, token_of(subscriptions.manage_url(settings, subscription_of(db)))
    )[1]
    link = urlsplit(subscriptions.unsubscribe_url(settings, listed))
    assert listed.id == subscription_id and link.path == "/unsubscribe"
    with TestClient(app) as mail_client:  # a fresh client: no cookies, no CSRF token
        page = mail_client.get(f"{link.path}?{link.query}")
        assert page.status_code == 200 and "Unsubscribe</button>" in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        assert subscription_status(db) == "active"  # opening the page changes nothing
        mail_client.cookies.clear()
        first = mail_client.post(f"{link.path}?{link.query}", **ONE_CLICK)
        assert first.status_code == 200 and "Unsubscribed" in first.text
        assert subscription_status(db) == "unsubscribed"
        mail_client.cookies.clear()
        again = mail_client.post(f"{link.path}?{link.query}", **ONE_CLICK)
        assert again.status_code == 200 and "Unsubscribed" in again.text


def test_the_unsubscribe_page_button_sends_the_one_click_post(
    client: TestClient, db: Database, settings: Settings
) -> None:
    from paperboy.services.digests import subscriptions

    subscribe(client)
    confirm(client, mailed_paths(settings, "/subscriptions/confirm")[0])
    [listed] = subscriptions.subscriptions_for_manage_token(
        db, settings, token_of(subscriptions.manage_url(settings, subscription_of(db)))
    )[1]
    link = urlsplit(subscriptions.unsubscribe_url(settings, listed))
    page = client.get(f"{link.path}?{link.query}")
    action = re.search(r'<form method="post" action="([^"]+)">', page.text)
    assert action
    fields = dict(
        re.findall(
            r'name="([\w-]+)" value="([^"]*)"', page.text.split(action.group(0))[1].split("</form>")[0]
        )
    )
    assert fields == {"List-Unsubscribe": "One-Click"}
    done = client.post(html.unescape(action.group(1)), data=fields)
    assert done.status_code == 200 and subscription_status(db) == "unsubscribed"


def test_manage_changes_only_subscriptions_of_the_links_address(
    client: TestClient, db: Database, settings: Settings
) -> None:
    from paperboy.services.digests import subscriptions

    subscribe(client, email="ada@example.org")
    confirm(client, mailed_paths(settings, "/subscriptions/confirm")[0])
    subscribe(client, email="grace@example.org")
    with db.connect() as conn:
        ids = dict(conn.execute(select(subscription.c.email, subscription.c.id)).all())
    link = urlsplit(subscriptions.manage_url(settings, subscription_of(db)))
    refused = manage(
        client, f"{link.path}?{link.query}", subscription_id=str(ids["grace@example.org"]), action="delete"
    )
    assert refused.status_code == 400 and 'class="problem"' in refused.text
    assert stored_count(db) == 2
    odd = manage(
        client, f"{link.path}?{link.query}", subscription_id=str(ids["ada@example.org"]), action="explode"
    )
    assert odd.status_code == 400 and "Unknown action" in odd.text


def test_subscribe_limits_count_per_ip_and_free_up_after_an_hour(db: Database, settings: Settings) -> None:
    from datetime import datetime, timedelta

    from paperboy.services.digests import subscriptions
    from paperboy.services.rate_limits import RateLimited

    now = datetime(2026, 11, 20, 12, 0)
    for n in range(20):
        subscriptions.subscribe(
            db, settings, f"reader{n}@example.org", "trending", "daily", now=now, ip="203.0.113.9"
        )
    with pytest.raises(RateLimited, match="from your network") as refused:
        subscriptions.subscribe(
            db, settings, "another@example.org", "trending", "daily", now=now, ip="203.0.113.9"
        )
    assert refused.value.retry_after == 3600
    # Another network is not held back, and an hour later this one is not either.
    subscriptions.subscribe(
        db, settings, "another@example.org", "trending", "daily", now=now, ip="198.51.100.1"
    )
    later = now + timedelta(hours=1, seconds=1)
    subscriptions.subscribe(
        db, settings, "another@example.org", "trending", "weekly", now=later, ip="203.0.113.9"
    )


def test_a_mail_server_that_cannot_be_reached_gets_a_try_again_page(db: Database, settings: Settings) -> None:
    from dataclasses import replace

    from web_server import free_port

    unreachable = replace(settings, smtp_url=f"smtp://127.0.0.1:{free_port()}")
    with TestClient(create_app(unreachable, db), raise_server_exceptions=False) as client:
        refused = subscribe(client)
    assert refused.status_code == 503 and "try again in a few minutes" in refused.text
    assert 'value="ada@example.org"' in refused.text


def manage_links_in(page: str) -> list[str]:
    """The path-and-query of every manage link a page shows."""
    found = re.findall(r'href="(https?://[^"]+/subscriptions/manage\?token=[^"]+)"', page)
    return [f"{p.path}?{p.query}" for p in (urlsplit(html.unescape(link)) for link in found)]


def test_a_recycled_confirm_link_neither_confirms_nor_shows_the_next_subscribers_manage_link(
    client: TestClient, db: Database, settings: Settings
) -> None:
    # Mallory subscribes, confirms, keeps the confirmation link and deletes the subscription.
    subscribe(client, email="mallory@example.org")
    [link] = mailed_paths(settings, "/subscriptions/confirm")
    [manage_link] = manage_links_in(confirm(client, link).text)
    listing = client.get(manage_link)
    [subscription_id] = re.findall(r'name="subscription_id" value="(\d+)"', listing.text)[:1]
    assert "Deleted" in manage(client, manage_link, subscription_id=subscription_id, action="delete").text
    # Ada subscribes next to a private saved search; Mallory replays her old link.
    subscribe(client, email="ada@example.org", kind="search", q="my secret project", frequency="weekly")
    replayed = confirm(client, link)
    assert replayed.status_code == 400 and manage_links_in(replayed.text) == []
    assert "ada@example.org" not in replayed.text and subscription_status(db) == "pending"


def test_an_old_unsubscribe_link_shows_no_manage_link_to_later_subscriptions(
    client: TestClient, db: Database, settings: Settings
) -> None:
    from paperboy.services.digests import subscriptions
    from paperboy.store import subscriptions as subscription_store

    subscribe(client)
    confirm(client, mailed_paths(settings, "/subscriptions/confirm")[0])
    with db.connect() as conn:
        [row] = subscription_store.for_email(conn, "ada@example.org")
    old = urlsplit(subscriptions.unsubscribe_url(settings, row))
    assert client.post(f"{old.path}?{old.query}", **ONE_CLICK).status_code == 200
    # Later the address subscribes to a private saved search (perhaps someone new has it now).
    subscribe(client, kind="search", q="my secret project", frequency="weekly")
    confirm(client, mailed_paths(settings, "/subscriptions/confirm")[-1])
    replayed = client.post(f"{old.path}?{old.query}", **ONE_CLICK)
    for manage_link in manage_links_in(replayed.text):
        assert "my secret project" not in client.get(manage_link).text
