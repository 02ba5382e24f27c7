""" "For you": the papers of the last days ranked for one reader, each with its reasons.

What the reader told us: saved papers (with tags) and upvotes are the positives, newest
first; "not interested" marks are negatives and never come back; followed categories lift
the category view and followed authors add a boost. The ranking itself is
paperboy.rank.for_you.rank_for_reader, the code `paperboy recommend eval` measures.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from paperboy.config import Settings
from paperboy.domain.accounts import User
from paperboy.domain.clock import naive_utc, utcnow
from paperboy.domain.records import ListedPaper, Paper
from paperboy.domain.text import clip
from paperboy.embed import Embedder
from paperboy.rank.for_you import FeatureSpace, RankerPaper, ReaderScores, rank_for_reader
from paperboy.services.feed import FeedPage
from paperboy.services.finding.indexing import embedder_for, embedding_text
from paperboy.services.library.feedback import NOT_INTERESTED
from paperboy.services.library.follows import followed_marks
from paperboy.services.trending import trending_page
from paperboy.store import Database
from paperboy.store import embeddings as embedding_store
from paperboy.store import for_you as for_you_store
from paperboy.store import library as library_store
from paperboy.store import papers as paper_store

MAX_DAYS = 30
MAX_CANDIDATES = 5_000
MAX_LIBRARY = 2_000
# Readers' papers the shared vocabulary is fitted on beside the candidates (newest first): with
# 5,000 candidates the fit takes ~1 s CPU alone, ~2.7 s with 10,000 of them, ~5 s with 20,000.
MAX_VOCABULARY_PAPERS = 10_000
# A followed author's paper is lifted by this much of the fused score (a sum of z-scores).
FOLLOWED_AUTHOR_BOOST = 1.0
# Below this cosine a library paper is too far from the candidate to be named as a reason.
LIKE_THRESHOLD = 0.3
TITLE_IN_REASON = 70
MAX_TAG = 40
# Each reader's fused scores (the SVM's margins among them) between page views, per tag feed:
# reused while the window, the library, the marks and the follows stay the same (~40 kB each).
MAX_CACHED_READERS = 512
_reader_scores = ReaderScores(MAX_CACHED_READERS)


class ForYouError(ValueError):
    """A bad request for the list (days out of range); the message says what."""


@dataclass(frozen=True)
class Reason:
    """Why a paper is on the list: kind is "library", "tag", "follow" or "category"."""

    kind: str
    text: str
    paper_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recommendation:
    paper_key: str
    paper: Paper
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class ForYouList:
    """The ranked list, the days it covers, and what it was built from.

    needs_library: the reader has nothing saved or upvoted, so nothing can be ranked for
    them; trending is the page shown meanwhile.
    """

    recommendations: tuple[Recommendation, ...]
    first_day: date
    last_day: date
    library_size: int
    candidates: int
    needs_library: bool = False
    trending: FeedPage | None = None
    # Ranked from the library papers with this tag only (empty: the whole library and upvotes).
    tag: str = ""


@dataclass
class _Positive:
    key: str
    paper: Paper
    at: datetime
    tags: tuple[str, ...]
    saved: bool


def for_you(
    db: Database,
    settings: Settings,
    reader: User,
    days: int = 7,
    limit: int = 50,
    now: datetime | None = None,
    embedder: Embedder | None = None,
    tag: str = "",
) -> ForYouList:
    """The papers listed in the last `days` days (today included), best for the reader first.

    With a tag, ranked from the reader's saved papers with that tag alone (a per-tag feed, as
    arxiv-sanity-lite recommends per tag); upvotes and other papers do not count then.
    """
    if not 1 <= days <= MAX_DAYS:
        raise ForYouError(f"days must be between 1 and {MAX_DAYS}, not {days}")
    tag = tag.strip()
    if len(tag) > MAX_TAG:
        raise ForYouError(f"a tag has at most {MAX_TAG} characters, not {len(tag)}")
    limit = max(1, min(limit, 200))
    at = naive_utc(now) if now else utcnow()
    last = at.date()
    first = last - timedelta(days=days - 1)
    with db.connect() as conn:
        positives = _positives(conn, reader.id, tag)
        negative_ids = library_store.feedback_paper_ids(conn, reader.id, NOT_INTERESTED)
        follows = library_store.follows_of(conn, reader.id)
        listed = for_you_store.listed_papers_between(conn, first, last, MAX_CANDIDATES)
        refused = for_you_store.papers_by_ids(conn, sorted(negative_ids))
    if not positives and tag:
        return ForYouList((), first, last, 0, len(listed), tag=tag)
    if not positives:
        return ForYouList((), first, last, 0, len(listed), True, trending_page(db, at, viewer_id=reader.id))
    positive_keys = {p.key for p in positives}
    candidates = [p for p in listed if p.stored.key not in positive_keys]
    if not candidates:
        return ForYouList((), first, last, len(positives), 0, tag=tag)
    negatives = [p for p in refused if p.key not in positive_keys]
    papers: dict[str, tuple[int, Paper, date]] = {}
    for listing in candidates:
        papers[listing.stored.key] = (listing.stored.id, listing.stored.paper, listing.first_day)
    for stored in negatives:
        papers.setdefault(stored.key, (stored.id, stored.paper, (stored.paper.published or at).date()))
    space = _space(db, settings, embedder, papers, positives, candidates, at)
    followed_authors = {f.value for f in follows if f.kind == "author"}
    candidate_keys = [p.stored.key for p in candidates]
    marks = followed_marks(db, reader, candidate_keys) if follows else {}
    boost = [FOLLOWED_AUTHOR_BOOST if marks.get(k) and marks[k].authors else 0.0 for k in candidate_keys]
    ranking = rank_for_reader(
        space,
        [p.key for p in positives],
        candidate_keys,
        not_interested=[p.key for p in negatives],
        followed_categories=[f.value for f in follows if f.kind == "category"],
        boost=boost if followed_authors else None,
        neighbours=3,
        neighbours_for=limit,
        cache=_reader_scores,
        reader=(reader.id, tag),
    )
    by_key = {p.key: p for p in positives}
    shown: list[Recommendation] = []
    # Neighbours come for the first `limit` only; a refused paper (-inf) ends the list earlier.
    for key, score, neighbours in zip(ranking.candidates, ranking.scores, ranking.neighbours, strict=False):
        if score == float("-inf"):
            break
        reasons = _reasons([(by_key[k], s) for k, s in neighbours], marks.get(key))
        shown.append(Recommendation(key, papers[key][1], score, reasons))
    return ForYouList(tuple(shown), first, last, len(positives), len(candidates), tag=tag)


def _positives(conn: Any, user_id: int, tag: str = "") -> list[_Positive]:
    """Saved papers and upvoted ones, newest first (a paper both saved and upvoted counts once);
    with a tag, only the saved papers with that tag."""
    found: dict[str, _Positive] = {}
    saved = library_store.items_of(conn, user_id)
    if tag:
        saved = [i for i in saved if tag in i.tags]
    for item in saved[:MAX_LIBRARY]:
        found[item.paper_key] = _Positive(item.paper_key, item.paper, item.saved_at, item.tags, True)
    if tag:
        return sorted(found.values(), key=lambda p: (p.at, p.key), reverse=True)
    for voted in for_you_store.voted_papers(conn, user_id, MAX_LIBRARY):
        stored = voted.stored
        if stored.key not in found:
            found[stored.key] = _Positive(stored.key, stored.paper, voted.voted_at, (), False)
    return sorted(found.values(), key=lambda p: (p.at, p.key), reverse=True)[:MAX_LIBRARY]


def _ranker_paper(key: str, paper: Paper, day: date) -> RankerPaper:
    return RankerPaper(key, paper.title, paper.abstract, tuple(paper.categories), day)


# The candidates' features are the same for every reader of the same days: built once and
# kept until the list of papers (or one of their texts) changes. The vocabulary is fitted then
# on the candidates and the papers in readers' libraries (a term a library shares with a single
# candidate survives the two-paper cut-off); papers saved later are read with it.
_pool_lock = threading.Lock()
_pool_cache: dict[str, FeatureSpace] = {}


def readers_texts(db: Database) -> list[str]:
    """Texts of the papers in readers' libraries (saved or upvoted), for fitting a vocabulary."""
    with db.connect() as conn:
        found = for_you_store.readers_paper_texts(conn, MAX_VOCABULARY_PAPERS)
    return [f"{title} {abstract}" for title, abstract in found]


