"""A loopback HTTP server that stands in for arXiv and Hugging Face in tests.

Tests give it a function from (path, query) to a Step: a recorded reply, or one of
the failures real servers produce (503 with Retry-After, a dropped connection, a
body cut short, a reply slower than the client's timeout).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    body: bytes | str = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/xml; charset=utf-8"
    # Send only this many bytes of the body while declaring the full length.
    cut_at: int | None = None
    # Wait this long before answering (longer than the client timeout: a timeout).
    delay: float = 0.0


@dataclass
class Drop:
    """Close the connection without answering."""


Step = Reply | Drop
Responder = Callable[[str, dict[str, str]], Step]


@dataclass
class SeenRequest:
    path: str
    query: dict[str, str]
    user_agent: str
    at: float


class RecordedServer:
    """Serve Steps on 127.0.0.1; remember every request."""

    def __init__(self, respond: Responder) -> None:
        self.respond = respond
        self.requests: list[SeenRequest] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                server.requests.append(
                    SeenRequest(parts.path, query, self.headers.get("User-Agent", ""), time.monotonic())
                )
                step = server.respond(parts.path, query)
                if isinstance(step, Drop):
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if step.delay:
                    time.sleep(step.delay)
                body = step.body.encode() if isinstance(step.body, str) else step.body
                try:
                    self.send_response(step.status)
                    self.send_header("Content-Type", step.content_type)
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in step.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body if step.cut_at is None else body[: step.cut_at])
                    if step.cut_at is not None:
                        self.wfile.flush()
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        # A short poll interval: shutdown() waits up to one interval, once per test.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> RecordedServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class Script:
    """Steps queued per key, taken in order; the last one repeats."""

    def __init__(self, steps: dict[str, list[Step]]) -> None:
        self._steps = {key: list(queue) for key, queue in steps.items()}

    def take(self, key: str) -> Step:
        queue = self._steps.get(key)
        if not queue:
            return Reply(f"no recorded response for {key}", status=404, content_type="text/plain")
        return queue.pop(0) if len(queue) > 1 else queue[0]


class SleepRecorder:
    """Stands in for time.sleep so retries take no wall time; keeps what was asked."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
