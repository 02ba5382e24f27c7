"""What the routes share for the life of the process: the store, settings and search."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import Response

from paperboy.config import Settings
from paperboy.domain import StoredPaper
from paperboy.services.catalogue import catalogue_revision
from paperboy.services.finding.search import SearchHit, SearchService
from paperboy.store import Database
from paperboy.web.page_cache import STAMP_FILE, PageCache

log = logging.getLogger("paperboy.web")
CACHE_SECONDS = 600.0
CACHE_ENTRIES = 256
T = TypeVar("T")


class SearchUnavailableError(RuntimeError):
    """Search cannot answer in this process; the message says why and what to do."""


class AppContext:
    """One per app: the store, the settings, and the search service opened on first use."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._search: SearchService | None = None
        self._lock = threading.Lock()
        self._remembered: dict[tuple[Any, ...], tuple[float, Any]] = {}
        self.page_cache = PageCache(settings.page_cache_seconds, settings.data_dir / STAMP_FILE)

    def remembered(self, key: tuple[Any, ...], compute: Callable[[], T], seconds: float = CACHE_SECONDS) -> T:
        """compute()'s value, reused for `seconds` under `key` (summaries of the feed that
        change slowly and cost a query over weeks of entries, e.g. rising categories)."""
        now = time.monotonic()
        with self._lock:
            found = self._remembered.get(key)
        if found is not None and now - found[0] < seconds:
            remembered: T = found[1]
            return remembered
        value = compute()
        with self._lock:
            if len(self._remembered) >= CACHE_ENTRIES:
                self._remembered.clear()
            self._remembered[key] = (now, value)
        return value

    def kept(self, request: Request, render: Callable[[], Response]) -> Response:
        """The page (or API answer) as kept for signed-out readers, else render()'s
        (web/page_cache.py); a paper's change is seen through the store's revision."""
        return self.page_cache.page(request, lambda: catalogue_revision(self.db), render)

    def search(self) -> SearchService:
        """The process's SearchService, opened once; raises SearchUnavailableError otherwise."""
        with self._lock:
            if self._search is None:
                try:
                    self._search = SearchService(self.db, self.settings)
                except Exception as exc:  # an index that cannot open must not take pages down
                    log.exception("cannot open the search indexes")
                    raise SearchUnavailableError(
                        f"The search indexes cannot be opened ({type(exc).__name__}); "
                        "the operator can rebuild them from the store."
                    ) from None
            return self._search

    def search_status(self) -> str:
        try:
            self.search()
        except SearchUnavailableError as exc:
            return f"unavailable: {exc}"
        return "ready"

    def similar_papers(self, stored: StoredPaper, limit: int = 6) -> list[SearchHit] | None:
        """Papers like this one, or None when search cannot say (the page omits them)."""
        try:
            return list(self.search().similar(stored, limit=limit))
        except (SearchUnavailableError, LookupError):
            return None


def app_context(request: Request) -> AppContext:
    """FastAPI dependency: the AppContext of the app serving this request."""
    context: AppContext = request.app.state.context
    return context


# Routes take `context: Context` to get the app's AppContext.
Context = Annotated[AppContext, Depends(app_context)]
