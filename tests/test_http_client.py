"""The network sources' HTTP client against a loopback server: what it retries, how long
it waits, and when it gives up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from recorded_server import Drop, RecordedServer, Reply, Script, SleepRecorder, Step

from paperboy.config import Settings
from paperboy.sources.errors import SourceError
from paperboy.sources.http import HttpClient


def serve(steps: list[Step]) -> RecordedServer:
    script = Script({"steps": steps})
    return RecordedServer(lambda path, query: script.take("steps"))


def test_429_and_other_5xx_are_retried_with_a_growing_pause(settings: Settings) -> None:
    sleep = SleepRecorder()
    steps: list[Step] = [Reply("slow down", status=429), Reply("bad gateway", status=502), Reply("fine")]
    with serve(steps) as server, HttpClient(settings, sleep=sleep) as http:
        response = http.get(f"{server.url}/page")
    assert response.status == 200 and response.text == "fine"
    assert len(server.requests) == 3
    assert sleep.calls == [1.0, 2.0]  # no Retry-After: one second, then twice that


def test_retry_after_as_an_http_date_is_honoured(settings: Settings) -> None:
    sleep = SleepRecorder()
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
    steps: list[Step] = [Reply("busy", status=503, headers={"Retry-After": when}), Reply("fine")]
    with serve(steps) as server, HttpClient(settings, sleep=sleep) as http:
        assert http.get(f"{server.url}/page").text == "fine"
    [waited] = sleep.calls
    assert 1.0 < waited <= 3.0  # the date has whole seconds, so up to one less than asked


def test_a_client_error_is_not_retried(settings: Settings) -> None:
    sleep = SleepRecorder()
    with serve([Reply("no such page", status=404)]) as server, HttpClient(settings, sleep=sleep) as http:
        with pytest.raises(SourceError, match="HTTP 404: no such page"):
            http.get(f"{server.url}/page")
    assert len(server.requests) == 1 and sleep.calls == []


def test_giving_up_names_the_url_and_the_last_problem_without_a_last_pause(settings: Settings) -> None:
    sleep = SleepRecorder()
    with serve([Drop()]) as server, HttpClient(settings, sleep=sleep) as http:
        with pytest.raises(SourceError) as caught:
            http.get(f"{server.url}/page")
    message = str(caught.value)
    assert message.startswith(f"{server.url}/page: gave up after 3 attempts; last problem: connection failed")
    assert len(server.requests) == 3
    assert sleep.calls == [1.0, 2.0]  # a pause before each retry, none after the last attempt
