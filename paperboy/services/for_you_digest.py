"""For-you digests: each subscriber's top papers of an edition's period, composed per reader.

A for-you subscription belongs to an address; its digest is ranked from the library of the
account with that address (the account a reader signs in to by a link mailed there), so a
mailbox only ever receives its own account's list. No account, or an empty library: nothing
to send, and the delivery is recorded empty.

Ten thousand readers cannot each pay the per-reader SVM of the page's ranker (~100+ ms), so
digests rank with the ranker's fast mode (paperboy.rank.for_you_fast; its measured quality
cost is in docs/recommendations.md). What every reader shares is built once per run: the
period's papers, their vectors and tf-idf rows. A batch of readers is read with a few queries.
Composing is deterministic (ties broken by paper), so a retry composes from the reader's
library as it is then, and the ledger's one row per (subscription, edition) sends it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import numpy as np

from paperboy.config import Settings
from paperboy.digest.compose import DigestContent, digest_paper
from paperboy.domain import Paper
from paperboy.domain.library import Follow
from paperboy.embed import Embedder
from paperboy.rank.for_you import FeatureSpace, RankerPaper
from paperboy.rank.for_you_fast import rank_for_reader_fast
from paperboy.services.for_you import LIKE_THRESHOLD, MAX_CANDIDATES, MAX_LIBRARY
from paperboy.services.indexing import embedder_for, embedding_text
from paperboy.services.library.feedback import NOT_INTERESTED
from paperboy.services.library.follows import FollowMatcher
from paperboy.services.subscriptions import FOR_YOU_DEFAULT_COUNT
from paperboy.store import Database
from paperboy.store import embeddings as embedding_store
from paperboy.store import for_you as store
from paperboy.store.deliveries import Edition
from paperboy.store.papers import row_to_paper
from paperboy.store.subscriptions import SubscriptionRow

FOLLOWED_AUTHOR_BOOST = 1.0
TITLE_IN_REASON = 70


@dataclass
class _Reader:
    library: list[tuple[datetime, str]] = field(default_factory=list)  # (when, key), any order
    tags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    follows: list[Follow] = field(default_factory=list)


class ForYouDigests:
    """The for-you digests of one edition, for one run: the shared pool is built on first use."""

    def __init__(
        self, db: Database, settings: Settings, edition: Edition, embedder: Embedder | None = None
    ) -> None:
        self.db = db
        self.settings = settings
        self.edition = edition
        self._embedder = embedder
        self._pool: FeatureSpace | None = None
        self._candidates: list[str] = []
        self._papers: dict[str, Paper] = {}
        self._titles: dict[str, str] = {}

    def contents(self, subscriptions: Sequence[SubscriptionRow]) -> dict[int, DigestContent | None]:
        """Each subscription's digest (None: nothing to send), by subscription id."""
        pool = self._built_pool()
        found: dict[int, DigestContent | None] = {s.id: None for s in subscriptions}
        if pool is None or not subscriptions:
            return found
        with self.db.connect() as conn:
            users = store.users_by_emails(conn, sorted({s.email for s in subscriptions}))
            rows = store.signals_of_users(conn, sorted(set(users.values())), NOT_INTERESTED)
        readers: dict[int, _Reader] = {uid: _Reader() for uid in users.values()}
        ids_by_key: dict[str, int] = {}
        for uid, key, pid, saved_at, tags in rows.saved:
            readers[uid].library.append((saved_at, key))
            readers[uid].tags[key] = tuple(tags or ())
            ids_by_key[key] = pid
        for uid, key, pid, voted_at in rows.voted:
            if key not in readers[uid].tags:
                readers[uid].library.append((voted_at, key))
                ids_by_key[key] = pid
        for uid, key, pid in rows.refused:
            readers[uid].refused.append(key)
            ids_by_key[key] = pid
        for uid, kind, value, created_at in rows.followed:
            readers[uid].follows.append(Follow(kind, value, created_at))
        space = self._with_papers(pool, ids_by_key)
        for sub in subscriptions:
            uid = users.get(sub.email)
            if uid is not None and readers[uid].library:
                found[sub.id] = self._content(space, sub, readers[uid])
        return found

    # -- the shared pool ---------------------------------------------------------------

    def _built_pool(self) -> FeatureSpace | None:
        if self._pool is None and not self._candidates:
            with self.db.connect() as conn:
                listed = store.listed_papers_between(
                    conn, self.edition.period_start, self.edition.period_end, MAX_CANDIDATES
                )
            if not listed:
                return None
            papers = [
                _ranker_paper(r.id, r.key, r.title, r.abstract, r.categories, r.first_day) for r in listed
            ]
            self._candidates = [r.key for r in listed]
            self._papers = {r.key: row_to_paper(r) for r in listed}
            self._titles = {r.key: r.title for r in listed}
            self._pool = FeatureSpace(papers, self._vectors([r.id for r in listed], papers))
        return self._pool

    def _with_papers(self, pool: FeatureSpace, ids_by_key: dict[str, int]) -> FeatureSpace:
        """The pool plus the batch's library and refused papers not in it (read with its vocabulary)."""
        wanted = sorted(pid for key, pid in ids_by_key.items() if key not in pool.row)
        if not wanted:
            return pool
        with self.db.connect() as conn:
            rows = store.ranker_rows(conn, wanted)
        extra = [_ranker_paper(r.id, r.key, r.title, r.abstract, r.categories, r.published) for r in rows]
        for r in rows:
            self._titles.setdefault(r.key, r.title)
        return pool.extended(extra, self._vectors([r.id for r in rows], extra))

    def _vectors(self, paper_ids: list[int], papers: list[RankerPaper]) -> np.ndarray:
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

    # -- one reader ----------------------------------------------------------------------

    def _content(self, space: FeatureSpace, sub: SubscriptionRow, reader: _Reader) -> DigestContent | None:
        count = int(sub.filters.get("count") or FOR_YOU_DEFAULT_COUNT)
        least = float(sub.filters.get("min_score") or "-inf")
        newest_first = [k for _, k in sorted(reader.library, reverse=True) if k in space.row][:MAX_LIBRARY]
        if not newest_first:
            return None
        saved = set(newest_first)
        candidates = [k for k in self._candidates if k not in saved]
        if not candidates:
            return None
        matcher = FollowMatcher(reader.follows)
        boost = None
        if matcher.authors:
            boost = [
                FOLLOWED_AUTHOR_BOOST
                if (m := matcher.mark(k, [a.name for a in self._papers[k].authors], ())) and m.authors
                else 0.0
                for k in candidates
            ]
        ranking = rank_for_reader_fast(
            space,
            newest_first,
            candidates,
            not_interested=[k for k in reader.refused if k in space.row],
            followed_categories=matcher.categories,
            boost=boost,
            neighbours=2,
            top=count,
        )
        papers = []
        for key, score, neighbours in zip(
            ranking.candidates, ranking.scores, ranking.neighbours, strict=True
        ):
            if score < least or score == float("-inf"):
                break
            paper = self._papers[key]
            why = self._why(neighbours, reader, matcher, key, paper)
            papers.append(replace(digest_paper(self.settings, key, paper), why=why))
        if not papers:
            return None
        day = _long_date(self.edition.period_end)
        when = f"of {day}" if self.edition.frequency == "daily" else f"of the week to {day}"
        return DigestContent(
            subject=f"Paperboy for you: {len(papers)} papers {when}",
            heading=f"For you: papers {when}",
            intro=f"The {len(papers)} best of {len(self._candidates)} new papers for you, ranked from "
            f"the {len(newest_first)} papers in your library and your upvotes.",
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
            titles = " and ".join(f"“{_short(self._titles.get(k, k))}”" for k in close)
            where = "in your library" if any(reader.tags.get(k) is not None for k in close) else "you upvoted"
            reasons.append(f"like {titles} {where}")
            tags = sorted({t for k in close for t in reader.tags.get(k, ())})
            if tags:
                reasons.append(f"tag: {tags[0]}")
        mark = matcher.mark(key, [a.name for a in paper.authors], paper.categories) if matcher else None
        if mark is not None:
            reasons.extend(f"you follow {name}" for name in (*mark.authors, *mark.categories))
        return " · ".join(reasons)


def _ranker_paper(
    pid: int, key: str, title: str, abstract: str, categories: str, when: object
) -> RankerPaper:
    day = when.date() if isinstance(when, datetime) else when if isinstance(when, date) else date.min
    return RankerPaper(key, title, abstract or "", tuple((categories or "").split()), day)


def _short(title: str) -> str:
    text = " ".join(title.split())
    return text if len(text) <= TITLE_IN_REASON else text[: TITLE_IN_REASON - 1].rstrip() + "…"


def _long_date(day: date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"
