"""What digest mail says and how it is built: parts, headers, escaping, and alerts of new papers only."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from digest_fixtures import EDITION_DAY, SEND_AT, add_subscribers, fill_feed
from smtp_sink import SmtpSink, smtp_certificate, smtp_sink  # noqa: F401  (fixtures)
from sqlalchemy import select, update

from paperboy.config import Settings
from paperboy.digest.compose import (
    DigestContent,
    digest_bytes,
    digest_message,
    digest_paper,
    prepare_digest,
    render_digest,
    shorten_abstract,
    shorten_authors,
)
from paperboy.domain import Author, Paper
from paperboy.mail import MailHeaderError
from paperboy.services.digests import schedule as digests
from paperboy.services.finding.indexing import Indexer
from paperboy.store import Database
from paperboy.store.schema import paper, subscription

HOSTILE = Paper(
    title='<script>alert("x")</script> Attention & friends',
    abstract="We show <img src=x onerror=alert(1)> that escaping works. " * 20,
    source="arxiv",
    arxiv_id="2611.00001",
    authors=tuple(
        Author(name) for name in ("Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra")
    ),
    categories=("cs.LG",),
)


def _content(settings: Settings) -> DigestContent:
    return DigestContent(
        subject="Paperboy: Trending papers",
        heading="Trending papers",
        intro="The best of today.",
        reason="you subscribed to the daily trending papers",
        papers=(digest_paper(settings, "2611.00001", HOSTILE),),
    )


def test_a_digest_has_text_and_html_parts_and_one_click_unsubscribe_headers(settings: Settings) -> None:
    secure = replace(settings, base_url="https://papers.example.org")
    unsubscribe = "https://papers.example.org/unsubscribe?token=u.abc.0.sig"
    manage = "https://papers.example.org/subscriptions/manage?token=m.abc.0.sig"
    message = digest_message(secure, render_digest(_content(secure)), "ada@example.org", unsubscribe, manage)
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert parsed["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["From"] == settings.mail_from and parsed["To"] == "ada@example.org"
    assert parsed["Message-ID"].startswith("<") and parsed["Date"].datetime.utcoffset() == timedelta(0)
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert unsubscribe in text and manage in text
    assert f'href="{unsubscribe}"' in html
    assert (
        "https://papers.example.org/papers/2611.00001" in html and "https://arxiv.org/pdf/2611.00001" in html
    )


def test_html_escapes_titles_and_abstracts_and_text_keeps_them_readable(settings: Settings) -> None:
    rendered = render_digest(_content(settings))
    assert "<script>" not in rendered.html and "<img" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    assert '<script>alert("x")</script> Attention & friends' in rendered.text


def test_formulas_read_as_text_in_the_text_part_and_as_tex_in_the_html_part(settings: Settings) -> None:
    mathy = replace(
        HOSTILE,
        title=r"Adam converges for $\beta_2 \to 1$ on $\mathbb{R}^d$",
        abstract=r"We bound $\|x\|_2 \leq \epsilon$ and $<b>x</b>$ stays text.",
    )
    content = replace(_content(settings), papers=(digest_paper(settings, "2611.00001", mathy),))
    rendered = render_digest(content)
    assert "Adam converges for β_2 → 1 on ℝ^d" in rendered.text
    assert "We bound ‖x‖_2 ≤ ϵ" in rendered.text
    assert r"Adam converges for $\beta_2 \to 1$ on $\mathbb{R}^d$" in rendered.html
    assert "<math" not in rendered.html and "<b>" not in rendered.html and "&lt;b&gt;" in rendered.html


def test_authors_and_abstracts_are_shortened() -> None:
    assert shorten_authors(["A", "B", "C", "D"]) == "A, B, C et al."
    assert shorten_authors(["A", "B"]) == "A and B"
    short = shorten_abstract("word " * 200)
    assert len(short) <= 301 and short.endswith("…")
    assert shorten_abstract("Brief.\n  Really.") == "Brief. Really."


def test_every_recipient_gets_their_own_links_from_one_render(settings: Settings) -> None:
    rendered = render_digest(_content(settings))
    first = digest_message(
        settings, rendered, "a@example.org", "http://x/unsubscribe?token=1", "http://x/m?token=1"
    )
    second = digest_message(
        settings, rendered, "b@example.org", "http://x/unsubscribe?token=2", "http://x/m?token=2"
    )
    assert first["Message-ID"] != second["Message-ID"]
    assert "token=2" not in first.as_string() and "token=1" not in second.as_string()


INJECTED = "\r\nBcc: x@example.org"


@pytest.mark.parametrize(("to", "link"), [("ada@example.org" + INJECTED, "http://x/u"),
                                          ("ada@example.org", "http://x/u" + INJECTED)])  # fmt: skip
def test_a_line_break_in_a_recipient_or_link_is_refused(settings: Settings, to: str, link: str) -> None:
    with pytest.raises(MailHeaderError):
        digest_message(settings, render_digest(_content(settings)), to, link, "http://x/m")


def test_preview_prints_the_days_digest_without_sending(db: Database, settings: Settings) -> None:
    fill_feed(db)
    text = digests.preview(db, settings, "daily", EDITION_DAY)
    assert text is not None and text.startswith("Subject: Paperboy: Trending papers of 20 November 2026")
    assert text.index("Paper 0 on") < text.index("Paper 1 on"), "most popular first"
    assert text.count("Read: ") == settings.digest_top_n
    html = digests.preview(db, settings, "daily", EDITION_DAY, fmt="html")
    assert html is not None and html.lstrip().startswith("<!DOCTYPE html>")
    assert digests.preview(db, settings, "weekly", date(2026, 11, 23)) is not None
    assert digests.preview(db, settings, "daily", date(2020, 1, 1)) is None
    assert not (settings.data_dir / "outbox").exists()


def _first_seen(db: Database, prefix: str, when: datetime) -> None:
    with db.transaction() as conn:
        conn.execute(update(paper).where(paper.c.key.like(f"{prefix}.%")).values(first_seen=when))


def test_a_saved_search_alert_lists_only_papers_new_since_the_last_one(
    db: Database,
    settings: Settings,
    smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    config = replace(settings, smtp_url=smtp_sink.url)
    day0 = datetime(2026, 11, 18, 2, 0)
    fill_feed(db, day=date(2026, 11, 18), count=3, prefix="2611")
    _first_seen(db, "2611", day0)
    Indexer(db, config).catch_up_keyword()
    readers = add_subscribers(
        db, 2, kind="search", query="sparse attention", watermark=day0 - timedelta(hours=1)
    )
    add_subscribers(db, 1, kind="search", query="quantum chromodynamics", start=10, watermark=day0)

    first = datetime(2026, 11, 18, 7, 0)
    digests.create_editions(db, config, first.date(), kinds=["search"], frequencies=["daily"], now=first)
    totals = digests.send_due(db, config, now=first)
    assert (totals.total("sent"), totals.total("empty")) == (2, 1), "no match means no mail"
    assert totals.reports[0].composed == 2, "subscribers sharing a query share one rendered digest"
    mail = smtp_sink.messages_to(readers[0])[0]
    assert mail["Subject"].startswith("Paperboy alert: 3 new")

    fill_feed(db, day=date(2026, 11, 19), count=2, prefix="2612")
    _first_seen(db, "2612", datetime(2026, 11, 19, 2, 0))
    Indexer(db, config).catch_up_keyword()
    second = datetime(2026, 11, 19, 7, 0)
    digests.create_editions(db, config, second.date(), kinds=["search"], frequencies=["daily"], now=second)
    digests.send_due(db, config, now=second)
    latest = smtp_sink.messages_to(readers[0])[-1]
    body = latest.get_body(("plain",)).get_content()
    assert latest["Subject"].startswith("Paperboy alert: 2 new")
    assert "2612.10000" in body and "2611.10000" not in body

    third = datetime(2026, 11, 20, 7, 0)
    digests.create_editions(db, config, third.date(), kinds=["search"], frequencies=["daily"], now=third)
    assert digests.send_due(db, config, now=third).total("sent") == 0
    with db.connect() as conn:
        marks = set(conn.execute(select(subscription.c.alert_watermark)).scalars())
    assert marks == {third}, "the watermark moves with every recorded edition"


def test_a_trending_digest_lists_the_top_n_papers_with_links(
    db: Database,
    settings: Settings,
    smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    fill_feed(db)
    [reader] = add_subscribers(db, 1)
    config = replace(settings, smtp_url=smtp_sink.url, digest_top_n=5)
    digests.create_editions(db, config, EDITION_DAY, kinds=["trending"], frequencies=["daily"], now=SEND_AT)
    digests.send_due(db, config, now=SEND_AT)
    [mail] = smtp_sink.messages_to(reader)
    text = mail.get_body(("plain",)).get_content()
    assert text.count("Read: ") == 5 and "Paper 0 on" in text and "Paper 5 on" not in text
    assert "Author 0-0, Author 0-1, Author 0-2 et al." in text
    assert "arXiv: https://arxiv.org/abs/2611.10000" in text


def test_the_fast_bytes_path_builds_the_same_mail_as_the_email_package(settings: Settings) -> None:
    content = replace(
        _content(settings), subject="Paperboy alert: 2 new for \u201cgraph\u201d" + " long" * 20
    )
    rendered = render_digest(content)
    links = ("https://x.example/unsubscribe?token=u.1", "https://x.example/subscriptions/manage?token=m.1")
    slow = digest_message(settings, rendered, "ada@example.org", *links)
    data, message_id = digest_bytes(prepare_digest(settings, rendered), "ada@example.org", *links)
    fast = email.message_from_bytes(data, policy=email.policy.default)
    assert fast.defects == [] and fast["Message-ID"] == message_id
    for header in ("From", "To", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post", "Auto-Submitted"):
        assert fast[header] == slow[header], header
    assert fast["Date"].datetime.utcoffset() == timedelta(0)
    for kind in ("plain", "html"):
        assert fast.get_body((kind,)).get_content() == slow.get_body((kind,)).get_content()
    assert max(len(line) for line in data.split(b"\n")) <= 998


@pytest.mark.parametrize("to", ["ada@example.org\nBcc: x@example.org", "not an address", "ada@exa mple.org"])
def test_the_fast_path_refuses_an_unusable_recipient(settings: Settings, to: str) -> None:
    with pytest.raises(MailHeaderError):
        digest_bytes(
            prepare_digest(settings, render_digest(_content(settings))), to, "http://x/u", "http://x/m"
        )
