"""Keywords per paper: chosen when the keyword index takes a paper in, stored with the paper
(SQLite and PostgreSQL), searchable with kw:, shown as escaped chips that link to that
search, and in the API's papers and feed items."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import SNAPSHOT_SAMPLE
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from test_api import assert_matches_spec
from test_web_pages import links_of
from web_server import SEED_DAYS, fill_store

from paperboy.config import Settings
from paperboy.domain import Paper, SourceRecord
from paperboy.domain.keyphrases import document_frequencies, key_phrases
from paperboy.index.keyword import FORMAT_FILE, KeywordDocument, KeywordIndex
from paperboy.index.phrase_counts import COUNTS_FILE, PhraseCounts
from paperboy.search import QuerySyntaxError, parse_query
from paperboy.search.query import query_text
from paperboy.services.finding import indexing
from paperboy.services.finding.indexing import Indexer, keyword_folder
from paperboy.services.gathering.ingest import ingest_items
from paperboy.sources.snapshot import read_snapshot
from paperboy.store import Database, changes
from paperboy.store.papers import get_stored_paper, save_keywords
from paperboy.store.schema import paper
from paperboy.web import create_app


def stored_keywords(db: Database) -> dict[str, list[str] | None]:
    with db.connect() as conn:
        rows = conn.execute(select(paper.c.key, paper.c.keywords).where(paper.c.withdrawn.is_(False)))
        return {key: keywords for key, keywords in rows}


def one_paper(
    abstract: str = "Graph neural networks predict molecule toxicity.", version: int = 1
) -> SourceRecord:
    return SourceRecord(
        Paper(
            title="Graph Neural Networks for Molecules",
            abstract=abstract,
            source="arxiv",
            arxiv_id="2501.00001",
            version=version,
            versions=tuple((n, datetime(2025, 1, n)) for n in range(1, version + 1)),
        ),
        "test:1",
    )


# -- the store -------------------------------------------------------------------------


def test_keywords_round_trip_through_the_store_and_bump_no_revision(db: Database) -> None:
    ingest_items(db, [one_paper()], kind="test")
    with db.connect() as conn:
        before = get_stored_paper(conn, "2501.00001")
    assert before is not None and before.paper.keywords == ()
    with db.transaction() as conn:
        save_keywords(conn, [(before.id, before.revision, ["graph neural networks", "LoRA", "toxicity"])])
    with db.connect() as conn:
        after = get_stored_paper(conn, "2501.00001")
        assert changes.count_changed(conn, before.revision) == 0  # no index sees a change
    assert after is not None and after.paper.keywords == ("graph neural networks", "LoRA", "toxicity")
    assert after.revision == before.revision and after.changed_at == before.changed_at

    # Importing the same record again keeps them; a new version keeps them until indexed again.
    assert ingest_items(db, [one_paper()], kind="test").unchanged == 1
    ingest_items(db, [one_paper("Graph neural networks predict solubility.", version=2)], kind="test")
    with db.connect() as conn:
        changed = get_stored_paper(conn, "2501.00001")
    assert changed is not None and changed.revision > before.revision
    assert changed.paper.keywords == after.paper.keywords
    # Phrases chosen from the old text do not land on the new one.
    with db.transaction() as conn:
        save_keywords(conn, [(before.id, before.revision, ["stale"])])
    assert stored_keywords(db)["2501.00001"] == ["graph neural networks", "LoRA", "toxicity"]


# -- the keyword index step --------------------------------------------------------------


def import_sample(db: Database) -> list[tuple[str, str, str]]:
    records = list(read_snapshot(SNAPSHOT_SAMPLE))
    ingest_items(db, records, kind="snapshot", batch_size=50)
    return [(r.paper.arxiv_id or "", r.paper.title, r.paper.abstract) for r in records]


# The count ahead keeps every paper's candidates for its choice (the default), some of them
# (the rest extracted again, in the same step), or none: the same phrases each way.
@pytest.mark.parametrize(
    "kept_ahead", [indexing.KEPT_AHEAD, 30, 0], ids=["all-kept", "some-kept", "none-kept"]
)
def test_the_keyword_index_step_chooses_and_stores_every_papers_keywords(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch, kept_ahead: int
) -> None:
    monkeypatch.setattr(indexing, "KEPT_AHEAD", kept_ahead)
    extracted: list[str] = []
    for name in ("phrase_counts", "candidate_set"):
        extract = getattr(indexing, name)
        monkeypatch.setattr(
            indexing,
            name,
            lambda *text, _name=name, _extract=extract: extracted.append(_name) or _extract(*text),
        )
    sample = import_sample(db)
    Indexer(db, settings).catch_up_keyword()
    # A paper whose candidates were kept is extracted once, the others twice.
    assert len(extracted) == 200 + 200 - min(kept_ahead, 200)
    found = stored_keywords(db)
    assert len(found) == 200 and all(k is not None and len(k) <= 5 for k in found.values())
    assert sum(bool(k) for k in found.values()) >= 195
    # A first import is judged against all of it (counted before any is chosen): exactly
    # the phrases that exact counts over the 200 papers give.
    exact = document_frequencies((t, a) for _, t, a in sample)
    expected = {key: key_phrases(t, a, exact.__getitem__, len(sample)) for key, t, a in sample}
    assert found == expected
    counts = PhraseCounts.load(keyword_folder(settings))
    assert counts is not None and counts.total == 200

    # Searchable: each paper's first phrase finds it.
    index = KeywordIndex(keyword_folder(settings))
    with db.connect() as conn:
        ids = dict(conn.execute(select(paper.c.key, paper.c.id)).all())
    for key, keywords in list(found.items())[:20]:
        assert keywords
        hits = index.search(parse_query(f'kw:"{keywords[0]}"'), limit=1000).hits
        assert ids[key] in {pid for pid, _ in hits}


def test_an_update_counts_new_papers_once_and_keeps_the_others_counted(
    db: Database, settings: Settings
) -> None:
    sample = import_sample(db)
    Indexer(db, settings).catch_up_keyword()
    Indexer(db, settings).catch_up_keyword()  # nothing changed: nothing counted again
    ingest_items(db, [one_paper()], kind="test")
    Indexer(db, settings).catch_up_keyword()
    counts = PhraseCounts.load(keyword_folder(settings))
    assert counts is not None and counts.total == 201
    exact = document_frequencies(
        [*((t, a) for _, t, a in sample), (one_paper().paper.title, one_paper().paper.abstract)]
    )
    found = counts.counts(list(exact))
    assert sum(found[p] == n for p, n in exact.items()) / len(exact) > 0.999
    assert stored_keywords(db)["2501.00001"]


def test_papers_indexed_before_keywords_get_them_on_the_next_update(db: Database, settings: Settings) -> None:
    import_sample(db)
    Indexer(db, settings).catch_up_keyword()
    chosen = stored_keywords(db)
    # What an install from before keywords looks like: format 3, no counts, no keywords.
    folder = keyword_folder(settings)
    (folder / FORMAT_FILE).write_text(json.dumps({"version": 3}))
    (folder / COUNTS_FILE).unlink()
    with db.transaction() as conn:
        conn.execute(update(paper).values(keywords=None))
    assert KeywordIndex(folder).watermark == 0
    Indexer(db, settings).catch_up_keyword()
    assert stored_keywords(db) == chosen
    assert KeywordIndex(folder).current_format and KeywordIndex(folder).watermark > 0


def test_lost_counts_make_the_next_update_count_every_paper_again(db: Database, settings: Settings) -> None:
    import_sample(db)
    Indexer(db, settings).catch_up_keyword()
    chosen = stored_keywords(db)
    (keyword_folder(settings) / COUNTS_FILE).write_bytes(b"damaged")
    Indexer(db, settings).catch_up_keyword()
    counts = PhraseCounts.load(keyword_folder(settings))
    assert counts is not None and counts.total == 200 and stored_keywords(db) == chosen


def test_a_rebuild_counts_from_nothing(db: Database, settings: Settings, embedder: Any) -> None:
    import_sample(db)
    Indexer(db, settings).catch_up_keyword()
    chosen = stored_keywords(db)
    Indexer(db, settings, embedder).rebuild()
    counts = PhraseCounts.load(keyword_folder(settings))
    assert counts is not None and counts.total == 200 and stored_keywords(db) == chosen


# -- kw: search --------------------------------------------------------------------------


def kw_index(tmp_path: Path) -> KeywordIndex:
    index = KeywordIndex(tmp_path / "kw")
    documents = [
        (1, ["graph neural networks", "molecules"]),
        (2, ["Temporal Graph Neural Networks"]),
        (3, ["graph neural network"]),
        (4, []),  # says "graph neural networks" in its abstract, but not as a key phrase
        (5, ["LoRA adapters"]),
        (6, ["LoRA"]),
        (7, ["flora"]),
    ]
    index.upsert(
        KeywordDocument(
            pid, f"Paper {pid}", "Graph neural networks and LoRA adapters.", published=datetime(2025, 1, pid),
            keywords=keywords,
        )
        for pid, keywords in documents
    )  # fmt: skip
    index.commit(watermark=1)
    return index


def kw_hits(index: KeywordIndex, query: str) -> set[int]:
    return {pid for pid, _ in index.search(parse_query(query), limit=100).hits}


def test_kw_matches_a_key_phrase_or_whole_words_of_one_case_ignored(tmp_path: Path) -> None:
    index = kw_index(tmp_path)
    assert kw_hits(index, 'kw:"graph neural networks"') == {1, 2}
    assert kw_hits(index, 'kw:"Graph  NEURAL networks"') == {1, 2}
    assert kw_hits(index, "kw:neural") == {1, 2, 3}
    assert kw_hits(index, "kw:lora") == {5, 6}  # not "flora": whole words only
    assert kw_hits(index, 'kw:"LoRA adapters"') == {5}
    assert kw_hits(index, 'kw:"networks graph"') == set()  # words in order
    assert kw_hits(index, "kw:network") == {3}  # nothing is stemmed
    assert kw_hits(index, "kw:lora kw:adapters") == {5}  # every kw: must match
    assert kw_hits(index, "adapters kw:lora") == {5, 6}  # a filter: words still rank
    # Semantic search filters through filtered_ids: the same papers pass.
    ids, total = index.filtered_ids(parse_query("anything kw:lora"), limit=10)
    assert set(ids) == {5, 6} and total == 2


def test_kw_syntax_and_its_errors() -> None:
    parsed = parse_query('attention kw:"graph  neural networks" KW:LoRA')
    assert parsed.keywords == ("graph neural networks", "LoRA") and parsed.words == ("attention",)
    assert parsed.has_filters and parse_query(query_text(parsed)) == parsed
    assert parse_query("kw:lora").has_filters and not parse_query("kw:lora").has_text
    for bad, says in (
        ("kw:", "kw: needs a value"),
        ('kw:"--"', "no letters or digits"),
        ("kw:" + "a" * 201, "at most 200"),
    ):
        with pytest.raises(QuerySyntaxError, match=says):
            parse_query(bad)


# -- the web pages and the API -------------------------------------------------------------

HOSTILE = ['<script>alert("kw")</script>', 'say "hi" & bye', "LoRA adapters"]


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[TestClient]:
    fill_store(db)
    Indexer(db, settings).catch_up_keyword()
    with db.connect() as conn:
        full = get_stored_paper(conn, "2405.07518")
    assert full is not None
    with db.transaction() as conn:
        save_keywords(conn, [(full.id, full.revision, HOSTILE)])
    with TestClient(create_app(settings, db), raise_server_exceptions=False) as test_client:
        yield test_client


def test_chips_on_cards_and_paper_pages_are_escaped_links_to_the_kw_search(client: TestClient) -> None:
    for path in ("/papers/2405.07518", f"/papers/{SEED_DAYS[0].isoformat()}"):
        page = client.get(path)
        assert page.status_code == 200
        assert '<script>alert("kw")</script>' not in page.text
        assert '<ul class="keywords" aria-label="Key phrases">' in page.text
        assert '<a href="/search?q=kw%3A%22%3Cscript%3Ealert%28+kw+%29%3C%2Fscript%3E%22">' in page.text
        assert "&lt;script&gt;alert(&#34;kw&#34;)&lt;/script&gt;</a>" in page.text
        assert '<a href="/search?q=kw%3A%22say+hi+%26+bye%22">say &#34;hi&#34; &amp; bye</a>' in page.text
        assert '<a href="/search?q=kw%3A%22LoRA+adapters%22">LoRA adapters</a>' in page.text
    # The compact layout keeps its one line of links: no chips.
    client.cookies.set("paperboy_layout", "compact")
    assert 'class="keywords"' not in client.get(f"/papers/{SEED_DAYS[0].isoformat()}").text


def test_a_chips_search_lists_the_paper(client: TestClient, db: Database) -> None:
    keywords = stored_keywords(db)["hep-th/9901001"]
    assert keywords
    page = client.get("/papers/hep-th/9901001")
    chip = next(href for href in links_of(page.text) if href.startswith("/search?q=kw"))
    found = client.get(chip)
    assert found.status_code == 200 and 'href="/papers/hep-th/9901001"' in found.text


def test_the_api_gives_keywords_in_papers_and_feed_items(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    one = assert_matches_spec(spec, client.get("/api/papers/2405.07518"))
    assert one["keywords"] == HOSTILE
    day = assert_matches_spec(spec, client.get("/api/papers", params={"date": SEED_DAYS[0].isoformat()}))
    item = next(i for i in day["items"] if i["paper"]["key"] == "2405.07518")
    assert item["keywords"] == item["paper"]["keywords"] == HOSTILE
    others = [i["paper"]["keywords"] for i in day["items"] if i["paper"]["key"] != "2405.07518"]
    assert others and all(isinstance(k, list) for k in others) and any(others)
    assert "keywords" in spec["components"]["schemas"]["PaperOut"]["required"]
