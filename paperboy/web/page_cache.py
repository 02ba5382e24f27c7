"""Rendered pages kept for signed-out readers, for a short while.

A long feed day costs tens to hundreds of milliseconds to render and is the same for every
signed-out reader but for the CSRF token in its header, so its HTML is kept with the token
taken out, and each reader gets it back with their own token put in. The API's list of a
day (JSON, no token) is kept the same way for callers without a session.

Freshness. A kept page is served for at most `seconds` (PAGE_CACHE_SECONDS, 30 by
default). It is dropped at once when:
- a paper is added or changed (the store's newest paper revision is part of the key);
- anything is changed through the web app (a vote, a comment, a moderation step, a
  submission), in any worker process: each successful POST, PUT, PATCH or DELETE touches
  a stamp file in the data folder, and the stamp's mtime is part of the key.
What is written outside the web app without changing a paper (upvotes imported by a
harvest, say) shows within `seconds`.

Signed-in readers never get a kept page: theirs shows their votes, library and name.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperboy.web.presenters import LAYOUT_COOKIE, layout_of

STAMP_FILE = "pages-changed.stamp"
# What stands for the reader's CSRF token in a kept page. Page text is escaped, so "<" never
# comes from a paper or a comment; had it, a reader would only ever see their own token.
TOKEN_PLACEHOLDER = b"<csrf-token>"
MAX_BYTES = 64 * 1024 * 1024
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The longest a request waits for another's rendering of the same page before rendering it.
RENDER_WAIT_SECONDS = 10.0


class PageCache:
    """Signed-out pages by address and layout, least recently used out past max_bytes."""

    def __init__(self, seconds: float, stamp: Path, max_bytes: int = MAX_BYTES) -> None:
        self.seconds = seconds
        self.stamp = stamp
        self.max_bytes = max_bytes
        # key -> (until, media type, body with the token taken out)
        self._pages: OrderedDict[tuple[object, ...], tuple[float, str, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        # Pages being rendered now, each with the event its other readers wait on.
        self._rendering: dict[tuple[object, ...], threading.Event] = {}

    def page(self, request: Request, revision: Callable[[], int], render: Callable[[], Response]) -> Response:
        """The kept page (HTML, or an API's JSON) for this request, else render()'s, kept
        when it is a 200."""
        token: str = getattr(request.state, "csrf_token", "")
        if self.seconds <= 0 or request.state.user is not None or not token:
            return render()
        key = (
            request.url.path,
            request.url.query,
            layout_of(request.cookies.get(LAYOUT_COOKIE)),
            revision(),
            self._stamp_time(),
        )
        kept = self._kept(key)
        if kept is not None:
            return _served(kept, token)
        with self._lock:
            rendering = self._rendering.get(key)
            leads = rendering is None
            if leads:
                rendering = self._rendering[key] = threading.Event()
        assert rendering is not None
        if not leads:
            # Another request renders this page now: wait for its copy rather than render
            # it again (fifty readers arriving at once would otherwise render it fifty times).
            rendering.wait(RENDER_WAIT_SECONDS)
            kept = self._kept(key)
            if kept is not None:
                return _served(kept, token)
            return render()
        try:
            response = render()
            if response.status_code == 200 and not response.headers.get("set-cookie"):
                body = bytes(response.body).replace(token.encode(), TOKEN_PLACEHOLDER)
                self._keep(key, time.monotonic() + self.seconds, response.media_type or "text/html", body)
            return response
        finally:
            with self._lock:
                del self._rendering[key]
            rendering.set()

    def _kept(self, key: tuple[object, ...]) -> tuple[str, bytes] | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None or time.monotonic() >= found[0]:
                return None
            self._pages.move_to_end(key)
            return found[1], found[2]

    def _keep(self, key: tuple[object, ...], expires: float, media_type: str, body: bytes) -> None:
        if len(body) > self.max_bytes // 4:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self._bytes -= len(old[2])
            self._pages[key] = (expires, media_type, body)
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, (_, _, dropped) = self._pages.popitem(last=False)
                self._bytes -= len(dropped)

    def _stamp_time(self) -> int:
        try:
            return os.stat(self.stamp).st_mtime_ns
        except FileNotFoundError:
            return 0

    def changed(self) -> None:
        """Something was written through the web app: no kept page, in any process, is current."""
        with self._lock:
            self._pages.clear()
            self._bytes = 0
        try:
            self.stamp.parent.mkdir(parents=True, exist_ok=True)
            # Touched with a time of our own: two changes within the file system's clock
            # resolution must still give two stamps.
            stamp = max(time.time_ns(), self._stamp_time() + 1)
            self.stamp.touch()
            os.utime(self.stamp, ns=(stamp, stamp))
        except OSError:
            pass  # an unwritable data folder leaves other workers at most `seconds` behind


def _served(kept: tuple[str, bytes], token: str) -> Response:
    media_type, body = kept
    return Response(body.replace(TOKEN_PLACEHOLDER, token.encode()), media_type=media_type)


class PageCacheInvalidation:
    """ASGI middleware: after each successful state-changing request, `PageCache.changed()`."""

    def __init__(self, app: ASGIApp, cache: PageCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        status = 500

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            if status < 400:
                self.cache.changed()
