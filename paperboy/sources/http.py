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
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

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
        # tenacity counts the attempts and sleeps between them (with our sleep, so tests
        # spend no wall time); the wait comes from _pause.
        self._retrying = Retrying(
            stop=stop_after_attempt(self.retries),
            retry=retry_if_exception_type(_TryAgain),
            wait=self._pause,
            sleep=self._sleep,
            reraise=True,
        )
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
        try:
            return self._retrying(self._attempt, url, params)
        except _TryAgain as last:
            raise SourceError(f"{url}: gave up after {self.retries} attempts; last problem: {last}") from None

    def _attempt(self, url: str, params: Mapping[str, str] | None) -> HttpResponse:
        """One request: the response, _TryAgain for a failure worth retrying, or SourceError."""
        self._wait_turn()
        try:
            response = self._client.get(url, params=params)
            body = response.content
        except httpx.TimeoutException:
            raise _TryAgain("timed out") from None
        except httpx.TransportError as exc:
            raise _TryAgain(f"connection failed ({type(exc).__name__}: {exc})") from None
        shown = str(response.url)
        if len(body) > MAX_BODY:
            raise SourceError(f"{shown}: response of {len(body):,} bytes is too large")
        if response.status_code in _RETRY_STATUSES:
            asked = _retry_after(response.headers.get("Retry-After"))
            if asked is not None and asked > self.max_retry_after:
                raise SourceError(
                    f"{shown}: HTTP {response.status_code} asks to retry after {asked:.0f}s, "
                    f"more than max_retry_after ({self.max_retry_after:.0f}s)"
                )
            raise _TryAgain(f"HTTP {response.status_code}", asked)
        if response.status_code >= 400:
            raise SourceError(f"{shown}: HTTP {response.status_code}: {response.text[:200]}")
        return HttpResponse(shown, response.status_code, body, response.headers.get("content-type", ""))

    def _pause(self, state: RetryCallState) -> float:
        """Before the next attempt: what the server asked for, else a doubling backoff."""
        failure = state.outcome.exception() if state.outcome else None
        asked = failure.retry_after if isinstance(failure, _TryAgain) else None
        return asked if asked is not None else self._backoff(state.attempt_number)

    def _wait_turn(self) -> None:
        now = self._clock()
        if self._last_request is not None:
            remaining = self.delay - (now - self._last_request)
            if remaining > 0:
                self._sleep(remaining)
        self._last_request = self._clock()

    def _backoff(self, attempt: int) -> float:
        return float(min(max(self.delay, 1.0) * 2 ** (attempt - 1), 60.0))


class _TryAgain(Exception):
    """A failed attempt worth repeating: the problem, and the wait the server asked for."""

    def __init__(self, problem: str, retry_after: float | None = None) -> None:
        super().__init__(problem)
        self.retry_after = retry_after


def _retry_after(header: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None without one."""
    if header:
        header = header.strip()
        if header.isdigit():
            return float(header)
        try:
            when = parsedate_to_datetime(header)
            return max((naive_utc(when) - utcnow()).total_seconds(), 0.0)
        except (TypeError, ValueError):
            pass
    return None
