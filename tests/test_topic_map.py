"""Topics and the map, in process: k-means over the stored embeddings of a week's papers,
topics named by their phrases, the SVG (one link per paper, titles, escaped), the list
alternative, the file cache, marking a search, and topic pages."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient
from map_fixtures import SUBJECTS, VARIANTS, WEEK_DAY, fill_map_store

from paperboy.config import Settings
from paperboy.domain import FeedEntry, Paper, SourceRecord
from paperboy.domain.topics import cluster, topic_count, topic_labels, topic_layout
from paperboy.services.finding.indexing import Indexer
from paperboy.services.gathering.ingest import ingest_items
from paperboy.services.insight import topic_map as topic_map_service
from paperboy.services.insight.topic_map import compute_map, map_folder
from paperboy.store import Database
from paperboy.web import create_app

PAPERS = len(SUBJECTS) * len(VARIANTS)
MAP = f"/map?day={WEEK_DAY.isoformat()}&period=week"


@pytest.fixture
def filled(db: Database, settings: Settings, embedder) -> Database:  # type: ignore[no-untyped-def]
    fill_map_store(db, settings, embedder)
    return db


@pytest.fixture
def client(filled: Database, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, filled)) as test_client:
        yield test_client


def test_topic_count_grows_with_the_square_root_and_is_capped() -> None:
    assert topic_count(1) == 1 and topic_count(21) == 3 and topic_count(2000) == 32
    assert topic_count(1_000_000) == 40


def test_topics_separate_the_subjects_and_are_named_by_their_phrases(
    filled: Database, settings: Settings
) -> None:
    from datetime import date

    found = compute_map(filled, settings, date(2025, 3, 10), date(2025, 3, 16), "week")
    assert len(found.points) == PAPERS and len(found.topics) == 3 and found.unembedded == 0
    by_topic: dict[int, set[int]] = {}
    for point in found.points:
        # The ids are numbered subject by subject, seven each: 2503.00001 to 00007 are molecules.
        by_topic.setdefault(point.topic, set()).add((int(point.key[5:]) - 1) // len(VARIANTS))
    assert sorted(len(subjects) for subjects in by_topic.values()) == [1, 1, 1]
    names = " | ".join(t.name for t in found.topics)
    assert "speech" in names and ("dark matter" in names or "galaxy" in names) and "molecule" in names
    assert all(t.size == 7 for t in found.topics)


def test_labels_prefer_phrases_particular_to_a_topic() -> None:
    texts = [("Graph networks", "molecule graphs and common words")] * 3 + [
        ("Galaxy halos", "dark matter halos and common words")
    ] * 3
    labels = topic_labels(texts, np.array([0, 0, 0, 1, 1, 1]))
    assert "common words" not in labels[0] + labels[1]  # in every paper: says nothing
    assert any("graph" in p for p in labels[0]) and any("halos" in p for p in labels[1])


def test_the_layout_keeps_topics_apart() -> None:
    rng = np.random.default_rng(0)
    centres = np.eye(8)[:3] * 3
    vectors = np.vstack([c + rng.normal(scale=0.2, size=(20, 8)) for c in centres])
    clustering = cluster(vectors, 3)
    layout = topic_layout(vectors, clustering)
    middles = np.array([layout[clustering.assignments == t].mean(axis=0) for t in range(3)])
    spread = max(
        np.linalg.norm(layout[clustering.assignments == t] - middles[t], axis=1).max() for t in range(3)
    )
    gaps = [np.linalg.norm(middles[a] - middles[b]) for a in range(3) for b in range(a + 1, 3)]
    assert min(gaps) > spread  # no topic's cloud reaches another's middle


def test_the_map_links_every_paper_once_with_its_title(client: TestClient) -> None:
    page = client.get(MAP)
    assert page.status_code == 200, page.text
    svg = page.text[
        page.text.index('<svg class="topic-map') : page.text.index("</svg>", page.text.index("topic-map")) + 6
    ]
    links = re.findall(r'<a class="point topic-\d+" href="(/papers/[^"]+)">', svg)
    assert len(links) == PAPERS and len(set(links)) == PAPERS
    assert svg.count("<title>") == PAPERS + 0 and svg.count('<text class="caption"') == PAPERS
    assert svg.count('class="topic-label"') == 3
    assert "<script>" not in page.text.split("<main", 1)[1].split("</main>")[0]
    assert "&lt;script&gt;alert(&#34;map&#34;)&lt;/script&gt;" in svg
    assert ' style="' not in svg and "<script" not in svg
    assert 'viewBox="0 0 1000' in svg


def test_the_list_alternative_names_each_topic_and_links_its_papers(client: TestClient) -> None:
    page = client.get(MAP).text
    listing = page[page.index('id="topics-title"') :]
    assert len(re.findall(r'<li class="topic-entry">', listing)) == 3
    assert len(re.findall(r'<li><a href="/papers/2503\.\d{5}">', listing)) == PAPERS
    assert len(re.findall(r'href="/topics/week/2025-03-10/\d"', listing)) == 3


def test_a_second_request_is_served_from_the_cache_file(
    filled: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(create_app(settings, filled)) as first:
        assert first.get(MAP).status_code == 200
    files = list(map_folder(settings).glob("map-week-2025-03-10-*.json"))
    assert len(files) == 1

    def no_computing(*args: object, **kwargs: object) -> None:
        raise AssertionError("computed again instead of read from the cache")

    monkeypatch.setattr(topic_map_service, "compute_map", no_computing)
    with TestClient(create_app(settings, filled)) as second:  # a new process's memory: the file serves
        page = second.get(MAP)
        assert page.status_code == 200 and page.text.count('<a class="point') == PAPERS


def test_a_new_paper_makes_a_new_map_and_the_old_file_goes(
    filled: Database,
    settings: Settings,
    embedder,  # type: ignore[no-untyped-def]
) -> None:
    from datetime import date, datetime

    with TestClient(create_app(settings, filled)) as client:
        client.get(MAP)
        before = list(map_folder(settings).glob("*.json"))
        paper = Paper(
            title="Speech recognition for children",
            abstract="Automatic speech recognition of children's speech with audio encoders.",
            source="arxiv",
            arxiv_id="2503.09999",
            categories=("eess.AS",),
            published=datetime(2025, 3, 14),
        )
        ingest_items(
            filled, [SourceRecord(paper, "test:new", FeedEntry(date(2025, 3, 14), "arxiv"))], kind="test"
        )
        Indexer(filled, settings, embedder).catch_up()
        page = client.get(MAP)
        assert page.text.count('<a class="point') == PAPERS + 1
    after = list(map_folder(settings).glob("*.json"))
    assert len(after) == 1 and after != before


def test_a_search_is_marked_on_the_map(client: TestClient) -> None:
    page = client.get(MAP + "&q=dark+matter+halos")
    assert page.status_code == 200
    assert len(re.findall(r'<a class="point topic-\d+ hit"', page.text)) == len(VARIANTS)
    assert 'class="topic-map highlighting"' in page.text
    assert f"{len(VARIANTS)} of these papers have every word" in page.text
    bad = client.get(MAP + "&q=%22unclosed")
    assert bad.status_code in (200, 400)  # a query it cannot read says so, the map still shows
    assert bad.text.count('<a class="point') == PAPERS


def test_topic_pages_list_the_papers_with_cards_and_a_trend(client: TestClient) -> None:
    page = client.get(MAP).text
    first = re.search(r'href="(/topics/week/2025-03-10/1)">([^<]+)</a>', page)
    assert first is not None
    topic = client.get(first.group(1))
    assert topic.status_code == 200
    assert topic.text.count('<article class="card') == 7
    assert '<svg class="chart" id="trend"' in topic.text
    assert 'href="/map?day=2025-03-10&amp;period=week"' in topic.text
    assert client.get("/topics/week/2025-03-10/9").status_code == 404
    assert client.get("/topics/week/2025-13-10/1").status_code == 400
    assert client.get("/topics/year/2025-03-10/1").status_code in (400, 422)


def test_the_feed_and_search_link_to_the_map(client: TestClient) -> None:
    feed = client.get("/papers/2025-03-12?period=week").text
    assert 'href="/map?day=2025-03-12&amp;period=week"' in feed
    search = client.get("/search?q=speech+recognition").text
    assert "/map?day=2025-03-14&amp;period=month&amp;q=speech+recognition" in search


def test_a_period_without_embeddings_says_so(client: TestClient) -> None:
    page = client.get("/map?day=2024-01-10&period=week")
    assert page.status_code == 200 and "has an embedding yet" in page.text


def test_requests_arriving_together_compute_one_map_at_a_time(
    filled: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four requests for the same cold week: one computes, the others wait and read its file;
    two different periods never compute at once."""
    import threading
    import time

    real_compute = topic_map_service.compute_map
    running, most_at_once, calls = [0], [0], []
    count_lock = threading.Lock()

    def counting_compute(*args, **kwargs):  # type: ignore[no-untyped-def]
        with count_lock:
            running[0] += 1
            most_at_once[0] = max(most_at_once[0], running[0])
            calls.append(args[4])  # the period
        time.sleep(0.2)  # long enough for the other threads to arrive while it runs
        try:
            return real_compute(*args, **kwargs)
        finally:
            with count_lock:
                running[0] -= 1

    monkeypatch.setattr(topic_map_service, "compute_map", counting_compute)
    periods = ["week", "week", "week", "week", "month"]
    results: list[object] = []
    threads = [
        threading.Thread(
            target=lambda period=period: results.append(
                topic_map_service.topic_map(filled, settings, WEEK_DAY, period)
            )
        )
        for period in periods
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == len(periods)
    assert sorted(calls) == ["month", "week"], "the week was computed once, the others read its file"
    assert most_at_once[0] == 1
