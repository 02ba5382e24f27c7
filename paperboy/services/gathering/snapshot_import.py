"""Importing arXiv's metadata snapshot, or a slice of it, optionally onto the feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from paperboy.domain import IngestReport
from paperboy.domain.errors import InvalidRequest
from paperboy.services.gathering.ingest import Progress, ingest_items
from paperboy.sources.snapshot import SnapshotSlice, listing_days, open_snapshot, read_snapshot
from paperboy.store import Database


@dataclass(frozen=True)
class NewestDays:
    """The newest listing days of a file: the slice that holds them, and what they hold."""

    wanted: SnapshotSlice
    days: tuple[date, ...]
    records: int


def newest_listing_days(path: Path, count: int, categories: tuple[str, ...] = ()) -> NewestDays:
    """The newest `count` days on which the file (in categories) lists papers, found in
    one streaming pass over dates; the slice starts on the first of them."""
    if count < 1:
        raise InvalidRequest(f"--last-days must be at least 1, not {count}")
    per_day = listing_days(path, categories)
    newest = tuple(sorted(per_day)[-count:])
    since = newest[0] if newest else date.max
    return NewestDays(
        SnapshotSlice(since=since, categories=categories), newest, sum(per_day[d] for d in newest)
    )


def check_snapshot(path: Path) -> None:
    """Raise SourceError now for a path that cannot be a snapshot (before any work)."""
    open_snapshot(path).close()


def import_snapshot(
    db: Database,
    path: Path,
    *,
    on_feed: bool = False,
    wanted: SnapshotSlice | None = None,
    batch_size: int = 1000,
    progress: Progress | None = None,
) -> IngestReport:
    """Import the snapshot (or the slice wanted), each paper on the feed on its
    announcement day when on_feed. Idempotent: a second run changes nothing."""
    detail = str(path)
    if wanted:
        detail += f" since {wanted.since}" if wanted.since else ""
        detail += f" in {' '.join(wanted.categories)}" if wanted.categories else ""
    if on_feed:
        detail += " on the feed"
    return ingest_items(
        db,
        read_snapshot(path, on_feed=on_feed, wanted=wanted or None),
        kind="snapshot",
        detail=detail,
        batch_size=batch_size,
        progress=progress,
        prepare_in_background=True,
        bulk_load=True,
    )


def every_record_rejected(report: IngestReport) -> bool:
    """A file that gave nothing but rejections is not a snapshot worth a zero exit."""
    return report.rejected > 0 and not (report.added or report.updated or report.unchanged)
