"""Community submissions: a member puts an arXiv paper on today's list by id or URL."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from paperboy.config import Settings
from paperboy.domain import FeedEntry, InvalidArxivId, StoredPaper, parse_arxiv_id
from paperboy.domain.accounts import User
from paperboy.domain.clock import naive_utc, utcnow
from paperboy.services.catalogue import find_paper
from paperboy.services.community.access import acting_member
from paperboy.services.community.errors import CommunityError, NotAllowed
from paperboy.services.gathering.arxiv_lookup import lookup_arxiv_papers
from paperboy.services.gathering.ingest import ingest_items
from paperboy.services.rate_limits import check_and_record
from paperboy.sources.errors import SourceError
from paperboy.store import Database
from paperboy.store import feed as feed_store
from paperboy.store import papers as paper_store

TEXT_MAX = 300
ORIGIN = "user"
KIND = "submission"
# A person is waiting on the page: give up on arXiv sooner than a harvest would.
_LOOKUP_RETRIES = 2
_LOOKUP_TIMEOUT = 20.0


@dataclass(frozen=True)
class Submission:
    """The outcome of a submission.

    first is False when someone had already submitted the paper that day: then
    submitted_by is that first submitter's name and nothing new was stored.
    """

    key: str
    title: str
    day: date
    first: bool
    submitted_by: str


def submit_paper(
    db: Database, settings: Settings, user: User, text: str, ip: str, now: datetime | None = None
) -> Submission:
    """Put the arXiv paper named by text (an id or URL in any usual form) on today's (UTC) list.

    The paper is taken from the store, or fetched from the arXiv API when missing.
    Raises CommunityError (field "arxiv_id") for a bad or unknown id or when arXiv cannot
    be reached, NotAllowed for a suspended account, RateLimited when over the limits.
    """
    moment = naive_utc(now) if now else utcnow()
    arxiv_id = _parse(text)
    # Counted before arXiv is asked: the limit also protects arXiv from being hammered through us.
    with db.transaction() as conn:
        member = acting_member(conn, user)
        check_and_record(conn, "submit", member.id, ip, moment)
    stored = find_paper(db, arxiv_id) or _fetch_and_store(db, settings, arxiv_id)
    if stored.withdrawn:
        raise CommunityError(f"arXiv {arxiv_id} has been withdrawn by its authors; it cannot be listed.",
                             field="arxiv_id")  # fmt: skip
    today = moment.date()
    with db.transaction() as conn:
        member = acting_member(conn, user)
        if feed_store.is_listing_hidden(conn, stored.id):
            raise NotAllowed(f"arXiv {arxiv_id} was taken off the lists by a moderator.", field="arxiv_id")
        listing = FeedEntry(day=today, origin=ORIGIN, submitted_by=member.shown_name)
        added = paper_store.insert_entries(conn, [(stored.id, listing)], moment, member.id)
        first_by = member.shown_name if added else feed_store.user_entry_submitter(conn, today, stored.id)
    return Submission(stored.key, stored.paper.title, today, bool(added), first_by or member.shown_name)


def _parse(text: str) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise CommunityError("Enter an arXiv id (like 2405.07518) or an arXiv link.", field="arxiv_id")
    if len(cleaned) > TEXT_MAX:
        raise CommunityError(
            f"An arXiv id or link has at most {TEXT_MAX} characters; this one has {len(cleaned)}.",
            field="arxiv_id",
        )
    try:
        arxiv_id, _version = parse_arxiv_id(cleaned)
    except InvalidArxivId as exc:
        raise CommunityError(
            f"{exc} Paste an id like 2405.07518 or hep-th/9901001, or a link like https://arxiv.org/abs/2405.07518.",
            field="arxiv_id",
        ) from None
    return arxiv_id


def _fetch_and_store(db: Database, settings: Settings, arxiv_id: str) -> StoredPaper:
    patient = replace(
        settings,
        http_retries=min(settings.http_retries, _LOOKUP_RETRIES),
        http_timeout=min(settings.http_timeout, _LOOKUP_TIMEOUT),
    )
    try:
        result = lookup_arxiv_papers(patient, [arxiv_id])
    except SourceError:
        raise CommunityError(
            "arXiv could not be reached to look the paper up; try again in a few minutes.", field="arxiv_id"
        ) from None
    if not result.records:
        raise CommunityError(f"arXiv has no paper {arxiv_id}; check the id.", field="arxiv_id")
    ingest_items(db, result.records, kind=KIND, detail=arxiv_id, batch_size=settings.batch_size)
    stored = find_paper(db, arxiv_id)
    if stored is None:
        # Merged into a paper kept under another key (same title): find it by its arXiv id.
        with db.connect() as conn:
            key = paper_store.key_of_arxiv_id(conn, arxiv_id)
        stored = find_paper(db, key) if key is not None else None
    if stored is None:
        raise CommunityError(f"arXiv {arxiv_id} was fetched but could not be stored; try again.",
                             field="arxiv_id")  # fmt: skip
    return stored
