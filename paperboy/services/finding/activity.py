"""Papers over time: how many papers a search matches each week. Counted by the keyword
index's date histogram (no paper is read), so a trend costs milliseconds even for a query
that matches tens of thousands of papers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from paperboy.index.keyword import KeywordIndex, KeywordQuery

# The chart's reach back from the library's newest week: two years of weekly bars.
TREND_WEEKS = 104


@dataclass(frozen=True)
class WeeklyTrend:
    weeks: tuple[tuple[date, int], ...]  # (Monday, papers), every week of the period
    total: int  # papers in the period

    @property
    def first(self) -> date:
        return self.weeks[0][0]

    @property
    def last(self) -> date:
        return self.weeks[-1][0]


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_trend(index: KeywordIndex, query: KeywordQuery, weeks: int = TREND_WEEKS) -> WeeklyTrend | None:
    """Papers a week with every word, phrase and filter of `query`, over the library's last
    `weeks` weeks (or all of it, if shorter); None when the library has no dated paper."""
    span = index.date_span()
    if span is None:
        return None
    last = monday(span[1])
    first = max(monday(span[0]), last - timedelta(weeks=weeks - 1))
    return weekly_from_days(index.daily_counts(query, all_words=True), first, last)


def weekly_from_days(days: Mapping[date, int], first: date, last: date) -> WeeklyTrend:
    """Daily counts summed into the weeks from Monday `first` to Monday `last`, zeros included."""
    by_week: Counter[date] = Counter()
    for day, count in days.items():
        week = monday(day)
        if first <= week <= last:
            by_week[week] += count
    filled = []
    week = first
    while week <= last:
        filled.append((week, by_week.get(week, 0)))
        week += timedelta(weeks=1)
    return WeeklyTrend(tuple(filled), sum(by_week.values()))
