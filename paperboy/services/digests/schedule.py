"""Digests: create the editions that are due and send them through the ledger; preview one.

The worker and `paperboy digest send` call `send_due`; `paperboy digest preview` calls
`preview`. Editions and their papers are chosen in services/digests/editions.py, the sending is
services/digests/delivery_run.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from paperboy.config import LOCAL_SITE, ConfigError, Settings
from paperboy.digest.compose import DigestContent, personalise, render_digest
from paperboy.domain.clock import naive_utc, utcnow
from paperboy.domain.subscriptions import KINDS
from paperboy.mail import SmtpSession, header_text, outbox_dir
from paperboy.services.digests import editions
from paperboy.services.digests.delivery_run import EditionSender, SendReport, default_worker_id
from paperboy.services.digests.subscriptions import SubscriptionError, check_filters, check_query
from paperboy.services.finding.search import SearchService
from paperboy.store import Database
from paperboy.store import deliveries as ledger
from paperboy.store.deliveries import Edition

PREVIEW_KINDS = ("daily", "weekly", "search")


@dataclass(frozen=True)
class DigestTotals:
    """What a send did, over all editions."""

    reports: tuple[SendReport, ...]

    def total(self, name: str) -> int:
        return sum(int(getattr(r, name)) for r in self.reports)

    @property
    def errors(self) -> list[str]:
        return [f"{r.edition}: {r.error}" for r in self.reports if r.error]


def create_editions(
    db: Database,
    settings: Settings,
    day: date,
    kinds: Sequence[str] = KINDS,
    frequencies: Sequence[str] = editions.FREQUENCIES,
    now: datetime | None = None,
) -> list[Edition]:
    """Create (or find) the editions of day for these kinds and frequencies, ledger rows included."""
    now = naive_utc(now or utcnow())
    made = []
    for frequency in frequencies:
        for kind in kinds:
            edition, _ = editions.create_edition(db, kind, frequency, day, now)
            made.append(edition)
    return made


def create_due_editions(db: Database, settings: Settings, now: datetime) -> list[Edition]:
    """The editions due at now by the schedule (daily from digest_hour; weekly on its day)."""
    now = naive_utc(now)
    due = editions.due_frequencies(settings, now)
    return create_editions(db, settings, now.date(), frequencies=due, now=now) if due else []


def send_due(
    db: Database,
    settings: Settings,
    *,
    now: datetime | None = None,
    worker_id: str | None = None,
    kinds: Sequence[str] = KINDS,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 100,
    session: SmtpSession | None = None,
) -> DigestTotals:
    """Send every open edition's due deliveries (pending, and failed ones whose retry is due).

    Safe to run in any number of processes at once. Deliveries left "sending" by a worker
    that stopped are recorded as permanent failures, never resent (see docs/digests.md).
    """
    editions.check_digest_settings(settings)
    clock = naive_utc(now) if now else None
    worker = worker_id or default_worker_id()
    with db.transaction() as conn:
        ledger.give_up_interrupted(conn, clock or utcnow())
    with db.connect() as conn:
        open_ones = [e for e in ledger.open_editions(conn) if e.kind in kinds]
    reports = []
    search = SearchService(db, settings) if any(e.kind == "search" for e in open_ones) else None
    own_session = session is None
    mail = session or SmtpSession(settings)
    try:
        for edition in open_ones:
            sender = EditionSender(
                db, settings, edition, worker_id=worker, session=mail, search=search, now=clock,
                batch_size=batch_size, progress=progress,
            )  # fmt: skip
            report = sender.run()
            reports.append(report)
            if report.error:
                break  # the mail server cannot be used: the other editions would fail the same way
    finally:
        if own_session:
            mail.close()
    return DigestTotals(tuple(reports))


def check_mail_base_url(settings: Settings) -> str | None:
    """Before mailing from a command that does not serve the site (`digest send`, `worker`).

    Without base_url the links in mail point at LOCAL_SITE, whatever host and port the site
    is really on: ConfigError when that mail would reach people over SMTP; for the outbox, a
    note to print (None when base_url is set).
    """
    if settings.base_url:
        return None
    if settings.smtp_url:
        raise ConfigError(
            f"PAPERBOY_BASE_URL is not set, so every link in these mails would point at {LOCAL_SITE}, "
            "which readers cannot open; nothing was sent. Set it to the site's public address, "
            "e.g. PAPERBOY_BASE_URL=https://papers.example.org"
        )
    return (
        f"note: PAPERBOY_BASE_URL is not set: links in the mails written to {outbox_dir(settings)} "
        f"point at {LOCAL_SITE} (a placeholder); set it to where the site is reached"
    )


def pending_count(db: Database, kinds: Sequence[str] = KINDS) -> int:
    """Deliveries still to send in open editions (for a progress bar)."""
    with db.connect() as conn:
        total = 0
        for edition in ledger.open_editions(conn):
            if edition.kind in kinds:
                left = ledger.counts(conn, edition.id)
                total += left.get("pending", 0) + left.get("failed", 0)
    return total


def preview(
    db: Database,
    settings: Settings,
    kind: str,
    day: date,
    query: str | None = None,
    fmt: str = "text",
    filters: dict[str, str] | None = None,
) -> str | None:
    """The digest of kind ("daily", "weekly" trending, or "search" for query) for day, as text or
    HTML, without sending or recording anything; None when it would have nothing to say."""
    if kind not in PREVIEW_KINDS:
        raise SubscriptionError(f"kind {kind!r} is not one of {', '.join(PREVIEW_KINDS)}", "kind")
    if fmt not in ("text", "html"):
        raise SubscriptionError(f"format {fmt!r} is not text or html", "format")
    editions.check_digest_settings(settings)
    cut_off = datetime.combine(day + timedelta(days=1), time())
    content: DigestContent | None
    if kind == "search":
        text = check_query(query)
        checked = check_filters(filters)
        edition = Edition(0, editions.edition_name("search", "daily", day), "search", "daily", day, day,
                          cut_off, None)  # fmt: skip
        alert = editions.AlertQuery(text, tuple(sorted(checked.items())), cut_off - timedelta(days=1))
        content = editions.alert_content(db, settings, SearchService(db, settings), edition, alert)
    else:
        frequency = kind
        start, end = editions.edition_period(db, "trending", frequency, day)
        edition = Edition(0, editions.edition_name("trending", frequency, day), "trending", frequency,
                          start, end, cut_off, None)  # fmt: skip
        content = editions.trending_content(db, settings, edition)
    if content is None:
        return None
    base = settings.effective_base_url
    text_part, html_part = personalise(
        render_digest(content),
        f"{base}/unsubscribe?token=PREVIEW",
        f"{base}/subscriptions/manage?token=PREVIEW",
    )
    if fmt == "html":
        return html_part
    return f"Subject: {header_text(content.subject)}\n\n{text_part}"
