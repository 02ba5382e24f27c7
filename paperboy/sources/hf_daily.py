"""Hugging Face daily papers: GET /api/daily_papers?date=YYYY-MM-DD, a JSON list.

Field names, as Hugging Face's OpenAPI-generated client types and huggingface_hub's
PaperInfo read them (see docs/sources.md for where they were established):

    [{"paper": {"id": "2405.00001", "title", "summary", "publishedAt",
                "authors": [{"name", "hidden", ...}], "upvotes", "githubRepo"?,
                "ai_summary"?, "submittedOnDailyBy"?: {"name", "fullname", ...}},
      "title", "summary", "publishedAt", "numComments", "thumbnail",
      "submittedBy": {"name", "fullname", ...}}, ...]

The paper's own fields (paper.title, paper.summary) are preferred; the item's copies
are the fallback. Upvotes live on the paper, the submitter on the item.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from paperboy.domain import (
    Author,
    FeedEntry,
    InvalidArxivId,
    Paper,
    Rejection,
    SourceItem,
    SourceRecord,
    parse_arxiv_id,
)
from paperboy.domain.clock import naive_utc
from paperboy.sources.errors import SourceError

SOURCE = "hf"


class BadItemError(ValueError):
    """An item of the list that cannot become a paper; the message names the field."""


def read_daily_papers(body: bytes, url: str, day: date) -> Iterator[SourceItem]:
    """Yield a SourceRecord per good item and a Rejection ("url item N") per bad one.

    Raises SourceError naming url when the body is not JSON or not a list.
    """
    try:
        items = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(f"{url}: response is not JSON ({exc}); starts {body[:80]!r}") from None
    if not isinstance(items, list):
        raise SourceError(f"{url}: expected a JSON list of daily papers, got {type(items).__name__}")
    for index, item in enumerate(items):
        location = f"{url} item {index}"
        try:
            paper, entry = daily_item(item, day)
        except BadItemError as exc:
            yield Rejection(location, str(exc))
            continue
        yield SourceRecord(paper, f"{location} ({paper.arxiv_id})", entry)


def daily_item(item: Any, day: date) -> tuple[Paper, FeedEntry]:
    """One list item as a Paper and its FeedEntry on day; raise BadItemError naming the field."""
    if not isinstance(item, dict):
        raise BadItemError(f"expected an object, got {type(item).__name__}")
    paper = item.get("paper")
    if not isinstance(paper, dict):
        raise BadItemError("paper is missing or not an object")
    raw_id = paper.get("id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        raise BadItemError("paper.id is missing")
    try:
        arxiv_id, version = parse_arxiv_id(raw_id)
    except InvalidArxivId as exc:
        raise BadItemError(f"paper.id: {exc}") from None
    title = _string(paper, "title") or _string(item, "title")
    abstract = _string(paper, "summary") or _string(item, "summary")
    if not title:
        raise BadItemError("paper.title is missing")
    if not abstract:
        raise BadItemError("paper.summary is missing")
    upvotes = paper.get("upvotes", 0)
    # JSON numbers may come as 12.0; booleans are ints in Python but not upvotes.
    if isinstance(upvotes, bool) or not isinstance(upvotes, (int, float)) or upvotes < 0:
        raise BadItemError(f"paper.upvotes {upvotes!r} is not a count")
    return (
        Paper(
            title=title,
            abstract=abstract,
            source=SOURCE,
            arxiv_id=arxiv_id,
            version=version,
            authors=_authors(paper.get("authors")),
            published=_datetime(paper.get("publishedAt"), "paper.publishedAt"),
            code_url=_github(paper.get("githubRepo")),
        ),
        FeedEntry(day=day, origin="hf", submitted_by=_submitter(item, paper), upvotes=int(upvotes)),
    )


def _string(record: dict[str, Any], field: str) -> str:
    value = record.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadItemError(f"{field} should be a string, got {type(value).__name__}")
    return value.strip()


def _authors(value: Any) -> tuple[Author, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise BadItemError("paper.authors should be a list")
    names = []
    for author in value:
        name = author.get("name") if isinstance(author, dict) else None
        if not isinstance(name, str):
            raise BadItemError(f"paper.authors: {str(author)[:60]} has no name")
        if name.strip():
            names.append(Author(name=" ".join(name.split())))
    return tuple(names)


def _submitter(item: dict[str, Any], paper: dict[str, Any]) -> str | None:
    """The submitter's Hub user name (stable, unlike the display name), if any.

    Newer responses carry it as item.submittedBy, older ones as paper.submittedOnDailyBy
    (whose user name was once under "user").
    """
    for who in (item.get("submittedBy"), paper.get("submittedOnDailyBy")):
        if isinstance(who, dict):
            for key in ("name", "user", "fullname"):
                value = who.get(key)
                if isinstance(value, str) and value.strip():
                    return value.strip()[:200]
    return None


def _github(value: Any) -> str | None:
    # An odd value here is no reason to lose the paper: keep it without a code link.
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return value.strip()
    return None


def _datetime(value: Any, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise BadItemError(f"{field} should be an ISO date-time string")
    try:
        return naive_utc(datetime.fromisoformat(value))
    except ValueError:
        raise BadItemError(f"{field} {value[:40]!r} is not an ISO date-time") from None
