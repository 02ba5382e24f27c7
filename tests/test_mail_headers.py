"""Header injection: text from users (saved-search queries, filters) and settings (the From
name, links) can never add a header or a body to a mail, however it is dressed up:
literal CR/LF, RFC 2047 encoded words that decode to CR/LF, NEL, U+2028/U+2029, VT/FF.

Every mail is checked twice: on its raw bytes (each header line is one of the headers
Paperboy wrote, or a folded continuation of one) and parsed by the email package (the same
headers, no defects, the parts Paperboy built and no others).
"""

from __future__ import annotations

import email
import email.policy
import itertools
import unicodedata
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from digest_fixtures import add_subscribers, fill_feed
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from smtp_sink import SmtpSink, smtp_certificate, smtp_sink  # noqa: F401  (fixtures)
from sqlalchemy import update

from paperboy.config import Settings
from paperboy.digest.compose import (
    DigestContent,
    digest_bytes,
    digest_message,
    digest_paper,
    prepare_digest,
    render_digest,
)
from paperboy.domain import Author, Paper
from paperboy.mail import MailHeaderError, outbox_dir
from paperboy.mail.notices import already_subscribed_message, confirmation_message
from paperboy.services.accounts import AccountError, request_sign_in
from paperboy.services.digests import schedule as digests
from paperboy.services.digests import subscriptions
from paperboy.services.digests.subscriptions import describe
from paperboy.services.finding.indexing import Indexer
from paperboy.store import Database
from paperboy.store.schema import paper

UNSAFE = ("Cc", "Cs", "Zl", "Zp")
# The payload of the reported attack: an encoded word that decodes to CRLF, a Reply-To, a
# Content-Type and a blank line starting an HTML body.
ENCODED_WORD_ATTACK = (
    "=?utf-8?q?=0D=0AReply-To:_attacker@evil.example=0D=0AContent-Type:_text/html=0D=0A=0D=0A"
    "<h1>Account_locked</h1>?="
)
ENCODED_BCC = "=?utf-8?q?=0D=0ABcc:_victim@evil.example?="
# Encoded twice: decoding once more than intended would leave an encoded word behind.
DOUBLE_ENCODED = "=?utf-8?q?=3D=3Futf-8=3Fq=3F=3D0D=3D0ABcc:_victim@evil.example=3F=3D?="
HOSTILE = {
    "crlf": "x\r\nBcc: victim@evil.example",
    "lf": "x\nBcc: victim@evil.example",
    "cr": "x\rBcc: victim@evil.example",
    "encoded-word": ENCODED_WORD_ATTACK,
    "encoded-bcc": "sparse " + ENCODED_BCC,
    "encoded-base64": "=?utf-8?b?DQpCY2M6IHZpY3RpbUBldmlsLmV4YW1wbGU=?=",
    "double-encoded": DOUBLE_ENCODED,
    "nel": "x\x85Bcc: victim@evil.example",
    "line-separator": "x\u2028Bcc: victim@evil.example",
    "paragraph-separator": "x\u2029Bcc: victim@evil.example",
    "vt": "x\x0bBcc: victim@evil.example",
    "ff": "x\x0cBcc: victim@evil.example",
    "file-separators": "x\x1c\x1d\x1eBcc: victim@evil.example",
    "nul-and-escape": "x\x00\x1b[2JBcc: victim@evil.example",
    "long-non-ascii": "Ünïcödé " * 30 + "=?utf-8?q?=0D=0A?=",
}
TEXT_MAIL = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
             "Content-Transfer-Encoding"]  # fmt: skip
DIGEST_MAIL = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
               "List-Unsubscribe", "List-Unsubscribe-Post", "Auto-Submitted"]  # fmt: skip
LINKS = ("https://papers.example.org/unsubscribe?token=u.MQ.0.sig",
         "https://papers.example.org/subscriptions/manage?token=m.YQ.0.sig")  # fmt: skip


@pytest.fixture
def mail_settings(tmp_path: Path) -> Settings:
    """Settings for composing alone (no store needed)."""
    return Settings(data_dir=tmp_path / "data")


