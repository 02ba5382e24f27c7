"""The search service: modes, filters inside retrieval, snippets, hostile queries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from conftest import BACKEND, SEED_PAGES, SNAPSHOT_SAMPLE, fresh_database

from paperboy.config import Settings
from paperboy.domain.highlighted import Highlighted
from paperboy.search import QuerySyntaxError
from paperboy.services.catalogue import find_paper
from paperboy.services.finding.indexing import Indexer
from paperboy.services.finding.search import SearchService
from paperboy.services.gathering.ingest import ingest_items
from paperboy.sources.daily_pages import read_daily_pages
from paperboy.sources.snapshot import read_snapshot
from paperboy.store import Database, open_database


def build_corpus(db: Database, settings: Settings, embedder) -> SearchService:  # type: ignore[no-untyped-def]
    ingest_items(db, read_snapshot(SNAPSHOT_SAMPLE), kind="snapshot")
    pages = [item for path in SEED_PAGES for item in read_daily_pages(path, year=2024)]
    ingest_items(db, pages, kind="pages")
    Indexer(db, settings, embedder).catch_up()
    return SearchService(db, settings, embedder)


@pytest.fixture(scope="module")
def service(tmp_path_factory, _postgres_template, model_dir, embedder) -> Iterator[SearchService]:  # type: ignore[no-untyped-def]
    """One corpus for the whole module: these tests only read it."""
    folder = tmp_path_factory.mktemp("search")
    with fresh_database(folder) as url:
        db = open_database(url)
        yield build_corpus(
            db, Settings(data_dir=folder / "data", database_url=url, model_dir=model_dir), embedder
        )
        db.close()


def titles(results) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.paper.title for h in results.hits]


def matched(found: Highlighted) -> list[str]:
    return [found.text[start:end] for start, end in found.spans]


def test_keyword_search_finds_the_paper_named(service: SearchService) -> None:
    results = service.search("sparsity certifying graph decompositions", mode="keyword")
    assert titles(results)[0] == "Sparsity-certifying Graph Decompositions"
    assert "Graph" in matched(results.hits[0].title)


def test_semantic_search_finds_by_meaning_without_shared_words(service: SearchService) -> None:
    results = service.search("brain-inspired hardware for low-power AI", mode="semantic", per_page=5)
    assert any("Neuromorphic" in t for t in titles(results))


def test_hybrid_is_the_default_and_ranks_the_obvious_match_first(service: SearchService) -> None:
    results = service.search("SambaNova memory wall dataflow")
    assert results.mode == "hybrid"
    assert titles(results)[0].startswith("SambaNova SN40L")


def test_exact_phrases_must_match(service: SearchService) -> None:
    results = service.search('"neuromorphic chip"', mode="keyword", per_page=50)
    assert results.hits
    for hit in results.hits:
        assert "neuromorphic chip" in (hit.paper.title + " " + hit.paper.abstract).lower()


def test_author_filter(service: SearchService) -> None:
    results = service.search("graph author:Streinu", mode="hybrid")
    assert [h.key for h in results.hits] == ["0704.0002"]


def test_category_and_date_filters_give_complete_pages_in_every_mode(service: SearchService) -> None:
    for mode in ("keyword", "semantic", "hybrid"):
        results = service.search(
            "theory",
            mode=mode,
            category="math",
            per_page=100,
            after=date(2007, 4, 1),
            before=date(2007, 4, 2),
        )
        assert results.hits, mode
        for hit in results.hits:
            assert any(c.startswith("math") for c in hit.paper.categories), mode
            assert date(2007, 4, 1) <= hit.paper.published.date() <= date(2007, 4, 2), mode


def test_filters_alone_list_the_newest_first(service: SearchService) -> None:
    results = service.search("cat:hep-th", per_page=100)
    published = [h.paper.published for h in results.hits]
    assert published == sorted(published, reverse=True) and len(published) == results.total


def test_pagination_splits_without_overlap(service: SearchService) -> None:
    first = service.search("energy", mode="keyword", per_page=5)
    second = service.search("energy", mode="keyword", page=2, per_page=5)
    assert first.total > 10
    assert not {h.key for h in first.hits} & {h.key for h in second.hits}


def test_snippets_locate_the_matched_words_whole(service: SearchService) -> None:
    results = service.search("quantization hardware", mode="keyword")
    assert any(h.snippet.spans for h in results.hits)
    for hit in results.hits:
        text = hit.snippet.text
        for start, end in hit.snippet.spans:
            assert not text[start - 1 : start].isalnum() and not text[end : end + 1].isalnum()
        assert all(w.lower().startswith(("quantiz", "hardwar")) for w in matched(hit.snippet))


def test_similar_papers(service: SearchService) -> None:
    paper = find_paper(service.db, "0704.0002")
    assert paper is not None
    similar = service.similar(paper, limit=5)
    assert len(similar) == 5 and "0704.0002" not in [h.key for h in similar]


@pytest.mark.parametrize(
    "query",
    [
        "the of and a",
        '"unbalanced quote',
        "foo:bar graph",
        "attention AND (memory OR NOT kernels)",
        "title:attention^2 ~ * +x -y",
        "'; DROP TABLE paper; --",
        "graph\x00\x07\x1b[31m",
        "author:",
        "cat:",
        "a" * 499,
    ],
)
def test_hostile_queries_give_results_or_a_clear_error(service: SearchService, query: str) -> None:
    for mode in ("keyword", "semantic", "hybrid"):
        try:
            service.search(query, mode=mode)
        except QuerySyntaxError as error:
            assert error.message and "Traceback" not in error.message


@pytest.mark.parametrize(
    ("query", "arguments", "message"),
    [
        ("", {}, "type some words"),
        ("x" * 10_001, {}, "characters long"),
        ("graph", {"mode": "fuzzy"}, "mode 'fuzzy'"),
        ("graph", {"page": 0}, "page must be"),
        ("graph", {"page": 10**9}, "page must be"),
        ("graph", {"per_page": 1000}, "per_page"),
        ("graph", {"category": "no such!"}, "category"),
        ("graph", {"after": date(2024, 2, 1), "before": date(2024, 1, 1)}, "date range is empty"),
        ("graph after:2024-13-45", {}, r"after:2024-13-45 is not a date"),
    ],
)
def test_bad_requests_are_refused_with_a_message(
    service: SearchService, query: str, arguments: dict, message: str
) -> None:
    with pytest.raises(QuerySyntaxError, match=message):
        service.search(query, **arguments)


QUERIES = [
    "graph decompositions",
    "neuromorphic energy efficient chips",
    "dark matter halo",
    "cat:astro-ph galaxies",
]


def search_all_modes(service: SearchService) -> list[list[str]]:
    return [
        [h.key for h in service.search(q, mode=m, per_page=20).hits]
        for q in QUERIES
        for m in ("keyword", "semantic", "hybrid")
    ]


@pytest.mark.skipif(
    BACKEND != "postgresql",
    reason="runs in the PostgreSQL pass (scripts/test runs the suite on both backends)",
)
def test_the_same_corpus_gives_the_same_results_on_sqlite_and_postgresql(
    tmp_path,
    model_dir,
    embedder,
    database_url,  # type: ignore[no-untyped-def]
) -> None:
    """Built twice, once on each backend, from the same input: identical rankings."""
    sqlite_url = f"sqlite:///{tmp_path / 'sqlite' / 'paperboy.db'}"
    results = []
    for name, url in (("sqlite", sqlite_url), ("postgresql", database_url)):
        db = open_database(url)
        db.migrate()
        settings = Settings(data_dir=tmp_path / name, database_url=url, model_dir=model_dir)
        results.append(search_all_modes(build_corpus(db, settings, embedder)))
        db.close()
    assert results[0] == results[1]


def test_common_words_neither_rank_nor_get_marked(service: SearchService) -> None:
    results = service.search("accelerators for the LLM", mode="keyword")
    assert results.hits
    for hit in results.hits:
        words = {w.lower() for w in matched(hit.title) + matched(hit.snippet)}
        assert not words & {"for", "the"}
    only_common = service.search("the of and", mode="keyword")
    assert only_common.total > 0


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
@pytest.mark.parametrize(
    ("query", "arguments", "message"),
    [
        ("graph before:9999-12-31", {}, "before:9999-12-31 is out of range"),
        ("graph after:0001-01-01", {}, "after:0001-01-01 is out of range"),
        ("before:9999", {}, "before:9999 is out of range"),
        ("graph", {"before": date(9999, 12, 31)}, "before 9999-12-31 is out of range"),
        ("graph", {"after": date(1, 1, 1)}, "after 0001-01-01 is out of range"),
        ("graph", {"after": date(2300, 1, 1)}, "after 2300-01-01 is out of range"),
    ],
)
def test_out_of_range_dates_are_a_clear_error_in_every_mode(
    service: SearchService, mode: str, query: str, arguments: dict, message: str
) -> None:
    """Hole 3: these overflowed (OverflowError, or tantivy's ValueError) instead."""
    with pytest.raises(QuerySyntaxError, match=message) as caught:
        service.search(query, mode=mode, **arguments)
    assert "1900" in caught.value.message and "2199" in caught.value.message


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_the_whole_searchable_range_searches_in_every_mode(service: SearchService, mode: str) -> None:
    wide = service.search("graph after:1900-01-01 before:2199-12-31", mode=mode)
    assert wide.hits
    assert service.search("graph", mode=mode, after=date(1900, 1, 1), before=date(2199, 12, 31)).hits


def test_has_code_filters_inside_retrieval_in_every_mode(db: Database, settings: Settings, embedder) -> None:  # type: ignore[no-untyped-def]
    from feed_fixtures import realistic_papers

    records = realistic_papers(count=16)
    ingest_items(db, records, kind="test")
    Indexer(db, settings, embedder).catch_up()
    service = SearchService(db, settings, embedder)
    with_code = {r.paper.arxiv_id for r in records if r.paper.code_url}
    for mode in ("keyword", "semantic", "hybrid"):
        results = service.search("attention video robots memory has:code", mode=mode, per_page=50)
        assert results.hits, mode
        assert {h.key for h in results.hits} <= with_code, mode
    only = service.search("has:code", per_page=50)
    assert {h.key for h in only.hits} == with_code and only.total == len(with_code)


def test_an_index_from_before_has_code_is_written_again_on_the_next_update(
    db: Database, settings: Settings, embedder
) -> None:  # type: ignore[no-untyped-def]
    from feed_fixtures import realistic_papers

    from paperboy.index.keyword import KeywordDocument, KeywordIndex
    from paperboy.services.finding.indexing import keyword_folder
    from paperboy.store import changes

    ingest_items(db, realistic_papers(count=8), kind="test")
    with db.connect() as conn:
        revision = changes.latest_revision(conn)
        rows = changes.changed_papers(conn, 0, (0, 0), 100)
    # An index as the previous version wrote it: no code terms, up to date, no format file.
    folder = keyword_folder(settings)
    old = KeywordIndex(folder)
    old.upsert(KeywordDocument(r.id, r.paper.title, r.paper.abstract) for r in rows)
    old.commit(watermark=revision)
    (folder / "format.json").unlink()
    assert SearchService(db, settings, embedder).search("has:code", mode="keyword").total == 0
    Indexer(db, settings, embedder).catch_up_keyword()
    assert (folder / "format.json").exists() and KeywordIndex(folder).watermark == revision
    assert SearchService(db, settings, embedder).search("has:code", mode="keyword").total == 5


NONSENSE = "qzxvw plorktriv zzgrmph"


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_a_nonsense_query_finds_nothing_in_every_mode(service: SearchService, mode: str) -> None:
    results = service.search(NONSENSE, mode=mode)
    assert results.hits == () and results.total == 0 and not results.total_is_lower_bound
    assert results.count_text == "no papers matched"


@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
def test_words_no_paper_has_find_nothing_by_meaning_whatever_the_threshold(
    service: SearchService, mode: str
) -> None:
    # With every nearest paper above the threshold, only the vocabulary check keeps
    # nonsense out (on 200,000 real papers some nonsense passes any useful threshold).
    anything = SearchService(
        service.db, replace(service.settings, semantic_threshold=-1.0), service._embedder
    )
    nothing = anything.search("zzqxv wombatfrobnicate", mode=mode)
    assert (nothing.total, nothing.hits) == (0, ())
    # One real word among them is enough for meaning to count: every paper is near enough.
    some = anything.search("zzqxv wombatfrobnicate hardware", mode=mode)
    assert some.total > service.search("hardware", mode="keyword").total > 0


def test_the_keyword_count_is_the_exact_number_of_papers_with_the_words(service: SearchService) -> None:
    from paperboy.index.highlight import _default_stem
    from paperboy.store import changes

    with service.db.connect() as conn:
        rows = changes.papers_by_id(conn, sorted(service._keyword.ids()))
    wanted = {"graph", "neuromorph"}
    texts = [f"{stored.paper.title} {stored.paper.abstract}" for stored in rows.values()]
    expected = sum(
        1 for text in texts if wanted & {s for w in text.split() for s in _default_stem(w.strip(".,:;()"))}
    )
    results = service.search("graph neuromorphic", mode="keyword", per_page=5)
    assert expected > 5 and results.total == expected  # the matches, not the page or a depth
    assert results.count_text == f"{expected} papers match" and results.keyword_total == expected


def test_semantic_and_hybrid_counts_include_every_keyword_match(service: SearchService) -> None:
    keyword = service.search("graph neuromorphic", mode="keyword").total
    for mode in ("semantic", "hybrid"):
        results = service.search("graph neuromorphic", mode=mode)
        assert results.total >= keyword and results.keyword_total == keyword
        assert len(results.hits) <= results.total
        if results.total > keyword:  # the line says which part is which
            assert f"({keyword} by keyword + " in results.count_text


def queries(results) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.query for s in results.suggestions]


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_the_brief_nonsense_query_finds_nothing_and_suggests_nothing_false(
    service: SearchService, mode: str
) -> None:
    results = service.search("zzqxv wombatfrobnicate", mode=mode)
    assert results.hits == () and results.total == 0 and results.count_text == "no papers matched"
    assert all(s.total > 0 for s in results.suggestions)  # a suggestion always finds something


