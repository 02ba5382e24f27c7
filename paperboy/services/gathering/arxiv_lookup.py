"""Looking papers up on arXiv by id: what `paperboy ingest ids` and community
submissions use. Ids come in any form people paste; each bad one is rejected by name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from paperboy.config import Settings
from paperboy.domain import FeedEntry, IngestReport, InvalidArxivId, Rejection, SourceItem, parse_arxiv_id
from paperboy.domain.clock import utcnow
from paperboy.services.gathering.ingest import ingest_items
from paperboy.sources.arxiv_api import LookupResult, fetch_arxiv_ids
from paperboy.sources.errors import SourceError
from paperboy.sources.http import HttpClient
from paperboy.store import Database, runs

KIND = "arxiv-ids"


def parse_requested_ids(texts: Sequence[str]) -> tuple[list[str], list[Rejection]]:
    """Ids without version, in order and without repeats, and a rejection per bad input.

    The version is dropped on purpose: the API then answers with the latest version,
    which is what a reader (or a submitter pasting an old link) wants to see.
    """
    ids: dict[str, None] = {}
    rejections = []
    for text in texts:
        try:
            arxiv_id, _ = parse_arxiv_id(text)
        except InvalidArxivId as exc:
            rejections.append(Rejection(text.strip()[:80] or repr(text), str(exc)))
            continue
        ids[arxiv_id] = None
    return list(ids), rejections


def lookup_arxiv_papers(
    settings: Settings, texts: Sequence[str], client: HttpClient | None = None
) -> LookupResult:
    """Fetch the papers for ids in any usual form, without storing them.

    Raises SourceError when arXiv cannot be reached; bad and unknown ids are rejections.
    """
    ids, rejections = parse_requested_ids(texts)
    result = fetch_arxiv_ids(settings, ids, client) if ids else LookupResult()
    result.rejections[:0] = rejections
    return result


def ingest_arxiv_ids(
    db: Database, settings: Settings, ids: Sequence[str], entry: FeedEntry | None = None
) -> IngestReport:
    """Fetch ids from the arXiv API and store them (deduplicated and merged as usual).

    With entry, each paper found is also put on that feed day (a community submission).
    An unreachable API sets report.error instead of raising.
    """
    detail = " ".join(ids)
    try:
        result = lookup_arxiv_papers(settings, ids)
    except SourceError as exc:
        _, rejections = parse_requested_ids(ids)
        return _record_failed_run(db, detail, rejections, str(exc))
    items: list[SourceItem] = [replace(r, entry=entry) if entry else r for r in result.records]
    items.extend(result.rejections)
    return ingest_items(db, items, kind=KIND, detail=detail, batch_size=settings.batch_size)


def _record_failed_run(db: Database, detail: str, rejections: list[Rejection], error: str) -> IngestReport:
    """Log a run that fetched nothing, so `paperboy stats` shows the failure too."""
    report = IngestReport(error=error)
    for rejection in rejections:
        report.reject(rejection)
    with db.transaction() as conn:
        run_id = runs.start_run(conn, KIND, detail, utcnow())
        runs.finish_run(conn, run_id, report, utcnow())
    return report
