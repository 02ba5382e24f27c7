"""The ranker's per-reader cache of fused scores: a repeat call answers as a fresh one, and any
change to the library, the "not interested" marks, the window or the texts computes afresh;
one reader's entry never serves another. Also the page's shortcuts: neighbours for the top
only, and the category view as matrices equal to category_scores."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from community_fixtures import member
from recommend_fixtures import CANDIDATES, ROBOTS, SPEECH, world_space, write_world
from test_for_you import NOW, stocked  # noqa: F401  (the store the page test runs on)

from paperboy.config import Settings
from paperboy.rank.for_you import (
    FeatureSpace,
    RankerPaper,
    Ranking,
    ReaderScores,
    category_scores,
    rank_for_reader,
    space_category_scores,
)
from paperboy.services.library import feedback, items
from paperboy.services.library import for_you as for_you_service
from paperboy.services.library.for_you import for_you
from paperboy.store import Database


@pytest.fixture
def every_paper(tmp_path: Path, embedder) -> FeatureSpace:  # type: ignore[no-untyped-def]
    return world_space(write_world(tmp_path / "world"), embedder.embed)


def _same(a: Ranking, b: Ranking) -> None:
    assert a.candidates == b.candidates
    assert a.scores == b.scores
    assert a.neighbours == b.neighbours


def _cached(space: FeatureSpace, cache: ReaderScores, reader: object, library: list[str], **kw) -> Ranking:  # type: ignore[no-untyped-def]
    return rank_for_reader(
        space, library, kw.pop("candidates", CANDIDATES), cache=cache, reader=reader, neighbours=2, **kw
    )


def _fresh(space: FeatureSpace, library: list[str], **kw) -> Ranking:  # type: ignore[no-untyped-def]
    return rank_for_reader(space, library, kw.pop("candidates", CANDIDATES), neighbours=2, **kw)


def test_a_repeat_call_reuses_the_readers_scores_and_answers_as_a_fresh_one(
    every_paper: FeatureSpace,
) -> None:
    cache = ReaderScores()
    first = _cached(every_paper, cache, "ada", SPEECH)
    assert (cache.hits, cache.misses) == (0, 1)
    again = _cached(every_paper, cache, "ada", SPEECH)
    assert (cache.hits, cache.misses) == (1, 1)
    _same(first, again)
    _same(again, _fresh(every_paper, SPEECH))
    # A boost is added after the cached scores: it may change without a refit, and counts.
    boost = [0.0] * len(CANDIDATES)
    boost[CANDIDATES.index("2601.00005")] = 10.0
    boosted = _cached(every_paper, cache, "ada", SPEECH, boost=boost)
    assert cache.hits == 2 and boosted.candidates[0] == "2601.00005"
    _same(boosted, _fresh(every_paper, SPEECH, boost=boost))


def test_a_changed_library_is_ranked_afresh(every_paper: FeatureSpace) -> None:
    cache = ReaderScores()
    _cached(every_paper, cache, "ada", SPEECH[:3])
    grown = _cached(every_paper, cache, "ada", SPEECH[:3] + ROBOTS)
    assert (cache.hits, cache.misses) == (0, 2)
    _same(grown, _fresh(every_paper, SPEECH[:3] + ROBOTS))
    # The same papers in another order weigh differently (newest first): afresh too.
    _cached(every_paper, cache, "ada", list(reversed(SPEECH[:3] + ROBOTS)))
    assert cache.misses == 3
    weighted = _cached(every_paper, cache, "ada", SPEECH[:3], library_weights=[1.0, 1.0, 3.0])
    assert cache.misses == 4
    _same(weighted, _fresh(every_paper, SPEECH[:3], library_weights=[1.0, 1.0, 3.0]))


def test_a_not_interested_mark_is_ranked_afresh(every_paper: FeatureSpace) -> None:
    cache = ReaderScores()
    before = _cached(every_paper, cache, "ada", SPEECH)
    marked = _cached(every_paper, cache, "ada", SPEECH, not_interested=[before.candidates[0]])
    assert (cache.hits, cache.misses) == (0, 2)
    assert marked.candidates[-1] == before.candidates[0] and marked.scores[-1] == float("-inf")
    _same(marked, _fresh(every_paper, SPEECH, not_interested=[before.candidates[0]]))
    # A mark on a paper outside the window still teaches the words model: afresh as well.
    _cached(every_paper, cache, "ada", SPEECH, not_interested=[before.candidates[0], ROBOTS[0]])
    assert cache.misses == 3


def test_a_new_window_or_changed_follows_are_ranked_afresh(every_paper: FeatureSpace) -> None:
    cache = ReaderScores()
    _cached(every_paper, cache, "ada", SPEECH)
    narrower = _cached(every_paper, cache, "ada", SPEECH, candidates=CANDIDATES[3:])
    assert (cache.hits, cache.misses) == (0, 2)
    _same(narrower, _fresh(every_paper, SPEECH, candidates=CANDIDATES[3:]))
    following = _cached(every_paper, cache, "ada", SPEECH, followed_categories=["cs"])
    assert cache.misses == 3
    _same(following, _fresh(every_paper, SPEECH, followed_categories=["cs"]))


def test_a_paper_whose_text_changed_is_ranked_afresh(every_paper: FeatureSpace) -> None:
    cache = ReaderScores()
    _cached(every_paper, cache, "ada", SPEECH)
    edited = list(every_paper.papers)
    row = every_paper.row[CANDIDATES[0]]
    edited[row] = dataclasses.replace(
        edited[row], abstract=edited[row].abstract + " speech recognition audio"
    )
    changed = FeatureSpace(edited, every_paper.vectors, vectorizer=every_paper.vectorizer)
    assert changed.signature != every_paper.signature
    _same(_cached(changed, cache, "ada", SPEECH), _fresh(changed, SPEECH))
    assert cache.misses == 2
    # A space read with the same vocabulary from the same papers names the same rows.
    again = FeatureSpace(every_paper.papers, every_paper.vectors, vectorizer=every_paper.vectorizer)
    assert (
        again.signature
        == FeatureSpace(every_paper.papers, every_paper.vectors, vectorizer=every_paper.vectorizer).signature
    )
    grown = every_paper.extended([edited[row]], every_paper.vectors[[row]])
    assert grown.signature != every_paper.signature


def test_one_readers_cached_scores_never_serve_another(every_paper: FeatureSpace) -> None:
    cache = ReaderScores()
    _cached(every_paper, cache, "ada", SPEECH)
    bob = _cached(every_paper, cache, "bob", ROBOTS)
    assert (cache.hits, cache.misses) == (0, 2)
    _same(bob, _fresh(every_paper, ROBOTS))
    assert {k[:7] for k in bob.candidates[:3]} == {"2601.20"}
    # Even with ada's very library, carol gets her own entry, not ada's.
    _cached(every_paper, cache, "carol", SPEECH)
    assert (cache.hits, cache.misses) == (0, 3) and len(cache) == 3
    _same(_cached(every_paper, cache, "ada", SPEECH), _fresh(every_paper, SPEECH))
    assert cache.hits == 1


def test_the_cache_keeps_the_most_recent_readers_only(every_paper: FeatureSpace) -> None:
    cache = ReaderScores(max_readers=2)
    for reader in ("ada", "bob", "ada", "carol"):
        _cached(every_paper, cache, reader, SPEECH)
    assert len(cache) == 2 and cache.hits == 1
    _cached(every_paper, cache, "bob", SPEECH)  # the least recent, so gone
    assert cache.hits == 1
    with pytest.raises(ValueError, match="max_readers must be at least 1"):
        ReaderScores(0)
    with pytest.raises(ValueError, match="reader's key"):
        rank_for_reader(every_paper, SPEECH, CANDIDATES, cache=cache)


def test_neighbours_for_the_top_only_are_those_of_the_full_list(every_paper: FeatureSpace) -> None:
    full = rank_for_reader(every_paper, SPEECH, CANDIDATES, neighbours=3)
    top = rank_for_reader(every_paper, SPEECH, CANDIDATES, neighbours=3, neighbours_for=4)
    assert top.candidates == full.candidates and len(full.neighbours) == len(CANDIDATES)
    assert top.neighbours == full.neighbours[:4]
    assert all(len(n) == 3 and {k for k, _ in n} <= set(SPEECH) for n in top.neighbours)


def test_the_category_view_on_matrices_is_category_scores() -> None:
    day = date(2026, 1, 5)

    def paper(key: str, *categories: str) -> RankerPaper:
        return RankerPaper(key, f"title {key}", f"abstract of {key}", categories, day)

    papers = [
        paper("l1", "cs.CL", "cs.LG"), paper("l2", "cs.CL"), paper("l3", "stat.ML", "cs.LG", "cs.LG"),
        paper("c1", "cs.LG", "cs.CL"), paper("c2", "eess.AS"), paper("c3"), paper("c4", "stat.ML"),
        paper("c5", "math.OC", "cs.CL"),
    ]  # fmt: skip
    space = FeatureSpace(papers[:5], np.eye(8, 4, dtype=np.float32)[:5]).extended(
        papers[5:], np.eye(8, 4, dtype=np.float32)[5:]
    )
    library, candidates = ["l1", "l2", "l3"], ["c1", "c2", "c3", "c4", "c5"]
    for followed in ((), ("stat",), ("EESS.as", "math")):
        expected = category_scores(
            [space.papers[space.row[k]] for k in library],
            [space.papers[space.row[k]] for k in candidates],
            followed,
        )
        got = space_category_scores(space, space.rows(library), space.rows(candidates), followed)
        assert np.array_equal(got, expected), followed
    assert space_category_scores(space, space.rows(library), space.rows(candidates))[2] == 0.0


def test_the_page_reuses_a_readers_scores_until_a_mark_changes_them(
    stocked: Database,  # noqa: F811
    settings: Settings,
    embedder,  # type: ignore[no-untyped-def]
) -> None:
    kept = for_you_service._reader_scores
    ada, bob = member(stocked, "ada@example.org"), member(stocked, "bob@example.org")
    for i in range(3):
        items.set_saved(stocked, ada, f"2611.1000{i}", True, now=NOW)  # speech
        items.set_saved(stocked, bob, f"2611.2000{i}", True, now=NOW)  # robots
    first = for_you(stocked, settings, ada, now=NOW, embedder=embedder)
    hits, misses = kept.hits, kept.misses
    again = for_you(stocked, settings, ada, now=NOW, embedder=embedder)
    assert (kept.hits, kept.misses) == (hits + 1, misses)
    assert again.recommendations == first.recommendations
    # Bob's list is his own, not Ada's cached one.
    theirs = for_you(stocked, settings, bob, now=NOW, embedder=embedder)
    assert kept.misses == misses + 1
    assert {r.paper_key[:7] for r in theirs.recommendations[:3]} == {"2611.20"}
    top = first.recommendations[0].paper_key
    feedback.set_not_interested(stocked, ada, top, True, now=NOW)
    marked = for_you(stocked, settings, ada, now=NOW, embedder=embedder)
    assert kept.misses == misses + 2 and top not in {r.paper_key for r in marked.recommendations}
    items.set_saved(stocked, ada, "2611.10003", True, now=NOW)
    grown = for_you(stocked, settings, ada, now=NOW, embedder=embedder)
    assert kept.misses == misses + 3 and grown.library_size == 4
    # A day later the week holds the same papers: the same candidates, reused.
    for_you(stocked, settings, ada, now=NOW + timedelta(days=1), embedder=embedder)
    assert (kept.hits, kept.misses) == (hits + 2, misses + 3)
    # The last two days are another window: other candidates, ranked afresh.
    narrow = for_you(stocked, settings, ada, days=2, now=NOW, embedder=embedder)
    assert kept.misses == misses + 4 and narrow.candidates < grown.candidates
