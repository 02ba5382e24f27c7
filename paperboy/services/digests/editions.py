"""Editions: which are due when, what period each covers, and which papers each lists.

An edition is one issue of one kind and frequency, named for the day it goes out
("trending-daily:2026-11-20", "search-weekly:2026-11-23"). Trending editions list the
feed's top papers of their period; a saved-search alert lists, per subscriber, the papers
matching their query that were first seen since their previous alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from paperboy.config import ConfigError, Settings
from paperboy.digest.compose import DigestContent, DigestPaper, digest_paper
from paperboy.domain.clock import EARLIEST_DAY, naive_utc
from paperboy.domain.errors import UserFacingError
from paperboy.domain.search_modes import MEANING_MODES
from paperboy.domain.subscriptions import describe
from paperboy.domain.text import clip
from paperboy.index.watermark import read_watermark
from paperboy.search.query import QuerySyntaxError
from paperboy.services.digests.subscriptions import SubscriptionError, check_filters
from paperboy.services.feed import feed_page, latest_feed_day, period_bounds
from paperboy.services.finding.indexing import keyword_folder, vector_folder
from paperboy.services.finding.search import SearchService
from paperboy.store import Database, changes
from paperboy.store import deliveries as ledger
from paperboy.store import subscriptions as subscription_store
from paperboy.store.deliveries import Edition

FREQUENCIES = ("daily", "weekly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# An alert's search is narrowed to papers published shortly before its watermark, so a bulk
# import of old papers (first seen today, published years ago) does not flood every alert.
ALERT_PUBLISHED_SLACK = timedelta(days=7)
ALERT_CANDIDATES = 100
# A daily edition lists the newest feed day at most this far back (a long weekend).
DAILY_LOOKBACK = timedelta(days=4)


def weekly_day(settings: Settings) -> int:
    """The weekday number (Monday 0) of weekly_digest_day; ConfigError naming it if unusable."""
    name = settings.weekly_digest_day.strip().lower()
    if name not in WEEKDAYS:
        raise ConfigError(
            f"weekly_digest_day {settings.weekly_digest_day!r} is not a day of the week; "
            f"use one of {', '.join(WEEKDAYS)}"
        )
    return WEEKDAYS.index(name)


def check_digest_settings(settings: Settings) -> None:
    """ConfigError naming the first digest setting that cannot be used."""
    weekly_day(settings)
    if not 0 <= settings.digest_hour <= 23:
        raise ConfigError(f"digest_hour {settings.digest_hour} is not an hour of the day (0-23)")
    if not 1 <= settings.digest_top_n <= 100:
        raise ConfigError(f"digest_top_n {settings.digest_top_n} must be between 1 and 100")
    if settings.digest_max_attempts < 1:
        raise ConfigError(f"digest_max_attempts {settings.digest_max_attempts} must be at least 1")


def edition_name(kind: str, frequency: str, day: date) -> str:
    return f"{kind}-{frequency}:{day.isoformat()}"


def due_frequencies(settings: Settings, now: datetime) -> list[str]:
    """The frequencies whose editions for now's day are due at now (UTC)."""
    if now.hour < settings.digest_hour:
        return []
    due = ["daily"]
    if now.weekday() == weekly_day(settings):
        due.append("weekly")
    return due


def edition_period(db: Database, kind: str, frequency: str, day: date) -> tuple[date, date]:
    if kind in ("trending", "for_you") and frequency == "daily":
        # The newest feed day up to this one (arXiv announces nothing at weekends), if recent:
        # a store whose newest papers are weeks old has nothing new to mail.
        covered = latest_feed_day(db, not_after=day)
        if covered is None or covered < day - DAILY_LOOKBACK:
            covered = day
        return covered, covered
    if kind in ("trending", "for_you"):
        return period_bounds(day - timedelta(days=1), "week")
    if frequency == "daily":
        return day, day
    return day - timedelta(days=6), day


def create_edition(db: Database, kind: str, frequency: str, day: date, now: datetime) -> tuple[Edition, int]:
    """The edition of kind and frequency for day, created if new, with a pending delivery for
    every active subscription not yet in its ledger. Returns (edition, deliveries added)."""
    start, end = edition_period(db, kind, frequency, day)
    with db.transaction() as conn:
        # The INSERT comes first so that, on SQLite, this transaction holds the write lock
        # before it reads; two workers doing this at once then simply take turns.
        edition = ledger.get_or_create_edition(
            conn, name=edition_name(kind, frequency, day), kind=kind, frequency=frequency,
            period_start=start, period_end=end, now=naive_utc(now),
        )  # fmt: skip
        if edition.completed_at is not None:
            return edition, 0
        subscribers = [s.id for s in subscription_store.active(conn, kind, frequency)]
        added = ledger.add_deliveries(conn, edition.id, subscribers)
    return edition, added


# -- what an edition says ----------------------------------------------------------------


@dataclass(frozen=True)
class AlertQuery:
    """What a saved-search alert asks, and from when: subscribers sharing it share one digest."""

    query: str
    filters: tuple[tuple[str, str], ...]
    since: datetime | None