def test_a_misspelt_query_suggests_the_word_the_index_has(service: SearchService) -> None:
    results = service.search("neuromorphc", mode="keyword")
    assert results.total == 0
    assert "neuromorphic" in queries(results)


def test_transfomer_is_respelt_as_papers_write_it_with_its_count(service: SearchService) -> None:
    results = service.search("transfomer", mode="keyword")
    assert results.total == 0
    [suggestion] = results.suggestions
    assert suggestion.query == "transformer" and suggestion.reason == "spelling: transformer for transfomer"
    assert suggestion.total == service.search("transformer", mode="keyword").total > 0


def test_a_query_that_filters_everything_away_suggests_dropping_the_filters(service: SearchService) -> None:
    results = service.search("neuromorphic cat:q-fin.TR", mode="keyword")
    assert results.total == 0 and "neuromorphic" in queries(results)


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_a_too_narrow_filter_is_named_with_the_count_without_it(service: SearchService, mode: str) -> None:
    # No paper is in q-fin, so the category alone empties the query; the date keeps 2007's papers.
    results = service.search("graph after:2007-01-01", mode=mode, category="q-fin.TR")
    assert results.total == 0 and results.hits == ()
    [suggestion] = results.suggestions
    assert suggestion.query == "graph after:2007-01-01" and suggestion.reason == "without cat:q-fin.tr"
    again = service.search(suggestion.query, mode=mode)
    assert again.total == suggestion.total > 0  # the count shown is the count it gets


