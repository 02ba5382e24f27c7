"""The trending score: votes that fade with age, so new papers can overtake old favourites.

    score = votes / (age_hours + 2) ** 1.5

votes counts community upvotes plus the highest upvote count a source gave the paper;
age_hours runs from the start (00:00 UTC) of the paper's first day on the list to the
moment the ranking is for. docs/community.md works an example through.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

GRAVITY = 1.5
# Hours added to every age, so a paper listed a minute ago does not divide by almost nothing.
AGE_OFFSET_HOURS = 2.0


def trending_score(votes: int, age_hours: float) -> float:
    """The score of a paper with `votes` votes whose first listing is age_hours old."""
    return votes * day_weight_for_age(age_hours)


def day_weight_for_age(age_hours: float) -> float:
    """What one vote is worth at this age: 1 / (age_hours + 2) ** 1.5 (ages below 0 count as 0)."""
    return float(1.0 / (max(age_hours, 0.0) + AGE_OFFSET_HOURS) ** GRAVITY)


def age_hours(day: date, at: datetime) -> float:
    """Hours from 00:00 UTC of day to at (a naive UTC datetime)."""
    return (at - datetime.combine(day, time())).total_seconds() / 3600


def day_weights(first_day: date, last_day: date, at: datetime) -> dict[date, float]:
    """The weight of one vote for papers first listed on each day of [first_day, last_day], at `at`.

    A paper's age depends only on its first day, so these few numbers rank a whole
    period in SQL: score = votes * weight[first_day].
    """
    weights = {}
    day = first_day
    while day <= last_day:
        weights[day] = day_weight_for_age(age_hours(day, at))
        day += timedelta(days=1)
    return weights