def only_these_headers(raw: bytes | EmailMessage, names: list[str], parts: list[str]) -> EmailMessage:
    """The parsed mail, after checking it has exactly these headers and these leaf parts."""
    data = raw.as_bytes() if isinstance(raw, EmailMessage) else raw
    data = data.replace(b"\r\n", b"\n")
    head = data.split(b"\n\n", 1)[0]
    lines = head.split(b"\n")
    assert all(line.isascii() and len(line) <= 998 for line in lines), lines
    starts = [line.split(b":", 1)[0].decode() for line in lines if not line[:1].isspace()]
    # A subject keeps to the 78 characters a line should (RFC 5322 2.1.1), however long the text.
    name = ""
    for line in lines:
        name = name if line[:1].isspace() else line.split(b":", 1)[0].decode()
        assert name != "Subject" or len(line) <= 78, line
    assert Counter(starts) == Counter(names), head.decode("ascii", "replace")
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    assert Counter(parsed.keys()) == Counter(names)
    assert [p.get_content_type() for p in parsed.walk() if not p.is_multipart()] == parts
    assert all(not p.defects for p in parsed.walk()), [p.defects for p in parsed.walk()]
    for name in names:
        assert "\r" not in str(parsed[name]) and "\n" not in str(parsed[name]), name
    return parsed


def one_line(text: str) -> str:
    """What a subject made from text shows: controls and line separators (everything
    str.splitlines() splits at, and the other C0/C1 controls) as spaces, white space runs as one."""
    return " ".join("".join(" " if unicodedata.category(c) in UNSAFE else c for c in text).split())


def _alert(settings: Settings, query: str) -> DigestContent:
    paper = Paper(title="A paper", abstract="Text.", source="arxiv", arxiv_id="2611.00001",
                  authors=(Author("Ada Lovelace"),), categories=("cs.LG",))  # fmt: skip
    return DigestContent(
        subject=f"Paperboy alert: 1 new for \u201c{query}\u201d",
        heading=f"New papers for \u201c{query}\u201d",
        intro="1 new paper since your last alert.",
        reason=f"you set up this alert ({describe('search', 'daily', query, {})})",
        papers=(digest_paper(settings, "2611.00001", paper),),
    )


# -- the reported attacks ----------------------------------------------------------------


def test_an_encoded_word_in_a_saved_search_cannot_add_headers_or_a_body_to_the_confirmation(
    db: Database, settings: Settings
) -> None:
    subscriptions.subscribe(db, settings, "ada@example.org", "search", "daily", query=ENCODED_WORD_ATTACK)
    [eml] = outbox_dir(settings).glob("*.eml")
    mail = only_these_headers(eml.read_bytes(), TEXT_MAIL, ["text/plain"])
    assert "Reply-To" not in mail and mail["Subject"].endswith(f'"{ENCODED_WORD_ATTACK}"')


def test_an_encoded_word_cannot_add_headers_to_the_already_subscribed_mail(
    db: Database, settings: Settings
) -> None:
    sub = subscriptions.subscribe(
        db, settings, "ada@example.org", "search", "daily", query=ENCODED_WORD_ATTACK
    )
    subscriptions.confirm(db, settings, subscriptions.confirm_url(settings, sub).split("token=")[1])
    for eml in outbox_dir(settings).glob("*.eml"):
        eml.unlink()
    subscriptions.subscribe(db, settings, "ada@example.org", "search", "daily", query=ENCODED_WORD_ATTACK)
    [eml] = outbox_dir(settings).glob("*.eml")
    mail = only_these_headers(eml.read_bytes(), TEXT_MAIL, ["text/plain"])
    assert mail["Subject"].startswith("You already get this") and "Reply-To" not in mail


