"""Datetimes are stored as naive UTC; these convert at the edges."""

from __future__ import annotations

from datetime import UTC, date, datetime


def naive_utc(moment: datetime) -> datetime:
    """The same instant as naive UTC (a naive input is taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# The calendar a person may ask about (search filters, feed days, edition days). Wide
# enough for any paper (arXiv starts in 1991), and far enough inside every date type
# downstream (Python's ends at 9999-12-31, the keyword index's at 2262-04-11) that a day
# or a week either side of it never overflows.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)
DAY_RANGE = f"{EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}"


def day_in_range(day: date) -> bool:
    """Whether day lies in EARLIEST_DAY..LATEST_DAY, the dates a person may ask about."""
    return EARLIEST_DAY <= day <= LATEST_DAY