def trending_content(db: Database, settings: Settings, edition: Edition) -> DigestContent | None:
    """The top papers of a trending edition's period, or None when there is nothing new."""
    if edition.frequency == "daily":
        with db.connect() as conn:
            previous = ledger.previous_edition(conn, edition.kind, edition.frequency, edition.name)
        if previous is not None and previous.period_end >= edition.period_end:
            return None  # that feed day went out already
        page = feed_page(db, edition.period_end, "day", per_page=settings.digest_top_n)
        heading = f"Trending papers of {_long_date(edition.period_end)}"
    else:
        page = feed_page(db, edition.period_end, "week", per_page=settings.digest_top_n)
        heading = f"Trending papers of the week {_long_date(page.first_day)} to {_long_date(page.last_day)}"
    if not page.items:
        return None
    papers = tuple(digest_paper(settings, item.key, item.paper) for item in page.items)
    return DigestContent(
        subject=f"Paperboy: {heading}",
        heading=heading,
        intro=f"The {len(papers)} most popular of {page.total} new papers.",
        reason=f"you subscribed to the {edition.frequency} trending papers",
        papers=papers,
    )


def already_covered(db: Database, edition: Edition) -> bool:
    """A daily edition whose feed day an earlier one of its kind went out with (a weekend)."""
    if edition.frequency != "daily":
        return False
    with db.connect() as conn:
        previous = ledger.previous_edition(conn, edition.kind, edition.frequency, edition.name)
    return previous is not None and previous.period_end >= edition.period_end


def alert_query(row: Any) -> AlertQuery:
    """The grouping key of a saved-search subscription (a Subscription)."""
    return AlertQuery(row.query or "", tuple(sorted(row.filters.items())), row.alert_watermark)


def alert_cut_off(
    db: Database, settings: Settings, edition: Edition, now: datetime, mode: str = "keyword"
) -> datetime:
    """What an alert edition lists papers up to, and so where its readers' watermarks move:
    its creation, but never past what the alert's indexes have seen, nor past now.

    A paper stored but not yet indexed (imported with --no-index, or the index catching up)
    cannot be found by the alert's search; were the watermark moved past the moment it was
    first seen, no later alert would list it. So the cut-off stops just before the earliest
    paper changed since the index's watermark, and a later edition, once the index has it,
    lists it. A keyword alert needs the keyword index only; a semantic or hybrid one also
    the embeddings, which a first import computes in the background. (Watermarks are read
    before the store, so they can only be behind.)
    """
    revisions = [read_watermark(keyword_folder(settings))]
    if mode in MEANING_MODES:
        revisions.append(read_watermark(vector_folder(settings)))
    with db.connect() as conn:
        unseen = changes.earliest_first_seen_changed_since(conn, min(revisions))
    cut_off = min(edition.created_at, naive_utc(now))
    if unseen is not None:
        cut_off = min(cut_off, unseen - timedelta(microseconds=1))
    return cut_off


def alert_mode(alert: AlertQuery) -> str:
    """The search mode an alert runs in: the one it was saved with; keyword when none was
    given (exact about the words asked for, and it needs no model)."""
    return dict(alert.filters).get("mode") or "keyword"


def alert_content(
    db: Database,
    settings: Settings,
    search: SearchService,
    edition: Edition,
    alert: AlertQuery,
    until: datetime | None = None,
) -> DigestContent | None:
    """Papers matching the alert that were first seen after its watermark and by until (the
    edition's cut-off, see alert_cut_off; its creation when not given); None when there are
    none. Raises UnusableAlert when the stored search cannot be run."""
    found = alert_papers(db, settings, search, alert, until=edition.created_at if until is None else until)
    if not found:
        return None
    filters = dict(alert.filters)
    what = describe("search", edition.frequency, alert.query, filters)
    heading = f"New papers for \u201c{alert.query}\u201d"
    return DigestContent(
        subject=f"Paperboy alert: {len(found)} new for \u201c{clip(alert.query, 80)}\u201d",
        heading=heading,
        intro=f"{len(found)} new paper{'s' if len(found) != 1 else ''} since your last alert.",
        reason=f"you set up this alert ({what})",
        papers=tuple(found),
    )


class UnusableAlert(UserFacingError, ValueError):
    """A stored saved search that cannot be run (it predates a check the edge now makes, or
    was written around it); the message says why, for the delivery's last_error."""


def alert_papers(
    db: Database, settings: Settings, search: SearchService, alert: AlertQuery, until: datetime
) -> list[DigestPaper]:
    """The alert's best matches first seen in (since, until], best first, at most digest_top_n.

    Raises UnusableAlert when the stored query or filters cannot be searched."""
    try:
        # The stored row is checked again as the edge checks new ones: it may be older.
        filters = check_filters(dict(alert.filters))
    except SubscriptionError as exc:
        raise UnusableAlert(f"the saved search's filters cannot be used: {exc}") from None
    if alert.since is not None and alert.since >= until:
        return []  # nothing can be new: the cut-off is not past the last alert
    after = date.fromisoformat(filters["after"]) if "after" in filters else None
    if alert.since is not None:
        recent = max((alert.since - ALERT_PUBLISHED_SLACK).date(), EARLIEST_DAY)
        after = max(after, recent) if after else recent
    before = date.fromisoformat(filters["before"]) if "before" in filters else None
    try:
        results = search.search(
            alert.query, mode=alert_mode(alert), per_page=ALERT_CANDIDATES,
            category=filters.get("category"), after=after, before=before,
        )  # fmt: skip
    except QuerySyntaxError as exc:
        raise UnusableAlert(f"the saved search cannot be run: {exc.message}") from None
    with db.connect() as conn:
        seen = subscription_store.first_seen_of(conn, [hit.paper_id for hit in results.hits])
    chosen = []
    for hit in results.hits:
        first_seen = seen.get(hit.paper_id)
        if first_seen is None or first_seen > until:
            continue
        if alert.since is not None and first_seen <= alert.since:
            continue
        chosen.append(digest_paper(settings, hit.key, hit.paper))
        if len(chosen) >= settings.digest_top_n:
            break
    return chosen


def _long_date(day: date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"
