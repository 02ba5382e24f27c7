"""HTTP for the network sources: polite, patient with 503, clear when it gives up.

One client per remote service keeps the delay between its requests; arXiv asks for
one request every three seconds and sends 503 with Retry-After when busy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

from paperboy import __version__
from paperboy.config import Settings
from paperboy.domain.clock import naive_utc, utcnow
from paperboy.sources.errors import SourceError

# Bodies larger than this are refused: no legitimate page of these APIs comes close.
MAX_BODY = 64 * 1024 * 1024
_RETRY_STATUSES = {429, 500, 502, 503, 504}


@dataclass(frozen=True)
class HttpResponse:
    url: str
    status: int
    body: bytes
    content_type: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class HttpClient:
    """GET with a politeness delay, Retry-After, and bounded retries with backoff."""

    def __init__(
        self,
        settings: Settings,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.delay = settings.request_delay
        self.retries = max(settings.http_retries, 1)
        self.max_retry_after = settings.max_retry_after
        self._sleep = sleep
        self._clock = clock
        self._last_request: float | None = None
        agent = f"Paperboy/{__version__}"
        if settings.contact_email:
            agent += f" (mailto:{settings.contact_email})"
        self._client = httpx.Client(
            timeout=httpx.Timeout(settings.http_timeout),
            headers={"User-Agent": agent},
            follow_redirects=True,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def get(self, url: str, params: Mapping[str, str] | None = None) -> HttpResponse:
        """GET url; retry 429/5xx, timeouts and dropped connections; raise SourceError
        naming the URL once retries are spent or on any other error status."""
        problem = ""
        for attempt in range(1, self.retries + 1):
            self._wait_turn()
            try:
                response = self._client.get(url, params=params)
                body = response.content
            except httpx.TimeoutException:
                problem = "timed out"
                self._sleep(self._backoff(attempt))
                continue
            except (httpx.TransportError, httpx.RemoteProtocolError) as exc:
                problem = f"connection failed ({type(exc).__name__}: {exc})"
                self._sleep(self._backoff(attempt))
                continue
            shown = str(response.url)
            if len(body) > MAX_BODY:
                raise SourceError(f"{shown}: response of {len(body):,} bytes is too large")
            if response.status_code in _RETRY_STATUSES:
                problem = f"HTTP {response.status_code}"
                wait = self._retry_after(response.headers.get("Retry-After"), attempt)
                if wait > self.max_retry_after:
                    raise SourceError(
                        f"{shown}: HTTP {response.status_code} asks to retry after {wait:.0f}s, "
                        f"more than max_retry_after ({self.max_retry_after:.0f}s)"
                    )
                self._sleep(wait)
                continue
            if response.status_code >= 400:
                raise SourceError(f"{shown}: HTTP {response.status_code}: {response.text[:200]}")
            return HttpResponse(shown, response.status_code, body, response.headers.get("content-type", ""))
        raise SourceError(f"{url}: gave up after {self.retries} attempts; last problem: {problem}")

    def _wait_turn(self) -> None:
        now = self._clock()
        if self._last_request is not None:
            remaining = self.delay - (now - self._last_request)
            if remaining > 0:
                self._sleep(remaining)
        self._last_request = self._clock()

    def _backoff(self, attempt: int) -> float:
        return float(min(max(self.delay, 1.0) * 2 ** (attempt - 1), 60.0))

    def _retry_after(self, header: str | None, attempt: int) -> float:
        """Seconds from a Retry-After header (delta-seconds or HTTP date)."""
        if header:
            header = header.strip()
            if header.isdigit():
                return float(header)
            try:
                when = parsedate_to_datetime(header)
                return max((naive_utc(when) - utcnow()).total_seconds(), 0.0)
            except (TypeError, ValueError):
                pass
        return self._backoff(attempt)
