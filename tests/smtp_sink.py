"""A reusable SMTP sink for tests and benchmarks: a real aiosmtpd server on loopback.

It offers STARTTLS with a self-signed certificate (trusted through SSL_CERT_FILE, as an
operator would trust a private CA), so Paperboy never has to send in plain text. It keeps
every message, can refuse chosen recipients (5xx permanently, 4xx for now), and can go
away partway through a run, to be started again on the same port.

    with SmtpSink(certificate_pair(tmp_path)) as sink:
        settings = replace(settings, smtp_url=sink.url)
        ...
        sink.messages_to("ada@example.org")

As pytest fixtures: `smtp_certificate` (module scope) and `smtp_sink` (also sets SSL_CERT_FILE).
"""

from __future__ import annotations

import email
import email.policy
import os
import socket
import ssl
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

_CERT_LOCK = threading.Lock()


def certificate_pair(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate and key for 127.0.0.1 in folder (made once, with openssl)."""
    cert, key = folder / "sink-cert.pem", folder / "sink-key.pem"
    with _CERT_LOCK:
        if not cert.exists():
            folder.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                 "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                 "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                check=True, capture_output=True,
            )  # fmt: skip
    return cert, key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # type: ignore[no-untyped-def]  # noqa: N802
        reply = self.sink.refusals.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]  # noqa: N802
        return self.sink._accept(envelope)


class SmtpSink:
    """An aiosmtpd server on a free loopback port that keeps what it is sent.

    tls: "starttls" (the default; STARTTLS required before MAIL) or "none" (plain; Paperboy
    refuses such a server, which tests of that refusal want). parse=False keeps raw bytes
    only (fast, for benchmarks); messages then parses on demand.
    """

    def __init__(self, certificate: tuple[Path, Path], tls: str = "starttls", parse: bool = True) -> None:
        self.certificate = certificate
        self.tls = tls
        self.parse = parse
        self.port = free_port()
        self.raw: list[bytes] = []
        self.envelopes: list[list[str]] = []
        # address (lower-case) -> SMTP reply given at RCPT, e.g. "550 5.1.1 no such user".
        self.refusals: dict[str, str] = {}
        self._stop_after: int | None = None
        self._lock = threading.Lock()
        self._controller: Controller | None = None
        self.stopped_by_itself = threading.Event()

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The smtp_url for Paperboy's settings (STARTTLS on port, no authentication)."""
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> SmtpSink:
        """Start (or start again, on the same port) the server."""
        if self._controller is not None:
            return self
        kwargs: dict[str, object] = {"hostname": "127.0.0.1", "port": self.port}
        if self.tls == "starttls":
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.certificate)
            kwargs.update(tls_context=context, require_starttls=True)
        # Benchmarks send many messages per connection; aiosmtpd's defaults allow that.
        controller = Controller(_Handler(self), **kwargs)  # type: ignore[arg-type]
        controller.start()
        self._controller = controller
        self.stopped_by_itself.clear()
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- behaviour -----------------------------------------------------------------------

    def stop_after(self, count: int | None) -> None:
        """Go away once count messages (in all) have been accepted.

        The next message after that is answered "421" (not kept) and the server stops, so
        every message the sender saw accepted is kept and none is kept that it did not.
        """
        self._stop_after = count

    def refuse(self, address: str, reply: str = "550 5.1.1 mailbox unavailable") -> None:
        """Answer RCPT for address with reply (5xx: permanent; 4xx: try again later)."""
        self.refusals[address.lower()] = reply

    def _accept(self, envelope) -> str:  # type: ignore[no-untyped-def]
        with self._lock:
            if self._stop_after is not None and len(self.raw) >= self._stop_after:
                self._stop_after = None
                # Stopping joins the server's own thread, so do it from another one.
                threading.Thread(target=self._stop_from_inside, daemon=True).start()
                return "421 4.3.2 service shutting down"
            self.raw.append(bytes(envelope.content))
            self.envelopes.append(list(envelope.rcpt_tos))
        return "250 OK"

    def _stop_from_inside(self) -> None:
        self.stop()
        self.stopped_by_itself.set()

    # -- what arrived --------------------------------------------------------------------

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            raw = list(self.raw)
        return [email.message_from_bytes(data, policy=email.policy.default) for data in raw]  # type: ignore[misc]

    def count_by_recipient(self) -> Counter[str]:
        """How many messages each address received (by envelope recipient)."""
        with self._lock:
            return Counter(address.lower() for rcpts in self.envelopes for address in rcpts)

    def messages_to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            pairs = list(zip(self.envelopes, self.raw, strict=True))
        wanted = address.lower()
        return [
            email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[misc]
            for rcpts, data in pairs
            if wanted in (r.lower() for r in rcpts)
        ]


@pytest.fixture(scope="session")
def smtp_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return certificate_pair(tmp_path_factory.mktemp("smtp-sink-tls"))


@pytest.fixture
def smtp_sink(smtp_certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    """A started SmtpSink whose certificate this process trusts (SSL_CERT_FILE)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(smtp_certificate[0]))
    sink = SmtpSink(smtp_certificate)
    with sink:
        yield sink


def trust_environment(certificate: tuple[Path, Path]) -> dict[str, str]:
    """os.environ plus SSL_CERT_FILE for a subprocess (e.g. `paperboy worker`) to trust the sink."""
    return {**os.environ, "SSL_CERT_FILE": str(certificate[0])}
