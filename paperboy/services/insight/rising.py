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
    kinds = len(now.keys() | before.keys())
    found = [
        RisingCategory(c, n, n / total_now, (before[c] + 1) / (total_before + kinds))
        for c, n in now.items()
        if n >= MIN_PAPERS
    ]
    found = [r for r in found if r.growth >= MIN_GROWTH]
    found.sort(key=lambda r: (-r.growth, r.category))
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
    found = [
        RisingPhrase(
            written[p].most_common(1)[0][0],
            n,
            n / papers_now,
            (before[p] + PHRASE_PRIOR) / (papers_before + PHRASE_PRIOR),
        )
        for p, n in now.items()
        if n >= MIN_PHRASE_PAPERS
    ]
    found = [r for r in found if r.growth >= MIN_PHRASE_GROWTH]
    found.sort(key=lambda r: (-r.growth, r.phrase.lower()))
    chosen: list[RisingPhrase] = []
    for candidate in found:
        if not any(overlaps(candidate.phrase.lower(), c.phrase.lower()) for c in chosen):
            chosen.append(candidate)
        if len(chosen) == PHRASES_SHOWN:
            break
    return tuple(chosen)
