"""The ranker's fast mode (digests) on the tiny three-topic world: it finds the reader's
topic, keeps refused papers out, batched readers rank as each would alone, and the
vectorised category view is category_scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from recommend_fixtures import CANDIDATES, ROBOTS, SPEECH, world_space, write_world

from paperboy.rank.for_you import FeatureSpace, category_scores
from paperboy.rank.for_you_fast import (
    CandidateFeatures,
    FastReader,
    _category_view,
    rank_for_reader_fast,
    rank_readers_fast,
    similarities,
)


@pytest.fixture
def every_paper(tmp_path: Path, embedder) -> FeatureSpace:  # type: ignore[no-untyped-def]
    return world_space(write_world(tmp_path / "world"), embedder.embed)


def test_the_fast_mode_finds_the_readers_topic(every_paper: FeatureSpace) -> None:
    ranking = rank_for_reader_fast(every_paper, SPEECH, CANDIDATES)
    assert set(ranking.candidates[:3]) == {"2601.10005", "2601.10006", "2601.10007"}
    assert ranking.scores == sorted(ranking.scores, reverse=True)
    refused = rank_for_reader_fast(every_paper, SPEECH, CANDIDATES, not_interested=["2601.10005"])
    assert refused.candidates[-1] == "2601.10005" and refused.scores[-1] == float("-inf")
    with pytest.raises(ValueError, match="at least one library paper"):
        rank_for_reader_fast(every_paper, [], CANDIDATES)


def test_readers_ranked_together_rank_as_each_alone(every_paper: FeatureSpace) -> None:
    rows = every_paper.rows(CANDIDATES)
    features = CandidateFeatures(
        [every_paper.papers[r] for r in rows], every_paper.vectors[rows], every_paper.tfidf[rows]
    )
    own = SPEECH + ROBOTS
    likeness, words = similarities(
        features, every_paper.vectors[every_paper.rows(own)], every_paper.tfidf[every_paper.rows(own)]
    )

    def reader(keys: list[str]) -> FastReader:
        return FastReader(
            library=np.array([own.index(k) for k in keys]), library_keys=keys,
            library_categories=[every_paper.papers[every_paper.row[k]].categories for k in keys],
            not_interested=np.zeros(0, dtype=np.int64),
        )  # fmt: skip

    together = rank_readers_fast(
        features, likeness, words, [reader(SPEECH), reader(ROBOTS)], neighbours=1, top=3
    )
    assert together[0].candidates == rank_for_reader_fast(every_paper, SPEECH, CANDIDATES).candidates[:3]
    assert together[1].candidates == rank_for_reader_fast(every_paper, ROBOTS, CANDIDATES).candidates[:3]
    assert {k[:7] for k in together[1].candidates} == {"2601.20"}
    assert together[1].neighbours[0][0][0] in ROBOTS
    # The vectorised category view is the ranker's own.
    library = [every_paper.papers[every_paper.row[k]] for k in SPEECH[:2] + ROBOTS[:1]]
    none = np.zeros(0, dtype=np.int64)
    one = FastReader(
        np.arange(3), ["a", "b", "c"], [p.categories for p in library], none, followed_categories=["cs"]
    )
    expected = category_scores(library, [every_paper.papers[r] for r in rows], ["cs"])
    assert np.allclose(_category_view(features, one), expected)
