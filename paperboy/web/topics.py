"""The topic map (/map) and topic pages (/topics/PERIOD/DAY/N). Parse, call the topic map
service, render."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from paperboy.search import parse_query
from paperboy.search.query import QuerySyntaxError
from paperboy.services.feed import Period, latest_feed_day, period_bounds
from paperboy.services.insight.topic_map import MapPoint, Topic, TopicMap, map_revision, topic_map
from paperboy.store import changes as change_store
from paperboy.web.charts import bar_chart, weekly_bars
from paperboy.web.context import AppContext, Context, SearchUnavailableError
from paperboy.web.errors import not_found
from paperboy.web.map_svg import map_svg
from paperboy.web.params import DayParam, PageNumber, PeriodParam, SearchText, parse_day
from paperboy.web.presenters import map_url
from paperboy.web.rendering import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

TOPIC_PER_PAGE = 50


def topic_url(found: TopicMap, number: int) -> str:
    return f"/topics/{found.period}/{found.first_day.isoformat()}/{number + 1}"


@router.get("/map")
def map_page(
    context: Context,
    request: Request,
    day: DayParam = None,
    period: PeriodParam = "week",
    q: SearchText = "",
) -> HTMLResponse:
    """The period's papers as points coloured by topic, a search's papers marked on it."""
    chosen = day or latest_feed_day(context.db)
    if chosen is None:
        return render(request, "empty.html")
    found = _map(context, chosen, period)
    highlighted, problem, status = None, None, 200
    if q.strip():
        try:
            parsed = parse_query(q)
            index = context.search().keyword_index
            highlighted = index.matching_ids(parsed, [p.paper_id for p in found.points], all_words=True)
        except QuerySyntaxError as exc:
            problem, status = exc.message, 400
        except SearchUnavailableError as exc:
            problem, status = str(exc), 503
    by_topic: dict[int, list[MapPoint]] = {}
    for point in found.points:
        by_topic.setdefault(point.topic, []).append(point)
    return render(
        request,
        "map.html",
        status_code=status,
        found=found,
        day=chosen,
        period=period,
        q=q,
        svg=_plain_svg(context, found) if highlighted is None else map_svg(found, highlighted),
        highlighted=highlighted,
        problem=problem,
        by_topic=by_topic,
        topic_url=lambda n: topic_url(found, n),
    )


@router.get("/topics/{period}/{first_day}/{number}")
def topic_page(
    context: Context,
    request: Request,
    period: Period,
    first_day: str,
    number: Annotated[int, Path(ge=1, le=1000)],
    page: PageNumber = 1,
) -> HTMLResponse:
    """One topic of a period's map: its papers with the feed's cards, and its phrase's trend."""
    found = _map(context, parse_day(first_day, "first_day"), period)
    topic = found.topic(number - 1)
    if topic is None:
        raise not_found(f"The map of this {period} has {len(found.topics)} topics, not {number}.", "number")
    members = found.papers_of(topic.number)
    pages = max(1, -(-len(members) // TOPIC_PER_PAGE))
    if page > pages:
        raise not_found(f"Page {page} is past the last page ({pages}).", "page")
    shown = members[(page - 1) * TOPIC_PER_PAGE : page * TOPIC_PER_PAGE]
    with context.db.connect() as conn:
        stored = change_store.papers_by_id(conn, [p.paper_id for p in shown])
    items = [(stored[p.paper_id].key, stored[p.paper_id].paper) for p in shown if p.paper_id in stored]
    trend_chart, trend_phrase = _topic_trend(context, topic)
    return render(
        request,
        "topic.html",
        found=found,
        topic=topic,
        items=items,
        page=page,
        pages=pages,
        per_page=TOPIC_PER_PAGE,
        chart=trend_chart,
        trend_phrase=trend_phrase,
        map_link=map_url(found.first_day, found.period),
    )


def _map(context: AppContext, day: date, period: str) -> TopicMap:
    """The map, remembered in the process by what it was computed from (a file cache
    behind it survives restarts)."""
    first, _ = period_bounds(day, period)  # type: ignore[arg-type]
    revision = map_revision(context.db, context.settings)
    return context.remembered(
        ("map", period, first, revision),
        lambda: topic_map(context.db, context.settings, first, period),  # type: ignore[arg-type]
    )


def _plain_svg(context: AppContext, found: TopicMap) -> Markup:
    """The map without a search marked, drawn once per map and process (2,400 points take
    tens of milliseconds to write)."""
    key = ("map-svg", found.period, found.first_day, found.revision)
    return context.remembered(key, lambda: map_svg(found))


def _topic_trend(context: AppContext, topic: Topic) -> tuple[Markup | None, str | None]:
    """Papers per week with the topic's first phrase, over the library (the trend chart of
    search pages): a topic exists only within its period's map, its phrase everywhere."""
    if not topic.labels:
        return None, None
    phrase = topic.labels[0].replace('"', " ")
    try:
        trend = context.search().trend(f'"{phrase}"')
    except (SearchUnavailableError, QuerySyntaxError):
        return None, phrase
    if trend is None or trend.total == 0:
        return None, phrase
    return bar_chart(weekly_bars(trend.weeks), f"Papers with the phrase {phrase} per week", "trend"), phrase
