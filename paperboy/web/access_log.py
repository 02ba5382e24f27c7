"""One access-log line per request: client address, method, path, status and duration."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("paperboy.web.access")


class AccessLog:
    """ASGI middleware logging `CLIENT METHOD /path?query STATUS 12.3ms` at INFO.

    CLIENT is the address ClientAddress resolved (the reader, not the proxy).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            query = scope.get("query_string", b"").decode("latin-1")
            path = scope.get("path", "") + (f"?{query}" if query else "")
            client = scope.get("client")
            log.info(
                "%s %s %s %d %.1fms",
                client[0] if client else "-",
                scope.get("method"),
                path[:300],
                status,
                (time.perf_counter() - started) * 1000,
            )