def test_an_encoded_word_in_a_saved_search_cannot_add_a_bcc_to_the_alert(
    db: Database,
    settings: Settings,
    smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    config = replace(settings, smtp_url=smtp_sink.url)
    day0 = datetime(2026, 11, 18, 2, 0)
    fill_feed(db, day=day0.date(), count=2)
    with db.transaction() as conn:
        conn.execute(update(paper).values(first_seen=day0))
    Indexer(db, config).catch_up_keyword()
    query = f"sparse {ENCODED_BCC}"
    [reader] = add_subscribers(db, 1, kind="search", query=query, watermark=day0 - timedelta(hours=1))
    send_at = datetime(2026, 11, 18, 7, 0)
    digests.create_editions(db, config, send_at.date(), kinds=["search"], frequencies=["daily"], now=send_at)
    assert digests.send_due(db, config, now=send_at).total("sent") == 1
    assert smtp_sink.envelopes == [[reader]], "nobody but the subscriber is a recipient"
    mail = only_these_headers(smtp_sink.raw[0], DIGEST_MAIL, ["text/plain", "text/html"])
    assert "Bcc" not in mail and ENCODED_BCC in mail["Subject"]


def test_a_stored_query_with_line_separators_still_gets_its_alert_with_a_one_line_subject(
    mail_settings: Settings,
) -> None:
    # Rows stored before queries were checked for U+2028 must not stop the alert going out.
    query = "graph\u2028neural\x85networks\x0bnow"
    rendered = render_digest(_alert(mail_settings, query))
    data, _ = digest_bytes(prepare_digest(mail_settings, rendered), "ada@example.org", *LINKS)
    mail = only_these_headers(data, DIGEST_MAIL, ["text/plain", "text/html"])
    assert mail["Subject"] == "Paperboy alert: 1 new for \u201cgraph neural networks now\u201d"


# -- every header-bearing field of every mail kind ---------------------------------------


def _confirmation(settings: Settings, text: str) -> EmailMessage:
    description = describe("search", "daily", text, {"category": text, "after": text})
    return confirmation_message(settings, "ada@example.org", description, LINKS[1], 7)


def _already_subscribed(settings: Settings, text: str) -> EmailMessage:
    return already_subscribed_message(
        settings, "ada@example.org", describe("search", "weekly", text, {}), LINKS[1]
    )


def _alert_message(settings: Settings, text: str) -> EmailMessage:
    return digest_message(settings, render_digest(_alert(settings, text)), "ada@example.org", *LINKS)


def _alert_bytes(settings: Settings, text: str) -> bytes:
    return digest_bytes(
        prepare_digest(settings, render_digest(_alert(settings, text))), "ada@example.org", *LINKS
    )[0]


MAIL_KINDS = {
    "confirmation": (_confirmation, TEXT_MAIL, ["text/plain"]),
    "already-subscribed": (_already_subscribed, TEXT_MAIL, ["text/plain"]),
    "alert-message": (_alert_message, DIGEST_MAIL, ["text/plain", "text/html"]),
    "alert-bytes": (_alert_bytes, DIGEST_MAIL, ["text/plain", "text/html"]),
}


@pytest.mark.parametrize("variant", HOSTILE)
@pytest.mark.parametrize("kind", MAIL_KINDS)
def test_hostile_text_in_a_subject_stays_one_line_of_that_subject(
    mail_settings: Settings, kind: str, variant: str
) -> None:
    build, names, parts = MAIL_KINDS[kind]
    text = HOSTILE[variant]
    mail = only_these_headers(build(mail_settings, text), names, parts)
    assert one_line(text) in mail["Subject"], "the text is kept, as data"


@pytest.mark.parametrize("variant", HOSTILE)
@pytest.mark.parametrize("kind", MAIL_KINDS)
def test_hostile_text_in_the_from_name_is_carried_as_data_or_refused(
    mail_settings: Settings, kind: str, variant: str
) -> None:
    build, names, parts = MAIL_KINDS[kind]
    config = replace(mail_settings, mail_from=f"{HOSTILE[variant]} <papers@example.org>")
    if one_line(HOSTILE[variant]) != HOSTILE[variant].strip():
        with pytest.raises(MailHeaderError, match="mail_from"):
            build(config, "graph networks")
        return
    mail = only_these_headers(build(config, "graph networks"), names, parts)
    [sender] = mail["From"].addresses
    assert sender.addr_spec == "papers@example.org"
    if HOSTILE[variant].isascii():
        assert sender.display_name == HOSTILE[variant]
    else:
        # A long non-ASCII name takes several encoded words; the email package's address
        # parser keeps the space between them that RFC 2047 says to drop.
        assert sender.display_name.replace(" ", "") == HOSTILE[variant].replace(" ", "")


@pytest.mark.parametrize("variant", HOSTILE)
def test_hostile_text_in_a_recipient_or_a_link_is_refused(mail_settings: Settings, variant: str) -> None:
    rendered = render_digest(_alert(mail_settings, "graph"))
    prepared = prepare_digest(mail_settings, rendered)
    bad_to = "ada@example.org" + HOSTILE[variant]
    bad_link = LINKS[0] + HOSTILE[variant]
    for attempt in (
        lambda: confirmation_message(mail_settings, bad_to, "Daily trending papers", LINKS[1], 7),
        lambda: digest_message(mail_settings, rendered, bad_to, *LINKS),
        lambda: digest_bytes(prepared, bad_to, *LINKS),
        lambda: digest_message(mail_settings, rendered, "ada@example.org", bad_link, LINKS[1]),
        lambda: digest_bytes(prepared, "ada@example.org", bad_link, LINKS[1]),
    ):
        with pytest.raises(MailHeaderError):
            attempt()


def test_the_outbox_file_of_a_hostile_confirmation_has_exactly_our_headers(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    # The outbox rewrites text parts as 8-bit UTF-8; the headers must survive that untouched.
    for n, variant in enumerate(("encoded-word", "encoded-bcc", "double-encoded", "long-non-ascii")):
        subscriptions.subscribe(db, settings, f"r{n}@example.org", "search", "daily", query=HOSTILE[variant])
    files = list(outbox_dir(settings).glob("*.eml"))
    assert len(files) == 4
    for eml in files:
        only_these_headers(eml.read_bytes(), TEXT_MAIL, ["text/plain"])


# -- the same, for any text (Hypothesis) ---------------------------------------------------

PIECES = st.sampled_from(
    ["\r", "\n", "\r\n", "\x85", "\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\x1e", "\x00", "\t",
     "=?", "?=", "=?utf-8?q?", "=?UTF-8?B?", "=?iso-8859-1?q?", "=0D=0A", "=0A", "DQo=", "_", "?",
     "Bcc: victim@evil.example", "Content-Type: text/html", "MIME-Version: 1.0", ":", "<", ">", '"', "\\",
     ",", ";", "@", " ", "   ", "\xa0", "é", "\u201c", "\u200b", "\U0001f600", "x" * 80]
)  # fmt: skip
HOSTILE_TEXT = st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=14).map("".join)
FUZZ = hypothesis_settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(kind=st.sampled_from(sorted(MAIL_KINDS)), text=HOSTILE_TEXT, name=HOSTILE_TEXT)
def test_no_text_in_a_subject_or_from_name_adds_a_header_or_a_body_to_any_mail(
    mail_settings: Settings, kind: str, text: str, name: str
) -> None:
    build, names, parts = MAIL_KINDS[kind]
    config = replace(mail_settings, mail_from=f"{name} <papers@example.org>")
    try:
        built = build(config, text)
    except MailHeaderError as exc:
        assert "mail_from" in str(exc)
        assert any(unicodedata.category(c) in UNSAFE for c in name) or len(config.mail_from) > 300
        return
    mail = only_these_headers(built, names, parts)
    assert one_line(text) in mail["Subject"]
    [sender] = mail["From"].addresses
    assert sender.addr_spec == "papers@example.org"


_DAYS = itertools.count()


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=HOSTILE_TEXT, address=HOSTILE_TEXT)
def test_no_query_or_address_typed_into_a_form_adds_a_header_or_a_body(
    db: Database, settings: Settings, query: str, address: str
) -> None:
    # Each attempt a day after the last, so the mail rate limits (counted in the store) never
    # refuse an example: what is under test is the mail, not the limits.
    later = lambda: datetime(2026, 1, 1) + timedelta(days=next(_DAYS))  # noqa: E731
    attempts = (
        lambda: request_sign_in(db, settings, f"ada{address}@example.org", now=later()),
        lambda: subscriptions.subscribe(
            db, settings, f"ada{address}@example.org", "trending", "daily", now=later()
        ),
        lambda: subscriptions.subscribe(
            db, settings, "ada@example.org", "search", "weekly", query=query, now=later()
        ),
    )
    for attempt in attempts:
        try:
            attempt()
        except (AccountError, subscriptions.SubscriptionError):
            continue  # refused with a message for the form: nothing was sent
        for eml in outbox_dir(settings).glob("*.eml"):
            only_these_headers(eml.read_bytes(), TEXT_MAIL, ["text/plain"])
            eml.unlink()
