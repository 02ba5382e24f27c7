"""Atom feeds parse cleanly with feedparser (no bozo) and carry the papers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import feedparser
import pytest
from fastapi.testclient import TestClient
from web_server import SEED_DAYS, XSS_TITLE, fill_store, require_search

from paperboy.config import Settings
from paperboy.store import Database
from paperboy.web import create_app
from paperboy.web.atom import AtomEntry, atom_document


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[TestClient]:
    fill_store(db)
    with TestClient(create_app(settings, db)) as test_client:
        yield test_client


def parse(response: object) -> feedparser.FeedParserDict:
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/atom+xml")  # type: ignore[attr-defined]
    feed = feedparser.parse(response.content)  # type: ignore[attr-defined]
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_characters_xml_cannot_carry_are_dropped_not_sent() -> None:
    """NUL, vertical tab and ESC would make the feed unreadable and a lone surrogate would
    not encode (stray bytes in an abstract): each value loses them and keeps the rest."""
    hostile = "a\x00b\x0bc\x1bd\ud800e"
    entry = AtomEntry(
        id="https://papers.example.org/papers/1",
        title=hostile,
        link="https://papers.example.org/papers/1",
        updated=datetime(2024, 7, 30, 9),
        summary=hostile,
        authors=(hostile,),
        categories=(hostile,),
    )
    document = atom_document(
        feed_id="https://papers.example.org/feeds/papers.atom",
        title=hostile,
        self_url="https://papers.example.org/feeds/papers.atom",
        alternate_url="https://papers.example.org/papers",
        updated=datetime(2024, 7, 30, 9),
        entries=[entry],
    )
    feed = feedparser.parse(document)
    assert not feed.bozo, feed.get("bozo_exception")
    [parsed] = feed.entries
    assert feed.feed.title == parsed.title == parsed.summary == parsed.authors[0].name == "abcde"
    assert parsed.tags[0].term == "abcde"


def test_a_days_feed_lists_its_papers_most_upvoted_first(client: TestClient) -> None:
    feed = parse(client.get(f"/feeds/papers.atom?date={SEED_DAYS[0]}"))
    assert feed.feed.title == "Daily Papers — Tuesday, 30 July 2024"
    assert len(feed.entries) == 59
    top, second = feed.entries[0], feed.entries[1]
    assert top.title == XSS_TITLE  # markup in a title is text, not tags
    assert second.link == "http://127.0.0.1:8000/papers/2405.07518"  # the base URL, as in mail
    assert [a.name for a in second.authors] == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert {t.term for t in second.tags} == {"cs.AR", "cs.LG"}
    assert second.summary.startswith("Large language model decoding")


def test_the_feed_defaults_to_the_latest_day(client: TestClient) -> None:
    feed = parse(client.get("/feeds/papers.atom"))
    assert "1 September 2024" in feed.feed.title
    assert any(e.title.startswith("Strings on a Brane") for e in feed.entries)


def test_pages_point_readers_at_the_feed(client: TestClient) -> None:
    page = client.get(f"/papers/{SEED_DAYS[0]}").text
    assert (
        f'type="application/atom+xml" title="Daily Papers" href="/feeds/papers.atom?date={SEED_DAYS[0]}"'
        in page
    )


def test_bad_feed_requests_are_refused_clearly(client: TestClient) -> None:
    assert client.get("/feeds/papers.atom?date=tomorrow").status_code == 400
    assert client.get("/feeds/search.atom").status_code == 400
    assert client.get("/feeds/search.atom?q=" + "x" * 10_001).status_code == 400


def test_a_saved_search_is_a_valid_feed(db: Database, settings: Settings) -> None:
    fill_store(db, with_snapshot=True)
    require_search(db, settings)
    with TestClient(create_app(settings, db)) as test_client:
        feed = parse(test_client.get("/feeds/search.atom?q=accelerator+memory&cat=cs.AR"))
    assert feed.feed.title == "Paperboy search: accelerator memory"
    assert feed.entries and all(e.link.startswith("http://127.0.0.1:8000/papers/") for e in feed.entries)


def test_a_hostile_host_header_does_not_reach_the_feed_links(db: Database, settings: Settings) -> None:
    from dataclasses import replace

    fill_store(db, with_snapshot=True)
    require_search(db, settings)
    config = replace(settings, base_url="https://papers.example.org/")
    with TestClient(create_app(config, db)) as test_client:
        for path in (f"/feeds/papers.atom?date={SEED_DAYS[0]}", "/feeds/search.atom?q=accelerator+memory"):
            response = test_client.get(path, headers={"Host": "evil.example"})
            assert b"evil.example" not in response.content
            feed = parse(response)
            links = [feed.feed.id, feed.feed.link] + [link.href for link in feed.feed.links]
            links += [value for entry in feed.entries for value in (entry.id, entry.link)]
            assert feed.entries and all(link.startswith("https://papers.example.org/") for link in links)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/feeds/search.atom?q=x+before:9999-12-31&mode=keyword", "before:9999-12-31 is out of range"),
        ("/feeds/search.atom?q=x&before=9999-12-31", "from 1900-01-01 to 2199-12-31"),
        ("/feeds/papers.atom?date=9999-12-31", "from 1900-01-01 to 2199-12-31"),
    ],
)
def test_out_of_range_dates_in_a_feed_request_are_a_clear_400(
    client: TestClient, url: str, message: str
) -> None:
    """Hole 3: these overflowed into a 500."""
    response = client.get(url)
    assert response.status_code == 400 and message in response.text