def test_without_any_filter_when_no_single_filter_is_to_blame(service: SearchService) -> None:
    results = service.search("neuromorphic cat:q-fin.TR before:2000-01-01", mode="keyword")
    assert queries(results) == ["neuromorphic"]
    assert results.suggestions[0].reason == "without any filter"
    assert results.suggestions[0].total == service.search("neuromorphic", mode="keyword").total


def test_a_pasted_abstract_finds_its_paper_first_in_every_mode(service: SearchService) -> None:
    paper = service.search("sparsity certifying graph decompositions", mode="keyword").hits[0].paper
    pasted = paper.abstract * 3  # a long text, well over the keyword side's term budget
    assert len(pasted.split()) > 100
    for mode in ("keyword", "semantic", "hybrid"):
        assert service.search(pasted, mode=mode).hits[0].paper.title == paper.title, mode


def test_while_embeddings_catch_up_search_says_how_many_papers_are_not_embedded(
    db: Database, settings: Settings, embedder
) -> None:  # type: ignore[no-untyped-def]
    """scripts/run serves before the background update has embedded everything: the
    results then say so, with the number, and stop saying it once it has caught up."""
    from feed_fixtures import realistic_papers

    records = realistic_papers(count=12)
    ingest_items(db, records[:8], kind="test")
    indexer = Indexer(db, settings, embedder)
    indexer.catch_up()
    ingest_items(db, records[8:], kind="test")
    indexer.catch_up_keyword()  # what `paperboy index update --keyword-only` does
    service = SearchService(db, settings, embedder)
    behind = service.search("attention", mode="hybrid")
    assert behind.notice is not None and "4 papers are not embedded yet" in behind.notice
    assert service.search("attention", mode="keyword").notice is None  # keyword results are whole
    indexer.catch_up_vectors()
    assert service.search("attention", mode="hybrid").notice is None
