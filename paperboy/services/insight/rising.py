"""Rising categories and topics: which arXiv categories, and which key phrases (the papers'
stored keywords, so a topic in the reader's words), took a larger share of the feed in the
week ending on a day than in the weeks before it. A share, not a count, so a busy week does
not make everything "rise"; counts are smoothed so a category or a phrase new this week
needs real numbers to top the list."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from paperboy.domain.keyphrases import overlaps
from paperboy.store import Database
from paperboy.store import feed as feed_store

WEEKS_BEFORE = 4
MIN_PAPERS = 10  # this week, so a handful of papers cannot make a category "rise"
MIN_GROWTH = 1.2  # shown only when the share grew by at least a fifth
SHOWN = 5
# A phrase is on few papers even when it is busy: 5 this week, and a prior of two papers'
# worth on the weeks before, so one group's five papers on a new name need a real rise.
MIN_PHRASE_PAPERS = 5
PHRASE_PRIOR = 2
MIN_PHRASE_GROWTH = 1.5
PHRASES_SHOWN = 8


@dataclass(frozen=True, slots=True)
class RisingCategory:
    category: str
    papers: int  # this week
    share: float  # of this week's papers
    share_before: float  # of the papers of the weeks before (smoothed by one)

    @property
    def growth(self) -> float:
        return self.share / self.share_before


@dataclass(frozen=True, slots=True)
class RisingPhrase:
    phrase: str  # as most of this week's papers write it
    papers: int  # this week's papers with it
    share: float  # of this week's papers
    share_before: float  # of the papers of the weeks before (with the prior)

    @property
    def growth(self) -> float:
        return self.share / self.share_before


@dataclass(frozen=True)
class RisingReport:
    first_day: date  # the week: first_day .. last_day
    last_day: date
    weeks_before: int  # weeks before it that had papers (the baseline)
    categories: tuple[RisingCategory, ...]  # fastest growing first
    phrases: tuple[RisingPhrase, ...] = ()  # fastest growing first, none inside a better one


def rising_shares(
    now: Counter[str],
    before: Counter[str],
    total_now: int,
    total_before: int,
    *,
    prior: int,
    prior_total: int,
    min_count: int,
    min_growth: float,
) -> list[tuple[str, int, float, float]]:
    """(item, count now, share now, share before) of each item counted at least min_count
    times now whose share grew by at least min_growth, fastest growing first (ties by item).

    The share before is smoothed: (before[item] + prior) / (total_before + prior_total), so
    an item absent before has a share, not zero. Nothing rises when either total is zero."""
    if not total_now or not total_before:
        return []
    rises = []
    for item, count in now.items():
        if count < min_count:
            continue
        share, share_before = count / total_now, (before[item] + prior) / (total_before + prior_total)
        if share / share_before >= min_growth:
            rises.append((item, count, share, share_before))
    rises.sort(key=lambda rise: (-(rise[2] / rise[3]), rise[0]))
    return rises


def rising_categories(db: Database, last_day: date, weeks_before: int = WEEKS_BEFORE) -> RisingReport | None:
    """The week ending on `last_day` against up to `weeks_before` weeks before it; None when
    there is no earlier week with papers to compare against."""
    first_day = last_day - timedelta(days=6)
    start = first_day - timedelta(weeks=weeks_before)
    with db.connect() as conn:
        rows = feed_store.primary_categories_by_day(conn, start, last_day)
    now: Counter[str] = Counter()
    before: Counter[str] = Counter()
    weeks_with_papers: set[int] = set()
    for day, category, count in rows:
        if day >= first_day:
            now[category] += count
        else:
            before[category] += count
            weeks_with_papers.add((first_day - day - timedelta(days=1)).days // 7)
    total_now, total_before = sum(now.values()), sum(before.values())
    if not total_now or not total_before:
        return None
    # Smoothed by one paper per category seen in either period.
    kinds = len(now.keys() | before.keys())
    found = [
        RisingCategory(*rise)
        for rise in rising_shares(
            now,
            before,
            total_now,
            total_before,
            prior=1,
            prior_total=kinds,
            min_count=MIN_PAPERS,
            min_growth=MIN_GROWTH,
        )
    ]
    with db.connect() as conn:
        keyword_rows = feed_store.keywords_by_day(conn, start, last_day)
    phrases = rising_phrases(keyword_rows, first_day)
    return RisingReport(first_day, last_day, len(weeks_with_papers), tuple(found[:SHOWN]), phrases)


def rising_phrases(rows: list[tuple[date, list[str]]], first_day: date) -> tuple[RisingPhrase, ...]:
    """The key phrases whose share of the papers from first_day on grew most against the
    papers before it; rows are (day first listed, key phrases) of each paper."""
    now: Counter[str] = Counter()
    before: Counter[str] = Counter()
    written: dict[str, Counter[str]] = {}
    papers_now = papers_before = 0
    for day, keywords in rows:
        lowered = {k.lower() for k in keywords}
        if day >= first_day:
            papers_now += 1
            now.update(lowered)
            for k in keywords:
                written.setdefault(k.lower(), Counter())[k] += 1
        else:
            papers_before += 1
            before.update(lowered)
    if not papers_now or not papers_before:
        return ()
    rises = rising_shares(
        now,
        before,
        papers_now,
        papers_before,
        prior=PHRASE_PRIOR,
        prior_total=PHRASE_PRIOR,
        min_count=MIN_PHRASE_PAPERS,
        min_growth=MIN_PHRASE_GROWTH,
    )
    found = [
        RisingPhrase(written[p].most_common(1)[0][0], n, share, earlier) for p, n, share, earlier in rises
    ]
    chosen: list[RisingPhrase] = []
    for candidate in found:
        if not any(overlaps(candidate.phrase.lower(), c.phrase.lower()) for c in chosen):
            chosen.append(candidate)
        if len(chosen) == PHRASES_SHOWN:
            break
    return tuple(chosen)
