"""For-you digests through the ledger, against a real SMTP server (aiosmtpd on loopback):
each reader gets their own top papers with reasons, nobody gets another's, a reader with no
account or an empty library gets nothing, options are checked, and sending again sends nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from community_fixtures import member
from digest_fixtures import add_subscribers
from recommend_fixtures import TOPICS
from smtp_sink import SmtpSink, smtp_certificate, smtp_sink  # noqa: F401  (fixtures)
from sqlalchemy import select
from test_for_you import stocked  # noqa: F401  (the fixture the store is built on)

from paperboy.config import Settings
from paperboy.services.digests import subscriptions
from paperboy.services.digests.schedule import create_editions, send_due
from paperboy.services.library import feedback, items
from paperboy.store import Database
from paperboy.store.schema import delivery, subscription

MONDAY = date(2026, 11, 23)  # the weekly edition of the fixture's last week (16-22 November)
SEND_AT = datetime(2026, 11, 23, 7, 0)
SPEECH = [f"2611.1000{i}" for i in range(3)]
ROBOTS = [f"2611.2000{i}" for i in range(3)]


def _body(sink: SmtpSink, address: str) -> str:
    [message] = sink.messages_to(address)
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_each_reader_gets_their_own_papers_once(
    stocked: Database,  # noqa: F811
    settings: Settings,
    smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    db = stocked
    ada, bob = member(db, "reader0@example.org"), member(db, "reader1@example.org")
    member(db, "reader3@example.org")  # an account with nothing saved
    for key in SPEECH:
        items.update_item(db, ada, key, tags="asr")
    for key in ROBOTS:
        items.set_saved(db, bob, key, True)
    feedback.set_not_interested(db, ada, "2611.10005", True)
    # reader2 has no account; reader4 asks for a score no paper reaches.
    add_subscribers(db, 4, kind="for_you", frequency="weekly", filters={"count": "5"})
    add_subscribers(
        db, 1, kind="for_you", frequency="weekly", filters={"count": "5", "min_score": "10"}, start=4
    )
    items.set_saved(db, member(db, "reader4@example.org"), SPEECH[0], True)
    config = replace(settings, smtp_url=smtp_sink.url, base_url="https://papers.example.org")
    create_editions(db, config, MONDAY, kinds=["for_you"], frequencies=["weekly"], now=SEND_AT)
    totals = send_due(db, config, now=SEND_AT, kinds=["for_you"])
    assert (totals.total("sent"), totals.total("empty"), totals.errors) == (2, 3, [])
    ada_mail, bob_mail = _body(smtp_sink, "reader0@example.org"), _body(smtp_sink, "reader1@example.org")
    ada_papers = [line for line in ada_mail.splitlines() if line[:3] in ("1. ", "2. ", "3. ", "4. ", "5. ")]
    assert len(ada_papers) == 5
    # Speech papers first for ada (the one she refused never), robots first for bob.
    assert (
        "speech" in ada_papers[0].lower()
        or "asr" in ada_papers[0].lower()
        or "audio" in ada_papers[0].lower()
    )
    assert "Why: like “" in ada_mail and "in your library" in ada_mail and "tag: asr" in ada_mail
    assert "/papers/2611.10005" not in ada_mail
    assert "tag: asr" not in bob_mail and "/papers/2611.2000" in bob_mail
    # Each mail's reasons name its reader's own library papers, never another reader's.
    speech_titles, robot_titles = TOPICS["speech"][1][:3], TOPICS["robots"][1][:3]
    assert any(t[:40] in ada_mail for t in speech_titles) and any(t[:40] in bob_mail for t in robot_titles)
    assert not any(t[:40] in ada_mail for t in robot_titles)
    assert not any(t[:40] in bob_mail for t in speech_titles)
    assert not smtp_sink.messages_to("reader2@example.org") and not smtp_sink.messages_to(
        "reader3@example.org"
    )
    assert not smtp_sink.messages_to("reader4@example.org")
    assert "Unsubscribe in one click: https://papers.example.org/unsubscribe?token=" in ada_mail
    # Sending again sends nothing: the ledger has one final row per reader.
    again = send_due(db, config, now=SEND_AT, kinds=["for_you"])
    assert again.total("sent") == 0 and len(smtp_sink.messages_to("reader0@example.org")) == 1
    with db.connect() as conn:
        statuses = sorted(conn.execute(select(delivery.c.status)).scalars())
    assert statuses == ["empty", "empty", "empty", "sent", "sent"]


def test_for_you_options_are_checked(stocked: Database, settings: Settings) -> None:  # noqa: F811
    def ask(**options: str) -> subscriptions.Subscription:
        return subscriptions.subscribe(
            stocked, settings, "ada@example.org", "for_you", "daily", filters=options
        )

    for bad, field in (({"count": "4"}, "count"), ({"count": "51"}, "count"), ({"count": "ten"}, "count"),
                       ({"min_score": "high"}, "min_score"), ({"min_score": "nan"}, "min_score"),
                       ({"colour": "red"}, "query")):  # fmt: skip
        with pytest.raises(subscriptions.SubscriptionError) as refused:
            ask(**bad)
        assert refused.value.field == field
    made = ask(count="20", min_score="0.5")
    assert made.status == "pending" and made.filters == {"count": "20", "min_score": "0.5"}
    assert made.describe() == "Daily papers for you (top 20, score at least 0.5)"
    default = subscriptions.subscribe(stocked, settings, "bob@example.org", "for_you", "weekly")
    assert default.filters == {"count": "10"} and default.describe() == "Weekly papers for you (top 10)"
    with stocked.connect() as conn:
        assert (
            conn.execute(select(subscription.c.kind).where(subscription.c.id == made.id)).scalar()
            == "for_you"
        )
