"""Rising categories: which arXiv categories took a larger share of the feed in the week
ending on a day than in the weeks before it. A share, not a count, so a busy week does not
make every category "rise"; counts are smoothed by one so a category new this week needs
real numbers to top the list."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from paperboy.store import Database
from paperboy.store import feed as feed_store

WEEKS_BEFORE = 4
MIN_PAPERS = 10  # this week, so a handful of papers cannot make a category "rise"
MIN_GROWTH = 1.2  # shown only when the share grew by at least a fifth
SHOWN = 5


@dataclass(frozen=True, slots=True)
class RisingCategory:
    category: str
    papers: int  # this week
    share: float  # of this week's papers
    share_before: float  # of the papers of the weeks before (smoothed by one)

    @property
    def growth(self) -> float:
        return self.share / self.share_before


@dataclass(frozen=True)
class RisingReport:
    first_day: date  # the week: first_day .. last_day
    last_day: date
    weeks_before: int  # weeks before it that had papers (the baseline)
    categories: tuple[RisingCategory, ...]  # fastest growing first


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
    return RisingReport(first_day, last_day, len(weeks_with_papers), tuple(found[:SHOWN]))