def _pool(
    db: Database, vectors_for: Any, model: str, candidates: list[RankerPaper], candidate_ids: list[int]
) -> FeatureSpace:
    digest = hashlib.sha1(model.encode())
    for paper in candidates:
        digest.update(f"{paper.id}\x00{paper.title}\x00{paper.abstract}\x01".encode())
    key = digest.hexdigest()
    with _pool_lock:
        cached = _pool_cache.get(key)
    if cached is not None:
        return cached
    vectors = vectors_for(candidate_ids, candidates)
    built = FeatureSpace(candidates, vectors, vocabulary_texts=readers_texts(db))
    with _pool_lock:
        _pool_cache.clear()  # one window at a time: the newest days replace the older ones
        _pool_cache[key] = built
    return built


def _space(
    db: Database,
    settings: Settings,
    embedder: Embedder | None,
    papers: dict[str, tuple[int, Paper, date]],
    positives: list[_Positive],
    candidates: list[ListedPaper],
    at: datetime,
) -> FeatureSpace:
    model = settings.embedding_model
    loaded: list[Embedder] = [embedder] if embedder else []

    def vectors_for(ids: list[int], ranker_papers: list[RankerPaper]) -> np.ndarray:
        with db.connect() as conn:
            stored = embedding_store.load_vectors(conn, model, ids)
        missing = [i for i, pid in enumerate(ids) if pid not in stored]
        if missing:
            if not loaded:
                loaded.append(embedder_for(settings))
            computed = loaded[0].embed(
                [embedding_text(ranker_papers[i].title, ranker_papers[i].abstract) for i in missing]
            )
            for row, i in enumerate(missing):
                stored[ids[i]] = computed[row]
        return np.vstack([stored[pid] for pid in ids]).astype(np.float32)

    pool_papers = [_ranker_paper(p.stored.key, p.stored.paper, p.first_day) for p in candidates]
    pool = _pool(db, vectors_for, model, pool_papers, [p.stored.id for p in candidates])
    extra: list[RankerPaper] = []
    extra_ids: list[int] = []
    with db.connect() as conn:
        ids_by_key = paper_store.ids_by_key(conn, [p.key for p in positives])
    for positive in positives:
        if positive.key not in pool.row and positive.key in ids_by_key:
            day = (positive.paper.published or positive.at).date()
            extra.append(_ranker_paper(positive.key, positive.paper, day))
            extra_ids.append(ids_by_key[positive.key])
    for key, (pid, paper, day) in papers.items():
        if key not in pool.row and key not in ids_by_key:
            extra.append(_ranker_paper(key, paper, day))
            extra_ids.append(pid)
    return pool.extended(extra, vectors_for(extra_ids, extra)) if extra else pool


def title_in_reason(title: str) -> str:
    """A paper's title on one line, short enough to name in a reason."""
    return clip(" ".join(title.split()), TITLE_IN_REASON)


def _reasons(neighbours: list[tuple[_Positive, float]], mark: Any) -> tuple[Reason, ...]:
    reasons: list[Reason] = []
    close = [p for p, similarity in neighbours if similarity >= LIKE_THRESHOLD][:2]
    if close:
        titles = " and ".join(f"“{title_in_reason(p.paper.title)}”" for p in close)
        where = "in your library" if any(p.saved for p in close) else "you upvoted"
        reasons.append(Reason("library", f"like {titles} {where}", tuple(p.key for p in close)))
    tags = Counter(t for p, similarity in neighbours if similarity >= LIKE_THRESHOLD for t in p.tags)
    if tags:
        tag = sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        reasons.append(Reason("tag", f"tag: {tag}"))
    if mark is not None:
        for name in mark.authors:
            reasons.append(Reason("follow", f"you follow {name}"))
        for category in mark.categories:
            reasons.append(Reason("category", f"you follow {category}"))
    return tuple(reasons)
