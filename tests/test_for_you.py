"""The "for you" service on a real store: ranked from the reader's library, with reasons;
"not interested" papers never come back; follows are named; an empty library gets trending."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from community_fixtures import member
from recommend_fixtures import TOPICS

from paperboy.config import Settings
from paperboy.domain import Author, FeedEntry, Paper, SourceRecord
from paperboy.services.gathering.ingest import ingest_items
from paperboy.services.library import feedback, follows, items
from paperboy.services.library.for_you import ForYouError, for_you
from paperboy.store import Database
from paperboy.store import for_you as for_you_store
from paperboy.store import papers as paper_store

NOW = datetime(2026, 11, 20, 12, 0)
TODAY = NOW.date()


def _paper(arxiv_id: str, title: str, category: str, authors: tuple[str, ...], day: date) -> SourceRecord:
    return SourceRecord(
        Paper(
            title=title, abstract=f"We study {title.lower()}.", source="arxiv", arxiv_id=arxiv_id,
            authors=tuple(Author(a) for a in authors), categories=(category,),
            published=datetime.combine(day, datetime.min.time()),
        ),
        location=f"test {arxiv_id}",
        entry=FeedEntry(day=day, origin="arxiv"),
    )  # fmt: skip


@pytest.fixture
def stocked(db: Database) -> Database:
    """Per topic t: papers 0-4 listed 60 days ago (to save), 5-7 listed in the last week."""
    records = []
    for t, (category, titles) in enumerate(TOPICS.values()):
        for i, title in enumerate(titles):
            day = TODAY - timedelta(days=60 - i) if i < 5 else TODAY - timedelta(days=i - 4)
            records.append(_paper(f"2611.{t}000{i}", title, category, (f"Writer {t}{i}",), day))
    ingest_items(db, records, kind="test")
    return db


def test_the_list_follows_the_library_and_says_why(stocked: Database, settings: Settings, embedder) -> None:  # type: ignore[no-untyped-def]
    reader = member(stocked, "ada@example.org")
    for i in range(3):  # speech papers
        items.update_item(stocked, reader, f"2611.1000{i}", tags="audio, asr" if i < 2 else "asr", now=NOW)
    result = for_you(stocked, settings, reader, days=7, now=NOW, embedder=embedder)
    assert result.library_size == 3 and not result.needs_library
    assert result.first_day == TODAY - timedelta(days=6) and result.last_day == TODAY
    keys = [r.paper_key for r in result.recommendations]
    # The nine papers of the week, none of them saved; speech ones first.
    assert len(keys) == 9 and not {k for k in keys if k.startswith("2611.1000") and k[-1] < "5"}
    assert {k[:7] for k in keys[:3]} == {"2611.10"}
    top = result.recommendations[0]
    library_reason = next(r for r in top.reasons if r.kind == "library")
    assert library_reason.text.startswith("like “") and library_reason.text.endswith("in your library")
    assert set(library_reason.paper_keys) <= {"2611.10000", "2611.10001", "2611.10002"}
    assert any(r.text == "tag: asr" for r in top.reasons)


def test_not_interested_papers_never_come_back(stocked: Database, settings: Settings, embedder) -> None:  # type: ignore[no-untyped-def]
    reader = member(stocked, "ada@example.org")
    for i in range(3):
        items.set_saved(stocked, reader, f"2611.2000{i}", True, now=NOW)  # robots
    feedback.set_not_interested(stocked, reader, "2611.20005", True, now=NOW)
    keys = [
        r.paper_key for r in for_you(stocked, settings, reader, now=NOW, embedder=embedder).recommendations
    ]
    assert "2611.20005" not in keys and len(keys) == 8


def test_follows_are_named_and_lift_a_followed_author(
    stocked: Database, settings: Settings, embedder
) -> None:  # type: ignore[no-untyped-def]
    reader = member(stocked, "ada@example.org")
    for i in range(3):
        items.set_saved(stocked, reader, f"2611.2000{i}", True, now=NOW)
    without = [
        r.paper_key for r in for_you(stocked, settings, reader, now=NOW, embedder=embedder).recommendations
    ]
    follows.follow(stocked, reader, "author", "writer 07", now=NOW)  # a graphs paper, 2611.00007
    follows.follow(stocked, reader, "category", "eess", now=NOW)
    result = for_you(stocked, settings, reader, now=NOW, embedder=embedder)
    ranked = [r.paper_key for r in result.recommendations]
    assert ranked.index("2611.00007") < without.index("2611.00007")
    by_key = {r.paper_key: r for r in result.recommendations}
    assert any(r.text == "you follow writer 07" for r in by_key["2611.00007"].reasons)
    assert any(r.text == "you follow eess" for r in by_key["2611.10005"].reasons)


def test_one_readers_library_does_not_shape_anothers_list(
    stocked: Database, settings: Settings, embedder
) -> None:  # type: ignore[no-untyped-def]
    ada, bob = member(stocked, "ada@example.org"), member(stocked, "bob@example.org")
    for i in range(3):
        items.update_item(stocked, ada, f"2611.1000{i}", tags="secret-tag", now=NOW)
        items.set_saved(stocked, bob, f"2611.0000{i}", True, now=NOW)
    result = for_you(stocked, settings, bob, now=NOW, embedder=embedder)
    assert {k.paper_key[:7] for k in result.recommendations[:3]} == {"2611.00"}
    texts = [r.text for rec in result.recommendations for r in rec.reasons]
    assert not any("secret-tag" in t for t in texts)
    named = {k for rec in result.recommendations for r in rec.reasons for k in r.paper_keys}
    assert named <= {"2611.00000", "2611.00001", "2611.00002"}


def test_an_empty_library_asks_for_papers_and_shows_trending(stocked: Database, settings: Settings) -> None:
    reader = member(stocked, "ada@example.org")
    result = for_you(stocked, settings, reader, now=NOW)
    assert result.needs_library and result.recommendations == ()
    assert result.trending is not None and result.trending.items


def test_days_out_of_range_are_refused(stocked: Database, settings: Settings) -> None:
    reader = member(stocked, "ada@example.org")
    for days in (0, 31):
        with pytest.raises(ForYouError, match="days must be between 1 and 30"):
            for_you(stocked, settings, reader, days=days, now=NOW)


def test_the_shared_vocabulary_is_fitted_on_readers_saved_and_upvoted_papers(stocked: Database) -> None:
    from paperboy.services.community import votes
    from paperboy.services.library.for_you import readers_texts

    ada, bob = member(stocked, "ada@example.org"), member(stocked, "bob@example.org")
    items.set_saved(stocked, ada, "2611.10000", True, now=NOW)
    votes.toggle_vote(stocked, bob, "2611.20001", ip="192.0.2.1", now=NOW)
    with stocked.connect() as conn:
        ids = list(paper_store.ids_by_key(conn, ["2611.10000", "2611.20001"]).values())
        held = for_you_store.papers_by_ids(conn, ids)
    # Those two, whoever holds them, as the ranker reads a paper (title, then abstract).
    assert len(held) == 2
    assert sorted(readers_texts(stocked)) == sorted(f"{p.paper.title} {p.paper.abstract}" for p in held)
