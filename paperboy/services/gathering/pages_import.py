"""Importing saved Daily Papers pages (text files): each paper on its page's day."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from pathlib import Path

from paperboy.config import Settings
from paperboy.domain import IngestReport
from paperboy.services.gathering.ingest import ingest_items
from paperboy.sources.daily_pages import read_daily_pages
from paperboy.sources.errors import SourceError
from paperboy.store import Database

KIND = "pages"


def import_pages(
    db: Database,
    settings: Settings,
    paths: Sequence[Path],
    year: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Store the papers of these saved pages, each with a "page" entry on its day.

    year: the year of the pages' dates (default: the latest not in the future). A path that
    is not a file is refused before anything is stored.
    """
    for path in paths:
        if not path.is_file():
            raise SourceError(
                f"{path}: {'is a directory' if path.is_dir() else 'no such file'}; give saved page .txt files"
            )
    items = itertools.chain.from_iterable(read_daily_pages(path, year=year) for path in paths)
    return ingest_items(
        db,
        items,
        kind=KIND,
        detail=" ".join(str(p) for p in paths),
        batch_size=settings.batch_size,
        progress=progress,
    )
