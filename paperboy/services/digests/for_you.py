"""For-you digests: each subscriber's top papers of an edition's period, composed per reader.

A for-you subscription belongs to an address; its digest is ranked from the library of the
account with that address (the account a reader signs in to by a link mailed there), so a
mailbox only ever receives its own account's list. No account, or an empty library: nothing
to send, and the delivery is recorded empty.

Ten thousand readers cannot each pay the per-reader SVM of the page's ranker (~100+ ms), so
digests rank with the ranker's fast mode (paperboy.rank.for_you_fast; its measured quality
cost is in docs/recommendations.md). What every reader shares is built once per run: the
period's papers, their vectors and tf-idf rows, and each library paper's rows the first time
a batch needs it. A batch of readers is read with a few queries and ranked with two matrix
products. Composing is deterministic (ties broken by paper), so a retry composes from the
reader's library as it is then, and the ledger's one row per (subscription, edition) sends
it at most once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import numpy as np

from paperboy.config import Settings
from paperboy.digest.compose import DigestContent, DigestPaper, digest_paper
from paperboy.domain import Paper, StoredPaper
from paperboy.domain.library import Follow
from paperboy.domain.subscriptions import FOR_YOU_DEFAULT_COUNT, Subscription
from paperboy.embed import Embedder
from paperboy.rank.for_you import FeatureSpace, RankerPaper, Ranking
from paperboy.rank.for_you_fast import CandidateFeatures, FastReader, rank_readers_fast, similarities
from paperboy.services.finding.indexing import embedder_for, embedding_text
from paperboy.services.library.feedback import NOT_INTERESTED
from paperboy.services.library.follows import FollowMatcher
from paperboy.services.library.for_you import (
    FOLLOWED_AUTHOR_BOOST,
    LIKE_THRESHOLD,
    MAX_CANDIDATES,
    MAX_LIBRARY,
    readers_texts,
    title_in_reason,
)
from paperboy.store import Database
from paperboy.store import embeddings as embedding_store
from paperboy.store import for_you as store
from paperboy.store.deliveries import Edition


@dataclass
class _Reader:
    library: list[tuple[datetime, str]] = field(default_factory=list)  # (when, key), any order
    tags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    follows: list[Follow] = field(default_factory=list)


class ForYouDigests:
    """The for-you digests of one edition, for one run: shared features are built on first use."""

    def __init__(
        self, db: Database, settings: Settings, edition: Edition, embedder: Embedder | None = None
    ) -> None:
        self.db = db
        self.settings = settings
        self.edition = edition
        self._embedder = embedder
        self._pool: FeatureSpace | None = None
        self._features: CandidateFeatures | None = None
        self._papers: dict[str, Paper] = {}
        self._titles: dict[str, str] = {}
        # Library and refused papers met so far: their row in _vectors and _tfidf, categories.
        self._row: dict[str, int] = {}
        self._categories: list[tuple[str, ...]] = []
        # Their cosines to every candidate (embeddings, tf-idf), computed once per paper.
        self._likeness = np.zeros((0, 0), dtype=np.float32)
        self._words = np.zeros((0, 0), dtype=np.float32)

    def contents(self, subscriptions: Sequence[Subscription]) -> dict[int, DigestContent | None]:
        """Each subscription's digest (None: nothing to send), by subscription id."""
        features = self._built_features()
        found: dict[int, DigestContent | None] = {s.id: None for s in subscriptions}
        if features is None or not subscriptions:
            return found
        with self.db.connect() as conn:
            users = store.users_by_emails(conn, sorted({s.email for s in subscriptions}))
            signals = store.signals_of_users(conn, sorted(set(users.values())), NOT_INTERESTED)
        readers: dict[int, _Reader] = {uid: _Reader() for uid in users.values()}
        ids_by_key: dict[str, int] = {}
        for uid, of_reader in signals.items():
            reader = readers[uid]
            for saved in of_reader.saved:
                reader.library.append((saved.marked_at, saved.key))
                reader.tags[saved.key] = saved.tags
                ids_by_key[saved.key] = saved.paper_id
            for voted in of_reader.upvoted:
                if voted.key not in reader.tags:
                    reader.library.append((voted.marked_at, voted.key))
                    ids_by_key[voted.key] = voted.paper_id
            for refused in of_reader.refused:
                reader.refused.append(refused.key)
                ids_by_key[refused.key] = refused.paper_id
            reader.follows.extend(of_reader.follows)
        self._learn(ids_by_key)
        wanted = [
            s for s in subscriptions if users.get(s.email) is not None and readers[users[s.email]].library
        ]
        if not wanted:
            return found
        batch_keys = sorted({k for s in wanted for k in _keys_of(readers[users[s.email]])})
        local = {key: i for i, key in enumerate(batch_keys)}
        rows_of_batch = np.array([self._row[k] for k in batch_keys], dtype=np.int64)
        fast_readers, matchers, counts = [], [], []
        for sub in wanted:
            reader = readers[users[sub.email]]
            newest_first = [k for _, k in sorted(reader.library, reverse=True)][:MAX_LIBRARY]
            matcher = FollowMatcher(reader.follows)
            own = [features.index[k] for k in (*newest_first, *reader.refused) if k in features.index]
            fast_readers.append(
                FastReader(
                    library=np.array([local[k] for k in newest_first], dtype=np.int64),
                    library_keys=newest_first,
                    library_categories=[self._categories[self._row[k]] for k in newest_first],
                    not_interested=np.array([local[k] for k in reader.refused], dtype=np.int64),
                    followed_categories=matcher.categories,
                    boost=self._author_boost(matcher, features) if matcher.authors else None,
                    excluded=np.array(own, dtype=np.int64),
                )
            )
            matchers.append(matcher)
            counts.append(int(sub.filters.get("count") or FOR_YOU_DEFAULT_COUNT))
        rankings = rank_readers_fast(
            features,
            self._likeness[rows_of_batch],
            self._words[rows_of_batch],
            fast_readers,
            neighbours=2,
            top=max(counts),
        )
        for sub, ranking, matcher, count in zip(wanted, rankings, matchers, counts, strict=True):
            reader = readers[users[sub.email]]
            least = float(sub.filters.get("min_score") or "-inf")
            found[sub.id] = self._content(ranking, reader, matcher, count, least)
        return found

    # -- what the readers share ----------------------------------------------------------

    def _built_features(self) -> CandidateFeatures | None:
        if self._features is None and self._pool is None:
            with self.db.connect() as conn:
                listed = store.listed_papers_between(
                    conn, self.edition.period_start, self.edition.period_end, MAX_CANDIDATES
                )
            if not listed:
                return None
            papers = [_ranker_paper(p.stored, p.first_day) for p in listed]
            self._papers = {p.stored.key: p.stored.paper for p in listed}
            self._titles = {p.stored.key: p.stored.paper.title for p in listed}
            vectors = self._vectors_of([p.stored.id for p in listed], papers)
            self._pool = FeatureSpace(papers, vectors, vocabulary_texts=readers_texts(self.db))
            self._features = CandidateFeatures(papers, self._pool.vectors, self._pool.tfidf)
        return self._features

    def _learn(self, ids_by_key: dict[str, int]) -> None:
        """The cosines to every candidate of papers not met before (embeddings, and tf-idf read
        with the candidates' vocabulary): about 8 bytes per paper and candidate, so a run over
        15,000 library papers and 1,000 candidates holds about 120 MB."""
        assert self._pool is not None and self._features is not None
        new = sorted(pid for key, pid in ids_by_key.items() if key not in self._row)
        if not new:
            return
        with self.db.connect() as conn:
            met = store.papers_by_ids(conn, new)
        papers = [_ranker_paper(p, p.paper.published) for p in met]
        vectors = self._vectors_of([p.id for p in met], papers)
        tfidf = self._pool.vectorizer.transform([p.text for p in papers]).tocsr()
        start = len(self._row)
        for i, (stored, paper) in enumerate(zip(met, papers, strict=True)):
            self._row[stored.key] = start + i
            self._categories.append(paper.categories)
            self._titles.setdefault(stored.key, stored.paper.title)
        likeness, words = similarities(self._features, vectors, tfidf)
        self._likeness = likeness if not start else np.vstack([self._likeness, likeness])
        self._words = words if not start else np.vstack([self._words, words])

    def _vectors_of(self, paper_ids: list[int], papers: list[RankerPaper]) -> np.ndarray:
        with self.db.connect() as conn:
            stored = embedding_store.load_vectors(conn, self.settings.embedding_model, paper_ids)
        missing = [i for i, pid in enumerate(paper_ids) if pid not in stored]
        if missing:
            if self._embedder is None:
                self._embedder = embedder_for(self.settings)
            computed = self._embedder.embed(
                [embedding_text(papers[i].title, papers[i].abstract) for i in missing]
            )
            for row, i in enumerate(missing):
                stored[paper_ids[i]] = computed[row]
        return np.vstack([stored[pid] for pid in paper_ids]).astype(np.float32)

    def _author_boost(self, matcher: FollowMatcher, features: CandidateFeatures) -> np.ndarray:
        boost = np.zeros(len(features))
        for i, key in enumerate(features.ids):
            mark = matcher.mark(key, [a.name for a in self._papers[key].authors], ())
            if mark is not None and mark.authors:
                boost[i] = FOLLOWED_AUTHOR_BOOST
        return boost

    # -- one reader ----------------------------------------------------------------------

    def _content(
        self, ranking: Ranking, reader: _Reader, matcher: FollowMatcher, count: int, least: float
    ) -> DigestContent | None:
        papers: list[DigestPaper] = []
        for key, score, neighbours in zip(
            ranking.candidates, ranking.scores, ranking.neighbours, strict=True
        ):
            if len(papers) == count or score < least or score == float("-inf"):
                break
            paper = self._papers[key]
            why = self._why(neighbours, reader, matcher, key, paper)
            papers.append(replace(digest_paper(self.settings, key, paper), why=why))
        if not papers:
            return None
        day = _long_date(self.edition.period_end)
        when = f"of {day}" if self.edition.frequency == "daily" else f"of the week to {day}"
        size = min(len(reader.library), MAX_LIBRARY)
        return DigestContent(
            subject=f"Paperboy for you: {len(papers)} papers {when}",
            heading=f"For you: papers {when}",
            intro=f"The {len(papers)} best of {len(self._papers)} new papers for you, ranked from "
            f"the {size} papers you saved or upvoted.",
            reason=f"you subscribed to your {self.edition.frequency} papers for you",
            papers=tuple(papers),
        )

    def _why(
        self,
        neighbours: list[tuple[str, float]],
        reader: _Reader,
        matcher: FollowMatcher,
        key: str,
        paper: Paper,
    ) -> str:
        reasons = []
        close = [k for k, similarity in neighbours if similarity >= LIKE_THRESHOLD]
        if close:
            titles = " and ".join(f"“{title_in_reason(self._titles.get(k, k))}”" for k in close)
            where = "in your library" if any(k in reader.tags for k in close) else "you upvoted"
            reasons.append(f"like {titles} {where}")
            tags = sorted({t for k in close for t in reader.tags.get(k, ())})
            if tags:
                reasons.append(f"tag: {tags[0]}")
        mark = matcher.mark(key, [a.name for a in paper.authors], paper.categories) if matcher else None
        if mark is not None:
            reasons.extend(f"you follow {name}" for name in (*mark.authors, *mark.categories))
        return " · ".join(reasons)


def _keys_of(reader: _Reader) -> list[str]:
    return [k for _, k in reader.library] + reader.refused


def _ranker_paper(stored: StoredPaper, when: date | datetime | None) -> RankerPaper:
    day = when.date() if isinstance(when, datetime) else when if isinstance(when, date) else date.min
    paper = stored.paper
    return RankerPaper(stored.key, paper.title, paper.abstract or "", paper.categories, day)


def _long_date(day: date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"
