"""Query parameters every route shares, with limits and messages people can act on."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import AfterValidator, BeforeValidator

from paperboy.domain.categories import is_category
from paperboy.domain.clock import DAY_RANGE, day_in_range
from paperboy.domain.search_modes import Mode as SearchMode
from paperboy.web.errors import bad_request

MAX_PAGE = 10_000
MAX_QUERY_CHARS = 10_000
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Period = Literal["day", "week", "month"]


def _blank_is_missing(value: Any) -> Any:
    """A form's empty field (after=&cat=) means "not given", not a bad value."""
    return None if isinstance(value, str) and not value.strip() else value


BlankIsMissing = BeforeValidator(_blank_is_missing)
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Page number, 1 to {MAX_PAGE:,}.")]
PeriodParam = Annotated[Period, Query(description="How much of the calendar around the date to list.")]
SearchText = Annotated[
    str,
    Query(
        max_length=MAX_QUERY_CHARS,
        description='Words, "phrases", author:, cat:, after:, before:, has:code, kw: (a key phrase).',
    ),
]
SortParam = Annotated[
    Literal["trending", "newest", "discussed"],
    Query(description="trending (default: most upvoted, recent votes counting most), newest or discussed."),
]
ModeParam = Annotated[
    SearchMode, Query(description="hybrid (default), keyword (BM25) or semantic (embeddings).")
]


def _check_category(value: str | None) -> str | None:
    if value is not None and (len(value) > 40 or not is_category(value)):
        raise ValueError(
            f"{value[:40]!r} is not in the expected form (e.g. cs.LG, or cs for a whole archive)"
        )
    return value


CategoryParam = Annotated[
    str | None,
    BlankIsMissing,
    AfterValidator(_check_category),
    Query(alias="cat", description="arXiv category such as cs.LG, or an archive such as cs."),
]


def _check_day(value: date | None) -> date | None:
    # Out-of-range days would overflow downstream (a day or a week added, the index's dates).
    if value is not None and not day_in_range(value):
        raise ValueError(f"must be a date from {DAY_RANGE}, not {value.isoformat()}")
    return value


DayParam = Annotated[
    date | None,
    BlankIsMissing,
    AfterValidator(_check_day),
    Query(description=f"YYYY-MM-DD, from {DAY_RANGE}"),
]


def parse_day(text: str, field: str = "date") -> date:
    """A YYYY-MM-DD date from a path or parameter, or a message saying what is wrong."""
    if not DATE_PATTERN.match(text):
        raise bad_request(f"{text[:40]!r} is not a date; use YYYY-MM-DD, e.g. 2024-05-31.", field)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise bad_request(f"{text} is not a real calendar date.", field) from None
    if not day_in_range(day):
        raise bad_request(f"{text} is out of range; use a date from {DAY_RANGE}.", field)
    return day
