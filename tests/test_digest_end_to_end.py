"""Issue 6 end to end against a real SMTP server (aiosmtpd on loopback, STARTTLS):
subscribe on the site, receive the confirmation, confirm by its link, receive a digest
with the right headers and parts, and unsubscribe by the RFC 8058 one-click POST, sent
as a mail client sends it (no cookies, no CSRF token). Mails are parsed with `email`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from smtp_sink import SmtpSink, smtp_certificate, smtp_sink  # noqa: F401  (fixtures)
from web_server import EXTRA_DAY, SEED_DAYS, fill_store

from paperboy.config import Settings
from paperboy.services.digests.schedule import create_editions, send_due
from paperboy.store import Database
from paperboy.web import create_app

SITE = "https://papers.example.org"
READER, OTHER = "reader@example.org", "other@example.org"


@pytest.fixture
def site(db: Database, settings: Settings, smtp_sink: SmtpSink) -> Iterator[tuple[FastAPI, Settings]]:  # noqa: F811
    """The app over a store with papers, mailing through the sink, its public address https."""
    fill_store(db)
    config = replace(settings, smtp_url=smtp_sink.url, base_url=SITE)
    yield create_app(config, db), config


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


def local(url: str) -> str:
    """A link from a mail, as a path and query to ask the local app (its host is the public one)."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == SITE, url
    return f"{parts.path}?{parts.query}"


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None, "the mail has a text/plain part"
    return str(body.get_content())


def assert_well_formed(message: EmailMessage, to: str) -> None:
    assert message["To"] == to
    assert message["From"] and "@" in message["From"]
    assert message["Date"] and message["Date"].datetime is not None
    assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", message["Message-ID"])


def subscribe_and_confirm(app: FastAPI, sink: SmtpSink, address: str) -> None:
    """What a reader does: the form, the mail, the link, the Confirm button."""
    with TestClient(app, base_url="https://testserver") as browser:
        form = browser.get("/subscribe")
        sent = browser.post(
            "/subscribe",
            data={
                "email": address,
                "kind": "trending",
                "frequency": "daily",
                "csrf_token": csrf_of(form.text),
            },
        )
        assert sent.status_code == 200 and "Check your inbox" in sent.text
        [confirmation] = sink.messages_to(address)
        assert_well_formed(confirmation, address)
        link = re.search(rf"{re.escape(SITE)}/subscriptions/confirm\?token=\S+", text_of(confirmation))
        assert link, text_of(confirmation)
        page = browser.get(local(link.group(0)))
        assert page.status_code == 200 and "Confirm your subscription" in page.text
        token = re.search(r'name="token" value="([^"]+)"', page.text)
        assert token
        done = browser.post(
            "/subscriptions/confirm", data={"token": token.group(1), "csrf_token": csrf_of(page.text)}
        )
        assert done.status_code == 200 and "Subscribed" in done.text


def test_nothing_but_the_confirmation_is_sent_before_the_address_confirms(
    site: tuple[FastAPI, Settings],
    smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    app, _ = site
    with TestClient(app, base_url="https://testserver") as browser:
        form = browser.get("/subscribe")
        browser.post(
            "/subscribe",
            data={
                "email": READER,
                "kind": "trending",
                "frequency": "daily",
                "csrf_token": csrf_of(form.text),
            },
        )
    [confirmation] = smtp_sink.messages_to(READER)
    assert "/subscriptions/confirm?token=" in text_of(confirmation)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"email": "reader@example.org\r\nBcc: victim@example.org"}, "address"),
        (
            {"email": "reader@example.org", "kind": "search", "q": "graphs\r\nBcc: victim@example.org"},
            "query",
        ),
        ({"email": "reader@example.org", "kind": "search", "q": "graph " * 1000}, "query"),
        ({"email": "not an address"}, "address"),
    ],
)
def test_refused_forms_send_nothing_to_the_smtp_server(
    site: tuple[FastAPI, Settings],
    smtp_sink: SmtpSink,  # noqa: F811
    fields: dict[str, str],
    words: str,
) -> None:
    app, _ = site
    with TestClient(app, base_url="https://testserver") as browser:
        form = browser.get("/subscribe")
        data = {"kind": "trending", "frequency": "daily"} | fields | {"csrf_token": csrf_of(form.text)}
        refused = browser.post("/subscribe", data=data)
    assert refused.status_code == 400 and words in refused.text.lower()
    assert smtp_sink.messages == []


def send_daily_edition(db: Database, config: Settings, day: object) -> None:
    """What the worker does at digest_hour: the day's daily trending edition, sent through the ledger."""
    create_editions(db, config, day, kinds=("trending",), frequencies=("daily",))  # type: ignore[arg-type]
    totals = send_due(db, config, kinds=("trending",))
    assert totals.errors == []


def test_subscribe_confirm_receive_a_digest_and_unsubscribe_in_one_click(
    db: Database,
    site: tuple[FastAPI, Settings],
    smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    app, config = site
    subscribe_and_confirm(app, smtp_sink, READER)
    subscribe_and_confirm(app, smtp_sink, OTHER)

    send_daily_edition(db, config, SEED_DAYS[0])
    [_, digest] = smtp_sink.messages_to(READER)
    assert_well_formed(digest, READER)
    assert digest.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in digest.iter_parts()] == ["text/plain", "text/html"]
    assert "Sparse Mixture-of-Experts Accelerators" in text_of(digest)
    html_part = digest.get_body(("html",))
    assert html_part is not None and "Sparse Mixture-of-Experts Accelerators" in html_part.get_content()
    assert "<script>" not in html_part.get_content()  # the hostile title arrives escaped
    # RFC 8058: an https URL to POST to, and the one-click marker.
    unsubscribe = re.fullmatch(r"<(https://[^<>]+)>", str(digest["List-Unsubscribe"]))
    assert unsubscribe, digest["List-Unsubscribe"]
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.group(1) in text_of(digest)  # and the same link in the body

    # A mail client's one-click POST: a fresh client, so no cookies and no CSRF token.
    with TestClient(app, base_url="https://testserver") as mail_client:
        done = mail_client.post(
            local(unsubscribe.group(1)),
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert done.status_code == 200 and "Unsubscribed" in done.text

    send_daily_edition(db, config, EXTRA_DAY)
    assert len(smtp_sink.messages_to(READER)) == 2  # the confirmation and the first digest only
    [_, first, second] = smtp_sink.messages_to(OTHER)
    assert "A Quiet Paper on the First of August" in text_of(second)
    assert first["Message-ID"] != second["Message-ID"] != digest["Message-ID"]
